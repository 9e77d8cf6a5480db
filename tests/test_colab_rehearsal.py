"""The lessons as learners run them in Google Colab, with Colab's own packages (tests/colab.py): every lesson three times, with
three seeds, each from its setup cell to its end in a fresh runtime, with its figures in their ranges. Run by `make colab`
(and `.ci/run`), not by a plain `pytest`: it builds an environment of several GB once, and takes about half an hour."""
import os
from pathlib import Path
import pytest
from packaging.utils import canonicalize_name
from PIL import Image
from colab import back_to_pristine, colab_kernel, colab_python, fastai_home, kernel_env, repository_snapshot, runtime_changes
from lessons import COURSE, FIGURES, LESSONS, fact, lesson, outside, run_lesson
from course_lib.paths import shipped_photos
from tools.colab_setup import packages_colab_lacks

pytestmark = pytest.mark.colab
SEEDS = (42, 7, 2026)
# `make colab NBS="nbs/library/05_search.ipynb ..."` rehearses those notebooks instead, once each, with their own seed.
CHOSEN = [str(Path(n).resolve().relative_to(LESSONS)) for n in os.environ.get('NBS', '').split()]
RUNS = [(42, n) for n in CHOSEN] or [(seed, name) for seed in SEEDS for name in FIGURES]
IN_COLAB = {  # what the app lesson must do with a phone's photo in Colab, besides what it shows everywhere
    '03_app.ipynb': {
        "Colab's own uploader answers a 5 MB photo": fact("[a.label for a in colab_answers] == ['bird']"),
        # ipywidgets 7 holds an upload as {name: {'metadata': ..., 'content': bytes}}, and lets only the browser set it, but for set_trait
        'ipywidgets 7 answers a 5 MB photo set as the upload button\'s value': fact(
            "(page.upload.set_trait('value', {'phone.jpg': {'metadata': {'name': 'phone.jpg', 'type': 'image/jpeg'}, "
            "'content': open(os.environ['COLAB_STANDIN_UPLOAD'], 'rb').read()}}), page.verdict.value)[1].startswith('bird')")}}

def phone_photo(dest:Path, size:int=5_000_000)->Path:
    "A JPEG of at least `size` bytes, a shipped bird at a phone camera's resolution, grain and all"
    bird = Image.open(shipped_photos()/'bird'/'downy_woodpecker.jpg').convert('RGB').resize((3000, 4000))
    grain = Image.effect_noise((3000, 4000), 40).convert('RGB')
    Image.blend(bird, grain, 0.15).save(dest, quality=95)
    assert dest.stat().st_size >= size, dest.stat().st_size
    return dest

@pytest.fixture(scope='module')
def runtime(tmp_path_factory):
    "The Colab-like runtime: its Python, and the environment of its kernels; the client finds the `colab` kernel meanwhile"
    python, home = colab_python(), tmp_path_factory.mktemp('colab')
    jupyter = colab_kernel(python, home)
    fastai_home(home)
    env = kernel_env(python, home, repository_snapshot(home/'repository'), phone_photo(home/'phone-photo.jpg'))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv('JUPYTER_PATH', str(jupyter))
        yield python, env

@pytest.mark.parametrize('seed, name', RUNS, ids=[f'seed {s}: {n}' for s, n in RUNS])
def test_a_notebook_runs_in_colab_and_shows_its_figures(seed, name, runtime, tmp_path):
    python, env = runtime
    back_to_pristine(python)  # a fresh runtime's packages, whatever the last notebook's setup cell installed
    nb = lesson(name, seed=seed)
    figures = {**FIGURES.get(name, {}), **IN_COLAB.get(name, {})}
    content = tmp_path/'content'  # Colab's /content: an empty folder, where the setup cell clones the course
    content.mkdir()
    values = run_lesson(nb, None, figures, env=env, kernel_name='colab', cwd=content, save_as=f'colab-{seed}-{name.replace("/", "-")}')
    changes = runtime_changes(python)
    changed = {n: v for n, v in changes.items() if v[0] is not None}
    assert not changed, f"{name}: its setup cell changed Colab's own packages, (as built, now): {changed}"
    added = {canonicalize_name(n): now for n, (built, now) in changes.items() if built is None}
    locked = dict(p.split('==') for p in packages_colab_lacks(COURSE))
    assert {n: added.get(n) for n in locked} == locked, f"{name}: its setup cell installed other versions than the course's lock"
    assert not outside(figures, values), f'{name} with seed {seed} in Colab: (value, low, high) of figures outside their range: {outside(figures, values)}'
