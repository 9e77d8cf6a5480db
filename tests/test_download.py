"""The downloader against local servers: good photos are kept upright, shrunk, once each and described in `SOURCES.json`;
everything else (broken files, bad servers, URLs that are not web addresses) is skipped with a reason, one bad URL never stops
the others, names from URLs stay inside the folder, and nothing half-written stays on disk."""
import hashlib, json, os, re, signal, threading
import pytest
from fastcore.all import L
from hypothesis import given, settings, strategies as st
from PIL import Image
from course_lib.paths import shipped_photos
from course_lib.photos import PhotoCollection
from course_lib.download import download_photos, download_report, safe_filename
from browser import free_port
from hostile_inputs import (HOSTILE_TIMEOUT, NOT_WEB, TRANSPARENT, broken_files, encode, files_under, half_written, hostile_routes, looks_like,
                            other_photo, photos, quadrant_photo, why_unusable)
from photo_server import JPEG, Route

# ---- real photos, duplicates, redirects and everyday failures

BIRD = sorted((shipped_photos()/'bird').glob('*.jpg'))[0].read_bytes()
FOREST = sorted((shipped_photos()/'forest').glob('*.jpg'))[0].read_bytes()
CAP = 300_000  # bytes; the shipped photos are well under it

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
def server(photo_server): return photo_server(ROUTES)

@pytest.fixture(scope='module')
def downloaded(server, tmp_path_factory):
    root = tmp_path_factory.mktemp('dataset')
    photos = PhotoCollection(root)
    urls = [server.url(p) for p in ROUTES] + [server.url('/missing.jpg'), 'file:///etc/passwd', 'ftp://127.0.0.1/a.jpg']
    results = download_photos(urls, root/'bird', photos, query='bird photo', timeout=1, max_bytes=CAP)
    return root, {r.url.rsplit('/', 1)[-1] if r.url.startswith('http') else r.url: r for r in results}

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
    assert all(downloaded[1][n].reason == f'the same photo as {twin}' for n in BIRD_URLS if n not in kept)

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
    assert all(e['sha256'] == hashlib.sha256((root/k).read_bytes()).hexdigest() for k, e in entries.items())  # the file written, not the download

def test_downloading_again_keeps_nothing_twice(downloaded, server):
    root = downloaded[0]
    before = sorted(root.rglob('*.jpg'))
    again = download_photos([server.url('/bird.jpg'), server.url('/forest.jpg')], root/'bird', PhotoCollection(root), timeout=1)
    assert all(r.reason.startswith('the same photo as') for r in again) and sorted(root.rglob('*.jpg')) == before

def test_the_report_names_each_skip(downloaded):
    text = download_report(L(downloaded[1].values()), show=100)
    assert text.startswith('kept 2 of ') and 'HTTP 404' in text and 'missing.jpg' in text

# ---- hostile files, served under names that try to escape the folder

PHOTOS, BROKEN = photos(), broken_files()
NAMED_URLS = {  # path on the server -> how the downloaded photo's name must start
    '/names/a%20bird%20in%20the%20garden.jpg': 'a-bird-in-the-garden-', "/names/bird's%20%22best%22%20side.jpg": 'bird-s-best-side-',
    '/names/v%C3%B6gel%20%E9%B8%9F.jpg': 'vogel-', '/names/%E9%B8%9F.jpg': 'photo-', '/names/..%2F..%2F..%2Fescape.jpg': 'escape-',
    '/names/%2e%2e%2F%2e%2e%2F.bashrc': 'bashrc-', '/names/photo.jpg?save-as=../../etc/passwd': 'photo-',
    '/names/nul%00and%0Anewline.jpg': 'nul-and-newline-', '/names/C:%5CWindows%5Cwin.ini': 'c-windows-win-',
}
SAFE_NAME = re.compile(r'[a-z0-9][a-z0-9_-]*-[0-9a-f]{12}\.(jpg|png)')

@pytest.fixture(scope='module')
def files_downloaded(photo_server, tmp_path_factory):
    routes = {f'/{n}': Route(data) for n, (data, _) in PHOTOS.items()} | {f'/{n}': Route(data) for n, (data, _) in BROKEN.items()}
    routes |= {p: Route(encode(quadrant_photo((48 + i, 32)), 'JPEG')) for i, p in enumerate(NAMED_URLS)}  # each a different photo
    server, root = photo_server(routes), tmp_path_factory.mktemp('downloads')
    results = download_photos([server.url(p) for p in routes], root/'bird', PhotoCollection(root), timeout=10)
    return root, {r.url.split('/', 3)[-1]: r for r in results}

def kept_as(root, result):
    "The photo that `result` ended as: the file written for it, or the same photo, already kept"
    if result.path: return result.path
    assert result.reason.startswith('the same photo as '), result.reason
    return root/result.reason.removeprefix('the same photo as ')

@pytest.mark.parametrize('name', PHOTOS)
def test_each_photo_is_downloaded_upright(files_downloaded, name):
    "Some of these files are the same picture stored differently (rotated by EXIF, in CMYK...): kept once, upright"
    path = kept_as(files_downloaded[0], files_downloaded[1][name])
    assert path.is_file() and path.suffix == ('.png' if name in TRANSPARENT else '.jpg')
    assert looks_like(Image.open(path), PHOTOS[name][1])

@pytest.mark.parametrize('name', BROKEN)
def test_each_broken_file_is_skipped_with_the_reason_open_photo_gives(files_downloaded, name):
    result = files_downloaded[1][name]
    assert result.path is None and result.url.endswith(name) and result.reason == why_unusable(BROKEN[name][0])

@pytest.mark.parametrize('url_path', NAMED_URLS)
def test_a_name_from_the_url_stays_inside_the_folder(files_downloaded, url_path):
    root, results = files_downloaded
    path = results[url_path.lstrip('/')].path
    assert path.parent == root/'bird' and SAFE_NAME.fullmatch(path.name) and path.name.startswith(NAMED_URLS[url_path])

def test_only_kept_photos_are_written_and_each_is_described(files_downloaded):
    root, results = files_downloaded
    kept = {r.path.relative_to(root).as_posix() for r in results.values() if r.path}
    assert {n for n, r in results.items() if r.path or r.reason.startswith('the same photo as ')} == set(PHOTOS) | {p.lstrip('/') for p in NAMED_URLS}
    assert len({(root/k).read_bytes() for k in kept}) == len(kept)  # no photo twice
    assert set(files_under(root)) == kept | {'SOURCES.json'} and not half_written(root)
    assert set(PhotoCollection(root).entries) == kept

@settings(max_examples=300, deadline=None)
@given(url=st.one_of(st.text(), st.builds('http://{}/{}'.format, st.text(), st.text())), digest=st.from_regex(r'[0-9a-f]{64}', fullmatch=True),
       ext=st.sampled_from(['.jpg', '.png']))
def test_any_url_gives_a_single_safe_file_name(url, digest, ext):
    try: name = safe_filename(url, digest, ext)
    except ValueError: return  # a URL Python cannot even parse never downloads: see test_a_malformed_url_is_skipped_and_the_others_still_download
    assert SAFE_NAME.fullmatch(name) and len(name) <= 60
    assert os.path.dirname(os.path.normpath(os.path.join('/collection', name))) == '/collection'

# ---- a hostile server (test_web gives the reason for each of its failures), a refused connection and URLs that are not web addresses, all at once

HOSTILE = hostile_routes()

@pytest.fixture(scope='module')
def hostile_server(photo_server): return photo_server(HOSTILE)

@pytest.fixture(scope='module')
def network_downloaded(hostile_server, tmp_path_factory):
    "Every route (each redirect chain from its start), a refused connection, and URLs that are not web addresses, downloaded at once"
    root = tmp_path_factory.mktemp('downloads')
    urls = {p: hostile_server.url(p) for p in HOSTILE if p not in ('/pong', *(f'/hop{i}' for i in range(1, 10)))}
    urls |= {'refused': f'http://127.0.0.1:{free_port()}/photo.png', 'no scheme': '//' + hostile_server.url('/photo.png').split('//')[1]}
    urls |= {u: u for u in NOT_WEB}
    results = {r.url: r for r in download_photos(list(urls.values()), root/'bird', PhotoCollection(root), timeout=HOSTILE_TIMEOUT, max_workers=4)}
    return root, {k: results[u] for k, u in urls.items()}

def test_exactly_the_photos_are_kept_whatever_their_content_type_or_length_header(network_downloaded):
    assert sorted(k for k, r in network_downloaded[1].items() if r.path) == ['/labelled-as-html.png', '/nonsense-length.png', '/photo.png']

def test_a_body_longer_than_declared_is_cut_short_and_skipped_as_unreadable(network_downloaded):
    assert 'not a readable image' in network_downloaded[1]['/longer-than-declared.png'].reason  # only the declared bytes are read

def test_a_refused_connection_is_skipped(network_downloaded):
    result = network_downloaded[1]['refused']
    assert result.path is None and 'could not connect' in result.reason and 'refused' in result.reason

@pytest.mark.parametrize('key', NOT_WEB + ['no scheme'])
def test_a_url_that_is_not_a_web_address_is_refused_without_a_request(network_downloaded, hostile_server, key):
    result = network_downloaded[1][key]
    assert result.path is None and result.reason == 'not a web (http or https) address'
    assert hostile_server.requests.count('/photo.png') == 1  # only the real http URL reached the server

def test_the_server_is_not_asked_again_after_a_429(network_downloaded, hostile_server):
    assert hostile_server.requests.count('/rate-limited.png') == 1

def test_every_skip_is_listed_with_its_url_and_reason(network_downloaded):
    text = download_report(L(network_downloaded[1].values()), show=100)
    assert all(f'skipped {r.url[:70]}: {r.reason}' in text for r in network_downloaded[1].values() if r.path is None)

def test_nothing_half_written_stays_on_disk_after_a_hostile_server(network_downloaded):
    root, results = network_downloaded
    kept = {r.path.relative_to(root).as_posix() for r in results.values() if r.path}
    assert set(files_under(root)) == kept | {'SOURCES.json'} and not half_written(root)
    assert set(PhotoCollection(root).entries) == kept

@pytest.mark.parametrize('url', ['http://[::1', 'https://[not-an-ip]/photo.png'])
def test_a_malformed_url_is_skipped_and_the_others_still_download(photo_server, tmp_path, url):
    server = photo_server({'/photo.png': HOSTILE['/photo.png']})
    results = {r.url: r for r in download_photos([url, server.url('/photo.png')], tmp_path, timeout=HOSTILE_TIMEOUT)}
    assert results[url].path is None and 'not a valid web address' in results[url].reason and results[server.url('/photo.png')].path

# ---- the stop button

def test_the_stop_button_stops_a_download_at_once_and_keeps_the_photos_already_kept(photo_server, tmp_path, monkeypatch):
    "Pressed once three photos are kept, while 17 downloads wait for a server that answers only when the test says so"
    answer = threading.Event()
    routes = {f'/quick{i}.png': Route(other_photo(i)) for i in range(3)} | {f'/held{i}.png': Route(other_photo(10 + i), until=answer) for i in range(17)}
    server = photo_server(routes)
    real_add, kept = PhotoCollection.add, []
    def add_then_press_stop(self, *args, **kwargs):
        kept.append(real_add(self, *args, **kwargs))
        if len(kept) == 3: os.kill(os.getpid(), signal.SIGINT)  # as Jupyter's stop button does
        return kept[-1]
    monkeypatch.setattr(PhotoCollection, 'add', add_then_press_stop)
    unhang = threading.Timer(30, answer.set)  # if the download waits for the held ones, they are answered after 30 s and the test fails
    unhang.start()
    # A kernel turns SIGINT into KeyboardInterrupt; a process started in the background by a shell without job control ignores it
    was = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt): download_photos([server.url(p) for p in routes], tmp_path/'bird', max_workers=4, timeout=60)
        assert not answer.is_set(), 'the download waited for the servers after the stop button was pressed'
    finally: unhang.cancel(); answer.set(); signal.signal(signal.SIGINT, was)
    described = {e['path'] for e in json.loads((tmp_path/'bird'/'SOURCES.json').read_text())}
    assert sorted(p.name for p in kept) == sorted(described) == sorted(p.name for p in (tmp_path/'bird').iterdir() if p.name != 'SOURCES.json')
