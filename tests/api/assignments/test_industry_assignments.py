"""Coordinators create and end industry assignments; a county coordinator only for their own unit."""

import datetime

import pytest
from rest_framework.test import APIClient

from specialists.assignments.models import IndustryAssignment
from tests import factories as f

pytestmark = pytest.mark.django_db
URL = "/api/v1/industry-assignments/"


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _count():
    return IndustryAssignment.objects.count()


def test_a_county_coordinator_assigns_a_team_to_a_key_industry_of_their_unit(two_counties):
    # A team the coordinator sees: its leader serves the unit.
    team = f.make_team(name="新团", leader=two_counties.huaiyuan.specialist)
    before = _count()

    response = _client(two_counties.users["county_coordinator"]).post(
        URL, {"team": team.pk, "industry": two_counties.huaiyuan.industry.pk, "counties": [two_counties.huaiyuan.county.code],
              "start_date": "2024-03-01"}, format="json",
    )

    assert response.status_code == 201, response.json()
    stored = IndustryAssignment.objects.get(team=team)
    assert response.json() == {
        "id": stored.pk, "team_id": team.pk, "team": "新团", "industry_id": two_counties.huaiyuan.industry.pk,
        "industry": two_counties.huaiyuan.industry.name, "counties": [two_counties.huaiyuan.county.code],
        "start_date": "2024-03-01", "end_date": None,
    }
    assert _count() == before + 1


@pytest.mark.parametrize("counties, status", [([], 422), (["349322"], 400), (["349321", "349322"], 400)],
                         ids=["city-wide", "other-county", "both"])
def test_a_county_coordinator_cannot_assign_beyond_their_unit(two_counties, counties, status):
    before = _count()

    response = _client(two_counties.users["county_coordinator"]).post(
        URL, {"team": two_counties.huaiyuan.team.pk, "industry": two_counties.huaiyuan.industry.pk, "counties": counties,
              "start_date": "2024-03-01"}, format="json",
    )

    # Another unit's code does not exist for them (400); naming none is refused by the rule (422).
    assert response.status_code == status
    assert list(response.json()["fields"]) == ["counties"]
    assert _count() == before


def test_a_county_coordinator_cannot_name_another_units_team(two_counties):
    """Refused as a team that does not exist, without its name: the team is none of the unit's."""
    before = _count()

    response = _client(two_counties.users["county_coordinator"]).post(
        URL, {"team": two_counties.wuhe.team.pk, "industry": two_counties.huaiyuan.industry.pk, "counties": [two_counties.huaiyuan.county.code],
              "start_date": "2024-03-01"}, format="json",
    )

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["team"]
    assert two_counties.wuhe.team.name not in response.content.decode()
    assert _count() == before


def test_a_city_coordinator_assigns_city_wide(two_counties):
    industry = f.make_industry(name="城市产业", is_city_key=True)

    response = _client(two_counties.users["city_coordinator"]).post(
        URL, {"team": two_counties.wuhe.team.pk, "industry": industry.pk, "start_date": "2024-03-01"}, format="json",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["counties"] == []


def test_an_industry_that_is_not_key_where_it_is_assigned_is_refused_naming_the_field(two_counties):
    # 怀远县's key industry assigned in 五河县, which does not list it.
    before = _count()

    response = _client(two_counties.users["city_coordinator"]).post(
        URL, {"team": two_counties.wuhe.team.pk, "industry": two_counties.huaiyuan.industry.pk, "counties": [two_counties.wuhe.county.code],
              "start_date": "2024-03-01"}, format="json", HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 422
    assert list(response.json()["fields"]) == ["counties"]
    assert "五河县" in response.json()["fields"]["counties"][0]
    assert _count() == before


def test_a_second_open_assignment_of_the_same_pair_is_refused(two_counties):
    before = _count()

    response = _client(two_counties.users["city_coordinator"]).post(
        URL, {"team": two_counties.huaiyuan.team.pk, "industry": two_counties.huaiyuan.industry.pk, "counties": [two_counties.huaiyuan.county.code],
              "start_date": "2024-03-01"}, format="json",
    )

    assert response.status_code == 422
    assert _count() == before


@pytest.mark.parametrize("role", ["leader_city", "leader_wuhe", "specialist"])
def test_only_coordinators_write(two_counties, role):
    response = _client(two_counties.users[role]).post(
        URL, {"team": two_counties.huaiyuan.team.pk, "industry": two_counties.huaiyuan.industry.pk, "start_date": "2024-03-01"}, format="json",
    )
    ending = _client(two_counties.users[role]).post(f"{URL}{two_counties.huaiyuan.industry_assignment.pk}/end/", {"end_date": "2024-12-31"}, format="json")

    assert response.status_code == 403
    assert ending.status_code in (403, 404)
    two_counties.huaiyuan.industry_assignment.refresh_from_db()
    assert two_counties.huaiyuan.industry_assignment.end_date is None


def test_ending_sets_the_end_date_and_keeps_the_row(two_counties):
    assignment = two_counties.huaiyuan.industry_assignment

    response = _client(two_counties.users["county_coordinator"]).post(f"{URL}{assignment.pk}/end/", {"end_date": "2024-12-31"}, format="json")
    again = _client(two_counties.users["county_coordinator"]).post(f"{URL}{assignment.pk}/end/", {"end_date": "2025-01-31"}, format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["end_date"] == "2024-12-31"
    assert again.status_code == 409
    assignment.refresh_from_db()
    assert assignment.end_date == datetime.date(2024, 12, 31)


def test_a_county_coordinator_cannot_end_another_units_or_a_city_wide_assignment(two_counties):
    city_wide = f.make_industry_assignment(team=two_counties.huaiyuan.team, industry=f.make_industry(is_city_key=True))
    client = _client(two_counties.users["county_coordinator"])

    other = client.post(f"{URL}{two_counties.wuhe.industry_assignment.pk}/end/", {"end_date": "2024-12-31"}, format="json")
    wide = client.post(f"{URL}{city_wide.pk}/end/", {"end_date": "2024-12-31"}, format="json")

    assert other.status_code == 404  # not in their scope at all
    assert wide.status_code == 403  # seen (it serves their unit too) but not theirs to end
    city_wide.refresh_from_db()
    assert city_wide.end_date is None


def test_an_end_before_the_start_is_refused_naming_the_field(two_counties):
    response = _client(two_counties.users["city_coordinator"]).post(
        f"{URL}{two_counties.wuhe.industry_assignment.pk}/end/", {"end_date": "1999-01-01"}, format="json",
    )

    assert response.status_code == 422
    assert list(response.json()["fields"]) == ["end_date"]
