"""Files that change under the data cleaner between marking and applying: deleted, replaced, made read-only; two applies at
once; a disk that fills up; an undo record that points outside the folder. Whatever happens, every photo that existed before
is still there afterwards, in its place, its new label's folder or the trash, byte for byte and only once; `SOURCES.json`
describes each photo where it is; nothing half-written stays; and each photo left alone is named in the report with why."""
import json, random, stat, threading
from pathlib import Path
import pytest
from course_lib.photos import PhotoCollection
from course_lib.cleaner import DELETE
from hostile_inputs import HTML, encode, files_under, full_disk, quadrant_photo, read_only
from cleaner_photos import assert_described, assert_nothing_lost, left_alone, make_cleaner, make_collection, made_up_pets, photo_files

@pytest.fixture
def pets(tmp_path): return make_collection(tmp_path/'course'/'pets', made_up_pets())  # deep enough that ../../ stays in tmp_path

def photo(pets, label, i): return pets.root/label/f'{label}_{i}.jpg'

def where(root, name)->str:
    "Where the photo called `name` is now, relative to `root`"
    paths = [k for k in photo_files(root) if Path(k).name == name]
    assert len(paths) == 1, f'{name} is at {paths}'
    return paths[0]

def test_photos_deleted_or_broken_after_marking_are_left_alone_and_the_rest_applies_and_undoes(pets):
    cleaner = make_cleaner(pets)
    deleted, garbage, html, emptied, locked, fine = [photo(pets, l, i) for l, i in
                                                     [('cat', 0), ('cat', 2), ('dog', 1), ('dog', 3), ('cat', 4), ('cat', 6)]]
    for p in (deleted, garbage, html, emptied, locked): cleaner.mark(p, DELETE)
    cleaner.mark(fine, 'dog')
    deleted.unlink()                                           # removed in the file browser
    garbage.write_bytes(random.Random(1).randbytes(2000))      # overwritten by a sync program gone wrong
    html.write_bytes(HTML)                                     # "saved as" from a browser: the page, not the photo
    emptied.write_bytes(b'')                                   # a download that failed
    locked.chmod(0o444)                                        # made read-only: its folder is not, so it can still move
    before = files_under(pets.root)
    report = cleaner.apply()
    assert sorted(report.moved) == sorted([(pets.key(locked), f'.trash/cat/{locked.name}'), (pets.key(fine), f'dog/{fine.name}')])
    assert 'not there any more' in left_alone(report, deleted.name)
    for p in (garbage, html, emptied): assert 'can no longer be read' in left_alone(report, p.name) and p.read_bytes() == before[pets.key(p)]
    assert stat.S_IMODE((pets.root/'.trash'/'cat'/locked.name).stat().st_mode) == 0o444
    assert_nothing_lost(before, pets.root)
    assert_described(pets.root, gone={pets.key(deleted)})
    assert len(cleaner.undo().moved) == 2
    assert files_under(pets.root) == before

def test_a_photo_replaced_by_another_after_marking_is_left_alone(pets):
    cleaner = make_cleaner(pets)
    marked = photo(pets, 'cat', 0)
    cleaner.mark(marked, 'dog')
    marked.write_bytes(encode(quadrant_photo((90, 60)), 'JPEG'))  # another photo, under the same name, that nobody looked at
    before = files_under(pets.root)
    report = cleaner.apply()
    assert report.moved == [] and 'changed since it was marked' in left_alone(report, marked.name)
    assert files_under(pets.root) == before

def test_a_read_only_folder_keeps_its_photos_and_gets_no_copies(pets):
    cleaner = make_cleaner(pets)
    out_of_locked, into_locked, fine = photo(pets, 'cat', 0), photo(pets, 'dog', 1), photo(pets, 'dog', 3)
    cleaner.mark(out_of_locked, DELETE); cleaner.mark(into_locked, 'cat'); cleaner.mark(fine, DELETE)
    before = files_under(pets.root)
    with read_only(pets.root/'cat'): report = cleaner.apply()
    assert report.moved == [(pets.key(fine), f'.trash/{pets.key(fine)}')]
    for p in (out_of_locked, into_locked): assert 'Permission denied' in left_alone(report, p.name) and where(pets.root, p.name) == pets.key(p)
    assert_nothing_lost(before, pets.root)
    assert_described(pets.root)

def test_two_applies_at_once_keep_every_photo_and_every_record(pets):
    first, second = make_cleaner(PhotoCollection(pets.root)), make_cleaner(PhotoCollection(pets.root))  # two notebooks open
    first.mark(photo(pets, 'cat', 0), DELETE); first.mark(photo(pets, 'dog', 1), 'cat'); first.mark(photo(pets, 'cat', 2), 'dog')
    second.mark(photo(pets, 'dog', 3), DELETE); second.mark(photo(pets, 'dog', 1), DELETE)  # one photo marked in both
    before, reports, move = files_under(pets.root), {}, first.photos.move
    def apply_second(): reports['second'] = second.apply()
    other = threading.Thread(target=apply_second)
    def move_then_let_the_other_apply(src, dest):
        moved = move(src, dest)
        if not other.is_alive() and 'second' not in reports: other.start(); other.join(1)  # the other goes on, or waits for this one
        return moved
    first.photos.move = move_then_let_the_other_apply
    reports['first'] = first.apply()
    other.join()
    assert_nothing_lost(before, pets.root)
    assert_described(pets.root)
    assert where(pets.root, 'cat_0.jpg') == '.trash/cat/cat_0.jpg' and where(pets.root, 'dog_3.jpg') == '.trash/dog/dog_3.jpg'
    assert where(pets.root, 'cat_2.jpg') == 'dog/cat_2.jpg' and where(pets.root, 'dog_1.jpg') in ('cat/dog_1.jpg', '.trash/dog/dog_1.jpg')
    moves = [m for r in reports.values() for m in r.moved]
    assert len(moves) == 4 and sum(a == 'dog/dog_1.jpg' for a, b in moves) == 1  # the photo marked twice moved once, and the other is told
    assert any('dog_1.jpg' in m for r in reports.values() for m in r.left_alone)

@pytest.mark.parametrize('writes_left', [0, 1, 2], ids=['full from the start', 'full halfway through a save', 'full after one move'])
def test_a_full_disk_during_apply_leaves_every_photo_described_where_it_is(pets, writes_left):
    cleaner = make_cleaner(pets)
    marks = {photo(pets, 'cat', 0): DELETE, photo(pets, 'dog', 1): 'cat', photo(pets, 'cat', 2): 'dog'}
    for p, d in marks.items(): cleaner.mark(p, d)
    before = files_under(pets.root)
    with full_disk(after=writes_left): report = cleaner.apply()
    assert report.left_alone and all('No space left on device' in m for m in report.left_alone)
    assert len(report.moved) + len(report.left_alone) == len(marks)
    assert_nothing_lost(before, pets.root)
    assert_described(pets.root)
    for p, d in marks.items():  # once there is room again, applying the marks again finishes the job
        if p.exists(): cleaner.mark(p, d)
    assert cleaner.apply().left_alone == []
    assert_described(pets.root)
    assert [where(pets.root, p.name) for p in marks] == ['.trash/cat/cat_0.jpg', 'cat/dog_1.jpg', 'dog/cat_2.jpg']

@pytest.mark.parametrize('n', [1, 2])
def test_a_full_disk_during_undo_leaves_every_photo_described_where_it_is(pets, n):
    cleaner = make_cleaner(pets)
    for p in [photo(pets, 'cat', 0), photo(pets, 'dog', 1)][:n]: cleaner.mark(p, DELETE)
    original = files_under(pets.root)
    cleaner.apply()
    before = files_under(pets.root)
    with full_disk(): report = cleaner.undo()
    assert report.moved == [] and len(report.left_alone) == n and all('No space left on device' in m for m in report.left_alone)
    assert files_under(pets.root) == before  # nothing moved, nothing written, the undo record kept
    assert cleaner.undo().left_alone == []     # once there is room again
    assert files_under(pets.root) == original

@pytest.mark.parametrize('escape', ['../escaped.jpg', '../../escaped.jpg', 'cat/../../escaped.jpg'])
def test_an_undo_record_pointing_outside_the_folder_moves_nothing_out(pets, escape):
    cleaner = make_cleaner(pets)
    cleaner.mark(photo(pets, 'cat', 0), DELETE)
    cleaner.apply()
    record = json.loads(cleaner.undo_file.read_text())
    record['moves'][0]['src'] = escape  # a hand-edited or copied-over undo record
    cleaner.undo_file.write_text(json.dumps(record))
    before, outside = files_under(pets.root), (pets.root/escape).resolve()
    report = cleaner.undo()
    assert report.moved == [] and 'not inside the collection' in left_alone(report, 'cat_0.jpg')
    assert not outside.exists() and files_under(pets.root) == before
