"""The app's logic, from uploaded bytes to an answer: good photos of every kind reach the model upright and in RGB, everything
else people upload (text, empty, truncated, animated, huge, broken, random bytes) gets a message saying why; importing the
app does not import the image search."""
import subprocess, sys
import pytest
from hypothesis import given, settings, strategies as st
from PIL import Image
from course_lib.paths import course_root
from course_lib.images import UnusablePhoto, open_photo
from course_lib.app import Answer, classify_upload
from hostile_inputs import animation, broken_files, encode, looks_like, photos

PHOTOS, BROKEN = photos(), broken_files()

def assert_prediction(answer, label, learn):
    assert answer.message is None
    assert answer.label == label
    assert list(answer.probs) == sorted(learn.dls.vocab, key=lambda c: -answer.probs[c])  # every class, most probable first
    assert answer.probs[label] > 0.5 and sum(answer.probs.values()) == pytest.approx(1, abs=1e-4)
    assert answer.photo.mode == 'RGB'

def assert_message(answer, *words):
    assert answer.photo is None and answer.label is None and answer.probs is None
    assert all(w in answer.message for w in words), answer.message

def test_bird_photo(learn, bird_photo): assert_prediction(classify_upload(learn, bird_photo.read_bytes()), 'bird', learn)
def test_forest_photo(learn, forest_photo): assert_prediction(classify_upload(learn, forest_photo.read_bytes()), 'forest', learn)

def test_greyscale_and_transparent_photos_are_predicted(learn, bird_photo):
    bird = Image.open(bird_photo)
    assert_prediction(classify_upload(learn, encode(bird.convert('L'), 'PNG')), 'bird', learn)
    assert_prediction(classify_upload(learn, encode(bird.convert('RGBA'), 'PNG')), 'bird', learn)

def test_single_frame_gif_is_a_photo(learn, bird_photo):
    assert_prediction(classify_upload(learn, encode(Image.open(bird_photo).convert('P'), 'GIF')), 'bird', learn)

def test_truncated_jpeg(learn, bird_photo):
    data = bird_photo.read_bytes()
    assert_message(classify_upload(learn, data[:len(data)//2]), 'not a photo I can use', 'truncated')

@pytest.mark.parametrize('fmt', ['GIF', 'PNG', 'WEBP'])
def test_animation(learn, fmt): assert_message(classify_upload(learn, animation(fmt)), 'not a photo I can use', '3 frames')

def test_huge_image(learn):
    data = encode(Image.new('1', (10_000, 5_000)), 'PNG')  # 50 megapixels in a few kilobytes
    assert len(data) < 100_000
    assert_message(classify_upload(learn, data), 'too large', '10000x5000')

def test_a_phones_48_megapixel_photo_is_predicted(learn, bird_photo):
    "More pixels than open_photo decodes by default, but a JPEG: decoded at a fraction of its size, and answered"
    data = encode(Image.open(bird_photo).convert('RGB').resize((8_000, 6_000)), 'JPEG')
    answer = classify_upload(learn, data)
    assert_prediction(answer, 'bird', learn)
    assert 1024 <= max(answer.photo.size) < 8_000

@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2_000))
def test_any_bytes_get_an_answer(learn, data):
    answer = classify_upload(learn, data)
    assert isinstance(answer, Answer) and (answer.label is None) != (answer.message is None)

@pytest.mark.parametrize('name', [n for n in PHOTOS if n != 'animated.gif'])  # test_animation: an animation is refused
def test_the_app_shows_the_model_each_photo_upright_in_rgb(learn, name):
    data, seen = PHOTOS[name]
    answer = classify_upload(learn, data, name)  # `answer.photo` is what learn.predict was given
    assert answer.message is None and answer.photo.mode == 'RGB' and looks_like(answer.photo, seen)

@pytest.mark.parametrize('name', ['cmyk.jpg', 'sixteen-bit.png', 'palette-transparent.png', 'photo.webp', 'exif-6.jpg', 'one-pixel.png'])
def test_the_app_predicts_a_photo_of_each_kind(learn, name):
    data, seen = PHOTOS[name]
    answer = classify_upload(learn, data, name)
    assert answer.message is None and answer.label in learn.dls.vocab and sum(answer.probs.values()) == pytest.approx(1, abs=1e-4)
    assert looks_like(answer.photo, seen)

@pytest.mark.parametrize('name', [n for n in BROKEN if n not in ('empty.jpg', 'truncated.jpg')])  # empty: nbs/library/13_app.ipynb; truncated: above
def test_the_app_says_why_it_cannot_use_each_broken_file(learn, name):
    data, _ = BROKEN[name]
    with pytest.raises(UnusablePhoto) as why: open_photo(data)
    answer = classify_upload(learn, data, name)
    assert answer.label is None and answer.message == f'{name} is not a photo I can use: {why.value}.'

def test_importing_the_app_does_not_import_the_image_search():
    "The app's kernel starts faster without ddgs, which it never uses"
    run = subprocess.run([sys.executable, '-c', "import course_lib.app, sys; assert 'ddgs' not in sys.modules, 'ddgs was imported'"],
                         cwd=course_root(), capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
