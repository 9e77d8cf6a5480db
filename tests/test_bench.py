"`make bench` needs nothing but the repository (its download comparison runs in a copy with no `../shared` beside it), and its cross-validation folds are right."
import json, shutil, subprocess, sys
from course_lib.paths import course_root
from bench.fine_tune import splitter

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
