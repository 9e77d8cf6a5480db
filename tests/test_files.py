"Writing and moving files: never half-written, never over an existing file or folder, and the trash keeps what it is given."
import pytest
from course_lib.files import atomic_path, move_to_trash, safe_move, write_atomic, write_new
from hostile_inputs import files_under, full_disk

def test_write_atomic_replaces_the_file_and_leaves_no_temporary_file(tmp_path):
    write_atomic(tmp_path/'a'/'note.txt', b'old')
    write_atomic(tmp_path/'a'/'note.txt', b'new')
    assert files_under(tmp_path) == {'a/note.txt': b'new'}

def test_write_atomic_keeps_the_old_content_when_the_write_fails(tmp_path):
    (tmp_path/'note.txt').write_bytes(b'old')
    with full_disk(), pytest.raises(OSError, match='No space left'): write_atomic(tmp_path/'note.txt', b'new')
    with pytest.raises(RuntimeError), atomic_path(tmp_path/'note.txt') as part:
        part.write_bytes(b'half'); raise RuntimeError('the program stopped halfway')
    assert files_under(tmp_path) == {'note.txt': b'old'}

def test_write_new_never_overwrites(tmp_path):
    (tmp_path/'photo.jpg').write_bytes(b'first')
    with full_disk(), pytest.raises(OSError, match='No space left'): write_new(tmp_path/'photo.jpg', b'lost')
    assert write_new(tmp_path/'photo.jpg', b'second') == tmp_path/'photo (1).jpg'
    assert write_new(tmp_path/'new.jpg', b'third') == tmp_path/'new.jpg'
    assert files_under(tmp_path) == {'photo.jpg': b'first', 'photo (1).jpg': b'second', 'new.jpg': b'third'}

def test_safe_move_of_a_file_never_overwrites(tmp_path):
    (tmp_path/'a.jpg').write_bytes(b'a'); (tmp_path/'b.jpg').write_bytes(b'b')
    assert safe_move(tmp_path/'a.jpg', tmp_path/'b.jpg') == tmp_path/'b (1).jpg'
    assert files_under(tmp_path) == {'b.jpg': b'b', 'b (1).jpg': b'a'}

def test_safe_move_of_a_folder_never_goes_over_a_file_or_a_folder(tmp_path):
    for rel, data in {'src/x.jpg': b'x', 'dest/y.jpg': b'y'}.items(): (tmp_path/rel).parent.mkdir(exist_ok=True); (tmp_path/rel).write_bytes(data)
    (tmp_path/'dest (1)').write_bytes(b'a file, not a folder')
    (tmp_path/'dest (2)').mkdir()  # an empty folder is taken too
    assert safe_move(tmp_path/'src', tmp_path/'dest') == tmp_path/'dest (3)'
    assert files_under(tmp_path) == {'dest/y.jpg': b'y', 'dest (1)': b'a file, not a folder', 'dest (3)/x.jpg': b'x'}
    assert (tmp_path/'dest (2)').is_dir() and not (tmp_path/'src').exists()

def test_safe_move_of_a_missing_file_says_so(tmp_path):
    with pytest.raises(FileNotFoundError, match='not there any more'): safe_move(tmp_path/'gone.jpg', tmp_path/'dest.jpg')

def test_move_to_trash_keeps_what_is_already_in_the_trash(tmp_path):
    for rel in ('old', '.trash/old'): (tmp_path/rel).mkdir(parents=True); (tmp_path/rel/'photo.jpg').write_bytes(rel.encode())
    assert move_to_trash(tmp_path/'old') == tmp_path/'.trash'/'old (1)'
    assert files_under(tmp_path) == {'.trash/old/photo.jpg': b'.trash/old', '.trash/old (1)/photo.jpg': b'old'}
    assert move_to_trash(tmp_path/'old') is None

def test_move_to_trash_of_a_file_into_the_trash_of_a_root(tmp_path):
    (tmp_path/'bird').mkdir(); (tmp_path/'bird'/'robin.jpg').write_bytes(b'robin')
    assert move_to_trash(tmp_path/'bird'/'robin.jpg', tmp_path) == tmp_path/'.trash'/'bird'/'robin.jpg'
    assert files_under(tmp_path) == {'.trash/bird/robin.jpg': b'robin'}

def test_written_files_get_the_permissions_of_an_ordinary_new_file(tmp_path):
    "A photo, SOURCES.json or model written through a temporary file must not end up readable by its owner alone"
    (tmp_path/'ordinary').write_bytes(b'')
    write_atomic(tmp_path/'atomic', b'x')
    new = write_new(tmp_path/'new', b'x')
    assert (tmp_path/'atomic').stat().st_mode == new.stat().st_mode == (tmp_path/'ordinary').stat().st_mode
