"One fine-tuning run of the bird classifier, the course's way or this project's; prints JSON on its last line."
import json, resource, sys, time
from contextlib import redirect_stdout
from torch.utils.flop_counter import FlopCounterMode
from fastai.vision.all import *
from course_lib.paths import shipped_photos
from course_lib.data import UprightImage, sorted_image_files
from course_lib.pretrained import efficientnet_lite0
from course_lib.fast_fine_tune import CPUMixedPrecision, cpu_learner

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

def bird_data(path:Path, seed:int, image=PILImage, **kwargs)->DataLoaders:
    "Lesson 1's `DataBlock`: both recipes train and validate on the same photos (sorted, so the split is the same on every machine)"
    return DataBlock(blocks=(ImageBlock(image), CategoryBlock), get_items=partial(sorted_image_files, folders=['bird', 'forest']),
                     splitter=RandomSplitter(valid_pct=0.2, seed=seed), get_y=parent_label,
                     item_tfms=[Resize(192, method='squish')]).dataloaders(path, bs=32, **kwargs)

def course_recipe(path:Path, seed:int):
    "The course's lesson 1: `ImageBlock`, `vision_learner`, `fine_tune(3)`, fastai's default workers"
    learn = vision_learner(bird_data(path, seed), efficientnet_lite0, metrics=error_rate)
    return learn, partial(learn.fine_tune, 3)

def fast_path(path:Path, seed:int):
    "This project's lesson 1: `UprightImage`, `cpu_learner`, `fine_tune(1, freeze_epochs=3)`, loading in the main process"
    learn = cpu_learner(bird_data(path, seed, UprightImage, num_workers=0), efficientnet_lite0, metrics=error_rate)
    return learn, partial(learn.fine_tune, 1, freeze_epochs=3)

def fast_path_fp32(path:Path, seed:int):
    "This project's lesson 1 as it runs on a CPU without native `bfloat16`"
    learn, fit = fast_path(path, seed)
    learn.remove_cb(CPUMixedPrecision)
    return learn, fit

RECIPES = {'course': course_recipe, 'fast': fast_path, 'fast_fp32': fast_path_fp32}

def train_flops_per_image(learn:Learner)->float:
    "Floating-point operations of one training step of the whole model per photo: its forward pass counted, the backward taken as twice that"
    xb, _ = learn.dls.one_batch()
    with torch.no_grad(), FlopCounterMode(display=False) as counter: learn.model(xb)
    return 3 * counter.get_total_flops() / len(xb)  # torch's counter overcounts the backward of grouped convolutions

@call_parse
def main(recipe:str, # one of `RECIPES`
         seed:int=42, # for the split and the training run
        ):
    "Fine-tune the bird classifier with `recipe` on the shipped photos and print the time, error rate and memory it took"
    set_seed(seed, reproducible=True)
    start = time.perf_counter()
    with redirect_stdout(sys.stderr):  # progress bars; standard output is kept for the result
        learn, fit = RECIPES[recipe](shipped_photos(), seed)
        timer = EpochTimer(); learn.add_cb(timer)
        with learn.no_logging(): fit()
        seconds = time.perf_counter() - start
        learn.remove_cb(timer)
        with learn.no_bar(): error = float(learn.validate()[1])
    print(json.dumps({'recipe': recipe, 'seconds': seconds, 'error': error, 'epochs': timer.epochs,
                      'train_flops_per_image': train_flops_per_image(learn),
                      'peak_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
