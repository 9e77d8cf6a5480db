"Copy photos of the given categories from the shared offline data into images/, each with its SOURCES.json entry."
import csv
from pathlib import Path
from fastcore.script import call_parse
from course_lib.photos import PhotoCollection

@call_parse
def import_shared_photos(categories:str, # comma-separated folders of the shared data to copy, e.g. bird,forest
                         data:str='../shared/data/images', # the shared images folder with its attributions.csv
                        ):
    "Copy shared photos into images/<category>/ with their origin, author and license"
    data, photos, categories = Path(data), PhotoCollection('.'), categories.split(',')
    rows = [r for r in csv.DictReader(open(data/'attributions.csv', newline='')) if r['category'] in categories]
    for r in rows:
        dest = Path('images')/r['path']
        if dest in photos: continue
        photos.add(dest, (data/r['path']).read_bytes(), **{k: r[k] for k in ('title', 'source_url', 'author', 'license', 'license_url', 'origin')})
    photos.save()
    print(f'{len(rows)} photos of {", ".join(categories)} described in {photos.file}')
