"A real browser for the tests that need one, and the local servers it visits (the app in voila, the lessons in JupyterLab): Debian's chromium, driven by Playwright"
import os, shutil, socket, subprocess, time, urllib.error, urllib.request
from contextlib import contextmanager
from pathlib import Path
import pytest
from course_lib.paths import course_root

ARTIFACTS = course_root()/'test-artifacts'  # screenshots and server logs, to look at after a run
# Debian's chromium; Playwright's own browser download needs the internet. Without the background
# services, a machine with no network floods the browser with refused connections.
CHROMIUM = shutil.which('chromium')
CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
                  '--disable-component-update', '--disable-sync']

def missing(why):
    "Skip on a learner's machine, but fail where CI is set: there the browser tests must run"
    if os.environ.get('CI'): pytest.fail(f'{why}, and CI is set: .ci/run must install it', pytrace=False)
    pytest.skip(why)

def launched_browser():
    "Start chromium under Playwright, for as long as the caller's `with` lasts"
    if not CHROMIUM: missing('chromium is not installed (Debian: apt-get install chromium chromium-driver)')
    try: from playwright.sync_api import sync_playwright
    except ImportError: missing('the playwright package is not installed (pip install -e ".[dev]")')
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try: yield browser
        finally: browser.close()

def free_port()->int:
    "A TCP port on 127.0.0.1 that nothing listens on now"
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

@contextmanager
def local_server(args:list, # the command, which serves on 127.0.0.1:`port`
                 port:int, # where it listens
                 log_file, # where its output goes, to read when something fails
                 timeout:float=120, # seconds it may take to start listening
                 **popen_kwargs, # cwd, env, ... for `subprocess.Popen`
                ):
    "A web server (voila, JupyterLab) started in a subprocess, listening on `port` once inside the `with`; stopped at its end, with the kernels it started"
    with open(log_file, 'w') as log: proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, **popen_kwargs)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None: pytest.fail(f'{" ".join(map(str, args))} stopped with exit code {proc.returncode}; see {log_file}')
            with socket.socket() as s:
                if s.connect_ex(('127.0.0.1', port)) == 0: break
            if time.monotonic() > deadline: pytest.fail(f'{" ".join(map(str, args))} did not listen on port {port} within {timeout} s; see {log_file}')
            time.sleep(0.2)
        yield proc
    finally:
        proc.terminate()  # the server shuts down the kernels it started
        try: proc.wait(60)
        except subprocess.TimeoutExpired: proc.kill(); proc.wait()

PAGE_TIMEOUT = 180_000  # ms: a kernel starts, imports fastai and loads the model for every page
ANSWER_TIMEOUT = 60_000  # ms

def open_app(browser, url:str, log_file):
    "A new browser page showing the classifier app at `url`, once its upload button is there; fails with the server's log if a cell failed"
    page = browser.new_page(viewport={'width': 760, 'height': 560})
    page.goto(url, timeout=PAGE_TIMEOUT)  # a Jupyter server's voila runs the notebook before the page loads
    failure = page.get_by_text('There was an error when executing cell')
    page.locator('button.widget-upload').or_(failure).first.wait_for(timeout=PAGE_TIMEOUT)
    if failure.count(): pytest.fail(f'a cell of the app failed: see the traceback in {log_file}', pytrace=False)
    return page

def upload(page, path):
    "Choose the file at `path` with the app's upload button, as a visitor does"
    with page.expect_file_chooser() as chooser: page.locator('button.widget-upload').click()
    chooser.value.set_files(path)

def expect_a_text_file_refused(page, folder:Path):
    "Upload a text file, written in `folder`, to the app on `page`: the message names it, and nothing of the previous answer stays"
    from playwright.sync_api import expect
    notes = folder/'notes.txt'
    notes.write_text('Dear diary, today I saw a bird.\n')
    upload(page, notes)
    expect(page.locator('.app-message')).to_contain_text('notes.txt is not a photo I can use', timeout=ANSWER_TIMEOUT)
    expect(page.locator('.app-verdict')).to_have_text('')
    expect(page.locator('.app-photo')).to_be_hidden()
    expect(page.locator('.app-bar')).to_have_count(0)

def status(url:str)->tuple:
    "The HTTP status of a GET of `url`, and its headers, following no redirect"
    class Stay(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args): return None
    try:
        with urllib.request.build_opener(Stay).open(url, timeout=120) as r: return r.status, r.headers
    except urllib.error.HTTPError as e: return e.code, e.headers
