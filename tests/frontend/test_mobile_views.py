"""The phone page (/m/) and what installs it, through Django's test client: who may open it, the
manifest, the icons and the service worker that keeps the page for offline use."""

import io
import json
import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.utils import translation
from PIL import Image

from frontend import mobile
from tests.frontend.modules import imports_of, page_modules, page_scripts

pytestmark = pytest.mark.django_db


def _in(client, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _config(response):
    found = re.search(r'<script id="mobile-config" type="application/json">(.*?)</script>', response.content.decode(), flags=re.S)
    return json.loads(found.group(1))


def _shell(response):
    """The SHELL object the service worker was rendered with."""
    found = re.search(r"^const SHELL = (.*);$", response.content.decode(), flags=re.M)
    return json.loads(found.group(1))


# --- Who may open it --------------------------------------------------------------------------------

def test_a_specialist_gets_the_page_with_its_manifest_and_settings(client, mapped_counties):
    specialist = mapped_counties.users["specialist"]
    client.force_login(specialist)

    response = _in(client, "en").get("/m/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<link rel="manifest" href="/m/manifest.webmanifest">' in html
    assert 'capture="environment"' in html and 'accept="image/*"' in html
    config = _config(response)
    assert config["username"] == "specialist"
    assert (config["serviceWorker"], config["scope"]) == ("/m/sw.js", "/m/")
    assert config["photoMaxBytes"] == settings.TEPAI_PHOTO_MAX_BYTES
    assert config["logKinds"] == {"visit": "Visit", "training": "Training", "consultation": "Consultation", "demonstration": "Demonstration"}
    assert config["incomeKinds"] == ["farmer_income", "collective_income"]
    # The browser's HTTP cache never serves an old copy: the worker keeps the offline one.
    assert "no-cache" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_the_specialist_is_the_one_signed_in(client, mapped_counties):
    client.force_login(mapped_counties.users["specialist"])

    config = _config(client.get("/m/"))

    assert config["specialistId"] == mapped_counties.huaiyuan.specialists["张怀远"].pk


def test_the_page_follows_the_chosen_language(client, mapped_counties):
    client.force_login(mapped_counties.users["specialist"])

    chinese = client.get("/m/")
    english = _in(client, "en").get("/m/")

    assert chinese["Content-Language"] == "zh-hans" and english["Content-Language"] == "en"
    assert "Log a service" in english.content.decode()
    with translation.override("zh-hans"):
        assert _config(chinese)["logKinds"]["training"] == str(translation.gettext("Training"))


def test_a_stranger_is_sent_to_sign_in(client):
    response = client.get("/m/")

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/m/"


@pytest.mark.parametrize("who", ["city_coordinator", "county_coordinator", "leader_city", "leader_wuhe"])
def test_coordinators_and_leaders_may_not_open_it(client, mapped_counties, who):
    client.force_login(mapped_counties.users[who])

    response = _in(client, "en").get("/m/")

    assert response.status_code == 403
    assert "This page is not for your role." in response.content.decode()


def test_a_user_without_a_role_may_not_open_it(client, mapped_counties):
    client.force_login(mapped_counties.users["no_role"])

    assert client.get("/m/").status_code == 403


def test_the_menu_names_the_phone_page_for_a_specialist_only(client, mapped_counties):
    client.force_login(mapped_counties.users["specialist"])
    assert 'href="/m/"' in client.get("/m/").content.decode()

    client.force_login(mapped_counties.users["leader_city"])
    assert 'href="/m/"' not in client.get("/dashboard/").content.decode()


def test_the_page_does_not_answer_a_post(client, mapped_counties):
    client.force_login(mapped_counties.users["specialist"])

    # Everything the page records goes to the API; the page itself only shows.
    assert client.post("/m/", {}).status_code == 405


# --- Installing it ----------------------------------------------------------------------------------

def test_the_manifest_makes_m_an_installable_app(client):
    response = _in(client, "en").get("/m/manifest.webmanifest")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    body = response.json()
    assert (body["start_url"], body["scope"], body["id"], body["display"]) == ("/m/", "/m/", "/m/", "standalone")
    assert body["name"] == "Tepai" and body["lang"] == "en"
    assert body["theme_color"] == "#1f5c43"
    sizes = {icon["sizes"]: icon for icon in body["icons"]}
    assert sizes["any"]["src"] == static("frontend/img/icon.svg") and sizes["any"]["type"] == "image/svg+xml"
    assert {"192x192", "512x512"} <= set(sizes)
    assert any(icon["purpose"] == "maskable" for icon in body["icons"])


def test_the_manifest_is_named_in_the_pages_language(client):
    body = client.get("/m/manifest.webmanifest").json()

    with translation.override("zh-hans"):
        assert body["name"] == translation.gettext("Tepai")
    assert body["lang"] == "zh-hans"


def test_the_manifest_and_icons_need_no_session(client):
    # Browsers fetch a manifest without cookies: it must not send them to the sign-in page.
    manifest = client.get("/m/manifest.webmanifest").json()

    for icon in manifest["icons"]:
        if icon["src"].startswith(settings.STATIC_URL) or icon["src"].startswith("/" + settings.STATIC_URL):
            # Static files are the web server's (or runserver's) to serve; it must exist.
            assert finders.find(icon["src"].split(settings.STATIC_URL, 1)[1]), icon["src"]
            continue
        response = client.get(icon["src"])
        assert response.status_code == 200, icon["src"]
        if icon["type"] == "image/png":
            assert response["Content-Type"] == "image/png"
            image = Image.open(io.BytesIO(response.content))
            assert (image.format, f"{image.width}x{image.height}") == ("PNG", icon["sizes"])


def test_a_maskable_icon_fills_its_square_and_the_plain_one_has_round_corners(client):
    maskable = Image.open(io.BytesIO(client.get("/m/icon-maskable-512.png").content)).convert("RGBA")
    plain = Image.open(io.BytesIO(client.get("/m/icon-512.png").content)).convert("RGBA")

    assert maskable.getpixel((0, 0))[3] == 255
    assert plain.getpixel((0, 0))[3] == 0
    # The pin is white in the middle of both.
    assert plain.getpixel((256, 120))[:3] == maskable.getpixel((256, 130))[:3] == (255, 255, 255)


@pytest.mark.parametrize("path", ["/m/icon-100.png", "/m/icon-maskable-192.png"])
def test_an_icon_size_not_offered_is_not_found(client, path):
    assert client.get(path).status_code == 404


# --- The service worker -----------------------------------------------------------------------------

def test_the_worker_is_javascript_never_cached_and_scoped_to_the_page(client):
    response = client.get("/m/sw.js")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Service-Worker-Allowed"] == "/m/"
    assert "no-cache" in response["Cache-Control"] and "max-age=0" in response["Cache-Control"]


def test_the_worker_keeps_everything_the_page_loads(client, mapped_counties):
    client.force_login(mapped_counties.users["specialist"])
    html = client.get("/m/").content.decode()

    shell = _shell(client.get("/m/sw.js"))

    # Every script, style sheet, icon and the manifest the page names is kept for offline use.
    loaded = [src for _, src in page_scripts(html)]
    loaded += re.findall(r'<link rel="(?:stylesheet|manifest|icon|apple-touch-icon)" href="([^"]+)"', html)
    kept = set(shell["static"]) | {shell["page"], shell["catalogue"]}
    assert loaded and {urlsplit(url).path for url in loaded} <= kept
    assert (shell["page"], shell["catalogue"]) == ("/m/", "/jsi18n/")
    # The API is never answered from the cache.
    assert "/api/" in shell["bypass"]


def _not_kept(html, shell_static):
    """The modules the page loads (its entry module and all it imports) that the worker would not keep."""
    return page_modules(html) - set(shell_static)


def test_the_worker_keeps_every_module_the_page_imports(client, mapped_counties):
    client.force_login(mapped_counties.users["specialist"])
    html = client.get("/m/").content.decode()

    modules = page_modules(html)

    # The entry module, what it imports, and what those import: a module missing from the worker's
    # list would fail to load offline, and the page with it.
    assert {"frontend/js/mobile.js", "frontend/js/api.js", "frontend/js/outbox.js", "frontend/js/outbox-entries.js"} <= modules
    assert _not_kept(html, mobile.SHELL_STATIC) == set()
    # ... and the worker's answer lists each by the URL the browser asks for.
    assert {static(path) for path in modules} <= set(_shell(client.get("/m/sw.js"))["static"])


def test_a_module_left_out_of_the_workers_list_is_found(client, mapped_counties):
    client.force_login(mapped_counties.users["specialist"])
    html = client.get("/m/").content.decode()

    shell_static = [path for path in mobile.SHELL_STATIC if path != "frontend/js/outbox-entries.js"]

    assert _not_kept(html, shell_static) == {"frontend/js/outbox-entries.js"}


def test_imports_are_read_in_every_form_and_not_from_comments():
    source = """/* An example in a comment: import {nothing} from "./commented.js"; */
// import "./also-commented.js";
import {api, element} from "./api.js";
import {
  Outbox,
  phoneStore,
} from "./outbox.js";
import * as rules from "../shared/rules.js";
import "./side-effect.js";
export {newUuid} from './outbox-entries.js';
const later = () => import("./later.js");
const text = "not an import from './string.js'";
"""

    assert imports_of(source) == [
        "./api.js", "./outbox.js", "../shared/rules.js", "./side-effect.js", "./outbox-entries.js", "./later.js",
    ]


def test_the_workers_version_changes_when_a_cached_file_does(client, monkeypatch, tmp_path):
    before = _shell(client.get("/m/sw.js"))["version"]
    assert _shell(client.get("/m/sw.js"))["version"] == before

    changed = tmp_path / "mobile.js"
    changed.write_text("/* a new version */")
    real_find = mobile.finders.find
    monkeypatch.setattr(mobile.finders, "find", lambda path, **kw: str(changed) if path.endswith("mobile.js") else real_find(path, **kw))

    assert _shell(client.get("/m/sw.js"))["version"] != before


def test_the_worker_answers_no_post(client):
    assert client.post("/m/sw.js").status_code == 405
    assert client.post("/m/manifest.webmanifest").status_code == 405
