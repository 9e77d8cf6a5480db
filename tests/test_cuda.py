"A short lesson-1 fine-tune on a GPU, where there is one: float16 with loss scaling, channels-last, `lr_find`, export, and a CPU reload."
import pytest, torch
from fastai.vision.all import error_rate
from course_lib.data import folder_block
from course_lib.fast_fine_tune import fast_learner
from course_lib.mixed_precision import Autocast, MixedPrecisionInModel
from course_lib.model_file import export_model, load_classifier
from course_lib.photos import sample_photos
from course_lib.pretrained import efficientnet_lite0

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason='no CUDA device here: torch.cuda.is_available() is False')

def test_a_short_fine_tune_on_cuda_trains_in_16_bits_and_agrees_with_a_cpu_reload(tmp_path):
    photos = sample_photos(tmp_path/'photos', ('bird', 'forest'), n=30).root
    dls = folder_block(size=128).dataloaders(photos, bs=16, num_workers=0, device='cuda')
    learn = fast_learner(dls, efficientnet_lite0, metrics=error_rate)
    assert any(isinstance(cb, MixedPrecisionInModel) for cb in learn.cbs)
    learn.fine_tune(1, freeze_epochs=1)
    learn.lr_find(num_it=20, show_plot=False, suggest_funcs=())  # runs in float16 and puts the weights back
    assert learn.validate()[1] < 0.1
    assert all(p.dtype == torch.float32 for p in learn.model.parameters()) and not any(isinstance(m, Autocast) for m in learn.model.modules())
    photo = learn.dls.valid_ds.items[0]
    on_gpu = learn.predict(photo)[2]
    on_cpu = load_classifier(export_model(learn, tmp_path/'model.pkl')).predict(photo)[2]
    # Recent GPUs compute float32 convolutions in TF32 (10-bit mantissas): a few units in the third decimal, not the sixth.
    torch.testing.assert_close(on_gpu.cpu(), on_cpu, atol=1e-3, rtol=0)
