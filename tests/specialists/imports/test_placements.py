"""The village and industry assignments' imports: rows to assignments through the services."""

import datetime

import pytest

from specialists.assignments.models import IndustryAssignment, VillageAssignment
from specialists.imports.placements import INDUSTRY_ASSIGNMENTS, VILLAGE_ASSIGNMENTS
from tests import factories as f
from tests.specialists.imports.conftest import csv_upload, xlsx
from villages.imports.plans import CREATE, UNCHANGED, UPDATE, ImportRefused
from villages.imports.templates import export_workbook
from villages.imports.files import open_upload
from villages.places import EVERYWHERE, Place

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]

HEADER = ["序号", "姓名", "身份证号", "手机", "派出单位", "派驻县区", "派驻乡镇", "派驻村", "村代码", "开始日期", "结束日期", "备注"]
D = datetime.date


def row(person, *, county="", town="", village="", code="", start="2024-03-01", end="", note=""):
    return ["1", person.name, person.id_number, "", "安徽科技学院", county, town, village, code, start, end, note]


def problems(plan):
    return [(p.row, p.column, p.message) for p in plan.problems]


def test_village_assignments_by_code_and_by_names_are_created_through_the_service(tree):
    zhang, li = tree.people[:2]
    upload = xlsx([HEADER, row(zhang, code="349321100201", note="首次派驻"),
                   row(li, county="怀远", town="白莲坡", village="李庄村", start="2024/3/5")])

    plan = VILLAGE_ASSIGNMENTS.plan(upload, place=EVERYWHERE, options={})
    assert plan.ok, problems(plan)
    assert plan.summary() == {"village assignment": {CREATE: 2}}
    assert not VillageAssignment.objects.exists()  # the plan writes nothing
    assert "派出单位" in plan.notes[0] and "序号" in plan.notes[0]  # columns of the specialists' kind are left alone

    calls = []
    VILLAGE_ASSIGNMENTS.commit(upload, place=EVERYWHERE, options={}, progress=lambda done, total: calls.append((done, total)))
    stored = sorted(VillageAssignment.objects.values_list("specialist__name", "village__code", "start_date", "end_date", "note"))
    assert stored == [("张三", "349321100201", D(2024, 3, 1), None, "首次派驻"), ("李四", "349321100202", D(2024, 3, 5), None, "")]
    assert calls[-1] == (2, 2)


def test_gbk_csv_by_mobile_with_the_start_date_option(tree):
    zhang = tree.people[0]
    upload = csv_upload([["姓名", "手机", "县区", "乡镇", "村"], [zhang.name, zhang.mobile, "怀远县", "白莲坡镇", "王湖村"]], encoding="gbk")
    VILLAGE_ASSIGNMENTS.commit(upload, place=EVERYWHERE, options={"start_date": "2024-01-01"})
    assert list(VillageAssignment.objects.values_list("village__name", "start_date")) == [("王湖村", D(2024, 1, 1))]


def test_a_near_miss_is_suggested_then_taken_once_confirmed(tree):
    zhang = tree.people[0]
    upload = xlsx([HEADER, row(zhang, county="怀远县", town="白莲坡镇", village="张庄")])

    plan = VILLAGE_ASSIGNMENTS.plan(upload, place=EVERYWHERE, options={})
    assert problems(plan) == [(2, "派驻村", "No village is named exactly 怀远县/白莲坡镇/张庄; confirm one of the suggestions.")]
    [choice] = plan.choices["villages"]
    assert (choice["row"], choice["given"], choice["suggestions"][0]["code"]) == (2, "怀远县/白莲坡镇/张庄", "349321100201")

    confirmed = {"villages": {"怀远县/白莲坡镇/张庄": "349321100201"}}
    VILLAGE_ASSIGNMENTS.commit(upload, place=EVERYWHERE, options=confirmed)
    assert list(VillageAssignment.objects.values_list("village__name", flat=True)) == ["张庄村"]


def test_a_county_import_refuses_another_units_village_and_a_specialist_it_does_not_manage(tree):
    zhang, li = tree.people[:2]
    f.make_village_assignment(specialist=zhang, village=tree.villages["李庄村"], start_date=D(2023, 1, 1))
    upload = xlsx([HEADER, row(zhang, code="349322100201"), row(li, code="349321100203")])

    plan = VILLAGE_ASSIGNMENTS.plan(upload, place=tree.huaiyuan_place, options={})
    assert problems(plan) == [
        (2, "村代码", "东风村 lies in 五河县, outside your unit 怀远县."),
        (3, "姓名", "李四 is not yet assigned in 怀远县: a specialist's first assignment here is made by a coordinator above it."),
    ]
    with pytest.raises(ImportRefused):
        VILLAGE_ASSIGNMENTS.commit(upload, place=tree.huaiyuan_place, options={})
    assert VillageAssignment.objects.count() == 1


def test_unknown_specialist_and_unreadable_day_are_row_errors(tree):
    upload = xlsx([HEADER, ["1", "无名", "", "13999999999", "", "", "", "", "349321100201", "2024-03-01", "", ""],
                   row(tree.people[0], code="349321100201", start="三月一日")])
    plan = VILLAGE_ASSIGNMENTS.plan(upload, place=EVERYWHERE, options={})
    assert problems(plan) == [
        (2, "手机", "No specialist has the ID number or mobile 13999999999: import the specialists first."),
        (3, "开始日期", "三月一日 is not a day: write it as 2023-03-01."),
    ]


def test_overlap_with_a_stored_assignment_and_within_the_file_are_row_errors_naming_the_column(tree):
    zhang, li = tree.people[:2]
    f.make_village_assignment(specialist=zhang, village=tree.villages["张庄村"], start_date=D(2023, 1, 1), end_date=D(2023, 12, 31))
    upload = xlsx([HEADER,
                   row(zhang, code="349321100201", start="2022-06-01", end="2023-02-01"),  # meets the stored one's days
                   row(li, code="349321100202", start="2024-01-01"),
                   row(li, code="349321100202", start="2024-02-01", end="2024-02-02")])
    plan = VILLAGE_ASSIGNMENTS.plan(upload, place=EVERYWHERE, options={})
    # The first row's days meet the stored assignment, so the row means it: ending it differently is refused.
    assert problems(plan) == [
        (2, "结束日期", "This assignment already ends on 2023-12-31: move its end in Tepai (extend it), not by an import."),
        (4, "开始日期", "Row 3 assigns 李四 to 李庄村 on overlapping days."),
    ]


def test_a_refused_row_refuses_the_whole_import(tree):
    """All or nothing: a rule the service holds (here: a day it does not record) refuses the import."""
    zhang, li = tree.people[:2]
    upload = xlsx([HEADER, row(zhang, code="349321100201"), row(li, code="349321100202", start="1999-12-31")])
    plan = VILLAGE_ASSIGNMENTS.plan(upload, place=EVERYWHERE, options={})
    assert problems(plan) == [(3, "开始日期", "Give a day from 2000-01-01 to 2100-12-31.")]
    with pytest.raises(ImportRefused) as refused:
        VILLAGE_ASSIGNMENTS.commit(upload, place=EVERYWHERE, options={})
    assert refused.value.problems[0].row == 3
    assert not VillageAssignment.objects.exists()


def test_commit_turns_a_service_refusal_into_a_row_error(tree, monkeypatch):
    from django.core.exceptions import ValidationError

    from specialists.imports import placements

    def refusing(**kwargs):
        raise ValidationError({"village": "Too many villages for this specialist."})

    monkeypatch.setattr(placements, "village_assignment_create", refusing)
    upload = xlsx([HEADER, row(tree.people[0], code="349321100201")])
    with pytest.raises(ImportRefused) as refused:
        VILLAGE_ASSIGNMENTS.commit(upload, place=EVERYWHERE, options={})
    assert [(p.row, p.column, p.message) for p in refused.value.problems] == [(2, "派驻村", "Too many villages for this specialist.")]


def test_running_assignment_is_unchanged_and_an_end_date_ends_it(tree):
    zhang = tree.people[0]
    stored = f.make_village_assignment(specialist=zhang, village=tree.villages["张庄村"], start_date=D(2023, 3, 1))
    same = xlsx([HEADER, row(zhang, code="349321100201", start="2023-03-01")])
    assert VILLAGE_ASSIGNMENTS.plan(same, place=EVERYWHERE, options={}).summary() == {"village assignment": {UNCHANGED: 1}}
    # No start date: the running one is meant.
    ending = xlsx([HEADER, row(zhang, code="349321100201", start="", end="2024-06-30")])
    plan = VILLAGE_ASSIGNMENTS.plan(ending, place=EVERYWHERE, options={})
    assert [(c.action, c.fields) for c in plan.changes] == [(UPDATE, {"end_date": [None, D(2024, 6, 30)]})]
    VILLAGE_ASSIGNMENTS.commit(ending, place=EVERYWHERE, options={})
    stored.refresh_from_db()
    assert stored.end_date == D(2024, 6, 30)
    assert VillageAssignment.objects.count() == 1


def test_village_assignments_export_round_trip_is_all_unchanged(tree):
    zhang, li = tree.people[:2]
    f.make_village_assignment(specialist=zhang, village=tree.villages["张庄村"], start_date=D(2023, 3, 1), note="=注意")
    f.make_village_assignment(specialist=li, village=tree.villages["东风村"], start_date=D(2022, 1, 1), end_date=D(2022, 12, 31))
    rows = list(VILLAGE_ASSIGNMENTS.export_rows(EVERYWHERE))
    assert [(r["name"], r["code"], r["end_date"]) for r in rows] == [("张三", "349321100201", ""), ("李四", "349322100201", "2022-12-31")]
    upload = open_upload("export.xlsx", export_workbook(VILLAGE_ASSIGNMENTS, rows))
    plan = VILLAGE_ASSIGNMENTS.plan(upload, place=EVERYWHERE, options={})
    assert plan.ok, problems(plan)
    assert plan.summary() == {"village assignment": {UNCHANGED: 2}}
    # A county's export holds its own unit's assignments only.
    assert [r["village"] for r in VILLAGE_ASSIGNMENTS.export_rows(tree.huaiyuan_place)] == ["张庄村"]


# --- industry assignments -------------------------------------------------------------------------

IND_HEADER = ["特派团名称", "服务产业", "服务县区", "开始日期", "结束日期"]


@pytest.fixture
def industries(tree):
    team = f.make_team(name="糯稻特派团", leader=tree.people[0])
    rice = f.make_industry(name="糯稻", city=tree.city, is_city_key=True)
    pomegranate = f.make_industry(name="石榴", city=tree.city, key_counties=[tree.huaiyuan])
    # The team's leader serves in 怀远县, so the unit's coordinator sees the team.
    f.make_village_assignment(specialist=tree.people[0], village=tree.villages["张庄村"], start_date=D(2023, 1, 1))
    return team, rice, pomegranate


def test_industry_assignments_city_wide_and_to_named_units(tree, industries):
    team, rice, pomegranate = industries
    upload = xlsx([IND_HEADER, ["糯稻特派团", "糯稻", "", "2024-01-01", ""], ["糯稻特派团", "石榴", "怀远", "2024-01-01", ""]])
    plan = INDUSTRY_ASSIGNMENTS.plan(upload, place=tree.city_place, options={})
    assert plan.ok, problems(plan)
    assert plan.summary() == {"industry assignment": {CREATE: 2}}
    INDUSTRY_ASSIGNMENTS.commit(upload, place=tree.city_place, options={})
    stored = {a.industry.name: [c.name for c in a.counties.all()] for a in IndustryAssignment.objects.all()}
    assert stored == {"糯稻": [], "石榴": ["怀远县"]}
    # The same file again changes nothing.
    assert INDUSTRY_ASSIGNMENTS.plan(upload, place=tree.city_place, options={}).summary() == {"industry assignment": {UNCHANGED: 2}}


def test_industry_assignment_rules_are_the_services(tree, industries):
    upload = xlsx([IND_HEADER,
                   ["糯稻特派团", "石榴", "五河县", "2024-01-01", ""],  # not key in 五河县
                   ["无名团", "糯稻", "", "2024-01-01", ""],
                   ["糯稻特派团", "苹果", "", "2024-01-01", ""],
                   ["糯稻特派团", "糯稻", "凤阳县", "2024-01-01", ""]])
    plan = INDUSTRY_ASSIGNMENTS.plan(upload, place=tree.city_place, options={})
    assert problems(plan) == [
        (2, "服务县区", "石榴 is not a key industry of 五河县."),
        (3, "特派团名称", "No team is named 无名团: import the teams first."),
        (4, "服务产业", "No key industry is named 苹果 here."),
        (5, "服务县区", "蚌埠市 has no county-level unit named 凤阳县."),
    ]


def test_a_county_import_of_industry_assignments_names_exactly_its_own_unit(tree, industries):
    upload = xlsx([IND_HEADER, ["糯稻特派团", "糯稻", "", "2024-01-01", ""], ["糯稻特派团", "石榴", "怀远县", "2024-01-01", ""]])
    plan = INDUSTRY_ASSIGNMENTS.plan(upload, place=tree.huaiyuan_place, options={})
    assert problems(plan) == [(2, "服务县区", "Name exactly your own county-level unit (349321).")]
    assert not INDUSTRY_ASSIGNMENTS.allowed(Place(tree.town)) and INDUSTRY_ASSIGNMENTS.allowed(tree.huaiyuan_place)


def test_an_end_date_ends_a_running_industry_assignment_and_the_export_reads_back_unchanged(tree, industries):
    team, rice, pomegranate = industries
    stored = f.make_industry_assignment(team=team, industry=pomegranate, counties=[tree.huaiyuan], start_date=D(2023, 3, 1))
    f.make_industry_assignment(team=team, industry=rice, start_date=D(2023, 3, 1))
    rows = list(INDUSTRY_ASSIGNMENTS.export_rows(tree.city_place))
    assert [(r["industry"], r["counties"]) for r in rows] == [("石榴", "怀远县"), ("糯稻", "")]
    exported = open_upload("export.xlsx", export_workbook(INDUSTRY_ASSIGNMENTS, rows))
    assert INDUSTRY_ASSIGNMENTS.plan(exported, place=tree.city_place, options={}).summary() == {"industry assignment": {UNCHANGED: 2}}

    ending = xlsx([IND_HEADER, ["糯稻特派团", "石榴", "怀远县", "2023-03-01", "2024-12-31"]])
    INDUSTRY_ASSIGNMENTS.commit(ending, place=tree.huaiyuan_place, options={})
    stored.refresh_from_db()
    assert stored.end_date == D(2024, 12, 31)


def test_planning_stored_assignments_costs_the_same_queries_for_more_rows(tree):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for person in tree.people:
        for name in ("张庄村", "李庄村"):
            f.make_village_assignment(specialist=person, village=tree.villages[name], start_date=D(2023, 3, 1))
    rows = list(VILLAGE_ASSIGNMENTS.export_rows(EVERYWHERE))

    def queries(count):
        upload = open_upload("export.xlsx", export_workbook(VILLAGE_ASSIGNMENTS, rows[:count]))
        with CaptureQueriesContext(connection) as captured:
            assert VILLAGE_ASSIGNMENTS.plan(upload, place=tree.city_place, options={}).count(UNCHANGED) == count
        return len(captured)

    # The specialists, which the city manages, the units, one unit's villages, the stored assignments.
    assert queries(2) == queries(len(rows))


@pytest.mark.usefixtures("media")
def test_through_the_import_job_from_upload_to_outcome(tree):
    """The registry finds the kind; the job's preview and commit call it as the contract says."""
    from specialists.imports import services
    from specialists.imports.models import ImportJob

    upload = xlsx([HEADER, row(tree.people[0], code="349321100201"), row(tree.people[1], code="349321100202")])
    job = services.import_upload(user=None, kind_name="village_assignments", file_name="roster.xlsx", data=upload.data,
                                 options={"start_date": "2024-01-01"}, place=EVERYWHERE, queue=False)
    job = services.import_preview_run(job_id=job.pk)
    assert (job.status, job.preview["summary"]) == (ImportJob.Status.READY, {"village assignment": {"create": 2}})
    services.import_confirm(user=None, job=job, queue=False)
    job = services.import_commit_run(job_id=job.pk)
    assert job.status == ImportJob.Status.DONE
    assert VillageAssignment.objects.count() == 2
