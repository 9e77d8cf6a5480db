"course_lib installed as an ordinary package, far from the course folder: models named by full paths work from any folder, and a missing course folder gets an error that says what to set."
import os, shutil, subprocess, sys
from pathlib import Path
import pytest
from course_lib.paths import course_root

@pytest.fixture(scope='module')
def installed(tmp_path_factory):
    "A non-editable install of this repository's course_lib into a folder of its own, built offline (no dependencies, no build isolation)"
    src, target = tmp_path_factory.mktemp('src'), tmp_path_factory.mktemp('site')
    for name in ('pyproject.toml', 'README.md'): shutil.copy(course_root()/name, src)
    shutil.copytree(course_root()/'course_lib', src/'course_lib', ignore=shutil.ignore_patterns('__pycache__'))
    run = subprocess.run([sys.executable, '-m', 'pip', 'install', '--quiet', '--no-deps', '--no-build-isolation', '--no-index',
                          '--target', str(target), str(src)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-3000:]
    return target

def run_python(code:str, installed:Path, cwd:Path, **env)->subprocess.CompletedProcess:
    "Run `code` in a new Python that finds course_lib in `installed` first, from `cwd`, with only `env` of the course's variables"
    base = {k: v for k, v in os.environ.items() if k not in ('COURSE_MODEL', 'COURSE_ROOT', 'PYTHONPATH')}
    return subprocess.run([sys.executable, '-c', code], cwd=cwd, capture_output=True, text=True,
                          env={**base, 'PYTHONPATH': str(installed), **env})

def test_model_path_finds_the_model_from_any_folder(installed, mushroom_model, tmp_path):
    code = ('import course_lib; print(course_lib.__file__)\n'
            'from course_lib.app import model_path; print(model_path())\n'
            'from course_lib.model_file import load_classifier; print(*load_classifier(model_path()).dls.vocab)')
    run = run_python(code, installed, tmp_path, COURSE_MODEL=str(mushroom_model))
    assert run.returncode == 0, run.stderr[-3000:]
    package, model, vocab = run.stdout.splitlines()[-3:]
    assert Path(package).is_relative_to(installed), f'course_lib was imported from {package}, not from the install'
    assert (Path(model), vocab) == (mushroom_model, 'mountain mushroom')

def test_without_the_course_folder_the_error_says_what_to_set(installed, tmp_path):
    run = run_python('from course_lib.app import model_path; model_path()', installed, tmp_path)
    assert run.returncode != 0 and 'Cannot find the course folder' in run.stderr and 'set COURSE_ROOT' in run.stderr

def test_COURSE_ROOT_finds_the_shipped_photos(installed, tmp_path):
    run = run_python('from course_lib.paths import shipped_photos; print(shipped_photos())', installed, tmp_path, COURSE_ROOT=str(course_root()))
    assert run.returncode == 0, run.stderr[-3000:]
    assert Path(run.stdout.splitlines()[-1]) == course_root()/'images'
