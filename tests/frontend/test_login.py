"""The frame in a real browser: signing in, the menu of each role, the language switch, translations."""

import json
import re

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from tests.frontend import PASSWORD, untranslated_text
from tests.frontend.conftest import PHONE

pytestmark = pytest.mark.browser


def _sign_in_with_the_form(page, username, password=PASSWORD):
    page.goto("/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_load_state()


def _menu(page):
    return [link.get_attribute("href") for link in page.locator(".site-nav a").all()]


def test_a_leader_signs_in_and_lands_on_the_dashboard(page, mapped_counties):
    _sign_in_with_the_form(page, "leader")

    page.wait_for_url(re.compile(r"/dashboard/$"))
    assert page.locator(".username").inner_text() == "leader"
    assert _menu(page) == ["/dashboard/"]
    assert page.locator(".site-nav a[aria-current=page]").get_attribute("href") == "/dashboard/"


def test_a_wrong_password_keeps_the_person_on_the_login_page_with_a_message(page, mapped_counties):
    _sign_in_with_the_form(page, "leader", "not-the-password")

    assert page.url.endswith("/login/")
    expect(page.locator(".error-box[role=alert]")).to_be_visible()
    assert "请输入一个正确的" in page.locator(".error-box").inner_text()


@override_settings(TEPAI_LOGIN_MAX_FAILURES_PER_ACCOUNT=1)
def test_a_locked_account_is_told_until_when_to_wait(open_page, mapped_counties, browser_problems):
    page = open_page(language="en")
    # The refused sign-in answers 429, which the browser reports on its console.
    browser_problems.allow(r"status of 429")
    _sign_in_with_the_form(page, "leader", "not-the-password")

    _sign_in_with_the_form(page, "leader")

    assert page.url.endswith("/login/")
    assert re.fullmatch(r"Too many failed sign-in attempts\. Try again after \d\d:\d\d\.", page.locator(".error-box").inner_text())


def test_signing_out_returns_to_the_login_page(page, mapped_counties, sign_in):
    sign_in(page, mapped_counties.users["leader_city"])
    page.goto("/dashboard/")
    # Sign out once the map's layers are in: a request still in flight when the session ends
    # is answered 401, which the browser reports as a console error.
    page.wait_for_load_state("networkidle")

    page.locator("form.logout button").click()

    page.wait_for_url(re.compile(r"/login/$"))
    page.goto("/dashboard/")
    page.wait_for_url(re.compile(r"/login/\?next=/dashboard/$"))


@pytest.mark.parametrize(
    ("who", "menu"),
    [
        ("leader_wuhe", ["/dashboard/"]),
        ("county_coordinator", ["/dashboard/", "/desk/", "/imports/"]),
        ("city_coordinator", ["/dashboard/", "/desk/", "/imports/", "/admin/"]),
    ],
)
def test_each_role_sees_only_its_own_pages_in_the_menu(page, mapped_counties, sign_in, who, menu):
    from django.urls import NoReverseMatch, reverse

    sign_in(page, mapped_counties.users[who])
    page.goto("/")

    page.wait_for_url(re.compile(r"/dashboard/$"))
    try:
        reverse("frontend:desk")
    except NoReverseMatch:
        menu = [url for url in menu if url != "/desk/"]  # the desk is not routed yet
    assert _menu(page) == menu


def test_the_language_switch_turns_the_page_into_english_and_back(open_page, mapped_counties, sign_in):
    page = open_page(viewport=PHONE)
    sign_in(page, mapped_counties.users["leader_city"])
    page.goto("/dashboard/?year=")

    page.locator(".language-switch button[value=en]").click()
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert page.url.endswith("/dashboard/?year=")
    assert page.locator("h1").inner_text() == "Dashboard"
    expect(page.locator(".language-switch button[value=en]")).to_have_attribute("aria-pressed", "true")

    page.locator(".language-switch button[value=zh-hans]").click()
    page.wait_for_function("document.documentElement.lang === 'zh-Hans'")
    expect(page.locator(".language-switch button[value=zh-hans]")).to_have_attribute("aria-pressed", "true")


def _open_every_part_of_the_dashboard(page, mapped_counties):
    page.goto("/dashboard/")
    page.locator("#industry-table").wait_for()
    # A village's popup, with its lists loaded, and a finished map job: their text counts too.
    page.locator(f"path.village-{mapped_counties.huaiyuan.villages['covered'].code}").click()
    page.locator(".village-popup .popup-logs li").wait_for()
    page.locator(".village-popup .popup-specialists li").wait_for()
    with page.expect_download():
        page.locator("#map-jobs button[data-format=png]").click()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_no_page_has_interface_text_in_the_other_language(open_page, mapped_counties, sign_in, language, browser_problems):
    untranslated = {}
    # The page for a person without a role answers 403, which the browser reports on its console.
    browser_problems.allow(r"status of 403 \(Forbidden\) \(http://[^/]+/\)$")

    page = open_page(language=language)
    page.goto("/login/")
    untranslated["login"] = untranslated_text(page, language)
    _sign_in_with_the_form(page, "leader", "not-the-password")
    untranslated["login, refused"] = untranslated_text(page, language)

    sign_in(page, mapped_counties.users["city_coordinator"])
    _open_every_part_of_the_dashboard(page, mapped_counties)
    untranslated["dashboard"] = untranslated_text(page, language)
    # The import page with a refused preview: its tables, notes and choices all shown.
    page.goto("/imports/")
    page.locator("#import-kind").select_option("village_assignments")
    village = mapped_counties.huaiyuan.villages["uncovered"]
    sheet = f"姓名,手机,派驻县区,派驻乡镇,派驻村\n王白莲,13900000000,怀远县,{village.town.name},{village.name.removesuffix('村')}\n"
    page.locator("#import-file").set_input_files(files=[{"name": "a.csv", "mimeType": "text/csv", "buffer": sheet.encode()}])
    page.locator("#upload-submit").click()
    page.locator("#import-job[data-status=refused]").wait_for()
    # The refusal quotes the file's own text (怀远县/…/涂山), which is data in either language.
    given = f"怀远县/{village.town.name}/{village.name.removesuffix('村')}"
    untranslated["imports"] = [text for text in untranslated_text(page, language) if given not in text]

    nobody = open_page(language=language)
    sign_in(nobody, mapped_counties.users["no_role"])
    nobody.goto("/")
    untranslated["no role"] = untranslated_text(nobody, language)

    leftovers = {name: texts for name, texts in untranslated.items() if texts}
    assert not leftovers, f"interface text not in {language}:\n" + json.dumps(leftovers, ensure_ascii=False, indent=1)
