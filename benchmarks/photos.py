"""Photo thumbnails (`?size=thumbnail`, specialists.fieldwork.photos.thumbnail): the time to make one from a
stored photo of a phone camera's size, by stored format, against a plain full decode and resize.

    .venv/bin/python benchmarks/photos.py --repeat 10

The photos are made here, 4,000 x 3,000 pixels (a 12-megapixel phone camera) of noise over a
gradient so that they compress like a photograph rather than a flat colour, and re-encoded on
arrival as the API does (specialists.fieldwork.photos.prepare_photo), then stored in a temporary folder.
"""

import argparse
import io
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import best_of  # noqa: E402

SIZE = (4000, 3000)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    import numpy as np
    from django.core.files.storage import FileSystemStorage
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from specialists.fieldwork.photos import THUMBNAIL_SIDE, prepare_photo, thumbnail

    rng = np.random.default_rng(7)
    gradient = np.linspace(0, 200, SIZE[0], dtype=np.float32)[None, :, None].repeat(SIZE[1], 0).repeat(3, 2)
    pixels = np.clip(gradient + rng.normal(0, 25, (SIZE[1], SIZE[0], 3)), 0, 255).astype(np.uint8)
    source = Image.fromarray(pixels)
    storage = FileSystemStorage(location=tempfile.mkdtemp(prefix="tepai-photos-"))

    print(f"{'format':<6} {'stored':>10} {'thumbnail':>10} {'thumb size':>11} {'full decode + resize':>21}")
    for fmt in ("JPEG", "WEBP", "PNG"):
        raw = io.BytesIO()
        source.save(raw, fmt)
        prepared = prepare_photo(SimpleUploadedFile(f"p.{fmt.lower()}", raw.getvalue()), max_bytes=10**9, max_pixels=10**9)
        name = storage.save(f"p.{prepared.extension}", io.BytesIO(prepared.content))

        class Field:  # the FieldFile interface thumbnail() uses
            @staticmethod
            def open(mode):
                return storage.open(name, mode)

        made, content = best_of(lambda: thumbnail(Field), args.repeat)

        def plain():
            with storage.open(name, "rb") as handle, Image.open(handle) as image:
                image.load()
                return image.resize((THUMBNAIL_SIDE, THUMBNAIL_SIDE * SIZE[1] // SIZE[0]))

        full, _ = best_of(plain, args.repeat)
        print(f"{fmt:<6} {len(prepared.content) / 1e6:>8.2f}MB {made * 1000:>8.1f}ms {len(content) / 1e3:>9.1f}kB {full * 1000:>19.1f}ms")


if __name__ == "__main__":
    main()
