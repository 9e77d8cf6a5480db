"Fixtures shared by the tests: two shipped photos, the bird classifier (trained from the shipped photos if it is missing), the mushroom-or-mountain classifier trained with `course-train`, a collection of dog photos to clean, and a local photo server."
import os, subprocess, sys
from pathlib import Path
import pytest
from fastai.vision.all import get_image_files
from course_lib.paths import course_root, shipped_photos
from course_lib.app import DEFAULT_MODEL
from course_lib.photos import PhotoCollection
from course_lib.model_file import load_classifier
from course_lib.train import train_bird_classifier
from photo_server import PhotoServer
from browser import launched_browser
from cleaner_photos import make_collection, shipped_dogs

@pytest.fixture(scope='session')
def bird_photo(): return shipped_photos()/'bird'/'downy_woodpecker.jpg'  # public domain (Ken Thomas), see SOURCES.json

@pytest.fixture(scope='session')
def forest_photo(): return shipped_photos()/'forest'/'24855363568_76ebb0862b.jpg'  # CC0 (C.Frayle), see SOURCES.json

@pytest.fixture(scope='session')
def bird_model():
    "The app's default model file, as `make app` writes it; trained here, from the photos in images/, if it does not exist yet"
    path = course_root()/DEFAULT_MODEL
    if not path.exists(): train_bird_classifier(dest=str(path))
    return path

@pytest.fixture(scope='session')
def learn(bird_model):
    "The bird classifier, loaded as the app loads it"
    return load_classifier(bird_model)

@pytest.fixture(scope='session')
def own_photos(tmp_path_factory):
    "A learner's own folder outside the course: a copy of the shipped mushroom and mountain photos with their descriptions, and one broken photo"
    photos = PhotoCollection(tmp_path_factory.mktemp('own')/'mushroom_or_mountain')
    photos.copy_from(PhotoCollection(course_root()), get_image_files(shipped_photos(), folders=['mushroom', 'mountain']).sorted(),
                     folder=lambda f: f.parent.name)
    (photos.root/'mushroom'/'cut_off.jpg').write_bytes((shipped_photos()/'bird'/'downy_woodpecker.jpg').read_bytes()[:2000])
    return photos.root

def course_train(*args, cwd:Path, **env)->subprocess.CompletedProcess:
    "Run the `course-train` command installed beside this Python, in `cwd`, with `env` added to the environment"
    return subprocess.run([Path(sys.executable).parent/'course-train', *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, 'OMP_WAIT_POLICY': 'PASSIVE', **env})

@pytest.fixture(scope='session')
def mushroom_training(own_photos, tmp_path_factory):
    "`course-train` run from another folder on `own_photos`, with no `--dest`: the model goes where `COURSE_MODEL` says the app looks"
    model = tmp_path_factory.mktemp('models')/'mushrooms.pkl'
    run = course_train(own_photos, cwd=tmp_path_factory.mktemp('elsewhere'), COURSE_MODEL=str(model))
    assert run.returncode == 0, run.stderr[-3000:]
    return model, run.stdout

@pytest.fixture(scope='session')
def mushroom_model(mushroom_training): return mushroom_training[0]

@pytest.fixture
def dogs(tmp_path):
    "A collection of copies of nine shipped dog photos, three of each breed in `cleaner_photos.BREEDS`, a folder per breed"
    return make_collection(tmp_path/'dogs', shipped_dogs())

@pytest.fixture(scope='module')
def photo_server():
    "Start a `PhotoServer(routes)` on 127.0.0.1 with `photo_server(routes)`; every server started is stopped at the end of the module"
    servers = []
    def start(routes:dict)->PhotoServer:
        servers.append(PhotoServer(routes))
        return servers[-1]
    yield start
    for server in servers: server.stop()

@pytest.fixture(scope='module')
def browser():
    "Debian's chromium under Playwright, for one test module; skipped without it, failed where CI is set"
    yield from launched_browser()
