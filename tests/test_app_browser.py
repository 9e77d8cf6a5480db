"The classifier app as a visitor sees it: voila serves nbs/03_app.ipynb, with the bird classifier or a model named by COURSE_MODEL, and a real browser uploads photos"
import json, os, re, sys
import pytest
from PIL import Image
from fastai.vision.all import get_image_files
from course_lib.paths import course_root
from course_lib.data import name_in_valid
from course_lib.app import classify_upload
from course_lib.model_file import load_classifier
from browser import ANSWER_TIMEOUT, ARTIFACTS, expect_a_text_file_refused, free_port, local_server, open_app, upload

pytestmark = pytest.mark.browser

NOTEBOOK = course_root()/'nbs'/'03_app.ipynb'
# voila reads its options for the app from voila.json in the course folder, the working directory here.

def serve_app(name:str, # names the log in test-artifacts/
              model=None, # the model file to serve, as COURSE_MODEL; the app's default, the bird classifier, if None
             ):
    "voila serving the app on a free local port, with `model`; yields the page's address, and stops voila at the end"
    ARTIFACTS.mkdir(exist_ok=True)
    port, log_file = free_port(), ARTIFACTS/f'voila-{name}.log'
    env = {k: v for k, v in os.environ.items() if k != 'COURSE_MODEL'} | ({'COURSE_MODEL': str(model)} if model else {})
    with local_server([sys.executable, '-m', 'voila', str(NOTEBOOK), f'--port={port}'], port, log_file, cwd=course_root(), env=env):
        yield f'http://127.0.0.1:{port}/', log_file

@pytest.fixture(scope='module')
def app_url(bird_model): yield from serve_app('bird')

@pytest.fixture(scope='module')
def mushroom_app_url(mushroom_model): yield from serve_app('mushroom', mushroom_model)

@pytest.fixture
def page(browser, app_url):
    page = open_app(browser, *app_url)
    yield page
    page.close()

@pytest.fixture
def mushroom_page(browser, mushroom_app_url):
    page = open_app(browser, *mushroom_app_url)
    yield page
    page.close()

def first_heading(notebook):
    "The title of the lesson, which the app page must not show"
    cells = json.loads(notebook.read_text())['cells']
    return next(''.join(c['source']).splitlines()[0].lstrip('# ') for c in cells if c['cell_type'] == 'markdown')

def noise_photo(path, size=2_000):
    "A PNG of random pixels: a few megapixels, but about 12 MB, as large as a phone photo"
    Image.frombytes('RGB', (size, size), os.urandom(size * size * 3)).save(path)
    return path

def test_upload_bird_forest_text_file_then_large_photo(page, tmp_path, bird_photo, forest_photo):
    from playwright.sync_api import expect
    photo, verdict, bars, message = (page.locator(f'.app-{o}') for o in ('photo', 'verdict', 'bar', 'message'))
    expect(page.locator('h2')).to_have_text('What is in this photo?')
    expect(page.locator('button.widget-upload')).to_have_count(1)
    expect(page.locator('body')).not_to_contain_text('Warning')  # voila shows no warnings, stderr or errors
    assert first_heading(NOTEBOOK) not in page.locator('body').inner_text()  # the lesson's prose stays out of the app

    upload(page, bird_photo)
    expect(verdict).to_have_text(re.compile(r'^bird \(\d+\.\d%\)$'), timeout=ANSWER_TIMEOUT)
    expect(photo).to_be_visible()
    expect(bars).to_have_count(2)
    expect(message).to_have_text('')
    page.screenshot(path=ARTIFACTS/'app-bird.png')

    upload(page, forest_photo)
    expect(verdict).to_have_text(re.compile(r'^forest \(\d+\.\d%\)$'), timeout=ANSWER_TIMEOUT)
    expect(bars.first).to_contain_text('forest')  # the most probable class comes first
    expect(bars).to_have_count(2)
    page.screenshot(path=ARTIFACTS/'app-forest.png')

    expect_a_text_file_refused(page, tmp_path)
    page.screenshot(path=ARTIFACTS/'app-text-file.png')

    large = noise_photo(tmp_path/'large.png')
    assert large.stat().st_size > 10 * 2**20  # more than a websocket message may carry unless voila is told otherwise
    upload(page, large)
    expect(verdict).to_have_text(re.compile(r'^(bird|forest) \(\d+\.\d%\)$'), timeout=ANSWER_TIMEOUT)
    expect(message).to_have_text('')
    expect(photo).to_be_visible()

def test_the_app_serves_the_model_named_by_COURSE_MODEL(mushroom_page, mushroom_model, own_photos):
    "The learner's own model, trained with `course-train`: the page names its file and classes, and answers as the model does"
    from playwright.sync_api import expect
    page, verdict, bars = mushroom_page, mushroom_page.locator('.app-verdict'), mushroom_page.locator('.app-bar')
    expect(page.locator('body')).to_contain_text(f'the model ({mushroom_model.name}) says which it shows: mountain or mushroom.')
    photo = next(f for f in get_image_files(own_photos/'mushroom').sorted() if name_in_valid(f) and f.name != 'cut_off.jpg')
    answer = classify_upload(load_classifier(mushroom_model), photo.read_bytes())
    upload(page, photo)
    expect(verdict).to_have_text(re.compile(rf'^{answer.label} \(\d+\.\d%\)$'), timeout=ANSWER_TIMEOUT)
    expect(bars).to_have_count(2)
    expect(bars.first).to_contain_text(answer.label)
    page.screenshot(path=ARTIFACTS/'app-mushroom.png')

