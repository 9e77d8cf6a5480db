"The stand-in for the web, through the real search and the real downloader: what a lesson online keeps, and what it skips and why."
import re, socket
import pytest
from course_lib.download import download_photos
from course_lib.photos import PhotoCollection
from course_lib.search import search_images
from web_standin import NOISE, WebStandIn

@pytest.fixture(scope='module')
def downloaded(tmp_path_factory):
    "A search for 'bird photo' through COURSE_SEARCH_URL, and its 40 hits downloaded; the stand-in stopped afterwards"
    with WebStandIn() as web, pytest.MonkeyPatch.context() as env:
        env.setenv('COURSE_SEARCH_URL', web.search_url)
        hits = search_images('bird photo', max_images=40)
        dest = tmp_path_factory.mktemp('online')/'bird'
        results = download_photos(hits, dest, query='bird photo')
        expected, ports = web.expected('bird photo'), [s.httpd.server_port for s in (web.search, web.site, web.other_site)]
        moved = list(web.other_site.requests)
    return hits, results, expected, dest, ports, moved

def outcome(downloaded, kind)->list:
    "What happened to the hits of `kind`: the reason each was skipped, or None where it was kept"
    _, results, expected, *_ = downloaded
    by_url = {r.url: r for r in results}
    return [by_url[h['image']].reason for h in expected[kind]]

def test_the_search_answers_every_hit_in_ddgs_shape(downloaded):
    hits, _, expected, *_ = downloaded
    assert len(hits) == 40 == sum(map(len, expected.values())) and len(expected['genuine']) == 40 - len(NOISE)
    assert all(set(h) == {'title', 'image', 'thumbnail', 'url', 'height', 'width', 'source'} for h in hits)

def test_genuine_and_off_topic_photos_are_kept(downloaded):
    "A downloader cannot know that a cat is not a bird: that is for a person, and the cleaner"
    assert outcome(downloaded, 'off_topic') == [None]*3 and outcome(downloaded, 'slow') == [None] and outcome(downloaded, 'redirected') == [None]
    assert outcome(downloaded, 'genuine')[1:] == [None]*(len(outcome(downloaded, 'genuine')) - 1)

def test_the_same_photo_at_two_addresses_is_kept_once(downloaded):
    first, again = outcome(downloaded, 'genuine')[0], outcome(downloaded, 'duplicate')[0]
    assert [first, again].count(None) == 1 and 'the same photo as' in (first or again)

@pytest.mark.parametrize('kind, why', [('truncated', 'truncated|cut off|broken'), ('not_a_photo', 'not an image'), ('stalled', 'no answer within|too slow'),
                                       ('not_found', 'HTTP 404'), ('closed_port', 'could not connect')])
def test_what_is_not_a_photo_is_skipped_with_its_reason(downloaded, kind, why):
    [reason] = outcome(downloaded, kind)
    assert reason and re.search(why, reason), reason

def test_every_kept_photo_is_described_with_its_page_and_search(downloaded):
    hits, results, _, dest, *_ = downloaded
    pages = {h['image']: h['url'] for h in hits}
    photos, kept = PhotoCollection(dest), [r for r in results if r.path]
    assert len(kept) == 40 - 6 and len({r.path for r in kept}) == len(kept)
    assert all(photos[r.path]['source_url'] == pages[r.url] and photos[r.path]['query'] == 'bird photo' for r in kept)

def test_the_redirect_is_followed_to_the_other_site(downloaded):
    _, _, expected, _, (_, site, other_site), moved = downloaded
    [hit] = expected['redirected']
    assert f':{site}/' in hit['image'] and site != other_site and moved == [f'/bird/moved-{hit["image"].rsplit("/old-", 1)[1]}']

def test_every_server_is_stopped_afterwards(downloaded):
    for port in downloaded[4]:
        with socket.socket() as s, pytest.raises(ConnectionRefusedError): s.connect(('127.0.0.1', port))
