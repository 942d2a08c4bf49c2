"""The specialists' phone page (/m/), installable as a web app and usable with no network.

The page itself is a shell: everything personal (villages, teams, logs, achievements) comes from
the API and is kept on the phone (static/frontend/js/mobile.js), and what the specialist records
waits in an outbox on the phone (static/frontend/js/outbox.js) until it is sent. So that the shell
opens with no network, a service worker (`/m/sw.js`, whose default scope is /m/) keeps the page,
its scripts, style sheets and the JavaScript catalogue in the browser's cache.

The manifest, the icons and the worker are public: a browser fetches a manifest without the
session cookie, and none of them says anything about anyone. Only the page needs a specialist.
"""

import functools
import hashlib
import io
import json

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_safe

from frontend.pages import in_page_language, page
from specialists.access.models import UserRole
from specialists.fieldwork.models import Achievement, Enterprise, ServiceLog

Role = UserRole.Role

THEME_COLOUR = "#1f5c43"  # --brand in tepai.css
BACKGROUND_COLOUR = "#f4f6f4"  # --paper in tepai.css
# Static files the page needs; the worker caches them with the page and the JavaScript catalogue.
# The page's entry module (mobile.js) and every module it imports, directly or not: a module missing
# here would not load offline, and the page with it (tests/frontend/test_mobile_views.py checks).
SHELL_STATIC = [
    "frontend/css/tepai.css",
    "frontend/css/mobile.css",
    "frontend/js/mobile.js",
    "frontend/js/api.js",
    "frontend/js/outbox.js",
    "frontend/js/outbox-entries.js",
    "frontend/img/icon.svg",
]
# PNG icon sizes: 180 for iOS's home screen, 192 and 512 for Android's; "maskable" fills the
# whole square, for launchers that cut their own shape.
ICON_SIZES = (180, 192, 512)
SHELL_TEMPLATES = ["frontend/mobile.html", "frontend/mobile_sw.js"]


def _choices(choices):
    return [{"value": value, "label": str(label)} for value, label in choices]


@require_safe
@page(Role.SPECIALIST)
def mobile(request):
    """The phone page: my villages and teams, log a service, my achievements; works offline."""
    specialist = request.scope.specialist
    config = {
        "username": request.user.get_username(),
        "specialistId": specialist.pk,
        "serviceWorker": reverse("frontend:mobile-sw"),
        "scope": reverse("frontend:mobile"),
        "csrfCookieName": settings.CSRF_COOKIE_NAME,
        "photoMaxBytes": settings.TEPAI_PHOTO_MAX_BYTES,
        "photoMaxPixels": settings.TEPAI_PHOTO_MAX_PIXELS,
        "evidenceMaxBytes": settings.TEPAI_EVIDENCE_MAX_BYTES,
        "logKinds": dict(ServiceLog.Kind.choices),
        "achievementKinds": dict(Achievement.Kind.choices),
        "achievementStatuses": dict(Achievement.Status.choices),
        "incomeKinds": list(Achievement.INCOME),
    }
    context = {
        "config": config,  # json_script turns the lazy labels into strings, in the page's language
        "log_kinds": _choices(ServiceLog.Kind.choices),
        "achievement_kinds": _choices(Achievement.Kind.choices),
        "enterprise_kinds": _choices(Enterprise.Kind.choices),
        "enterprise_relations": _choices(Enterprise.Relation.choices),
        "award_levels": _choices(Achievement.AwardLevel.choices),
    }
    response = render(request, "frontend/mobile.html", context)
    # The worker keeps its own copy for offline use; the browser's HTTP cache must not serve an old
    # page (another person's, or in another language) when the network is there.
    response["Cache-Control"] = "no-cache, private"
    return response


@require_safe
@in_page_language
@cache_control(max_age=3600)
def manifest(request):
    """The web app manifest: name, icons, /m/ as the start page, standalone display."""
    scope = reverse("frontend:mobile")
    icons = [{"src": static("frontend/img/icon.svg"), "sizes": "any", "type": "image/svg+xml", "purpose": "any"}]
    icons += [
        {"src": reverse("frontend:mobile-icon", kwargs={"size": size}), "sizes": f"{size}x{size}", "type": "image/png", "purpose": "any"}
        for size in ICON_SIZES
    ]
    icons.append({
        "src": reverse("frontend:mobile-icon-maskable", kwargs={"size": 512}), "sizes": "512x512", "type": "image/png",
        "purpose": "maskable",
    })
    body = {
        "id": scope,
        "name": _("Tepai"),
        "short_name": _("Tepai"),
        "description": _("Log services and achievements from the field, with or without a network."),
        "lang": request.LANGUAGE_CODE,
        "start_url": scope,
        "scope": scope,
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": icons,
    }
    return JsonResponse(body, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False})


@functools.lru_cache(maxsize=8)
def _icon_png(size: int, maskable: bool) -> bytes:
    """The icon (static/frontend/img/icon.svg: a white map pin on green) drawn with Pillow.

    Drawn four times larger and scaled down, for smooth edges. A maskable icon fills the square
    and keeps the pin inside the middle 80 %, which every launcher's mask leaves visible.
    """
    from PIL import Image, ImageDraw

    scale = 4
    big = size * scale
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if maskable:
        draw.rectangle((0, 0, big, big), fill=THEME_COLOUR)
        unit = big * 0.8 / 64  # the 64-unit drawing shrunk into the safe zone
        offset = big * 0.1
    else:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 12 / 64, fill=THEME_COLOUR)
        unit = big / 64
        offset = 0

    def at(x, y):
        return offset + x * unit, offset + y * unit

    # The pin: a circle of radius 16 at (32, 26) and the two tangents from its tip at (32, 54).
    cx, cy, radius = 32, 26, 16
    draw.ellipse((*at(cx - radius, cy - radius), *at(cx + radius, cy + radius)), fill="white")
    draw.polygon([at(32 - 13.13, 35.14), at(32, 54), at(32 + 13.13, 35.14)], fill="white")
    draw.ellipse((*at(cx - 6, cy - 6), *at(cx + 6, cy + 6)), fill=THEME_COLOUR)
    image = image.resize((size, size), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


@require_safe
@cache_control(max_age=86400)
def icon(request, size, maskable=False):
    """A PNG icon of the installed app, in one of ICON_SIZES (maskable: 512 only)."""
    if size not in ICON_SIZES or (maskable and size != 512):
        raise Http404
    return HttpResponse(_icon_png(size, maskable), content_type="image/png")


def _shell_version(static_urls):
    """A hash of everything the worker caches that can change without the worker's own text changing.

    A new version makes the browser install the new worker, which fetches a fresh shell and drops
    the old cache. Static files are hashed by content (by URL where the storage hashes names).
    """
    from django.template.loader import get_template

    digest = hashlib.sha256()
    for path, url in zip(SHELL_STATIC, static_urls, strict=True):
        found = finders.find(path)
        if found:
            with open(found, "rb") as source:
                digest.update(source.read())
        else:
            digest.update(url.encode())
    for name in SHELL_TEMPLATES:
        digest.update(get_template(name).template.source.encode())
    return digest.hexdigest()[:16]


@require_safe
@never_cache
def service_worker(request):
    """The worker that keeps the phone page's shell for offline use (frontend/mobile_sw.js).

    Served from /m/ so that its scope covers the page; never cached by HTTP, so that browsers see a
    new version at once.
    """
    static_urls = [static(path) for path in SHELL_STATIC]
    page_url = reverse("frontend:mobile")
    shell = {
        "version": _shell_version(static_urls),
        "page": page_url,
        "catalogue": reverse("frontend:jsi18n"),
        "static": static_urls + [reverse("frontend:mobile-manifest")]
        + [reverse("frontend:mobile-icon", kwargs={"size": size}) for size in ICON_SIZES],
        # Never answered by the worker: the API (writes must reach the server; the page keeps its own
        # copy of what it read), sign-in and language switching.
        "bypass": ["/api/", reverse("frontend:login"), reverse("frontend:logout"), "/i18n/", "/admin/"],
    }
    response = render(request, "frontend/mobile_sw.js", {"shell": json.dumps(shell)}, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = page_url
    return response
