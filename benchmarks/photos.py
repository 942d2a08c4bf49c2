"""Photo thumbnails (`?size=thumbnail`, specialists.fieldwork.photos): what keeping them costs and saves,
by stored format, for a stored photo of a phone camera's size.

    .venv/bin/python benchmarks/photos.py --repeat 5
    .venv/bin/python benchmarks/photos.py --repeat 3 --size 6928x5196 --formats PNG   # 36 megapixels

Columns, each the least CPU time (time.process_time, which other processes on a shared machine
disturb far less than the wall clock) of --repeat runs:
- `upload`: prepare_photo as the upload ran it before thumbnails were kept (check, decode,
  re-encode), and `+ thumbnail`: what the upload now adds to it, making the thumbnail from the pixels
  it has already decoded (a resize and a small JPEG, timed on its own: no second decode);
- `first view`: open_thumbnail for a photo with no thumbnail kept (stored before thumbnails were
  kept, or its thumbnail removed): decode, resize, keep, and read what is sent;
- `repeat view`: open_thumbnail once the thumbnail is kept: open it and read it, no decode;
- `full decode + resize`: decoding the whole photo and resizing it, for reference.

The photos are made here (noise over a gradient, so that they compress like a photograph rather
than a flat colour, and larger than a real photo of the same size), re-encoded on arrival as the
API does, then stored in a temporary folder.
"""

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path



def best_of(fn, repeat):
    """Least CPU time of `repeat` runs, in seconds, and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.process_time()
        result = fn()
        best = min(best, time.process_time() - started)
    return best, result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--size", default="4000x3000", help="width x height of the photo (default: a 12-megapixel phone camera)")
    parser.add_argument("--formats", default="JPEG,WEBP,PNG")
    args = parser.parse_args()
    width, height = (int(side) for side in args.size.lower().split("x"))
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    import numpy as np
    from django.core.files.storage import FileSystemStorage
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from specialists.fieldwork.photos import THUMBNAIL_SIDE, _thumbnail_jpeg, open_thumbnail, prepare_photo, thumbnail_name

    rng = np.random.default_rng(7)
    gradient = np.linspace(0, 200, width, dtype=np.float32)[None, :, None].repeat(height, 0).repeat(3, 2)
    pixels = np.clip(gradient + rng.normal(0, 25, (height, width, 3)), 0, 255).astype(np.uint8)
    source = Image.fromarray(pixels)
    storage = FileSystemStorage(location=tempfile.mkdtemp(prefix="tepai-photos-"))

    class Stored:  # the FieldFile interface open_thumbnail() uses
        def __init__(self, name):
            self.name, self.storage = name, storage

        def open(self, mode="rb"):
            return storage.open(self.name, mode)

    def view(stored):
        with open_thumbnail(stored) as opened:
            return opened.read()

    print(f"# {width} x {height} pixels ({width * height / 1e6:.0f} megapixels), CPU time, best of {args.repeat}")
    print(f"{'format':<6} {'stored':>9} {'upload':>9} {'+ thumbnail':>12} {'first view':>11} {'repeat view':>12} "
          f"{'thumb size':>11} {'full decode + resize':>21}")
    for fmt in args.formats.split(","):
        raw = io.BytesIO()
        source.save(raw, fmt)
        data = raw.getvalue()

        upload, prepared = best_of(
            lambda: prepare_photo(SimpleUploadedFile("p", data), max_bytes=10**10, max_pixels=10**10), args.repeat,
        )
        decoded = Image.open(io.BytesIO(prepared.content))
        decoded.load()  # the pixels prepare_photo holds when it makes the thumbnail
        at_upload, _ = best_of(lambda: _thumbnail_jpeg(decoded), args.repeat)
        stored = Stored(storage.save(f"p.{prepared.extension}", io.BytesIO(prepared.content)))

        first = float("inf")
        for _ in range(args.repeat):
            storage.delete(thumbnail_name(stored.name))  # as for a photo stored before thumbnails were kept
            started = time.process_time()
            content = view(stored)
            first = min(first, time.process_time() - started)
        repeat, kept = best_of(lambda: view(stored), args.repeat)
        assert kept == content

        def plain():
            with storage.open(stored.name, "rb") as handle, Image.open(handle) as image:
                image.load()
                return image.resize((THUMBNAIL_SIDE, THUMBNAIL_SIDE * height // width))

        full, _ = best_of(plain, args.repeat)
        print(f"{fmt:<6} {len(prepared.content) / 1e6:>7.2f}MB {upload * 1000:>7.0f}ms {at_upload * 1000:>+10.1f}ms "
              f"{first * 1000:>9.1f}ms {repeat * 1000:>10.2f}ms {len(content) / 1e3:>9.1f}kB {full * 1000:>19.1f}ms")


if __name__ == "__main__":
    main()
