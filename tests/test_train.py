"`course-train` end to end on a learner's own folder (a copy of the shipped mushroom and mountain photos): train, export, load, classify."
import pytest
from fastai.vision.all import get_image_files
from course_lib.data import name_in_valid
from course_lib.app import classify_upload
from course_lib.model_file import load_classifier
from conftest import course_train

def test_training_names_the_broken_photo_and_where_the_model_went(mushroom_training, own_photos):
    model, out = mushroom_training
    assert f'skipped {own_photos/"mushroom"/"cut_off.jpg"}: not a readable image' in out
    assert (own_photos/'mushroom'/'cut_off.jpg').exists(), 'the learner\'s broken photo was left where it was'
    assert f'model saved to {model}' in out and f'make app COURSE_MODEL={model}' in out

def test_the_model_classifies_held_out_photos_through_the_app(mushroom_model, own_photos):
    learn = load_classifier(mushroom_model)
    assert list(learn.dls.vocab) == ['mountain', 'mushroom']
    held_out = [f for f in get_image_files(own_photos).sorted() if name_in_valid(f) and f.name != 'cut_off.jpg']
    assert {f.parent.name for f in held_out} == {'mountain', 'mushroom'}
    answers = [classify_upload(learn, f.read_bytes(), f.name) for f in held_out]
    assert all(a.message is None and a.label in ('mountain', 'mushroom') and abs(sum(a.probs.values()) - 1) < 1e-4 for a in answers)
    right = sum(a.label == f.parent.name for a, f in zip(answers, held_out))
    assert right >= 0.9 * len(held_out), f'{right} of {len(held_out)} held-out photos classified right'

def test_a_wrong_folder_gets_an_answer_that_says_what_to_do(own_photos, tmp_path):
    run = course_train(own_photos/'mushroom', cwd=tmp_path)
    assert run.returncode != 0 and 'needs at least two' in run.stderr and 'sub-folder of its own' in run.stderr
    run = course_train(own_photos, '--classes', 'mushroom,unicorn', cwd=tmp_path)
    assert run.returncode != 0 and f'No photos in {own_photos/"unicorn"}' in run.stderr
    (tmp_path/'empty').mkdir()
    run = course_train(tmp_path/'empty', cwd=tmp_path)
    assert run.returncode != 0 and 'has photos of 0 classes' in run.stderr
    assert not list(tmp_path.rglob('*.pkl'))
