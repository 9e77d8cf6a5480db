"Hostile inputs, made on the fly with PIL (no binary fixtures): photos, broken files, a folder filled by hand and a badly behaved web server; why a reader refuses one; and the checks that nothing was lost or left half-written."
import base64, errno, io, os, random, stat, struct, zlib
from contextlib import contextmanager
from functools import cache
from pathlib import Path
import numpy as np, pytest
from PIL import Image, ImageFile
from course_lib.images import UnusablePhoto, open_photo
from photo_server import Route

COLOURS = ('red', 'lime', 'blue', 'white')  # top-left, top-right, bottom-left, bottom-right

def quadrant_photo(size=(48, 32))->Image.Image:
    "An RGB picture of four coloured quadrants: each of its 8 rotations and flips looks different"
    img, (w, h) = Image.new('RGB', size), size
    for colour, box in zip(COLOURS, [(0, 0, w//2, h//2), (w//2, 0, w, h//2), (0, h//2, w//2, h), (w//2, h//2, w, h)]): img.paste(colour, box)
    return img

def encode(img, fmt, **kwargs)->bytes:
    out = io.BytesIO(); img.save(out, fmt, **kwargs)
    return out.getvalue()

# How a camera stores a photo for each EXIF orientation (the EXIF 2.3 standard, tag 0x0112): the pixels
# are turned or mirrored like this, and the tag tells the viewer how to turn them back.
STORED_AS = {1: None, 2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
             5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_90, 7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_270}

def exif_oriented(orientation:int)->bytes:
    "A JPEG of `quadrant_photo`, stored turned as a camera would, with the EXIF orientation that turns it upright"
    img, how = quadrant_photo(), STORED_AS[orientation]
    exif = Image.Exif(); exif[0x0112] = orientation
    return encode(img if how is None else img.transpose(how), 'JPEG', exif=exif, quality=95)

def png_chunk(kind:bytes, data:bytes)->bytes: return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data))

@cache
def blank_png(width:int, height:int)->bytes:
    "A complete, valid black-and-white PNG of `width` x `height` pixels, compressed to a few kilobytes: a decompression bomb"
    z, row = zlib.compressobj(9), bytes(1 + (width + 7)//8)  # each row: filter byte 0, then 1 bit per pixel, all black
    idat = b''.join(z.compress(row*1000) for _ in range(height//1000)) + z.compress(row*(height % 1000)) + z.flush()
    return b'\x89PNG\r\n\x1a\n' + png_chunk(b'IHDR', struct.pack('>IIBBBBB', width, height, 1, 0, 0, 0, 0)) + png_chunk(b'IDAT', idat) + png_chunk(b'IEND', b'')

def noise(size=(64, 64))->Image.Image: return Image.effect_noise(size, 60).convert('RGB')

def animation(fmt='GIF')->bytes:
    "An animation of 3 frames, `quadrant_photo` first, as a GIF, an animated PNG (fmt='PNG') or an animated WEBP"
    frames = [quadrant_photo()] + [Image.new('RGB', (48, 32), c) for c in ('black', 'gray')]
    return encode(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)

def sixteen_bit()->bytes:
    "A 16-bit greyscale PNG (scientific cameras, some scanners), mid-grey: 0x8000 of 0xFFFF"
    return encode(Image.new('I;16', (48, 32), 0x8000), 'PNG')

def transparent_palette()->bytes:
    img = quadrant_photo().convert('P', palette=Image.Palette.ADAPTIVE, colors=8)
    return encode(img, 'PNG', transparency=img.getpixel((0, 0)))

def half_transparent(mode)->bytes:
    img = quadrant_photo().convert(mode)
    img.putalpha(128)
    return encode(img, 'PNG')

HTML = b'<!DOCTYPE html>\n<html><head><title>Bird photo</title></head><body><img src="bird.jpg"></body></html>\n'
SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="48" height="32"><rect width="24" height="16" fill="red"/></svg>\n'

def photos()->dict:
    "Every kind of photo a learner meets that the course must use: file name -> (bytes, what a person sees when they open it)"
    colour, grey = quadrant_photo(), quadrant_photo().convert('L')
    return {'still.gif': (encode(colour, 'GIF'), colour), 'animated.gif': (animation(), colour),  # an animation's first frame
            'photo.webp': (encode(colour, 'WEBP', lossless=True), colour), 'cmyk.jpg': (encode(colour.convert('CMYK'), 'JPEG', quality=95), colour),
            'sixteen-bit.png': (sixteen_bit(), Image.new('L', (48, 32), 128)), 'palette.png': (encode(colour.convert('P'), 'PNG'), colour),
            'palette-transparent.png': (transparent_palette(), colour), 'grey.jpg': (encode(grey, 'JPEG', quality=95), grey),
            'grey-alpha.png': (half_transparent('LA'), grey), 'rgba.png': (half_transparent('RGBA'), colour),
            'one-pixel.png': (encode(Image.new('RGB', (1, 1), 'red'), 'PNG'), Image.new('RGB', (1, 1), 'red')),
            **{f'exif-{o}.jpg': (exif_oriented(o), colour) for o in STORED_AS}}

TRANSPARENT = {'palette-transparent.png', 'grey-alpha.png', 'rgba.png'}  # the `photos` kept as PNG, with their transparency

def refusal(error, f, *args, **kwargs)->str:
    "Why `f(*args, **kwargs)` refuses: the message of the `error` it must raise"
    with pytest.raises(error) as e: f(*args, **kwargs)
    return str(e.value)

def why_unusable(data, **kwargs)->str: return refusal(UnusablePhoto, open_photo, data, **kwargs)  # why `open_photo` refuses `data`

def looks_like(img, reference, tolerance=0.08)->bool:
    "Whether `img`, scaled to the size of `reference`, shows the same picture: the same way up, the same colours and brightness"
    a = np.asarray(img.convert('RGB').resize(reference.size), dtype=float)
    return np.abs(a - np.asarray(reference.convert('RGB'), dtype=float)).mean() / 255 < tolerance

def broken_files()->dict:
    "Every kind of file that is not a usable photo: file name -> (bytes, what the reason must say)"
    jpeg, png = encode(noise(), 'JPEG'), encode(noise(), 'PNG')
    return {'empty.jpg': (b'', 'the file is empty'),
            'truncated.jpg': (jpeg[:len(jpeg)//2], 'not a readable image'), 'truncated.png': (png[:len(png)//2], 'not a readable image'),
            'random-bytes.jpg': (random.Random(7).randbytes(3000), 'not an image file'),
            'webpage.jpg': (HTML, 'not an image file'), 'drawing-svg.jpg': (SVG, 'not an image file'),
            'huge-20000x20000.png': (blank_png(20_000, 20_000), 'too large'), 'bomb-7000x7000.png': (blank_png(7_000, 7_000), 'too large')}

ODD_NAMES = ['a bird in the garden.jpg', 'bird\'s "best" side.jpg', 'vögel 鸟 ümlaut.jpg', '-leading dash.jpg', 'tab\tand\nnewline.jpg']

def filled_by_hand()->tuple[dict, dict]:
    "A folder a learner filled by hand: its photos and its broken files, each as path relative to the folder -> bytes"
    good = {f'bird/{n}': d for n, (d, _) in photos().items()} | {f'forest/{n}': encode(quadrant_photo(), 'JPEG') for n in ODD_NAMES}
    broken = {f'forest/{n}': d for n, (d, _) in broken_files().items()}
    broken['bird/web page «copy» (1).jpg'] = HTML
    return good, broken

def fill(root, files:dict):
    "Write `files` (path relative to `root` -> bytes) under `root`"
    for rel, data in files.items(): (Path(root)/rel).parent.mkdir(parents=True, exist_ok=True); (Path(root)/rel).write_bytes(data)

def other_photo(i:int)->bytes: return encode(quadrant_photo((40 + i, 30)), 'PNG')  # a different small photo for each `i`

HOSTILE_TIMEOUT = 3  # seconds per download from `hostile_routes`: its photos come well within it, its slow routes take far longer

def hostile_routes()->dict:
    "A web server that answers badly in every way but a 404, a 500, a stall and a body over the cap (test_download serves those): path -> `Route`"
    photo = encode(noise((96, 96)), 'PNG')  # about 28 kB: many pieces for the server to drip or break off
    return {
        '/photo.png': Route(photo),
        '/labelled-as-html.png': Route(other_photo(1), headers={'Content-Type': 'text/html'}),  # the content decides, not the label
        '/reset.png': Route(photo, reset=True),
        '/reset-undeclared.png': Route(photo, reset=True, declared_length=-1),
        '/drip.png': Route(photo, drip=0.5),  # each piece in time, the whole far too late
        '/rate-limited.png': Route(b'Too many requests, slow down', 429, {'Retry-After': '3600'}),
        '/unavailable.png': Route(b'Back soon', 503, {'Retry-After': '120'}),
        '/loop': Route(status=302, headers={'Location': '/loop'}),
        '/ping': Route(status=302, headers={'Location': '/pong'}), '/pong': Route(status=302, headers={'Location': '/ping'}),
        **{f'/hop{i}': Route(status=301, headers={'Location': f'/hop{i+1}'}) for i in range(9)}, '/hop9': Route(other_photo(2)),
        '/to-ftp': Route(status=302, headers={'Location': 'ftp://127.0.0.1/photo.png'}),
        '/to-data': Route(status=302, headers={'Location': 'data:image/png;base64,' + base64.b64encode(other_photo(3)).decode()}),
        '/shorter-than-declared.png': Route(photo[:len(photo)//2], declared_length=len(photo)),
        '/longer-than-declared.png': Route(photo, declared_length=len(photo)//2),
        '/nonsense-length.png': Route(other_photo(4), headers={'Content-Length': 'lots'}, declared_length=-1),
    }

# URLs found in search results that are not web addresses
NOT_WEB = ['data:image/png;base64,' + base64.b64encode(other_photo(5)).decode(), 'javascript:alert(1)', 'mailto:bird@example.org',
           'gopher://127.0.0.1/1', 'about:blank', '', 'photo.png']

def files_under(root)->dict:
    "Every file under `root`, hidden ones included: path relative to `root` -> bytes"
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in Path(root).rglob('*') if p.is_file()}

def half_written(root)->list:
    "Files under `root` that a write left unfinished"
    return [p for p in Path(root).rglob('*') if p.suffix == '.part' or p.name.endswith('.tmp')]

@contextmanager
def read_only(folder):
    "Make `folder` read-only: its files can be read, but none can be added, removed or renamed (simulated for root, whom permissions do not stop)"
    folder, mode, real_open = os.path.realpath(folder), os.stat(folder).st_mode, os.open
    def guard(f, *checked):
        def guarded(*args, **kwargs):
            if any(os.path.dirname(os.path.abspath(args[i])) == folder for i in checked): raise PermissionError(errno.EACCES, 'Permission denied', args[checked[0]])
            return f(*args, **kwargs)
        return guarded
    def guarded_open(path, flags, *args, **kwargs):
        return (guard(real_open, 0) if flags & os.O_CREAT and not os.path.exists(path) else real_open)(path, flags, *args, **kwargs)
    os.chmod(folder, stat.S_IMODE(mode) & ~0o222)
    try:
        with pytest.MonkeyPatch.context() as mp:
            if os.geteuid() == 0:
                for name, checked in [('link', (1,)), ('unlink', (0,)), ('remove', (0,)), ('rename', (0, 1)), ('replace', (0, 1)), ('mkdir', (0,)), ('rmdir', (0,))]:
                    mp.setattr(os, name, guard(getattr(os, name), *checked))
                mp.setattr(os, 'open', guarded_open)
            yield folder
    finally: os.chmod(folder, mode)

@contextmanager
def full_disk(after:int=0):
    "Simulate a disk that fills up: once `after` more files have been written through to it (`os.fsync`), every write fails with ENOSPC"
    real, left = os.fsync, [after]
    def fsync(fd):
        if left[0] <= 0: raise OSError(errno.ENOSPC, 'No space left on device')
        left[0] -= 1; return real(fd)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(os, 'fsync', fsync)
        yield

@contextmanager
def decoded_sizes():
    "The size of every image whose pixels are decoded inside the `with` block"
    sizes, load = [], ImageFile.ImageFile.load
    def recording_load(self): sizes.append(self.size); return load(self)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ImageFile.ImageFile, 'load', recording_load)
        yield sizes
