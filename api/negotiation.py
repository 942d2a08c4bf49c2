"""Content negotiation that also picks the response language from Accept-Language.

LocaleMiddleware cannot do it for the API: with `prefix_default_language=False` it gives every
path without a language prefix the default language and ignores Accept-Language. HTTP content
negotiation covers the language as well as the media type, and DRF negotiates first thing in every
view (before authentication, permissions and parsing), so every message the view makes, errors
included, comes out in the negotiated language. zh-hans when the header names nothing we have.
"""

from django.conf import settings
from django.utils import translation
from django.utils.translation.trans_real import (
    get_supported_language_variant,
    parse_accept_lang_header,
)
from rest_framework.negotiation import DefaultContentNegotiation


def language_from_accept(header):
    for code, _quality in parse_accept_lang_header(header or ""):
        if code == "*":
            break
        try:
            return get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


def activate_request_language(request):
    """Activate the language the request's Accept-Language asks for, for the rest of the request."""
    language = language_from_accept(request.META.get("HTTP_ACCEPT_LANGUAGE"))
    translation.activate(language)
    request.LANGUAGE_CODE = language
    return language


class LanguageContentNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        activate_request_language(request)
        return super().select_renderer(request, renderers, format_suffix)
