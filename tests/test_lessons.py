"""The lessons, run as a learner runs them, show the figures their prose describes, within the spread measured over seeds.

A lesson holds no check a learner's correct run could fail: these tests hold them, from outside."""
import json, re
import pytest
from lessons import FIGURES, LESSONS, lesson, outside, run_lesson, scratch_course

@pytest.fixture(scope='module')
def course(tmp_path_factory):
    "One course folder for every lesson, as a learner's clone: the app lesson serves the model lesson 1 exported"
    return scratch_course(tmp_path_factory.mktemp('course'))

@pytest.mark.slow
@pytest.mark.parametrize('name', list(FIGURES))
def test_a_lesson_shows_its_figures(name, course):
    values = run_lesson(lesson(name), course, FIGURES[name], save_as=name)
    assert not outside(FIGURES[name], values), f'{name}: (value, low, high) of figures outside their measured spread: {outside(FIGURES[name], values)}'

def test_every_lesson_has_figures_to_check():
    assert sorted(FIGURES) == sorted(p.name for p in LESSONS.glob('0*.ipynb'))

CHECKS = re.compile(r'\bassert\b|\btest_(eq|ne|close|fail|is|shuffled|stdout|warns)\b|fastcore\.test|IN_TEST|nbdev')

@pytest.mark.parametrize('nb', sorted(LESSONS.glob('0*.ipynb')), ids=lambda p: p.name)
def test_a_lesson_holds_no_checks(nb):
    "No assertion that a learner's correct run could fail, no branch for tests, no word to the learner about tests"
    cells = json.loads(nb.read_text())['cells']
    code = [line for c in cells if c['cell_type'] == 'code' for line in ''.join(c['source']).splitlines() if CHECKS.search(line)]
    prose = [m.group(0) for c in cells if c['cell_type'] == 'markdown' for m in re.finditer(r'.{0,40}(\btests?/|as a test|the tests\b).{0,40}', ''.join(c['source']))]
    assert code == [] and prose == []
