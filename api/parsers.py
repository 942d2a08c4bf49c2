"""The uploads' parser: a multipart body too large for its file is refused (413) before a byte of it is read.

Django's MultiPartParser spools each file to memory or a temporary file before the view sees it, so the
services' own size check (specialists.fieldwork.photos.read_upload) comes only after the whole body has been
received and written out. The request declares its length (CONTENT_LENGTH) up front: when that is more
than the file's limit plus room for the form's other parts, the file cannot fit, and the request is
answered unread. A body declaring less is parsed as usual, and the services still check the file's
exact size. DRF parses when the body is first read: in the view, or in SessionAuthentication's CSRF
check, before the view; either way through here.
"""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework.parsers import MultiPartParser

from api.exceptions import PayloadTooLarge

# Room for the form's parts besides the file: its UUID, the boundaries and each part's headers (the
# file's name among them, of any length a phone is likely to send).
MULTIPART_OVERHEAD_BYTES = 64 * 1024


def declared_length(request):
    """The body's length as the request declares it; 0 when it declares none (or nonsense)."""
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


class LimitedMultiPartParser(MultiPartParser):
    """multipart/form-data carrying one file of at most `getattr(settings, max_bytes_setting)` bytes."""

    max_bytes_setting = None
    too_large = None  # a lazy message with %(max)s, in the words of the services' own refusal

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        limit = getattr(settings, self.max_bytes_setting)
        if request is not None and declared_length(request) > limit + MULTIPART_OVERHEAD_BYTES:
            raise PayloadTooLarge(self.too_large % {"max": limit})
        return super().parse(stream, media_type, parser_context)


class PhotoParser(LimitedMultiPartParser):
    """A service log's photo (`image`): TEPAI_PHOTO_MAX_BYTES."""

    max_bytes_setting = "TEPAI_PHOTO_MAX_BYTES"
    too_large = _("The photo is more than %(max)s bytes; at most %(max)s bytes are allowed.")


class EvidenceParser(LimitedMultiPartParser):
    """An achievement's evidence file (`file`): TEPAI_EVIDENCE_MAX_BYTES."""

    max_bytes_setting = "TEPAI_EVIDENCE_MAX_BYTES"
    too_large = _("The file is more than %(max)s bytes; at most %(max)s bytes are allowed.")
