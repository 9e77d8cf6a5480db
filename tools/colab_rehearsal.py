"""A rehearsal of the course in Google Colab, on this machine (`make colab`). An environment like a Colab runtime's: a virtual
environment of its own, with torch, torchvision, fastai and ipywidgets installed first, at versions older than the course's own
pins, as a runtime's may be; a stand-in `google.colab` module, imported when a kernel starts, as Colab's kernel does; and a clone of
this repository standing in for its address (`$COURSE_REPO`). Each notebook, which must start with the setup cell of
`colab_setup.py`, runs in one kernel of that environment, from an empty folder such as Colab's /content, from the setup cell to
the end, with no restart. Like `nbdev-test`, it sets `IN_TEST=1` and skips cells marked `notest` or
`eval: false`; the data fastai would download (MNIST_SAMPLE) is put where fastai looks, from ../shared/data, for want of internet."""
import argparse, json, os, shutil, subprocess, sys, tarfile, tempfile, time, traceback
from pathlib import Path
import nbformat
from nbclient import NotebookClient

COURSE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(COURSE/'tools'))
from colab_setup import colab_cell, packages_colab_lacks

# A Colab runtime's own packages, older than the course's pins. A runtime is built at one time; pip, resolving fastai 2.8.4 today,
# would take today's plum-dispatch, whose 2.10 cannot be pickled (beartype/plum#322), so no fastai learner could be exported.
COLAB_PACKAGES = ['torch==2.8.0', 'torchvision==0.23.0', 'fastai==2.8.4', 'plum-dispatch==2.9.0', 'ipywidgets==7.7.1']
KERNEL_PACKAGES = ['ipykernel', 'nbclient']  # what runs a notebook (Colab's own kernel is Jupyter's)
CACHE = Path(os.environ.get('XDG_CACHE_HOME', '~/.cache')).expanduser()/'course_lib'/'colab'
SKIP_CELLS = ('#| notest', '#| eval: false', '#|eval: false')  # what nbdev-test skips (tst_flags = notest)
STANDIN = '"A stand-in for Colab\'s own `google.colab` package in the rehearsal: its presence is what marks a runtime as Colab\'s"\n'

def pip(python:Path, *args):
    "Run pip of `python`; its output only if it fails"
    out = subprocess.run([str(python), '-m', 'pip', *args], capture_output=True, text=True)
    if out.returncode: sys.exit(f'pip {" ".join(args)} failed:\n{out.stdout[-3000:]}{out.stderr[-3000:]}')
    return out.stdout

def colab_env(cache:Path=CACHE)->Path:
    "The Python of a virtual environment like a Colab runtime's, built once (again when `COLAB_PACKAGES` change)"
    venv, stamp = cache/'venv', cache/'venv'/'colab-packages.txt'
    python, wanted = venv/'bin'/'python', '\n'.join(COLAB_PACKAGES + KERNEL_PACKAGES)
    if not (stamp.is_file() and stamp.read_text() == wanted):
        print(f'Building a Colab-like environment in {venv} (a few minutes, once): {" ".join(COLAB_PACKAGES)}', flush=True)
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([sys.executable, '-m', 'venv', str(venv)], check=True)
        pip(python, 'install', '-q', *COLAB_PACKAGES)  # first, as Colab has them before anything of ours
        pip(python, 'install', '-q', *KERNEL_PACKAGES)
        (venv/'pristine.txt').write_text(pip(python, 'freeze'))
        stamp.write_text(wanted)
    return python

def back_to_pristine(python:Path):
    "Undo what a notebook's setup cell installed, so that each notebook starts from a fresh runtime's packages"
    pristine = set((python.parent.parent/'pristine.txt').read_text().splitlines())
    now = set(pip(python, 'freeze').splitlines())
    if extra := [line.split('==')[0] for line in now - pristine]: pip(python, 'uninstall', '-q', '-y', *extra)
    if missing := sorted(pristine - now): pip(python, 'install', '-q', '--no-deps', *missing)

def kernel_spec(python:Path, home:Path)->Path:
    "A Jupyter folder with one kernel, `colab`, that runs `python` and imports the stand-in `google.colab` as it starts"
    standin, startup = home/'standin'/'google'/'colab', home/'ipython'/'profile_default'/'startup'
    for d in (standin, startup): d.mkdir(parents=True, exist_ok=True)
    (standin/'__init__.py').write_text(STANDIN)  # `google` stays a namespace package, so protobuf's google.* still imports
    (startup/'00-colab.py').write_text('import google.colab\n')
    spec = home/'jupyter'/'kernels'/'colab'
    spec.mkdir(parents=True, exist_ok=True)
    (spec/'kernel.json').write_text(json.dumps(
        {'argv': [str(python), '-m', 'ipykernel_launcher', '-f', '{connection_file}'], 'display_name': 'Colab rehearsal', 'language': 'python'}))
    return home/'jupyter'

def repository_snapshot(dest:Path)->Path:
    "A git repository of this working tree as it is (committed or not), to clone from as Colab clones from the course's address"
    files = subprocess.run(['git', 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], cwd=COURSE, capture_output=True,
                           check=True).stdout.decode().split('\0')
    for f in filter(None, files):
        if (COURSE/f).is_file(): (dest/f).parent.mkdir(parents=True, exist_ok=True); shutil.copy2(COURSE/f, dest/f)
    git = ['git', '-c', 'user.name=rehearsal', '-c', 'user.email=rehearsal@localhost', '-c', 'init.defaultBranch=main']
    for args in (['init', '-q'], ['add', '-A'], ['commit', '-q', '-m', 'the course, as it is now']): subprocess.run(git + args, cwd=dest, check=True)
    return dest

def as_in_colab(notebook:Path)->nbformat.NotebookNode:
    "`notebook` as a learner runs it in Colab, checked to start with the setup cell of `colab_setup.py`; without the cells nbdev-test skips"
    nb = nbformat.read(notebook, as_version=4)
    code = [c for c in nb.cells if c.cell_type == 'code']
    if not code or code[0].source.strip() != colab_cell().strip():
        raise ValueError(f'{notebook.name}: its first code cell is not the setup cell of tools/colab_setup.py (`python tools/colab_setup.py --cell` prints it)')
    nb.cells = [c for c in nb.cells if not (c.cell_type == 'code' and c.source.lstrip().startswith(SKIP_CELLS))]
    return nb

def fastai_data(home:Path)->Path:
    "A fastai home whose data folder holds MNIST_SAMPLE, which Colab would download and this machine cannot"
    data = home/'fastai'/'data'
    data.mkdir(parents=True, exist_ok=True)
    tgz = COURSE.parent/'shared'/'data'/'mnist'/'mnist_sample.tgz'
    if tgz.is_file() and not (data/'mnist_sample').exists():
        with tarfile.open(tgz) as t: t.extractall(data, filter='data')
    return home/'fastai'

def kernel_env(python:Path, home:Path, repo:Path)->dict:
    "What the kernel's process sees: little of this machine, the stand-in, the repository's address and nbdev-test's `IN_TEST`"
    keep = {k: os.environ[k] for k in ('HOME', 'LANG', 'TMPDIR', 'OMP_WAIT_POLICY') if k in os.environ}
    return keep | {'PATH': f'{python.parent}{os.pathsep}/usr/local/bin{os.pathsep}/usr/bin{os.pathsep}/bin', 'PYTHONPATH': str(home/'standin'),
                   'IPYTHONDIR': str(home/'ipython'), 'JUPYTER_PATH': str(home/'jupyter'), 'COURSE_REPO': repo.as_uri(),
                   'FASTAI_HOME': str(fastai_data(home)), 'IN_TEST': '1', 'OMP_WAIT_POLICY': os.environ.get('OMP_WAIT_POLICY', 'PASSIVE')}

def rehearse(notebook:Path, python:Path, home:Path, repo:Path, timeout:int=900)->tuple[bool, float, str]:
    "Run `notebook` as in a fresh Colab runtime; whether it passed, how long it took, and what went wrong"
    back_to_pristine(python)
    content = Path(tempfile.mkdtemp(prefix='content-', dir=home))  # the runtime's empty starting folder, as /content
    try: nb, start = as_in_colab(notebook), time.perf_counter()
    except ValueError as e: return False, 0.0, str(e)
    os.environ['JUPYTER_PATH'] = str(home/'jupyter')  # where the client finds the `colab` kernel
    client = NotebookClient(nb, kernel_name='colab', timeout=timeout, resources={'metadata': {'path': str(content)}})
    (CACHE/'executed').mkdir(parents=True, exist_ok=True)
    with open(CACHE/'executed'/f'{notebook.stem}.log', 'w') as log:  # what the kernel's process itself prints, which Colab keeps in its log
        try: client.execute(env=kernel_env(python, home, repo), stdout=log, stderr=log); ok, error = True, ''
        except Exception as e: ok, error = False, str(e)[-3000:] or traceback.format_exc()
    nbformat.write(nb, CACHE/'executed'/notebook.name)  # to read what each cell did
    shutil.rmtree(content, ignore_errors=True)
    return ok, time.perf_counter() - start, error

def all_notebooks()->list:
    "Every lesson and library notebook, as nbdev-test finds them (not those whose name starts with _ or .)"
    return [p for p in sorted((COURSE/'nbs').glob('*.ipynb')) + sorted((COURSE/'nbs'/'library').glob('*.ipynb')) if not p.name.startswith(('_', '.'))]

def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('notebooks', nargs='*', type=Path, help='notebooks to rehearse (all of nbs/ and nbs/library/ by default)')
    args = parser.parse_args()
    notebooks = [n.resolve() for n in args.notebooks] or all_notebooks()
    python = colab_env()
    home = Path(tempfile.mkdtemp(prefix='colab-rehearsal-'))
    try:
        kernel_spec(python, home)
        repo = repository_snapshot(home/'repository')
        print(f'Colab-like runtime: {" ".join(COLAB_PACKAGES)}; the setup cell installs {" ".join(packages_colab_lacks(COURSE))}', flush=True)
        failed = []
        for nb in notebooks:
            ok, seconds, error = rehearse(nb, python, home, repo)
            print(f'{"passed" if ok else "FAILED"}  {seconds:6.1f} s  {nb.relative_to(COURSE)}', flush=True)
            if not ok: failed.append(nb); print(error, flush=True)
        print(f'The notebooks as they ran are in {CACHE/"executed"}')
        print(f'{len(notebooks) - len(failed)} passed, {len(failed)} failed')
        sys.exit(1 if failed else 0)
    finally: shutil.rmtree(home, ignore_errors=True)

if __name__ == '__main__': main()
