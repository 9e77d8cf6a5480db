"`make bench`: measure what a learner waits for, the course's way and this project's, on this machine; print a Markdown table, write bench/results.json."
import json, math, os, platform, subprocess, sys, threading, time
from datetime import date
from pathlib import Path
from statistics import median
import psutil, torch, fastai
from fastcore.script import call_parse
from course_lib.mixed_precision import has_native_bf16

BENCH = Path(__file__).parent
ROOT = BENCH.parent

def run(*cmd, cwd=ROOT)->str:
    "Run `cmd` to completion, letting its progress show on stderr; its standard output"
    return subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, text=True, check=True).stdout

def job_memory_mb(proc:psutil.Process)->float:
    "What `proc` and its child processes (such as DataLoader workers) hold in memory now, in MB: proportional set sizes, so a page they share counts once"
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try: info = p.memory_full_info()
        except (psutil.NoSuchProcess, psutil.AccessDenied): continue  # a worker that has just ended
        total += getattr(info, 'pss', info.uss)  # macOS and Windows have no PSS: there, what each process holds alone
    return total / 2**20

def peak_job_memory_mb(pid:int, # a running process
                       interval:float=0.1, # seconds between samples
                      )->float:
    "The most memory process `pid` and its child processes held at once, in MB, sampled every `interval` seconds until it ends"
    peak = 0.
    try:
        proc = psutil.Process(pid)
        while proc.status() != psutil.STATUS_ZOMBIE: peak = max(peak, job_memory_mb(proc)); time.sleep(interval)
    except psutil.NoSuchProcess: pass
    return peak

def worker(name:str, *args)->dict:
    "Run `bench/{name}.py` in its own process, as the module `bench.{name}` of the course's folder (it may import the tests' helpers); the JSON on the last line it prints, with `peak_memory_mb`, the most memory the run and its child processes held at once"
    cmd, peak = [sys.executable, '-W', 'ignore', '-m', f'bench.{name}', *args], []
    with subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True) as proc:
        sampler = threading.Thread(target=lambda: peak.append(peak_job_memory_mb(proc.pid))); sampler.start()
        out, _ = proc.communicate()
        sampler.join()
    if proc.returncode: raise subprocess.CalledProcessError(proc.returncode, cmd)
    return json.loads(out.strip().splitlines()[-1]) | {'peak_memory_mb': peak[0]}

def timed_run(*cmd)->float:
    "Wall seconds to run `cmd` to success"
    start = time.perf_counter(); run(*cmd); return time.perf_counter() - start

def matmul_peak(n:int=2048, repeats:int=7)->float:
    "The fp32 matrix-multiply speed this machine reaches, in FLOP/s: the ceiling any training run can be compared to"
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    times = []
    for _ in range(repeats):
        start = time.perf_counter(); a @ b; times.append(time.perf_counter() - start)
    return 2 * n**3 / min(times)

def machine()->dict:
    "What the figures were measured on"
    caps = torch.cpu.get_capabilities()
    info = {k.strip(): v for k, v in (l.split(':', 1) for l in Path('/proc/cpuinfo').read_text().splitlines() if ':' in l)} if Path('/proc/cpuinfo').exists() else {}
    return {'date': date.today().isoformat(), 'cpu': caps.get('cpu_name') or platform.processor() or platform.machine(),
            'cpu_family_model': ' '.join(f'{k} {info[k].strip()}' for k in ('cpu family', 'model') if k in info),
            'cores': os.cpu_count(), 'native_bf16': has_native_bf16(), 'torch_threads': torch.get_num_threads(),
            'python': platform.python_version(), 'torch': torch.__version__, 'fastai': fastai.__version__,
            'OMP_WAIT_POLICY': os.environ.get('OMP_WAIT_POLICY')}

def fine_tune_runs(recipes, repeats:int)->dict:
    "Fine-tuning runs of each recipe, taking turns so that a change in the machine's load hits all of them; the median run of each"
    runs = {r: [] for r in recipes}
    for i in range(repeats):
        for recipe in recipes[i:] + recipes[:i]:
            print(f'fine-tuning, {recipe} recipe, run {i+1} of {repeats}', file=sys.stderr, flush=True)
            runs[recipe].append(worker('fine_tune', recipe))
    return {k: sorted(v, key=lambda r: r['seconds'])[len(v)//2] | {'all_seconds': [r['seconds'] for r in v]} for k, v in runs.items()}

def cross_validation(recipe:str, folds:int=5)->dict:
    "Every photo predicted once, by a model of `recipe` that did not train on it: `folds` runs, each validating on one fold"
    runs = []
    for fold in range(folds):
        print(f'cross-validation, {recipe} recipe, fold {fold+1} of {folds}', file=sys.stderr, flush=True)
        runs.append(worker('fine_tune', recipe, '--fold', str(fold), '--folds', str(folds)))
    preds = [p for r in runs for p in r['predictions']]
    wrong = [p for p in preds if p['pred'] != p['label']]
    return {'recipe': recipe, 'photos': len(preds), 'error': len(wrong) / len(preds), 'seconds': sum(r['seconds'] for r in runs),
            'confidence_when_wrong': median(p['confidence'] for p in wrong) if wrong else None,
            'log_loss': sum(-math.log(max(p['p_label'], 1e-12)) for p in preds) / len(preds),
            'least_sure_right': min((p['confidence'] for p in preds if p['pred'] == p['label']), default=None),
            'wrong': sorted(wrong, key=lambda p: -p['confidence'])}

def phase(run:dict, frozen:bool, key:str='epoch_seconds')->float:
    "Seconds a fine-tuning run spent in its frozen (or unfrozen) epochs"
    return sum(e[key] for e in run['epochs'] if e['frozen'] == frozen)

def throughput(run:dict)->float:
    "Photos per second while the whole network trains"
    return sum(e['images'] for e in run['epochs'] if not e['frozen']) / phase(run, False, 'train_seconds')

def notebook_seconds(*notebooks)->float:
    "Wall seconds of `nbdev-test` over `notebooks` (all of them if none are named), as `make test` runs it"
    return timed_run(str(Path(sys.executable).parent/'nbdev-test'), '--n-workers', '1', *notebooks)

def row(what, course, project, unit, better='lower', accuracy=''):
    "One line of the table; `ratio` says how many times better this project's figure is"
    ratio = None if not course or not project else (course / project if better == 'lower' else project / course)
    return {'what': what, 'course': course, 'project': project, 'unit': unit, 'ratio': ratio, 'accuracy': accuracy}

def cv_rows(cv:dict, what:str, n:int)->list:
    "Rows for a cross-validation of the course's recipe and this project's on the same photos"
    c, p = cv['course'], cv['project']
    sure = lambda x: '–' if x is None else f'{x:.0%}'
    return [row(f"{n}. 5-fold cross-validation, {what} ({c['photos']} photos): error", 100*c['error'], 100*p['error'], '%',
                accuracy=f"{len(c['wrong'])} / {len(p['wrong'])} photos wrong"),
            row('median confidence of a wrong answer', None if c['confidence_when_wrong'] is None else 100*c['confidence_when_wrong'],
                None if p['confidence_when_wrong'] is None else 100*p['confidence_when_wrong'], '%', accuracy=f"{sure(c['confidence_when_wrong'])} / {sure(p['confidence_when_wrong'])}"),
            row('log loss (lower: surer of the right answers)', c['log_loss'], p['log_loss'], ''),
            row('time for the 5 fits', c['seconds'], p['seconds'], 's')]

def rows(r:dict)->list:
    "The table's rows, from the raw measurements `r`"
    c, ck, f, f32 = (r['fine_tune'][k] for k in ('course', 'course_kept_memory', 'fast', 'fast_fp32'))
    dl, app = r['download'], r['app']
    err = lambda run: f"error {c['error']:.1%} / {run['error']:.1%}"
    peak = r['matmul_peak_flops']
    share = lambda run: throughput(run) * run['train_flops_per_image'] / peak
    bf16 = 'this CPU, with' if r['machine']['native_bf16'] else 'this CPU, also without'
    return [
        row('1. Fine-tune the bird classifier, without bfloat16 (as on most laptops): wall time', c['seconds'], f32['seconds'], 's', accuracy=err(f32)),
        row(f'the same on {bf16} native bfloat16', c['seconds'], f['seconds'], 's', accuracy=err(f)),
        row('frozen phase (bfloat16 where native)', phase(c, True), phase(f, True), 's'),
        row('unfrozen phase (float32)', phase(c, False), phase(f, False), 's'),
        row("the course recipe with this project's KeepFreedMemory, against this project without bfloat16", ck['seconds'], f32['seconds'], 's',
            accuracy=f"error {ck['error']:.1%} / {f32['error']:.1%}"),
        row('peak memory of the whole job (the training process and its DataLoader workers)', c['peak_memory_mb'], f['peak_memory_mb'], 'MB'),
        row('the same without bfloat16', c['peak_memory_mb'], f32['peak_memory_mb'], 'MB'),
        *cv_rows(r['cv']['birds'], 'birds', 2),
        *cv_rows(r['cv']['cats'], 'cat or dog', 3),
        row('4. Training throughput, whole network', throughput(c), throughput(f), 'photos/s', better='higher'),
        row(f'share of the fp32 matmul peak measured in this run ({peak/1e9:.0f} GFLOP/s)', 100*share(c), 100*share(f), '%', better='higher'),
        row(f"5. Build a photo folder from {dl['urls']} URLs, {dl['latency']*1000:.0f} ms latency: download only (course_lib {dl['project_workers']} connections, fastai {dl['fastai_workers']})",
            dl['fastai']['photos']/dl['fastai']['download_seconds'], dl['project']['photos']/dl['project']['seconds'], 'photos/s', better='higher'),
        row(f"the same, course_lib at fastai's {dl['fastai_workers']} connections", dl['fastai']['photos']/dl['fastai']['download_seconds'],
            dl['project_at_fastai_workers']['photos']/dl['project_at_fastai_workers']['seconds'], 'photos/s', better='higher'),
        row('download, shrink to 400 px, drop broken files (the course: then resize_images, verify_images)', dl['fastai']['photos']/dl['fastai']['seconds'], dl['project']['photos']/dl['project']['seconds'], 'photos/s', better='higher'),
        row('files left that are not photos (partial downloads)', dl['fastai']['unusable_files'], dl['project']['unusable_files'], 'files'),
        row('bytes on disk (fastai saves JPEG quality 75, course_lib 90)', dl['fastai']['bytes']/1e6, dl['project']['bytes']/1e6, 'MB'),
        row('6. App: load the model', app['fastai']['load_seconds'], app['project']['load_seconds'], 's'),
        row('predict one upload', app['fastai']['predict_seconds'], app['project']['predict_seconds'], 's'),
        row("7. The course's lesson 3: pixel similarity (notebook 4)", None, r['notebooks']['04'], 's'),
        row('gradient descent from scratch (notebook 5)', None, r['notebooks']['05'], 's'),
        row('a neural network for 3s and 7s (notebook 6)', None, r['notebooks']['06'], 's'),
        row('the whole lesson (notebooks 4 to 6)', None, r['notebooks']['04'] + r['notebooks']['05'] + r['notebooks']['06'], 's'),
        row('8. Whole course: nbdev-test of every notebook', None, r['notebooks']['all'], 's'),
    ]

def fmt(x)->str:
    "A figure as the table shows it: three significant digits, thousands separated, a dash for none"
    if x is None: return '–'
    if isinstance(x, int) or x >= 100: return f'{x:,.0f}'
    return f'{x:.3g}' if x < 1 else f'{x:.1f}'

def table(r:dict)->str:
    "The rows as a Markdown table, headed by the machine they were measured on"
    m = r['machine']
    bf16 = 'with' if m['native_bf16'] else 'without'
    lines = [f"Measured {m['date']} on {m['cpu']} ({m['cpu_family_model']}, {bf16} native bfloat16), {m['cores']} cores, "
             f"torch {m['torch']} ({m['torch_threads']} threads), fastai {m['fastai']}.", '',
             '| what is measured | course recipe | this project | unit | ratio (above 1: this project is better) | accuracy (course / project) |',
             '|---|--:|--:|---|--:|---|']
    for x in r['rows']:
        what = x['what'] if x['what'][0].isdigit() else f"&nbsp;&nbsp;&nbsp;{x['what']}"
        ratio = '' if x['ratio'] is None else f"{x['ratio']:.2f}"
        lines.append(f"| {what} | {fmt(x['course'])} | {fmt(x['project'])} | {x['unit']} | {ratio} | {x['accuracy']} |")
    return '\n'.join(lines)

@call_parse
def main(fine_tune_repeats:int=3, # runs of each fine-tuning recipe; the median run is reported
        ):
    "Run every comparison, one after the other, then print the table and write bench/results.json"
    r = {'machine': machine(), 'matmul_peak_flops': matmul_peak()}
    r['fine_tune'] = fine_tune_runs(['course', 'fast', 'fast_fp32', 'course_kept_memory'], fine_tune_repeats)
    r['cv'] = {'birds': {'course': cross_validation('course'), 'project': cross_validation('fast')},
               'cats': {'course': cross_validation('cats_course'), 'project': cross_validation('cats_project')}}
    print('building photo folders from a local server', file=sys.stderr, flush=True)
    r['download'] = worker('download')
    print('timing the app', file=sys.stderr, flush=True)
    r['app'] = worker('app')
    print('timing the notebooks', file=sys.stderr, flush=True)
    r['notebooks'] = {'04': notebook_seconds('nbs/04_pixel_similarity.ipynb'), '05': notebook_seconds('nbs/05_sgd.ipynb'), '06': notebook_seconds('nbs/06_neural_net.ipynb'), 'all': notebook_seconds()}
    r['rows'] = rows(r)
    (BENCH/'results.json').write_text(json.dumps(r, indent=2))
    print(table(r))

