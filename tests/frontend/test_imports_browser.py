"""The import page in a real browser: a coordinator downloads the specialists' template, fills it as a
bureau would, uploads it, reads the preview, confirms and finds the rows in the database; a roster
with a wrong row shows that row and column and writes nothing; a file refused before it is read keeps
what the coordinator chose.

Tasks run eagerly here, so a preview is ready when the upload answers; the page polls all the same.
"""

import io
import re

import openpyxl
import pytest
from playwright.sync_api import expect

from specialists.imports import registry
from specialists.imports.models import ImportJob
from specialists.people.models import Specialist
from specialists.people.validators import id_number_check_char

pytestmark = pytest.mark.browser

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def id_number(birth, sequence, region="340321"):
    first17 = f"{region}{birth}{sequence}"
    return first17 + id_number_check_char(first17)


ROSTER = [
    {"姓名": "赵导入", "身份证号": id_number("19800101", "011"), "手机": "13905529001", "派出单位": "安徽科技学院", "选派年度": "2025"},
    {"姓名": "钱导入", "身份证号": id_number("19850202", "022"), "手机": "13905529002", "派出单位": "安徽科技学院", "选派年度": "2025"},
    {"姓名": "孙导入", "身份证号": id_number("19900303", "031"), "手机": "13905529003", "派出单位": "蚌埠市农业科学研究所", "选派年度": "2025"},
]


def _roster(headers, rows):
    """An .xlsx of `rows` ({header: value}) under the template's `headers`, as a bureau fills it."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(headers)
    for values in rows:
        sheet.append([values.get(header, "") for header in headers])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _open_imports(page, sign_in, user):
    sign_in(page, user)
    page.goto("/imports/")
    page.locator("#import-kind").select_option("specialists")
    expect(page.locator("#kind-template")).to_be_visible()


def _upload(page, name, content):
    page.locator("#import-file").set_input_files(files=[{"name": name, "mimeType": XLSX, "buffer": content}])
    page.locator("#upload-submit").click()


def _summary_cell(page, model, action):
    return page.locator(f'#job-summary tr[data-model="{model}"] td[data-action="{action}"]')


def test_a_coordinator_imports_a_roster_filled_in_from_the_template(page, mapped_counties, sign_in, shoot):
    _open_imports(page, sign_in, mapped_counties.users["city_coordinator"])
    # The kind's columns are described before anything is uploaded.
    expect(page.locator("#kind-columns tbody th").first).to_have_text("姓名")

    with page.expect_download() as downloading:
        page.locator("#kind-template").click()
    assert downloading.value.suggested_filename == "specialists-template.xlsx"
    with open(downloading.value.path(), "rb") as saved:
        template = openpyxl.load_workbook(io.BytesIO(saved.read()))
    headers = [cell.value for cell in template.active[1]]
    assert headers == [column.header for column in registry.get("specialists").columns]
    assert headers[:2] == ["姓名", "身份证号"]

    _upload(page, "roster.xlsx", _roster(headers, ROSTER))

    job = page.locator("#import-job")
    expect(job).to_have_attribute("data-status", "ready")
    expect(_summary_cell(page, "specialist", "create")).to_have_text("3")
    expect(page.locator("#job-problems")).to_be_hidden()
    expect(page.locator("#job-changes tbody tr")).to_have_count(len(ROSTER) + 2)  # and the two organisations
    expect(page.locator("#job-changes")).to_contain_text("赵导入")
    expect(page.locator("#job-confirm")).to_be_enabled()
    shoot(page, "imports-preview")
    assert not Specialist.objects.filter(name__endswith="导入").exists()

    page.locator("#job-confirm").click()

    expect(job).to_have_attribute("data-status", "done")
    expect(page.locator("#job-outcome")).to_be_visible()
    # Three specialists and their two organisations.
    expect(page.locator("#job-outcome .outcome-text")).to_contain_text("5")
    expect(_summary_cell(page, "specialist", "create")).to_have_text("3")
    expect(page.locator("#job-confirm")).to_be_hidden()
    stored = Specialist.objects.filter(name__endswith="导入").order_by("mobile")
    assert [(s.name, s.id_number, s.mobile, s.organisation.name) for s in stored] == [
        (row["姓名"], row["身份证号"], row["手机"], row["派出单位"]) for row in ROSTER]
    # The history lists it, with the file and who uploaded it.
    imported = ImportJob.objects.get()
    history = page.locator(f'#history-table tr[data-job="{imported.pk}"]')
    expect(history).to_contain_text("roster.xlsx")
    expect(history).to_contain_text("coordinator")
    expect(history.locator("a[download]")).to_have_attribute("href", re.compile(rf"/api/v1/imports/{imported.pk}/file/$"))
    shoot(page, "imports-done")


def test_a_roster_with_a_wrong_row_shows_the_row_and_column_and_writes_nothing(page, mapped_counties, sign_in):
    _open_imports(page, sign_in, mapped_counties.users["city_coordinator"])
    headers = [column.header for column in registry.get("specialists").columns]
    wrong = dict(ROSTER[1], 身份证号=ROSTER[1]["身份证号"][:17] + ("0" if ROSTER[1]["身份证号"][17] != "0" else "1"))
    before = Specialist.objects.count()

    _upload(page, "roster.xlsx", _roster(headers, [ROSTER[0], wrong, ROSTER[2]]))

    expect(page.locator("#import-job")).to_have_attribute("data-status", "refused")
    problem = page.locator("#job-problems tbody tr")
    expect(problem).to_have_count(1)
    # The header is row 1: the second person is row 3.
    expect(problem.locator("td").nth(0)).to_have_text("3")
    expect(problem.locator("td").nth(1)).to_have_text("身份证号")
    expect(page.locator("#job-confirm")).to_be_disabled()
    expect(page.locator("#job-outcome")).to_be_visible()
    assert Specialist.objects.count() == before


def test_a_file_refused_before_it_is_read_keeps_what_was_chosen(page, mapped_counties, sign_in, browser_problems):
    browser_problems.allow(r"status of 422")
    _open_imports(page, sign_in, mapped_counties.users["city_coordinator"])
    page.locator("#option-encoding").select_option("gbk")

    _upload(page, "roster.xlsx", b"name,mobile\n")

    errors = page.locator("#upload-errors .error-box")
    expect(errors).to_be_visible()
    expect(errors).not_to_be_empty()
    expect(page.locator("#import-job")).to_be_hidden()
    # What the coordinator chose is still there, to correct and upload again.
    expect(page.locator("#import-kind")).to_have_value("specialists")
    expect(page.locator("#option-encoding")).to_have_value("gbk")
    assert page.locator("#import-file").evaluate("input => input.files[0].name") == "roster.xlsx"
    assert not ImportJob.objects.exists()


@pytest.mark.clock
def test_an_imported_assignment_turns_an_uncovered_village_covered_on_the_map(page, mapped_counties, sign_in):
    """The issue's "done when": a bureau's sheet (GBK CSV, as Excel here saves it) imported on the page,
    and the result on the dashboard's map."""
    from django.utils import timezone

    from tests.frontend import FILLS

    village, specialist = mapped_counties.huaiyuan.villages["uncovered"], mapped_counties.huaiyuan.specialists["王白莲"]
    sheet = ("序号,姓名,手机,派驻县区,派驻乡镇,派驻村,开始日期\n"
             f"1,{specialist.name},{specialist.mobile},怀远县,{village.town.name},{village.name},{timezone.localdate().isoformat()}\n")
    sign_in(page, mapped_counties.users["city_coordinator"])
    page.goto("/dashboard/")
    expect(page.locator(f"path.village-{village.code}")).to_have_attribute("fill", FILLS["uncovered"])

    page.goto("/imports/")
    page.locator("#import-kind").select_option("village_assignments")
    page.locator("#import-file").set_input_files(files=[{"name": "派驻名单.csv", "mimeType": "text/csv", "buffer": sheet.encode("gbk")}])
    page.locator("#upload-submit").click()
    expect(page.locator("#import-job")).to_have_attribute("data-status", "ready")
    expect(_summary_cell(page, "village assignment", "create")).to_have_text("1")
    page.locator("#job-confirm").click()
    expect(page.locator("#import-job")).to_have_attribute("data-status", "done")

    page.goto("/dashboard/")
    expect(page.locator(f"path.village-{village.code}")).to_have_attribute("fill", FILLS["covered"])


def test_a_near_miss_village_is_confirmed_on_the_page_and_then_imported(page, mapped_counties, sign_in):
    from specialists.assignments.models import VillageAssignment

    village, specialist = mapped_counties.huaiyuan.villages["uncovered"], mapped_counties.huaiyuan.specialists["王白莲"]
    near = village.name.removesuffix("村")  # 涂山 for 涂山村: offered, never taken unasked
    sheet = ("姓名,手机,派驻县区,派驻乡镇,派驻村,开始日期\n"
             f"{specialist.name},{specialist.mobile},怀远县,{village.town.name},{near},2023-03-01\n")
    sign_in(page, mapped_counties.users["city_coordinator"])
    page.goto("/imports/")
    page.locator("#import-kind").select_option("village_assignments")
    page.locator("#import-file").set_input_files(files=[{"name": "派驻.csv", "mimeType": "text/csv", "buffer": sheet.encode("gbk")}])
    page.locator("#upload-submit").click()

    expect(page.locator("#import-job")).to_have_attribute("data-status", "refused")
    expect(page.locator("#job-problems tbody tr td").nth(0)).to_have_text("2")
    choice = page.locator("#village-choices select[data-given]")
    expect(choice).to_have_attribute("data-given", f"怀远县/{village.town.name}/{near}")
    choice.select_option(village.code)
    page.locator("#choices-submit").click()

    expect(page.locator("#import-job")).to_have_attribute("data-status", "ready")
    assert not VillageAssignment.objects.filter(village=village).exists()
    page.locator("#job-confirm").click()
    expect(page.locator("#import-job")).to_have_attribute("data-status", "done")
    assert VillageAssignment.objects.get(village=village).specialist == specialist
