"Small collections of photos for the data cleaner's tests, a cleaner over one, and the checks that every photo is still there and described."
import collections
from pathlib import Path
from course_lib.paths import course_root, shipped_photos
from course_lib.photos import PhotoCollection
from course_lib.cleaner import PhotoCleaner
from course_lib.files import TRASH
from hostile_inputs import encode, files_under, half_written, quadrant_photo

BREEDS = ['beagle', 'boxer', 'pug']  # the folders of `shipped_dogs`
PETS = ['cat', 'dog']  # the folders of `made_up_pets`
RECORDS = ('SOURCES.json', '.last_apply.json')  # the files a collection and its cleaner keep beside the photos

def breed(f)->str: return Path(f).name.rsplit('_', 1)[0]  # the shipped pet photos are named breed_number.jpg

def description(photos:PhotoCollection, f)->dict:
    "The description of `f` in `photos`, without its path, ready for `PhotoCollection.add`"
    return {k: v for k, v in photos[f].items() if k != 'path'}

def shipped_dogs(n=3)->dict:
    "The first `n` shipped photos of each of `BREEDS`, a folder per breed, as the course describes them: path -> (bytes, description)"
    shipped, files = PhotoCollection(course_root()), sorted((shipped_photos()/'pets').iterdir())
    return {f'{b}/{f.name}': (f.read_bytes(), description(shipped, f)) for b in BREEDS for f in [f for f in files if breed(f) == b][:n]}

def made_up_pets(n=4)->dict:
    "`n` different small photos for each of `PETS`, named `cat_0.jpg`, `dog_1.jpg`, `cat_2.jpg`...: path -> (bytes, description)"
    return {f'{label}/{label}_{i}.jpg': (encode(quadrant_photo((40 + i, 30)), 'JPEG'), {'title': f'photo {i}', 'license': 'CC0'})
            for i in range(2*n) for label in [PETS[i % 2]]}

def make_collection(root, photos:dict)->PhotoCollection:
    "A collection at `root` of `photos` (path relative to `root` -> (bytes, description)), its `SOURCES.json` written"
    collection = PhotoCollection(root)
    for path, (data, described) in photos.items(): collection.add(collection.root/path, data, **described)
    collection.save()
    return collection

def make_cleaner(photos:PhotoCollection)->PhotoCleaner:
    "A cleaner over the photos of `photos` outside the trash, labelled by their folders, alternately training and validation, with made-up losses"
    files = sorted(p for p in photos.root.rglob('*.jpg') if TRASH not in p.relative_to(photos.root).parts)
    losses = {split: [(f, i/10) for i, f in enumerate(files) if i % 2 == parity] for parity, split in enumerate(['Train', 'Valid'])}
    return PhotoCleaner(photos, losses, sorted({f.parent.name for f in files}))

def photo_files(root)->dict:
    "Every file under `root` but the collection's records: path relative to `root` -> bytes"
    return {k: v for k, v in files_under(root).items() if Path(k).name not in RECORDS}

def assert_nothing_lost(before:dict, root, gone=()):
    "Each photo of `before` (`files_under` of `root`) but those in `gone` is still under `root` byte for byte, exactly once, with the same name"
    expected = collections.Counter((Path(k).name, v) for k, v in before.items() if Path(k).name not in RECORDS and k not in gone)
    assert collections.Counter((Path(k).name, v) for k, v in photo_files(root).items()) == expected
    assert not half_written(root)

def assert_described(root, gone=()):
    "`SOURCES.json` on disk describes every photo under `root` where it is; the only descriptions without a photo are of `gone`"
    on_disk, files = PhotoCollection(root), set(photo_files(root))
    assert files - set(on_disk.entries) == set(), 'photos without a description'
    assert set(on_disk.entries) - files == set(gone), 'descriptions without their photo'

def left_alone(report, name)->str:
    "The cleaning report's one message about the photo called `name`"
    (msg,) = [m for m in report.left_alone if name in m]
    return msg
