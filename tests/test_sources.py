"Every shipped photo is described in SOURCES.json, with where it came from and its license."
import json
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent
ENTRIES = json.loads((ROOT/'SOURCES.json').read_text())
BY_PATH = {e['path']: e for e in ENTRIES}
SHIPPED = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT/'images').rglob('*') if p.is_file())

def test_images_are_shipped():
    assert {p.split('/')[1] for p in SHIPPED} >= {'bird', 'forest', 'pets', 'mountain', 'mushroom'}
    assert len(SHIPPED) >= 535

def test_every_shipped_file_is_described():
    missing = [p for p in SHIPPED if p not in BY_PATH]
    assert not missing, f'{len(missing)} files under images/ have no SOURCES.json entry, e.g. {missing[:3]}'

@pytest.mark.parametrize('field', ['title', 'source_url', 'author', 'license', 'origin'])
def test_every_entry_has(field):
    lacking = [e['path'] for e in ENTRIES if e['path'].startswith('images/') and not (e.get(field) or '').strip()]
    assert not lacking, f'{len(lacking)} entries lack {field!r}, e.g. {lacking[:3]}'

def test_no_entry_without_its_file():
    gone = [k for k in BY_PATH if not (ROOT/k).is_file()]
    assert not gone, f'SOURCES.json describes files that are not there: {gone[:3]}'

def test_each_path_is_described_once(): assert len(BY_PATH) == len(ENTRIES)
