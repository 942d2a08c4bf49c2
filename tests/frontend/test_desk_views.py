"""The coordinators' desk through Django's test client: who may open it, and what of which county-level unit it carries.

The rows themselves come from the API (tests/api/ checks their scope); the page carries its choices
of unit and town and its settings, and those must never name another unit's places.
"""

import json
import re

import pytest
from django.conf import settings
from django.utils import timezone, translation

from specialists.fieldwork.models import Achievement
from tests.frontend.modules import page_modules, page_scripts

pytestmark = pytest.mark.django_db



def _in_english(client):
    # A cookie of its own, beside the session's: an HTTP_COOKIE header would replace both.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _config(response):
    found = re.search(r'<script id="desk-config" type="application/json">(.*?)</script>', response.content.decode(), flags=re.S)
    return json.loads(found.group(1))


def _town_options(response):
    select = re.search(r'<select id="assignment-town".*?</select>', response.content.decode(), flags=re.S)
    return re.findall(r'<option value="(\d+)"', select.group(0)) if select else []


def _county_options(response):
    select = re.search(r'<select name="county".*?</select>', response.content.decode(), flags=re.S)
    return re.findall(r'<option value="(\d*)"', select.group(0)) if select else None


def test_a_stranger_is_sent_to_sign_in(client):
    response = client.get("/desk/")

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/desk/"


@pytest.mark.parametrize("who", ["leader_city", "leader_wuhe", "specialist"])
def test_leaders_and_specialists_may_not_open_the_desk(client, mapped_counties, who):
    client.force_login(mapped_counties.users[who])

    response = _in_english(client).get("/desk/")

    assert response.status_code == 403
    assert "This page is not for your role." in response.content.decode()
    assert "desk-config" not in response.content.decode()


def test_a_user_without_a_role_is_told_so(client, mapped_counties):
    client.force_login(mapped_counties.users["no_role"])

    response = _in_english(client).get("/desk/")

    assert response.status_code == 403
    assert "Your account has no role in Tepai yet" in response.content.decode()


@pytest.mark.clock
def test_a_city_coordinator_gets_the_whole_city_and_may_choose_a_unit(client, mapped_counties):
    client.force_login(mapped_counties.users["city_coordinator"])

    response = _in_english(client).get("/desk/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Gaps, assignments and achievements of the whole city" in html
    assert _county_options(response) == ["", "349321", "349322"]
    config = _config(response)
    assert config["county"] == ""
    assert config["cityWide"] is True
    assert config["today"] == timezone.localdate().isoformat()
    assert _town_options(response) == [mapped_counties.huaiyuan.town.code, mapped_counties.wuhe.town.code]
    # The menu marks the desk as the page shown.
    assert re.search(r'<a href="/desk/" aria-current="page">Desk</a>', html)


def test_a_city_coordinator_narrowed_to_one_unit_sees_only_its_towns(client, mapped_counties):
    client.force_login(mapped_counties.users["city_coordinator"])

    response = _in_english(client).get("/desk/?county=349322")

    assert response.status_code == 200
    assert _config(response)["county"] == "349322"
    assert re.search(r'<option value="349322" selected[ >]', response.content.decode())
    # One town only: the town filter is left out, there is nothing to choose.
    assert _town_options(response) == []


def test_an_unknown_unit_answers_400_naming_the_field(client, mapped_counties):
    client.force_login(mapped_counties.users["city_coordinator"])

    response = _in_english(client).get("/desk/?county=999999")

    assert response.status_code == 400
    assert "Select a valid choice. 999999 is not one of the available choices." in response.content.decode()
    assert _config(response)["county"] == ""


def test_a_county_coordinator_gets_their_own_unit_and_nothing_of_another(client, mapped_counties):
    client.force_login(mapped_counties.users["county_coordinator"])

    # Naming another unit changes nothing: a county coordinator's desk is always their own unit's.
    for path in ("/desk/", "/desk/?county=349322"):
        response = _in_english(client).get(path)
        html = response.content.decode()

        assert response.status_code == 200
        assert _config(response)["county"] == "349321"
        assert _config(response)["cityWide"] is False
        assert _county_options(response) is None
        assert "怀远县" in html
        # (The address asked for, with its code, is only echoed back in the language switch.)
        html = html.replace(f'value="{path}"', "")
        for other in ("五河", "349322", "沱湖村", "大新村", "李五河", "螃蟹", mapped_counties.wuhe.town.code):
            assert other not in html, other


def test_the_page_is_in_the_chosen_language_with_the_labels_the_script_needs(client, mapped_counties):
    client.force_login(mapped_counties.users["county_coordinator"])

    chinese = client.get("/desk/")
    english = _in_english(client).get("/desk/")

    assert chinese["Content-Language"] == "zh-hans"
    assert english["Content-Language"] == "en"
    assert "<h1>Coordinators' desk</h1>" in english.content.decode()
    assert _config(english)["achievementKinds"]["four_new_variety"] == "New variety"
    with translation.override("zh-hans"):
        expected = str(Achievement.Kind.FOUR_NEW_VARIETY.label)
    assert _config(chinese)["achievementKinds"]["four_new_variety"] == expected
    # The scripts: the catalogue and Leaflet as classic scripts, then the desk's one entry module, which
    # imports the shared coverage map (not the dashboard's module).
    html = english.content.decode()
    assert page_scripts(html) == [("", "/jsi18n/"), ("", "/static/js_lib_leaflet/leaflet.js"), ("module", "/static/frontend/js/desk.js")]
    assert page_modules(html) == {
        "frontend/js/desk.js", "frontend/js/api.js", "frontend/js/coverage-map.js", "frontend/js/palette.js",
    }
