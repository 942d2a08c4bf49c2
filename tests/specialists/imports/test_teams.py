"""The teams' import: teams with their leader and members, one row per member."""

import datetime

import pytest

from specialists.imports.teams import TEAMS
from specialists.people.models import Team, TeamMembership
from tests import factories as f
from tests.specialists.imports.conftest import csv_upload, xlsx
from villages.imports.files import open_upload
from villages.imports.plans import CREATE, LEAVE, UNCHANGED, UPDATE, ImportRefused
from villages.imports.templates import export_workbook
from villages.places import EVERYWHERE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]

HEADER = ["特派团名称", "牵头单位", "级别", "选派年度", "成员姓名", "身份证号", "手机", "团内职务"]


def member(person, role="成员", team="糯稻特派团", organisation="安徽科技学院", level="市级", year="2023"):
    return [team, organisation, level, year, person.name, person.id_number, "", role]


def problems(plan):
    return [(p.row, p.column, p.message) for p in plan.problems]


def roster(team):
    return sorted((m.specialist.name, m.role) for m in TeamMembership.objects.filter(team=team).select_related("specialist"))


def test_a_new_team_with_its_leader_and_members(tree):
    zhang, li, wang = tree.people[:3]
    upload = xlsx([HEADER, member(zhang, "团长"), member(li, "副团长"), [*member(wang, "")[:4], "王五", "", wang.mobile, ""]])
    plan = TEAMS.plan(upload, place=EVERYWHERE, options={})
    assert plan.ok, problems(plan)
    assert plan.summary() == {"team": {CREATE: 1}, "team member": {CREATE: 3}}
    assert not Team.objects.exists()

    TEAMS.commit(upload, place=EVERYWHERE, options={}, progress=lambda done, total: None)
    team = Team.objects.get(name="糯稻特派团")
    assert (team.leader, team.lead_organisation, team.level, team.year_selected) == (zhang, tree.organisation, Team.Level.CITY, 2023)
    assert roster(team) == [("张三", "leader"), ("李四", "deputy"), ("王五", "member")]


def test_each_team_needs_exactly_one_leader(tree):
    zhang, li, wang = tree.people[:3]
    upload = csv_upload([HEADER, member(zhang, "团长"), member(li, "团长"),
                         member(wang, team="石榴特派团")], encoding="gbk")
    plan = TEAMS.plan(upload, place=EVERYWHERE, options={})
    assert problems(plan) == [
        (2, "团内职务", "The team 糯稻特派团 has 2 leaders (rows 2、3): mark only one 团长."),
        (4, "团内职务", "The team 石榴特派团 has no leader: mark one of its rows (4) 团长."),
    ]
    with pytest.raises(ImportRefused):
        TEAMS.commit(upload, place=EVERYWHERE, options={})
    assert not Team.objects.exists()


def test_row_errors_unknown_organisation_specialist_level_role_and_disagreeing_rows(tree):
    zhang, li, wang = tree.people[:3]
    upload = xlsx([HEADER, member(zhang, "团长", organisation="无名大学", level="国家级"),
                   ["糯稻特派团", "", "", "", "无名", "", "13999999999", ""], member(li, "秘书"), member(wang, year="2024")])
    assert problems(TEAMS.plan(upload, place=EVERYWHERE, options={})) == [
        (3, "手机", "No specialist has the ID number or mobile 13999999999: import the specialists first."),
        (4, "团内职务", "秘书 is not a role in a team: write 团长, 副团长 or 成员."),
        (2, "牵头单位", "No organisation is named 无名大学: import the organisations first."),
        (2, "级别", "国家级 is not a team's level: write 市级 or 省级."),
        (5, "选派年度", "Row 2 gives the team 糯稻特派团 another 选派年度."),
    ]


def test_reimport_is_unchanged_and_a_changed_leader_moves(tree):
    zhang, li, wang = tree.people[:3]
    first = xlsx([HEADER, member(zhang, "团长"), member(li)])
    TEAMS.commit(first, place=EVERYWHERE, options={})
    assert TEAMS.plan(first, place=EVERYWHERE, options={}).summary() == {"team": {UNCHANGED: 1}, "team member": {UNCHANGED: 2}}

    swapped = xlsx([HEADER, member(zhang, level="省级"), member(li, "团长", level="省级"), member(wang, level="")])
    plan = TEAMS.plan(swapped, place=EVERYWHERE, options={})
    assert plan.summary() == {"team": {UPDATE: 1}, "team member": {UPDATE: 2, CREATE: 1}}
    team_change = next(c for c in plan.changes if c.model == "team")
    assert team_change.fields == {"level": ["city", "provincial"], "leader": ["张三", "李四"]}
    TEAMS.commit(swapped, place=EVERYWHERE, options={})
    team = Team.objects.get()
    assert (team.leader, team.level) == (li, Team.Level.PROVINCIAL)
    assert roster(team) == [("张三", "member"), ("李四", "leader"), ("王五", "member")]


def test_unlisted_members_stay_unless_members_leave(tree):
    zhang, li, wang = tree.people[:3]
    team = f.make_team(name="糯稻特派团", leader=zhang, lead_organisation=tree.organisation, members=[li, wang])
    upload = xlsx([HEADER, member(zhang, "团长"), member(li)])

    kept = TEAMS.plan(upload, place=EVERYWHERE, options={})
    assert kept.count(LEAVE) == 0
    assert kept.notes[-1] == "1 members of 糯稻特派团 are not listed and stay in it; set the option members_leave to remove them."

    plan = TEAMS.plan(upload, place=EVERYWHERE, options={"members_leave": True})
    assert [(c.action, c.model, c.name) for c in plan.changes] == [(LEAVE, "team member", "王五")]
    TEAMS.commit(upload, place=EVERYWHERE, options={"members_leave": True})
    assert roster(team) == [("张三", "leader"), ("李四", "member")]


def test_a_county_coordinator_may_not_import_teams_and_a_city_one_names_only_its_specialists(tree):
    zhang, li = tree.people[:2]
    assert not TEAMS.allowed(tree.huaiyuan_place)
    assert TEAMS.allowed(tree.city_place) and TEAMS.allowed(EVERYWHERE)
    f.make_village_assignment(specialist=zhang, village=tree.villages["张庄村"], start_date=datetime.date(2023, 1, 1))
    upload = xlsx([HEADER, member(zhang, "团长"), member(li)])
    assert problems(TEAMS.plan(upload, place=tree.city_place, options={})) == [
        (3, "成员姓名", "李四 is not yet assigned in 蚌埠市: a specialist's first assignment here is made by a coordinator above it."),
    ]
    # The leader's own row refused: the team is not planned, and nothing else is said about it.
    leader_refused = xlsx([HEADER, member(li, "团长"), member(zhang)])
    assert [p.row for p in TEAMS.plan(leader_refused, place=tree.city_place, options={}).problems] == [2]


def test_export_round_trip_is_all_unchanged(tree):
    zhang, li = tree.people[:2]
    f.make_team(name="糯稻特派团", leader=zhang, lead_organisation=tree.organisation, members=[li], level=Team.Level.PROVINCIAL)
    rows = list(TEAMS.export_rows(EVERYWHERE))
    assert [(r["team"], r["name"], r["role"], r["level"]) for r in rows] == [("糯稻特派团", "张三", "团长", "省级"), ("糯稻特派团", "李四", "成员", "省级")]
    upload = open_upload("teams.xlsx", export_workbook(TEAMS, rows))
    plan = TEAMS.plan(upload, place=EVERYWHERE, options={"members_leave": True})
    assert plan.ok, problems(plan)
    assert plan.summary() == {"team": {UNCHANGED: 1}, "team member": {UNCHANGED: 2}}


def test_planning_costs_the_same_queries_for_more_rows(tree):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    people = tree.people + [f.make_specialist(organisation=tree.organisation, id_number=f.valid_id_number()) for _ in range(6)]
    for person in people:  # managed by the city
        f.make_village_assignment(specialist=person, village=tree.villages["王湖村"])

    def queries(count):
        upload = xlsx([HEADER, member(people[0], "团长"), *(member(p) for p in people[1:count])])
        with CaptureQueriesContext(connection) as captured:
            assert TEAMS.plan(upload, place=tree.city_place, options={}).rows == count
        return len(captured)

    # The specialists, which of them the city manages, the teams, the organisations: never per row.
    assert queries(2) == queries(len(people))
