"""The API's parsers (REST_FRAMEWORK's DEFAULT_PARSER_CLASSES, and the upload actions' multipart ones): what
they refuse, every endpoint refuses, before sign-in too. (The upload actions also take a form-encoded body
through DRF's own FormParser; it can carry only their `uuid`, which a UUIDField refuses with a NUL in it.)

JSON. A body nested deeper than JSON_MAX_DEPTH is refused (400, `too_deep`) before it is parsed: json.loads,
the serializers that walk the data and the error handler that flattens their errors all recurse once per
level, so a body nested a few thousand deep (`[[[[...]]]]`, a few kilobytes) would exhaust Python's recursion
and answer a 500. The depth is counted on the text, brackets outside strings, in linear time.

NUL. A NUL character in any value of a JSON or form body (a key or a value, at any depth) answers 400
naming where it is (`village`, `counties.0`): PostgreSQL's text cannot hold one, and a field that looks a
row up by the string (SlugRelatedField) would send it to the database, a 500. DRF's CharField refuses it
already, with the same message; this refuses it for every field, whatever its type. Uploaded files are
bytes, not text, and are not looked at (Django drops unprintable characters from their names).

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
from django.http import QueryDict
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils import json

from api.exceptions import NUL, NestedTooDeep, PayloadTooLarge, nul_refused

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


def _nul_paths(data, path=""):
    """The dotted path of every key or value in parsed JSON (or a form's QueryDict) that holds a NUL.
    Recursive: only ever called on data no deeper than JSON_MAX_DEPTH."""
    if isinstance(data, QueryDict):
        return [key for key, values in data.lists() if NUL in key or any(NUL in value for value in values)]
    if isinstance(data, str):
        return [path] if NUL in data else []
    if isinstance(data, dict):
        items = data.items()
    elif isinstance(data, list):
        items = enumerate(data)
    else:
        return []
    found = []
    for key, value in items:
        child = f"{path}.{key}" if path else str(key)
        found += [child] if NUL in str(key) else _nul_paths(value, child)
    return found


def refuse_nul(data):
    """`data`, unless a value (or key) in it holds a NUL: then the 400 naming each one."""
    paths = _nul_paths(data)
    if paths:
        raise nul_refused(paths)
    return data


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing a body nested deeper than JSON_MAX_DEPTH before parsing it, and any NUL."""

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
            data = json.loads(text, parse_constant=json.strict_constant if self.strict else None)
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        return refuse_nul(data)


class FormParser(parsers.FormParser):
    """DRF's form parser, refusing any NUL."""

    def parse(self, stream, media_type=None, parser_context=None):
        return refuse_nul(super().parse(stream, media_type, parser_context))


class MultiPartParser(parsers.MultiPartParser):
    """DRF's multipart parser, refusing any NUL in the form's fields (not its files)."""

    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        refuse_nul(parsed.data)
        return parsed


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


class ImportParser(LimitedMultiPartParser):
    """A file to import (`file`): TEPAI_IMPORT_MAX_BYTES."""

    max_bytes_setting = "TEPAI_IMPORT_MAX_BYTES"
    too_large = _("The file is more than %(max)s bytes; at most %(max)s bytes are allowed.")
