"""The import page through Django's test client: who may open it, and which kinds it offers.

The jobs and previews come from the API (its own tests check their scope); the page carries the
kinds the coordinator's place may import and the labels of statuses and models.
"""

import json
import re

import pytest
from django.conf import settings
from django.utils import translation

from specialists.imports.models import ImportJob
from tests.frontend.modules import page_scripts
from villages.imports import kinds as import_kinds
from villages.places import CITY

pytestmark = pytest.mark.django_db


class _Kind:
    """A kind of import for the page to offer; it never reads a file here."""

    formats = ("xlsx", "csv")
    columns = ()
    options = {}

    def __init__(self, name, label, levels):
        self.name, self.label, self._levels = name, label, levels

    def allowed(self, place):
        return place.level in self._levels


@pytest.fixture
def offered_kinds(monkeypatch):
    """Two kinds: one every coordinator may import, one only a city's."""
    monkeypatch.setitem(import_kinds.KINDS, "rosters_test", _Kind("rosters_test", "Test rosters", {"all", "city", "county"}))
    monkeypatch.setitem(import_kinds.KINDS, "city_test", _Kind("city_test", "City-only test rows", {"all", CITY}))


def _in_english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _kind_options(response):
    select = re.search(r'<select id="import-kind".*?</select>', response.content.decode(), flags=re.S)
    return re.findall(r'<option value="([a-z_]+)">([^<]*)</option>', select.group(0)) if select else []


def _config(response):
    found = re.search(r'<script id="imports-config" type="application/json">(.*?)</script>', response.content.decode(), flags=re.S)
    return json.loads(found.group(1))


def test_a_stranger_is_sent_to_sign_in(client):
    response = client.get("/imports/")

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/imports/"


@pytest.mark.parametrize("who", ["leader_city", "leader_wuhe", "specialist"])
def test_leaders_and_specialists_may_not_open_the_import_page(client, mapped_counties, offered_kinds, who):
    client.force_login(mapped_counties.users[who])

    response = _in_english(client).get("/imports/")

    assert response.status_code == 403
    html = response.content.decode()
    assert "This page is not for your role." in html
    assert "imports-config" not in html
    assert "Test rosters" not in html


def test_a_user_without_a_role_is_told_so(client, mapped_counties):
    client.force_login(mapped_counties.users["no_role"])

    response = _in_english(client).get("/imports/")

    assert response.status_code == 403
    assert "Your account has no role in Tepai yet" in response.content.decode()


def test_a_city_coordinator_gets_every_kind_of_the_city(client, mapped_counties, offered_kinds):
    client.force_login(mapped_counties.users["city_coordinator"])

    response = _in_english(client).get("/imports/")

    assert response.status_code == 200
    assert [("rosters_test", "Test rosters"), ("city_test", "City-only test rows")] == [
        option for option in _kind_options(response) if option[0].endswith("_test")]
    html = response.content.decode()
    assert re.search(r'<a href="/imports/" aria-current="page">Import</a>', html)
    # The entry module, after the catalogue of translations.
    assert page_scripts(html)[-2:] == [("", "/jsi18n/"), ("module", "/static/frontend/js/imports.js")]


def test_a_county_coordinator_gets_only_the_kinds_a_county_may_import(client, mapped_counties, offered_kinds):
    client.force_login(mapped_counties.users["county_coordinator"])

    response = _in_english(client).get("/imports/")

    assert response.status_code == 200
    names = [name for name, _label in _kind_options(response)]
    assert "rosters_test" in names
    assert "city_test" not in names
    assert "the whole deployment" not in response.content.decode()
    assert "怀远县" in response.content.decode()


def test_the_page_carries_the_labels_of_statuses_and_models(client, mapped_counties):
    client.force_login(mapped_counties.users["city_coordinator"])

    config = _config(_in_english(client).get("/imports/"))

    with translation.override("en"):
        assert config["statuses"] == {value: str(label) for value, label in ImportJob.Status.choices}
    # A plan names a model as its kind does ("village_assignment") or as Django does; both read in words.
    assert config["models"]["specialist"]["label"] == "specialists"
    assert config["models"]["village_assignment"] is not None
    assert config["models"]["specialist"]["fields"]["name"]


@pytest.mark.parametrize(("who", "shown"), [
    ("city_coordinator", True), ("county_coordinator", True), ("leader_city", False), ("leader_wuhe", False),
])
def test_the_menu_offers_the_import_page_to_coordinators_only(client, mapped_counties, who, shown):
    client.force_login(mapped_counties.users[who])

    html = _in_english(client).get("/dashboard/").content.decode()

    assert ('href="/imports/"' in html) is shown
