"""Photos from phones: accepted by content, bounded before decoding, re-encoded without metadata.

A photo is judged by its bytes, never by its name. Its size in bytes is checked before it is
read, and its pixel count from the header before a single pixel is decoded, so a decompression
bomb (a small file declaring huge dimensions) costs a header parse. Pillow's own bomb guard
(Image.MAX_IMAGE_PIXELS) is left at its process-wide default, since changing it would affect every
other image Tepai opens; its DecompressionBombError is caught and reported like our own limit.
Re-encoding drops EXIF (with its GPS position, camera make, model and serial), XMP and text chunks;
the EXIF orientation is applied first, so the photo still shows the right way up.

A photo's thumbnail, for pages that show many at once, is made once and kept beside it
(thumbnail_name): at upload from the pixels already decoded, or, for a photo stored without one,
on its first view (open_thumbnail). A view of a kept thumbnail decodes nothing.
"""

import io
import logging
import posixpath
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from specialists.idempotency import file_fingerprint, store_derived

logger = logging.getLogger(__name__)

# Pillow's format name -> (stored format, file extension).
ACCEPTED = {"JPEG": ("jpeg", "jpg"), "PNG": ("png", "png"), "WEBP": ("webp", "webp")}
JPEG_QUALITY = 85
WEBP_QUALITY = 85
# Info entries that describe how pixels look, not where or with what they were taken.
_KEPT_INFO = ("icc_profile", "transparency")


@dataclass(frozen=True)
class PreparedPhoto:
    content: bytes
    format: str
    extension: str
    width: int
    height: int
    fingerprint: str  # SHA-256 of the bytes as uploaded, to recognise a retried upload
    thumbnail: bytes | None = None  # the thumbnail JPEG, when prepare_photo was asked for it


def _error(message, code, field="image", **params):
    return ValidationError({field: ValidationError(message, code=code, params=params or None)})


def _too_large_messages(field):
    # Named for what the field holds: a photo, or any evidence file (achievements).
    if field == "image":
        return (_("The photo is %(size)s bytes; at most %(max)s bytes are allowed."),
                _("The photo is more than %(max)s bytes; at most %(max)s bytes are allowed."))
    return (_("The file is %(size)s bytes; at most %(max)s bytes are allowed."),
            _("The file is more than %(max)s bytes; at most %(max)s bytes are allowed."))


def read_upload(upload, *, max_bytes: int, field: str = "image") -> bytes:
    """The upload's bytes, refusing it (ValidationError on `field`, code too_large) before reading
    when it declares more than max_bytes, and after reading one byte more when it declared nothing."""
    declared_too_large, read_too_large = _too_large_messages(field)
    declared = getattr(upload, "size", None)
    if declared is not None and declared > max_bytes:
        raise _error(declared_too_large, "too_large", field, size=declared, max=max_bytes)
    if hasattr(upload, "seek"):
        upload.seek(0)
    # One byte more than allowed tells an over-long stream that declared no size.
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise _error(read_too_large, "too_large", field, max=max_bytes)
    return data


def prepare_photo(upload, *, max_bytes: int, max_pixels: int, with_thumbnail: bool = False) -> PreparedPhoto:
    """Check an uploaded photo and re-encode it in its own format, without metadata; with_thumbnail
    also makes its thumbnail JPEG from the same decoded pixels (a resize, no second decode).

    Raises ValidationError on the field `image` (codes not_image, unsupported_format, too_large,
    too_many_pixels, damaged).
    """
    data = read_upload(upload, max_bytes=max_bytes)
    too_many_pixels = (
        _("The photo has too many pixels; at most %(max)s (width × height) are allowed."), "too_many_pixels",
    )
    try:
        with warnings.catch_warnings():
            # Pillow warns between its two thresholds; our own limit below decides instead.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError:
        raise _error(*too_many_pixels, max=max_pixels) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise _error(_("The file is not an image; send a JPEG, PNG or WebP photo."), "not_image") from None

    if image.format not in ACCEPTED:
        raise _error(
            _("%(format)s images are not accepted; send a JPEG, PNG or WebP photo."), "unsupported_format", format=image.format,
        )
    width, height = image.size
    if width * height > max_pixels:
        raise _error(*too_many_pixels, max=max_pixels)

    stored_format, extension = ACCEPTED[image.format]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            # The first decode of the pixels happens here, after every check above.
            upright = ImageOps.exif_transpose(image)
        content = _encode(upright, image.format)
        small = _thumbnail_jpeg(upright) if with_thumbnail else None
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise _error(_("The image could not be read; it may be damaged or incomplete."), "damaged") from None
    return PreparedPhoto(
        content=content, format=stored_format, extension=extension, width=upright.width, height=upright.height,
        fingerprint=file_fingerprint(data), thumbnail=small,
    )


def _encode(image: Image.Image, pillow_format: str) -> bytes:
    # Dropping the info mapping leaves nothing (EXIF, XMP, PNG text, comments) for a writer to copy.
    image.info = {key: value for key, value in image.info.items() if key in _KEPT_INFO}
    out = io.BytesIO()
    if pillow_format == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, "JPEG", quality=JPEG_QUALITY, exif=b"")
    elif pillow_format == "PNG":
        image.save(out, "PNG")
    else:
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA" if "A" in image.getbands() or "transparency" in image.info else "RGB")
        image.save(out, "WEBP", quality=WEBP_QUALITY, exif=b"", xmp=b"")
    return out.getvalue()


THUMBNAIL_SIDE = 320  # pixels, the longer side: sharp at the dashboard's 48 px on any screen, a few kilobytes
THUMBNAIL_QUALITY = 75


def _thumbnail_jpeg(image: Image.Image) -> bytes:
    """A decoded image (left as it is) as a JPEG of at most THUMBNAIL_SIDE pixels on its longer side,
    never enlarged, transparency shown over white."""
    if image.mode == "1" or image.mode.startswith("I;16") or image.mode == "I":
        # Greys of 1 or 16 bits as 8-bit greys (16-bit ones scaled, not clipped to white); Pillow
        # cannot resize 16-bit images at all.
        image = image.convert("L") if image.mode == "1" else image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    elif image.mode not in ("RGB", "L", "RGBA", "LA"):
        # Palette, CMYK and the rest resized in full colour (a palette image would be resized by its nearest pixel).
        image = image.convert("RGBA" if "A" in image.getbands() or "transparency" in image.info else "RGB")
    width, height = image.size
    scale = min(1.0, THUMBNAIL_SIDE / max(width, height))
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    # As Image.thumbnail does: reduce by a whole factor first, then resample, for speed on large photos.
    small = image.resize(size, Image.Resampling.BICUBIC, reducing_gap=2.0) if size != image.size else image
    if small.mode in ("RGBA", "LA"):
        flat = Image.new("RGB", small.size, (255, 255, 255))
        flat.paste(small.convert("RGBA"), mask=small.getchannel("A"))
        small = flat
    out = io.BytesIO()
    small.save(out, "JPEG", quality=THUMBNAIL_QUALITY)
    return out.getvalue()


def thumbnail(stored) -> bytes:
    """A stored photo (a FieldFile, checked and re-encoded on arrival) as its thumbnail JPEG, made
    now: a JPEG is decoded at a fraction of its size (draft), PNG and WebP in full. OSError when the
    file is gone or cannot be read. Views use open_thumbnail, which keeps what this makes."""
    with stored.open("rb") as source, Image.open(source) as image:
        image.draft("RGB", (THUMBNAIL_SIDE, THUMBNAIL_SIDE))
        return _thumbnail_jpeg(image)


def thumbnail_name(photo_name: str) -> str:
    """Where the thumbnail of the photo stored as `photo_name` is kept: beside it, named after it
    (`logs/<log>/<photo>.jpg` -> `logs/<log>/<photo>.thumbnail.jpg`). Derived from the name the
    photo was stored under, so that two uploads of one UUID that raced (each stored under a name of
    its own) never share a thumbnail; no photo is ever stored under such a name."""
    return f"{posixpath.splitext(photo_name)[0]}.thumbnail.jpg"


def keep_thumbnail(stored, content: bytes) -> None:
    """Keep `content` as the thumbnail of a stored photo (a FieldFile), replacing any there. OSError
    when the storage cannot write it."""
    store_derived(stored.storage, thumbnail_name(stored.name), content)


def open_thumbnail(stored) -> File:
    """The thumbnail of a stored photo (a FieldFile), open for reading: the one kept beside it or,
    when there is none (a photo stored before thumbnails were kept, a thumbnail removed from
    storage), one made now and kept for the next view. Two first views at once both make it, and
    either one's file is kept whole (store_derived). OSError when the photo itself is gone or unreadable."""
    name = thumbnail_name(stored.name)
    try:
        return stored.storage.open(name, "rb")
    except OSError:
        pass  # none kept yet: made below
    content = thumbnail(stored)
    try:
        keep_thumbnail(stored, content)
    except OSError:
        # Sent all the same; the next view tries again.
        logger.warning("Could not keep the thumbnail of %s", stored.name, exc_info=True)
    return ContentFile(content, name=name)
