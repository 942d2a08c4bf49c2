"""The API's parsers: JSON bodies are read through here (REST_FRAMEWORK's DEFAULT_PARSER_CLASSES), so what
it refuses, every JSON endpoint refuses, before sign-in too.

JSON. A body nested deeper than JSON_MAX_DEPTH is refused (400, `too_deep`) before it is parsed: json.loads,
the serializers that walk the data and the error handler that flattens their errors all recurse once per
level, so a body nested a few thousand deep (`[[[[...]]]]`, a few kilobytes) would exhaust Python's recursion
and answer a 500. The depth is counted on the text, brackets outside strings, in linear time.

Uploads. A multipart body too large for its file is refused (413) before a byte of it is read.
Django's MultiPartParser spools each file to memory or a temporary file before the view sees it, so the
services' own size check (specialists.fieldwork.photos.read_upload) comes only after the whole body has been
received and written out. The request declares its length (CONTENT_LENGTH) up front: when that is more
than the file's limit plus room for the form's other parts, the file cannot fit, and the request is
answered unread. A body declaring less is parsed as usual, and the services still check the file's
exact size. DRF parses when the body is first read: in the view, or in SessionAuthentication's CSRF
check, before the view; either way through here.
"""

import codecs
import re
from itertools import accumulate

from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils import json

from api.exceptions import NestedTooDeep, PayloadTooLarge

# How deeply a JSON body may nest arrays and objects (`[]` and `{}` are 1 deep, `{"location": {}}` 2).
# No Tepai request nests more than 2 (a service log's location); a few dozen leaves room for any request
# to come while staying far below Python's recursion limit (1,000 frames, shared with the whole stack).
JSON_MAX_DEPTH = 32

# A JSON string, so that the brackets inside it are not counted. One left open runs to the end of the
# text: matched once, never retried from each later quote (which would take quadratic time).
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_BRACKET_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def json_depth(text):
    """How deeply `text` nests JSON arrays and objects: the most brackets open at once outside strings.
    At least the depth json.loads would recurse to, for valid and malformed text alike."""
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    return max(accumulate(map(_BRACKET_STEP.__getitem__, brackets)), default=0)


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing a body nested deeper than JSON_MAX_DEPTH before parsing it."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        try:
            text = codecs.getreader(encoding)(stream).read()
        except ValueError as exc:  # not in the declared charset
            raise ParseError(f"JSON parse error - {exc}") from None
        if json_depth(text) > JSON_MAX_DEPTH:
            raise NestedTooDeep(gettext("The data sent is nested more than %(max)s levels deep; at most %(max)s levels are allowed.")
                                % {"max": JSON_MAX_DEPTH})
        try:
            return json.loads(text, parse_constant=json.strict_constant if self.strict else None)
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None


# Room for the form's parts besides the file: its UUID, the boundaries and each part's headers (the
# file's name among them, of any length a phone is likely to send).
MULTIPART_OVERHEAD_BYTES = 64 * 1024


def declared_length(request):
    """The body's length as the request declares it; 0 when it declares none (or nonsense)."""
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


class LimitedMultiPartParser(parsers.MultiPartParser):
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
