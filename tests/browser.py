"A real browser for the tests that need one (the app in voila, the lessons in JupyterLab): Debian's chromium, driven by Playwright"
import os, shutil, socket
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
