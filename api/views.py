"""The API's site-level views: its 404 in the one error shape, and the last route for unknown paths."""

from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions

from api.exceptions import error_body
from api.negotiation import language_from_accept


def not_found(request, exception=None):
    """The site's 404 handler: an unknown /api/ path answers in the API's error shape, others as pages."""
    if not request.path.startswith("/api/"):
        return defaults.page_not_found(request, exception)
    with translation.override(language_from_accept(request.headers.get("Accept-Language"))):
        return JsonResponse(error_body("not_found", exceptions.NotFound.default_detail), status=404)


@csrf_exempt
def unknown_api_path(request, rest=""):
    """The last API route: a path no other route takes answers the JSON 404, under DEBUG too (where
    Django would answer its HTML page). A route's address given without its final slash is
    redirected to it for GET and HEAD, as APPEND_SLASH would; any other method answers 404 naming
    the address, since a redirect would lose the body. Exempt from CSRF, which would otherwise
    refuse a POST here with an HTML 403."""
    if not request.path.endswith("/"):
        with_slash = request.path + "/"
        try:
            match = resolve(with_slash)
        except Resolver404:
            match = None
        if match is not None and match.url_name != "not-found":
            if request.method in ("GET", "HEAD"):
                query = request.META.get("QUERY_STRING", "")
                return HttpResponsePermanentRedirect(with_slash + ("?" + query if query else ""))
            with translation.override(language_from_accept(request.headers.get("Accept-Language"))):
                message = _("No such address: the address ends with a slash, %(path)s.") % {"path": with_slash}
                return JsonResponse(error_body("not_found", message), status=404)
    return not_found(request)
