"""The leaders' dashboard in a real browser: figures, the coloured map, a village's popup, scope, map jobs."""

import io
import re

import pytest
from django.utils import timezone, translation
from PIL import Image
from playwright.sync_api import expect

from specialists.coverage.models import MapJob
from specialists.reports.figures import headline_figures
from tests.frontend import FILLS
from tests.frontend.conftest import DESKTOP, PHONE, wait_for_popup_lists
from villages import palette

pytestmark = pytest.mark.browser


def _open_dashboard(page, sign_in, user, query=""):
    sign_in(page, user)
    page.goto("/dashboard/" + query)
    # The map is drawn once the villages' GeoJSON is in; the matrix once its table is.
    page.locator("path.village").first.wait_for()
    page.locator("#industry-table").wait_for()


def _path(page, village):
    return page.locator(f"path.village-{village.code}")


def test_a_leader_sees_the_figures_and_the_villages_coloured_by_status(page, mapped_counties, sign_in):
    _open_dashboard(page, sign_in, mapped_counties.users["leader_city"])

    figures = page.locator("#headline-figures").inner_text()
    assert str(headline_figures()["specialists"]) in figures
    expect(page.locator("path.village")).to_have_count(6)
    for side in (mapped_counties.huaiyuan, mapped_counties.wuhe):
        for status, village in side.villages.items():
            expect(_path(page, village), f"{village.name}: {status}").to_have_attribute("fill", FILLS[status])
    counts = {item.get_attribute("data-status"): item.locator(".count").inner_text() for item in page.locator("#map-legend li[data-status]").all()}
    assert counts == {"covered": "(2)", "at_risk": "(1)", "uncovered": "(2)", "community": "(1)"}


def _share(image, test):
    """The share of the image's pixels for which test(red, green, blue) holds."""
    data = image.convert("RGB").tobytes()
    pixels = [data[index:index + 3] for index in range(0, len(data), 3)]
    return sum(1 for pixel in pixels if test(*pixel)) / len(pixels)


def _reddish(red, green, blue):
    return red > 180 and green < 130 and blue < 130


def _whitish(red, green, blue):
    return min(red, green, blue) > 235


def test_an_uncovered_village_is_drawn_hatched_in_the_palettes_colours(page, mapped_counties, sign_in):
    _open_dashboard(page, sign_in, mapped_counties.users["leader_city"])
    uncovered = _path(page, mapped_counties.wuhe.villages["uncovered"])
    covered = _path(page, mapped_counties.wuhe.villages["covered"])

    # The village is filled with the pattern, and the pattern is the palette's red under the hatch's stripes.
    expect(uncovered).to_have_attribute("fill", "url(#tepai-hatch-uncovered)")
    pattern = page.locator("pattern#tepai-hatch-uncovered")
    assert pattern.locator("rect.hatch-ground").get_attribute("fill") == palette.COLOURS["uncovered"]
    assert pattern.locator("rect.hatch-stripe").get_attribute("fill") == palette.HATCH_COLOUR

    # And the browser draws it so: inside the village, both the red and the stripes show; inside a
    # covered one, no stripes.
    def inside(path):
        box = path.bounding_box()
        margin_x, margin_y = box["width"] * 0.25, box["height"] * 0.25
        clip = {"x": box["x"] + margin_x, "y": box["y"] + margin_y, "width": box["width"] / 2, "height": box["height"] / 2}
        return Image.open(io.BytesIO(page.screenshot(clip=clip)))

    page.locator("#coverage-map").scroll_into_view_if_needed()
    page.mouse.move(0, 0)  # no tooltip over the villages
    hatched, plain = inside(uncovered), inside(covered)
    assert _share(hatched, _reddish) > 0.3
    assert _share(hatched, _whitish) > 0.15
    assert _share(plain, _whitish) < 0.02

    # The legend's swatch is hatched in the same colours.
    swatch = page.locator("#map-legend li[data-status=uncovered] .swatch")
    assert "repeating-linear-gradient" in swatch.evaluate("(node) => getComputedStyle(node).backgroundImage")
    drawn = Image.open(io.BytesIO(swatch.screenshot()))
    assert _share(drawn, _reddish) > 0.3 and _share(drawn, _whitish) > 0.15


def test_the_status_badge_and_figures_take_the_palettes_colours(page, mapped_counties, sign_in):
    _open_dashboard(page, sign_in, mapped_counties.users["leader_city"])

    page.locator(f"path.village-{mapped_counties.huaiyuan.villages['at_risk'].code}").click()
    badge = page.locator(".village-popup .status-badge")

    with translation.override("zh-hans"):  # the page's language
        label = palette.palette_for_pages()["at_risk"]["label"]
    expect(badge).to_have_text(label)
    assert badge.evaluate("(node) => getComputedStyle(node).backgroundColor") == _css_rgb(palette.COLOURS["at_risk"])
    figure = page.locator("#coverage-figures .figure.status-covered")
    assert figure.evaluate("(node) => getComputedStyle(node).borderLeftColor") == _css_rgb(palette.COLOURS["covered"])
    wait_for_popup_lists(page.locator(".village-popup"))


def _css_rgb(colour):
    red, green, blue = (int(colour[index:index + 2], 16) for index in (1, 3, 5))
    return f"rgb({red}, {green}, {blue})"


def test_clicking_a_village_shows_who_serves_it_and_its_recent_service(page, mapped_counties, sign_in):
    _open_dashboard(page, sign_in, mapped_counties.users["leader_city"])

    page.locator(f"path.village-{mapped_counties.huaiyuan.villages['covered'].code}").click()
    popup = page.locator(".village-popup")
    # Its two lists come from two requests, answered in either order.
    wait_for_popup_lists(popup)

    assert popup.locator("h3").inner_text() == "荆山村"
    (serving,) = popup.locator(".popup-specialists li").all_inner_texts()
    assert serving.startswith("张怀远 ")
    assert str(mapped_counties.huaiyuan.villages["covered"].assignments.get().start_date) in serving
    assert "石榴嫁接技术指导" in popup.locator(".popup-logs").inner_text()

    # An uncovered village says that nobody serves it.
    page.locator(".leaflet-popup-close-button").click()
    page.locator(".leaflet-popup").wait_for(state="detached")  # it fades out first
    page.locator(f"path.village-{mapped_counties.wuhe.villages['uncovered'].code}").click()
    # (Its list says "Loading…" until the answer is in: wait for the answer's message, not that.)
    wait_for_popup_lists(popup)
    page.locator(".village-popup .popup-specialists p").filter(has_text=re.compile(r"\S")).wait_for()
    assert page.locator(".village-popup h3").inner_text() == "大新村"
    expect(page.locator(".village-popup .popup-specialists li")).to_have_count(0)


def test_the_industry_matrix_names_the_covering_team_and_marks_the_gap(page, mapped_counties, sign_in):
    _open_dashboard(page, sign_in, mapped_counties.users["leader_city"])

    rows = {row.locator("th").inner_text(): row.locator("td").all_inner_texts() for row in page.locator("#industry-table tbody tr").all()}

    # Industries across by name: 石榴 (key in 怀远县, covered), 螃蟹 (key in 五河县, no team).
    assert page.locator("#industry-table thead th").all_inner_texts()[1:] == ["石榴", "螃蟹"]
    assert rows["怀远县"][0] == "怀远石榴特派团"
    assert rows["怀远县"][1] == "–"
    assert rows["五河县"][0] == "–"
    expect(page.locator("#industry-table tr[data-county='349322'] td.gap")).to_have_count(1)


def test_a_county_leader_sees_nothing_of_another_county(page, mapped_counties, sign_in):
    _open_dashboard(page, sign_in, mapped_counties.users["leader_wuhe"])
    page.locator(f"path.village-{mapped_counties.wuhe.villages['covered'].code}").click()
    page.locator(".village-popup .popup-specialists li").wait_for()
    # Both lists answered (the logs' "Loading…" is a p as well), so that their data is in the page too.
    wait_for_popup_lists(page.locator(".village-popup"))

    expect(page.locator("path.village")).to_have_count(2)
    # Names, codes and the other unit's industry and team: none of them anywhere in the page or its data.
    html = page.content()
    for other in ("怀远", "荆山村", "白莲村", "涂山村", "城关社区", "石榴", mapped_counties.huaiyuan.county.code, "张怀远"):
        assert other not in html, other
    assert "沱湖村" in html and "李五河" in html


def test_choosing_a_county_zooms_and_filters_the_map(page, mapped_counties, sign_in):
    _open_dashboard(page, sign_in, mapped_counties.users["leader_city"])
    village = page.locator(f"path.village-{mapped_counties.wuhe.villages['covered'].code}")
    width_before = village.bounding_box()["width"]

    page.locator("select[name=county]").select_option(mapped_counties.wuhe.county.code)
    page.wait_for_url(re.compile(r"county=349322"))
    page.locator("path.village").first.wait_for()

    expect(page.locator("path.village")).to_have_count(2)
    assert page.locator("#county-table tbody tr").count() == 1
    # Zoomed in on the unit's villages: the same village is drawn larger.
    assert village.bounding_box()["width"] > 1.5 * width_before


@pytest.mark.clock
def test_a_map_job_shows_its_progress_and_downloads_the_file(page, mapped_counties, sign_in):
    _open_dashboard(page, sign_in, mapped_counties.users["leader_wuhe"])

    with page.expect_download() as download:
        page.locator("#map-jobs button[data-format=png]").click()

    assert download.value.suggested_filename.endswith(".png")
    expect(page.locator("#map-job-progress progress")).to_have_attribute("value", "100")
    link = page.locator("#map-job-progress a.map-job-link")
    expect(link).to_be_visible()
    job = MapJob.objects.get()
    assert (job.status, job.format, job.county, job.as_of) == (MapJob.Status.DONE, "png", mapped_counties.wuhe.county, timezone.localdate())
    assert link.get_attribute("href").endswith(f"/api/v1/map-jobs/{job.pk}/download/")


@pytest.mark.parametrize(("name", "viewport"), [("phone", PHONE), ("desktop", DESKTOP)])
def test_the_dashboard_fits_phone_and_desktop_widths(open_page, mapped_counties, sign_in, shoot, name, viewport):
    page = open_page(viewport=viewport)
    _open_dashboard(page, sign_in, mapped_counties.users["leader_city"])

    # Wide tables scroll inside their own box; the page itself never scrolls sideways.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= viewport["width"]
    map_box = page.locator("#coverage-map").bounding_box()
    assert map_box["width"] >= viewport["width"] * 0.75 and map_box["height"] >= 300
    shoot(page, f"dashboard-{name}")


# --- A place above TEPAI_MAP_VILLAGE_LIMIT: units by rate, then the villages of the units in view ---------------------

def _canvas_clip(page, village):
    """The middle half of a village drawn on the canvas, as a page clip (from the map's own projection)."""
    box = page.evaluate(
        """(code) => {
          const handle = document.getElementById("coverage-map").coverageMap;
          const bounds = handle.village(code).getBounds();
          const a = handle.map.latLngToContainerPoint(bounds.getNorthWest());
          const b = handle.map.latLngToContainerPoint(bounds.getSouthEast());
          const frame = document.getElementById("coverage-map").getBoundingClientRect();
          return {x: frame.x + a.x, y: frame.y + a.y, width: b.x - a.x, height: b.y - a.y};
        }""",
        village.code,
    )
    return {"x": box["x"] + box["width"] / 4, "y": box["y"] + box["height"] / 4, "width": box["width"] / 2, "height": box["height"] / 2}


def _bluish(red, green, blue):
    return blue > 150 and red < 120


def test_a_wide_place_is_drawn_unit_by_unit_and_loads_the_villages_of_the_units_in_view(page, mapped_counties, sign_in, settings):
    settings.TEPAI_MAP_VILLAGE_LIMIT = 0  # the two units stand for a province's hundred
    layers = []
    page.on("request", lambda request: layers.append(request.url) if "/geojson/" in request.url else None)
    sign_in(page, mapped_counties.users["leader_city"])
    page.goto("/dashboard/")
    # The two units fill the view, narrow enough for their villages.
    page.locator("#coverage-map[data-drawn=villages]").wait_for()

    # The units came with their rates, then each unit's villages and towns on its own; never every village at once.
    assert any("/counties/geojson/" in url and "coverage=true" in url for url in layers)
    village_requests = [url for url in layers if "/villages/geojson/" in url]
    assert sorted(re.search(r"county=(\d+)", url).group(1) for url in village_requests) == ["349321", "349322"]
    # Drawn on a canvas, not as an SVG path per village.
    expect(page.locator("path.village")).to_have_count(0)
    assert page.locator("#coverage-map canvas").count() >= 1

    # Each village in its status's colour, the uncovered one hatched.
    page.locator("#coverage-map").scroll_into_view_if_needed()
    page.mouse.move(0, 0)
    wuhe = mapped_counties.wuhe.villages
    uncovered = Image.open(io.BytesIO(page.screenshot(clip=_canvas_clip(page, wuhe["uncovered"]))))
    assert _share(uncovered, _reddish) > 0.3 and _share(uncovered, _whitish) > 0.15
    covered = Image.open(io.BytesIO(page.screenshot(clip=_canvas_clip(page, wuhe["covered"]))))
    assert _share(covered, _bluish) > 0.5 and _share(covered, _whitish) < 0.02

    # The legend counts the whole place from the page's figures, and shows the rate classes.
    counts = {item.get_attribute("data-status"): item.locator(".count").inner_text() for item in page.locator("#map-legend li[data-status]").all()}
    assert counts == {"covered": "(2)", "at_risk": "(1)", "uncovered": "(2)", "community": ""}
    expect(page.locator("#map-legend li.rate-class")).to_have_count(len(palette.RATE_CLASSES))

    # Zoomed out past the villages' zoom: the units are shown by rate (both under 80%), none loaded again.
    loaded = len(layers)
    page.evaluate("document.getElementById('coverage-map').coverageMap.map.setZoom(6, {animate: false})")
    page.locator("#coverage-map[data-drawn=units]").wait_for()
    fills = page.evaluate("""() => Object.fromEntries([...document.getElementById('coverage-map').coverageMap.units.entries()]
        .map(([code, entry]) => [code, entry.layer.options.fillColor]))""")
    assert fills == {"349321": palette.RATE_CLASSES[-1][1], "349322": palette.RATE_CLASSES[-1][1]}
    assert len(layers) == loaded

    # A village's popup works on the canvas too.
    page.evaluate("document.getElementById('coverage-map').coverageMap.focus(arguments[0])".replace("arguments[0]", repr(wuhe["covered"].code)))
    expect(page.locator(".village-popup h3")).to_have_text(wuhe["covered"].name)
    wait_for_popup_lists(page.locator(".village-popup"))
