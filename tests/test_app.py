"The app's logic, from uploaded bytes to an answer, on good photos and on everything else people upload"
import io, random
import pytest
from hypothesis import given, settings, strategies as st
from PIL import Image
from course_lib.is_it_a_bird import DownloadError, course_root
from course_lib.app import Answer, DEFAULT_MODEL, classify_upload, load_classifier, model_path, still_photo
from app_fixtures import BIRD_PHOTO, FOREST_PHOTO, bird_model

@pytest.fixture(scope='module')
def learn(bird_model): return load_classifier(bird_model)

def encode(img, fmt, **kwargs):
    out = io.BytesIO(); img.save(out, fmt, **kwargs)
    return out.getvalue()

def animation(fmt):
    frames = [Image.new('RGB', (64, 64), c) for c in ('red', 'green', 'blue')]
    return encode(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)

def assert_prediction(answer, label, learn):
    assert answer.message is None
    assert answer.label == label
    assert list(answer.probs) == sorted(learn.dls.vocab, key=lambda c: -answer.probs[c])  # every class, most probable first
    assert answer.probs[label] > 0.5 and sum(answer.probs.values()) == pytest.approx(1, abs=1e-4)
    assert answer.photo.mode == 'RGB'

def assert_message(answer, *words):
    assert answer.photo is None and answer.label is None and answer.probs is None
    assert all(w in answer.message for w in words), answer.message

def test_bird_photo(learn): assert_prediction(classify_upload(learn, BIRD_PHOTO.read_bytes()), 'bird', learn)
def test_forest_photo(learn): assert_prediction(classify_upload(learn, FOREST_PHOTO.read_bytes()), 'forest', learn)

def test_greyscale_and_transparent_photos_are_predicted(learn):
    bird = Image.open(BIRD_PHOTO)
    assert_prediction(classify_upload(learn, encode(bird.convert('L'), 'PNG')), 'bird', learn)
    assert_prediction(classify_upload(learn, encode(bird.convert('RGBA'), 'PNG')), 'bird', learn)

def test_single_frame_gif_is_a_photo(learn):
    assert classify_upload(learn, encode(Image.open(BIRD_PHOTO).convert('P'), 'GIF')).label is not None

def test_text_file(learn):
    assert_message(classify_upload(learn, b'Dear diary, today I saw a bird.\n', 'diary.txt'), 'diary.txt is not a photo I can use')

def test_empty_upload(learn): assert_message(classify_upload(learn, b'', 'empty.jpg'), 'empty.jpg', 'empty')

def test_truncated_jpeg(learn):
    data = BIRD_PHOTO.read_bytes()
    assert_message(classify_upload(learn, data[:len(data)//2]), 'not a photo I can use', 'truncated')

@pytest.mark.parametrize('fmt', ['GIF', 'PNG', 'WEBP'])
def test_animation(learn, fmt): assert_message(classify_upload(learn, animation(fmt)), 'not a photo I can use', '3 frames')

def test_huge_image(learn):
    data = encode(Image.new('1', (10_000, 5_000)), 'PNG')  # 50 megapixels in a few kilobytes
    assert len(data) < 100_000
    assert_message(classify_upload(learn, data), 'too large', '10000x5000')

@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2_000))
def test_any_bytes_get_an_answer(learn, data):
    answer = classify_upload(learn, data)
    assert isinstance(answer, Answer) and (answer.label is None) != (answer.message is None)

def damaged_copies(data, n, seed=0):
    "`n` copies of `data`, each cut short or with a few bytes overwritten somewhere"
    rng = random.Random(seed)
    for _ in range(n):
        copy, start = bytearray(data), rng.randrange(len(data))
        if rng.random() < 0.3: del copy[start:]
        else: copy[start:start + rng.randint(1, 8)] = rng.randbytes(rng.randint(1, 8))
        yield bytes(copy)

@pytest.mark.parametrize('original', [BIRD_PHOTO.read_bytes(), animation('GIF'), animation('PNG'), animation('WEBP')],
                         ids=['jpeg', 'gif', 'apng', 'webp'])
def test_damaged_files_are_photos_or_messages(original):
    for data in damaged_copies(original, 500):
        try: assert still_photo(data).mode == 'RGB'
        except DownloadError: pass  # any other exception would crash the app

def test_model_path(monkeypatch):
    monkeypatch.delenv('COURSE_MODEL', raising=False)
    assert model_path() == course_root()/DEFAULT_MODEL
    monkeypatch.setenv('COURSE_MODEL', 'models/pets.pkl')
    assert model_path() == course_root()/'models'/'pets.pkl'
    monkeypatch.setenv('COURSE_MODEL', '/elsewhere/pets.pkl')
    assert str(model_path()) == '/elsewhere/pets.pkl'

def test_missing_model_says_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match='COURSE_MODEL'): load_classifier(tmp_path/'nothing.pkl')
