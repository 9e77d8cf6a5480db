"One fine-tuning run, the course's way or this project's, of the bird classifier (notebook 1) or the cat/dog classifier (notebook 2), on a random 20% or on one fold of a cross-validation; prints JSON on its last line."
import json, random, sys, time
from contextlib import redirect_stdout
from torch.utils.flop_counter import FlopCounterMode
from fastai.vision.all import *
from course_lib.paths import shipped_photos
from course_lib.data import UprightImage, sorted_image_files
from course_lib.pretrained import efficientnet_lite0
from course_lib.fast_fine_tune import fast_learner
from course_lib.freed_memory import KeepFreedMemory
from course_lib.mixed_precision import CPUMixedPrecision

class EpochTimer(Callback):
    "Time each epoch, and its training phase alone, with how many photos it trained on and how many parameters were trainable"
    order = 100  # after the callbacks that prepare training, such as `FrozenBodyCache`
    def __init__(self): self.epochs = []
    def before_epoch(self): self.epoch_start = time.perf_counter()
    def before_train(self): self.train_start, self.images = time.perf_counter(), 0
    def after_batch(self):
        if self.training: self.images += find_bs(self.yb)
    def after_train(self): self.train_seconds = time.perf_counter() - self.train_start
    def after_epoch(self):
        self.epochs.append({'frozen': self.opt.frozen_idx > 0,
                            'images': self.images, 'train_seconds': self.train_seconds,
                            'epoch_seconds': time.perf_counter() - self.epoch_start})

def splitter(items, fold:int|None, folds:int=5, seed:int=42):
    "20% of `items` held out at random, as the lessons do; or, for cross-validation, fold `fold` of `folds` (every item is in one fold)"
    if fold is None: return RandomSplitter(valid_pct=0.2, seed=seed)
    order = list(range(len(items))); random.Random(seed).shuffle(order)
    return IndexSplitter(order[fold::folds])

def is_cat(path): return Path(path).name[0].isupper()  # notebook 2's labelling function

DATASETS = {  # the photos, sorted so that a split is the same on every machine, and how each is labelled
    'birds': (lambda: sorted_image_files(shipped_photos(), folders=['bird', 'forest']), parent_label),
    'cats': (lambda: sorted_image_files(shipped_photos()/'pets'), is_cat),
}

def data(dataset:str, split, image=PILImage, item_tfms=Resize(192, method='squish'), bs=32, **kwargs)->DataLoaders:
    "The photos of `dataset`, split by `split`; both recipes of a comparison train and validate on the same photos"
    items, label = DATASETS[dataset]
    return DataBlock(blocks=(ImageBlock(image), CategoryBlock), get_items=lambda _: items(), splitter=split, get_y=label,
                     item_tfms=item_tfms).dataloaders(shipped_photos(), bs=bs, **kwargs)

def course_recipe(split):
    "The course's lesson 1: `ImageBlock`, `vision_learner`, `fine_tune(3)`, fastai's default workers"
    learn = vision_learner(data('birds', split), efficientnet_lite0, metrics=error_rate)
    return learn, partial(learn.fine_tune, 3)

def course_kept_memory(split):
    "The course's recipe with this project's `KeepFreedMemory`: how much of the difference is only where the memory comes from"
    learn, fit = course_recipe(split)
    learn.add_cb(KeepFreedMemory())
    return learn, fit

def fast_path(split):
    "This project's lesson 1: `UprightImage`, `fast_learner`, `fine_tune(1, freeze_epochs=3)`, loading in the main process"
    learn = fast_learner(data('birds', split, UprightImage, num_workers=0), efficientnet_lite0, metrics=error_rate)
    return learn, partial(learn.fine_tune, 1, freeze_epochs=3)

def fast_path_fp32(split):
    "This project's lesson 1 as it runs on a CPU without native `bfloat16`"
    learn, fit = fast_path(split)
    learn.remove_cb(CPUMixedPrecision)
    return learn, fit

def cats_course(split):
    "The course's first model (the book's chapter 1): cat or dog, `Resize(224)`, `vision_learner`, `fine_tune(1)`"
    learn = vision_learner(data('cats', split, item_tfms=Resize(224)), efficientnet_lite0, metrics=error_rate)
    return learn, partial(learn.fine_tune, 1)

def cats_project(split):
    "This project's notebook 2: the head alone, BatchNorm as pretrained, batches of 8, `fit_one_cycle(4, 3e-3)`"
    learn = vision_learner(data('cats', split, item_tfms=Resize(224), bs=8, num_workers=0), efficientnet_lite0, metrics=error_rate,
                           train_bn=False, cbs=BnFreeze)
    return learn, partial(learn.fit_one_cycle, 4, 3e-3)

RECIPES = {'course': course_recipe, 'course_kept_memory': course_kept_memory, 'fast': fast_path, 'fast_fp32': fast_path_fp32, 'cats_course': cats_course, 'cats_project': cats_project}

def predictions(learn:Learner)->list:
    "What `learn` says about each validation photo: its label, the prediction, and the probability it gave the prediction"
    with learn.no_bar(): probs, targs = learn.get_preds()
    vocab, root = learn.dls.vocab, shipped_photos()
    return [{'photo': Path(f).relative_to(root).as_posix(), 'label': str(vocab[t]), 'pred': str(vocab[p.argmax()]), 'confidence': float(p.max()),
             'p_label': float(p[t])} for f, p, t in zip(learn.dls.valid.items, probs, targs)]

def train_flops_per_image(learn:Learner)->float:
    "Floating-point operations of one training step of the whole model per photo: its forward pass counted, the backward taken as twice that"
    xb, _ = learn.dls.one_batch()
    with torch.no_grad(), FlopCounterMode(display=False) as counter: learn.model(xb)
    return 3 * counter.get_total_flops() / len(xb)  # torch's counter overcounts the backward of grouped convolutions

@call_parse
def main(recipe:str, # one of `RECIPES`
         seed:int=42, # for the split and the training run
         fold:int=None, # validate on this fold of `folds` instead of a random 20%, and report every validation photo's prediction
         folds:int=5, # how many folds, for cross-validation
        ):
    "Fine-tune with `recipe` on the shipped photos and print the time and error rate it took (`bench/run.py` measures the memory)"
    set_seed(seed, reproducible=True)
    start = time.perf_counter()
    with redirect_stdout(sys.stderr):  # progress bars; standard output is kept for the result
        learn, fit = RECIPES[recipe](lambda items: splitter(items, fold, folds, seed)(items))
        timer = EpochTimer(); learn.add_cb(timer)
        with learn.no_logging(): fit()
        seconds = time.perf_counter() - start
        learn.remove_cb(timer)
        with learn.no_bar(): error = float(learn.validate()[1])
        result = {'recipe': recipe, 'fold': fold, 'seconds': seconds, 'error': error, 'epochs': timer.epochs}
        result |= {'predictions': predictions(learn)} if fold is not None else {'train_flops_per_image': train_flops_per_image(learn)}
    print(json.dumps(result))
