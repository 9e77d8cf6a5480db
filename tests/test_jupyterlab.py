"The lessons as a learner meets them in JupyterLab 4, in a real browser, on a copy of the course: notebook 2 run to its cleaner, which a person then uses; notebook 3's app page, given a photo and a text file; notebook 5's sliders"
import hashlib, json, os, re, secrets, shutil, sys
import pytest
from course_lib.data import name_in_valid, sorted_image_files
from course_lib.paths import course_root
from browser import ANSWER_TIMEOUT, ARTIFACTS, expect_a_text_file_refused, free_port, local_server, upload
from cleaner_photos import photo_files

pytestmark = pytest.mark.browser

START_TIMEOUT = 180_000  # ms: JupyterLab loads in the browser and starts a kernel
RUN_TIMEOUT = 1_200_000  # ms: the lesson trains two classifiers before its cleaner; a shared 2-core machine can be slow
# JupyterLab's own settings for this test: every cell attached to the page (so a locator finds cells out of view),
# and no news or update checks (the machine may have no network).
LAB_SETTINGS = {'notebook-extension/tracker': {'windowingMode': 'none'},
                'apputils-extension/notification': {'fetchNews': 'false', 'checkForUpdates': False}}

@pytest.fixture(scope='module')
def course_copy(tmp_path_factory):
    "The course's notebooks and photos, copied: JupyterLab runs the lessons here, so nothing is written into the repository"
    root = tmp_path_factory.mktemp('course')
    for folder in ('nbs', 'images'):
        shutil.copytree(course_root()/folder, root/folder, ignore=shutil.ignore_patterns('.ipynb_checkpoints', '__pycache__'))
    shutil.copy2(course_root()/'SOURCES.json', root)
    return root

def lab_environment(home):
    "The environment of JupyterLab and its kernels: Jupyter's and IPython's folders under `home`, the lessons run as a learner runs them"
    for name, settings in LAB_SETTINGS.items():
        (home/'settings'/'@jupyterlab'/name).parent.mkdir(parents=True, exist_ok=True)
        (home/'settings'/'@jupyterlab'/f'{name}.jupyterlab-settings').write_text(json.dumps(settings))
    env = {k: v for k, v in os.environ.items() if k not in ('IN_TEST', 'COURSE_MODEL', 'COURSE_ROOT')}  # the copy is the course, as a clone is
    return env | {'JUPYTER_CONFIG_DIR': str(home/'config'), 'JUPYTER_DATA_DIR': str(home/'data'), 'JUPYTER_RUNTIME_DIR': str(home/'runtime'),
                  'IPYTHONDIR': str(home/'ipython'), 'OMP_WAIT_POLICY': 'PASSIVE'}

@pytest.fixture(scope='module')
def lab(course_copy, tmp_path_factory):
    "JupyterLab 4 serving the course's copy on a free local port, with a token; gives a notebook's address; stopped at the end"
    ARTIFACTS.mkdir(exist_ok=True)
    home, port, token = tmp_path_factory.mktemp('jupyter'), free_port(), secrets.token_hex(16)
    args = ['--no-browser', '--allow-root', '--ip=127.0.0.1', f'--port={port}', '--port-retries=0', f'--IdentityProvider.token={token}',
            f'--ServerApp.root_dir={course_copy}', '--ServerApp.terminals_enabled=False', '--LabApp.extension_manager=readonly',
            f'--LabApp.user_settings_dir={home/"settings"}', f'--LabApp.workspaces_dir={home/"workspaces"}']
    base = f'http://127.0.0.1:{port}'
    with local_server([sys.executable, '-m', 'jupyterlab', *args], port, ARTIFACTS/'jupyterlab.log', cwd=course_copy, env=lab_environment(home)):
        yield lambda notebook: f'{base}/lab/tree/{notebook}?reset&token={token}'  # reset: only this notebook open, not the last test's

@pytest.fixture
def page(browser):
    page = browser.new_page(viewport={'width': 1280, 'height': 900})
    yield page
    page.close()

def open_notebook(page, url):
    "Open a notebook in JupyterLab and wait for its kernel; clear the outputs it was saved with, so every output seen is this run's"
    from playwright.sync_api import expect
    page.goto(url)
    expect(page.locator('.jp-StatusBar-Item', has_text='| Idle')).to_be_visible(timeout=START_TIMEOUT)
    menu(page, 'Edit', 'Clear Outputs of All Cells')

def menu(page, title, item):
    "Choose `item` in the menu `title` of JupyterLab's menu bar"
    page.locator('.lm-MenuBar-item', has_text=title).click()
    page.locator('.lm-Menu-item').filter(has=page.get_by_text(item, exact=True)).click()

def code_cell(page, source):
    "The code cell whose source contains `source`"
    return page.locator('.jp-Notebook .jp-CodeCell').filter(has_text=source)

def run_to(page, cell, shows):
    "Run the notebook from the top to `cell`, as a person does (select it, run all above, run it); wait until the locator `shows` appears"
    from playwright.sync_api import expect
    cell.locator('.jp-InputPrompt').click()
    menu(page, 'Run', 'Run All Above Selected Cell')
    menu(page, 'Run', 'Run Selected Cell and Do not Advance')
    failure = page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]', has_text='Traceback')
    expect(shows.or_(failure).first).to_be_visible(timeout=RUN_TIMEOUT)
    if failure.count():
        page.screenshot(path=ARTIFACTS/'jupyterlab-failure.png')
        pytest.fail(f'a cell failed in JupyterLab:\n{failure.first.inner_text()}', pytrace=False)

def fingerprints(root)->dict:
    "Every file under `root` but the collection's own records, with a fingerprint of its bytes: path -> sha256"
    return {k: hashlib.sha256(v).hexdigest() for k, v in photo_files(root).items()}

def descriptions(root):
    "The `SOURCES.json` entries of the collection at `root`, by path"
    return {e['path']: e for e in json.loads((root/'SOURCES.json').read_text())}

def moved(files, moves):
    "`files` (path -> fingerprint) after the files at the keys of `moves` moved to its values"
    return {moves.get(k, k): v for k, v in files.items()}

def moved_descriptions(entries, moves):
    "`SOURCES.json` entries (path -> entry) after the photos at the keys of `moves` moved to its values, each description with its photo"
    return {moves.get(k, k): {**e, 'path': moves.get(k, k)} for k, e in entries.items()}

class Cleaner:
    "The cleaner widget in a cell's output, as a person sees it, for the photos of `collection`"
    def __init__(self, cell, collection):
        self.out, self.collection = cell.locator('.jp-Cell-outputArea'), collection
        self.category, self.split = self.out.get_by_label('Category'), self.out.get_by_label('Split')
        self.apply, self.undo = self.out.get_by_role('button', name=re.compile('^Apply')), self.out.get_by_role('button', name='Undo last apply')
        self.status, self.report = self.out.locator('.widget-hbox > .widget-html'), self.out.locator('pre')
        self.captions = self.out.locator('.widget-vbox .widget-vbox > .widget-html')  # under each photo

    def photos(self, category, split):
        "The names of the photos of `category` in `split`, from the files on disk, split by name as the lesson's `NameSplitter` does"
        return {p.name for p in sorted_image_files(self.collection/category) if name_in_valid(p) == (split == 'Valid')}

    def show(self, category, split):
        "Choose a category and a split in the menus at the top; wait until the photos on screen are theirs"
        from playwright.sync_api import expect
        self.category.select_option(category); self.split.select_option(split)
        names = self.photos(category, split)
        expect(self.captions).to_have_count(len(names), timeout=ANSWER_TIMEOUT)
        for name in names: expect(self.menu(name)).to_have_count(1, timeout=ANSWER_TIMEOUT)

    def names(self):
        "The names of the photos on screen, in order"
        return [t.split('\n')[0] for t in self.captions.all_inner_texts()]

    def menu(self, name):
        "The menu under the photo called `name`"
        return self.out.locator(f'.widget-vbox .widget-vbox:has(> .widget-html:has-text("{name}"))').locator('select')

def test_notebook_2_cleaner_in_jupyterlab(page, lab, course_copy):
    from playwright.sync_api import expect
    collection = course_copy/'data'/'dog_breeds'  # where the lesson copies the dog photos, in the course's copy
    open_notebook(page, lab('nbs/02_production.ipynb'))
    cell = code_cell(page, 'widget = PhotoCleanerWidget(cleaner)')
    cleaner = Cleaner(cell, collection)
    run_to(page, cell, cleaner.category)
    cell.scroll_into_view_if_needed()
    page.screenshot(path=ARTIFACTS/'jupyterlab-cleaner.png')

    expect(cleaner.category).to_have_value('pug'); expect(cleaner.split).to_have_value('Valid')
    expect(cleaner.captions).to_have_count(len(cleaner.photos('pug', 'Valid')))
    expect(cleaner.apply).to_be_disabled(); expect(cleaner.undo).to_be_disabled()
    expect(cleaner.out.locator('img').first).to_be_visible()
    planted = list((collection/'pug').glob('samoyed_*.jpg'))  # the lesson's deliberate mistake
    assert len(planted) == 1, f'expected the lesson to plant one samoyed in {collection/"pug"}, found {planted}'
    planted = planted[0]
    expect(cleaner.captions.first).to_contain_text(planted.name)  # highest loss first, as the lesson says
    files_before, sources_before = fingerprints(collection), descriptions(collection)

    cleaner.menu(planted.name).select_option('samoyed')
    expect(cleaner.status).to_have_text('1 change(s) pending: 0 to delete, 1 to relabel', timeout=ANSWER_TIMEOUT)
    cleaner.show('beagle', 'Train')
    doomed = cleaner.names()[0]
    cleaner.menu(doomed).select_option('<Delete>')
    expect(cleaner.status).to_have_text('2 change(s) pending: 1 to delete, 1 to relabel', timeout=ANSWER_TIMEOUT)
    page.screenshot(path=ARTIFACTS/'jupyterlab-cleaner-marked.png')

    cleaner.show('samoyed', 'Train')  # another category and split, then back: the marks are kept
    cleaner.show('pug', 'Valid')
    expect(cleaner.menu(planted.name)).to_have_value('samoyed', timeout=ANSWER_TIMEOUT)
    cleaner.show('beagle', 'Train')
    expect(cleaner.menu(doomed)).to_have_value('<Delete>', timeout=ANSWER_TIMEOUT)
    expect(cleaner.apply).to_have_text('Apply 2 change(s)')
    assert fingerprints(collection) == files_before  # nothing moves before Apply

    moves = {f'pug/{planted.name}': f'samoyed/{planted.name}', f'beagle/{doomed}': f'.trash/beagle/{doomed}'}
    cleaner.apply.click()
    expect(cleaner.report).to_contain_text('moved 2 photo(s)', timeout=ANSWER_TIMEOUT)
    page.screenshot(path=ARTIFACTS/'jupyterlab-cleaner-applied.png')
    assert fingerprints(collection) == moved(files_before, moves)  # the same bytes, in the trash and in the right folder
    assert descriptions(collection) == moved_descriptions(sources_before, moves)
    expect(cleaner.menu(doomed)).to_have_count(0, timeout=ANSWER_TIMEOUT)
    expect(cleaner.status).to_have_text('no changes pending', timeout=ANSWER_TIMEOUT)
    expect(cleaner.apply).to_be_disabled(); expect(cleaner.undo).to_be_enabled()

    cleaner.undo.click()
    expect(cleaner.report).to_contain_text(f'samoyed/{planted.name} -> pug/{planted.name}', timeout=ANSWER_TIMEOUT)
    page.screenshot(path=ARTIFACTS/'jupyterlab-cleaner-undone.png')
    assert fingerprints(collection) == files_before
    assert descriptions(collection) == sources_before
    expect(cleaner.menu(doomed)).to_have_value('<Delete>', timeout=ANSWER_TIMEOUT)  # undo puts the marks back, ready to apply again
    expect(cleaner.status).to_have_text('2 change(s) pending: 1 to delete, 1 to relabel', timeout=ANSWER_TIMEOUT)
    expect(cleaner.undo).to_be_disabled()
    cleaner.show('pug', 'Valid')
    expect(cleaner.menu(planted.name)).to_have_value('samoyed', timeout=ANSWER_TIMEOUT)

def test_notebook_3_page_answers_uploads_in_jupyterlab(page, lab, course_copy, bird_model, bird_photo, tmp_path):
    "The app as the lesson shows it: the page in a cell's output, a photo chosen with its upload button, then a text file"
    from playwright.sync_api import expect
    (course_copy/'models').mkdir(exist_ok=True)
    shutil.copy2(bird_model, course_copy/'models'/bird_model.name)  # the model notebook 1 leaves behind
    open_notebook(page, lab('nbs/03_app.ipynb'))
    cell = code_cell(page, 'page = ClassifierPage(learn, model_path().name)')
    run_to(page, cell, cell.locator('button.widget-upload'))
    upload(page, bird_photo)
    expect(cell.locator('.app-verdict')).to_have_text(re.compile(r'^bird \(\d+\.\d%\)$'), timeout=ANSWER_TIMEOUT)
    expect(cell.locator('.app-bar')).to_have_count(2)
    cell.scroll_into_view_if_needed()
    page.screenshot(path=ARTIFACTS/'jupyterlab-app.png')
    expect_a_text_file_refused(page, tmp_path)

def slider(page, label):
    "The handle, readout and plot of the `interact` slider labelled `label`"
    named = page.locator('label.widget-label', has_text=re.compile(f'^{label}$'))
    box = page.locator('.widget-interact').filter(has=named)
    row = box.locator('.widget-slider').filter(has=named)
    return row.locator('.noUi-handle'), row.locator('.widget-readout'), box.locator('.widget-output img')

def drag(page, handle, dx):
    "Drag a slider's handle `dx` pixels to the right, as a person does with the mouse"
    handle.scroll_into_view_if_needed()
    box = handle.bounding_box()
    x, y = box['x'] + box['width']/2, box['y'] + box['height']/2
    page.mouse.move(x, y); page.mouse.down(); page.mouse.move(x + dx, y, steps=5); page.mouse.up()

def test_notebook_5_sliders_redraw_in_jupyterlab(page, lab):
    from playwright.sync_api import expect
    open_notebook(page, lab('nbs/05_sgd.ipynb'))
    last_sliders = code_cell(page, '@interact').last
    run_to(page, last_sliders, last_sliders.locator('.widget-output img'))
    for label in ('a', 'b', 'c', 'lr'):
        handle, readout, plot = slider(page, label)
        expect(plot).to_have_count(1, timeout=ANSWER_TIMEOUT)
        value, picture = readout.inner_text(), plot.get_attribute('src')
        drag(page, handle, 30)
        expect(readout).not_to_have_text(value, timeout=ANSWER_TIMEOUT)
        expect(plot).not_to_have_attribute('src', picture, timeout=ANSWER_TIMEOUT)  # redrawn for the new value
        expect(plot).to_have_count(1)  # in place of the old plot, not below it
        page.screenshot(path=ARTIFACTS/f'jupyterlab-slider-{label}.png')
