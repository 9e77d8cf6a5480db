"""Prepare a Google Colab runtime for the course. The first code cell of every notebook (`colab_cell`) clones the repository and
runs this file, which installs the packages of pyproject.toml that Colab lacks (Colab keeps its own torch, torchvision, fastai
and ipywidgets, which its notebook front end is built for), makes `course_lib` importable from the clone without a restart, and
works from the clone's `nbs/` folder. Outside Colab the cell does nothing, and so does this file.

`python tools/colab_setup.py --cell` prints that cell, and `--badge nbs/01_is_it_a_bird.ipynb` the "Open in Colab" line of a
notebook: both are made from `COURSE_REPO`, the one place where the repository's address is written."""
import importlib, importlib.util, os, re, subprocess, sys, tomllib
from pathlib import Path

COURSE_REPO = 'https://github.com/course-lib/course_lib'  # a placeholder until the course has its public address; in the cell, $COURSE_REPO overrides it
COLAB_HAS = ('torch', 'torchvision', 'fastai', 'ipywidgets')  # Colab's own: installing ours over them would need a restart

def in_colab()->bool:
    "Is this Python a Colab runtime? Its kernel imports `google.colab` when it starts"
    if 'google.colab' in sys.modules: return True
    try: return importlib.util.find_spec('google.colab') is not None
    except ModuleNotFoundError: return False  # no `google` package at all

def colab_cell(repo:str=COURSE_REPO)->str:
    "The first code cell of every notebook: in Colab, clone the course once, into the runtime's starting folder, and run this file"
    return f"""# In Google Colab: get the course, the packages Colab lacks and the photos (tools/colab_setup.py). Elsewhere: nothing.
import os, sys
if 'google.colab' in sys.modules:
    course_repo = os.environ.get('COURSE_REPO', '{repo}')  # the course's repository, or your fork
    course_clone = os.environ.setdefault('COURSE_CLONE', os.path.abspath('course_lib'))  # /content/course_lib, even when run again
    if not os.path.isdir(course_clone):
        !git clone -q --depth 1 {{course_repo}} {{course_clone}}
    %run {{course_clone}}/tools/colab_setup.py"""

def colab_badge(notebook:str, # the notebook's path in the repository, such as nbs/01_is_it_a_bird.ipynb
                repo:str=COURSE_REPO, branch:str='main')->str:
    "The markdown line that opens `notebook` in Colab, from its GitHub address"
    owner_repo = repo.removeprefix('https://github.com/').removesuffix('.git')
    return (f'[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]'
            f'(https://colab.research.google.com/github/{owner_repo}/blob/{branch}/{notebook})')

def packages_colab_lacks(course:Path)->list:
    "The requirements of pyproject.toml, less the packages Colab has its own of"
    deps = tomllib.loads((course/'pyproject.toml').read_text())['project']['dependencies']
    return [d for d in deps if re.split(r'[=<>!~\[;\s]', d)[0].lower() not in COLAB_HAS]

def import_course_lib(course:Path):
    "Import `course_lib` from the clone now: its folder first on `sys.path`, and any other `course_lib` imported before forgotten"
    if str(course) in sys.path: sys.path.remove(str(course))
    sys.path.insert(0, str(course))
    paths = os.environ.get('PYTHONPATH', '').split(os.pathsep)
    os.environ['PYTHONPATH'] = os.pathsep.join([str(course)] + [p for p in paths if p and p != str(course)])  # for the processes a lesson starts
    # The clone's own folder is named course_lib too: imported from its parent, it is an empty namespace package (`__file__` None).
    for name in [m for m in sys.modules if m == 'course_lib' or m.startswith('course_lib.')]: del sys.modules[name]
    importlib.invalidate_caches()
    import course_lib
    found = Path(course_lib.__file__ or '.').resolve().parent
    if found != (course/'course_lib').resolve(): raise ImportError(f'course_lib was imported from {found}, not from the clone at {course}')
    return course_lib

def prepare(course:Path=Path(__file__).resolve().parent.parent, # the clone of the course
           ):
    "Install what Colab lacks, import `course_lib` from `course`, and work from its lessons' folder"
    if not in_colab(): return
    subprocess.run([sys.executable, '-m', 'pip', 'install', '-q', *packages_colab_lacks(course)], check=True)
    os.environ['COURSE_ROOT'] = str(course)  # the photos (images/) and SOURCES.json ship in the clone; course_root() finds them here
    import_course_lib(course)
    os.chdir(course/'nbs')  # notebooks find the course's files through course_root(), so the lessons' folder serves library notebooks too
    print(f'course_lib from {course}, working in {Path.cwd()}')

if __name__ == '__main__':
    if sys.argv[1:2] == ['--cell']: print(colab_cell())
    elif sys.argv[1:2] == ['--badge']: print(colab_badge(sys.argv[2]))
    else: prepare()
