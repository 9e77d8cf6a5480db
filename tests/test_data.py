"""The `DataBlock` of photos in labelled folders, on a folder the learner filled by hand and cleaned with `trash_broken_images`:
its DataLoaders hold every photo and no broken file, and the model sees each photo as a person does (upright, in its colours);
the split depends on file names alone."""
from pathlib import Path
import pytest
from PIL import Image
from course_lib.data import NameSplitter, folder_block, name_in_valid
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

NAMES = [f'photo_{i}.jpg' for i in range(1000)]

def test_the_split_depends_on_the_file_name_alone():
    for name in NAMES[:50]: assert name_in_valid(Path('bird')/name) == name_in_valid(Path('elsewhere/forest')/name) == name_in_valid(name)
    assert 150 < sum(map(name_in_valid, NAMES)) < 250  # about 20%
    assert sum(name_in_valid(n, valid_pct=0.5) for n in NAMES) > 400

def test_name_splitter_splits_the_same_way_in_any_order_and_folder():
    items = [Path('bird')/n for n in NAMES[:100]]
    train, valid = NameSplitter(0.3)(items)
    moved_train, moved_valid = NameSplitter(0.3)([Path('forest')/n for n in reversed(NAMES[:100])])
    assert sorted(items[i].name for i in valid) == sorted(NAMES[:100][::-1][i] for i in moved_valid)
    assert len(train) + len(valid) == 100 and 0 < len(valid) < 50
    assert {items[i].name for i in valid} == {n for n in NAMES[:100] if name_in_valid(n, 0.3)}

def test_the_block_labels_by_folder_and_reads_only_the_labels_asked_for(tmp_path):
    fill(tmp_path, {f'{label}/{n}': PHOTOS['grey.jpg'][0] for label in ('bird', 'forest', 'cat') for n in NAMES[:10]})
    dsets = folder_block(['bird', 'forest'], size=16).datasets(tmp_path)
    assert list(dsets.vocab) == ['bird', 'forest'] and len(dsets.train) + len(dsets.valid) == 20
    assert {Path(f).name for f in dsets.valid.items} == {n for n in NAMES[:10] if name_in_valid(n)}
