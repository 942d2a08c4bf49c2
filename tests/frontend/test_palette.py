"""The status palette in the pages: served by the server (frontend/context_processors.py) from
villages/palette.py, never copied into a script or style sheet, so no copy can drift."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from frontend import context_processors
from villages import palette

pytestmark = pytest.mark.django_db

STATIC = Path(settings.BASE_DIR) / "frontend" / "static"


def _in(client, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _page_palette(response):
    found = re.search(r'<script id="tepai-palette" type="application/json">(.*?)</script>', response.content.decode(), flags=re.S)
    return json.loads(found.group(1))


def _status_styles(response):
    """{status: {property: value}} from the page's .status-<status> rules."""
    style = re.search(r"<style>(.*?)</style>", response.content.decode(), flags=re.S).group(1)
    return {
        status: dict(re.findall(r"(--[\w-]+): ([^;]+);", body))
        for status, body in re.findall(r"\.status-(\w+) \{([^}]*)\}", style)
    }


@pytest.mark.parametrize(("language", "path", "user"), [
    ("zh-hans", "/dashboard/", "leader_city"),
    ("en", "/dashboard/", "leader_city"),
    ("zh-hans", "/desk/", "county_coordinator"),
    ("en", "/m/", "specialist"),
    ("zh-hans", "/login/", None),
])
def test_every_page_carries_the_palette_of_villages_palette_in_its_language(client, mapped_counties, language, path, user):
    if user:
        client.force_login(mapped_counties.users[user])

    response = _in(client, language).get(path)

    assert response.status_code == 200
    with translation.override(language):
        expected = palette.palette_for_pages()
    served = _page_palette(response)
    assert served["statuses"] == expected
    assert served["hatch"]["colour"] == palette.HATCH_COLOUR
    assert served["statuses"]["uncovered"]["hatched"] is True and served["statuses"]["covered"]["hatched"] is False


def test_the_pages_css_gives_each_status_the_palettes_colour_and_hatches_the_hatched(client, mapped_counties):
    client.force_login(mapped_counties.users["leader_city"])

    styles = _status_styles(client.get("/dashboard/"))

    assert set(styles) == set(palette.COLOURS)
    for status, colour in palette.COLOURS.items():
        assert styles[status]["--status"] == colour, status
        if status in palette.HATCHED:
            # The colour under stripes of the hatch's colour.
            fill = styles[status]["--status-fill"]
            assert fill.startswith("repeating-linear-gradient(") and palette.HATCH_COLOUR in fill and colour in fill, status
        else:
            assert styles[status]["--status-fill"] == colour, status


def test_text_on_a_status_colour_is_the_ink_that_reads_best():
    # Orange and light grey take dark text; blue and red take white.
    inks = {status: context_processors.ink_on(colour) for status, colour in palette.COLOURS.items()}

    assert inks["at_risk"] == inks["community"] == context_processors.DARK_INK
    assert inks["covered"] == inks["uncovered"] == context_processors.LIGHT_INK
    for status, colour in palette.COLOURS.items():
        assert context_processors.contrast(inks[status], colour) >= 4, status
    assert context_processors.tint_of("#d7191c") == "#f7d1d2"


@pytest.mark.parametrize(("path", "user"), [("/dashboard/", "leader_city"), ("/desk/", "county_coordinator")])
def test_the_map_legend_names_the_palettes_statuses_in_the_pages_language(client, mapped_counties, path, user):
    client.force_login(mapped_counties.users[user])

    html = _in(client, "en").get(path).content.decode()

    legend = re.search(r'<ul class="legend" id="map-legend">(.*?)</ul>', html, flags=re.S).group(1)
    items = re.findall(r'<li data-status="(\w+)"><span class="swatch status-(\w+)"></span><span>([^<]+?) <span class="count"', legend)
    with translation.override("en"):
        expected = palette.palette_for_pages()
    assert items == [(status, status, expected[status]["label"]) for status in palette.VILLAGE_STATUSES]


def test_no_script_or_style_sheet_holds_a_copy_of_the_palette():
    colours = {colour.lower() for colour in (*palette.COLOURS.values(), palette.HATCH_COLOUR)} - {"#ffffff"}
    files = [path for path in STATIC.rglob("*") if path.suffix in {".js", ".css"}]
    assert any(path.name == "coverage-map.js" for path in files)

    copies = [
        f"{path.relative_to(STATIC)}: {found}"
        for path in files
        for found in re.findall(r"#[0-9a-fA-F]{6}\b", path.read_text(encoding="utf-8"))
        if found.lower() in colours
    ]
    # The old copies by name, too: dashboard.js's COLOURS and tepai.css's --covered and friends.
    names = [
        f"{path.relative_to(STATIC)}: {found}"
        for path in files
        for found in re.findall(r"\bCOLOURS\b|--(?:covered|at-risk|uncovered|community)\b", path.read_text(encoding="utf-8"))
    ]

    assert copies == []
    assert names == []
