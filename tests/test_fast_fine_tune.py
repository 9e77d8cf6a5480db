"""The fast path keeps fastai's behaviour: predict and validate see photos, fit puts the whole model back, 16-bit computing stays
inside the model's forward pass even when a fit is stopped halfway, the weights keep their names for `save`, `load`, `lr_find` and
`SaveModelCallback` in every precision and after a stop, `fast_learner` takes what `vision_learner` takes, and the speed callbacks
are chosen by device (the CUDA choice is asked for, not run: there is no GPU here). `course_lib.fast_fine_tune` and its parts:
`feature_cache`, `mixed_precision` and `freed_memory`."""
import ctypes, platform, resource, pytest, torch
from collections import OrderedDict
from torch import nn
import fastai.callback.fp16 as fastai_fp16
import course_lib.fast_fine_tune as fast_fine_tune, course_lib.freed_memory as freed_memory
from fastai.vision.all import Callback, ChannelsLast, Datasets, MixedPrecision, Resize, SaveModelCallback, aug_transforms, error_rate, get_image_files, vision_learner
from fastai.callback.fp16 import AMPMode
from course_lib.data import folder_block
from course_lib.fast_fine_tune import fast_learner, restore_model, speed_callbacks
from course_lib.feature_cache import FrozenBodyCache
from course_lib.freed_memory import GLIBC_KEEPS, KeepFreedMemory
from course_lib.mixed_precision import Autocast, CPUMixedPrecision, MixedPrecisionInModel, has_native_bf16
from course_lib.photos import sample_photos
from course_lib.pretrained import efficientnet_lite0

@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    "Six photos of each class, small, so that training takes seconds"
    return sample_photos(tmp_path_factory.mktemp('tiny'), ('bird', 'forest'), n=6).root

def tiny_dls(root): return folder_block(size=64).dataloaders(root, bs=4, num_workers=0)

def learner(root, batch_tfms=None, cbs=None):
    block = folder_block(size=64)
    if batch_tfms: block = block.new(item_tfms=Resize(64, method='squish'), batch_tfms=batch_tfms)
    dls = block.dataloaders(root, bs=4, num_workers=0)
    return fast_learner(dls, efficientnet_lite0, cbs=cbs, metrics=error_rate)

def test_the_choice_by_device():
    cuda, cpu_bf16, cpu, mps = speed_callbacks('cuda:0'), speed_callbacks('cpu', native_bf16=True), speed_callbacks('cpu', native_bf16=False), speed_callbacks('mps')
    assert [type(cb) for cb in cuda] == [ChannelsLast, MixedPrecisionInModel]
    assert isinstance(cuda[1], MixedPrecision) and (cuda[1].device_type, cuda[1].amp_mode) == ('cuda', AMPMode.FP16)  # fastai's, float16
    assert [type(cb) for cb in cpu_bf16] == [ChannelsLast, KeepFreedMemory, CPUMixedPrecision] and (cpu_bf16[2].device_type, cpu_bf16[2].amp_mode) == ('cpu', AMPMode.BF16)
    assert [type(cb) for cb in cpu] == [ChannelsLast, KeepFreedMemory] and mps == []
    assert [type(cb) for cb in speed_callbacks(torch.device('cpu'), native_bf16=False)] == [ChannelsLast, KeepFreedMemory]

def test_the_cpu_is_asked_when_nobody_says(monkeypatch):
    for native, expected in ((True, [ChannelsLast, KeepFreedMemory, CPUMixedPrecision]), (False, [ChannelsLast, KeepFreedMemory])):
        monkeypatch.setattr(fast_fine_tune, 'has_native_bf16', lambda: native)
        assert [type(cb) for cb in speed_callbacks(None)] == expected

def settings_seen(monkeypatch):
    "Record each call of `malloc_keeps` and `malloc_trim`, made as the real ones are"
    calls, keeps = [], freed_memory.malloc_keeps
    monkeypatch.setattr(freed_memory, 'malloc_keeps', lambda size: calls.append(size) or keeps(size))
    trim = ctypes.CDLL(None).malloc_trim
    class Libc:
        mallopt = ctypes.CDLL(None).mallopt
        def malloc_trim(self, pad): calls.append('trim'); return trim(pad)
    monkeypatch.setattr(freed_memory.ctypes, 'CDLL', lambda name: Libc())
    return calls

def test_memory_is_kept_while_a_fit_trains_and_given_back_after(tiny, monkeypatch):
    calls = settings_seen(monkeypatch)
    learn = learner(tiny)
    learn.fit(2)
    assert calls == [2**31 - 1, 2**31 - 1, GLIBC_KEEPS, 'trim']  # kept at each epoch's training, given back once
    calls.clear()
    learn.predict(get_image_files(tiny/'bird')[0]); learn.validate()
    assert calls == []  # predicting and validating train nothing: the settings are left alone

def test_a_c_library_without_mallopt_is_left_alone(monkeypatch):
    monkeypatch.setattr(freed_memory.ctypes, 'CDLL', lambda name: object())  # as on macOS or with musl
    assert freed_memory.malloc_keeps(2**31 - 1) is False
    cb = KeepFreedMemory(); cb.before_train(); cb.after_fit()
    assert cb.keeping is False

def test_a_torch_that_cannot_list_the_cpus_capabilities_means_float32(monkeypatch):
    monkeypatch.delattr(torch.cpu, 'get_capabilities')
    assert has_native_bf16() is False

def test_fast_learner_chooses_for_the_device_of_its_data(tiny, monkeypatch):
    asked = []
    monkeypatch.setattr(fast_fine_tune, 'speed_callbacks', lambda device: asked.append(device) or [ChannelsLast()])
    learn = fast_learner(tiny_dls(tiny), efficientnet_lite0)
    assert asked == [learn.dls.device] and [type(cb) for cb in learn.cbs if type(cb) in (FrozenBodyCache, ChannelsLast)] == [FrozenBodyCache, ChannelsLast]

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

def whole_model_loss(learn)->float:
    "The loss of `learn.model` on the validation photos, computed here, outside the learner and its callbacks, in `bfloat16` where the learner uses it"
    bf16 = any(isinstance(cb, CPUMixedPrecision) for cb in learn.cbs)
    learn.model.eval()
    with torch.no_grad(), torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16):
        out, targ = zip(*[(learn.model(xb).float(), yb) for xb, yb in learn.dls.valid])
    return learn.loss_func(torch.cat(out), torch.cat(targ)).item()

def test_frozen_training_uses_the_cache_and_gives_the_whole_model_back(tiny):
    learn = learner(tiny)
    assert channels_seen(learn) == {1280}  # the head saw the body's 1280 feature channels, not 3 colour channels
    assert len(learn.model) == 2 and isinstance(learn.dls.train.dataset, Datasets)
    assert learn.validate()[0] == pytest.approx(whole_model_loss(learn), rel=1e-3)  # validate's loss is the whole model's, from the photos

def test_unfrozen_training_sees_photos(tiny):
    learn = learner(tiny)
    learn.unfreeze()
    assert channels_seen(learn) == {3}

def test_augmented_training_sees_photos(tiny):
    assert channels_seen(learner(tiny, batch_tfms=aug_transforms(size=64))) == {3}

class StopButton(Callback):
    "Press the stop button (a `KeyboardInterrupt`) while the model's last layer computes, in the first batch"
    def before_fit(self): self.hook = list(self.learn.model.modules())[-1].register_forward_hook(self.press)
    def press(self, *args): self.hook.remove(); raise KeyboardInterrupt

def activation_dtypes(learn, *cbs, unfreeze=True):
    "Fit `learn` for one epoch, unfrozen unless told; the dtype of what its last layer computed in each batch, and of each prediction the loss saw"
    computed, predicted = [], []
    class Spy(Callback):
        order = 100  # after CPUMixedPrecision
        def before_fit(self): self.hook = list(self.learn.model.modules())[-1].register_forward_hook(lambda m, i, o: computed.append(o.dtype))
        def after_pred(self): predicted.append(self.pred.dtype)
        def after_fit(self): self.hook.remove()
    if unfreeze: learn.unfreeze()
    try: learn.fit(1, 1e-4, cbs=[Spy(), *cbs])
    except KeyboardInterrupt: pass
    return set(computed), set(predicted)

@pytest.mark.parametrize('native', [True, False], ids=['native bfloat16', 'no native bfloat16'])
def test_bfloat16_only_where_native_only_while_the_body_is_frozen_and_only_inside_the_model(tiny, monkeypatch, native):
    monkeypatch.setattr(fast_fine_tune, 'has_native_bf16', lambda: native)
    learn = learner(tiny)
    assert activation_dtypes(learn, unfreeze=False) == ({torch.bfloat16 if native else torch.float32}, {torch.float32})  # loss and probabilities in 32 bits
    assert not [m for m in learn.model.modules() if isinstance(m, Autocast)]
    assert activation_dtypes(learn) == ({torch.float32}, {torch.float32})  # the whole network trains in 32 bits: measured faster
    assert not torch.is_autocast_enabled('cpu')
    assert all(p.dtype == torch.float32 for p in learn.model.parameters())  # the weights stay 32-bit
    assert not [m for m in learn.model.modules() if isinstance(m, Autocast)]  # the model's own layers are back

def test_float16_with_loss_scaling_as_on_cuda_runs_on_the_cpu(tiny, monkeypatch):
    "The CUDA callback's own code (float16, fastai's loss scaling) on the CPU, which computes in float16 too"
    monkeypatch.setattr(fast_fine_tune, 'has_native_bf16', lambda: False)
    scales = []
    class ScaleSpy(Callback):
        def after_step(self): scales.append(self.learn.scaler.get_scale())
    learn = learner(tiny, cbs=[MixedPrecisionInModel('cpu', AMPMode.FP16), ScaleSpy()])
    assert activation_dtypes(learn) == ({torch.float16}, {torch.float32})
    assert scales and all(s > 1 for s in scales)  # the loss was scaled up before the gradients were computed
    assert all(p.dtype == torch.float32 for p in learn.model.parameters()) and not torch.is_autocast_enabled('cpu')

def test_fastais_own_mixed_precision_leaves_its_switch_on_after_the_stop_button(tiny, monkeypatch):
    "Why the switch lives in the model: fastai's `MixedPrecision`, switching autocast on the CPU as it does on CUDA, leaves it on"
    monkeypatch.setattr(fastai_fp16, 'autocast', lambda device, dtype: torch.autocast('cpu', dtype=dtype))
    mixed = MixedPrecision(AMPMode.BF16)
    learn = vision_learner(tiny_dls(tiny), efficientnet_lite0, cbs=mixed)
    learn.unfreeze()
    try:
        with pytest.raises(KeyboardInterrupt): learn.fit(1, 1e-4, cbs=StopButton())
        assert torch.is_autocast_enabled('cpu')
    finally: mixed.autocast.__exit__(None, None, None)
    assert not torch.is_autocast_enabled('cpu')

PRECISIONS = {'bfloat16': lambda: CPUMixedPrecision(), 'float16 with loss scaling, as on CUDA': lambda: MixedPrecisionInModel('cpu', AMPMode.FP16)}

@pytest.mark.parametrize('precision', PRECISIONS)
@pytest.mark.parametrize('phase', ['frozen', 'unfrozen'])
def test_the_stop_button_in_the_middle_of_a_forward_pass_leaves_no_16_bit_switch_on(tiny, monkeypatch, phase, precision):
    monkeypatch.setattr(fast_fine_tune, 'has_native_bf16', lambda: False)
    learn = learner(tiny, cbs=PRECISIONS[precision]())
    if phase == 'unfrozen': learn.unfreeze()
    with pytest.raises(KeyboardInterrupt): learn.fit(1, 1e-4, cbs=StopButton())
    assert not torch.is_autocast_enabled('cpu')
    monkeypatch.setattr(fast_fine_tune, 'has_native_bf16', lambda: False)
    assert activation_dtypes(learner(tiny)) == ({torch.float32}, {torch.float32})  # a new learner computes in 32 bits

def weights(learn)->dict: return {k: v.clone() for k, v in learn.model.state_dict().items()}
def same_weights(a:dict, b:dict)->bool: return list(a) == list(b) and all(torch.equal(a[k], b[k]) for k in a)
def wrappers(learn)->list: return [m for m in learn.model.modules() if isinstance(m, Autocast)]

@pytest.mark.parametrize('precision', PRECISIONS)
def test_lr_find_in_16_bits_leaves_every_weight_as_it_was(tiny, monkeypatch, precision):
    "fastai's `lr_find` saves the weights as a fit starts, when the model is not wrapped yet, and loads them when it ends"
    monkeypatch.setattr(fast_fine_tune, 'has_native_bf16', lambda: False)
    learn = learner(tiny, cbs=PRECISIONS[precision]())
    before = weights(learn)
    learn.lr_find(num_it=8, show_plot=False, suggest_funcs=())
    assert same_weights(before, weights(learn)) and not wrappers(learn)

@pytest.mark.parametrize('precision', PRECISIONS)
def test_save_model_callback_in_16_bits_loads_the_best_epoch_at_the_end(tiny, monkeypatch, tmp_path, precision):
    "`SaveModelCallback` saves the best epoch's weights while the model is wrapped and loads them once it is not"
    monkeypatch.setattr(fast_fine_tune, 'has_native_bf16', lambda: False)
    learn = learner(tiny, cbs=PRECISIONS[precision]())
    learn.path = tmp_path
    learn.fit(2, 1e-3, cbs=SaveModelCallback(fname='best'))
    best = torch.load(tmp_path/'models'/'best.pth')  # the weights alone: SaveModelCallback saves no optimizer state by default
    assert same_weights(best, weights(learn)) and not wrappers(learn)

def test_a_wrapped_module_with_a_layer_named_module_keeps_its_names():
    "A module holding a layer called `module`, as torch's `DataParallel` does, saves and loads under its own names when wrapped"
    own = nn.Sequential(OrderedDict(module=nn.Linear(3, 2)))
    wrapped = Autocast(own, 'cpu', torch.bfloat16)
    assert list(wrapped.state_dict()) == list(own.state_dict()) == ['module.weight', 'module.bias']
    wrapped.load_state_dict(own.state_dict())

EVERY_PRECISION = {'float32': lambda: None, **PRECISIONS}

@pytest.mark.filterwarnings('error:Could not load the optimizer state')  # fastai's `load` only warns when it cannot
@pytest.mark.parametrize('precision', EVERY_PRECISION)
@pytest.mark.parametrize('phase', ['frozen', 'unfrozen'])
def test_after_the_stop_button_a_learner_saves_loads_finds_a_rate_and_fits_again(tiny, monkeypatch, tmp_path, phase, precision):
    "A stopped fit sends no `after_fit`: the model stays as the fit left it (the head alone, in `Autocast` wrappers) until the next fit"
    monkeypatch.setattr(fast_fine_tune, 'has_native_bf16', lambda: False)
    learn = learner(tiny, cbs=EVERY_PRECISION[precision]())
    learn.path, whole = tmp_path, learn.model
    if phase == 'unfrozen': learn.unfreeze()
    learn.save('before')
    with pytest.raises(KeyboardInterrupt): learn.fit(1, 1e-4, cbs=StopButton())  # stopped in the first forward pass, before any step
    stopped = {k: v.clone() for k, v in whole.state_dict().items()}  # the weights, and BatchNorm's statistics of that forward pass
    learn.save('stopped')
    saved = torch.load(tmp_path/'models'/'stopped.pth', weights_only=False)['model']
    assert list(saved) == list(stopped) and same_weights(stopped, saved)  # every weight, under its own name
    learn.load('before'); learn.load('stopped')
    learn.lr_find(num_it=8, show_plot=False, suggest_funcs=())
    assert same_weights(stopped, weights(learn))
    learn.fit(1, 1e-4)
    assert learn.model is whole and not wrappers(learn) and not torch.is_autocast_enabled('cpu')
    learn.load('stopped')
    assert same_weights(stopped, weights(learn))

def test_a_precision_of_your_own_replaces_the_devices(tiny, monkeypatch):
    monkeypatch.setattr(fast_fine_tune, 'has_native_bf16', lambda: True)
    mine = MixedPrecisionInModel('cpu', AMPMode.FP16)
    learn = learner(tiny, cbs=mine)
    assert [cb for cb in learn.cbs if isinstance(cb, MixedPrecision)] == [mine]
    learn.fit(1, 1e-4)  # one loss scaler, one wrapper per layer

def test_a_stopped_fit_is_put_back_by_the_next_fit_and_by_restore_model(tiny, monkeypatch):
    monkeypatch.setattr(fast_fine_tune, 'has_native_bf16', lambda: True)
    learn = learner(tiny)
    whole, layers = learn.model, list(learn.model)
    with pytest.raises(KeyboardInterrupt): learn.fit(1, 1e-4, cbs=StopButton())  # stopped while the head trains on cached features
    assert learn.model is not whole  # the head alone (a `HeadAlone`), its layers wrapped in `Autocast`
    learn.validate()
    assert learn.model is whole and list(learn.model) == layers and isinstance(learn.dls.train.dataset, Datasets)
    with pytest.raises(KeyboardInterrupt): learn.fit(1, 1e-4, cbs=StopButton())
    restore_model(learn)
    assert learn.model is whole and list(learn.model) == layers

def test_fast_learner_takes_more_callbacks_and_train_bn(tiny):
    spy = Callback()
    learn = fast_learner(tiny_dls(tiny), efficientnet_lite0, cbs=spy, train_bn=True)
    assert spy in learn.cbs and len(learn.cbs.filter(lambda cb: isinstance(cb, FrozenBodyCache))) == 1
    assert channels_seen(learn) == {3}  # trainable BatchNorm layers change the body's features, so nothing is cached

def page_faults_of_training(body, steps:int=4)->int:
    "Page faults the process takes in `steps` forward and backward passes of `body` on 16 photos, after one pass to warm up"
    x = torch.randn(16, 3, 128, 128).contiguous(memory_format=torch.channels_last)
    def step(): body(x).mean().backward()
    step(); before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(steps): step()
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before

@pytest.mark.skipif(platform.libc_ver()[0] != 'glibc', reason='malloc_keeps changes only glibc')
def test_kept_memory_spares_the_page_faults_of_each_training_step():
    "In the main thread, as in a Jupyter kernel: the system no longer clears fresh pages for every batch"
    body = efficientnet_lite0()[:-4].to(memory_format=torch.channels_last)
    try:
        assert freed_memory.malloc_keeps(GLIBC_KEEPS)
        given_back = page_faults_of_training(body)
        assert freed_memory.malloc_keeps(2**31 - 1)
        kept = page_faults_of_training(body)
    finally: freed_memory.malloc_keeps(GLIBC_KEEPS)
    assert kept < given_back / 3, (kept, given_back)
