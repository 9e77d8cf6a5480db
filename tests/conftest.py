"Fixtures shared by the tests: two shipped photos, the bird classifier (trained from the shipped photos if it is missing), and a local photo server."
import pytest
from course_lib.paths import course_root, shipped_photos
from course_lib.app import DEFAULT_MODEL
from course_lib.model_file import load_classifier
from course_lib.train import train_bird_classifier
from photo_server import PhotoServer

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

@pytest.fixture(scope='module')
def photo_server():
    "Start a `PhotoServer(routes)` on 127.0.0.1 with `photo_server(routes)`; every server started is stopped at the end of the module"
    servers = []
    def start(routes:dict)->PhotoServer:
        servers.append(PhotoServer(routes))
        return servers[-1]
    yield start
    for server in servers: server.stop()
