"Every notebook opens in Colab and starts there with the course's setup cell; `make colab` runs them in a Colab-like runtime."
import json, subprocess, sys
from pathlib import Path
import pytest

COURSE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(COURSE/'tools'))
from colab_setup import colab_badge, colab_cell, packages_colab_lacks

NOTEBOOKS = sorted((COURSE/'nbs').glob('*.ipynb')) + sorted((COURSE/'nbs'/'library').glob('*.ipynb'))

def cells(nb:Path, kind:str)->list: return [''.join(c['source']) for c in json.loads(nb.read_text())['cells'] if c['cell_type'] == kind]

@pytest.mark.parametrize('nb', NOTEBOOKS, ids=lambda p: p.name)
def test_the_first_code_cell_is_the_setup_cell(nb):
    assert cells(nb, 'code')[0] == colab_cell(), f'{nb.name}: insert the cell that `python tools/colab_setup.py --cell` prints'

@pytest.mark.parametrize('nb', NOTEBOOKS, ids=lambda p: p.name)
def test_the_notebook_links_to_itself_in_colab(nb):
    assert colab_badge(nb.relative_to(COURSE).as_posix()) in cells(nb, 'markdown')[1]

def test_colab_keeps_its_own_torch_and_fastai():
    wanted = packages_colab_lacks(COURSE)
    assert not [d for d in wanted if d.split('=')[0] in ('torch', 'torchvision', 'fastai', 'ipywidgets')]
    assert any(d.startswith('ddgs') for d in wanted) and any(d.startswith('plum-dispatch') for d in wanted)

def test_outside_colab_the_setup_does_nothing(tmp_path):
    run = subprocess.run([sys.executable, str(COURSE/'tools'/'colab_setup.py')], cwd=tmp_path, capture_output=True, text=True)
    assert run.returncode == 0 and run.stdout == '' and list(tmp_path.iterdir()) == []
