"""The app on Binder, as far as it can be tried offline: Binder's files are consistent with the course's, and the page in the
README's Binder link, served as Binder serves it (a Jupyter server with voila's extension, started in the repository's folder,
after postBuild has written the app folder), is the working app in a real browser."""
import os, re, sys, urllib.parse
from pathlib import Path
import pytest
from course_lib.paths import course_root
from course_lib.app import DEFAULT_MODEL
from course_lib.deploy import write_app_folder
from browser import ANSWER_TIMEOUT, ARTIFACTS, free_port, local_server, open_app, upload

BINDER = course_root()/'binder'

def binder_urlpath()->str:
    "The page the README's Binder link opens, e.g. voila/render/nbs/03_app.ipynb"
    link = re.search(r'https://mybinder\.org/v2/gh/[\w.-]+/[\w.-]+/HEAD\?urlpath=([^)\s]+)', (course_root()/'README.md').read_text())
    assert link, 'the README has no Binder link'
    return urllib.parse.unquote(link.group(1))

def test_binder_installs_the_tested_versions_and_builds_the_apps_folder():
    lines = [l for l in (BINDER/'requirements.txt').read_text().splitlines() if l and not l.startswith('#')]
    includes = [l.split(maxsplit=1)[1] for l in lines if l.startswith('-r ')]
    assert [(BINDER/i).resolve() for i in includes] == [course_root()/'requirements.txt']  # pip reads -r relative to the file
    assert (BINDER/'runtime.txt').read_text().strip() == f'python-{sys.version_info.major}.{sys.version_info.minor}'
    post = (BINDER/'postBuild').read_text()
    assert re.search(r'^pip install --no-deps -e \.$', post, re.M)
    assert re.search(rf'^course-train images --classes bird,forest --dest {re.escape(DEFAULT_MODEL)}$', post, re.M)
    assert 'course-train images --classes bird,forest --dest $@' in (course_root()/'Makefile').read_text()  # the model make app trains
    assert re.search(rf'^course-deploy {re.escape(DEFAULT_MODEL)}$', post, re.M)
    assert binder_urlpath() == f'voila/render/deploy/{Path(DEFAULT_MODEL).stem}/app.ipynb'  # where course-deploy writes by default

@pytest.mark.browser
def test_the_binder_link_opens_the_app(browser, bird_model, bird_photo, tmp_path):
    "Binder starts a Jupyter server in the repository's folder, where voila's extension finds voila.json; the link's urlpath is the page"
    from playwright.sync_api import expect
    repository = tmp_path/'repository'  # what matters of the repository after postBuild: voila.json, and the app folder
    repository.mkdir()
    (repository/'voila.json').write_bytes((course_root()/'voila.json').read_bytes())
    urlpath = binder_urlpath()
    write_app_folder(str(bird_model), str(repository/Path(urlpath.removeprefix('voila/render/')).parent))
    ARTIFACTS.mkdir(exist_ok=True)
    port, token, log_file = free_port(), 'binder-test', ARTIFACTS/'binder-server.log'
    server = [Path(sys.executable).parent/'jupyter-server', '--ServerApp.ip=127.0.0.1', f'--ServerApp.port={port}',
              f'--IdentityProvider.token={token}', '--ServerApp.open_browser=False'] + (['--allow-root'] if os.geteuid() == 0 else [])  # Binder's user is not root
    with local_server(server, port, log_file, cwd=repository, env={**os.environ, 'JUPYTER_RUNTIME_DIR': str(tmp_path)}):
        page = open_app(browser, f'http://127.0.0.1:{port}/{urlpath}?token={token}', log_file)
        expect(page.locator('body')).to_contain_text('the model (is_it_a_bird.pkl) says which it shows: bird or forest.')
        upload(page, bird_photo)
        expect(page.locator('.app-verdict')).to_have_text(re.compile(r'^bird \(\d+\.\d%\)$'), timeout=ANSWER_TIMEOUT)
        page.screenshot(path=ARTIFACTS/'binder-app.png')
        page.close()
