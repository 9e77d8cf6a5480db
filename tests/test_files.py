"Writing files on a full disk: nothing half-written, nothing lost. (What the functions do on a disk with room is shown by the examples in nbs/library/01_files.ipynb.)"
import pytest
from course_lib.files import write_atomic, write_new
from hostile_inputs import files_under, full_disk

def test_write_atomic_keeps_the_old_content_when_the_disk_is_full(tmp_path):
    (tmp_path/'note.txt').write_bytes(b'old')
    with full_disk(), pytest.raises(OSError, match='No space left'): write_atomic(tmp_path/'note.txt', b'new')
    assert files_under(tmp_path) == {'note.txt': b'old'}

def test_write_new_on_a_full_disk_leaves_the_old_file_and_nothing_else(tmp_path):
    (tmp_path/'photo.jpg').write_bytes(b'first')
    with full_disk(), pytest.raises(OSError, match='No space left'): write_new(tmp_path/'photo.jpg', b'lost')
    assert files_under(tmp_path) == {'photo.jpg': b'first'}
