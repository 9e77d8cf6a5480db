"""The `DataBlock` of photos in labelled folders, on a folder the learner filled by hand and cleaned with `trash_broken_images`:
its DataLoaders hold every photo and no broken file, and the model sees each photo as a person does (upright, in its colours)."""
from pathlib import Path
import pytest
from PIL import Image
from course_lib.data import folder_block
from course_lib.photos import PhotoCollection
from hostile_inputs import fill, filled_by_hand, looks_like, photos, quadrant_photo

PHOTOS = photos()
IN_FOLDER, BROKEN_IN_FOLDER = filled_by_hand()

@pytest.fixture(scope='module')
def seen(tmp_path_factory)->tuple:
    "What the DataLoaders show the model for each photo (path relative to the folder -> the image in its batch), and their vocab"
    root, shown = tmp_path_factory.mktemp('folder'), {}
    fill(root, IN_FOLDER | BROKEN_IN_FOLDER)
    PhotoCollection(root).trash_broken_images()
    dls = folder_block(size=32).dataloaders(root, bs=64, num_workers=0)
    for dl in (dls.train.new(shuffle=False, drop_last=False), dls.valid):
        xb, _ = dl.one_batch()
        assert len(xb) == len(dl.items)
        shown |= {Path(f).relative_to(root).as_posix(): Image.fromarray((x.permute(1, 2, 0)*255).round().byte().numpy()) for f, x in zip(dl.items, xb)}
    return shown, dls.vocab

def test_the_dataloaders_hold_every_photo_and_no_broken_file(seen):
    assert sorted(seen[0]) == sorted(IN_FOLDER) and list(seen[1]) == ['bird', 'forest']

@pytest.mark.parametrize('rel', IN_FOLDER)
def test_the_model_sees_each_photo_as_a_person_does(seen, rel):
    person_sees = PHOTOS[rel.split('/')[1]][1] if rel.startswith('bird/') else quadrant_photo()
    assert looks_like(seen[0][rel], person_sees)

