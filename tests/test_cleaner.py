"The data cleaner of notebook 2 through its plain Python API, on small collections of shipped photos: name clashes, photos that vanish, break or change under it, and any marks at all (a hypothesis run); its ordinary behaviour is shown in nbs/library/11_cleaner.ipynb."
from pathlib import Path
from hypothesis import given, settings, strategies as st, HealthCheck
from course_lib.paths import course_root, shipped_photos
from course_lib.photos import PhotoCollection
from course_lib.cleaner import KEEP, DELETE
from hostile_inputs import files_under
from cleaner_photos import BREEDS, assert_described, breed, description, left_alone, make_cleaner, make_collection, photo_files, shipped_dogs

def test_a_name_clash_keeps_both_files(dogs):
    shipped, cleaner = PhotoCollection(course_root()), make_cleaner(dogs)
    beagle = cleaner.photos_for('beagle', 'Train')[0]
    other = next(f for f in shipped_photos().joinpath('pets').iterdir() if breed(f) == 'pug')
    squatter = dogs.add(dogs.root/'pug'/beagle.name, other.read_bytes(), **description(shipped, other))  # a pug photo under the beagle's name
    beagle_bytes, squatter_bytes = beagle.read_bytes(), squatter.read_bytes()
    cleaner.mark(beagle, 'pug')
    (moved_to,) = [dogs.root/b for a, b in cleaner.apply().moved]
    assert moved_to != squatter and moved_to.parent == squatter.parent
    assert squatter.read_bytes() == squatter_bytes and moved_to.read_bytes() == beagle_bytes
    assert_described(dogs.root)

def test_the_trash_never_overwrites_either(dogs):
    cleaner = make_cleaner(dogs)
    boxer = cleaner.photos_for('boxer', 'Train')[0]
    first_bytes = boxer.read_bytes()
    cleaner.mark(boxer, DELETE); cleaner.apply()
    other = cleaner.photos_for('beagle', 'Train')[0]
    newcomer = dogs.add(boxer, other.read_bytes(), **description(dogs, other))  # a new photo, same name
    dogs.save()
    cleaner = make_cleaner(dogs)
    cleaner.mark(newcomer, DELETE)
    (moved_to,) = [dogs.root/b for a, b in cleaner.apply().moved]
    assert (dogs.root/'.trash'/'boxer'/boxer.name).read_bytes() == first_bytes
    assert moved_to.parent == dogs.root/'.trash'/'boxer' and moved_to.read_bytes() == other.read_bytes()
    assert_described(dogs.root)

def test_a_photo_that_vanished_or_broke_is_reported_and_the_rest_still_applies(dogs):
    cleaner = make_cleaner(dogs)
    vanished, broken, fine = cleaner.photos_for('pug', 'Train')[0], cleaner.photos_for('beagle', 'Valid')[0], cleaner.photos_for('boxer', 'Train')[0]
    cleaner.mark(vanished, DELETE); cleaner.mark(broken, 'pug'); cleaner.mark(fine, 'beagle')
    vanished.unlink()                                # deleted in the file browser after it was marked
    broken.write_bytes(broken.read_bytes()[:300])    # cut short by a sync program after it was marked
    report = cleaner.apply()
    assert report.moved == [(dogs.key(fine), f'beagle/{fine.name}')]
    gone_msg, broken_msg = left_alone(report, vanished.name), left_alone(report, broken.name)
    assert 'not there any more' in gone_msg and 'left alone' in gone_msg
    assert 'can no longer be read' in broken_msg and broken.exists()
    assert (dogs.root/'beagle'/fine.name).exists() and cleaner.pending == {}
    on_disk = PhotoCollection(dogs.root)
    assert broken in on_disk and vanished in on_disk  # the cleaner did not touch the records of photos it did not move
    assert_described(dogs.root, gone={dogs.key(vanished)})

def test_a_mark_holds_the_fingerprint_of_the_photo_first_marked_until_it_is_unmarked(dogs):
    cleaner = make_cleaner(dogs)
    changed_mind, unmarked = cleaner.photos_for('pug', 'Train')[0], cleaner.photos_for('boxer', 'Train')[0]
    other = cleaner.photos_for('beagle', 'Train')[0].read_bytes()
    cleaner.mark(changed_mind, DELETE); cleaner.mark(unmarked, DELETE)
    changed_mind.write_bytes(other); unmarked.write_bytes(other)  # other photos under the marked ones' names
    cleaner.mark(changed_mind, 'boxer')                            # a change of mind keeps the first fingerprint
    cleaner.mark(unmarked, KEEP); cleaner.mark(unmarked, 'pug')    # unmarking forgets it: the new mark is about the new photo
    report = cleaner.apply()
    assert report.moved == [(dogs.key(unmarked), f'pug/{unmarked.name}')] and changed_mind.exists()
    assert 'changed since it was marked' in report.left_alone[0]

def test_undo_gives_back_each_mark_with_the_fingerprint_of_the_photo_it_put_back(dogs):
    cleaner = make_cleaner(dogs)
    pug, beagle = cleaner.photos_for('pug', 'Train')[0], cleaner.photos_for('beagle', 'Train')[0]
    cleaner.mark(pug, DELETE); cleaner.apply(); cleaner.undo()
    assert cleaner.pending == {pug: DELETE}
    pug.write_bytes(beagle.read_bytes())
    report = cleaner.apply()
    assert report.moved == [] and 'changed since it was marked' in report.left_alone[0]
    assert_described(dogs.root)

def test_undo_leaves_a_photo_that_changed_since_the_apply_where_it_is(dogs):
    cleaner = make_cleaner(dogs)
    changed, restored = cleaner.photos_for('pug', 'Valid')[0], cleaner.photos_for('pug', 'Train')[0]
    cleaner.mark(changed, DELETE); cleaner.mark(restored, DELETE)
    moves = dict(cleaner.apply().moved)
    in_trash = dogs.root/moves[dogs.key(changed)]
    in_trash.write_bytes(cleaner.photos_for('beagle', 'Train')[0].read_bytes())  # someone replaced it in the trash
    report = cleaner.undo()
    assert report.moved == [(moves[dogs.key(restored)], dogs.key(restored))] and restored.exists()
    (msg,) = report.left_alone
    assert in_trash.name in msg and 'changed since it was moved' in msg
    assert in_trash.exists() and not changed.exists()
    assert cleaner.can_undo  # the move that could not be undone stays on record
    assert_described(dogs.root)

decisions = st.sampled_from([KEEP, DELETE, *BREEDS])

@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(choices=st.lists(decisions, min_size=9, max_size=9))
def test_any_marks_apply_without_losing_a_photo_and_undo_exactly(tmp_path_factory, choices):
    dogs = make_collection(tmp_path_factory.mktemp('dogs'), shipped_dogs())
    cleaner, before = make_cleaner(dogs), files_under(dogs.root)
    files = sorted(dogs.root/k for k in cleaner.info)
    for f, d in zip(files, choices): cleaner.mark(f, d)
    expected = {f: d for f, d in zip(files, choices) if d not in (KEEP, f.parent.name)}
    assert cleaner.pending == expected
    contents = sorted(photo_files(dogs.root).values())
    report = cleaner.apply()
    assert len(report.moved) == len(expected) and report.left_alone == []
    assert sorted(photo_files(dogs.root).values()) == contents  # every photo still there, none changed
    for a, b in report.moved:
        d = expected[dogs.root/a]
        assert b == f'.trash/{a}' if d == DELETE else Path(b).parent.name == d
    assert_described(dogs.root)
    cleaner.undo()
    assert files_under(dogs.root) == before
