"""Dual coverage on small hand-made cases, through coverage_for and the coverage command."""

import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from specialists.coverage.queries import coverage_for
from specialists.assignments.models import IndustryAssignment, VillageAssignment
from specialists.people.models import Organisation, Specialist, Team, TeamMembership
from tests.factories import default_city
from villages.models import County, Industry, Town, Village
from villages.places import Place

AS_OF = datetime.date(2023, 6, 15)
DAY = datetime.timedelta(days=1)

pytestmark = pytest.mark.django_db


class CoverageCases:
    """Two county-level units with one town each, and villages in every coverage situation."""

    def __init__(self):
        self.city = default_city()
        self.huaiyuan = County.objects.create(code="340321", name="怀远县", kind=County.Kind.COUNTY, city=self.city)
        self.wuhe = County.objects.create(code="340322", name="五河县", kind=County.Kind.COUNTY, city=self.city)
        self.town_a = Town.objects.create(code="340321100", name="荆山镇", kind=Town.Kind.TOWN, county=self.huaiyuan)
        self.town_b = Town.objects.create(code="340322100", name="城关镇", kind=Town.Kind.TOWN, county=self.wuhe)
        self.org = Organisation.objects.create(name="安徽农业大学", kind=Organisation.Kind.UNIVERSITY)
        self.serving = self.specialist("张伟")
        self.suspended = self.specialist("李娜", status=Specialist.Status.SUSPENDED)
        village = self.village
        self.covered = village(self.town_a, "340321100201", "张庄村", start=AS_OF - 100 * DAY)
        self.ended = village(self.town_a, "340321100202", "李圩村", start=AS_OF - 400 * DAY, end=AS_OF - DAY)
        self.tomorrow = village(self.town_a, "340321100203", "王湖村", start=AS_OF + DAY)
        self.by_suspended = village(self.town_a, "340321100204", "赵集村", start=AS_OF - 100 * DAY, who=self.suspended)
        self.at_risk = village(self.town_a, "340321100205", "刘岗村", start=AS_OF - 100 * DAY, end=AS_OF + 10 * DAY)
        self.community = village(self.town_a, "340321100001", "荆山社区", kind=Village.Kind.COMMUNITY)
        self.wuhe_village = village(self.town_b, "340322100201", "陈台村", start=AS_OF - 100 * DAY)
        # Key industries: wheat city-wide; pomegranate key in both counties but its team is limited
        # to Huaiyuan; crab key in Wuhe with no team at all.
        self.wheat = Industry.objects.create(name="优质小麦", category=Industry.Category.GRAIN, is_city_key=True, city=self.city)
        self.pomegranate = Industry.objects.create(name="石榴", category=Industry.Category.HORTICULTURE, city=self.city)
        self.pomegranate.key_counties.set([self.huaiyuan, self.wuhe])
        self.crab = Industry.objects.create(name="螃蟹", category=Industry.Category.AQUACULTURE, city=self.city)
        self.crab.key_counties.set([self.wuhe])
        team = Team.objects.create(name="小麦特派团", lead_organisation=self.org, leader=self.serving, year_selected=2023)
        TeamMembership.objects.create(team=team, specialist=self.serving, role=TeamMembership.Role.LEADER)
        IndustryAssignment.objects.create(team=team, industry=self.wheat, start_date=AS_OF - 100 * DAY)
        limited = IndustryAssignment.objects.create(team=team, industry=self.pomegranate, start_date=AS_OF - 100 * DAY)
        limited.counties.set([self.huaiyuan])

    def specialist(self, name, status=Specialist.Status.ACTIVE):
        count = Specialist.objects.count()
        return Specialist.objects.create(
            name=name, gender=Specialist.Gender.MALE, mobile=f"139{count:08d}", organisation=self.org,
            year_selected=2023, status=status,
        )

    def village(self, town, code, name, start=None, end=None, who=None, kind=Village.Kind.VILLAGE):
        village = Village.objects.create(code=code, name=name, town=town, kind=kind)
        if start is not None:
            VillageAssignment.objects.create(specialist=who or self.serving, village=village, start_date=start, end_date=end)
        return village


@pytest.fixture
def coverage_cases():
    return CoverageCases()


def codes(rows):
    return [row["code"] for row in rows]


def test_village_coverage_counts_only_running_assignments_of_active_specialists(coverage_cases):
    coverage = coverage_for(as_of=AS_OF)

    assert coverage.total.villages_total == 6  # the community does not count
    assert coverage.total.villages_covered == 3  # covered, at risk, Wuhe's
    assert codes(coverage.uncovered_villages) == ["340321100202", "340321100203", "340321100204"]
    assert codes(coverage.at_risk_villages) == ["340321100205"]
    assert coverage.at_risk_villages[0]["last_end_date"] == (AS_OF + 10 * DAY).isoformat()
    assert coverage.uncovered_villages[0] == {
        "code": "340321100202", "name": "李圩村", "town": "荆山镇", "town_code": "340321100",
        "county": "怀远县", "county_code": "340321",
    }


def test_per_county_and_town_tallies(coverage_cases):
    coverage = coverage_for(as_of=AS_OF)

    by_code = {tally.code: tally for tally in coverage.counties}
    assert (by_code["340321"].villages_total, by_code["340321"].villages_covered, by_code["340321"].villages_at_risk) == (5, 2, 1)
    assert (by_code["340322"].villages_total, by_code["340322"].villages_covered) == (1, 1)
    assert [(t.code, t.villages_total, t.villages_covered) for t in coverage.towns] == [("340321100", 5, 2), ("340322100", 1, 1)]
    assert {t.code: t.parent for t in coverage.towns} == {"340321100": "340321", "340322100": "340322"}


def test_a_past_date_sees_the_assignments_of_that_day(coverage_cases):
    coverage = coverage_for(as_of=AS_OF - 200 * DAY)

    # Only the assignment that has since ended was running then.
    assert coverage.total.villages_covered == 1
    assert "340321100202" not in codes(coverage.uncovered_villages)


def test_the_at_risk_window_is_configurable(coverage_cases):
    assert codes(coverage_for(as_of=AS_OF, at_risk_days=5).at_risk_villages) == []
    assert codes(coverage_for(as_of=AS_OF, at_risk_days=10).at_risk_villages) == ["340321100205"]


def test_industry_coverage_per_county_where_key(coverage_cases):
    coverage = coverage_for(as_of=AS_OF)

    assert coverage.uncovered_industries == [
        {"industry": "石榴", "county": "五河县", "county_code": "340322"},  # the team is limited to Huaiyuan
        {"industry": "螃蟹", "county": "五河县", "county_code": "340322"},
    ]
    assert (coverage.total.industries_total, coverage.total.industries_covered) == (3, 1)
    by_code = {tally.code: tally for tally in coverage.counties}
    assert (by_code["340321"].industries_total, by_code["340321"].industries_covered) == (1, 1)
    assert (by_code["340322"].industries_total, by_code["340322"].industries_covered) == (2, 0)


def test_an_ended_team_assignment_leaves_its_industry_uncovered(coverage_cases):
    IndustryAssignment.objects.filter(industry=coverage_cases.wheat).update(end_date=AS_OF - DAY)

    uncovered = coverage_for(as_of=AS_OF).uncovered_industries

    assert {"industry": "优质小麦", "county": None, "county_code": None} in uncovered


def test_county_scope_sees_only_its_own_villages_and_industries(coverage_cases):
    coverage = coverage_for(as_of=AS_OF, place=Place(coverage_cases.wuhe))

    assert [t.code for t in coverage.counties] == ["340322"]
    assert coverage.total.villages_total == 1
    assert coverage.uncovered_villages == []
    assert [p["industry"] for p in coverage.uncovered_industries] == ["石榴", "螃蟹"]


def test_specialists_over_their_village_load(coverage_cases):
    for n in range(3):
        coverage_cases.village(coverage_cases.town_b, f"340322100{210 + n}", f"新村{n}", start=AS_OF - 10 * DAY)

    # 张伟 serves 张庄村, 刘岗村, 陈台村 and the three new villages: six on the day.
    assert coverage_for(as_of=AS_OF, max_villages=5).overloaded_specialists == [
        {"id": coverage_cases.serving.pk, "name": "张伟", "villages": 6}
    ]
    assert coverage_for(as_of=AS_OF, max_villages=6).overloaded_specialists == []
    assert [s["name"] for s in coverage_for(as_of=AS_OF, place=Place(coverage_cases.wuhe), max_villages=5).overloaded_specialists] == ["张伟"]


def test_query_count_does_not_grow_with_the_data(coverage_cases):
    def queries():
        with CaptureQueriesContext(connection) as context:
            coverage_for(as_of=AS_OF)
        return len(context.captured_queries)

    before = queries()
    for n in range(30):
        coverage_cases.village(coverage_cases.town_b, f"340322100{300 + n}", f"新村{n}", start=AS_OF - 10 * DAY, who=coverage_cases.specialist(f"新人{n}"))
    # One statement: counties, village tallies with the gap lists, key industries, overloaded specialists.
    assert before == queries() == 1


def test_command_fails_on_gap_and_names_the_village(coverage_cases, capsys):
    with pytest.raises(SystemExit) as exit_info:
        call_command("coverage", "--as-of", AS_OF.isoformat(), "--fail-on-gap")
    assert exit_info.value.code == 1
    assert "李圩村" in capsys.readouterr().out


def test_command_exits_normally_when_all_is_covered(coverage_cases):
    for village in (coverage_cases.ended, coverage_cases.tomorrow, coverage_cases.by_suspended):
        VillageAssignment.objects.create(specialist=coverage_cases.serving, village=village, start_date=AS_OF, end_date=AS_OF + 100 * DAY)
    coverage_cases.crab.key_counties.clear()
    IndustryAssignment.objects.get(industry=coverage_cases.pomegranate).counties.clear()  # now city-wide
    out = io.StringIO()

    call_command("coverage", "--as-of", AS_OF.isoformat(), "--fail-on-gap", "--format", "json", stdout=out)

    assert json.loads(out.getvalue())["dual_coverage"] is True


def test_command_json_has_the_documented_keys(coverage_cases):
    out = io.StringIO()
    call_command("coverage", "--as-of", AS_OF.isoformat(), "--format", "json", stdout=out)

    data = json.loads(out.getvalue())
    assert data["as_of"] == "2023-06-15"
    # The one shape of coverage: the API's summary, with the gap lists beside it.
    assert data["place"] == {"level": "all", "code": "", "name": "蚌埠市"}
    assert (data["villages"]["total"], data["villages"]["covered"]) == (6, 3)
    assert (data["industries"]["total"], data["industries"]["covered"]) == (3, 1)
    assert [v["code"] for v in data["uncovered_villages"]] == ["340321100202", "340321100203", "340321100204"]
    assert {"code", "name", "town", "county"} <= set(data["uncovered_villages"][0])
    assert [v["code"] for v in data["at_risk_villages"]] == ["340321100205"]
    assert len(data["uncovered_industries"]) == 2
    assert [(c["code"], c["name"], c["villages"]["total"]) for c in data["counties"]] == [("340321", "怀远县", 5), ("340322", "五河县", 1)]
    assert [(c["code"], c["villages"]["total"]) for c in data["cities"]] == [("3403", 6)]


def test_command_county_filter_and_csv(coverage_cases):
    out = io.StringIO()
    call_command("coverage", "--as-of", AS_OF.isoformat(), "--county", "340322", "--format", "csv", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0].startswith("level,code,name,parent_code,villages_total,villages_covered")
    assert [line.split(",")[:4] for line in lines[1:]] == [
        ["county", "340322", "五河县", ""], ["county", "340322", "五河县", "3403"], ["town", "340322100", "城关镇", "340322"],
    ]


def test_command_writes_a_workbook(coverage_cases, tmp_path):
    target = tmp_path / "coverage.xlsx"
    call_command("coverage", "--as-of", AS_OF.isoformat(), "--format", "xlsx", "--output", str(target))

    book = load_workbook(target)
    assert len(book.sheetnames) == 5
    uncovered = list(book.worksheets[1].iter_rows(values_only=True))
    assert uncovered[0] == ("code", "name", "town", "county")
    assert [row[0] for row in uncovered[1:]] == ["340321100202", "340321100203", "340321100204"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--as-of", "2023-02-30"], "--as-of"),
        (["--county", "999999"], "--county"),
        (["--format", "xlsx"], "--output"),
        (["--at-risk-days", "-1"], "--at-risk-days"),
    ],
)
def test_command_refuses_bad_arguments(coverage_cases, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("coverage", *args)
