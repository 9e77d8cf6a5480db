"How long the app takes to load its model and to answer one upload: fastai's calls as the course's app makes them, and `course_lib.app`'s."
import json, time
from pathlib import Path
from statistics import median
from fastai.vision.all import *
from course_lib.app import classify_upload, model_path
from course_lib.model_file import load_classifier
from course_lib.paths import shipped_photos

def timed(f, repeats:int)->tuple: # (median seconds, last result)
    "Run `f` `repeats` times; its median time and its last result"
    times = []
    for _ in range(repeats):
        start = time.perf_counter(); out = f(); times.append(time.perf_counter() - start)
    return median(times), out

def course_predict(learn, data:bytes):
    "The course's app: `PILImage.create` on the upload, then `predict`"
    with learn.no_bar(): return learn.predict(PILImage.create(data))

@call_parse
def main(repeats:int=10, # times each step is run; the median is reported
        ):
    "Print, as JSON, the median load and predict times of the course's app code and of this project's"
    path = model_path()
    uploads = [f.read_bytes() for f in sorted((shipped_photos()/'bird').glob('*.jpg'))[:repeats]]
    results = {}
    for name, load, predict in (('fastai', load_learner, course_predict), ('project', load_classifier, classify_upload)):
        load_s, learn = timed(lambda: load(path), repeats=3)
        predict(learn, uploads[0])  # the first prediction of a process also sets up torch's kernels: not timed
        it = iter(uploads)
        predict_s, _ = timed(lambda: predict(learn, next(it)), repeats=len(uploads))
        results[name] = {'load_seconds': load_s, 'predict_seconds': predict_s}
    print(json.dumps(results))
