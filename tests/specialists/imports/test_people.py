"""The roster imports of people (specialists.imports.people): organisations and specialists, from
sheets built here as a bureau would send them."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.utils import translation

from specialists.assignments.models import VillageAssignment
from specialists.imports import people
from specialists.people.models import Organisation, Specialist
from specialists.people.validators import credit_code_check_char, id_number_check_char
from tests import factories as f
from villages.imports import kinds
from villages.imports.files import open_upload
from villages.imports.plans import CREATE, LEAVE, UNCHANGED, UPDATE, ImportRefused
from villages.imports.templates import export_workbook
from villages.places import EVERYWHERE, Place

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English, the source language (Chinese is the site's default)."""
    with translation.override("en"):
        yield

HEADER = ["序号", "姓名", "身份证号", "性别", "手机", "派出单位", "单位类型", "职称", "专业", "政治面貌", "学历", "类型",
          "选派年度", "新派/延派", "派驻县区", "派驻乡镇", "派驻村"]


def id_number(region="340321", birth="19850317", sequence="101"):
    return f"{region}{birth}{sequence}" + id_number_check_char(f"{region}{birth}{sequence}")


def credit_code(serial):
    first17 = f"12340300{serial:09d}"
    return first17 + credit_code_check_char(first17)


ZHANG = id_number(birth="19850317", sequence="101")  # odd: a man
WANG = id_number(birth="19920604", sequence="202")  # even: a woman


@pytest.fixture
def bengbu():
    """蚌埠市 with 怀远县 and 五河县, a village in each, and two of the city's key industries."""
    city = f.default_city()
    huaiyuan = f.make_county(name="怀远县", code="340321", city=city)
    wuhe = f.make_county(name="五河县", code="340322", city=city)
    town = f.make_town(county=huaiyuan, name="白莲坡镇", code="340321105")
    other_town = f.make_town(county=wuhe, name="城关镇", code="340322100")
    return {
        "city": city, "huaiyuan": huaiyuan, "wuhe": wuhe,
        "village": f.make_village(town=town, name="张庄村", code="340321105201"),
        "other_village": f.make_village(town=other_town, name="李圩村", code="340322100202"),
        "wheat": f.make_industry(name="小麦", city=city), "crab": f.make_industry(name="螃蟹", city=city),
    }


def row(name="张伟", id_="", gender="", mobile="13905521234", org="安徽科技学院", org_kind="高校", title="教授",
        expertise="小麦", political="中共党员", education="博士研究生", kind="个人", year="2023", dispatch="新派",
        county="怀远县", town="白莲坡镇", village="张庄村", number="1"):
    return [number, name, id_, gender, mobile, org, org_kind, title, expertise, political, education, kind, year, dispatch, county, town, village]


def two_rows():
    return [row(id_=ZHANG), row(name="王芳", id_=WANG, mobile="13805525678", org="蚌埠市农业科学研究所", org_kind="科研院所",
                                 title="农艺师", expertise="小麦、螃蟹", political="群众", education="大学本科", number="2")]


def xlsx(rows, header=HEADER, title=None):
    book = openpyxl.Workbook()
    sheet = book.active
    if title:
        sheet.append([title])
    sheet.append(header)
    for values in rows:
        sheet.append(values)
    out = io.BytesIO()
    book.save(out)
    return open_upload("名单.xlsx", out.getvalue())


def csv_upload(rows, encoding="utf-8", header=HEADER):
    text = io.StringIO()
    csv.writer(text).writerows([header, *rows])
    return open_upload("名单.csv", text.getvalue().encode(encoding))


def plan(upload, place=EVERYWHERE, **options):
    return people.SPECIALISTS.plan(upload, place=place, options=options)


def commit(upload, place=EVERYWHERE, **options):
    done = []
    result = people.SPECIALISTS.commit(upload, place=place, options=options, progress=lambda n, total: done.append((n, total)))
    assert done and done[-1][0] == done[-1][1]
    return result


def problems(result):
    return [(p.row, p.column, p.message) for p in result.problems]


def test_both_kinds_are_registered_for_coordinators_of_any_place(bengbu):
    assert kinds.get("specialists") is people.SPECIALISTS and kinds.get("organisations") is people.ORGANISATIONS
    assert people.SPECIALISTS.allowed(Place(bengbu["huaiyuan"])) and people.SPECIALISTS.allowed(EVERYWHERE)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_in_every_encoding_excel_writes_plans_the_same_creations(bengbu, encoding):
    result = plan(csv_upload(two_rows(), encoding))

    assert problems(result) == []
    assert result.summary() == {"organisation": {CREATE: 2}, "specialist": {CREATE: 2}}
    wang = next(c for c in result.changes if c.name == "王芳")
    assert wang.fields["gender"] == [None, "female"] and wang.fields["birth_date"] == [None, "1992-06-04"]
    assert wang.fields["expertise"] == [[], ["小麦", "螃蟹"]] and wang.fields["organisation"] == [None, "蚌埠市农业科学研究所"]
    assert Specialist.objects.count() == 0  # a plan writes nothing


def test_xlsx_with_a_title_row_and_other_headers_commits_every_field(bengbu):
    aliases = ["序号", "姓名", "证件号码", "性别", "手机号码", "工作单位", "单位类型", "职称", "服务领域", "政治面貌", "学历", "类型",
               "年度", "选派类型", "县区", "乡镇", "服务村"]
    upload = xlsx(two_rows(), header=aliases, title="2023年蚌埠市科技特派员选派名单")

    result = commit(upload)

    assert result.count(CREATE, "specialist") == 2
    wang = Specialist.objects.get(id_number=WANG)
    assert (wang.name, wang.gender, wang.birth_date, wang.mobile, wang.title) == ("王芳", "female", datetime.date(1992, 6, 4), "13805525678", "农艺师")
    assert (wang.political_status, wang.education, wang.kind, wang.year_selected) == ("masses", "bachelor", "individual", 2023)
    assert sorted(wang.expertise.values_list("name", flat=True)) == ["小麦", "螃蟹"]
    assert (wang.organisation.name, wang.organisation.kind) == ("蚌埠市农业科学研究所", Organisation.Kind.INSTITUTE)
    assert Specialist.objects.get(id_number=ZHANG).organisation.kind == Organisation.Kind.UNIVERSITY  # 高校


def test_importing_the_same_file_twice_changes_nothing_the_second_time(bengbu):
    upload = xlsx(two_rows())
    commit(upload)

    again = commit(upload)

    assert again.summary() == {"organisation": {UNCHANGED: 2}, "specialist": {UNCHANGED: 2}}
    assert again.changes == [] and Specialist.objects.count() == 2 and Organisation.objects.count() == 2


def test_an_update_names_each_changed_field_with_its_value_before_and_after(bengbu):
    commit(xlsx(two_rows()))
    rows = two_rows()
    rows[0][7], rows[0][8], rows[0][5] = "研究员", "螃蟹", "安徽农业大学"

    result = commit(xlsx(rows))

    [change] = [c for c in result.changes if c.model == "specialist"]
    assert (change.action, change.key, change.row) == (UPDATE, ZHANG, 2)
    assert change.fields == {"title": ["教授", "研究员"], "organisation": ["安徽科技学院", "安徽农业大学"], "expertise": [["小麦"], ["螃蟹"]]}
    zhang = Specialist.objects.get(id_number=ZHANG)
    assert zhang.title == "研究员" and zhang.organisation.name == "安徽农业大学"
    assert list(zhang.expertise.values_list("name", flat=True)) == ["螃蟹"]
    assert result.count(UNCHANGED, "specialist") == 1


def test_gender_and_birth_date_come_from_the_id_number_and_a_sheet_that_disagrees_is_refused(bengbu):
    header = [*HEADER, "出生日期"]
    good = row(id_=ZHANG) + ["1985-03-17"]
    wrong_gender = row(name="王芳", id_=WANG, gender="男", mobile="13805525678") + [""]
    wrong_birth = row(name="李强", id_=id_number(sequence="303"), mobile="13705520000") + ["1985/03/18"]

    result = plan(xlsx([good, wrong_gender, wrong_birth], header=header))

    assert problems(result) == [(3, "性别", "The ID number says 女."), (4, "出生日期", "The ID number says 1985-03-17.")]
    assert plan(xlsx([good], header=header)).changes[1].fields["gender"] == [None, "male"]


def test_a_person_without_an_id_number_needs_a_gender(bengbu):
    result = plan(xlsx([row(id_="", gender=""), row(name="王芳", id_="", gender="女", mobile="13805525678")]))

    assert problems(result) == [(2, "性别", "A value is required for a person without an ID number.")]


def test_an_organisation_is_matched_by_credit_code_before_its_name(bengbu):
    code = credit_code(1)
    by_code = Organisation.objects.create(name="蚌埠市农科所", kind=Organisation.Kind.INSTITUTE, credit_code=code)
    by_name = Organisation.objects.create(name="安徽科技学院", kind=Organisation.Kind.UNIVERSITY)
    header = [*HEADER, "统一社会信用代码"]
    rows = [row(id_=ZHANG) + [""], row(name="王芳", id_=WANG, mobile="13805525678", org="蚌埠市农业科学研究所", org_kind="科研院所") + [code]]

    result = commit(xlsx(rows, header=header))

    [renamed] = [c for c in result.changes if c.model == "organisation"]
    assert (renamed.action, renamed.fields) == (UPDATE, {"name": ["蚌埠市农科所", "蚌埠市农业科学研究所"]})
    assert Specialist.objects.get(id_number=WANG).organisation_id == by_code.pk
    assert Specialist.objects.get(id_number=ZHANG).organisation_id == by_name.pk
    assert Organisation.objects.count() == 2


def test_refused_rows_are_named_by_row_and_column(bengbu):
    taken = f.make_specialist(name="赵敏", mobile="13600001111", id_number=id_number(sequence="808"), gender="female")
    bad_check = ZHANG[:17] + ("0" if ZHANG[17] != "0" else "1")
    rows = [
        row(id_=bad_check),
        row(name="王芳", id_=WANG, mobile="13805525678"),
        row(name="王芳二", id_=WANG, mobile="13805525679", number="3"),
        row(name="李强", id_=id_number(sequence="303"), mobile="13600001111"),
        row(name="陈静", id_=id_number(sequence="404"), mobile="13500002222", political="党外人士", education="大专"),
        row(name="", id_=id_number(sequence="505"), mobile="13500003333"),
        row(name="=HYPERLINK(\"x\")", id_=id_number(sequence="606"), mobile="13500004444"),
        row(name="周涛", id_=id_number(sequence="707"), mobile="13500005555", expertise="石榴"),
    ]

    result = plan(xlsx(rows))

    assert problems(result) == [
        (2, "身份证号", "The check character of the ID number is wrong."),
        (4, "身份证号", "Row 3 has this ID number too."),
        (5, "手机", f"This mobile number is registered to another specialist, {taken.name}."),
        (6, "政治面貌", "党外人士 is not one of the allowed values: 中共党员、中共预备党员、共青团员、民主党派成员、群众."),
        (7, "姓名", "A value is required."),
        (8, "姓名", "This cell holds a formula, not a value: type the text itself."),
        (9, "专业", "石榴 is not a key industry here; known: 小麦、螃蟹."),
    ]


def test_a_file_with_one_refused_row_writes_nothing(bengbu):
    rows = [*two_rows(), row(name="李强", id_=id_number(sequence="303"), mobile="12345")]

    with pytest.raises(ImportRefused) as refused:
        commit(xlsx(rows))

    assert [(p.row, p.column) for p in refused.value.problems] == [(4, "手机")]
    assert Specialist.objects.count() == 0 and Organisation.objects.count() == 0


def test_a_county_coordinators_row_of_another_county_is_refused_not_skipped(bengbu):
    rows = [row(id_=ZHANG), row(name="王芳", id_=WANG, mobile="13805525678", county="五河县", town="城关镇", village="李圩村"),
            row(name="李强", id_=id_number(sequence="303"), mobile="13705520000", county="", town="", village="")]

    result = plan(xlsx(rows), Place(bengbu["huaiyuan"]))

    assert problems(result) == [
        (3, "派驻村", "李圩村 lies in 五河县, outside your unit 怀远县."),
        (4, "派驻村", "Name the village the specialist serves in 怀远县."),
    ]
    assert plan(xlsx(rows[:1]), Place(bengbu["huaiyuan"])).count(CREATE, "specialist") == 1


def test_a_near_miss_village_is_offered_and_confirmed(bengbu):
    upload = xlsx([row(id_=ZHANG, village="张庄")])

    first = plan(upload, Place(bengbu["huaiyuan"]))
    confirmed = plan(upload, Place(bengbu["huaiyuan"]), villages={"怀远县/白莲坡镇/张庄": "340321105201"})

    [offered] = first.choices["villages"]
    assert (offered["row"], offered["given"]) == (2, "怀远县/白莲坡镇/张庄")
    assert [s["code"] for s in offered["suggestions"]] == ["340321105201"]
    assert first.problems[0].column == "派驻村" and confirmed.ok


def test_extension_needs_a_registered_specialist_and_new_of_a_registered_one_is_a_note(bengbu):
    f.make_specialist(name="王芳", mobile="13805525678", id_number=WANG, gender="female")

    result = plan(xlsx([row(id_=ZHANG, dispatch="延派"), row(name="王芳", id_=WANG, mobile="13805525678", dispatch="新派")]))

    assert problems(result)[0][:2] == (2, "新派/延派")
    assert result.notes == ["Rows marked 新派 name specialists registered already; they are updated: rows 3."]


def test_a_yearly_roster_lets_the_specialists_it_omits_leave_at_the_years_end(bengbu):
    commit(xlsx(two_rows()))
    staying = Specialist.objects.get(id_number=ZHANG)
    leaving = f.make_specialist(name="赵敏", mobile="13600001111")
    assignment = f.make_village_assignment(specialist=leaving, village=bengbu["village"], start_date=datetime.date(2022, 3, 1))
    f.make_village_assignment(specialist=staying, village=bengbu["village"], start_date=datetime.date(2022, 3, 1))
    elsewhere = f.make_specialist(name="孙丽", mobile="13600002222", gender="female")
    f.make_village_assignment(specialist=elsewhere, village=bengbu["other_village"], start_date=datetime.date(2022, 3, 1))

    planned = plan(xlsx(two_rows()), Place(bengbu["huaiyuan"]), year="2023")
    without_year = plan(xlsx(two_rows()), Place(bengbu["huaiyuan"]))
    committed = commit(xlsx(two_rows()), Place(bengbu["huaiyuan"]), year=2023)

    [leave] = [c for c in planned.changes if c.action == LEAVE]
    assert (leave.name, leave.fields["withdrawn_on"]) == ("赵敏", [None, "2023-12-31"])
    assert without_year.count(LEAVE) == 0 and committed.count(LEAVE) == 1
    assignment.refresh_from_db()
    leaving.refresh_from_db()
    assert assignment.end_date == datetime.date(2023, 12, 31)
    assert (leaving.status, leaving.withdrawn_on) == (Specialist.Status.WITHDRAWN, datetime.date(2023, 12, 31))
    elsewhere.refresh_from_db()
    assert elsewhere.status == Specialist.Status.ACTIVE  # of 五河县: not on 怀远县's roster
    assert VillageAssignment.objects.filter(specialist=staying, end_date__isnull=True).exists()


def test_export_then_import_changes_nothing_and_one_edited_cell_changes_one_field(bengbu):
    commit(xlsx(two_rows()))
    zhang = Specialist.objects.get(id_number=ZHANG)
    f.make_village_assignment(specialist=zhang, village=bengbu["village"], start_date=datetime.date(2023, 3, 1))
    # Registered before birth dates were kept, with an ID number that carries one.
    Specialist.objects.filter(pk=zhang.pk).update(birth_date=None)
    place = Place(bengbu["huaiyuan"])
    rows = list(people.SPECIALISTS.export_rows(place))
    data = export_workbook(people.SPECIALISTS, rows)

    unchanged = plan(open_upload("导出.xlsx", data), place)

    assert [r["name"] for r in rows] == ["张伟"] and rows[0]["village_code"] == "340321105201" and rows[0]["birth_date"] == "1985-03-17"
    assert problems(unchanged) == [] and unchanged.changes == [] and unchanged.count(UNCHANGED, "specialist") == 1
    book = openpyxl.load_workbook(io.BytesIO(data))
    headers = [cell.value for cell in book.active[1]]
    [at] = [cells[0].row for cells in book.active.iter_rows(min_row=2) if cells[0].value == "张伟"]
    book.active.cell(row=at, column=headers.index("学历") + 1, value="硕士研究生")
    edited = io.BytesIO()
    book.save(edited)
    again = plan(open_upload("导出.xlsx", edited.getvalue()), place)
    [change] = again.changes
    assert (change.action, change.fields) == (UPDATE, {"education": ["doctorate", "master"]})


def test_organisations_kind_creates_updates_and_refuses_by_row(bengbu):
    Organisation.objects.create(name="安徽科技学院", kind=Organisation.Kind.OTHER)
    header = ["单位名称", "信用代码", "单位类型"]
    rows = [["安徽科技学院", credit_code(2), "大学"], ["蚌埠市农技推广中心", "", "农技推广机构"], ["怀远县种业公司", "", "合作社"]]
    upload = csv_upload(rows, "gbk", header=header)

    refused = people.ORGANISATIONS.plan(upload, place=EVERYWHERE, options={})
    good = people.ORGANISATIONS.commit(csv_upload(rows[:2], "gbk", header=header), place=EVERYWHERE, options={})

    assert problems(refused) == [(4, "单位类型", "合作社 is not one of the allowed values: 高等院校、科研院所、企业、农技推广机构、其他.")]
    assert good.summary() == {"organisation": {CREATE: 1, UPDATE: 1}}
    college = Organisation.objects.get(name="安徽科技学院")
    assert (college.kind, college.credit_code) == (Organisation.Kind.UNIVERSITY, credit_code(2))
    assert Organisation.objects.get(name="蚌埠市农技推广中心").kind == Organisation.Kind.EXTENSION
