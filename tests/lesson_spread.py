"""How much each lesson's figures move from seed to seed (`make spread`): every lesson run with several seeds, in a course
folder of its own per seed, offline, or online against the stand-in for the web (`--online`); prints a table of each figure's
values, and writes them to test-artifacts/lesson-spread.json (lesson-spread-online.json). The ranges in `lessons.FIGURES` and
`lessons.ONLINE` are set from this table. Figures, never asserts."""
import argparse, contextlib, json, tempfile, time
from pathlib import Path
from lessons import ARTIFACTS, FIGURES, ONLINE, lesson, run_lesson, scratch_course
from web_standin import WebStandIn

def measure(seeds:list, names:list, online:bool=False)->dict:
    "name of lesson -> figure -> one value per seed, with the seconds each run took"
    found = {name: {'seconds': []} for name in names}
    for seed in seeds:
        course = scratch_course(Path(tempfile.mkdtemp(prefix=f'spread-{seed}-')))
        for name in names:  # in order, in one course folder: the app lesson serves the model lesson 1 exported
            params, figures = ONLINE[name] if online else ({}, FIGURES[name])
            start = time.perf_counter()
            with (WebStandIn() if online else contextlib.nullcontext()) as web:
                values = run_lesson(lesson(name, seed=seed, params=params), course, figures,
                                    env={'COURSE_SEARCH_URL': web.search_url} if online else None, save_as=f'spread-{"online-" * online}{seed}-{name}')
            found[name]['seconds'].append(round(time.perf_counter() - start, 1))
            for k, v in values.items(): found[name].setdefault(k, []).append(v)
            print(f'seed {seed} {name} {found[name]["seconds"][-1]} s: {values}', flush=True)
    return found

def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--seeds', type=int, nargs='+', default=[42, 1, 2, 3, 4])
    parser.add_argument('--lessons', nargs='+', help='lessons to run (every one by default)')
    parser.add_argument('--online', action='store_true', help='against the stand-in for the web: the lessons that search, and notebook 2')
    args = parser.parse_args()
    found = measure(args.seeds, args.lessons or list(ONLINE if args.online else FIGURES), args.online)
    ARTIFACTS.parent.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS.parent/f'lesson-spread{"-online" * args.online}.json').write_text(json.dumps({'seeds': args.seeds, 'figures': found}, indent=1))
    print(f'\n| lesson | figure | seeds {", ".join(map(str, args.seeds))} | min | max |\n|---|---|---|--:|--:|')
    for name, figures in found.items():
        for k, vs in figures.items(): print(f'| {name} | {k} | {", ".join(map(str, vs))} | {min(vs)} | {max(vs)} |')

if __name__ == '__main__': main()
