"""The pages through Django's test client: sign-in, where each role lands, what each may open, scope."""

import re

import pytest
from specialists.people.models import Specialist
from django.conf import settings
from django.test import override_settings
from django.urls import NoReverseMatch, reverse

from specialists.reports.figures import headline_figures
from tests.frontend import PASSWORD

pytestmark = pytest.mark.django_db


def _text(response):
    """The page's visible text, roughly: the body without tags, scripts and the JSON config."""
    html = response.content.decode()
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _nav_labels(response):
    nav = re.search(r'<nav class="site-nav".*?</nav>', response.content.decode(), flags=re.S)
    return re.findall(r"<a [^>]*>([^<]+)</a>", nav.group(0)) if nav else []


def _in(client, language):
    """The client's next pages in `language`, as the language switch would set it."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _route_exists(name):
    try:
        reverse(name)
    except NoReverseMatch:
        return False
    return True


# --- Signing in and out ------------------------------------------------------------------------------

def test_the_login_page_is_in_chinese_by_default(client):
    response = client.get("/login/")

    assert response.status_code == 200
    assert response["Content-Language"] == "zh-hans"
    assert '<html lang="zh-Hans">' in response.content.decode()


def test_signing_in_sends_a_leader_to_the_dashboard(client, mapped_counties):
    response = client.post("/login/", {"username": "leader", "password": PASSWORD}, follow=True)

    assert response.redirect_chain == [("/", 302), ("/dashboard/", 302)]
    assert response.status_code == 200
    assert response.wsgi_request.user == mapped_counties.users["leader_city"]


def test_signing_in_goes_back_to_the_page_asked_for_but_never_to_another_site(client, mapped_counties):
    response = client.post("/login/?next=/dashboard/%3Fyear%3D2023", {"username": "leader", "password": PASSWORD})
    assert response["Location"] == "/dashboard/?year=2023"

    client.logout()
    response = client.post("/login/?next=https://evil.example.com/", {"username": "leader", "password": PASSWORD})
    assert response["Location"] == "/"


def test_a_wrong_password_is_refused_with_a_message(client, mapped_counties):
    response = client.post("/login/", {"username": "leader", "password": "wrong"})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "请输入一个正确的" in _text(response)  # Django's own message, in Chinese


@override_settings(TEPAI_LOGIN_MAX_FAILURES_PER_ACCOUNT=2)
def test_too_many_failures_lock_the_account_and_say_until_when(client, mapped_counties):
    for _ in range(2):
        assert client.post("/login/", {"username": "leader", "password": "wrong"}).status_code == 200

    # Even the right password is refused now, with the time to wait.
    response = _in(client, "en").post("/login/", {"username": "leader", "password": PASSWORD})

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert re.search(r"Too many failed sign-in attempts\. Try again after \d\d:\d\d\.", _text(response))


def test_signing_out_takes_a_post_and_ends_the_session(client, mapped_counties):
    client.force_login(mapped_counties.users["leader_city"])

    assert client.get("/logout/").status_code == 405
    response = client.post("/logout/")

    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert client.get("/dashboard/").status_code == 302


# --- Where each role lands, and what it may open ----------------------------------------------------

def test_every_page_asks_a_stranger_to_sign_in(client):
    for path in ("/", "/dashboard/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"] == f"/login/?next={path}"


@pytest.mark.parametrize("who", ["leader_city", "leader_wuhe", "city_coordinator", "county_coordinator"])
def test_leaders_and_coordinators_start_on_the_dashboard(client, mapped_counties, who):
    client.force_login(mapped_counties.users[who])

    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"


def test_a_specialist_starts_on_their_phone_page(client, mapped_counties):
    client.force_login(mapped_counties.users["specialist"])

    response = client.get("/")

    # The phone page (frontend:mobile) is another page's work; until it is routed, the frame says
    # there is no page for the role rather than linking to a 404.
    if _route_exists("frontend:mobile"):
        assert response.status_code == 302
        assert response["Location"] == reverse("frontend:mobile")
    else:
        assert response.status_code == 403
        assert "There is no page for your role yet." in _text(_in(client, "en").get("/"))


def test_a_user_without_a_role_is_told_so_everywhere(client, mapped_counties):
    client.force_login(mapped_counties.users["no_role"])

    for path in ("/", "/dashboard/"):
        response = _in(client, "en").get(path)
        assert response.status_code == 403
        assert "Your account has no role in Tepai yet" in _text(response)
        assert _nav_labels(response) == []


def test_a_specialist_may_not_open_the_dashboard(client, mapped_counties):
    client.force_login(mapped_counties.users["specialist"])

    response = _in(client, "en").get("/dashboard/")

    assert response.status_code == 403
    assert "This page is not for your role." in _text(response)


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("leader_city", ["Dashboard"]),
        ("leader_wuhe", ["Dashboard"]),
        # Staff coordinators get the admin site; the desk appears once it is routed.
        ("city_coordinator", ["Dashboard", "Desk", "Import", "Admin site"]),
        ("county_coordinator", ["Dashboard", "Desk", "Import"]),
    ],
)
def test_the_menu_shows_each_role_only_its_own_pages(client, mapped_counties, who, expected):
    client.force_login(mapped_counties.users[who])

    response = _in(client, "en").get("/dashboard/")

    routed = [label for label in expected if label != "Desk" or _route_exists("frontend:desk")]
    assert _nav_labels(response) == routed


def test_the_admin_link_points_at_the_admin_in_the_pages_language(client, mapped_counties):
    client.force_login(mapped_counties.users["city_coordinator"])

    assert 'href="/admin/"' in client.get("/dashboard/").content.decode()
    assert 'href="/en/admin/"' in _in(client, "en").get("/dashboard/").content.decode()


# --- The language ----------------------------------------------------------------------------------------

def test_the_language_switch_sets_the_language_and_keeps_the_address(client, mapped_counties):
    client.force_login(mapped_counties.users["leader_city"])

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/dashboard/?year=2023"})

    assert response["Location"] == "/dashboard/?year=2023"
    page = client.get("/dashboard/")
    assert page["Content-Language"] == "en"
    assert '<html lang="en">' in page.content.decode()
    assert "Coverage by county-level unit" in _text(page)


def test_an_unknown_language_in_the_cookie_falls_back_to_chinese(client, mapped_counties):
    client.force_login(mapped_counties.users["leader_city"])

    response = _in(client, "xx").get("/dashboard/")

    assert response["Content-Language"] == "zh-hans"


def test_the_script_catalogue_follows_the_page_language(client):
    chinese = client.get("/jsi18n/")
    english = _in(client, "en").get("/jsi18n/")

    assert chinese.status_code == english.status_code == 200
    assert chinese["Content-Type"].startswith("text/javascript")
    assert chinese["Content-Language"] == "zh-hans"
    assert english["Content-Language"] == "en"
    assert "Cookie" in chinese["Vary"]


# --- The dashboard's content and scope ----------------------------------------------------------------

def test_a_city_leader_sees_the_headline_figures_and_every_county(client, mapped_counties):
    client.force_login(mapped_counties.users["leader_city"])

    response = _in(client, "en").get("/dashboard/")
    text = _text(response)

    assert response.status_code == 200
    figures = headline_figures()
    assert f"Specialists selected {figures['specialists']}" in text
    assert "Headline figures, all years" in text
    rows = re.findall(r'<tr data-county="(\d+)"', response.content.decode())
    assert rows == ["349321", "349322"]
    # Two of the three administrative villages of 怀远县 are covered (one at risk), and one of 五河县's two.
    assert re.search(r"怀远县 3 2 1 1 66\.7%", text)
    assert re.search(r"五河县 2 1 1 0 50\.0%", text)


def test_a_year_limits_the_headline_figures(client, mapped_counties):
    client.force_login(mapped_counties.users["leader_city"])

    response = _in(client, "en").get("/dashboard/?year=2023")

    assert response.status_code == 200
    assert "Headline figures, 2023" in _text(response)


def test_a_year_that_is_not_offered_answers_400_naming_the_field(client, mapped_counties):
    client.force_login(mapped_counties.users["leader_city"])

    response = _in(client, "en").get("/dashboard/?year=1890&as_of=yesterday")

    assert response.status_code == 400
    text = _text(response)
    assert "Select a valid choice. 1890 is not one of the available choices." in text
    assert "Enter a valid date." in text


def test_a_county_leader_sees_only_their_county(client, mapped_counties):
    client.force_login(mapped_counties.users["leader_wuhe"])

    # Naming another unit changes nothing: the choice is not even offered.
    response = _in(client, "en").get("/dashboard/?county=349321")
    # (The language switch sends the address back as it was asked for.)
    html = re.sub(r'name="next" value="[^"]*"', "", response.content.decode())

    assert response.status_code == 200
    assert "五河县" in html and "沱湖村" not in html  # villages come from the API, not the page
    for other in ("怀远县", "349321", "石榴"):
        assert other not in html
    # The headline figures are the unit's own, not the city's: its specialists (those assigned there), not all.
    wuhe_specialists = Specialist.objects.filter(village_assignments__village__town__county=mapped_counties.wuhe.county).distinct().count()
    assert wuhe_specialists < Specialist.objects.count()
    assert re.search(rf"<dt>Specialists selected</dt><dd translate=\"no\">{wuhe_specialists}</dd>", html)
    assert 'name="year"' in html and 'name="county"' not in html
    assert re.findall(r'<tr data-county="(\d+)"', html) == ["349322"]


def test_a_city_leader_may_narrow_the_coverage_to_one_county(client, mapped_counties):
    client.force_login(mapped_counties.users["leader_city"])

    response = client.get("/dashboard/?county=349322")
    html = response.content.decode()

    assert re.findall(r'<tr data-county="(\d+)"', html) == ["349322"]
    assert '"county": "349322"' in html  # the map and the map jobs follow the choice


def test_the_map_settings_reach_the_page(client, mapped_counties):
    client.force_login(mapped_counties.users["leader_city"])

    with override_settings(TEPAI_MAP_TILE_URL="https://tiles.example.gov.cn/{z}/{x}/{y}.png", TEPAI_MAP_TILE_ATTRIBUTION="测绘院"):
        html = client.get("/dashboard/").content.decode()

    assert '"tileUrl": "https://tiles.example.gov.cn/{z}/{x}/{y}.png"' in html
    assert '"tileAttribution": "\\u6d4b\\u7ed8\\u9662"' in html


def test_the_default_map_has_no_tiles(client, mapped_counties):
    client.force_login(mapped_counties.users["leader_city"])

    assert settings.TEPAI_MAP_TILE_URL == ""
    assert '"tileUrl": ""' in client.get("/dashboard/").content.decode()


def test_the_map_goes_unit_by_unit_above_the_village_limit(client, mapped_counties):
    client.force_login(mapped_counties.users["leader_city"])

    # The city has five administrative villages.
    with override_settings(TEPAI_MAP_VILLAGE_LIMIT=5):
        assert '"byUnit": false' in client.get("/dashboard/").content.decode()
    with override_settings(TEPAI_MAP_VILLAGE_LIMIT=4):
        html = client.get("/dashboard/").content.decode()
    assert '"byUnit": true' in html
    # The legend's counts for a map that does not hold every village: covered (not at risk), at risk, uncovered.
    assert '"statusCounts": {"covered": 2, "at_risk": 1, "uncovered": 2}' in html


def test_the_county_table_comes_a_page_at_a_time(client, mapped_counties, monkeypatch):
    from frontend import views

    monkeypatch.setattr(views, "COUNTY_ROWS_PER_PAGE", 1)
    client.force_login(mapped_counties.users["leader_city"])

    first = _in(client, "en").get("/dashboard/?year=2023").content.decode()
    assert re.findall(r'<tr data-county="(\d+)"', first) == ["349321"]
    assert "Units 1 to 1 of 2" in first
    # The next page keeps the other choices.
    assert 'href="?year=2023&amp;as_of=' not in first  # as_of is only filled in for the form, not the link
    assert 'href="?year=2023&amp;county_page=2" rel="next"' in first

    second = _in(client, "en").get("/dashboard/?year=2023&county_page=2").content.decode()
    assert re.findall(r'<tr data-county="(\d+)"', second) == ["349322"]
    assert 'href="?year=2023&amp;county_page=1" rel="prev"' in second
    # A page that is not there shows the last (or first) one, never an error.
    assert _in(client, "en").get("/dashboard/?county_page=x").status_code == 200


def test_one_city_has_no_table_of_cities(client, mapped_counties):
    client.force_login(mapped_counties.users["leader_city"])

    assert 'id="city-table"' not in client.get("/dashboard/").content.decode()


def test_the_industry_matrix_is_left_out_for_more_units_than_one_table_holds(client, mapped_counties, monkeypatch):
    from frontend import views

    client.force_login(mapped_counties.users["leader_city"])
    assert '"matrix": true' in client.get("/dashboard/").content.decode()

    monkeypatch.setattr(views, "MATRIX_MAX_UNITS", 1)
    assert '"matrix": false' in client.get("/dashboard/").content.decode()
