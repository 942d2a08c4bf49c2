"""GeoJSON for the map pages: villages with their coverage, town and county-level outlines, scoped and simplified."""

import datetime
import math

import pytest
import shapely
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pyproj import Transformer
from rest_framework.test import APIClient
from shapely.geometry import Point, box, shape

from specialists.coverage.queries import coverage_for
from specialists.access.models import UserRole
from specialists.people.models import Specialist
from tests import factories as f
from villages import geometry
from villages.models import County, Village

pytestmark = pytest.mark.django_db
AS_OF = datetime.date(2023, 6, 15)
DAY = datetime.timedelta(days=1)
VILLAGES = "/api/v1/villages/geojson/"
TOWNS = "/api/v1/towns/geojson/"
COUNTIES = "/api/v1/counties/geojson/"


def _client(user, **headers):
    client = APIClient(headers={"Accept-Language": "en", **headers})
    client.force_authenticate(user)
    return client


def cell(i, row=0):
    return geometry.to_wkb(box(117.0 + 0.02 * i, 32.9 + 0.02 * row, 117.0 + 0.02 * (i + 1), 32.9 + 0.02 * (row + 1)))


class GeoJSONGeography:
    """One county with a town of villages in every coverage situation, and a development zone."""

    def __init__(self):
        self.county = f.make_county(code="340321", name="怀远县", boundary=geometry.to_wkb(box(116.9, 32.8, 117.3, 33.1)))
        self.zone = f.make_county(code="340371", name="蚌埠高新技术产业开发区", kind=County.Kind.ZONE)
        self.town = f.make_town(code="340321100", name="荆山镇", county=self.county)
        self.zone_town = f.make_town(code="340303201", name="燕山乡", county=self.zone,
                                     boundary=geometry.to_wkb(box(117.0, 33.0, 117.04, 33.02)))
        self.serving, self.second = f.make_specialist(name="张伟"), f.make_specialist(name="王芳")
        suspended = f.make_specialist(name="李娜", status=Specialist.Status.SUSPENDED)
        village = self.village
        self.covered = village("340321100201", "张庄村", 0, [(self.serving, None), (self.second, None)])
        self.at_risk = village("340321100202", "李圩村", 1, [(self.serving, AS_OF + 10 * DAY)])
        self.ended = village("340321100203", "王湖村", 2, [(self.serving, AS_OF - DAY)])
        self.by_suspended = village("340321100204", "赵集村", 3, [(suspended, None)])
        self.community = village("340321100001", "荆山社区", 4, [(self.serving, None)], kind=Village.Kind.COMMUNITY)
        self.no_boundary = f.make_village(town=self.town, code="340321100205", name="无界村")
        self.zone_village = f.make_village(town=self.zone_town, code="340303201201", name="燕山村", boundary=cell(0, 5))

    def village(self, code, name, i, assignments, kind=Village.Kind.VILLAGE):
        village = f.make_village(town=self.town, code=code, name=name, kind=kind, boundary=cell(i), synthetic=True)
        for specialist, end in assignments:
            f.make_village_assignment(specialist=specialist, village=village, start_date=AS_OF - 100 * DAY, end_date=end)
        return village


@pytest.fixture
def geojson_geography():
    return GeoJSONGeography()


def _features(response):
    assert response.status_code == 200, response.content
    return {feature["id"]: feature for feature in response.json()["features"]}


def test_villages_come_with_their_coverage_status_and_place(geojson_geography, leader):
    response = _client(leader).get(VILLAGES, {"as_of": AS_OF.isoformat(), "county": "340321"})

    body = response.json()
    assert response["Content-Type"] == "application/geo+json"
    assert (body["type"], body["as_of"]) == ("FeatureCollection", "2023-06-15")
    features = _features(response)
    assert {code: (feat["properties"]["status"], feat["properties"]["specialists"]) for code, feat in features.items()} == {
        "340321100201": ("covered", 2),
        "340321100202": ("at_risk", 1),
        "340321100203": ("uncovered", 0),
        "340321100204": ("uncovered", 0),  # a suspended specialist covers nothing
        "340321100001": ("community", 1),
        "340321100205": ("uncovered", 0),
    }
    assert features["340321100201"] == {
        "type": "Feature", "id": "340321100201",
        "geometry": {"type": "MultiPolygon", "coordinates": [[[[117.02, 32.9], [117.02, 32.92], [117.0, 32.92], [117.0, 32.9],
                                                                [117.02, 32.9]]]]},
        "properties": {
            "code": "340321100201", "name": "张庄村", "kind": "village", "town": "340321100", "town_name": "荆山镇",
            "county": "340321", "county_name": "怀远县", "status": "covered", "specialists": 2, "synthetic": True,
        },
    }


def test_statuses_agree_with_the_coverage_report(geojson_geography, leader):
    features = _features(_client(leader).get(VILLAGES, {"as_of": AS_OF.isoformat()}))

    report = coverage_for(as_of=AS_OF)
    statuses = {code: feat["properties"]["status"] for code, feat in features.items()}
    assert sorted(code for code, s in statuses.items() if s == "uncovered") == [v["code"] for v in report.uncovered_villages]
    assert [code for code, s in statuses.items() if s == "at_risk"] == [v["code"] for v in report.at_risk_villages]
    assert sum(s in ("covered", "at_risk") for s in statuses.values()) == report.total.villages_covered


def test_a_village_without_a_boundary_has_a_null_geometry(geojson_geography, leader):
    features = _features(_client(leader).get(VILLAGES, {"town": "340321100"}))

    assert features["340321100205"]["geometry"] is None


def test_kind_picks_villages_or_communities(geojson_geography, leader):
    client = _client(leader)

    villages = _features(client.get(VILLAGES, {"kind": "village", "county": "340321"}))
    communities = _features(client.get(VILLAGES, {"kind": "community", "county": "340321"}))

    assert "340321100001" not in villages and len(villages) == 5
    assert list(communities) == ["340321100001"]


def test_coordinates_are_rounded_and_exterior_rings_counter_clockwise(leader):
    # Clockwise on purpose, with more decimals than a map needs.
    ring = [(117.1234567891, 32.9), (117.1234567891, 32.95), (117.19, 32.95), (117.19, 32.9)]
    village = f.make_village(boundary=geometry.to_wkb(shapely.Polygon(ring)))

    (feature,) = _features(_client(leader).get(VILLAGES, {"town": village.town.code})).values()

    exterior = feature["geometry"]["coordinates"][0][0]
    assert [117.123457, 32.9] in exterior
    assert all(len(repr(value).split(".")[-1]) <= 6 for point in exterior for value in point)
    assert shapely.LinearRing(exterior).is_ccw


def _round_village(town, vertices=720, radius_deg=0.02):
    centre = Point(117.2, 32.95)
    circle = shapely.Polygon([(centre.x + radius_deg * math.cos(2 * math.pi * i / vertices),
                               centre.y + radius_deg * math.sin(2 * math.pi * i / vertices)) for i in range(vertices)])
    return f.make_village(town=town, boundary=geometry.to_wkb(circle)), circle


def test_a_tolerance_in_metres_simplifies_within_that_many_metres(leader):
    village, circle = _round_village(f.make_town())
    client = _client(leader)

    exact = shape(_features(client.get(VILLAGES, {"town": village.town.code}))[village.code]["geometry"])
    simplified = shape(_features(client.get(VILLAGES, {"town": village.town.code, "tolerance": "25"}))[village.code]["geometry"])

    assert len(shapely.get_coordinates(exact)) == 721
    assert 20 < len(shapely.get_coordinates(simplified)) < 200
    assert simplified.is_valid
    to_metres = Transformer.from_crs("EPSG:4490", "EPSG:4548", always_xy=True)
    projected = [shapely.transform(g, lambda xy: __import__("numpy").column_stack(to_metres.transform(xy[:, 0], xy[:, 1])))
                 for g in (circle, simplified)]
    # Within the tolerance, plus the 6-decimal rounding (about 0.1 m).
    assert shapely.hausdorff_distance(*projected) <= 25.2


@pytest.mark.parametrize("tolerance", ["-1", "1000.5", "1e9"])
def test_a_tolerance_out_of_range_is_refused_with_422_naming_it(leader, tolerance):
    response = _client(leader).get(VILLAGES, {"tolerance": tolerance})

    assert response.status_code == 422
    assert response["Content-Type"] == "application/json"
    assert list(response.json()["fields"]) == ["tolerance"]
    assert "1000" in response.json()["fields"]["tolerance"][0]


@pytest.mark.parametrize(("params", "field"), [({"tolerance": "abc"}, "tolerance"), ({"tolerance": "nan"}, "tolerance"),
                                               ({"as_of": "2023-02-30"}, "as_of"), ({"as_of": "9999-12-31"}, "as_of"),
                                               ({"as_of": "1999-12-31"}, "as_of"), ({"kind": "hamlet"}, "kind"),
                                               ({"county": "34032"}, "county"), ({"town": "x"}, "town")])
def test_malformed_parameters_are_400_naming_them(leader, params, field):
    response = _client(leader).get(VILLAGES, params)

    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]


def test_json_is_served_when_asked_for(geojson_geography, leader):
    response = _client(leader, Accept="application/json").get(VILLAGES, {"town": "340321100"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json()["type"] == "FeatureCollection"


def test_town_and_county_outlines_fill_in_what_is_not_stored(geojson_geography, leader):
    client = _client(leader)

    towns = _features(client.get(TOWNS))
    counties = _features(client.get(COUNTIES, {"tolerance": "10"}))

    # 荆山镇 stores no boundary: its villages' union outlines it (cells 0-4 and the boundary-less village).
    assert shape(towns["340321100"]["geometry"]).equals(box(117.0, 32.9, 117.1, 32.92))
    assert towns["340321100"]["properties"] == {
        "code": "340321100", "name": "荆山镇", "kind": "town", "county": "340321", "county_name": "怀远县",
    }
    # The zone stores none either: its towns outline it.
    assert shape(counties["340371"]["geometry"]).equals(box(117.0, 33.0, 117.04, 33.02))
    assert counties["340371"]["properties"] == {"code": "340371", "name": "蚌埠高新技术产业开发区", "kind": "zone"}
    assert shape(counties["340321"]["geometry"]).equals(box(116.9, 32.8, 117.3, 33.1))


# --- Scope -------------------------------------------------------------------------------------------------------

SCOPES = {
    "city_coordinator": {"huaiyuan", "wuhe"},
    "leader_city": {"huaiyuan", "wuhe"},
    "county_coordinator": {"huaiyuan"},
    "leader_wuhe": {"wuhe"},
    "specialist": {"huaiyuan", "wuhe"},  # divisions are not personal
}


@pytest.mark.parametrize("route", [VILLAGES, TOWNS, COUNTIES])
@pytest.mark.parametrize("role", list(SCOPES))
def test_each_role_gets_the_divisions_of_its_scope(two_counties, role, route):
    features = _features(_client(two_counties.users[role]).get(route))

    sides = {side: getattr(two_counties, side) for side in SCOPES[role]}
    thing = {VILLAGES: "village", TOWNS: "town", COUNTIES: "county"}[route]
    assert set(features) == {getattr(side, thing).code for side in sides.values()}


@pytest.mark.parametrize("route", [VILLAGES, TOWNS, COUNTIES])
def test_a_county_role_naming_another_county_or_its_town_gets_404(two_counties, route):
    client = _client(two_counties.users["county_coordinator"])

    assert client.get(route, {"county": two_counties.wuhe.county.code}).status_code == 404
    assert client.get(route, {"town": two_counties.wuhe.town.code}).status_code == 404
    assert client.get(route, {"county": "999999"}).status_code == 404  # the same answer as a code that does not exist
    assert set(_features(client.get(route, {"county": two_counties.huaiyuan.county.code}))) <= {
        two_counties.huaiyuan.county.code, two_counties.huaiyuan.town.code, two_counties.huaiyuan.village.code,
    }


def test_a_town_outside_the_county_named_is_404(two_counties):
    response = _client(two_counties.users["city_coordinator"]).get(VILLAGES, {"county": two_counties.huaiyuan.county.code, "town": two_counties.wuhe.town.code})

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("route", [VILLAGES, TOWNS, COUNTIES])
def test_no_role_is_403_and_anonymous_401(two_counties, route):
    assert _client(two_counties.users["no_role"]).get(route).status_code == 403
    assert APIClient().get(route).status_code == 401


# --- Query counts --------------------------------------------------------------------------------------------------

def _queries(user, route, params):
    client = APIClient()
    client.force_authenticate(get_user_model().objects.get(pk=user.pk))  # a fresh user: its role is read again
    with CaptureQueriesContext(connection) as captured:
        response = client.get(route, params)
    assert response.status_code == 200
    return len(captured), len(response.json()["features"])


@pytest.mark.parametrize("rows", [1, 50])
def test_the_village_layer_costs_the_same_queries_for_1_and_50_villages(rows):
    county = f.make_county()
    town = f.make_town(county=county, boundary=geometry.to_wkb(box(117.0, 32.9, 118.0, 33.0)))
    for i in range(rows):
        village = f.make_village(town=town, boundary=cell(i % 40, i // 40))
        f.make_village_assignment(village=village)
    user = f.make_user_role(role=UserRole.Role.COORDINATOR, county=county).user

    # The role (with its county), the data's version, the villages with their statuses, the specialists serving each.
    assert _queries(user, VILLAGES, {"tolerance": "5"}) == (4, rows)
    # + the town named.
    assert _queries(user, VILLAGES, {"town": town.code}) == (5, rows)
    # Asked again: the role, the town named and the version; the layer comes from the cache.
    assert _queries(user, VILLAGES, {"town": town.code}) == (3, rows)
    # The role, the towns (none lacks a boundary, so no village query).
    assert _queries(user, TOWNS, {})[0] == 2


@pytest.mark.parametrize("rows", [1, 50])
def test_outlines_cost_the_same_queries_for_1_and_50_units(rows):
    zone = f.make_county(kind=County.Kind.ZONE)
    for i in range(rows):
        f.make_county(boundary=cell(i % 40, i // 40))
        bare_town = f.make_town(county=zone)
        f.make_village(town=bare_town, boundary=cell(i % 40, 3 + i // 40))
    user = f.make_user_role(role=UserRole.Role.LEADER).user

    # The role, the units, the zone's towns, the villages of its towns without a boundary.
    assert _queries(user, COUNTIES, {}) == (4, rows + 1)
    # The role, the towns, the villages of the towns without a boundary.
    assert _queries(user, TOWNS, {}) == (3, rows)


@pytest.mark.parametrize("route", [VILLAGES, TOWNS])
def test_a_unit_without_villages_or_towns_is_an_empty_collection(leader, route):
    county = f.make_county()

    assert _features(_client(leader).get(route, {"county": county.code, "tolerance": "10"})) == {}


# --- The cached layers, and the county-level rates ------------------------------------------------------------------

def test_a_cached_village_layer_is_read_again_once_coverage_changes(geojson_geography, leader):
    client = _client(leader)
    params = {"as_of": AS_OF.isoformat(), "county": geojson_geography.county.code}
    assert _features(client.get(VILLAGES, params))[geojson_geography.ended.code]["properties"]["status"] == "uncovered"

    # An assignment saved (its spans rebuilt) and a village renamed: both show at once.
    f.make_village_assignment(specialist=geojson_geography.second, village=geojson_geography.ended,
                              start_date=AS_OF - DAY, end_date=None)
    geojson_geography.covered.name = "新张庄村"
    geojson_geography.covered.save(update_fields=["name"])

    features = _features(client.get(VILLAGES, params))
    assert features[geojson_geography.ended.code]["properties"]["status"] == "covered"
    assert features[geojson_geography.covered.code]["properties"]["name"] == "新张庄村"


def test_a_cached_layer_is_never_served_outside_the_askers_scope(two_counties):
    wuhe = two_counties.wuhe.county
    assert _features(_client(two_counties.users["leader_city"]).get(VILLAGES, {"county": wuhe.code}))

    # The same parameters from a role limited to the other unit: 404, not the cached body.
    limited = _client(two_counties.users["county_coordinator"])
    assert limited.get(VILLAGES, {"county": wuhe.code}).status_code == 404
    assert limited.get(COUNTIES, {"county": wuhe.code, "coverage": "1"}).status_code == 404


def test_county_units_carry_their_village_tallies_and_rate_with_coverage(geojson_geography, leader):
    response = _client(leader).get(COUNTIES, {"coverage": "true", "as_of": AS_OF.isoformat(), "tolerance": "50"})
    units = _features(response)
    report = coverage_for(as_of=AS_OF)
    assert response.json()["as_of"] == AS_OF.isoformat()
    for tally in report.counties:
        properties = units[tally.code]["properties"]
        assert (properties["villages_total"], properties["villages_covered"], properties["villages_at_risk"]) == (
            tally.villages_total, tally.villages_covered, tally.villages_at_risk)
        assert properties["village_rate"] == (tally.village_rate if tally.villages_total else None)
    # The zone is outlined by its town, as without coverage.
    assert shape(units[geojson_geography.zone.code]["geometry"]).area > 0
    assert units[geojson_geography.county.code]["properties"]["village_rate"] == pytest.approx(2 / 5)  # the one without a boundary counts too


def test_county_rates_follow_a_change_of_coverage(geojson_geography, leader):
    client = _client(leader)
    params = {"coverage": "true", "as_of": AS_OF.isoformat()}
    assert _features(client.get(COUNTIES, params))[geojson_geography.county.code]["properties"]["villages_covered"] == 2

    f.make_village_assignment(specialist=geojson_geography.second, village=geojson_geography.ended,
                              start_date=AS_OF - DAY, end_date=None)

    assert _features(client.get(COUNTIES, params))[geojson_geography.county.code]["properties"]["villages_covered"] == 3


def test_county_rates_cost_the_same_queries_for_1_and_50_units():
    for i in range(50):
        county = f.make_county(boundary=cell(i % 40, i // 40))
        f.make_village(town=f.make_town(county=county), boundary=cell(i % 40, 3 + i // 40))
    user = f.make_user_role(role=UserRole.Role.LEADER).user

    # The role, the version, then county_rate_frame's tallies, units and zone towns.
    assert _queries(user, COUNTIES, {"coverage": "1"}) == (5, 50)
    # Cached: the role and the version.
    assert _queries(user, COUNTIES, {"coverage": "1"}) == (2, 50)


def test_layers_are_compressed_for_a_client_that_accepts_gzip(geojson_geography, leader):
    import gzip
    import json

    response = _client(leader, **{"Accept-Encoding": "gzip"}).get(VILLAGES, {"as_of": AS_OF.isoformat()})

    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert len(json.loads(gzip.decompress(response.content))["features"]) == 7


def test_a_layer_of_more_features_than_a_cache_entry_holds_is_built_every_time(geojson_geography, leader, monkeypatch):
    from api.coverage import cache

    monkeypatch.setattr(cache, "MAX_CACHED_FEATURES", 6)
    user = get_user_model().objects.get(pk=leader.pk)
    # Seven features: the role, the version and the layer's two queries, both times.
    assert _queries(user, VILLAGES, {"as_of": AS_OF.isoformat()}) == (4, 7)
    assert _queries(user, VILLAGES, {"as_of": AS_OF.isoformat()}) == (4, 7)
