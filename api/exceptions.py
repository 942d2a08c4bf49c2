"""One JSON error shape for every API error: {"code", "message", "fields"}.

`message` is in the request's language (LocaleMiddleware reads Accept-Language; zh-hans by
default), `fields` maps each field (dotted for nested ones, `non_field_errors` for the whole
object) to its messages. Model validation (a business rule a model's clean() refuses) answers 422;
malformed input answers 400, with a message of our own rather than the parser's English. A body too
large to read (more data than DATA_UPLOAD_MAX_MEMORY_SIZE, more fields than DATA_UPLOAD_MAX_NUMBER_FIELDS,
more files than DATA_UPLOAD_MAX_NUMBER_FILES) answers 413, a query string with too many parameters 400:
Django raises those when DRF first reads `request.data` (in the view, or in SessionAuthentication's CSRF
check) or `query_params`, inside the view, so they reach this handler rather than Django's HTML 400 page.
A JSON body nested deeper than api.parsers.JSON_MAX_DEPTH answers 400 (`too_deep`), and a NUL character in
any value a request sends (body or query parameter) 400 (`invalid`) naming where it was.
"""

from django.conf import settings
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings

from villages.errors import Conflict as DomainConflict
from villages.errors import DomainError, NotAllowed
from villages.imports.plans import ImportRefused
from villages.errors import NotFound as DomainNotFound

NON_FIELD = api_settings.NON_FIELD_ERRORS_KEY


def error_body(code, message, fields=None):
    return {"code": code, "message": str(message), "fields": fields or {}}


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("The upload is too large.")
    default_code = "too_large"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("The request conflicts with what is stored.")
    default_code = "conflict"


class TooManyParameters(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "too_many_parameters"


class NestedTooDeep(exceptions.APIException):
    """Not a ParseError, whose message the handler replaces with "not valid JSON": the body may well be valid."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "too_deep"


# PostgreSQL's text cannot hold a NUL character: psycopg refuses to send one, and a query that carries
# one is a 500. SQLite stores it. Django's form fields and DRF's CharField refuse it with this message
# (Django's own, translated in Django's catalogue); the API refuses it with the same one wherever else a
# string comes in: the parsers (api.parsers) for bodies, api.filters for list parameters.
NUL = "\x00"
NUL_REFUSED = ProhibitNullCharactersValidator.message


def nul_refused(names):
    """The 400 naming each field or parameter (dotted for a nested one: `counties.0`) whose value holds a NUL."""
    return exceptions.ValidationError({name: [NUL_REFUSED] for name in names}, code=ProhibitNullCharactersValidator.code)


def _unreadable(exc, request):
    """The API's answer to a request Django refused to read: 413 for its body, 400 for its query string."""
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return PayloadTooLarge(_("The data sent is more than %(max)s bytes; at most %(max)s bytes are allowed (uploaded files aside).")
                               % {"max": limit})
    if isinstance(exc, TooManyFilesSent):
        limit = settings.DATA_UPLOAD_MAX_NUMBER_FILES
        return PayloadTooLarge(_("The request has more than %(max)s files; at most %(max)s are allowed.") % {"max": limit})
    limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    message = _("The request has more than %(max)s parameters; at most %(max)s are allowed.") % {"max": limit}
    # QueryDict counts the query string's fields as its "&"-separated pairs (urllib's parse_qsl).
    if request is not None and 1 + request.META.get("QUERY_STRING", "").count("&") > limit:
        return TooManyParameters(message)
    return PayloadTooLarge(message)


def _malformed(request):
    """DRF's parse errors are English and quote the parser ("JSON parse error - Expecting value: line 1
    column 2"): one message of our own instead, in the request's language, naming what the body was
    read as (the parser's media type, not the header's: "application/*" reaches the JSON parser too)."""
    parser = request.negotiator.select_parser(request, request.parsers) if hasattr(request, "negotiator") else None
    if parser is None:
        return exceptions.ParseError()
    return exceptions.ParseError(_("The request body is malformed: it is not valid %(media_type)s.") % {"media_type": parser.media_type})


def _flatten(detail, prefix=""):
    """DRF's nested error detail as {"field" or "parent.child" or "items.0.field": [messages]}."""
    if isinstance(detail, dict):
        out = {}
        for key, value in detail.items():
            key = NON_FIELD if key == NON_FIELD_ERRORS else str(key)
            out.update(_flatten(value, f"{prefix}.{key}" if prefix else key))
        return out
    if isinstance(detail, list) and any(isinstance(item, (dict, list)) for item in detail):
        out = {}
        for index, item in enumerate(detail):
            out.update(_flatten(item, f"{prefix}.{index}" if prefix else str(index)))
        return out
    items = detail if isinstance(detail, list) else [detail]
    return {prefix or NON_FIELD: [str(item) for item in items]}


def _too_large(error):
    """The message of an upload the services refused as too large (code too_large), or None."""
    found = [e for errors in getattr(error, "error_dict", {}).values() for e in errors if e.code == "too_large"]
    return found[0].messages[0] if found else None


def _validation_response(fields, status_code):
    non_field = fields.get(NON_FIELD)
    # A lone whole-object error is the clearest message there is; otherwise point at the fields.
    message = non_field[0] if non_field and len(fields) == 1 else _("Some of the data sent is not valid.")
    return Response(error_body("invalid", message, fields), status=status_code)


# The domain's refusals (villages.errors) by kind; a DomainError of no kind below is a rule's refusal (422).
DOMAIN_STATUS = ((DomainConflict, status.HTTP_409_CONFLICT), (NotAllowed, status.HTTP_403_FORBIDDEN),
                 (DomainNotFound, status.HTTP_404_NOT_FOUND))


def _domain_response(exc):
    """A DomainError as the API answers it: the status of its kind, its code and message, and its field when it names one.
    Only the service's message: a conflict's stored row may be another person's and is never shown."""
    code = next((code for kind, code in DOMAIN_STATUS if isinstance(exc, kind)), status.HTTP_422_UNPROCESSABLE_ENTITY)
    fields = {exc.field: [str(exc.message)]} if exc.field else {}
    body = error_body(exc.code, exc.message, fields)
    if isinstance(exc, ImportRefused):
        # Every refused row of a file, by row number and column (villages.imports.plans).
        body["problems"] = [problem.as_dict() for problem in exc.problems]
    return Response(body, status=code)


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return _domain_response(exc)
    if isinstance(exc, DjangoValidationError):
        too_large = _too_large(exc)
        if too_large is None:
            fields = _flatten(exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD: exc.messages})
            return _validation_response(fields, status.HTTP_422_UNPROCESSABLE_ENTITY)
        # A file over its limit (the services' code too_large): the request is too large, not invalid.
        exc = PayloadTooLarge(too_large)

    if isinstance(exc, (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)):
        exc = _unreadable(exc, context.get("request"))
    elif isinstance(exc, exceptions.ParseError):
        exc = _malformed(context.get("request"))
    elif isinstance(exc, Http404):
        # Django's message names the model ("No Village matches..."), is never translated, and
        # would differ between "does not exist" and "outside your scope": one message for both.
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        # A service's refusal says why (in the request's language); Django's bare one gets DRF's message.
        exc = exceptions.PermissionDenied(str(exc.args[0]) if exc.args and exc.args[0] else None)
    # Imported here: rest_framework.views reads REST_FRAMEWORK's parser classes as it loads, and ours
    # (api.parsers) import this module.
    from rest_framework.views import exception_handler as drf_exception_handler

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = _validation_response(_flatten(exc.detail), response.status_code).data
        return response

    detail = exc.detail
    if isinstance(detail, dict) and "detail" in detail:
        # simplejwt's token errors carry {"detail", "code", "messages"}.
        code, message = str(detail.get("code") or getattr(exc, "default_code", "error")), detail["detail"]
    else:
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else exc.default_code
        message = detail if not isinstance(detail, (list, dict)) else exc.default_detail
    response.data = error_body(code, message)
    return response
