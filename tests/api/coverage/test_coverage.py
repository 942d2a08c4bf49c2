"""Coverage through the API: the summary, the gap lists, the industry matrix and suggestions, each within scope."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pyproj import Transformer
from rest_framework.test import APIClient

from specialists.coverage.queries import coverage_for
from villages.places import Place
from specialists.access.models import UserRole
from specialists.people.models import Specialist
from tests import factories as f
from villages.models import County, Village

pytestmark = pytest.mark.django_db
AS_OF = datetime.date(2023, 6, 15)
DAY = datetime.timedelta(days=1)
SUMMARY, GAPS, INDUSTRIES = "/api/v1/coverage/summary/", "/api/v1/coverage/gaps/", "/api/v1/coverage/industries/"


def _client(user):
    client = APIClient(headers={"Accept-Language": "en"})
    client.force_authenticate(user)
    return client


def _get(user, url, params=None, status=200):
    response = _client(user).get(url, params or {})
    assert response.status_code == status, response.content
    return response.json()


class CoverageCounties:
    """Two county-level units: 怀远县 with villages in every situation and two key industries, 五河县 with one gap each."""

    def __init__(self):
        self.huaiyuan = f.make_county(code="340321", name="怀远县")
        self.wuhe = f.make_county(code="340322", name="五河县")
        self.town = f.make_town(code="340321100", name="荆山镇", county=self.huaiyuan)
        self.wuhe_town = f.make_town(code="340322100", name="城关镇", county=self.wuhe)
        serving = f.make_specialist(name="张伟")
        start = AS_OF - 100 * DAY
        self.covered = f.make_village(town=self.town, code="340321100201", name="张庄村")
        f.make_village_assignment(specialist=serving, village=self.covered, start_date=start)
        self.at_risk = f.make_village(town=self.town, code="340321100202", name="李圩村")
        f.make_village_assignment(specialist=serving, village=self.at_risk, start_date=start, end_date=AS_OF + 10 * DAY)
        self.uncovered = f.make_village(town=self.town, code="340321100203", name="王湖村")
        f.make_village(town=self.town, code="340321100001", name="荆山社区", kind=Village.Kind.COMMUNITY)
        self.wuhe_uncovered = f.make_village(town=self.wuhe_town, code="340322100201", name="沱湖村")

        self.team = f.make_team(name="糯稻特派团", leader=serving)
        self.rice = f.make_industry(name="糯稻", is_city_key=True, key_counties=[self.huaiyuan])
        f.make_industry_assignment(team=self.team, industry=self.rice, start_date=start)  # city-wide
        self.pomegranate = f.make_industry(name="石榴", key_counties=[self.huaiyuan])
        f.make_industry_assignment(team=self.team, industry=self.pomegranate, counties=[self.huaiyuan], start_date=start)
        self.crab = f.make_industry(name="螃蟹", key_counties=[self.wuhe])  # no team: a gap


@pytest.fixture
def coverage_counties():
    return CoverageCounties()


@pytest.fixture
def huaiyuan_coordinator(coverage_counties):
    return f.make_user_role(role=UserRole.Role.COORDINATOR, county=coverage_counties.huaiyuan).user


def _villages(total, covered, at_risk):
    return {"total": total, "covered": covered, "uncovered": total - covered, "at_risk": at_risk,
            "rate": round(covered / total, 4) if total else 1.0}


def _industries(total, covered):
    return {"total": total, "covered": covered, "uncovered": total - covered, "rate": round(covered / total, 4) if total else 1.0}


# --- Summary -----------------------------------------------------------------------------------------------------

def test_the_city_summary_has_totals_and_a_row_per_county_level_unit(coverage_counties, leader):
    body = _get(leader, SUMMARY, {"as_of": AS_OF.isoformat()})

    assert body == {
        "as_of": "2023-06-15", "place": {"level": "all", "code": "", "name": "蚌埠市"}, "county": None, "at_risk_days": 30,
        "villages": _villages(4, 2, 1),
        # 糯稻 (city-wide) and 石榴 covered; 螃蟹 in 五河县 not.
        "industries": _industries(3, 2),
        "dual_coverage": False,
        "cities": [{"code": "3403", "name": "蚌埠市", "villages": _villages(4, 2, 1), "industries": _industries(3, 2)}],
        "counties": [
            {"code": "340321", "name": "怀远县", "city": "3403", "villages": _villages(3, 2, 1), "industries": _industries(2, 2)},
            {"code": "340322", "name": "五河县", "city": "3403", "villages": _villages(1, 0, 0), "industries": _industries(1, 0)},
        ],
        "towns": [],
    }


def test_by_town_adds_the_towns(coverage_counties, leader):
    body = _get(leader, SUMMARY, {"as_of": AS_OF.isoformat(), "by": "town"})

    assert body["towns"] == [
        {"code": "340321100", "name": "荆山镇", "county": "340321", "villages": _villages(3, 2, 1)},
        {"code": "340322100", "name": "城关镇", "county": "340322", "villages": _villages(1, 0, 0)},
    ]


def test_the_summary_agrees_with_coverage_for(coverage_counties, leader):
    body = _get(leader, SUMMARY, {"as_of": AS_OF.isoformat(), "county": "340321"})

    report = coverage_for(as_of=AS_OF, place=Place(coverage_counties.huaiyuan)).as_dict()
    # The one shape: every key of the summary is the report's, with the same value.
    assert {key: value for key, value in report.items() if key in body} == body


def test_a_county_role_gets_its_own_unit_with_its_towns(coverage_counties, huaiyuan_coordinator):
    body = _get(huaiyuan_coordinator, SUMMARY, {"as_of": AS_OF.isoformat()})

    assert body["county"] == {"code": "340321", "name": "怀远县"}
    assert [row["code"] for row in body["counties"]] == ["340321"]
    assert [row["code"] for row in body["towns"]] == ["340321100"]
    assert (body["villages"], body["industries"], body["dual_coverage"]) == (_villages(3, 2, 1), _industries(2, 2), False)


def test_a_county_role_naming_another_unit_gets_404(coverage_counties, huaiyuan_coordinator):
    _get(huaiyuan_coordinator, SUMMARY, {"county": "340322"}, status=404)
    _get(huaiyuan_coordinator, SUMMARY, {"county": "340321"})


# --- Gaps ----------------------------------------------------------------------------------------------------------

def test_uncovered_villages_are_listed_by_code_with_their_place(coverage_counties, leader):
    body = _get(leader, GAPS, {"as_of": AS_OF.isoformat()})

    assert body == {"count": 2, "next": None, "previous": None, "results": [
        {"kind": "uncovered", "village": {"code": "340321100203", "name": "王湖村"}, "town": {"code": "340321100", "name": "荆山镇"},
         "county": {"code": "340321", "name": "怀远县"}, "last_end_date": None, "industry": None},
        {"kind": "uncovered", "village": {"code": "340322100201", "name": "沱湖村"}, "town": {"code": "340322100", "name": "城关镇"},
         "county": {"code": "340322", "name": "五河县"}, "last_end_date": None, "industry": None},
    ]}


def test_villages_at_risk_come_with_the_last_day_they_are_served(coverage_counties, leader):
    body = _get(leader, GAPS, {"as_of": AS_OF.isoformat(), "kind": "at_risk"})

    assert [(row["village"]["code"], row["last_end_date"]) for row in body["results"]] == [("340321100202", "2023-06-25")]
    report = coverage_for(as_of=AS_OF)
    assert [row["village"]["code"] for row in body["results"]] == [v["code"] for v in report.at_risk_villages]


def test_industry_gaps_name_the_industry_and_the_unit(coverage_counties, leader):
    body = _get(leader, GAPS, {"as_of": AS_OF.isoformat(), "kind": "industry"})

    assert body["results"] == [{"kind": "industry", "village": None, "town": None, "last_end_date": None,
                                "county": {"code": "340322", "name": "五河县"}, "industry": {"id": coverage_counties.crab.pk, "name": "螃蟹"}}]


def test_gaps_are_paged(coverage_counties, leader):
    body = _get(leader, GAPS, {"as_of": AS_OF.isoformat(), "page_size": 1, "page": 2})

    assert (body["count"], body["next"], [row["village"]["code"] for row in body["results"]]) == (2, None, ["340322100201"])
    assert body["previous"] is not None


@pytest.mark.parametrize("kind", ["uncovered", "at_risk", "industry"])
def test_a_county_role_sees_only_its_own_gaps(coverage_counties, huaiyuan_coordinator, kind):
    body = _get(huaiyuan_coordinator, GAPS, {"as_of": AS_OF.isoformat(), "kind": kind})

    assert all(row["county"]["code"] == "340321" for row in body["results"])
    _get(huaiyuan_coordinator, GAPS, {"kind": kind, "county": "340322"}, status=404)
    _get(huaiyuan_coordinator, GAPS, {"kind": kind, "town": "340322100"}, status=404)


def test_a_town_narrows_the_village_gaps(coverage_counties, leader):
    body = _get(leader, GAPS, {"as_of": AS_OF.isoformat(), "town": "340322100"})

    assert [row["village"]["code"] for row in body["results"]] == ["340322100201"]


def test_an_unknown_gap_kind_is_400_naming_it(leader):
    assert list(_get(leader, GAPS, {"kind": "holes"}, status=400)["fields"]) == ["kind"]


# --- Industry matrix -------------------------------------------------------------------------------------------------

def test_the_matrix_has_a_cell_per_key_industry_and_unit_with_the_teams_covering_it(coverage_counties, leader):
    body = _get(leader, INDUSTRIES, {"as_of": AS_OF.isoformat()})

    team = {"id": coverage_counties.team.pk, "name": "糯稻特派团"}
    huaiyuan, wuhe = {"code": "340321", "name": "怀远县"}, {"code": "340322", "name": "五河县"}
    assert body == {
        "as_of": "2023-06-15", "county": None,
        "counties": [huaiyuan, wuhe],
        # By name, in code point order (石 < 糯 < 螃).
        "industries": [{"id": coverage_counties.pomegranate.pk, "name": "石榴"}, {"id": coverage_counties.rice.pk, "name": "糯稻"}, {"id": coverage_counties.crab.pk, "name": "螃蟹"}],
        "rows": [
            # The city's own row of a city key industry comes first (no unit), then by unit code and industry name.
            {"county": None, "industry": {"id": coverage_counties.rice.pk, "name": "糯稻"}, "covered": True, "teams": [team]},
            {"county": huaiyuan, "industry": {"id": coverage_counties.pomegranate.pk, "name": "石榴"}, "covered": True, "teams": [team]},
            {"county": huaiyuan, "industry": {"id": coverage_counties.rice.pk, "name": "糯稻"}, "covered": True, "teams": [team]},
            {"county": wuhe, "industry": {"id": coverage_counties.crab.pk, "name": "螃蟹"}, "covered": False, "teams": []},
        ],
    }


def test_an_assignment_limited_to_another_unit_covers_nothing_here(coverage_counties, leader):
    other = f.make_team(name="五河特派团")
    f.make_industry_assignment(team=other, industry=coverage_counties.pomegranate, counties=[coverage_counties.wuhe], start_date=AS_OF - DAY)

    rows = _get(leader, INDUSTRIES, {"as_of": AS_OF.isoformat()})["rows"]

    pomegranate = [row for row in rows if row["industry"]["name"] == "石榴"]
    assert [team["name"] for team in pomegranate[0]["teams"]] == ["糯稻特派团"]


def test_a_county_role_gets_its_own_units_cells(coverage_counties, huaiyuan_coordinator):
    body = _get(huaiyuan_coordinator, INDUSTRIES, {"as_of": AS_OF.isoformat()})

    assert body["county"] == {"code": "340321", "name": "怀远县"}
    assert {(row["county"]["code"], row["industry"]["name"]) for row in body["rows"]} == {("340321", "糯稻"), ("340321", "石榴")}
    _get(huaiyuan_coordinator, INDUSTRIES, {"county": "340322"}, status=404)


def test_a_specialist_sees_the_city_matrix_but_only_their_own_teams(coverage_counties):
    outsider = f.make_specialist()
    user = f.make_user_role(role=UserRole.Role.SPECIALIST, specialist=outsider).user

    rows = _get(user, INDUSTRIES, {"as_of": AS_OF.isoformat()})["rows"]

    assert [(row["covered"], row["teams"]) for row in rows] == [(True, []), (True, []), (True, []), (False, [])]


# --- Scope over the two counties -------------------------------------------------------------------------------------

SEES = {
    "city_coordinator": {"huaiyuan", "wuhe"}, "leader_city": {"huaiyuan", "wuhe"}, "specialist": {"huaiyuan", "wuhe"},
    "county_coordinator": {"huaiyuan"}, "leader_wuhe": {"wuhe"},
}


@pytest.mark.parametrize("role", list(SEES))
def test_every_role_gets_the_coverage_of_its_scope(two_counties, role):
    user = two_counties.users[role]
    codes = {getattr(two_counties, side).county.code for side in SEES[role]}
    village_codes = {getattr(two_counties, side).village.code for side in SEES[role]}
    # End every assignment, so that each side's village is a gap.
    for side in (two_counties.huaiyuan, two_counties.wuhe):
        side.assignment.end_date = datetime.date(2023, 3, 2)
        side.assignment.save()

    summary = _get(user, SUMMARY)
    gaps = _get(user, GAPS)
    industry_gaps = _get(user, GAPS, {"kind": "industry", "as_of": "2023-03-01"})
    matrix = _get(user, INDUSTRIES)

    assert {row["code"] for row in summary["counties"]} == codes
    assert {row["village"]["code"] for row in gaps["results"]} == village_codes
    assert industry_gaps["results"] == []
    assert {row["county"]["code"] for row in matrix["rows"]} == codes


@pytest.mark.parametrize("url", [SUMMARY, GAPS, INDUSTRIES])
def test_no_role_is_403_and_anonymous_401(two_counties, url):
    assert _client(two_counties.users["no_role"]).get(url).status_code == 403
    assert APIClient().get(url).status_code == 401


# --- Suggestions ------------------------------------------------------------------------------------------------------

TO_METRES = Transformer.from_crs("EPSG:4490", "EPSG:4548", always_xy=True)


def _metres(a, b):
    (ax, bx), (ay, by) = TO_METRES.transform([a[0], b[0]], [a[1], b[1]])
    return ((ax - bx) ** 2 + (ay - by) ** 2) ** 0.5


class Candidates:
    """A village of 怀远县 (key industry 石榴) and specialists around it in every situation."""

    POINT = (117.20, 32.95)

    def __init__(self):
        self.county = f.make_county(code="340321", name="怀远县")
        self.town = f.make_town(county=self.county)
        self.pomegranate = f.make_industry(name="石榴", key_counties=[self.county])
        self.wheat = f.make_industry(name="小麦")  # key nowhere
        self.village = f.make_village(town=self.town, lon=self.POINT[0], lat=self.POINT[1])
        start = AS_OF - 50 * DAY

        def specialist(name, home=None, expertise=(), **fields):
            home = home or (None, None)
            return f.make_specialist(name=name, home_lon=home[0], home_lat=home[1], expertise=expertise,
                                     organisation=f.make_organisation(name=f"{name}单位"), **fields)

        self.expert_far = specialist("远专家", home=(117.40, 32.95), expertise=[self.pomegranate])
        self.expert_near = specialist("近专家", home=(117.21, 32.95), expertise=[self.pomegranate])
        self.near = specialist("近邻", home=(117.201, 32.95), expertise=[self.wheat])
        self.from_village = specialist("村里人")
        served = f.make_village(town=self.town, lon=117.25, lat=32.95)
        f.make_village_assignment(specialist=self.from_village, village=served, start_date=start)
        self.nowhere = specialist("无处")
        # Left out: full, suspended, already serving the village that day.
        self.full = specialist("满员", home=(117.2, 32.951), expertise=[self.pomegranate])
        for _ in range(5):
            f.make_village_assignment(specialist=self.full, village=f.make_village(town=self.town), start_date=start)
        specialist("停职", home=(117.2, 32.95), status=Specialist.Status.SUSPENDED)
        self.serving = specialist("在岗", home=(117.2, 32.95))
        f.make_village_assignment(specialist=self.serving, village=self.village, start_date=start)
        # Everyone is visible to a county coordinator of 怀远县 through some assignment there, of any date.
        for someone in (self.expert_far, self.expert_near, self.near, self.nowhere):
            f.make_village_assignment(specialist=someone, village=f.make_village(town=self.town),
                                      start_date=AS_OF - 400 * DAY, end_date=AS_OF - 300 * DAY)

    def url(self, village=None):
        return f"/api/v1/villages/{(village or self.village).code}/suggestions/"


@pytest.fixture
def candidates():
    return Candidates()


def test_suggestions_rank_expertise_first_then_distance(candidates):
    coordinator = f.make_user_role(role=UserRole.Role.COORDINATOR).user

    rows = _get(coordinator, candidates.url(), {"as_of": AS_OF.isoformat()})

    c = candidates
    assert [row["name"] for row in rows] == ["近专家", "远专家", "近邻", "村里人", "无处"]
    near = rows[0]
    assert near == {
        "id": c.expert_near.pk, "name": "近专家", "organisation": {"id": c.expert_near.organisation_id, "name": "近专家单位"},
        "distance_m": pytest.approx(_metres((117.21, 32.95), c.POINT), abs=0.1), "distance_from": "home",
        "running_villages": 0, "matches_expertise": True,
    }
    assert (rows[3]["distance_from"], rows[3]["running_villages"]) == ("village", 1)
    assert rows[3]["distance_m"] == pytest.approx(_metres((117.25, 32.95), c.POINT), abs=0.1)
    assert (rows[4]["distance_m"], rows[4]["distance_from"]) == (None, None)
    assert 930 < near["distance_m"] < 940  # 0.01 degree of longitude at 32.95 N


def test_a_city_key_industry_is_expertise_anywhere(candidates):
    candidates.wheat.is_city_key = True
    candidates.wheat.save()
    coordinator = f.make_user_role(role=UserRole.Role.COORDINATOR).user

    rows = _get(coordinator, candidates.url(), {"as_of": AS_OF.isoformat(), "limit": 3})

    assert [(row["name"], row["matches_expertise"]) for row in rows] == [("近邻", True), ("近专家", True), ("远专家", True)]


def test_a_county_coordinator_is_offered_only_the_specialists_they_may_see(candidates):
    other = f.make_county(code="340322", name="五河县")
    stranger = f.make_specialist(name="外县专家", home_lon=117.2, home_lat=32.95, expertise=[candidates.pomegranate])
    f.make_village_assignment(specialist=stranger, village=f.make_village(town=f.make_town(county=other)), start_date=AS_OF)
    county_coordinator = f.make_user_role(role=UserRole.Role.COORDINATOR, county=candidates.county).user
    city_coordinator = f.make_user_role(role=UserRole.Role.COORDINATOR).user

    county_names = [row["name"] for row in _get(county_coordinator, candidates.url(), {"as_of": AS_OF.isoformat()})]
    city_names = [row["name"] for row in _get(city_coordinator, candidates.url(), {"as_of": AS_OF.isoformat()})]

    assert "外县专家" not in county_names and len(county_names) == 5
    assert city_names[0] == "外县专家"


def test_suggestions_are_for_coordinators_of_the_villages_scope(two_counties):
    url = "/api/v1/villages/{}/suggestions/"
    county_coordinator = two_counties.users["county_coordinator"]

    assert _client(county_coordinator).get(url.format(two_counties.wuhe.village.code)).status_code == 404
    assert _client(county_coordinator).get(url.format("340321999999")).status_code == 404
    assert _client(county_coordinator).get(url.format(two_counties.huaiyuan.village.code)).status_code == 200
    for role in ("leader_city", "leader_wuhe", "specialist", "no_role"):
        assert _client(two_counties.users[role]).get(url.format(two_counties.huaiyuan.village.code)).status_code == 403
    assert APIClient().get(url.format(two_counties.huaiyuan.village.code)).status_code == 401


def test_a_limit_out_of_range_is_400(candidates):
    coordinator = f.make_user_role(role=UserRole.Role.COORDINATOR).user

    assert list(_get(coordinator, candidates.url(), {"limit": 0}, status=400)["fields"]) == ["limit"]


# --- Query counts ---------------------------------------------------------------------------------------------------------

def _queries(user, url, params):
    client = APIClient()
    client.force_authenticate(get_user_model().objects.get(pk=user.pk))  # a fresh user: its role is read again
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200, response.content
    return len(captured), response.json()


@pytest.mark.parametrize("rows", [1, 50])
def test_summary_and_gaps_cost_the_same_queries_for_1_and_50_villages(rows):
    county = f.make_county()
    town = f.make_town(county=county)
    for _ in range(rows):
        f.make_village(town=town)
        f.make_village_assignment(village=f.make_village(town=town), end_date=f.START + 20 * DAY)
    user = f.make_user_role(role=UserRole.Role.COORDINATOR, county=county).user
    day = (f.START + DAY).isoformat()

    # The role; coverage_for's one statement: units, village tallies and gaps, key industry units, overloaded specialists.
    count, body = _queries(user, SUMMARY, {"as_of": day})
    assert (count, body["villages"]["total"]) == (2, 2 * rows)
    # The role, the count, the page (spans joined to village, town and unit).
    count, body = _queries(user, GAPS, {"as_of": day, "page_size": 1000})
    assert (count, body["count"]) == (3, rows)
    count, body = _queries(user, GAPS, {"as_of": day, "kind": "at_risk", "town": town.code})
    assert (count, body["count"]) == (4, rows)  # + the town named


@pytest.mark.parametrize("rows", [1, 50])
def test_the_matrix_costs_the_same_queries_for_1_and_50_industries(rows):
    county = f.make_county(kind=County.Kind.DISTRICT)
    for _ in range(rows):
        f.make_industry_assignment(industry=f.make_industry(key_counties=[county]), counties=[county])
    user = f.make_user_role(role=UserRole.Role.LEADER).user

    # The role; the key industry units with the running assignments covering each (one statement);
    # the teams of the running assignments the user sees.
    count, body = _queries(user, INDUSTRIES, {"as_of": f.START.isoformat()})
    assert (count, len(body["rows"])) == (3, rows)


@pytest.mark.parametrize("rows", [1, 50])
def test_suggestions_cost_the_same_queries_for_1_and_50_specialists(rows):
    town = f.make_town()
    village = f.make_village(town=town, lon=117.2, lat=32.9)
    industry = f.make_industry(key_counties=[town.county])
    for i in range(rows):
        someone = f.make_specialist(expertise=[industry], home_lon=117.0 + i * 0.001 if i % 2 else None,
                                    home_lat=32.9 if i % 2 else None)
        f.make_village_assignment(specialist=someone, village=f.make_village(town=town, lon=117.1, lat=32.9))
    user = f.make_user_role(role=UserRole.Role.COORDINATOR, county=town.county).user

    # The role, the village, the candidates (load and expertise as subqueries), the villages of those without a home.
    count, body = _queries(user, f"/api/v1/villages/{village.code}/suggestions/", {"as_of": f.START.isoformat(), "limit": 50})
    assert (count, len(body)) == (4, rows)


# --- A village's popup on the map: its running specialists and its service logs -------------------------------------

def test_a_village_popup_lists_the_specialists_running_there_on_the_day_and_its_logs(two_counties):
    village = two_counties.huaiyuan.village
    ended = f.make_village_assignment(village=village, start_date=datetime.date(2023, 3, 1), end_date=datetime.date(2023, 4, 1))
    f.make_village_assignment(start_date=datetime.date(2023, 3, 1))  # another village's
    log = f.make_service_log(specialist=two_counties.huaiyuan.specialist, village=village)
    f.make_service_log(village=two_counties.wuhe.village)
    client = _client(two_counties.users["county_coordinator"])

    on_day = client.get("/api/v1/village-assignments/", {"village": village.code, "running_on": "2023-06-15"}).json()
    earlier = client.get("/api/v1/village-assignments/", {"village": village.code, "running_on": "2023-03-15"}).json()
    logs = client.get("/api/v1/service-logs/", {"village": village.code}).json()
    elsewhere = client.get("/api/v1/village-assignments/", {"village": two_counties.wuhe.village.code}).json()

    assert [row["specialist"]["name"] for row in on_day["results"]] == ["张怀远"]
    assert {row["id"] for row in earlier["results"]} == {two_counties.huaiyuan.assignment.pk, ended.pk}
    assert [row["uuid"] for row in logs["results"]] == [str(log.uuid)]
    assert elsewhere["count"] == 0  # another county's village: nothing, whatever the filter


@pytest.mark.parametrize(("language", "words"), [("en", "Coverage day"), ("zh-hans", "覆盖日期")])
def test_a_refused_parameter_is_named_in_the_users_words_never_by_its_raw_name(coverage_counties, leader, language, words):
    response = APIClient(headers={"Accept-Language": language})
    response.force_authenticate(leader)

    answer = response.get(SUMMARY, {"as_of": "2101-01-01"})

    assert answer.status_code == 400
    messages = answer.json()["fields"]["as_of"]
    assert messages and all(message.startswith(words) for message in messages)
    assert "as_of" not in answer.json()["message"] + " ".join(messages)
