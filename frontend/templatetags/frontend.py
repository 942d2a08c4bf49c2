"""The frame's template tags: `{% load frontend %}` then `{% site_nav %}` and `{% language_switch %}`."""

from django import template
from django.conf import settings

from frontend.navigation import nav_for

register = template.Library()

# Each language's name in itself, so that someone who cannot read the current language finds theirs.
_OWN_NAMES = {"zh-hans": "中文", "en": "English"}


@register.inclusion_tag("frontend/_nav.html", takes_context=True)
def site_nav(context):
    request = context["request"]
    return {"entries": nav_for(request.user, request.path)}


@register.inclusion_tag("frontend/_language_switch.html", takes_context=True)
def language_switch(context):
    request = context["request"]
    current = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
    return {
        "languages": [{"code": code, "name": _OWN_NAMES.get(code, code), "current": code == current} for code, _ in settings.LANGUAGES],
        "next": request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
    }
