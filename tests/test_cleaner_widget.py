"The cleaner's widget with files that are not photos: a photo broken under the cleaner shows as a note, and a broken or missing file has no thumbnail. (Marks, pages and buttons are shown in nbs/library/12_cleaner_widget.ipynb.)"
import io
from PIL import Image
from course_lib.cleaner_widget import PhotoCleanerWidget, thumbnail
from hostile_inputs import HTML, encode, looks_like, quadrant_photo
from cleaner_photos import make_cleaner

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
