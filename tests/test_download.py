"The downloader against a local server: good photos are kept and recorded, everything else is skipped with a reason."
import json
from pathlib import Path
import pytest
from fastcore.all import L
from PIL import Image
from course_lib.is_it_a_bird import PhotoCollection, download_images, download_report, fetch_bytes, DownloadError
from photo_server import PhotoServer, Route

ROOT = Path(__file__).resolve().parent.parent
BIRD = sorted((ROOT/'images'/'bird').glob('*.jpg'))[0].read_bytes()
FOREST = sorted((ROOT/'images'/'forest').glob('*.jpg'))[0].read_bytes()
CAP = 300_000  # bytes; the shipped photos are well under it
JPEG = {'Content-Type': 'image/jpeg'}

ROUTES = {
    '/bird.jpg': Route(BIRD, headers=JPEG),
    '/forest.jpg': Route(FOREST, headers=JPEG),
    '/copy-of-bird.jpg': Route(BIRD, headers=JPEG),
    '/truncated.jpg': Route(BIRD[:len(BIRD)//2], headers=JPEG),
    '/page.jpg': Route(b'<!doctype html><html><body>Sorry, this photo was removed</body></html>', headers={'Content-Type': 'text/html'}),
    '/empty.jpg': Route(b'', headers=JPEG),
    '/error.jpg': Route(b'oops', status=500),
    '/slow.jpg': Route(BIRD, headers=JPEG, delay=3),
    '/stalls.jpg': Route(BIRD, headers=JPEG, stall=3),
    '/huge.jpg': Route(b'\xff\xd8' + bytes(CAP + 10), headers=JPEG),
    '/huge-undeclared.jpg': Route(b'\xff\xd8' + bytes(CAP + 10), headers=JPEG, declared_length=-1),
    '/to-file': Route(status=302, headers={'Location': 'file:///etc/passwd'}),
    '/to-bird': Route(status=302, headers={'Location': '/bird.jpg'}),
}

@pytest.fixture(scope='module')
def server():
    srv = PhotoServer(ROUTES)
    yield srv
    srv.stop()

@pytest.fixture(scope='module')
def downloaded(server, tmp_path_factory):
    root = tmp_path_factory.mktemp('dataset')
    photos = PhotoCollection(root)
    urls = [server.url(p) for p in ROUTES] + [server.url('/missing.jpg'), 'file:///etc/passwd', 'ftp://127.0.0.1/a.jpg']
    results = download_images(urls, root/'bird', photos, query='bird photo', timeout=1, max_bytes=CAP)
    return root, {r.url.rsplit('/', 1)[-1] if r.url.startswith('http') else r.url: r for r in results}

def reason(downloaded, name): return downloaded[1][name].reason or ''

def test_every_url_gets_an_outcome(downloaded):
    assert len(downloaded[1]) == len(ROUTES) + 3

BIRD_URLS = 'bird.jpg', 'copy-of-bird.jpg', 'to-bird'  # the same photo three times: directly, copied, and through a redirect

def kept_photos(downloaded): return [r.path for r in downloaded[1].values() if r.path]

def test_the_real_photos_are_kept_as_readable_images(downloaded):
    kept = kept_photos(downloaded)
    assert len(kept) == 2 and downloaded[1]['forest.jpg'].path in kept
    for path in kept:
        assert path.parent.name == 'bird'
        with Image.open(path) as img: img.load(); assert max(img.size) <= 400

def test_an_exact_duplicate_is_kept_once_whichever_url_comes_first(downloaded):
    kept = [n for n in BIRD_URLS if downloaded[1][n].path]
    assert len(kept) == 1
    twin = downloaded[1][kept[0]].path.relative_to(downloaded[0]).as_posix()
    assert all(reason(downloaded, n) == f'the same photo as {twin}' for n in BIRD_URLS if n not in kept)

@pytest.mark.parametrize('name,why', [
    ('truncated.jpg', 'not a readable image'),
    ('page.jpg', 'not an image file'),
    ('empty.jpg', 'the file is empty'),
    ('missing.jpg', 'HTTP 404'),
    ('error.jpg', 'HTTP 500'),
    ('slow.jpg', 'no answer within 1 s'),
    ('stalls.jpg', 'no answer within 1 s'),
    ('huge.jpg', 'too large'),
    ('huge-undeclared.jpg', 'too large (over the cap'),
    ('to-file', 'redirect refused'),
    ('file:///etc/passwd', 'not a web (http or https) address'),
    ('ftp://127.0.0.1/a.jpg', 'not a web (http or https) address'),
])
def test_a_bad_url_is_skipped_with_its_reason(downloaded, name, why):
    result = downloaded[1][name]
    assert result.path is None and why in result.reason

def test_nothing_half_written_stays_on_disk(downloaded):
    root, results = downloaded
    on_disk = sorted(p for p in root.rglob('*') if p.is_file() and p.name != 'SOURCES.json')
    assert on_disk == sorted(kept_photos(downloaded))
    assert not [p for p in root.rglob('*') if p.name.startswith('.') or p.suffix == '.part']

def test_each_kept_photo_records_its_provenance(downloaded, server):
    root, results = downloaded
    entries = {e['path']: e for e in json.loads((root/'SOURCES.json').read_text())}
    assert sorted(entries) == sorted(p.relative_to(root).as_posix() for p in (r.path for r in results.values()) if p)
    forest = entries[results['forest.jpg'].path.relative_to(root).as_posix()]
    assert forest['image_url'] == server.url('/forest.jpg') and forest['query'] == 'bird photo' and forest['license'].startswith('unknown')
    assert len(forest['sha256']) == 64

def test_downloading_again_keeps_nothing_twice(downloaded, server):
    root = downloaded[0]
    before = sorted(root.rglob('*.jpg'))
    again = download_images([server.url('/bird.jpg'), server.url('/forest.jpg')], root/'bird', PhotoCollection(root), timeout=1)
    assert all(r.reason.startswith('the same photo as') for r in again) and sorted(root.rglob('*.jpg')) == before

def test_the_report_names_each_skip(downloaded):
    text = download_report(L(downloaded[1].values()), show=100)
    assert text.startswith('kept 2 of ') and 'HTTP 404' in text and 'missing.jpg' in text

def test_fetch_bytes_raises_a_clear_error_for_a_refused_connection():
    with pytest.raises(DownloadError, match='could not connect'): fetch_bytes('http://127.0.0.1:9/x.jpg', timeout=2)
