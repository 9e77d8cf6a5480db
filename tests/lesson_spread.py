"""How much each lesson's figures move from seed to seed (`make spread`): every lesson run with several seeds, offline, in a
course folder of its own per seed; prints a table of each figure's values, and writes them to test-artifacts/lesson-spread.json.
The ranges in `lessons.FIGURES` are set from this table. Figures, never asserts."""
import argparse, json, tempfile, time
from pathlib import Path
from lessons import ARTIFACTS, FIGURES, lesson, run_lesson, scratch_course

def measure(seeds:list, names:list)->dict:
    "name of lesson -> figure -> one value per seed, with the seconds each run took"
    found = {name: {'seconds': []} for name in names}
    for seed in seeds:
        course = scratch_course(Path(tempfile.mkdtemp(prefix=f'spread-{seed}-')))
        for name in names:  # in order, in one course folder: the app lesson serves the model lesson 1 exported
            start = time.perf_counter()
            values = run_lesson(lesson(name, seed=seed), course, {k: f.expr for k, f in FIGURES[name].items()}, save_as=f'spread-{seed}-{name}')
            found[name]['seconds'].append(round(time.perf_counter() - start, 1))
            for k, v in values.items(): found[name].setdefault(k, []).append(v)
            print(f'seed {seed} {name} {found[name]["seconds"][-1]} s: {values}', flush=True)
    return found

def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--seeds', type=int, nargs='+', default=[42, 1, 2, 3, 4])
    parser.add_argument('--lessons', nargs='+', default=list(FIGURES))
    args = parser.parse_args()
    found = measure(args.seeds, args.lessons)
    ARTIFACTS.parent.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS.parent/'lesson-spread.json').write_text(json.dumps({'seeds': args.seeds, 'figures': found}, indent=1))
    print(f'\n| lesson | figure | seeds {", ".join(map(str, args.seeds))} | min | max |\n|---|---|---|--:|--:|')
    for name, figures in found.items():
        for k, vs in figures.items(): print(f'| {name} | {k} | {", ".join(map(str, vs))} | {min(vs)} | {max(vs)} |')

if __name__ == '__main__': main()
