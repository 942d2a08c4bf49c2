"""The coordinators' desk in a real browser: a gap opened and closed on the map, reassigning, the review
queue, the refusals, scope, and the page at phone and desktop widths, each in both languages.

The rows are build_mapped_counties()'s (the `mapped_counties` fixture): in 怀远县, 荆山村 is served only
by 张怀远 (open-ended), 白莲村 by 王白莲 until ten days from now (at risk), 涂山村 by nobody; 五河县 is
the other unit.
"""

import datetime
import re

import pytest
from django.utils import timezone, translation

from specialists.assignments.models import VillageAssignment
from specialists.fieldwork.models import Achievement
from tests import factories as f
from tests.frontend import FILLS, untranslated_text
from tests.frontend.conftest import DESKTOP, PHONE, wait_for_popup_lists

pytestmark = pytest.mark.browser

LANGUAGES = ["zh-hans", "en"]

def _open_desk(page, sign_in, user, query=""):
    sign_in(page, user)
    page.goto("/desk/" + query)
    # Loaded: the map's villages, the three gap counts, the assignments and the review queue's count.
    page.locator("path.village").first.wait_for()
    for kind in ("uncovered", "at_risk", "industry"):
        page.locator(f"#tab-{kind} .tab-count").filter(has_text=re.compile(r"\d")).wait_for()
    page.locator("#assignment-count").filter(has_text=re.compile(r"\d")).wait_for()
    page.locator("#review-count").filter(has_text=re.compile(r"\d")).wait_for()


def _fill(page, village):
    return page.locator(f"path.village-{village.code}").get_attribute("fill")


def _wait_for_fill(page, village, status):
    page.wait_for_function(
        "([code, fill]) => { const path = document.querySelector('path.village-' + code); return path && path.getAttribute('fill') === fill; }",
        arg=[village.code, FILLS[status]],
    )


def _mark_drawn(page):
    """Mark the villages on the map and the rows of the gap lists as they are now. After a change the desk
    draws both anew from the server (each at once: all villages, or all of one list's rows), so an unmarked
    one shows that the redrawing is done, even where it looks the same as before."""
    page.evaluate("() => document.querySelectorAll('path.village, .gap-list li').forEach((node) => node.setAttribute('data-drawn-before', ''))")


def _wait_for_redrawn(page):
    page.locator("path.village:not([data-drawn-before])").first.wait_for(state="attached")
    for kind in ("uncovered", "at_risk", "industry"):
        # Every list has a row after drawing: a gap, or the one saying there is none.
        page.locator(f"#gaps-{kind} li:not([data-drawn-before])").first.wait_for(state="attached")


def _gap_codes(page, kind):
    return [row.get_attribute("data-village") for row in page.locator(f"#gaps-{kind} li[data-village]").all()]


def _assignment_row(page, village):
    return page.locator(f"#assignment-table tbody tr[data-village='{village.code}']")


@pytest.mark.clock
@pytest.mark.parametrize("language", LANGUAGES)
def test_ending_a_villages_only_assignment_opens_a_gap_that_assigning_closes(open_page, mapped_counties, sign_in, language):
    page = open_page(language=language)
    village = mapped_counties.huaiyuan.villages["covered"]  # 荆山村, served only by 张怀远
    today = timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)
    _open_desk(page, sign_in, mapped_counties.users["county_coordinator"])
    assert _fill(page, village) == FILLS["covered"]
    assert _gap_codes(page, "uncovered") == [mapped_counties.huaiyuan.villages["uncovered"].code]

    # End it: the dialog offers today; the specialist left yesterday.
    _assignment_row(page, village).locator("button[data-action=end]").click()
    dialog = page.locator("#end-dialog")
    assert dialog.locator("#end-date").input_value() == today.isoformat()
    assert untranslated_text(page, language) == []
    dialog.locator("#end-date").fill(yesterday.isoformat())
    dialog.locator("#end-submit").click()

    # The village is a gap at once: red on the map, listed among the uncovered, gone from the running list.
    _wait_for_fill(page, village, "uncovered")
    page.locator(f"#gaps-uncovered li[data-village='{village.code}']").wait_for()
    assert dialog.is_hidden()
    assert sorted(_gap_codes(page, "uncovered")) == sorted([village.code, mapped_counties.huaiyuan.villages["uncovered"].code])
    _assignment_row(page, village).wait_for(state="detached")
    assert page.locator("#map-legend li[data-status=uncovered] .count").inner_text() == "(2)"
    assert VillageAssignment.objects.get(village=village).end_date == yesterday

    # Assign the first suggestion, from today.
    page.locator(f"#gaps-uncovered li[data-village='{village.code}'] button[data-action=assign]").click()
    dialog = page.locator("#assign-dialog")
    first = dialog.locator(".suggestion").first
    first.wait_for()
    assert dialog.locator("#assign-start").input_value() == today.isoformat()
    assert first.locator("input[type=radio]").is_checked()
    suggested = first.locator(".row-title").inner_text()
    assert untranslated_text(page, language) == []
    dialog.locator("#assign-submit").click()

    # The gap is gone: green again, not listed, and the new assignment is running.
    _wait_for_fill(page, village, "covered")
    page.locator(f"#gaps-uncovered li[data-village='{village.code}']").wait_for(state="detached")
    assert _gap_codes(page, "uncovered") == [mapped_counties.huaiyuan.villages["uncovered"].code]
    _assignment_row(page, village).wait_for()
    assert _assignment_row(page, village).locator("td").nth(1).inner_text() == suggested
    new = VillageAssignment.objects.get(village=village, end_date=None)
    assert (new.specialist.name, new.start_date) == (suggested, today)
    assert VillageAssignment.objects.filter(village=village).count() == 2
    assert untranslated_text(page, language) == []


@pytest.mark.clock
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_gap_is_found_on_the_map_and_assigned_from_its_popup(open_page, mapped_counties, sign_in, language):
    page = open_page(language=language)
    village = mapped_counties.huaiyuan.villages["uncovered"]  # 涂山村
    _open_desk(page, sign_in, mapped_counties.users["county_coordinator"])

    page.locator(f"#gaps-uncovered li[data-village='{village.code}'] button[data-action=locate]").click()
    popup = page.locator(f".village-popup[data-code='{village.code}']")
    # (Its lists say "Loading…" until their answers are in: wait for the answers' messages, not that.)
    wait_for_popup_lists(popup)
    popup.locator(".popup-specialists p").filter(has_text=re.compile(r"\S")).wait_for()
    assert popup.locator("h3").inner_text() == "涂山村"
    assert untranslated_text(page, language) == []
    popup.locator("button").click()

    dialog = page.locator("#assign-dialog")
    dialog.locator(".suggestion").first.wait_for()
    assert dialog.locator("#assign-place").inner_text().startswith("涂山村 · " + village.code)
    dialog.locator("#assign-submit").click()
    _wait_for_fill(page, village, "covered")
    page.locator("#gaps-uncovered li.empty").wait_for()
    assert _gap_codes(page, "uncovered") == []
    assert VillageAssignment.objects.filter(village=village, start_date=timezone.localdate(), end_date=None).count() == 1


@pytest.mark.clock
@pytest.mark.parametrize("language", LANGUAGES)
def test_reassigning_hands_the_village_over_in_one_go(open_page, mapped_counties, sign_in, language):
    page = open_page(language=language)
    village = mapped_counties.huaiyuan.villages["covered"]
    today = timezone.localdate()
    # 王白莲 knows the unit's key industry, so comes first and says so.
    mapped_counties.huaiyuan.specialists["王白莲"].expertise.add(mapped_counties.huaiyuan.industry)
    _open_desk(page, sign_in, mapped_counties.users["county_coordinator"])

    # An assignment with an end date cannot be ended again (the API keeps it): it offers a successor instead.
    at_risk = _assignment_row(page, mapped_counties.huaiyuan.villages["at_risk"])
    assert at_risk.locator("button[data-action=end], button[data-action=reassign]").count() == 0
    assert at_risk.locator("button[data-action=successor]").count() == 1

    _assignment_row(page, village).locator("button[data-action=reassign]").click()
    dialog = page.locator("#assign-dialog")
    first = dialog.locator(".suggestion").first
    first.wait_for()
    assert dialog.locator("#assign-replaces").is_visible()
    assert "张怀远" in dialog.locator("#assign-replaces").inner_text()
    # The one already serving the village is not suggested to replace themselves.
    assert dialog.locator(".suggestion .row-title").all_inner_texts() == ["王白莲"]
    assert first.locator(".badge.match").count() == 1
    assert untranslated_text(page, language) == []
    _mark_drawn(page)
    dialog.locator("#assign-submit").click()

    page.locator(f"#assignment-table tbody tr[data-village='{village.code}']").filter(has_text="王白莲").wait_for()
    # The map and the gaps look the same as before (that is the point): wait until they are drawn again.
    _wait_for_redrawn(page)
    assert dialog.is_hidden()
    # Handed over: 张怀远 served until yesterday, 王白莲 from today; the village was never a gap.
    rows = {a.specialist.name: (a.start_date, a.end_date) for a in VillageAssignment.objects.filter(village=village)}
    assert rows["张怀远"][1] == today - datetime.timedelta(days=1)
    assert rows["王白莲"] == (today, None)
    assert _fill(page, village) == FILLS["covered"]
    assert _assignment_row(page, village).locator("td").nth(1).all_inner_texts() == ["王白莲"]
    assert village.code not in _gap_codes(page, "uncovered")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_refusal_is_shown_beside_the_form_in_the_pages_language(open_page, browser_problems, mapped_counties, sign_in, language):
    # Chromium logs the refused request itself as a console error; that one is expected.
    browser_problems.allow(r"status of 422")
    page = open_page(language=language)
    village = mapped_counties.huaiyuan.villages["covered"]
    _open_desk(page, sign_in, mapped_counties.users["county_coordinator"])

    _assignment_row(page, village).locator("button[data-action=end]").click()
    page.locator("#end-date").fill("2001-01-01")  # before the assignment started
    page.locator("#end-submit").click()

    error = page.locator("#end-form .field-error[data-field=end_date]")
    error.filter(has_text=re.compile(r"\S")).wait_for()
    with translation.override(language):
        assert error.inner_text() == translation.gettext("The end date must not be before the start date.")
    assert page.locator("#end-date").get_attribute("aria-invalid") == "true"
    assert page.locator("#end-dialog").is_visible()
    assert untranslated_text(page, language) == []
    assert VillageAssignment.objects.get(village=village).end_date is None
    page.locator("#end-dialog [data-close]").click()
    assert _fill(page, village) == FILLS["covered"]


def _review(page, achievement):
    return page.locator(f"#review-list article[data-uuid='{achievement.uuid}']")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_coordinator_verifies_one_achievement_and_rejects_another_with_a_reason(open_page, browser_problems, mapped_counties, sign_in, language):
    browser_problems.allow(r"status of 409")
    zhang = mapped_counties.huaiyuan.specialists["张怀远"]
    variety = f.make_achievement(specialist=zhang, title="石榴新品种“怀远红”", kind=Achievement.Kind.FOUR_NEW_VARIETY)
    income = f.make_achievement(
        specialist=zhang, title="荆山村集体增收", kind=Achievement.Kind.COLLECTIVE_INCOME, amount_yuan=120_000,
        village=mapped_counties.huaiyuan.villages["covered"], description="石榴深加工带动村集体增收。",
    )
    gone = f.make_achievement(specialist=zhang, title="已被他人审核的成果")
    page = open_page(language=language)
    _open_desk(page, sign_in, mapped_counties.users["county_coordinator"])
    assert page.locator("#review-count").inner_text() == "(3)"
    # Oldest first: a queue.
    assert [card.get_attribute("data-uuid") for card in page.locator("#review-list article").all()] == [
        str(variety.uuid), str(income.uuid), str(gone.uuid)]
    assert "120,000" in _review(page, income).inner_text()
    assert untranslated_text(page, language) == []

    _review(page, variety).locator("button[data-action=verify]").click()
    _review(page, variety).wait_for(state="detached")
    assert page.locator("#review-count").inner_text() == "(2)"

    # A rejection needs a reason: asked for before anything is sent.
    card = _review(page, income)
    card.locator("button[data-action=reject]").click()
    card.locator("button[data-action=confirm-reject]").click()
    card.locator(".field-error[data-field=reason]").filter(has_text=re.compile(r"\S")).wait_for()
    assert untranslated_text(page, language) == []
    card.locator("textarea[name=reason]").fill("缺少村集体收入凭证")
    card.locator("button[data-action=confirm-reject]").click()
    card.wait_for(state="detached")
    assert page.locator("#review-count").inner_text() == "(1)"

    # Reviewed meanwhile by someone else: the API's refusal, in the page's language, on the card.
    Achievement.objects.filter(pk=gone.pk).update(status=Achievement.Status.VERIFIED, reviewed_at=timezone.now())
    _review(page, gone).locator("button[data-action=verify]").click()
    error = _review(page, gone).locator(".error-box")
    error.wait_for()
    with translation.override(language):
        expected = translation.gettext("This achievement was already verified on %(day)s.") % {"day": timezone.localdate().isoformat()}
    assert expected in error.inner_text()
    assert untranslated_text(page, language) == []

    variety.refresh_from_db()
    income.refresh_from_db()
    assert variety.status == Achievement.Status.VERIFIED
    assert (income.status, income.reject_reason) == (Achievement.Status.REJECTED, "缺少村集体收入凭证")
    assert variety.reviewed_by == income.reviewed_by == mapped_counties.users["county_coordinator"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_county_coordinators_desk_shows_nothing_of_another_county(open_page, mapped_counties, sign_in, language):
    lee = mapped_counties.wuhe.specialists["李五河"]
    f.make_achievement(specialist=lee, title="螃蟹生态养殖技术")
    mine = f.make_achievement(specialist=mapped_counties.huaiyuan.specialists["张怀远"], title="石榴冬季修剪技术")
    page = open_page(language=language)
    answers = []
    page.on("response", lambda response: "/api/v1/" in response.url and answers.append(response))
    _open_desk(page, sign_in, mapped_counties.users["county_coordinator"])
    # Every part that reads more: the other tabs, and the suggestions for the uncovered village.
    page.locator("#tab-at_risk").click()
    page.locator("#tab-industry").click()
    page.locator("#tab-uncovered").click()
    page.locator(f"#gaps-uncovered li[data-village='{mapped_counties.huaiyuan.villages['uncovered'].code}'] button[data-action=assign]").click()
    page.locator("#assign-dialog .suggestion").first.wait_for()
    suggested = page.locator("#assign-dialog .suggestion .row-title").all_inner_texts()
    page.locator("#assign-dialog [data-close]").click()

    others = ["五河", mapped_counties.wuhe.county.code, mapped_counties.wuhe.town.code, "沱湖村", "大新村", "李五河", "螃蟹", lee.organisation.name]
    others += [village.code for village in mapped_counties.wuhe.villages.values()]
    html = page.content()
    bodies = "\n".join(answer.text() for answer in answers)
    for other in others:
        assert other not in html, other
        assert other not in bodies, other
    # Only the unit's own villages on the map, and its own rows in the lists.
    drawn = sorted(re.search(r"village-(\d{12})", path.get_attribute("class")).group(1) for path in page.locator("path.village").all())
    assert drawn == sorted(village.code for village in mapped_counties.huaiyuan.villages.values())
    assert page.locator("#review-list article").all_inner_texts()[0].startswith(mine.title)
    assert sorted(suggested) == ["张怀远", "王白莲"]
    assert untranslated_text(page, language) == []


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("name", "viewport"), [("phone", PHONE), ("desktop", DESKTOP)])
def test_the_desk_fits_phone_and_desktop_widths(open_page, mapped_counties, sign_in, shoot, language, name, viewport):
    f.make_achievement(
        specialist=mapped_counties.huaiyuan.specialists["张怀远"], title="荆山村石榴合作社", kind=Achievement.Kind.ENTERPRISE,
        enterprise_name="怀远县荆山石榴专业合作社", description="带动 46 户石榴种植户统一销售。",
    )
    page = open_page(viewport=viewport, language=language)
    _open_desk(page, sign_in, mapped_counties.users["city_coordinator"])

    # Nothing scrolls sideways but the tables' own boxes; the map is wide and tall enough to use.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= viewport["width"]
    map_box = page.locator("#coverage-map").bounding_box()
    assert map_box["height"] >= 300
    assert map_box["width"] >= (viewport["width"] * 0.75 if name == "phone" else 450)
    assert untranslated_text(page, language) == []
    shoot(page, f"desk-{name}-{language}")

    page.locator(f"#assignment-table tbody tr[data-village='{mapped_counties.huaiyuan.villages['covered'].code}'] button[data-action=reassign]").click()
    page.locator("#assign-dialog .suggestion").first.wait_for()
    dialog = page.locator("#assign-dialog").bounding_box()
    assert dialog["x"] >= 0 and dialog["x"] + dialog["width"] <= viewport["width"]
    assert untranslated_text(page, language) == []
    shoot(page, f"desk-{name}-{language}-reassign")
