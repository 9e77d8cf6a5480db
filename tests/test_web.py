"""`fetch_bytes` against a hostile local server: every failure is a `DownloadError` whose reason says what went wrong (resets,
slow drips, rate limits, redirect loops and lengths that lie included); a URL that is not a web address never reaches a server;
a URL with spaces or non-ASCII letters is sent percent-encoded."""
import pytest
from course_lib.web import DownloadError, fetch_bytes, is_web_address
from hostile_inputs import HOSTILE_TIMEOUT, NOT_WEB, hostile_routes, other_photo, refusal
from photo_server import Route

HOSTILE = hostile_routes()
PHOTO = HOSTILE['/photo.png'].body

@pytest.fixture(scope='module')
def server(photo_server): return photo_server(HOSTILE)

def why_not_fetched(url)->str: return refusal(DownloadError, fetch_bytes, url, timeout=HOSTILE_TIMEOUT)  # why `fetch_bytes` gives nothing for `url`

@pytest.mark.parametrize('path', ['/photo.png', '/labelled-as-html.png', '/nonsense-length.png', '/hop5'])
def test_a_body_comes_back_whatever_its_content_type_or_length_header(server, path):
    assert fetch_bytes(server.url(path), timeout=HOSTILE_TIMEOUT) == HOSTILE[path if path != '/hop5' else '/hop9'].body  # 4 redirects are followed

def test_only_the_declared_length_is_read(server):
    assert fetch_bytes(server.url('/longer-than-declared.png'), timeout=HOSTILE_TIMEOUT) == PHOTO[:len(PHOTO)//2]

@pytest.mark.parametrize('path,why', [
    ('/reset.png', 'the connection broke'),
    ('/reset-undeclared.png', 'the connection broke'),
    ('/drip.png', f'too slow (not finished after {HOSTILE_TIMEOUT} s)'),
    ('/rate-limited.png', 'HTTP 429 Too Many Requests'),
    ('/unavailable.png', 'HTTP 503 Service Unavailable'),
    ('/loop', 'redirect refused'),
    ('/ping', 'redirect refused'),
    ('/hop0', 'redirect refused'),  # 9 hops: more than the 5 a browser-like client follows
    ('/to-ftp', 'redirect refused'),
    ('/to-data', 'redirect refused'),
    ('/shorter-than-declared.png', 'the connection broke'),
])
def test_a_hostile_server_gives_a_download_error_with_its_reason(server, path, why):
    assert why in why_not_fetched(server.url(path))

def test_the_server_is_not_asked_again_after_a_429(photo_server):
    server = photo_server({'/rate-limited.png': HOSTILE['/rate-limited.png']})
    why_not_fetched(server.url('/rate-limited.png'))
    assert server.requests == ['/rate-limited.png']

@pytest.mark.parametrize('url', NOT_WEB + ['no scheme'])
def test_a_url_that_is_not_a_web_address_is_refused_without_a_request(photo_server, url):
    server = photo_server({'/photo.png': Route(PHOTO)})
    if url == 'no scheme': url = '//' + server.url('/photo.png').split('//')[1]
    assert why_not_fetched(url) == 'not a web (http or https) address' and not is_web_address(url)
    assert server.requests == []

@pytest.mark.parametrize('written,sent', [('/vögel.png', '/v%C3%B6gel.png'), ('/my bird.png', '/my%20bird.png')])
def test_a_url_with_unicode_or_spaces_is_fetched_percent_encoded(photo_server, written, sent):
    server = photo_server({sent: Route(other_photo(0))})
    assert fetch_bytes(server.url(written), timeout=HOSTILE_TIMEOUT) == other_photo(0) and server.requests == [sent]

