"""Hostile files through `open_photo`, `photo_bytes` and `photo_problem`, the reader every other entry point relies on: each photo
comes out the right way up with 8 bits per channel and its colours, and every other file gives an `UnusablePhoto` that says why,
huge ones before a pixel is decoded; damaged copies of real files never raise anything else."""
import io, random
import pytest
from PIL import Image
from course_lib.images import UnusablePhoto, open_photo, photo_bytes, photo_problem
from hostile_inputs import STORED_AS, TRANSPARENT, animation, broken_files, decoded_sizes, encode, looks_like, photos, why_unusable

PHOTOS, BROKEN = photos(), broken_files()
HUGE = ['huge-20000x20000.png', 'bomb-7000x7000.png']  # 400 and 49 megapixels, in 48 kB and 6 kB
EIGHT_BIT_MODES = {'1', 'L', 'LA', 'P', 'PA', 'RGB', 'RGBA', 'CMYK'}

@pytest.mark.parametrize('orientation', [o for o in STORED_AS if o != 1])
def test_a_rotated_photo_is_stored_turned(orientation):
    "The inputs of the orientation tests are honest: without its EXIF tag, the photo is not the right way up"
    data, upright = PHOTOS[f'exif-{orientation}.jpg']
    assert not looks_like(Image.open(io.BytesIO(data)), upright)

@pytest.mark.parametrize('name', PHOTOS)
def test_open_photo_gives_each_photo_upright_with_8_bits(name):
    data, seen = PHOTOS[name]
    img = open_photo(data)
    assert img.mode in EIGHT_BIT_MODES and looks_like(img, seen)

@pytest.mark.parametrize('name', [n for n in PHOTOS if n != 'animated.gif'])
def test_a_still_photo_in_rgb_is_upright(name):
    "What the app gives the model: `open_photo(data, still=True).convert('RGB')`"
    data, seen = PHOTOS[name]
    img = open_photo(data, still=True).convert('RGB')
    assert img.mode == 'RGB' and looks_like(img, seen)

@pytest.mark.parametrize('name', list(BROKEN))
def test_open_photo_refuses_each_broken_file_with_its_reason(name):
    data, why = BROKEN[name]
    assert why in why_unusable(data)

@pytest.mark.parametrize('name', HUGE)
@pytest.mark.parametrize('size', [None, 32])
def test_a_huge_png_is_refused_before_a_pixel_is_decoded(name, size):
    with decoded_sizes() as sizes: assert 'too large' in why_unusable(BROKEN[name][0], size=size)
    assert sizes == []

def test_a_large_jpeg_decoded_small_is_within_the_limit():
    "The pixel limit applies to the pixels decoded: a JPEG of 4 megapixels drafted at 1/8 decodes 62,500, not 4,000,000"
    data = encode(Image.new('RGB', (2000, 2000), 'green'), 'JPEG')
    assert 'too large' in why_unusable(data, max_pixels=1_000_000)
    with decoded_sizes() as sizes: img = open_photo(data, max_pixels=1_000_000, size=200)
    assert set(sizes) == {(250, 250)} and img.size == (250, 250)

@pytest.mark.parametrize('name', PHOTOS)
def test_photo_bytes_shrinks_and_encodes_each_photo(name):
    data, seen = PHOTOS[name]
    out, ext = photo_bytes(open_photo(data), max_size=24)
    img = Image.open(io.BytesIO(out))
    assert (ext, img.format, img.mode) == (('.png', 'PNG', 'RGBA') if name in TRANSPARENT else ('.jpg', 'JPEG', 'RGB'))
    assert max(img.size) <= 24 and looks_like(img, seen)

@pytest.mark.parametrize('name', PHOTOS)
def test_decoding_a_photo_small_gives_the_same_thumbnail(name):
    "`open_photo(size=...)` may decode a JPEG at a fraction of its pixels; the thumbnail is the same size, the same way up, the same colours"
    data, seen = PHOTOS[name]
    with decoded_sizes() as sizes: small = open_photo(data, size=12)
    if name.endswith('.jpg'): assert max(sizes[0]) < max(seen.size) and max(small.size) >= 12  # 48x32 decoded as 24x16 or 12x8
    full, _ = photo_bytes(open_photo(data), max_size=12)
    drafted, _ = photo_bytes(small, max_size=12)
    full, drafted = (Image.open(io.BytesIO(b)) for b in (full, drafted))
    assert drafted.size == full.size and looks_like(drafted, seen)

def test_photo_problem_names_what_is_wrong_with_a_file(tmp_path):
    for name, (data, why) in BROKEN.items(): (tmp_path/name).write_bytes(data)
    for name, (data, _) in PHOTOS.items(): (tmp_path/name).write_bytes(data)
    assert {n: photo_problem(tmp_path/n) for n in PHOTOS} == dict.fromkeys(PHOTOS)
    assert all(why in photo_problem(tmp_path/n) for n, (_, why) in BROKEN.items())
    assert 'cannot be read' in photo_problem(tmp_path/'not-there.jpg')

def damaged_copies(data, n, seed=0):
    "`n` copies of `data`, each cut short or with a few bytes overwritten somewhere"
    rng = random.Random(seed)
    for _ in range(n):
        copy, start = bytearray(data), rng.randrange(len(data))
        if rng.random() < 0.3: del copy[start:]
        else: copy[start:start + rng.randint(1, 8)] = rng.randbytes(rng.randint(1, 8))
        yield bytes(copy)

def opened(data, **kwargs)->bool:
    "Whether `open_photo(data, **kwargs)` gives a photo, in RGB as the app uses it; False if it refuses `data` (any other exception would crash the app)"
    try: return open_photo(data, **kwargs).convert('RGB').mode == 'RGB'
    except UnusablePhoto: return False

@pytest.mark.parametrize('fmt', ['JPEG', 'GIF', 'PNG', 'WEBP'], ids=['jpeg', 'gif', 'apng', 'webp'])
def test_damaged_files_are_photos_or_unusable(bird_photo, fmt):
    "Read as the downloader reads a file and as the app reads an upload (a still photo only), in one run: the file itself is a photo, and each damaged copy a photo or refused"
    original = bird_photo.read_bytes() if fmt == 'JPEG' else animation(fmt)  # a camera's JPEG, and animations
    assert opened(original) and opened(original, still=True) == (fmt == 'JPEG')  # an animation is not a still photo
    for data in damaged_copies(original, 500): opened(data); opened(data, still=True)  # each raises nothing but `UnusablePhoto`
