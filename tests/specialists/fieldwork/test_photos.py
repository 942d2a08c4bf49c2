"""Photos of service logs: accepted by content, bounded before decoding, stored once and without metadata,
with a thumbnail made once and kept beside them."""

import io
import struct
import uuid
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from PIL import ExifTags, Image, ImageFile

from specialists.fieldwork.models import ServiceLogPhoto
from specialists.fieldwork.photos import open_thumbnail, thumbnail_name
from specialists.fieldwork.service_logs import ServiceLogPhotoConflict, service_log_photo_add
from tests import factories as f
from tests.concurrency import at_once

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages", "media")]

LOG_UUID = uuid.UUID("0b7f3c52-8a4e-4d8e-9b61-2f5d3c9a1e44")
PHOTO_UUID = uuid.UUID("d2a9e6f1-5c3b-4a7e-8f10-6b4c2d8e9a37")


@pytest.fixture
def log():
    return f.make_service_log(uuid=LOG_UUID)


def camera_exif(orientation=1):
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Huawei"
    exif[ExifTags.Base.Model] = "P60"
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (32.0, 57.0, 18.0),
        ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: (117.0, 12.0, 18.0),
    }
    return exif


def image_bytes(fmt, size=(64, 48), **save):
    out = io.BytesIO()
    Image.new("RGB", size, (30, 120, 40)).save(out, fmt, **save)
    return out.getvalue()


def upload(data, name="photo.jpg"):
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def image_errors(log, data, name="photo.jpg"):
    with pytest.raises(ValidationError) as caught:
        service_log_photo_add(log=log, uuid=PHOTO_UUID, upload=upload(data, name))
    assert ServiceLogPhoto.objects.count() == 0
    return caught.value.message_dict


def zero_png(width, height):
    """A real, complete PNG of all-black pixels, 1 bit each: tiny once compressed, huge once decoded."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte, then the row's bits
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def stored_files(media):
    return sorted(str(path.relative_to(media)) for path in media.rglob("*") if path.is_file())


def test_a_jpeg_is_stored_re_encoded_without_its_location_and_camera(log, media):
    original = image_bytes("JPEG", exif=camera_exif())
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test's premise

    photo, created = service_log_photo_add(log=log, uuid=PHOTO_UUID, upload=upload(original))

    assert created is True
    photo.refresh_from_db()
    assert photo.image.name == f"logs/{LOG_UUID}/{PHOTO_UUID}.jpg"
    assert stored_files(media) == [f"logs/{LOG_UUID}/{PHOTO_UUID}.jpg", f"logs/{LOG_UUID}/{PHOTO_UUID}.thumbnail.jpg"]
    assert (photo.format, photo.width, photo.height) == ("jpeg", 64, 48)
    stored_bytes = (media / photo.image.name).read_bytes()
    assert photo.size_bytes == len(stored_bytes)
    assert stored_bytes != original
    stored = Image.open(io.BytesIO(stored_bytes))
    assert (stored.format, stored.size) == ("JPEG", (64, 48))
    assert dict(stored.getexif()) == {}
    assert "exif" not in stored.info
    assert b"Huawei" not in stored_bytes


@pytest.mark.parametrize(("fmt", "extension", "stored_format"), [("PNG", "png", "PNG"), ("WEBP", "webp", "WEBP")])
def test_png_and_webp_are_told_by_content_not_by_name(log, media, fmt, extension, stored_format):
    original = image_bytes(fmt, size=(40, 30), exif=camera_exif())

    photo, _ = service_log_photo_add(log=log, uuid=PHOTO_UUID, upload=upload(original, name="photo.jpg"))

    assert photo.image.name == f"logs/{LOG_UUID}/{PHOTO_UUID}.{extension}"
    assert (photo.format, photo.width, photo.height) == (extension, 40, 30)
    stored = Image.open(media / photo.image.name)
    assert (stored.format, stored.size) == (stored_format, (40, 30))
    assert dict(stored.getexif()) == {}


def test_the_exif_orientation_is_applied_before_it_is_dropped(log, media):
    # Orientation 6: the camera was turned a quarter; the picture is shown rotated 90° clockwise.
    original = image_bytes("JPEG", size=(64, 48), exif=camera_exif(orientation=6))

    photo, _ = service_log_photo_add(log=log, uuid=PHOTO_UUID, upload=upload(original))

    assert (photo.width, photo.height) == (48, 64)
    stored = Image.open(media / photo.image.name)
    assert stored.size == (48, 64)
    assert ExifTags.Base.Orientation not in stored.getexif()


def test_a_retried_upload_returns_the_stored_photo(log, media):
    original = image_bytes("JPEG")
    first, _ = service_log_photo_add(log=log, uuid=PHOTO_UUID, upload=upload(original))

    again, created = service_log_photo_add(log=log, uuid=PHOTO_UUID, upload=upload(original))

    assert (again.pk, created) == (first.pk, False)
    assert ServiceLogPhoto.objects.count() == 1
    assert stored_files(media) == [f"logs/{LOG_UUID}/{PHOTO_UUID}.jpg", f"logs/{LOG_UUID}/{PHOTO_UUID}.thumbnail.jpg"]


def test_the_same_uuid_with_another_image_is_a_conflict(log, media):
    service_log_photo_add(log=log, uuid=PHOTO_UUID, upload=upload(image_bytes("JPEG")))

    with pytest.raises(ServiceLogPhotoConflict) as caught:
        service_log_photo_add(log=log, uuid=PHOTO_UUID, upload=upload(image_bytes("JPEG", size=(65, 48))))

    assert str(caught.value) == f"A photo with UUID {PHOTO_UUID} is already stored with a different image."
    assert ServiceLogPhoto.objects.get().width == 64
    assert stored_files(media) == [f"logs/{LOG_UUID}/{PHOTO_UUID}.jpg", f"logs/{LOG_UUID}/{PHOTO_UUID}.thumbnail.jpg"]


def test_the_same_uuid_on_another_log_is_a_conflict(log):
    original = image_bytes("JPEG")
    service_log_photo_add(log=log, uuid=PHOTO_UUID, upload=upload(original))

    with pytest.raises(ServiceLogPhotoConflict):
        service_log_photo_add(log=f.make_service_log(), uuid=PHOTO_UUID, upload=upload(original))

    assert ServiceLogPhoto.objects.get().log == log


def test_a_text_file_named_jpg_is_refused(log, media):
    assert image_errors(log, b"not a photo, only text\n" * 20) == {
        "image": ["The file is not an image; send a JPEG, PNG or WebP photo."],
    }
    assert stored_files(media) == []


def test_a_gif_is_refused(log):
    assert image_errors(log, image_bytes("GIF"), name="photo.gif") == {
        "image": ["GIF images are not accepted; send a JPEG, PNG or WebP photo."],
    }


def test_a_truncated_jpeg_is_refused_as_damaged(log):
    whole = image_bytes("JPEG", size=(256, 256))

    assert image_errors(log, whole[: len(whole) // 2]) == {
        "image": ["The image could not be read; it may be damaged or incomplete."],
    }


def test_a_file_over_the_byte_limit_is_refused(log, settings):
    original = image_bytes("JPEG")
    settings.TEPAI_PHOTO_MAX_BYTES = len(original) - 1

    assert image_errors(log, original) == {
        "image": [f"The photo is {len(original)} bytes; at most {len(original) - 1} bytes are allowed."],
    }


def test_a_stream_that_declares_no_size_is_cut_off_at_the_limit(log, settings):
    original = image_bytes("JPEG")
    settings.TEPAI_PHOTO_MAX_BYTES = len(original) - 1

    with pytest.raises(ValidationError) as caught:
        service_log_photo_add(log=log, uuid=PHOTO_UUID, upload=io.BytesIO(original))

    assert caught.value.message_dict == {
        "image": [f"The photo is more than {len(original) - 1} bytes; at most {len(original) - 1} bytes are allowed."],
    }


def test_a_file_at_the_byte_limit_is_accepted(log, settings):
    original = image_bytes("JPEG")
    settings.TEPAI_PHOTO_MAX_BYTES = len(original)

    photo, created = service_log_photo_add(log=log, uuid=PHOTO_UUID, upload=upload(original))

    assert created is True


@pytest.fixture
def decoding_watch(monkeypatch):
    """Records every pixel decode, which a refused image must never reach."""
    loads = []

    def refuse(self, *args, **kwargs):
        loads.append(self.size)
        raise AssertionError("pixels decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)
    monkeypatch.setattr(Image.Image, "load", refuse)
    return loads


@pytest.mark.parametrize(
    ("width", "height"),
    [
        (20_000, 20_000),  # 400 megapixels: past Pillow's own decompression-bomb guard as well
        (8_000, 8_000),  # 64 megapixels: under Pillow's guard, over Tepai's 40 megapixel limit
    ],
)
def test_a_decompression_bomb_is_refused_before_decoding(log, decoding_watch, width, height):
    bomb = zero_png(width, height)
    assert len(bomb) < 200_000  # small on the wire: only the declared size gives it away

    assert image_errors(log, bomb, name="bomb.png") == {
        "image": ["The photo has too many pixels; at most 40000000 (width × height) are allowed."],
    }
    assert decoding_watch == []


def test_the_pixel_limit_is_a_setting(log, settings):
    settings.TEPAI_PHOTO_MAX_PIXELS = 64 * 48 - 1

    assert list(image_errors(log, image_bytes("JPEG", size=(64, 48)))) == ["image"]


# --- thumbnails: made once, kept beside the photo ------------------------------------------------

@pytest.fixture
def decodes(monkeypatch):
    return count_decodes(monkeypatch)


def count_decodes(monkeypatch):
    """The size of every image whose pixels are decoded from its file, in order (nothing is refused)."""
    seen = []
    load = ImageFile.ImageFile.load

    def counting(self, *args, **kwargs):
        if self.tile:  # pixels still to be read: this call decodes them
            seen.append(self.size)
        return load(self, *args, **kwargs)

    monkeypatch.setattr(ImageFile.ImageFile, "load", counting)
    return seen


def thumbnail_path(media, photo):
    return media / thumbnail_name(photo.image.name)


def old_photo(log, data, fmt="jpeg"):
    """A photo stored before thumbnails were kept: its row and its file, and no thumbnail."""
    photo = f.make_service_log_photo(log=log, format=fmt)
    photo.image.storage.save(photo.image.name, ContentFile(data))
    return photo


def test_the_thumbnail_is_kept_beside_the_photo_at_upload_from_the_pixels_already_decoded(log, media, decodes):
    photo, _ = service_log_photo_add(log=log, uuid=PHOTO_UUID, upload=upload(image_bytes("JPEG", size=(1600, 1200))))

    assert decodes == [(1600, 1200)]  # the upload's one decode serves the photo and its thumbnail
    assert thumbnail_name(photo.image.name) == f"logs/{LOG_UUID}/{PHOTO_UUID}.thumbnail.jpg"
    small = Image.open(thumbnail_path(media, photo))
    assert (small.format, small.size) == ("JPEG", (320, 240))


def test_a_kept_thumbnail_is_opened_without_decoding_anything(log, media, decodes):
    photo, _ = service_log_photo_add(log=log, uuid=PHOTO_UUID, upload=upload(image_bytes("PNG", size=(900, 300))))
    decodes.clear()

    with open_thumbnail(photo.image) as opened:
        sent = opened.read()

    assert decodes == []
    assert sent == thumbnail_path(media, photo).read_bytes()


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_a_photo_stored_before_thumbnails_gets_one_on_its_first_view_only(log, media, decodes, fmt):
    photo = old_photo(log, image_bytes(fmt, size=(900, 300)), fmt=fmt.lower())

    with open_thumbnail(photo.image) as opened:
        first = opened.read()
    with open_thumbnail(photo.image) as opened:
        second = opened.read()

    assert len(decodes) == 1  # a JPEG's at a fraction of its size (draft)
    assert first == second == thumbnail_path(media, photo).read_bytes()
    assert Image.open(io.BytesIO(first)).size == (320, 107)


def test_a_thumbnail_gone_from_storage_is_made_again(log, media, decodes):
    photo, _ = service_log_photo_add(log=log, uuid=PHOTO_UUID, upload=upload(image_bytes("JPEG", size=(640, 480))))
    thumbnail_path(media, photo).unlink()
    decodes.clear()

    with open_thumbnail(photo.image) as opened:
        sent = opened.read()

    assert len(decodes) == 1
    assert sent == thumbnail_path(media, photo).read_bytes()


def test_no_thumbnail_of_a_photo_whose_file_is_gone(log, media):
    photo = f.make_service_log_photo(log=log)  # the row only

    with pytest.raises(OSError):
        open_thumbnail(photo.image)
    assert stored_files(media) == []


def test_first_views_at_once_keep_one_whole_thumbnail(log, media):
    photo = old_photo(log, image_bytes("PNG", size=(1200, 900)), fmt="png")
    # One row object per view, as each request reads its own.
    images = [ServiceLogPhoto.objects.get(pk=photo.pk).image for _ in range(5)]

    def view(i):
        with open_thumbnail(images[i]) as opened:
            return opened.read()

    results, failures = at_once(5, view)

    assert failures == []
    assert len(set(results)) == 1
    assert stored_files(media) == [photo.image.name, thumbnail_name(photo.image.name)]  # no temporary file left
    assert thumbnail_path(media, photo).read_bytes() == results[0]


def grey_16_bit_png(size=(400, 300), level=30_000):
    out = io.BytesIO()
    Image.new("I;16", size, level).save(out, "PNG")
    return out.getvalue()


def palette_png_with_transparency(size=(400, 300)):
    image = Image.new("P", size, 0)
    image.putpalette([255, 0, 0, 0, 0, 255])
    image.paste(1, (0, 0, size[0] // 2, size[1]))  # left half blue, right half index 0: transparent
    out = io.BytesIO()
    image.save(out, "PNG", transparency=0)
    return out.getvalue()


@pytest.mark.parametrize(("data", "left", "right"), [
    # 16-bit greys scaled to 8 bits (30,000 / 256 = 117), not clipped to white; Pillow cannot resize them as they are.
    (grey_16_bit_png(), (117, 117, 117), (117, 117, 117)),
    # A palette image's transparent part shown over white.
    (palette_png_with_transparency(), (0, 0, 255), (255, 255, 255)),
], ids=["16-bit-grey", "palette-transparent"])
@pytest.mark.parametrize("when", ["upload", "first-view"])
def test_a_png_of_any_mode_gets_a_thumbnail(log, media, data, left, right, when):
    if when == "upload":
        photo, _ = service_log_photo_add(log=log, uuid=PHOTO_UUID, upload=upload(data, "photo.png"))
        sent = thumbnail_path(media, photo).read_bytes()
    else:
        with open_thumbnail(old_photo(log, data, fmt="png").image) as opened:
            sent = opened.read()

    small = Image.open(io.BytesIO(sent))
    assert (small.format, small.size) == ("JPEG", (320, 240))
    # JPEG blurs a little: within a few levels, away from the middle where the halves meet.
    for x, expected in ((40, left), (280, right)):
        assert all(abs(got - want) <= 4 for got, want in zip(small.convert("RGB").getpixel((x, 120)), expected, strict=True))


# --- at the same time, on PostgreSQL ------------------------------------------------------------

@pytest.mark.services("postgresql")
@pytest.mark.django_db(transaction=True)
def test_five_simultaneous_uploads_of_one_photo_store_one_row_and_one_file(media):
    log = f.make_service_log(uuid=LOG_UUID)
    original = image_bytes("JPEG", size=(640, 480))

    results, failures = at_once(5, lambda i: service_log_photo_add(log=log, uuid=PHOTO_UUID, upload=upload(original)))

    assert failures == []
    stored = ServiceLogPhoto.objects.get()
    assert {photo.pk for photo, _ in results} == {stored.pk}
    assert sorted(created for _, created in results) == [False, False, False, False, True]
    # The losers' files, each under a name of its own, are gone: the winner's photo and its thumbnail remain.
    assert stored_files(media) == sorted([stored.image.name, thumbnail_name(stored.image.name)])
    assert connection.vendor == "postgresql"


@pytest.mark.services("postgresql")
@pytest.mark.django_db(transaction=True)
def test_simultaneous_uploads_of_different_photos_stop_at_the_limit(media):
    from specialists.fieldwork.service_logs import MAX_PHOTOS

    log = f.make_service_log(uuid=LOG_UUID)
    for _ in range(MAX_PHOTOS - 2):
        f.make_service_log_photo(log=log)  # rows only: no files
    photos = [(uuid.uuid4(), image_bytes("JPEG", size=(64 + i, 48))) for i in range(5)]

    results, failures = at_once(5, lambda i: service_log_photo_add(log=log, uuid=photos[i][0], upload=upload(photos[i][1])))

    assert len(results) == 2
    assert len(failures) == 3 and all(isinstance(error, ValidationError) and error.error_dict["image"][0].code == "too_many"
                                       for error in failures), failures
    assert ServiceLogPhoto.objects.filter(log=log).count() == MAX_PHOTOS
    # Only the two stored photos' files and thumbnails: the refused ones removed theirs.
    stored = [photo.image.name for photo, _ in results]
    assert stored_files(media) == sorted([*stored, *(thumbnail_name(name) for name in stored)])
    assert connection.vendor == "postgresql"
