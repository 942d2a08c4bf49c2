"""Extending a village at risk from the desk, in a real browser: from the gap to its assignment, a later
last day, or no end date, and the village is covered on the map again.

The rows are build_mapped_counties()'s (the `mapped_counties` fixture): in 怀远县, 白莲村 is served by
王白莲 until ten days from now (at risk).
"""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from specialists.assignments.models import VillageAssignment
from tests.frontend import untranslated_text
from tests.frontend.test_desk_browser import _assignment_row, _gap_codes, _open_desk, _wait_for_fill

pytestmark = pytest.mark.browser


@pytest.mark.clock
@pytest.mark.parametrize(("language", "open_ended"), [("zh-hans", True), ("en", False)])
def test_a_village_at_risk_is_extended_from_its_gap_and_is_covered_again(open_page, mapped_counties, sign_in, browser_problems, shoot, language, open_ended):
    # Chromium logs the refused extension itself as a console error; that one is expected.
    browser_problems.allow(r"status of 422")
    page = open_page(language=language)
    village = mapped_counties.huaiyuan.villages["at_risk"]
    planned = timezone.localdate() + datetime.timedelta(days=10)
    _open_desk(page, sign_in, mapped_counties.users["county_coordinator"])
    assert village.code in _gap_codes(page, "at_risk")

    # From the gap to the village's running assignments, where its planned end can be extended.
    page.locator("#tab-at_risk").click()
    page.locator(f"#gaps-at_risk li[data-village='{village.code}'] button[data-action=show-assignments]").click()
    expect(page.locator("#assignment-search")).to_have_value(village.code)
    expect(page.locator("#assignment-table tbody tr")).to_have_count(1)
    _assignment_row(page, village).locator("button[data-action=extend]").click()

    dialog = page.locator("#extend-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#extend-planned")).to_contain_text(planned.isoformat())
    expect(dialog.locator("#extend-date")).to_have_attribute("min", (planned + datetime.timedelta(days=1)).isoformat())
    assert untranslated_text(page, language) == []
    shoot(page, f"desk-extend-{language}")
    # The planned day itself is not an extension: the server says so beside the field.
    dialog.locator("#extend-date").fill(planned.isoformat())
    dialog.locator("#extend-submit").click()
    expect(dialog.locator(".field-error[data-field=end_date]")).not_to_be_empty()
    assert VillageAssignment.objects.get(village=village).end_date == planned

    later = planned + datetime.timedelta(days=200)
    if open_ended:
        dialog.locator("#extend-open").check()
        expect(dialog.locator("#extend-date")).to_be_disabled()
    else:
        dialog.locator("#extend-date").fill(later.isoformat())
    dialog.locator("#extend-submit").click()

    expect(dialog).to_be_hidden()
    _wait_for_fill(page, village, "covered")
    expect(page.locator(f"#gaps-at_risk li[data-village='{village.code}']")).to_have_count(0)
    row = _assignment_row(page, village)
    if open_ended:
        # Open-ended again: the row offers end and reassign, as for any running assignment.
        expect(row.locator("button[data-action=reassign]")).to_have_count(1)
    else:
        expect(row.locator("td").nth(3)).to_have_text(later.isoformat())
    assert VillageAssignment.objects.get(village=village).end_date == (None if open_ended else later)
