"""The model file `make app` writes: no training callback and no name of a lesson module inside, every `course_lib` name in it
importable, loaded with fastai's default callbacks only; `export_model` leaves no temporary file, and `load_classifier` of a
missing file says how to get one."""
import importlib, threading, zipfile
import pytest
from fastcore.basics import defaults
from course_lib.data import folder_block
from course_lib.fast_fine_tune import fast_learner, speed_callbacks
from course_lib.model_file import export_model, load_classifier, pickle_imports, training_callbacks
from course_lib.photos import sample_photos
from course_lib.pretrained import efficientnet_lite0
from hostile_inputs import files_under

LESSON_MODULES = ('course_lib.is_it_a_bird', 'course_lib.production')  # where the code lived before it had one module per concept

@pytest.fixture(scope='module')
def fast_learner_callbacks(tmp_path_factory)->set:
    "The class names of the training callbacks of a `fast_learner` here, and of those `speed_callbacks` chooses for every other device"
    photos = sample_photos(tmp_path_factory.mktemp('tiny'), ('bird', 'forest'), n=6).root
    learn = fast_learner(folder_block(size=64).dataloaders(photos, bs=4, num_workers=0), efficientnet_lite0)
    elsewhere = speed_callbacks('cuda') + speed_callbacks('cpu', native_bf16=True) + speed_callbacks('cpu', native_bf16=False)
    return {type(cb).__name__ for cb in [*training_callbacks(learn), *elsewhere]}

def test_the_model_file_names_no_lesson_module(bird_model):
    names = pickle_imports(bird_model)
    assert names and not names.filter(lambda n: n.startswith(LESSON_MODULES))
    with zipfile.ZipFile(bird_model) as z: pickled = b''.join(z.read(n) for n in z.namelist() if n.endswith('.pkl'))
    assert not [m for m in LESSON_MODULES if m.encode() in pickled]  # not even in code that cloudpickle stored by value

def test_the_model_file_holds_no_training_callback(bird_model, fast_learner_callbacks):
    assert fast_learner_callbacks  # there are names to look for
    assert not pickle_imports(bird_model).filter(lambda n: n.rsplit('.', 1)[-1] in fast_learner_callbacks)

def test_every_course_lib_name_in_the_model_file_exists(bird_model):
    for name in pickle_imports(bird_model).filter(lambda n: n.startswith('course_lib.')):
        module, attr = name.rsplit('.', 1)
        assert hasattr(importlib.import_module(module), attr), name

def test_the_loaded_model_has_only_fastais_default_callbacks(bird_model, fast_learner_callbacks):
    learn = load_classifier(bird_model)
    assert {type(cb) for cb in learn.cbs} <= set(defaults.callbacks)
    assert not {type(cb).__name__ for cb in learn.cbs} & fast_learner_callbacks

def test_export_model_leaves_no_temporary_file(bird_model, tmp_path):
    learn = load_classifier(bird_model)
    assert export_model(learn, tmp_path/'models'/'bird.pkl') == tmp_path/'models'/'bird.pkl'
    assert export_model(learn, tmp_path/'models'/'bird.pkl') == tmp_path/'models'/'bird.pkl'  # over an old file
    assert list(files_under(tmp_path)) == ['models/bird.pkl']
    assert list(load_classifier(tmp_path/'models'/'bird.pkl').dls.vocab) == list(learn.dls.vocab)

def test_a_failed_export_keeps_the_old_file_and_leaves_no_temporary_file(bird_model, tmp_path, monkeypatch):
    learn = load_classifier(bird_model)
    (tmp_path/'bird.pkl').write_bytes(b'the old model')
    def export_halfway(fname, **kwargs):
        (learn.path/fname).write_bytes(b'half a model'); raise OSError('No space left on device')
    monkeypatch.setattr(learn, 'export', export_halfway)
    with pytest.raises(OSError, match='No space left'): export_model(learn, tmp_path/'bird.pkl')
    assert files_under(tmp_path) == {'bird.pkl': b'the old model'}

def test_a_missing_model_says_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match='COURSE_MODEL'): load_classifier(tmp_path/'nothing.pkl')

def test_two_exports_to_one_file_at_once_leave_one_whole_model(bird_model, tmp_path):
    "One export pauses halfway through writing while another exports to the same file; the file ends as the later one, whole"
    first, second = load_classifier(bird_model), load_classifier(bird_model)
    first.model[1][-1].weight.data += 1  # tell the two models apart
    first_file = export_model(first, tmp_path/'first.pkl').read_bytes()
    halfway, go_on, errors = threading.Event(), threading.Event(), []
    def paused_export(fname):
        with open(first.path/fname, 'wb') as f:
            f.write(first_file[:len(first_file)//2]); f.flush(); halfway.set(); go_on.wait(30); f.write(first_file[len(first_file)//2:])
    first.export = paused_export
    dest = tmp_path/'models'/'bird.pkl'
    def export_first():
        try: export_model(first, dest)
        except Exception as e: errors.append(e)
    thread = threading.Thread(target=export_first); thread.start()
    assert halfway.wait(30)
    export_model(second, dest)
    go_on.set(); thread.join(30)
    assert errors == []
    loaded = load_classifier(dest)
    assert (loaded.model[1][-1].weight == first.model[1][-1].weight).all()
    assert sorted(files_under(tmp_path/'models')) == ['bird.pkl']
