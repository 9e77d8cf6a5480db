"Fixtures shared by the app's tests: the bird classifier, trained from the shipped photos if it is missing"
import pytest
from course_lib.is_it_a_bird import course_root, shipped_photos, train_bird_classifier
from course_lib.app import DEFAULT_MODEL

BIRD_PHOTO = shipped_photos()/'bird'/'downy_woodpecker.jpg'  # public domain (Ken Thomas), see SOURCES.json
FOREST_PHOTO = shipped_photos()/'forest'/'24855363568_76ebb0862b.jpg'  # CC0 (C.Frayle), see SOURCES.json

@pytest.fixture(scope='session')
def bird_model():
    "The app's default model file; trained here, from the photos in images/, if it does not exist yet"
    path = course_root()/DEFAULT_MODEL
    if not path.exists(): train_bird_classifier(dest=str(path))
    return path
