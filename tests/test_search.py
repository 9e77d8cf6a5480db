"The image search retries a busy or unreachable engine, then says clearly what went wrong; it keeps only web addresses, each once."
import pytest
from ddgs.exceptions import DDGSException, RatelimitException, TimeoutException
from hypothesis import example, given, settings, strategies as st
from course_lib.search import ImageSearchError, search_images, web_images

class FakeEngine:
    "Answers `images` from a script: an exception is raised, a list is returned"
    def __init__(self, *script): self.script, self.calls = list(script), []
    def images(self, query, **kwargs):
        self.calls.append((query, kwargs))
        step = self.script.pop(0)
        if isinstance(step, Exception): raise step
        return step

HITS = [{'image': f'https://example.org/{i}.jpg', 'url': f'https://example.org/page{i}', 'title': f'bird {i}'} for i in range(5)]

def search(engine, **kwargs):
    sleeps = []
    return search_images('bird photo', engine=engine, sleep=sleeps.append, **kwargs), sleeps

def test_results_come_back_as_given():
    hits, sleeps = search(FakeEngine(HITS), max_images=3)
    assert hits.itemgot('image') == [h['image'] for h in HITS[:3]] and sleeps == []

def test_license_filter_and_count_reach_the_engine():
    engine = FakeEngine(HITS)
    search(engine, max_images=4, license_image='Share')
    assert engine.calls == [('bird photo', {'max_results': 4, 'license_image': 'Share'})]

@pytest.mark.parametrize('error', [RatelimitException('202 Ratelimit'), TimeoutException('timed out'), DDGSException('engine error')])
def test_a_passing_failure_is_retried_with_backoff(error):
    engine = FakeEngine(error, error, HITS)
    hits, sleeps = search(engine, tries=3, pause=0.5)
    assert len(hits) == len(HITS) and len(engine.calls) == 3 and sleeps == [0.5, 1.0]

def test_rate_limiting_for_good_is_reported_plainly():
    engine = FakeEngine(*[RatelimitException('202 Ratelimit')]*3)
    with pytest.raises(ImageSearchError, match='rate limiting') as e: search(engine, tries=3)
    assert 'images/' in str(e.value) and len(engine.calls) == 3

def test_an_unreachable_engine_names_the_error():
    engine = FakeEngine(*[DDGSException('dns error: failed to lookup address')]*2)
    with pytest.raises(ImageSearchError, match='failed 2 times.*dns error'): search(engine, tries=2)

def test_other_errors_are_not_swallowed():
    with pytest.raises(ValueError): search(FakeEngine(ValueError('a bug')))

def test_empty_results_are_fine():
    hits, _ = search(FakeEngine([]))
    assert len(hits) == 0

def test_duplicates_and_non_web_urls_are_dropped():
    hits = [HITS[0], HITS[0], {'image': 'file:///etc/passwd'}, {'image': 'data:image/png;base64,AAAA'}, {'image': 'ftp://x.org/a.jpg'}, {'title': 'no url'}, HITS[1]]
    found, _ = search(FakeEngine(hits))
    assert found.itemgot('image') == [HITS[0]['image'], HITS[1]['image']]

@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(), st.builds('{}://{}'.format, st.sampled_from(['http', 'https', 'HTTP', 'ftp', 'file']), st.text()))))
@example(['http://[::1', 'https://example.org/bird.jpg'])
def test_web_images_keeps_only_web_addresses_and_never_crashes(urls):
    kept = web_images([{'image': u} for u in urls]).itemgot('image')
    assert len(set(kept)) == len(kept) and all(u in urls and u.lower().startswith(('http://', 'https://')) for u in kept)
