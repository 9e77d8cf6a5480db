"The image search through a search service on a local server, which answers, fails, says nothing or is slow, and on any list of results (a hypothesis run); its behaviour with an engine is shown in nbs/library/05_search.ipynb."
import json, re
from urllib.parse import parse_qs, urlsplit
import pytest
from hypothesis import example, given, settings, strategies as st
from course_lib.search import ImageSearchError, SearchService, search_images, web_images
from browser import free_port
from photo_server import Route

HITS = [{'image': f'https://example.org/{i}.jpg', 'url': f'https://example.org/page{i}', 'title': f'bird {i}'} for i in range(5)]

def search(engine, **kwargs):
    sleeps = []
    return search_images('bird photo', engine=engine, sleep=sleeps.append, **kwargs), sleeps

@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(), st.builds('{}://{}'.format, st.sampled_from(['http', 'https', 'HTTP', 'ftp', 'file']), st.text()))))
@example(['http://[::1', 'https://example.org/bird.jpg'])
def test_web_images_keeps_only_web_addresses_and_never_crashes(urls):
    kept = web_images([{'image': u} for u in urls]).itemgot('image')
    assert len(set(kept)) == len(kept) and all(u in urls and u.lower().startswith(('http://', 'https://')) for u in kept)

def json_route(status:int, body)->Route: return Route(json.dumps(body).encode(), status, {'Content-Type': 'application/json'})

def service(server, **kwargs)->SearchService: return SearchService(server.url(''), **kwargs)

def test_a_search_service_answers_like_ddgs(photo_server):
    server = photo_server({'/search/images': lambda path: json_route(200, {'results': HITS[:int(parse_qs(urlsplit(path).query)['max_results'][0])]})})
    hits, sleeps = search(service(server), max_images=3, license_image='Share')
    assert hits.itemgot('image') == [h['image'] for h in HITS[:3]] and sleeps == []
    assert parse_qs(urlsplit(server.requests[-1]).query) == {'query': ['bird photo'], 'max_results': ['3'], 'license_image': ['Share']}

def test_a_failed_search_says_what_the_server_said(photo_server):
    server = photo_server({'/search/images': json_route(500, {'detail': 'Image search failed: No results found.'})})
    with pytest.raises(ImageSearchError, match='HTTP 500: Image search failed: No results found'): search(service(server), tries=1)

@pytest.mark.parametrize('body', [b'<html>a login page</html>', b'{"results": "none"}', b'[1, 2]', b'{"results": ["http://a.org/bird.jpg"]}'])
def test_an_answer_that_is_not_a_list_of_results_is_refused(photo_server, body):
    server = photo_server({'/search/images': Route(body)})
    with pytest.raises(ImageSearchError, match='did not answer with search results|not with a list of results'): search(service(server), tries=1)

def test_a_service_that_is_not_there_is_named(photo_server):
    url = f'http://127.0.0.1:{free_port()}'
    with pytest.raises(ImageSearchError, match=f'could not reach {re.escape(url)}'): search(SearchService(url), tries=1)

def test_a_service_too_slow_is_a_time_out(photo_server):
    server = photo_server({'/search/images': Route(b'{"results": []}', delay=2)})
    with pytest.raises(ImageSearchError, match='TimeoutException: .* did not answer within 0.5 s'): search(service(server, timeout=0.5), tries=1)
