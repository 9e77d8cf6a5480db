"The CPU fast path keeps fastai's behaviour: predict and validate see photos, fit puts the whole model back."
import shutil
import pytest
from fastai.vision.all import Callback, Datasets, Resize, aug_transforms, error_rate, get_image_files
from course_lib.is_it_a_bird import FrozenBodyCache, bird_block, cpu_learner, efficientnet_lite0, shipped_photos

@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    "Six photos of each class, small, so that training takes seconds"
    root = tmp_path_factory.mktemp('tiny')
    for c in ('bird', 'forest'):
        (root/c).mkdir()
        for f in sorted((shipped_photos()/c).glob('*.jpg'))[:6]: shutil.copy(f, root/c/f.name)
    return root

def learner(root, batch_tfms=None):
    block = bird_block(size=64)
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
