"""Exports from the pages, in a real browser: the Excel file arrives named and headed in the page's
language, with only the user's own county-level unit in its rows; a refusal shows in the page.

The rows are build_mapped_counties()'s (the `mapped_counties` fixture): in 怀远县, 荆山村 (张怀远) and
白莲村 (王白莲, at risk) are served and 涂山村 is not; in 五河县, 沱湖村 is served and 大新村 is not.
"""

import io
import re

import openpyxl
import pytest
from django.utils import timezone, translation

from tests.frontend.test_dashboard import _open_dashboard
from tests.frontend.test_desk_browser import _open_desk

pytestmark = pytest.mark.browser


def _rows(download):
    """The sheet's rows as {header: value} dicts, and the header row."""
    # From bytes: openpyxl goes by the file name's extension, and Playwright's copy has none.
    sheet = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    header, *rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    return header, [dict(zip(header, row)) for row in rows]


@pytest.mark.clock
def test_a_county_coordinator_exports_the_running_assignments_in_chinese(open_page, mapped_counties, sign_in, shoot):
    page = open_page(language="zh-hans")
    _open_desk(page, sign_in, mapped_counties.users["county_coordinator"])
    shoot(page, "desk-exports")

    with page.expect_download() as download:
        page.locator("#assignment-export").click()

    today = timezone.localdate().isoformat()
    assert re.fullmatch(rf"[^\x00-\x7f]+-{today}\.xlsx", download.value.suggested_filename)
    header, rows = _rows(download)
    with translation.override("zh-hans"):
        village_code, specialist = str(translation.gettext("Village code")), str(translation.gettext("Specialist"))
    assert village_code in header and specialist in header
    side = mapped_counties.huaiyuan
    assert sorted((row[village_code], row[specialist]) for row in rows) == sorted([
        (side.villages["covered"].code, "张怀远"), (side.villages["at_risk"].code, "王白莲"),
    ])


def test_a_county_leader_exports_the_uncovered_villages_of_their_unit_in_english(open_page, mapped_counties, sign_in, shoot):
    page = open_page(language="en")
    _open_dashboard(page, sign_in, mapped_counties.users["leader_wuhe"])
    shoot(page, "dashboard-exports")

    with page.expect_download() as download:
        page.locator("#gap-exports button[data-kind=uncovered]").click()

    assert re.fullmatch(r"[ -~]+\.xlsx", download.value.suggested_filename)
    header, rows = _rows(download)
    assert "Village code" in header
    assert [row["Village code"] for row in rows] == [mapped_counties.wuhe.villages["uncovered"].code]


def test_an_export_over_the_row_cap_is_refused_in_the_page(open_page, mapped_counties, sign_in, settings, browser_problems):
    # Chromium logs the refused request itself as a console error; that one is expected.
    browser_problems.allow(r"status of 422")
    settings.TEPAI_EXPORT_MAX_ROWS = 1
    page = open_page(language="en")
    _open_desk(page, sign_in, mapped_counties.users["county_coordinator"])
    downloads = []
    page.on("download", lambda download: downloads.append(download))

    page.locator("#assignment-export").click()

    error = page.locator("#notices .error-box")
    error.wait_for()
    assert "2 rows match, more than the 1 an export may hold; narrow the filters." in error.inner_text()
    assert page.locator("#assignment-export").is_enabled()
    assert downloads == []
