"`make bench` needs nothing but the repository (its download comparison runs in a copy with no `../shared` beside it), its cross-validation folds are right, and its memory figure counts a job's child processes."
import json, shutil, subprocess, sys
from course_lib.paths import course_root
from bench.fine_tune import splitter
from bench.run import peak_job_memory_mb

def test_the_download_benchmark_runs_on_the_photos_in_the_repository(tmp_path):
    repo = tmp_path/'clone'  # nothing beside it, as on a learner's fresh clone
    for folder in ('bench', 'images', 'tests'): shutil.copytree(course_root()/folder, repo/folder, ignore=shutil.ignore_patterns('__pycache__', 'results.json'))
    shutil.copy(course_root()/'SOURCES.json', repo)
    assert not (tmp_path/'shared').exists()
    out = subprocess.run([sys.executable, '-W', 'ignore', '-m', 'bench.download', '--n-photos', '12', '--latency', '0', '--repeats', '1'],
                         cwd=repo, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result['urls'] == 12 + 15  # 12 photos and 15 broken answers
    assert result['project']['photos'] == 12 and result['project']['unusable_files'] == 0
    assert result['fastai']['photos'] == 12

def test_cross_validation_predicts_every_photo_once_with_a_model_that_did_not_train_on_it():
    items = list(range(342))
    splits = [splitter(items, fold)(items) for fold in range(5)]
    assert sorted(i for _, valid in splits for i in valid) == items  # each photo validated once
    assert all(not set(train) & set(valid) and len(train) + len(valid) == len(items) for train, valid in splits)
    assert splits == [splitter(items, fold)(items) for fold in range(5)]  # the same folds every time

HOLD = "import time; block = b'x' * (300 * 2**20); time.sleep(1.5)"  # 300 MB written, so resident, for a second and a half

def test_the_peak_memory_of_a_job_counts_its_child_processes():
    "A process holding 300 MB while its child holds 300 MB more peaks at about 600 MB: the course recipe's DataLoader workers are counted"
    job = subprocess.Popen([sys.executable, '-c', f"import subprocess, sys; block = b'x' * (300 * 2**20); subprocess.run([sys.executable, '-c', {HOLD!r}])"])
    peak = peak_job_memory_mb(job.pid)
    assert job.wait() == 0
    assert 600 < peak < 700, peak
    alone = subprocess.Popen([sys.executable, '-c', HOLD])
    assert 300 < peak_job_memory_mb(alone.pid) < 350
    alone.wait()
