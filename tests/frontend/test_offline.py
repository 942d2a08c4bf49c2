"""Every page works on a network with no internet: no script, style sheet, font or map library from
another host, and the project's own copies are there for collectstatic to gather.

(The browser tests check the same at run time: their pages fail on any request to another host.)
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import override_settings

ROOT = Path(settings.BASE_DIR)
# Folders of our own pages' files, in every app of the checkout (not .venv, not the data folder).
SKIPPED = {".venv", "var", ".git", "node_modules", "__pycache__", "tests"}

# A reference that makes the browser fetch from another host: a script or style sheet, an image or
# font in CSS, an import, or a fetch. Plain links (<a href="https://...">) are not fetched and are fine.
REMOTE = "(?:https?:)?//"
FETCHES = [
    re.compile(rf"<script\b[^>]*\bsrc\s*=\s*[\"']?{REMOTE}", re.I),
    re.compile(rf"<link\b[^>]*\bhref\s*=\s*[\"']?{REMOTE}", re.I),
    re.compile(rf"<(?:img|iframe|source|video|audio)\b[^>]*\bsrc\s*=\s*[\"']?{REMOTE}", re.I),
    re.compile(rf"url\(\s*[\"']?{REMOTE}", re.I),
    re.compile(rf"@import\s+(?:url\()?\s*[\"']?{REMOTE}", re.I),
    re.compile(rf"\bimport\s*(?:\(|[^;]*?\bfrom)\s*[\"']{REMOTE}", re.I),
    re.compile(rf"\b(?:fetch|importScripts)\s*\(\s*[\"'`]{REMOTE}", re.I),
]


SUFFIXES = {".html", ".js", ".css", ".svg", ".json", ".webmanifest", ".txt"}


def _page_files():
    apps = [folder for folder in ROOT.iterdir() if folder.is_dir() and folder.name not in SKIPPED and not folder.name.startswith(".")]
    for app in apps:
        for folder in ("templates", "static"):
            for path in (app / folder).rglob("*"):
                if path.is_file() and path.suffix in SUFFIXES and not SKIPPED.intersection(path.relative_to(ROOT).parts):
                    yield path.relative_to(ROOT), path.read_text(encoding="utf-8", errors="replace")


def test_the_scan_finds_what_it_looks_for():
    # The patterns themselves: each catches its kind of reference, and a plain link passes.
    samples = [
        '<script src="https://cdn.example.com/leaflet.js"></script>',
        "<link rel=stylesheet href=//cdn.example.com/a.css>",
        "<img src='http://example.com/logo.png'>",
        "background: url( 'https://example.com/bg.png')",
        '@import "https://fonts.example.com/css";',
        'import L from "https://esm.example.com/leaflet";',
        'fetch("https://api.example.com/x")',
    ]
    for sample in samples:
        assert any(pattern.search(sample) for pattern in FETCHES), sample
    assert not any(pattern.search('<a href="https://leafletjs.com">Leaflet</a> <script src="/static/a.js">') for pattern in FETCHES)


def test_no_page_file_fetches_anything_from_another_host():
    files = dict(_page_files())
    assert ROOT / "frontend/templates/frontend/base.html" in {ROOT / name for name in files}

    found = [f"{name}: {match.group(0)}" for name, text in files.items() for pattern in FETCHES for match in pattern.finditer(text)]

    assert found == []


def test_leaflet_is_served_by_the_project():
    for name in ("js_lib_leaflet/leaflet.js", "js_lib_leaflet/leaflet.css", "js_lib_leaflet/images/layers.png"):
        assert finders.find(name), name
    assert "Leaflet 1.9.4" in Path(finders.find("js_lib_leaflet/leaflet.js")).read_text()[:200]


def test_collectstatic_gathers_the_pages_files(tmp_path):
    with override_settings(STATIC_ROOT=tmp_path):
        call_command("collectstatic", interactive=False, verbosity=0)

    for name in ("frontend/css/tepai.css", "frontend/js/api.js", "frontend/js/dashboard.js", "frontend/js/coverage-map.js",
                 "frontend/js/palette.js", "js_lib_leaflet/leaflet.js", "js_lib_leaflet/leaflet.css"):
        assert (tmp_path / name).is_file(), name


@pytest.mark.browser
def test_a_page_that_reaches_for_another_host_is_caught(page, mapped_counties, sign_in, browser_problems):
    script, tile = "https://cdn.example.com/leaflet.js", "http://tiles.example.com/1/2/3.png"
    # The browser also logs each failed load on its console, perhaps after the failure itself: not a problem here.
    browser_problems.allow(rf"Failed to load resource: .* \(({re.escape(script)}|{re.escape(tile)})\)$")
    sign_in(page, mapped_counties.users["leader_city"])
    page.goto("/dashboard/")

    page.evaluate("""([script, tile]) => {
        const element = document.createElement("script");
        element.src = script;
        document.head.append(element);
        return fetch(tile).catch(() => null);
    }""", [script, tile])
    # The script's load fails in its own time, not the fetch's: wait for both reports (at most 10 s).
    wanted = {f"request to another host: {script}", f"request to another host: {tile}"}
    found = browser_problems.take()
    for _ in range(100):
        if wanted <= set(found):
            break
        page.wait_for_timeout(100)
        found += browser_problems.take()

    found = "\n".join(found)
    assert f"request to another host: {script}" in found
    assert f"request to another host: {tile}" in found
