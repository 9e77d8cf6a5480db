"""Prepare a Google Colab runtime for the course, from the first cell of a lesson (`%run`, after cloning the repository):
install the packages of pyproject.toml that Colab lacks (Colab keeps its own torch, torchvision, fastai and ipywidgets), make `course_lib`
importable from the clone without a restart, and work from the lessons' folder."""
import os, subprocess, sys, tomllib
from pathlib import Path

COURSE = Path(__file__).resolve().parent.parent
COLAB_HAS = ('torch', 'torchvision', 'fastai', 'ipywidgets')  # Colab's own, which its notebook front end is built for

needed = [d for d in tomllib.loads((COURSE/'pyproject.toml').read_text())['project']['dependencies'] if d.split('=')[0] not in COLAB_HAS]
subprocess.run([sys.executable, '-m', 'pip', 'install', '-q', *needed], check=True)
if str(COURSE) not in sys.path: sys.path.insert(0, str(COURSE))  # importable now; an editable install is only seen after a restart
os.chdir(COURSE/'nbs')
print(f'course_lib from {COURSE}, working in {Path.cwd()}')
