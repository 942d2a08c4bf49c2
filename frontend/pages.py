"""What every page shares: the language it is shown in, and who may open it.

`@page(Role.LEADER, ...)` is the one decorator a page view needs: it shows the page in the
language the person chose, sends anyone not signed in to the login page, and answers a person
without a role, or with another role, with a page saying so (403).
"""

import functools

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django.utils import translation
from django.utils.translation.trans_real import get_supported_language_variant

from specialists.access.scope import scope_for


def page_language(request):
    """The language a page is shown in: the one chosen with the language switch, else Chinese.

    LocaleMiddleware gives every path outside i18n_patterns the default language, and the pages
    stay outside them so that their addresses never change; so the pages read the switch's cookie
    themselves. A browser's Accept-Language is not consulted: Chinese is the default here.
    """
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    try:
        return get_supported_language_variant(chosen) if chosen else settings.LANGUAGE_CODE
    except LookupError:
        return settings.LANGUAGE_CODE


def in_page_language(view):
    """Run the view, and render its response, in the page's language."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        language = page_language(request)
        with translation.override(language):
            request.LANGUAGE_CODE = language
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()  # a TemplateResponse renders late, after the override ends
        # LocaleMiddleware only sets the header when the response has none.
        response.headers.setdefault("Content-Language", language)
        return response

    return wrapper


def page(*roles):
    """A page for signed-in people with one of `roles` (UserRole.Role values)."""

    def decorate(view):
        @in_page_language
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            scope = scope_for(request.user)
            if not scope.has_access:
                return render(request, "frontend/no_access.html", {"reason": "no_role"}, status=403)
            if scope.role not in roles:
                return render(request, "frontend/no_access.html", {"reason": "wrong_role"}, status=403)
            request.scope = scope
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
