"The CPU fast path keeps fastai's behaviour: predict and validate see photos, fit puts the whole model back, bfloat16 stays inside fit."
import pytest, torch
import course_lib.fast_fine_tune as fast_fine_tune
from fastai.vision.all import Callback, Datasets, Resize, aug_transforms, error_rate, get_image_files
from course_lib.data import folder_block
from course_lib.fast_fine_tune import FrozenBodyCache, cpu_learner
from course_lib.photos import sample_photos
from course_lib.pretrained import efficientnet_lite0

@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    "Six photos of each class, small, so that training takes seconds"
    return sample_photos(tmp_path_factory.mktemp('tiny'), ('bird', 'forest'), n=6).root

def learner(root, batch_tfms=None):
    block = folder_block(size=64)
    if batch_tfms: block = block.new(item_tfms=Resize(64, method='squish'), batch_tfms=batch_tfms)
    dls = block.dataloaders(root, bs=4, num_workers=0)
    return cpu_learner(dls, efficientnet_lite0, metrics=error_rate)

def test_a_new_frozen_learner_predicts_from_a_photo(tiny):
    learn = learner(tiny)
    photo = get_image_files(tiny/'bird')[0]
    label, _, probs = learn.predict(photo)
    assert label in ('bird', 'forest') and probs.shape == (2,)
    assert len(learn.model) == 2 and isinstance(learn.dls.train.dataset, Datasets)

def channels_seen(learn):
    "Train `learn` for one epoch and return the channel count of each batch its model was given"
    seen = []
    class Spy(Callback):
        order = FrozenBodyCache.order + 1
        def before_batch(self): seen.append(self.xb[0].shape[1])
    learn.fit(1, 1e-4, cbs=Spy())
    return set(seen)

def test_frozen_training_uses_the_cache_and_gives_the_whole_model_back(tiny):
    learn = learner(tiny)
    assert channels_seen(learn) == {1280}  # the head saw the body's 1280 feature channels, not 3 colour channels
    assert len(learn.model) == 2 and isinstance(learn.dls.train.dataset, Datasets)
    assert learn.validate()[1] is not None

def test_unfrozen_training_sees_photos(tiny):
    learn = learner(tiny)
    learn.unfreeze()
    assert channels_seen(learn) == {3}

def test_augmented_training_sees_photos(tiny):
    assert channels_seen(learner(tiny, batch_tfms=aug_transforms(size=64))) == {3}

def dtypes_seen(learn, fail=False):
    "Fit `learn` for one epoch and return the dtype of each prediction its model made; with `fail`, interrupt the fit after one batch"
    seen = []
    class Spy(Callback):
        def after_pred(self):
            seen.append(self.pred.dtype)
            if fail: raise KeyboardInterrupt
    learn.unfreeze()
    try: learn.fit(1, 1e-4, cbs=Spy())
    except KeyboardInterrupt: pass
    return set(seen)

@pytest.mark.parametrize('native', [True, False], ids=['native bfloat16', 'no native bfloat16'])
def test_bfloat16_only_where_native_and_only_inside_fit(tiny, monkeypatch, native):
    monkeypatch.setattr(fast_fine_tune, 'has_native_bf16', lambda: native)
    learn = learner(tiny)
    assert dtypes_seen(learn) == ({torch.bfloat16} if native else {torch.float32})
    assert not torch.is_autocast_enabled('cpu')
    assert all(p.dtype == torch.float32 for p in learn.model.parameters())  # the weights stay 32-bit

def test_a_fit_interrupted_in_bfloat16_is_cleaned_up_by_the_next_fit(tiny, monkeypatch):
    monkeypatch.setattr(fast_fine_tune, 'has_native_bf16', lambda: True)
    learn = learner(tiny)
    dtypes_seen(learn, fail=True)
    learn.validate()
    assert not torch.is_autocast_enabled('cpu')
