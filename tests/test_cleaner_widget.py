"The cleaner's widget, through its callbacks as a notebook front end calls them: marks survive switching category and split, marks made in Python show, its buttons apply and undo, an unreadable photo shows as a note."
import io
from PIL import Image
from course_lib.cleaner import KEEP, DELETE
from course_lib.cleaner_widget import PhotoCleanerWidget, thumbnail
from hostile_inputs import HTML, encode, files_under, looks_like, quadrant_photo
from cleaner_photos import make_cleaner

def test_marks_survive_switching_category_and_split_in_the_widget(dogs):
    cleaner = make_cleaner(dogs)
    widget = PhotoCleanerWidget(cleaner)
    widget.category.value, widget.split.value = 'beagle', 'Train'
    first_beagle = widget.shown[0]
    widget.menus[first_beagle].value = DELETE
    widget.category.value, widget.split.value = 'pug', 'Valid'
    a_pug = widget.shown[0]
    widget.menus[a_pug].value = 'boxer'
    widget.split.value = 'Train'
    widget.category.value = 'boxer'
    assert '2 change(s) pending' in widget.status.value
    widget.category.value, widget.split.value = 'beagle', 'Train'
    assert widget.menus[first_beagle].value == DELETE
    widget.category.value, widget.split.value = 'pug', 'Valid'
    assert widget.menus[a_pug].value == 'boxer'
    assert cleaner.pending == {first_beagle: DELETE, a_pug: 'boxer'}
    assert widget.apply_button.description == 'Apply 2 change(s)' and not widget.apply_button.disabled

def test_marks_made_in_python_show_in_the_widget(dogs):
    cleaner = make_cleaner(dogs)
    widget = PhotoCleanerWidget(cleaner)
    widget.category.value, widget.split.value = 'boxer', 'Valid'
    boxer = widget.shown[0]
    cleaner.mark(boxer, 'pug')
    assert widget.menus[boxer].value == 'pug' and '1 change(s) pending' in widget.status.value
    cleaner.mark(boxer, 'boxer')  # its own label: nothing to change
    assert widget.menus[boxer].value == KEEP and cleaner.pending == {}

def test_the_widget_buttons_apply_and_undo(dogs):
    cleaner, before = make_cleaner(dogs), files_under(dogs.root)
    widget = PhotoCleanerWidget(cleaner)
    assert widget.apply_button.disabled and widget.undo_button.disabled
    widget.category.value, widget.split.value = 'pug', 'Valid'
    pug = widget.shown[0]
    widget.menus[pug].value = DELETE
    widget.apply_button.click()
    assert not pug.exists() and pug not in widget.shown and pug.name in widget.message.value
    assert widget.apply_button.disabled and not widget.undo_button.disabled
    widget.undo_button.click()
    assert files_under(dogs.root) == before and pug in widget.shown and widget.menus[pug].value == DELETE

def test_the_widget_shows_an_unreadable_photo_as_a_note(dogs):
    cleaner = make_cleaner(dogs)
    boxer = cleaner.photos_for('boxer', 'Train')[0]
    boxer.write_bytes(b'not a photo any more')
    widget = PhotoCleanerWidget(cleaner)
    widget.category.value, widget.split.value = 'boxer', 'Train'
    (tile,) = [t for t, p in zip(widget.grid.children, widget.shown) if p == boxer]
    assert 'cannot be shown' in tile.children[0].value

def test_a_thumbnail_is_small_and_a_broken_or_missing_photo_has_none(tmp_path):
    (tmp_path/'photo.png').write_bytes(encode(quadrant_photo((300, 200)), 'PNG'))
    (tmp_path/'broken.jpg').write_bytes(HTML)
    data, fmt = thumbnail(tmp_path/'photo.png', size=60)
    assert fmt == 'jpg' and Image.open(io.BytesIO(data)).size == (60, 40) and looks_like(Image.open(io.BytesIO(data)), quadrant_photo())
    assert thumbnail(tmp_path/'broken.jpg') is None and thumbnail(tmp_path/'missing.jpg') is None
