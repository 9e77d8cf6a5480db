"""Hostile files through every entry point that reads photos: `open_photo`, `photo_bytes`, `download_images`, `trash_broken_images`,
the lesson's `DataBlock` and the app's upload handler. Each photo is used the right way up with its colours, or skipped with a reason
that names it; every file that existed before is still there afterwards, in its place or in the trash, byte for byte."""
import io, os, re
from pathlib import Path
import pytest
from hypothesis import given, settings, strategies as st
from PIL import Image
from course_lib.is_it_a_bird import (DownloadError, PhotoCollection, bird_block, download_images, open_photo, photo_bytes,
                                     safe_filename, trash_broken_images)
from course_lib.app import classify_upload, load_classifier, still_photo
from app_fixtures import bird_model
from hostile_inputs import (STORED_AS, broken_files, decoded_sizes, encode, files_under, half_written, looks_like, photos, quadrant_photo,
                            read_only)
from photo_server import PhotoServer, Route

PHOTOS, BROKEN = photos(), broken_files()
TRANSPARENT = {'palette-transparent.png', 'grey-alpha.png', 'rgba.png'}  # kept as PNG, with their transparency
HUGE = ['huge-20000x20000.png', 'bomb-7000x7000.png']  # 400 and 49 megapixels, in 48 kB and 6 kB
EIGHT_BIT_MODES = {'1', 'L', 'LA', 'P', 'PA', 'RGB', 'RGBA', 'CMYK'}
ODD_NAMES = ['a bird in the garden.jpg', 'bird\'s "best" side.jpg', 'vögel 鸟 ümlaut.jpg', '-leading dash.jpg', 'tab\tand\nnewline.jpg']

def reason(data)->str:
    "Why `open_photo` refuses `data`"
    with pytest.raises(DownloadError) as e: open_photo(data)
    return str(e.value)

# ---- open_photo and photo_bytes: the reader every other entry point relies on

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

@pytest.mark.parametrize('name', list(BROKEN))
def test_open_photo_refuses_each_broken_file_with_its_reason(name):
    data, why = BROKEN[name]
    assert why in reason(data)

@pytest.mark.parametrize('name', HUGE)
def test_a_huge_image_is_refused_before_a_pixel_is_decoded(name):
    with decoded_sizes() as sizes: reason(BROKEN[name][0])
    assert sizes == []

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

# ---- download_images: the same files, served by a local web server, under names that try to escape the folder

NAMED_URLS = {  # path on the server -> how the downloaded photo's name must start
    '/names/a%20bird%20in%20the%20garden.jpg': 'a-bird-in-the-garden-', "/names/bird's%20%22best%22%20side.jpg": 'bird-s-best-side-',
    '/names/v%C3%B6gel%20%E9%B8%9F.jpg': 'vogel-', '/names/%E9%B8%9F.jpg': 'photo-', '/names/..%2F..%2F..%2Fescape.jpg': 'escape-',
    '/names/%2e%2e%2F%2e%2e%2F.bashrc': 'bashrc-', '/names/photo.jpg?save-as=../../etc/passwd': 'photo-',
    '/names/nul%00and%0Anewline.jpg': 'nul-and-newline-', '/names/C:%5CWindows%5Cwin.ini': 'c-windows-win-',
}
SAFE_NAME = re.compile(r'[a-z0-9][a-z0-9_-]*-[0-9a-f]{12}\.(jpg|png)')

@pytest.fixture(scope='module')
def downloaded(tmp_path_factory):
    routes = {f'/{n}': Route(data) for n, (data, _) in PHOTOS.items()} | {f'/{n}': Route(data) for n, (data, _) in BROKEN.items()}
    routes |= {p: Route(encode(quadrant_photo((48 + i, 32)), 'JPEG')) for i, p in enumerate(NAMED_URLS)}  # each a different photo
    server, root = PhotoServer(routes), tmp_path_factory.mktemp('downloads')
    try: results = download_images([server.url(p) for p in routes], root/'bird', PhotoCollection(root), timeout=10)
    finally: server.stop()
    return root, {r.url.split('/', 3)[-1]: r for r in results}

@pytest.mark.parametrize('name', PHOTOS)
def test_each_photo_is_downloaded_upright(downloaded, name):
    path = downloaded[1][name].path
    assert path is not None and path.suffix == ('.png' if name in TRANSPARENT else '.jpg')
    assert looks_like(Image.open(path), PHOTOS[name][1])

@pytest.mark.parametrize('name', BROKEN)
def test_each_broken_file_is_skipped_with_the_reason_open_photo_gives(downloaded, name):
    result = downloaded[1][name]
    assert result.path is None and result.url.endswith(name) and result.reason == reason(BROKEN[name][0])

@pytest.mark.parametrize('url_path', NAMED_URLS)
def test_a_name_from_the_url_stays_inside_the_folder(downloaded, url_path):
    root, results = downloaded
    path = results[url_path.lstrip('/')].path
    assert path.parent == root/'bird' and SAFE_NAME.fullmatch(path.name) and path.name.startswith(NAMED_URLS[url_path])

def test_only_kept_photos_are_written_and_each_is_described(downloaded):
    root, results = downloaded
    kept = {r.path.relative_to(root).as_posix() for r in results.values() if r.path}
    assert len(kept) == len(PHOTOS) + len(NAMED_URLS)
    assert set(files_under(root)) == kept | {'SOURCES.json'} and not half_written(root)
    assert set(PhotoCollection(root).entries) == kept

@settings(max_examples=300, deadline=None)
@given(url=st.one_of(st.text(), st.builds('http://{}/{}'.format, st.text(), st.text())), digest=st.from_regex(r'[0-9a-f]{64}', fullmatch=True),
       ext=st.sampled_from(['.jpg', '.png']))
def test_any_url_gives_a_single_safe_file_name(url, digest, ext):
    try: name = safe_filename(url, digest, ext)
    except ValueError: return  # a URL Python cannot even parse never downloads: see test_hostile_network
    assert SAFE_NAME.fullmatch(name) and len(name) <= 60
    assert os.path.dirname(os.path.normpath(os.path.join('/collection', name))) == '/collection'

# ---- a folder the learner filled by hand: trash_broken_images, then the lesson's DataBlock

IN_FOLDER = {f'bird/{n}': d for n, (d, _) in PHOTOS.items()} | {f'forest/{n}': encode(quadrant_photo(), 'JPEG') for n in ODD_NAMES}
BROKEN_IN_FOLDER = {f'forest/{n}': d for n, (d, _) in BROKEN.items() if n != 'bomb-7000x7000.png'}  # PIL decodes that one: see open_photo
BROKEN_IN_FOLDER['bird/web page «copy» (1).jpg'] = BROKEN['webpage.jpg'][0]

def fill(root, files:dict):
    for rel, data in files.items(): (root/rel).parent.mkdir(parents=True, exist_ok=True); (root/rel).write_bytes(data)

@pytest.fixture(scope='module')
def trashed(tmp_path_factory):
    "The folder after `trash_broken_images`, what it moved, and the size of each image it decoded"
    root = tmp_path_factory.mktemp('folder')
    fill(root, IN_FOLDER | BROKEN_IN_FOLDER)
    with decoded_sizes() as sizes: moved = trash_broken_images(root, PhotoCollection(root))
    return root, moved, sizes

def test_each_broken_file_goes_to_the_trash_byte_for_byte(trashed):
    root, moved, _ = trashed
    assert sorted(p.relative_to(root).as_posix() for p in moved) == sorted(f'.trash/{k}' for k in BROKEN_IN_FOLDER)
    assert {k: (root/'.trash'/k).read_bytes() for k in BROKEN_IN_FOLDER} == BROKEN_IN_FOLDER

def test_every_photo_stays_in_place_byte_for_byte(trashed):
    root = trashed[0]
    assert {k: v for k, v in files_under(root).items() if not k.startswith('.trash/') and k != 'SOURCES.json'} == IN_FOLDER
    assert set(PhotoCollection(root).entries) == set()  # no record invented for photos nobody described
    assert not half_written(root)

def test_checking_the_folder_decodes_no_huge_image(trashed):
    assert (20_000, 20_000) not in trashed[2]

@pytest.fixture(scope='module')
def seen(trashed)->tuple:
    "What the lesson's DataLoaders show the model for each photo (path relative to the folder -> the image in its batch), and their vocab"
    root, shown = trashed[0], {}
    dls = bird_block(size=32).dataloaders(root, bs=64, num_workers=0)
    for dl in (dls.train.new(shuffle=False, drop_last=False), dls.valid):
        xb, _ = dl.one_batch()
        assert len(xb) == len(dl.items)
        shown |= {Path(f).relative_to(root).as_posix(): Image.fromarray((x.permute(1, 2, 0)*255).round().byte().numpy()) for f, x in zip(dl.items, xb)}
    return shown, dls.vocab

def test_the_dataloaders_hold_every_photo_and_no_broken_file(seen):
    assert sorted(seen[0]) == sorted(IN_FOLDER) and list(seen[1]) == ['bird', 'forest']

@pytest.mark.parametrize('rel', IN_FOLDER)
def test_the_model_sees_each_photo_as_a_person_does(seen, rel):
    person_sees = PHOTOS[rel.split('/')[1]][1] if rel.startswith('bird/') else quadrant_photo()
    assert looks_like(seen[0][rel], person_sees)

def test_a_read_only_folder_is_reported_and_nothing_is_copied_or_forgotten(tmp_path):
    root = tmp_path/'folder'
    fill(root, {'bird/broken.jpg': BROKEN['webpage.jpg'][0], 'bird/locked/broken.jpg': BROKEN['empty.jpg'][0]})  # a folder's files come before its subfolders'
    photos = PhotoCollection(root)
    photos.add(root/'bird'/'described.jpg', BROKEN['truncated.jpg'][0], title='a broken download'); photos.save()
    before = files_under(root)
    with read_only(root/'bird'/'locked'), pytest.raises(PermissionError, match='broken.jpg'): trash_broken_images(root, PhotoCollection(root))
    after = files_under(root)
    assert after.pop('bird/locked/broken.jpg') == before.pop('bird/locked/broken.jpg')  # left where it was, and copied nowhere
    assert {k.removeprefix('.trash/'): v for k, v in after.items() if k != 'SOURCES.json'} == {k: v for k, v in before.items() if k != 'SOURCES.json'}
    assert set(PhotoCollection(root).entries) == {'.trash/bird/described.jpg'}  # the record followed the photo that did move

# ---- the app: learn.predict through the upload handler

@pytest.fixture(scope='module')
def learn(bird_model): return load_classifier(bird_model)

@pytest.mark.parametrize('name', [n for n in PHOTOS if n != 'animated.gif'])  # test_app: an animation is refused
def test_the_app_shows_the_model_each_photo_upright_in_rgb(name):
    data, seen = PHOTOS[name]
    img = still_photo(data)  # what classify_upload gives learn.predict
    assert img.mode == 'RGB' and looks_like(img, seen)

@pytest.mark.parametrize('name', ['cmyk.jpg', 'sixteen-bit.png', 'palette-transparent.png', 'photo.webp', 'exif-6.jpg', 'one-pixel.png'])
def test_the_app_predicts_a_photo_of_each_kind(learn, name):
    data, seen = PHOTOS[name]
    answer = classify_upload(learn, data, name)
    assert answer.message is None and answer.label in learn.dls.vocab and sum(answer.probs.values()) == pytest.approx(1, abs=1e-4)
    assert looks_like(answer.photo, seen)

@pytest.mark.parametrize('name', [n for n in BROKEN if n not in ('empty.jpg', 'truncated.jpg')])  # test_app covers those
def test_the_app_says_why_it_cannot_use_each_broken_file(learn, name):
    data, _ = BROKEN[name]
    answer = classify_upload(learn, data, name)
    assert answer.label is None and answer.message == f'{name} is not a photo I can use: {reason(data)}.'
