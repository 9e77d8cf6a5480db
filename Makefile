# Every target sets itself up: a virtual environment in .venv with the pinned packages of
# requirements.txt, rebuilt when requirements.txt or pyproject.toml change.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
READY  := $(VENV)/.ready
MODEL  := models/is_it_a_bird.pkl
HOST   := 127.0.0.1
PORT   ?= 8866
# PyTorch's OpenMP threads spin while they wait by default; on a laptop's few shared cores that
# spinning starves everything else (measured: a training step 6x slower beside one other process).
export OMP_WAIT_POLICY ?= PASSIVE

.PHONY: app space test quick nbtest pytest bench spread export exported clean lock colab practice

$(READY): pyproject.toml requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "course_lib needs Python 3.11 or newer: run make with PYTHON=python3.11 (or newer)")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -e '.[dev]'
	@touch $@

# The bird-or-forest model is `course-train` on two folders of the shipped photos. It is trained again when the code that makes it
# changes: course_lib.train and every course_lib module it imports. tests/test_deploy.py checks this list against the imports, as
# course_lib.deploy.course_modules finds them (deriving it here would import course_lib, seconds, in every make command).
MODEL_CODE := $(addprefix course_lib/,__init__.py app.py data.py fast_fine_tune.py feature_cache.py files.py freed_memory.py images.py mixed_precision.py model_file.py paths.py pretrained.py train.py)
$(MODEL): $(MODEL_CODE) | $(READY)
	$(BIN)/course-train images --classes bird,forest --dest $@

# voila.json (read by voila from this folder) serves on 127.0.0.1 only, serves no file, shows no traceback, culls idle kernels, and shows
# the app without the lesson around it: no prose, no cells that start with "# lesson only".
# COURSE_MODEL=path serves another exported model (made with `course-train`, say); the bird model is then not needed.
app: $(READY) $(if $(COURSE_MODEL),,$(MODEL))
	@test -z "$(COURSE_MODEL)" -o -f "$(COURSE_MODEL)" || { echo "COURSE_MODEL=$(COURSE_MODEL): no such model file"; exit 1; }
	@echo "Open http://$(HOST):$(PORT)/ in your browser (Ctrl-C stops the app)."
	$(BIN)/voila nbs/03_app.ipynb --port=$(PORT)

# The app as a folder to publish, deploy/<model name>: a Hugging Face Space, or any computer with Docker or Python (README,
# "Share your app"). `course-deploy` does it; COURSE_MODEL=path packs another exported model.
space: $(READY) $(if $(COURSE_MODEL),,$(MODEL))
	$(BIN)/course-deploy $(or $(COURSE_MODEL),$(MODEL))

test: nbtest pytest

# The tests that run in seconds: no notebook run, no lesson run from outside (slow), no browser. Not a substitute for make test.
quick: $(READY)
	$(BIN)/python -m pytest -m 'not slow and not browser and not colab'

# Every notebook, in a course folder of its own (the shipped photos, linked): the lessons' copies and models never replace yours.
nbtest: $(READY)
	@course=$$($(BIN)/python tests/lessons.py scratch) && COURSE_ROOT=$$course $(BIN)/nbdev-test --n-workers 1; status=$$?; rm -rf "$$course"; exit $$status

pytest: $(READY)
	$(BIN)/python -m pytest

# The practice copies of the lessons in practice/: headings, code and questions, no prose or outputs (tools/practice.py).
# tests/test_practice.py fails when they are not in step with the lessons: run this after changing a lesson.
practice: $(READY)
	$(BIN)/python tools/practice.py

# Figures, never asserts: see bench/run.py. Needs the bird model (for the app row) and MNIST_SAMPLE (for notebooks 4 and 6).
bench: $(READY) $(MODEL)
	$(BIN)/python -W ignore bench/run.py

# How much each lesson's figures move from seed to seed (five seeds offline, three online against the stand-in for the web;
# about 35 minutes): the ranges tests/test_lessons.py and tests/test_online.py check come from it.
spread: $(READY)
	$(BIN)/python tests/lesson_spread.py
	$(BIN)/python tests/lesson_spread.py --online --seeds 42 1 2

# The lessons as in Google Colab, three times with three seeds, each from its setup cell in a fresh runtime with Colab's own
# packages (tools/colab-constraints.txt), built once in ~/.cache/course_lib/colab: see tests/colab.py. About half an hour.
# NBS="nbs/library/05_search.ipynb ..." rehearses those notebooks instead, once each.
colab: $(READY)
	NBS="$(NBS)" $(BIN)/python -m pytest -m colab tests/test_colab_rehearsal.py

export: $(READY)
	$(BIN)/nbdev-export
	$(BIN)/nbdev-clean

# CI's first step: the notebooks as committed are what nbdev-clean writes, and course_lib is what nbdev-export makes of
# them. A notebook committed unclean, or a module edited by hand or not exported again, fails here (in a clean clone).
exported: export
	@git status --short -- nbs course_lib
	@test -z "$$(git status --porcelain -- nbs course_lib)" || { echo "These files change under nbdev-clean and nbdev-export: run 'make export' and commit what it changes." >&2; exit 1; }

# The lock, requirements.txt: every package that pyproject.toml's ranges need, pinned, resolved by uv from the registry with the
# settings of pyproject.toml's [tool.uv.pip]; the versions already in it are kept unless pyproject.toml excludes them. To move a
# package on: `$(BIN)/uv pip compile pyproject.toml --extra dev -o requirements.txt --upgrade-package NAME`, then make test.
lock: $(READY)
	$(BIN)/uv pip compile --quiet pyproject.toml --extra dev -o requirements.txt

clean:
	rm -rf $(VENV)
