"""The app as others get it: the folder `course-deploy` writes, installed from its own requirements.txt into a fresh virtual
environment outside the course, started by its own start.sh, and used in a real browser; for the bird model and for a model of
other classes trained with `course-train`. Building the environment takes about two minutes and 6 GB of disk."""
import importlib.metadata, re, subprocess, sys
from pathlib import Path
import pytest
from fastai.vision.all import get_image_files
from course_lib.paths import course_root
from course_lib.data import name_in_valid
from course_lib.app import classify_upload
from course_lib.model_file import load_classifier
from course_lib.deploy import SPACE_PORT, course_modules, write_app_folder
from browser import ANSWER_TIMEOUT, ARTIFACTS, expect_a_text_file_refused, free_port, local_server, open_app, status, upload

pytestmark = [pytest.mark.browser, pytest.mark.slow]

@pytest.fixture(scope='module')
def folders(tmp_path_factory, bird_model, mushroom_model):
    "The app folders for the bird model and for the mushroom-or-mountain model, written as `course-deploy` writes them"
    root = tmp_path_factory.mktemp('deploy')
    return {name: write_app_folder(str(model), str(root/name)) for name, model in (('bird', bird_model), ('mushroom', mushroom_model))}

def files_in(folder:Path)->dict:
    "Every file under `folder`, by its path inside it, with its size and modification time; not the bytecode Python caches in __pycache__"
    return {str(f.relative_to(folder)): (f.stat().st_size, f.stat().st_mtime_ns) for f in folder.rglob('*')
            if f.is_file() and '__pycache__' not in f.parts}

def requirements(folder:Path)->dict:
    "The pins of the folder's requirements.txt, as {name: version}"
    lines = [l for l in (folder/'requirements.txt').read_text().splitlines() if l and not l.startswith('#')]
    pins = dict(l.split('==') for l in lines)
    assert len(pins) == len(lines), 'a distribution pinned twice'
    return pins

@pytest.fixture(scope='module')
def outside(tmp_path_factory):
    "A folder outside the course, where the app's environment lives and from which its commands run"
    return tmp_path_factory.mktemp('outside')

@pytest.fixture(scope='module')
def app_python(folders, outside):
    "The Python of a fresh virtual environment made from the bird folder's requirements.txt alone (the mushroom folder's are the same)"
    venv = outside/'venv'
    subprocess.run([sys.executable, '-m', 'venv', venv], check=True)
    install = subprocess.run([venv/'bin'/'python', '-m', 'pip', 'install', '-q', '-r', folders['bird']/'requirements.txt'],
                             cwd=outside, capture_output=True, text=True)
    assert install.returncode == 0, install.stderr[-3000:]
    return venv/'bin'/'python'

def serve(folder:Path, python:Path, outside:Path, name:str):
    "The folder's own start.sh, run from elsewhere with only the fresh environment on PATH; yields the page's address and the log"
    ARTIFACTS.mkdir(exist_ok=True)
    port, log_file, home = free_port(), ARTIFACTS/f'deploy-{name}.log', outside/f'home-{name}'
    home.mkdir()
    env = {'PATH': f'{python.parent}:/usr/bin:/bin', 'HOME': str(home), 'HOST': '127.0.0.1', 'PORT': str(port), 'OMP_WAIT_POLICY': 'PASSIVE'}
    with local_server(['sh', folder/'start.sh'], port, log_file, cwd=outside, env=env):
        yield f'http://127.0.0.1:{port}/', log_file

@pytest.fixture(scope='module')
def bird_app(folders, app_python, outside): yield from serve(folders['bird'], app_python, outside, 'bird')

@pytest.fixture(scope='module')
def mushroom_app(folders, app_python, outside): yield from serve(folders['mushroom'], app_python, outside, 'mushroom')

def test_the_makefile_trains_the_bird_model_again_when_its_code_changes():
    "make app's model depends on course_lib.train and every course_lib module it imports, directly or not"
    makefile = (course_root()/'Makefile').read_text()
    listed = re.search(r'^MODEL_CODE := \$\(addprefix course_lib/,([^)]*)\)$', makefile, re.M).group(1).split()
    assert sorted(listed) == sorted(course_modules(['course_lib.train']))

def course_imports(source:Path)->set:
    "The course_lib modules a file imports, read with a regular expression (independently of course_lib.deploy's own reading)"
    return {m.lstrip('.').removeprefix('course_lib.') for m in re.findall(r'^\s*from (\.\w+|course_lib\.\w+) import', source.read_text(), re.M)}

def test_the_folder_holds_what_the_page_needs_and_nothing_else(folders, bird_model, mushroom_model):
    for folder, model in ((folders['bird'], bird_model), (folders['mushroom'], mushroom_model)):
        files = set(files_in(folder))
        code = {f for f in files if f.startswith('course_lib/')}
        assert files - code == {'Dockerfile', 'README.md', 'app.ipynb', 'requirements.txt', 'start.sh', 'voila.json', model.name}
        assert (folder/model.name).read_bytes() == model.read_bytes()
        modules = {Path(f).stem for f in code}
        needed = {m for f in code for m in course_imports(folder/f)}
        assert needed <= modules, f'{folder.name}: the copied code imports {needed - modules}, which is not in the folder'
        assert {'app', 'model_file', 'data', 'images', 'pretrained'} <= modules  # the page, and what the model file names
        assert {'fast_fine_tune', 'feature_cache', 'mixed_precision', 'freed_memory'} <= modules  # model_file's `restore_model`, and its parts
        assert not modules & {'search', 'download', 'cleaner', 'cleaner_widget', 'train', 'photos', 'web'}
        for f in files - {model.name}:  # nothing that says where the course lives on this machine
            assert str(course_root()) not in (folder/f).read_text(), f

def test_the_space_is_configured_consistently(folders):
    pins = requirements(folders['bird'])
    assert requirements(folders['mushroom']) == pins
    for name in ('fastai', 'torch', 'torchvision', 'ipywidgets', 'voila', 'ipykernel', 'pillow'):
        assert pins[name] == importlib.metadata.version(name).split('+')[0], name
    assert not [n for n in pins if n.startswith(('nvidia-', 'cuda-')) or n == 'triton']  # the GPU libraries a CPU Space never uses
    folder = folders['bird']
    front = (folder/'README.md').read_text().split('---')[1]
    assert re.search(r'^sdk: docker$', front, re.M) and re.search(rf'^app_port: {SPACE_PORT}$', front, re.M)
    docker = (folder/'Dockerfile').read_text()
    assert f'FROM python:{sys.version_info.major}.{sys.version_info.minor}-slim' in docker
    assert f'download.pytorch.org/whl/cpu torch=={pins["torch"]} torchvision=={pins["torchvision"]}' in docker
    assert docker.rstrip().endswith('CMD ["sh", "start.sh"]') and f'EXPOSE {SPACE_PORT}' in docker
    assert f'PORT:-{SPACE_PORT}' in (folder/'start.sh').read_text()

def test_the_folder_refuses_to_overwrite(folders, bird_model):
    before = files_in(folders['bird'])
    with pytest.raises(FileExistsError, match='not empty'): write_app_folder(str(bird_model), str(folders['bird']))
    assert files_in(folders['bird']) == before

def test_the_fresh_environment_has_no_course(app_python, outside):
    "The page's course_lib can only come from the folder: the environment has none of its own"
    run = subprocess.run([app_python, '-c', 'import course_lib'], cwd=outside, capture_output=True, text=True)
    assert run.returncode != 0 and 'course_lib' in run.stderr

def test_a_visitor_uploads_a_photo_and_a_file_that_is_not_one(bird_app, folders, browser, bird_photo, tmp_path):
    from playwright.sync_api import expect
    before = files_in(folders['bird'])
    page = open_app(browser, *bird_app)
    verdict, bars = page.locator('.app-verdict'), page.locator('.app-bar')
    expect(page.locator('h2')).to_have_text('What is in this photo?')
    expect(page.locator('body')).to_contain_text('the model (is_it_a_bird.pkl) says which it shows: bird or forest.')
    upload(page, bird_photo)
    expect(verdict).to_have_text(re.compile(r'^bird \(\d+\.\d%\)$'), timeout=ANSWER_TIMEOUT)
    expect(bars).to_have_count(2)
    page.screenshot(path=ARTIFACTS/'deploy-bird.png')
    expect_a_text_file_refused(page, tmp_path)
    page.screenshot(path=ARTIFACTS/'deploy-text-file.png')
    page.close()
    assert files_in(folders['bird']) == before  # the uploads were not kept

def test_the_other_model_answers_as_it_does_here(mushroom_app, browser, mushroom_model, own_photos):
    from playwright.sync_api import expect
    page = open_app(browser, *mushroom_app)
    expect(page.locator('body')).to_contain_text(f'the model ({mushroom_model.name}) says which it shows: mountain or mushroom.')
    photo = next(f for f in get_image_files(own_photos/'mushroom').sorted() if name_in_valid(f) and f.name != 'cut_off.jpg')
    answer = classify_upload(load_classifier(mushroom_model), photo.read_bytes())
    upload(page, photo)
    expect(page.locator('.app-verdict')).to_have_text(re.compile(rf'^{answer.label} \(\d+\.\d%\)$'), timeout=ANSWER_TIMEOUT)
    page.screenshot(path=ARTIFACTS/'deploy-mushroom.png')
    page.close()

def test_the_public_page_serves_no_file_and_may_be_framed_by_spaces(bird_app, folders, bird_photo):
    url, _ = bird_app
    picture = folders['bird']/'picture.jpg'  # voila serves the pictures of the page's folder unless voila.json says otherwise
    picture.write_bytes(bird_photo.read_bytes())
    try:
        for f in files_in(folders['bird']): assert status(f'{url}voila/files/{f}')[0] == 403, f
    finally: picture.unlink()
    code, headers = status(url)
    assert code == 200
    assert headers['Content-Security-Policy'] == "frame-ancestors 'self' https://huggingface.co"  # Spaces shows the page in a frame
