"Every shipped photo is a photo the course can read, described in SOURCES.json, with where it came from and its license."
import json
import pytest
from course_lib.images import photo_problem
from lessons import COURSE

ENTRIES = json.loads((COURSE/'SOURCES.json').read_text())
BY_PATH = {e['path']: e for e in ENTRIES}
SHIPPED = sorted(p.relative_to(COURSE).as_posix() for p in (COURSE/'images').rglob('*') if p.is_file())

def test_images_are_shipped():
    "Every photo SOURCES.json describes is in images/ as a photo the course can read (not, say, a Git LFS pointer in its place)"
    assert {p.split('/')[1] for p in SHIPPED} >= {'bird', 'forest', 'pets', 'mountain', 'mushroom'}
    assert SHIPPED == sorted(p for p in BY_PATH if p.startswith('images/'))
    assert {p: photo_problem(COURSE/p) for p in SHIPPED} == dict.fromkeys(SHIPPED)

def test_every_shipped_file_is_described():
    missing = [p for p in SHIPPED if p not in BY_PATH]
    assert not missing, f'{len(missing)} files under images/ have no SOURCES.json entry, e.g. {missing[:3]}'

@pytest.mark.parametrize('field', ['title', 'source_url', 'author', 'license', 'origin'])
def test_every_entry_has(field):
    lacking = [e['path'] for e in ENTRIES if e['path'].startswith('images/') and not (e.get(field) or '').strip()]
    assert not lacking, f'{len(lacking)} entries lack {field!r}, e.g. {lacking[:3]}'

def test_no_entry_without_its_file():
    gone = [k for k in BY_PATH if not (COURSE/k).is_file()]
    assert not gone, f'SOURCES.json describes files that are not there: {gone[:3]}'

def test_each_path_is_described_once(): assert len(BY_PATH) == len(ENTRIES)
