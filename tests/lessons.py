"""Running a lesson notebook from outside, as a learner's Jupyter does, and reading its figures.

A lesson holds no checks: it shows its results. The tests run it in a kernel of its own (nbclient, the
library Jupyter itself uses), in a course folder of their own (`scratch_course`), optionally with
another seed or with a learner's own choices (`params`), and then read figures from the kernel's
namespace (`FIGURES`), which they compare with the spread measured over several seeds."""
import json, os, re, shutil, sys, tempfile
from typing import NamedTuple
from pathlib import Path
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

COURSE = Path(__file__).resolve().parent.parent
LESSONS = COURSE/'nbs'
ARTIFACTS = COURSE/'test-artifacts'/'lessons'  # each executed lesson is saved here, to read what it showed

def scratch_course(dest:Path)->Path:
    "A course folder at `dest` for a lesson to work in: the shipped `images/` (hard links where possible) and copies of `SOURCES.json`, `voila.json` and `requirements.txt`"
    dest.mkdir(parents=True, exist_ok=True)
    def link(src, dst):
        try: os.link(src, dst)
        except OSError: shutil.copy2(src, dst)  # another file system
    shutil.copytree(COURSE/'images', dest/'images', copy_function=link)
    shutil.copy2(COURSE/'SOURCES.json', dest/'SOURCES.json')  # copied, not linked: a lesson may rewrite it
    for f in ('voila.json', 'requirements.txt'): shutil.copy2(COURSE/f, dest/f)  # what notebook 3 packs into an app folder: the app's settings, the tested versions
    return dest

SEED = re.compile(r'\b(set_seed\(|manual_seed\(|seed=)42\b')

def with_seed(source:str, seed:int)->str:
    "`source` with the lessons' seed, 42, replaced by `seed` wherever a seed is set or passed"
    return SEED.sub(lambda m: f'{m.group(1)}{seed}', source)

def lesson(name:str, # a lesson's file name in nbs/, such as 01_is_it_a_bird.ipynb
           seed:int|None=None, # another seed than the lesson's own 42 (a lesson that draws nothing at random has none)
           params:dict|None=None, # names to set as a learner would: the line of the first cell that assigns each is changed
          )->nbformat.NotebookNode:
    "The lesson `name`, with `seed` and `params` put in"
    nb = nbformat.read(LESSONS/name, as_version=4)
    code = [c for c in nb.cells if c.cell_type == 'code']
    if seed is not None:
        for c in code: c.source = with_seed(c.source, seed)
    for var, value in (params or {}).items():
        assigns = re.compile(rf'^{var}\s*=.*$', re.M)
        cell = next((c for c in code if assigns.search(c.source)), None)
        if cell is None: raise ValueError(f'{name} has no cell that assigns {var}')
        cell.source = assigns.sub(lambda m: f'{var} = {value!r}  # set by the test, as a learner would', cell.source, count=1)
    return nb

FIGURES_MARK = 'lesson figures: '

def figures_cell(figures:dict)->nbformat.NotebookNode:
    "A last cell that prints each of `figures` (name -> Python expression), evaluated in the lesson's namespace, as JSON"
    exprs = ', '.join(f'{k!r}: {v}' for k, v in figures.items())
    return nbformat.v4.new_code_cell(f"import json as _json\nprint({FIGURES_MARK!r} + _json.dumps({{{exprs}}}, default=float))")

def read_figures(nb:nbformat.NotebookNode)->dict:
    "The figures printed by the last cell of an executed notebook"
    text = ''.join(o.get('text', '') for o in nb.cells[-1].get('outputs', []) if o.get('output_type') == 'stream')
    return json.loads(text.split(FIGURES_MARK, 1)[1])

class LessonFailed(Exception):
    "A lesson stopped on an error; the message has the cell's traceback"

def run_lesson(nb:nbformat.NotebookNode, # the lesson, as `lesson` gives it
               course:Path|None, # the course folder it works in (`COURSE_ROOT`); None: whatever the lesson finds (Colab's setup sets it)
               figures:dict|None=None, # name -> `Figure` to read from its namespace once it has run
               env:dict|None=None, # more environment for the kernel
               kernel_name:str='python3', # the kernel to run it in
               cwd:Path=LESSONS, # the folder the kernel starts in (the lessons' own, as in Jupyter)
               save_as:str|None=None, # a file name in test-artifacts/lessons/ for the executed notebook
               timeout:int=900, # seconds allowed for one cell
              )->dict: # the `figures`, evaluated
    "Run `nb` from its first cell to its last in a fresh kernel, as Jupyter's *Run All* does, and read its `figures`"
    nb = nbformat.from_dict(nb)
    if figures: nb.cells.append(figures_cell({k: f.expr for k, f in figures.items()}))
    kernel_env = {k: v for k, v in os.environ.items() if k not in ('IN_TEST', 'COURSE_ROOT')}  # a learner's kernel has no nbdev-test in it
    kernel_env |= {'OMP_WAIT_POLICY': 'PASSIVE', **({'COURSE_ROOT': str(course)} if course else {}), **(env or {})}
    client = NotebookClient(nb, kernel_name=kernel_name, timeout=timeout, resources={'metadata': {'path': str(cwd)}})
    try: client.execute(env=kernel_env)
    except CellExecutionError as e: raise LessonFailed(str(e)[-4000:]) from None
    finally:
        if save_as: ARTIFACTS.mkdir(parents=True, exist_ok=True); nbformat.write(nb, ARTIFACTS/save_as)
    return read_figures(nb) if figures else {}

class Figure(NamedTuple):
    "A figure a lesson shows: the expression that reads it from the lesson's namespace, and the range it must fall in"
    expr: str
    low: float|bool|None = None
    high: float|bool|None = None
    def holds(self, value)->bool: return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)

def fact(expr:str)->Figure:
    "A figure that must be true: something the lesson's prose says of what it shows"
    return Figure(expr, True, True)

def outside(figures:dict, # name -> `Figure`
            values:dict, # name -> value, as `run_lesson` read them
           )->dict: # name -> (value, low, high) of each figure outside its range
    "The figures whose values fall outside their range"
    return {k: (v, figures[k].low, figures[k].high) for k, v in values.items() if not figures[k].holds(v)}

def measured(low:float, # the smallest value measured over the seeds
             high:float, # the largest
             unit:float, # the step a figure moves by: one photo of the validation set, say
             limits=(0, 1), # what the figure can be at all
            )->tuple: # (low, high) of the range a run must fall in
    "The measured range widened by its own width on each side, and by at least two `unit`s: room for another torch, CPU or GPU"
    margin = max(high - low, 2*unit)
    return max(low - margin, limits[0]), min(high + margin, limits[1])

# Measured with `make spread` (tests/lesson_spread.py) on 2026-12-04: seeds 42, 1, 2, 3, 4, offline, torch 2.14.0, fastai 2.8.12,
# 2-core AMD EPYC (Zen 4). The two numbers given to `measured` are the smallest and largest value of the five runs.
PUBLISHED = 'reproduced[{!r}]'  # a row of notebook 6's results table
MNIST_VALID = 2038  # validation digits in MNIST_SAMPLE: one more right is 1/2038 of accuracy
FIGURES = {
    '00_jupyter.ipynb': {'the kernel remembers what the cells set': fact('apples == 10 and total == 49_999_995_000_000')},
    '01_is_it_a_bird.ipynb': {
        'validation error': Figure('float(err)', *measured(0.0, 0.0, 1/68)),
        'a validation bird is called a bird': fact("is_bird == 'bird'"),
        'share of mountains and mushrooms answered at 90%': Figure('float((odd_confidence >= 0.9).float().mean())', *measured(0.907, 0.943, 1/193)),
        'share of mountains and mushrooms answered at 99%': Figure('float((odd_confidence >= 0.99).float().mean())', *measured(0.813, 0.845, 1/193)),
        'share of birds and forests refused at 99%': Figure('float((valid_confidence < 0.99).float().mean())', *measured(0.0, 0.0, 1/68)),
        # seeds 42, 1, 2, 3, 4: 0.971, 1, 1, 1, 0.971 of 35 wines; sounds 0 of 20 wrong in all five (0.05 in a run outside the notebook)
        'accuracy on the held-back wines': Figure('float(wine_accuracy)', *measured(0.971, 1.0, 1/35)),
        'error on the held-back sounds': Figure('float(sound_error)', *measured(0.0, 0.05, 1/20)),
    },
    '02_production.ipynb': {
        'cat-or-dog validation error': Figure('float(cat_error)', *measured(0.0, 0.0294, 1/68)),
        'share of birds called cat or dog at over 90%': Figure('float((sure > 0.9).float().mean())', *measured(0.641, 0.944, 1/142)),
        'breed accuracy': Figure('float(breed_accuracy)', *measured(0.694, 0.857, 1/49)),
        'the planted mistake is among the three highest losses': fact('mislabelled in top_photos'),
        'breed accuracy after cleaning': Figure('float(clean_accuracy)', *measured(0.714, 0.878, 1/49)),
        'the cleaned photo is in the samoyed folder': fact("photos.key(fixed) == f'samoyed/{mislabelled.name}'"),
        'every photo of the copy is described': fact('not photos.undescribed(sorted_image_files(path))'),
        'the reloaded model gives the same label': fact('after[0] == before[0]'),
        # 0.0 in every run on the CPU; a model trained on a recent GPU rounds its convolutions to TF32 (10-bit mantissas), and its
        # probabilities then differ from a CPU reload by up to about 1e-3.
        'largest difference of a probability after reloading': Figure('float((after[2] - before[2].cpu()).abs().max())', 0, 1e-3),
    },
    '03_app.ipynb': {
        'the shipped woodpecker is a bird': fact("answer.label == 'bird'"),
        'a text file gets a message that names it, on the page too, and no verdict or bars': fact(
            "not_a_photo.message.startswith('diary.txt is not a photo') and page.message.value.startswith('diary.txt is not a photo') "
            "and page.verdict.value == '' and not page.bars.children and page.photo.layout.display == 'none'"),
        'a decompression bomb of a few KB is refused as too large, before decoding': fact(
            "len(bomb.getvalue()) < 50_000 and bomb_answer.message.startswith('bomb.png is not a photo') and 'too large' in bomb_answer.message"),
        "the weights are a small part of a visitor's kernel": fact('weights < memory_with_model / 10 and memory_before_model < memory_with_model'),
        'most mountains and mushrooms get an answer of 90% or more': fact('float((odd_confidence >= 0.9).float().mean()) > 0.5'),
        'a page that is not sure below 90% says so for the least sure of them': fact(
            "float(odd_confidence.min()) < 0.9 and cautious.verdict.value.startswith('not sure')"),
        'the app folder holds the model, the page, voila.json, the pins and a Dockerfile': fact(
            "{model_path().name, 'app.ipynb', 'voila.json', 'requirements.txt', 'Dockerfile', 'start.sh', 'README.md'} <= {f.name for f in app_folder.iterdir()}"),
        'the folder holds the course modules the model file names': fact(
            "all((app_folder/'course_lib'/(m.split('.')[1] + '.py')).is_file() for m in model_modules if m.startswith('course_lib.'))"),
    },
    '04_pixel_similarity.ipynb': {  # no randomness: the published figures to the fourth decimal
        'baseline accuracy on the 3s': Figure('float(acc_3s)', 0.9168 - 1e-4, 0.9168 + 1e-4),
        'baseline accuracy on the 7s': Figure('float(acc_7s)', 0.9854 - 1e-4, 0.9854 + 1e-4),
    },
    '05_sgd.ipynb': {
        'normalised quadratic: loss above the least-squares optimum, relative': Figure(
            'float(scaled_loss(scaled_path[-1]))/best_loss - 1', *measured(1.25e-5, 2.83e-5, 0)),
        'too small a rate creeps, too large diverges': fact('about_right[-1] < too_small[-1] < too_small[0] < too_large[-1]'),
        'the curvature along a is far above that along c': fact('hessian[0, 0] > 1e4 * hessian[2, 2]'),
    },
    '06_neural_net.ipynb': {
        'a nudged weight leaves the accuracy as it was': fact('nudged == corrects.float().mean().item()'),
        'labels as a flat vector give a 3-by-3 grid and another loss': fact('mismatched.shape == (3, 3) and mnist_loss(raw, targets) != mnist_loss(raw, targets.unsqueeze(1))'),
        "fastai's SGD matches BasicOptim, largest difference": Figure(  # 0.0 in every run: the same arithmetic in the same order
            'max(abs(a - b) for a, b in zip(sgd_accuracies, basic_accuracies))', 0, 1/MNIST_VALID),
        'pixel similarity (mean of 3s and 7s)': Figure(PUBLISHED.format('pixel similarity (mean of 3s and 7s)'), 0.9511 - 1e-4, 0.9511 + 1e-4),
        **{name: Figure(PUBLISHED.format(name), *measured(low, high, 1/MNIST_VALID)) for name, low, high in (
            ('linear model from init_params, 20 epochs', 0.9691, 0.9735),
            ('nn.Linear + BasicOptim, 20 epochs', 0.9814, 0.9838),
            ('nn.Linear + fastai SGD, 20 epochs', 0.9814, 0.9838),
            ('Learner.fit(10)', 0.9794, 0.9804),
            ('simple_net, 40 epochs', 0.9814, 0.9823),
            ('ResNet-18 from scratch, fit_one_cycle(1, 0.1)', 0.9946, 0.9980))},
    },
    '07_your_own_classifier.ipynb': {  # seeds 42, 1, 2, 3, 4: 3, 4, 5, 4 and 3 of 62 validation photos wrong
        'validation error': Figure('float(error)', *measured(0.0484, 0.0806, 1/62)),
        'every photo is described': fact('not photos.undescribed(sorted_image_files(path))'),
        'a held-out Persian is long-haired': fact("answer.label == 'long-haired'"),
        'a basset hound and the Newfoundland are among the three highest losses': fact("{'basset_hound_142.jpg', 'newfoundland_139.jpg'} <= set(top_photos[:3])"),
    },
}

# Online, against tests/web_standin.py: notebooks 1 and 7 search and download (notebook 7 with a class a learner adds, as its
# search cell invites); notebook 2 uses only the shipped photos and must not touch the web. Each search answers 40 hits (60 for
# notebook 7's forest class), of which 6 cannot be used: 34 photos per class (54 forests for notebook 7), 3 of them of something else. Measured with
# `make spread` too (tests/lesson_spread.py --online: seeds 42, 1, 2, on the same machine and day).
ONLINE_SPREAD = {'01 error': measured(0.0, 0.0769, 1/13), '01 answered at 99%': measured(0.435, 0.585, 1/193), '07 error': measured(0.0395, 0.0789, 1/76)}
ONLINE = {
    '01_is_it_a_bird.ipynb': ({}, {
        'the photos come from the search': fact("searched is not None and path == course_root()/'data'/'bird_or_not'"),
        'photos in the data: what the web gave, less what could not be used': Figure('len(dls.train_ds) + len(dls.valid_ds)', 68, 68),
        'validation error': Figure('float(err)', *ONLINE_SPREAD['01 error']),
        'share of mountains and mushrooms answered at 99%': Figure('float((odd_confidence >= 0.99).float().mean())', *ONLINE_SPREAD['01 answered at 99%']),
        'a good part of them answered at 99%, as the prose says': fact('bool((odd_confidence >= 0.99).float().mean() >= 0.25)'),
    }),
    '02_production.ipynb': ({}, FIGURES['02_production.ipynb']),
    '07_your_own_classifier.ipynb': ({'searches': {'forest': 'forest photo'}}, {
        'the searched class is learned': fact("list(learn.dls.vocab) == ['forest', 'long-haired', 'short-haired'] and len(sorted_image_files(path/'forest')) == 60 - 6"),
        'validation error': Figure('float(error)', *ONLINE_SPREAD['07 error']),
        **{k: FIGURES['07_your_own_classifier.ipynb'][k] for k in ('every photo is described', 'a held-out Persian is long-haired')},
    }),
}

if __name__ == '__main__' and sys.argv[1:2] == ['scratch']:
    print(scratch_course(Path(tempfile.mkdtemp(prefix='course-'))))  # for `make nbtest`: a course folder that is not yours
