"""Coverage maps from the database: the frames, the services and the command."""

import datetime
import io
import re
import xml.etree.ElementTree as ET
import zipfile

import geopandas as gpd
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from PIL import Image
from shapely.geometry import box

from specialists.coverage import maps as coverage_maps
from specialists.coverage.queries import coverage_for
from villages.places import Place
from specialists.coverage.maps import coverage_map, county_rate_frame, industry_map, industry_map_data, village_frame, village_map_frames
from specialists.people.models import Specialist
from tests.factories import (
    make_county, make_industry, make_industry_assignment, make_specialist, make_team, make_town, make_village,
    make_village_assignment,
)
from villages import geometry, maps
from villages.models import County, Industry, Village

AS_OF = datetime.date(2023, 6, 15)
DAY = datetime.timedelta(days=1)

pytestmark = pytest.mark.django_db


def cell(i, row=0):
    """A village-sized square near Huaiyuan; cells of one row share their edges exactly."""
    return geometry.to_wkb(box(117.0 + 0.02 * i, 32.9 + 0.02 * row, 117.0 + 0.02 * (i + 1), 32.9 + 0.02 * (row + 1)))


class MapGeography:
    """A county with one town (no stored boundary) and a development zone, villages in every situation."""

    def __init__(self):
        self.huaiyuan = make_county(code="340321", name="怀远县", kind=County.Kind.COUNTY,
                                    boundary=geometry.to_wkb(box(116.9, 32.8, 117.3, 33.1)))
        self.zone = make_county(code="340371", name="蚌埠高新技术产业开发区", kind=County.Kind.ZONE)
        self.town = make_town(code="340321100", name="荆山镇", county=self.huaiyuan)
        self.zone_town = make_town(code="340303201", name="燕山乡", county=self.zone,
                                   boundary=geometry.to_wkb(box(117.0, 33.0, 117.04, 33.02)))
        self.serving = make_specialist(name="张伟")
        self.second = make_specialist(name="王芳")
        self.suspended = make_specialist(name="李娜", status=Specialist.Status.SUSPENDED)

        village = self.village
        self.covered = village("340321100201", "张庄村", 0, [(self.serving, None), (self.second, None)])
        self.at_risk = village("340321100202", "李圩村", 1, [(self.serving, AS_OF + 10 * DAY)])
        self.ended = village("340321100203", "王湖村", 2, [(self.serving, AS_OF - DAY)])
        self.by_suspended = village("340321100204", "赵集村", 3, [(self.suspended, None)])
        self.community = village("340321100001", "荆山社区", 4, [(self.serving, None)], kind=Village.Kind.COMMUNITY)
        self.zone_village = make_village(town=self.zone_town, code="340303201201", name="燕山村",
                                         boundary=geometry.to_wkb(box(117.0, 33.0, 117.04, 33.02)))
        make_village_assignment(specialist=self.serving, village=self.zone_village, start_date=AS_OF - 100 * DAY)

    def village(self, code, name, i, assignments, kind=Village.Kind.VILLAGE):
        village = make_village(town=self.town, code=code, name=name, kind=kind, boundary=cell(i), synthetic=True)
        for specialist, end in assignments:
            make_village_assignment(specialist=specialist, village=village, start_date=AS_OF - 100 * DAY, end_date=end)
        return village


@pytest.fixture
def map_geography():
    return MapGeography()


def by_code(frame):
    return {row["code"]: row for row in frame.drop(columns="geometry").to_dict("records")}


def test_village_statuses_on_a_hand_made_case(map_geography):
    rows = by_code(village_frame(as_of=AS_OF))

    summary = {code: (r["status"], r["covered"], r["at_risk"], r["specialists"]) for code, r in rows.items()}
    assert summary == {
        "340321100201": ("covered", True, False, 2),
        "340321100202": ("at_risk", True, True, 1),  # its only assignment ends in 10 days
        "340321100203": ("uncovered", False, False, 0),  # ended yesterday
        "340321100204": ("uncovered", False, False, 0),  # a suspended specialist covers nothing
        "340321100001": ("community", False, False, 1),  # served, but communities are not counted
        "340303201201": ("covered", True, False, 1),
    }
    assert rows["340321100201"] == {
        "code": "340321100201", "name": "张庄村", "kind": "village", "town_code": "340321100", "town": "荆山镇",
        "county_code": "340321", "county": "怀远县", "status": "covered", "covered": True, "at_risk": False,
        "specialists": 2, "synthetic": True,
    }
    assert rows["340303201201"]["county"] == "蚌埠高新技术产业开发区"  # the zone manages the town
    assert rows["340303201201"]["synthetic"] is False


@pytest.mark.parametrize("at_risk_days,at_risk", [(30, ["340321100202"]), (5, [])])
def test_the_map_agrees_with_the_coverage_report(map_geography, at_risk_days, at_risk):
    frame = village_frame(as_of=AS_OF, at_risk_days=at_risk_days)
    coverage = coverage_for(as_of=AS_OF, at_risk_days=at_risk_days)

    assert sorted(frame.loc[frame["status"] == "uncovered", "code"]) == [v["code"] for v in coverage.uncovered_villages]
    assert sorted(frame.loc[frame["status"] == "at_risk", "code"]) == [v["code"] for v in coverage.at_risk_villages] == at_risk
    assert int(frame["covered"].sum()) == coverage.total.villages_covered


def test_a_past_date_sees_that_day(map_geography):
    frame = village_frame(as_of=AS_OF - 200 * DAY)

    assert set(frame["status"]) == {"uncovered", "community"}  # no assignment had started yet
    assert int(frame["specialists"].sum()) == 0


def test_scope_to_a_county_or_a_town(map_geography):
    assert sorted(village_frame(as_of=AS_OF, place=Place(map_geography.zone))["code"]) == ["340303201201"]
    town = village_frame(as_of=AS_OF, place=Place(map_geography.town))
    assert sorted(town["code"]) == ["340321100001", "340321100201", "340321100202", "340321100203", "340321100204"]


def test_frames_take_the_same_queries_for_2_and_20_villages():
    county = make_county(code="340322", name="五河县", boundary=geometry.to_wkb(box(117.0, 32.8, 117.5, 33.2)))
    town = make_town(code="340322100", name="城关镇", county=county)
    specialist = make_specialist()

    def add_villages(start, end):
        for i in range(start, end):
            village = make_village(town=town, code=f"340322100{200 + i}", boundary=cell(i % 10, i // 10))
            make_village_assignment(specialist=specialist, village=village, start_date=AS_OF - DAY)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            frames = village_map_frames(as_of=AS_OF, place=Place(county))
        return len(captured), len(frames.villages)

    add_villages(0, 2)
    # 1: the villages with their place and status (coverage_for's status SQL); 2: specialists per
    # village; 3: the towns (outlined here by their villages); 4: the county-level unit.
    assert queries() == (4, 2)
    add_villages(2, 20)
    assert queries() == (4, 20)


def test_a_town_without_a_boundary_is_outlined_by_its_villages_and_a_zone_by_its_towns(map_geography):
    frames = village_map_frames(as_of=AS_OF)

    towns = frames.towns.set_index("code").geometry
    assert towns["340321100"].equals(box(117.0, 32.9, 117.1, 32.92))  # the five cells of 荆山镇
    counties = frames.counties.set_index("code").geometry
    assert counties["340371"].equals(box(117.0, 33.0, 117.04, 33.02))  # the zone's one town
    assert counties["340321"].equals(box(116.9, 32.8, 117.3, 33.1))  # the stored boundary
    assert frames.labels is frames.counties


def test_a_county_map_names_its_towns_and_a_town_map_its_villages(map_geography):
    county = village_map_frames(as_of=AS_OF, place=Place(map_geography.huaiyuan))
    town = village_map_frames(as_of=AS_OF, place=Place(map_geography.town))

    assert list(county.labels["name"]) == ["荆山镇"]
    assert list(county.counties["code"]) == ["340321"]
    assert sorted(town.labels["name"]) == ["张庄村", "李圩村", "王湖村", "荆山社区", "赵集村"]
    assert list(town.counties["code"]) == ["340321100"] and town.towns is None


def test_county_rate_frame_has_coverage_for_tallies(map_geography):
    counties = county_rate_frame(as_of=AS_OF).set_index("code")
    coverage = coverage_for(as_of=AS_OF)

    for tally in coverage.counties:
        row = counties.loc[tally.code]
        assert (row["villages_total"], row["villages_covered"], row["villages_at_risk"]) == (
            tally.villages_total, tally.villages_covered, tally.villages_at_risk)
    assert (counties.loc["340321", "villages_total"], counties.loc["340321", "villages_covered"]) == (4, 2)
    assert counties.loc["340371"].geometry.equals(box(117.0, 33.0, 117.04, 33.02))


def test_a_city_too_large_to_draw_village_by_village_is_drawn_by_county(map_geography, monkeypatch):
    drawn = []
    monkeypatch.setattr(coverage_maps, "MAX_VILLAGES_DRAWN", 4)  # the geography has 5 administrative villages
    monkeypatch.setattr(maps, "render_county_map", lambda counties, **kw: drawn.append(list(counties["code"])) or b"png")

    mapfile = coverage_map(as_of=AS_OF, fmt="png")

    assert drawn == [["340321", "340371"]]
    assert mapfile.content == b"png"


# --- Industries ---------------------------------------------------------------------------------------

@pytest.fixture
def industries(map_geography):
    wheat = make_industry(name="优质小麦", is_city_key=True)
    pomegranate = make_industry(name="石榴", category=Industry.Category.HORTICULTURE, key_counties=[map_geography.huaiyuan, map_geography.zone])
    make_industry(name="螃蟹", category=Industry.Category.AQUACULTURE, key_counties=[map_geography.zone])
    make_industry(name="花卉", category=Industry.Category.HORTICULTURE)  # not key anywhere
    wheat_team = make_team(name="小麦特派团", leader=map_geography.serving)
    fruit_team = make_team(name="石榴特派团", leader=map_geography.second)
    make_industry_assignment(team=wheat_team, industry=wheat, start_date=AS_OF - 100 * DAY)
    make_industry_assignment(team=fruit_team, industry=pomegranate, start_date=AS_OF - 100 * DAY, counties=[map_geography.huaiyuan])
    make_industry_assignment(team=wheat_team, industry=pomegranate, start_date=AS_OF - 300 * DAY, end_date=AS_OF - DAY)


def test_industry_panels_show_covered_units_gaps_and_the_teams(map_geography, industries):
    with CaptureQueriesContext(connection) as captured, translation.override("en"):
        data = industry_map_data(as_of=AS_OF, city=map_geography.huaiyuan.city)

    # Units, zone towns, zone villages without town outlines, the synthetic check, coverage_for's
    # key industry query, and the running team assignments.
    assert len(captured) == 6
    panels = {panel.name: panel for panel in data.panels}
    assert [panel.name for panel in data.panels] == ["优质小麦", "石榴", "螃蟹"]  # city key industries first
    assert panels["优质小麦"].statuses == {"340321": "covered", "340371": "covered"}
    assert panels["优质小麦"].teams == ("小麦特派团 (city-wide)",)
    assert panels["石榴"].statuses == {"340321": "covered", "340371": "gap"}  # the team is limited to Huaiyuan
    assert panels["石榴"].teams == ("石榴特派团 (怀远县)",)  # the ended assignment is gone
    assert panels["螃蟹"].statuses == {"340371": "gap"} and panels["螃蟹"].teams == ()
    assert data.counties.set_index("code").loc["340371"].geometry.equals(box(117.0, 33.0, 117.04, 33.02))
    assert data.notes == []  # the zone's village is not synthetic


def test_the_industry_layer_has_a_feature_per_industry_and_unit_where_it_is_key(map_geography, industries, tmp_path):
    mapfile = industry_map(as_of=AS_OF, fmt="geojson")

    path = tmp_path / mapfile.filename
    path.write_bytes(mapfile.content)
    layer = gpd.read_file(path)
    assert mapfile.filename == "industry-coverage-3403-2023-06-15.geojson"
    assert mapfile.content_type == "application/geo+json"
    assert [(r["industry"], r["county"], r["status"], r["covered"]) for r in layer.drop(columns="geometry").to_dict("records")] == [
        ("优质小麦", "怀远县", "covered", True),
        ("优质小麦", "蚌埠高新技术产业开发区", "covered", True),
        ("石榴", "怀远县", "covered", True),
        ("石榴", "蚌埠高新技术产业开发区", "gap", False),
        ("螃蟹", "蚌埠高新技术产业开发区", "gap", False),
    ]


# --- Services and command -----------------------------------------------------------------------------

def assert_valid(content, fmt, tmp_path):
    if fmt == "png":
        image = Image.open(io.BytesIO(content))
        image.load()
        assert image.size == (int(maps.FIGURE_SIZE[0] * maps.DEFAULT_DPI), int(maps.FIGURE_SIZE[1] * maps.DEFAULT_DPI))
    elif fmt == "svg":
        assert ET.fromstring(content).tag == "{http://www.w3.org/2000/svg}svg"
    elif fmt == "pdf":
        assert content.startswith(b"%PDF-") and len(re.findall(rb"/Type\s*/Page\b(?!s)", content)) == 1
    else:
        if fmt == "shp":
            assert "village_coverage.cpg" in zipfile.ZipFile(io.BytesIO(content)).namelist()
        path = tmp_path / ("layer.zip" if fmt == "shp" else f"layer.{fmt}")
        path.write_bytes(content)
        layer = gpd.read_file(path)
        assert sorted(layer["name"]) == ["张庄村", "李圩村", "王湖村", "荆山社区", "赵集村"]


@pytest.mark.parametrize("fmt", maps.FORMATS)
def test_the_command_writes_every_format(map_geography, fmt, tmp_path):
    output = tmp_path / f"map.{fmt}"
    out = io.StringIO()

    call_command("coverage_map", "--as-of", "2023-06-15", "--county", "340321", "--format", fmt, "--output", str(output), stdout=out)

    assert_valid(output.read_bytes(), fmt, tmp_path)
    assert str(output) in out.getvalue()


def test_the_command_names_the_file_after_the_scope_and_date(map_geography, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    call_command("coverage_map", "--as-of", "2023-06-15", "--town", "340321100", "--format", "svg", stdout=io.StringIO())
    call_command("coverage_map", "--as-of", "2023-06-15", "--kind", "industries", "--format", "pdf", stdout=io.StringIO())

    assert sorted(p.name for p in tmp_path.iterdir()) == ["industry-coverage-3403-2023-06-15.pdf", "village-coverage-340321100-2023-06-15.svg"]


@pytest.mark.parametrize("arguments,message", [
    (["--as-of", "2023-02-30"], "--as-of"),
    (["--county", "349999"], "--county"),
    (["--town", "340321999"], "--town"),
    (["--county", "340371", "--town", "340321100"], "--town"),
    (["--format", "tiff"], "--format"),
    (["--kind", "teams"], "--kind"),
    (["--kind", "industries", "--county", "340321"], "--kind"),
])
def test_the_command_refuses_bad_arguments_naming_them(map_geography, arguments, message, tmp_path):
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("coverage_map", *arguments, "--output", str(tmp_path / "map"), stdout=io.StringIO())
    assert not (tmp_path / "map").exists()


def test_coverage_map_names_and_types_its_files(map_geography):
    mapfile = coverage_map(as_of=AS_OF, place=Place(map_geography.town), fmt="shp")

    assert (mapfile.filename, mapfile.content_type) == ("village-coverage-340321100-2023-06-15.shp.zip", "application/zip")
    with pytest.raises(ValidationError) as refused:
        coverage_map(as_of=AS_OF, fmt="jpeg")
    assert list(refused.value.message_dict) == ["format"]
    with pytest.raises(ValidationError) as refused:
        industry_map(as_of=AS_OF, place=Place(map_geography.town))
    assert list(refused.value.message_dict) == ["kind"]


def test_an_empty_scope_still_gets_a_map(tmp_path):
    county = make_county(code="340323", name="固镇县")

    village_map = coverage_map(as_of=AS_OF, place=Place(county), fmt="png")
    industries = industry_map(as_of=AS_OF, fmt="png")
    layer = coverage_map(as_of=AS_OF, place=Place(county), fmt="gpkg")

    assert Image.open(io.BytesIO(village_map.content)).size == (1650, 1275)
    industries_image = Image.open(io.BytesIO(industries.content))
    industries_image.load()
    assert industries_image.format == "PNG"
    path = tmp_path / "empty.gpkg"
    path.write_bytes(layer.content)
    assert len(gpd.read_file(path)) == 0
