"Build the same photo folder with fastai's `download_images` (then the course's resize and verify) and with `course_lib`'s, from a slow local server (the tests' `PhotoServer`). Run from the course's folder: `python -m bench.download`."
import inspect, io, json, random, sys, tempfile, time
from contextlib import contextmanager, redirect_stdout
from multiprocessing import Pipe, Process
from pathlib import Path
from statistics import median
from fastai.vision.all import *
from PIL import ImageOps
from course_lib.download import download_photos as course_lib_download
from course_lib.images import photo_problem
from course_lib.paths import shipped_photos
from tests.photo_server import JPEG, PhotoServer, Route

def web_sized(path:Path, longest:int=1000)->bytes:
    "The photo at `path` as a web image search usually finds one: a JPEG about `longest` pixels across"
    img = ImageOps.contain(Image.open(path).convert('RGB'), (longest, longest), Image.LANCZOS)
    buf = io.BytesIO(); img.save(buf, 'JPEG', quality=90); return buf.getvalue()

def routes(n_photos:int, latency:float)->dict:
    "`n_photos` of the photos shipped in images/ and a few broken answers, as a search's results often contain, each answered after `latency` seconds"
    photos = get_image_files(shipped_photos(), folders=['forest', 'pets']).sorted()[:n_photos]
    r = {f'/photo{i}.jpg': Route(web_sized(p), headers=JPEG, delay=latency) for i, p in enumerate(photos)}
    page = b'<html><body>a page, not a photo</body></html>'
    for i in range(5):
        r[f'/gone{i}.jpg'] = Route(b'not found', 404, delay=latency)
        r[f'/page{i}.jpg'] = Route(page, headers={'Content-Type': 'text/html'}, delay=latency)
        body = r[f'/photo{i}.jpg'].body
        r[f'/cut{i}.jpg'] = Route(body, headers=JPEG, delay=latency, reset=True)
    return r

def _serve(routes, conn):
    server = PhotoServer(routes)
    conn.send(server.url(''))
    conn.recv()  # until told to stop
    server.stop()

@contextmanager
def photo_server(routes:dict):
    "Serve `routes` on 127.0.0.1 from another process, as a web server would be: its work does not compete with the downloader's threads"
    conn, child = Pipe()
    process = Process(target=_serve, args=(routes, child), daemon=True)
    process.start()
    try: yield conn.recv()
    finally:
        conn.send('stop'); process.join(10)

def fastai_course(urls, dest:Path)->float:
    "The course's lesson 1: `download_images`, then `resize_images` to 400 pixels, then delete what `verify_images` rejects"
    start = time.perf_counter()
    download_images(dest, urls=urls)
    downloaded = time.perf_counter() - start
    resize_images(dest, max_size=400, dest=dest)
    verify_images(get_image_files(dest)).map(Path.unlink)
    return downloaded

def project(urls, dest:Path, **kwargs):
    "This project's lesson 1: one call downloads, checks, shrinks, de-duplicates and records provenance"
    course_lib_download(urls, dest, **kwargs)

FASTAI_WORKERS = inspect.signature(download_images).parameters['n_workers'].default
WAYS = {'fastai': fastai_course, 'project': project, 'project_at_fastai_workers': partial(project, max_workers=FASTAI_WORKERS)}

def folder_state(dest:Path)->dict:
    "What is on disk in `dest`: usable photos, files that are not, and bytes in all"
    files = [f for f in dest.rglob('*') if f.is_file() and f.name != 'SOURCES.json']
    ok = [f for f in files if photo_problem(f) is None]
    return {'photos': len(ok), 'unusable_files': len(files) - len(ok), 'bytes': sum(f.stat().st_size for f in dest.rglob('*') if f.is_file())}

@call_parse
def main(n_photos:int=300, # photos on the server
         latency:float=0.2, # seconds the server waits before each answer
         repeats:int=3, # runs of each downloader; the median is reported
        ):
    "Time both ways of building a photo folder from the same URLs, and print what each left on disk as JSON"
    served = routes(n_photos, latency)
    urls = list(served)
    random.Random(0).shuffle(urls)
    results = {'urls': len(urls), 'latency': latency, 'fastai_workers': FASTAI_WORKERS,
               'project_workers': inspect.signature(course_lib_download).parameters['max_workers'].default}
    with photo_server(served) as address:
        urls = [address + u for u in urls]
        for name, build in WAYS.items():
            runs = []
            for _ in range(repeats):
                with tempfile.TemporaryDirectory() as tmp:
                    dest = Path(tmp)/'photos'
                    start = time.perf_counter()
                    with redirect_stdout(sys.stderr): download_only = build(urls, dest)
                    runs.append({'seconds': time.perf_counter() - start, 'download_seconds': download_only, **folder_state(dest)})
            results[name] = {**runs[len(runs)//2], 'seconds': median(r['seconds'] for r in runs),
                             'download_seconds': median(r['download_seconds'] or 0 for r in runs) or None}
    print(json.dumps(results))
