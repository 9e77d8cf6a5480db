"""The lessons online, as a learner with internet runs them: notebooks 1, 2 and 7 against a stand-in for the web on 127.0.0.1
(tests/web_standin.py), through `COURSE_SEARCH_URL`. They run to their end, with real search results' noise, and what their
prose says of what they show holds (`lessons.ONLINE`)."""
import pytest
from lessons import ONLINE, lesson, outside, run_lesson, scratch_course
from web_standin import WebStandIn

pytestmark = pytest.mark.slow

@pytest.fixture(scope='module')
def course(tmp_path_factory): return scratch_course(tmp_path_factory.mktemp('course'))

@pytest.mark.parametrize('name', list(ONLINE))
def test_a_lesson_runs_online_and_shows_what_its_prose_says(name, course):
    params, figures = ONLINE[name]
    with WebStandIn() as web:
        values = run_lesson(lesson(name, params=params), course, figures, env={'COURSE_SEARCH_URL': web.search_url}, save_as=f'online-{name}')
        searched = list(web.search.requests)
    assert not outside(figures, values), f'{name} online: (value, low, high) of figures outside their range: {outside(figures, values)}'
    asked = {'01_is_it_a_bird.ipynb': ['bird photo', 'forest photo'], '02_production.ipynb': [], '07_your_own_classifier.ipynb': ['forest photo']}[name]
    assert [q for q in asked if not any(f'query={q.replace(" ", "+")}' in p for p in searched)] == [] and len(searched) == len(asked)
