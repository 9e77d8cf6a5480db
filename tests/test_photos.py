"""A folder of photos and its `SOURCES.json`: `trash_broken_images` on a folder the learner filled by hand moves every broken file
to the trash byte for byte, says why, decodes no huge image and leaves every photo where it was; a read-only folder is reported
and nothing is copied or forgotten; photos added at once under one name are all kept."""
import threading
from concurrent.futures import ThreadPoolExecutor
import pytest
from course_lib.photos import PhotoCollection
from hostile_inputs import other_photo, broken_files, decoded_sizes, files_under, fill, filled_by_hand, half_written, read_only

BROKEN = broken_files()
IN_FOLDER, BROKEN_IN_FOLDER = filled_by_hand()

@pytest.fixture(scope='module')
def trashed(tmp_path_factory):
    "The folder after `trash_broken_images`, what it moved and why, and the size of each image it decoded"
    root = tmp_path_factory.mktemp('folder')
    fill(root, IN_FOLDER | BROKEN_IN_FOLDER)
    with decoded_sizes() as sizes: moved = PhotoCollection(root).trash_broken_images()
    return root, moved, sizes

def test_each_broken_file_goes_to_the_trash_byte_for_byte(trashed):
    root, moved, _ = trashed
    assert sorted(p.relative_to(root).as_posix() for p, why in moved) == sorted(f'.trash/{k}' for k in BROKEN_IN_FOLDER)
    assert {k: (root/'.trash'/k).read_bytes() for k in BROKEN_IN_FOLDER} == BROKEN_IN_FOLDER

def test_each_broken_file_is_trashed_with_its_reason(trashed):
    root, moved, _ = trashed
    reasons = {p.name: why for p, why in moved}
    assert all(why in reasons[name] for name, (_, why) in BROKEN.items())
    assert 'not an image file' in reasons['web page «copy» (1).jpg']

def test_every_photo_stays_in_place_byte_for_byte(trashed):
    root = trashed[0]
    assert {k: v for k, v in files_under(root).items() if not k.startswith('.trash/') and k != 'SOURCES.json'} == IN_FOLDER
    assert set(PhotoCollection(root).entries) == set()  # no record invented for photos nobody described
    assert not half_written(root)

def test_checking_the_folder_decodes_no_huge_image(trashed):
    assert not {(20_000, 20_000), (7_000, 7_000)} & set(trashed[2])

def test_a_read_only_folder_is_reported_and_nothing_is_copied_or_forgotten(tmp_path):
    root = tmp_path/'folder'
    fill(root, {'bird/broken.jpg': BROKEN['webpage.jpg'][0], 'bird/locked/broken.jpg': BROKEN['empty.jpg'][0]})  # a folder's files come before its subfolders'
    photos = PhotoCollection(root)
    photos.add(root/'bird'/'described.jpg', BROKEN['truncated.jpg'][0], title='a broken download'); photos.save()
    before = files_under(root)
    with read_only(root/'bird'/'locked'), pytest.raises(PermissionError, match='broken.jpg'): PhotoCollection(root).trash_broken_images()
    after = files_under(root)
    assert after.pop('bird/locked/broken.jpg') == before.pop('bird/locked/broken.jpg')  # left where it was, and copied nowhere
    assert {k.removeprefix('.trash/'): v for k, v in after.items() if k != 'SOURCES.json'} == {k: v for k, v in before.items() if k != 'SOURCES.json'}
    assert set(PhotoCollection(root).entries) == {'.trash/bird/described.jpg'}  # the record followed the photo that did move

def test_photos_added_at_once_under_one_name_are_all_kept(tmp_path):
    "Sixteen writers add a photo called bird.png at the same moment: each gets a name of its own, none overwrites another"
    photos, n = PhotoCollection(tmp_path), 16
    datas, start = [other_photo(i) for i in range(n)], threading.Barrier(n)
    def add(data): start.wait(); return photos.add(tmp_path/'bird.png', data, title='a bird')
    with ThreadPoolExecutor(n) as pool: paths = list(pool.map(add, datas))
    assert len(set(paths)) == n and sorted(p.read_bytes() for p in paths) == sorted(datas)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in paths)  # and no temporary file is left

