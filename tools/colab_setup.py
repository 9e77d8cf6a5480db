"""Prepare a Google Colab runtime for the course. The first code cell of every notebook (`colab_cell`) clones the repository and
runs this file, which installs the packages of pyproject.toml that Colab lacks, at the versions of the course's lock
(requirements.txt, the set `make test` runs with), and changes none of Colab's own: it gives pip Colab's published package list
as constraints (`colab-constraints.txt`, made by `colab_constraints.py`), so Colab keeps its torch, torchvision, fastai,
ipywidgets (which its notebook front end is built for) and the rest. Then it makes `course_lib` importable from the clone
without a restart, and works from the clone's `nbs/` folder. Outside Colab the cell does nothing, and so does this file.

`python tools/colab_setup.py --cell` prints that cell, `--badge nbs/01_is_it_a_bird.ipynb` the "Open in Colab" line of a
notebook: both are made from `COURSE_REPO`, the one place where the repository's address is written. `--write-cells` makes the
first code cell of every notebook that cell. Only that, which maintainers run, needs nbdev: this file runs in Colab, which has
no nbdev, so nbdev is imported inside `write_cells` alone."""
import importlib, importlib.util, os, subprocess, sys, tomllib
from pathlib import Path
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

COURSE_REPO = 'https://github.com/course-lib/course_lib'  # a placeholder until the course has its public address; in the cell, $COURSE_REPO overrides it
CONSTRAINTS = Path(__file__).resolve().parent/'colab-constraints.txt'  # Colab's own packages, as pins

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
    if not os.path.isdir(course_clone): raise RuntimeError(f'Could not clone {{course_repo}}: check the address and the internet connection, then run this cell again.')
    import runpy; runpy.run_path(f'{{course_clone}}/tools/colab_setup.py', run_name='__main__')"""

def colab_badge(notebook:str, # the notebook's path in the repository, such as nbs/01_is_it_a_bird.ipynb
                repo:str=COURSE_REPO, branch:str='main')->str:
    "The markdown line that opens `notebook` in Colab, from its GitHub address"
    owner_repo = repo.removeprefix('https://github.com/').removesuffix('.git')
    return (f'[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]'
            f'(https://colab.research.google.com/github/{owner_repo}/blob/{branch}/{notebook})')

def package_name(requirement:str)->str:
    "The normalised name of the package a requirement (`Pillow>=9`, `ddgs==9.16.1`) asks for"
    return canonicalize_name(Requirement(requirement).name)

def pins(requirements:Path, # a file of pins, `name==version` a line, such as the lock or Colab's list; comments and markers allowed
        )->dict:
    "{name: version} of the pins in `requirements` that hold on this platform (a marker such as `; sys_platform == 'win32'` says where)"
    reqs = [Requirement(l) for l in (l.split('#', 1)[0].strip() for l in requirements.read_text().splitlines()) if l]
    return {canonicalize_name(r.name): str(r.specifier).removeprefix('==') for r in reqs if r.marker is None or r.marker.evaluate()}

def colab_packages(constraints:Path=CONSTRAINTS)->set:
    "The names of the packages Colab has its own of"
    return set(pins(constraints))

def packages_colab_lacks(course:Path)->list:
    "The packages of pyproject.toml's dependencies that Colab does not have, pinned to their versions in the course's lock, requirements.txt"
    deps, has, locked = tomllib.loads((course/'pyproject.toml').read_text())['project']['dependencies'], colab_packages(), pins(course/'requirements.txt')
    return [f'{n}=={locked[n]}' for n in map(package_name, deps) if n not in has]

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
    wanted = packages_colab_lacks(course)
    if subprocess.run([sys.executable, '-m', 'pip', 'install', '-q', '-c', str(CONSTRAINTS), *wanted]).returncode:
        raise RuntimeError(f'pip could not install {" ".join(wanted)} beside Colab\'s own packages (its message is above). '
                           'If Colab has changed its packages since tools/colab-constraints.txt was made, tell the course; meanwhile '
                           'install them without the constraints in a cell of your own: !pip install ' + ' '.join(wanted))
    os.environ['COURSE_ROOT'] = str(course)  # the photos (images/) and SOURCES.json ship in the clone; course_root() finds them here
    import_course_lib(course)
    os.chdir(course/'nbs')  # notebooks find the course's files through course_root(), so the lessons' folder serves library notebooks too
    print(f'course_lib from {course}, working in {Path.cwd()}')

def course_notebooks(course:Path)->list:
    "The notebooks of `course`, as nbdev finds them: those in `nbs/` and its folders, not those whose name starts with `_` or `.`"
    from nbdev.doclinks import nbglob
    return sorted(nbglob(course/'nbs', as_path=True))

def write_cells(course:Path=Path(__file__).resolve().parent.parent)->list:
    "Make the first code cell of every notebook of `course` the setup cell, changing nothing else in it; the notebooks changed"
    from fastcore.nbio import read_nb, write_nb  # nbdev's reading and writing of notebooks, as nbdev-clean writes them
    changed = []
    for path in course_notebooks(course):
        nb = read_nb(path)
        first = next(c for c in nb.cells if c.cell_type == 'code')
        if first.source == colab_cell(): continue
        first.set_source(colab_cell())
        write_nb(nb, path)
        changed.append(path)
    return changed

if __name__ == '__main__':
    if sys.argv[1:2] == ['--cell']: print(colab_cell())
    elif sys.argv[1:2] == ['--write-cells']: print(*write_cells(), sep='\n')
    elif sys.argv[1:2] == ['--badge']: print(colab_badge(sys.argv[2]))
    else: prepare()
