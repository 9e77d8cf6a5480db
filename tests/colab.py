"""A Google Colab runtime on this machine, for `make colab` (tests/test_colab_rehearsal.py).

- Colab's packages: a virtual environment of its own, built once in ~/.cache/course_lib/colab, with Colab's published versions
  (`tools/colab-constraints.txt`) of what the course and a Jupyter kernel touch, installed by pip under those constraints.
- Colab's kernel: a kernel spec that runs that environment's Python and imports a stand-in `google.colab` as it starts, as
  Colab's kernel does; its `files.upload()` gives a photo, as if a learner had chosen it.
- Colab's first steps: each notebook starts from the runtime's packages as built, in an empty folder (Colab's /content), and
  its setup cell clones a snapshot of this working tree, which stands in for the course's address (`COURSE_REPO`).

What differs from Colab: this machine's Python 3.11 (Colab's list is for 3.13), PyPI's torch (a CUDA build, where Colab's CPU
runtime has torch's +cpu build), and Colab's own front end and widget manager, which no kernel-side rehearsal reaches."""
import hashlib, json, os, re, shutil, subprocess, sys
from pathlib import Path
from fastai.data.external import URLs, untar_data
from lessons import COURSE

CONSTRAINTS = COURSE/'tools'/'colab-constraints.txt'
# What of a Colab runtime the course and its kernel touch; pip takes each at Colab's version, and their dependencies too.
RUNTIME = ['torch', 'torchvision', 'fastai', 'fastcore', 'fastprogress', 'ipywidgets', 'widgetsnbextension', 'ipykernel', 'ipython',
           'jupyter_client', 'traitlets', 'tornado', 'pyzmq', 'numpy', 'pillow', 'matplotlib', 'pandas', 'scikit-learn',
           'plum-dispatch', 'filelock', 'setuptools', 'requests', 'packaging']
CACHE = Path(os.environ.get('XDG_CACHE_HOME', '~/.cache')).expanduser()/'course_lib'/'colab'
COLAB_MODULE = '"A stand-in for Colab\'s own `google.colab` package: its presence is what marks a runtime as Colab\'s"\n'
FILES_MODULE = '''"Colab's `files.upload()`, standing in: the file named by $COLAB_STANDIN_UPLOAD, as if the learner had chosen it"
import os
from pathlib import Path

def upload()->dict:
    "{name: content} of the files chosen; each is also saved in the current folder, as Colab's `files.upload` does"
    chosen = Path(os.environ['COLAB_STANDIN_UPLOAD'])
    print(f'Saving {chosen.name} to {chosen.name}')
    Path(chosen.name).write_bytes(chosen.read_bytes())
    return {chosen.name: chosen.read_bytes()}
'''

def pip(python:Path, *args)->str:
    "Run pip of `python`; its output, or a failure that shows the end of it"
    out = subprocess.run([str(python), '-m', 'pip', *args], capture_output=True, text=True)
    if out.returncode: raise RuntimeError(f'pip {" ".join(args)} failed:\n{out.stdout[-3000:]}{out.stderr[-3000:]}')
    return out.stdout

CUDA_LIBRARIES = ('nvidia-', 'cuda-', 'triton')  # what PyPI's torch, a CUDA build, needs and Colab's CPU runtime (torch +cpu) has no use for

def runtime_constraints(dest:Path)->Path:
    "Colab's constraints less the pins of CUDA libraries: PyPI's torch needs them at other versions than Colab's list holds for its other packages, which Colab's torch (+cpu) never asks for"
    dest.write_text(''.join(l for l in CONSTRAINTS.read_text().splitlines(keepends=True) if not l.lower().startswith(CUDA_LIBRARIES)))
    return dest

def colab_python(cache:Path=CACHE)->Path:
    "The Python of an environment with Colab's packages, built once (again when the constraints or `RUNTIME` change)"
    venv, python = cache/'venv', cache/'venv'/'bin'/'python'
    wanted = hashlib.sha256((CONSTRAINTS.read_text() + ' '.join(RUNTIME)).encode()).hexdigest()
    if (venv/'built-for').is_file() and (venv/'built-for').read_text() == wanted: return python
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([sys.executable, '-m', 'venv', str(venv)], check=True)
    pip(python, 'install', '-q', '-c', str(runtime_constraints(cache/'constraints.txt')), *RUNTIME)
    (venv/'pristine.txt').write_text(pip(python, 'freeze'))
    (venv/'built-for').write_text(wanted)
    return python

def versions(freeze:str)->dict:
    "name -> version (or address) of each package in the output of `pip freeze`"
    return dict(re.split(r'==| @ ', l, maxsplit=1) for l in freeze.splitlines() if re.search(r'==| @ ', l))

def runtime_changes(python:Path)->dict:
    "name -> (as built, now) of each package added, removed or changed since the runtime was built (None where there is none)"
    built, now = versions((python.parent.parent/'pristine.txt').read_text()), versions(pip(python, 'freeze'))
    return {n: (built.get(n), now.get(n)) for n in built.keys() | now.keys() if built.get(n) != now.get(n)}

def back_to_pristine(python:Path):
    "Undo what a notebook's setup cell installed, so that each notebook starts from a fresh runtime's packages"
    changes = runtime_changes(python)
    if added := [n for n, (built, _) in changes.items() if built is None]: pip(python, 'uninstall', '-q', '-y', *added)
    if undone := [f'{n}=={built}' for n, (built, _) in changes.items() if built]: pip(python, 'install', '-q', '--no-deps', *undone)

def standin_colab(dest:Path)->Path:
    "A stand-in `google.colab` package in `dest`, with `files.upload`"
    colab = dest/'google'/'colab'
    colab.mkdir(parents=True, exist_ok=True)
    (colab/'__init__.py').write_text(COLAB_MODULE)  # `google` stays a namespace package, so protobuf's google.* still imports
    (colab/'files.py').write_text(FILES_MODULE)
    return dest

def colab_kernel(python:Path, home:Path)->Path:
    "A Jupyter folder under `home` with one kernel, `colab`: `python`, importing the stand-in `google.colab` as it starts"
    standin_colab(home/'standin')
    startup = home/'ipython'/'profile_default'/'startup'
    startup.mkdir(parents=True, exist_ok=True)
    (startup/'00-colab.py').write_text('import google.colab\n')
    spec = home/'jupyter'/'kernels'/'colab'
    spec.mkdir(parents=True, exist_ok=True)
    (spec/'kernel.json').write_text(json.dumps({'argv': [str(python), '-m', 'ipykernel_launcher', '-f', '{connection_file}'],
                                                'display_name': 'Colab rehearsal', 'language': 'python'}))
    return home/'jupyter'

def repository_snapshot(dest:Path)->Path:
    "A git repository of this working tree as it is (committed or not), to clone as Colab clones the course's address"
    files = subprocess.run(['git', 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], cwd=COURSE, capture_output=True,
                           check=True).stdout.decode().split('\0')
    for f in filter(None, files):
        if (COURSE/f).is_file(): (dest/f).parent.mkdir(parents=True, exist_ok=True); shutil.copy2(COURSE/f, dest/f)
    runtime_constraints(dest/'tools'/'colab-constraints.txt')  # this runtime's torch is a CUDA build: see `runtime_constraints`
    git = ['git', '-c', 'user.name=rehearsal', '-c', 'user.email=rehearsal@localhost', '-c', 'init.defaultBranch=main']
    for args in (['init', '-q'], ['add', '-A'], ['commit', '-q', '-m', 'the course, as it is now']): subprocess.run(git + args, cwd=dest, check=True)
    return dest

def fastai_home(home:Path)->Path:
    "A fastai home whose data folder holds MNIST_SAMPLE, which Colab would download: a copy of the one fastai finds here"
    fastai, data = home/'fastai', home/'fastai'/'data'
    data.mkdir(parents=True, exist_ok=True)
    (fastai/'archive').mkdir()  # Colab's fastdownload (0.0.7) finds an extracted folder only where its archive folder exists
    shutil.copytree(untar_data(URLs.MNIST_SAMPLE), data/'mnist_sample')  # offline, `make test`'s setup put it where fastai looks
    # written whole: a config.ini that fastai creates itself gives relative folders, found from the current folder on first use
    (fastai/'config.ini').write_text('[DEFAULT]\n' + ''.join(f'{k} = {fastai/v}\n' for k, v in dict(data='data', archive='archive', storage='tmp', model='models').items()))
    return fastai

def kernel_env(python:Path, home:Path, repo:Path, upload:Path)->dict:
    "What a rehearsal kernel's process sees: the runtime's Python first, the stand-in, the course's address, the photo to upload"
    return {'PATH': os.pathsep.join([str(python.parent), '/usr/local/bin', '/usr/bin', '/bin']), 'PYTHONPATH': str(home/'standin'),
            'IPYTHONDIR': str(home/'ipython'), 'JUPYTER_PATH': str(home/'jupyter'), 'COURSE_REPO': repo.as_uri(),
            'FASTAI_HOME': str(home/'fastai'), 'COLAB_STANDIN_UPLOAD': str(upload), 'VIRTUAL_ENV': str(python.parent.parent)}
