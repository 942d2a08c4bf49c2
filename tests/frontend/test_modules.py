"""The pages' scripts are native ES modules with no build step: each page loads the catalogue (and
Leaflet, where it draws a map) as classic scripts, then one entry module, which imports the rest."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.frontend.modules import module_graph, page_modules, page_scripts

pytestmark = pytest.mark.django_db

JS = Path(settings.BASE_DIR) / "frontend" / "static" / "frontend" / "js"
LEAFLET = "/static/js_lib_leaflet/leaflet.js"


@pytest.mark.parametrize(("path", "user", "entry", "classic"), [
    ("/dashboard/", "leader_city", "dashboard.js", ["/jsi18n/", LEAFLET]),
    ("/desk/", "county_coordinator", "desk.js", ["/jsi18n/", LEAFLET]),
    ("/imports/", "county_coordinator", "imports.js", ["/jsi18n/"]),
    ("/m/", "specialist", "mobile.js", ["/jsi18n/"]),
])
def test_each_page_loads_the_catalogue_first_then_one_entry_module(client, mapped_counties, path, user, entry, classic):
    client.force_login(mapped_counties.users[user])

    scripts = page_scripts(client.get(path).content.decode())

    assert scripts == [("", src) for src in classic] + [("module", f"/static/frontend/js/{entry}")]


def test_the_dashboard_and_the_desk_share_one_coverage_map_module():
    dashboard, desk = module_graph("frontend/js/dashboard.js"), module_graph("frontend/js/desk.js")

    assert "frontend/js/coverage-map.js" in dashboard & desk
    assert "frontend/js/dashboard.js" not in desk
    # Leaflet is called in the shared module only: no page keeps map code of its own.
    drawing = sorted(path.name for path in JS.glob("*.js") if re.search(r"\bL\.\w+\(", path.read_text(encoding="utf-8")))
    assert drawing == ["coverage-map.js"]


def test_no_script_hangs_off_a_global():
    # The scripts were once IIFEs hanging off window.Tepai; modules import what they use instead.
    found = [
        f"{path.name}: {match}"
        for path in JS.glob("*.js")
        for match in re.findall(r"\bwindow\.Tepai\b|\bTepai\.\w+", path.read_text(encoding="utf-8"))
    ]

    assert found == []


def test_every_module_loads_from_a_page_and_none_is_left_over(client, mapped_counties):
    # A module no page imports is dead code (or a page forgot its import).
    loaded = set()
    for path, user in (("/dashboard/", "leader_city"), ("/desk/", "county_coordinator"), ("/imports/", "county_coordinator"),
                       ("/m/", "specialist")):
        client.force_login(mapped_counties.users[user])
        loaded |= page_modules(client.get(path).content.decode())

    assert loaded == {f"frontend/js/{path.name}" for path in JS.glob("*.js")}
