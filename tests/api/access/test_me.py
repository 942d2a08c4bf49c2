"""GET /api/v1/me/: role and scope, and for a specialist their profile, today's villages, teams and recent work."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from specialists.access.models import UserRole
from tests import factories as f

pytestmark = pytest.mark.django_db

EVERYWHERE = {"level": "all", "code": "", "name": ""}


def _me(user):
    client = APIClient()
    client.force_authenticate(user)
    return client.get("/api/v1/me/")


@pytest.mark.clock
def test_a_specialist_gets_profile_todays_villages_and_teams_in_one_call():
    role = f.make_user_role(role=UserRole.Role.SPECIALIST)
    specialist = role.specialist
    today = timezone.localdate()
    serving = f.make_village_assignment(specialist=specialist, start_date=today - datetime.timedelta(days=10))
    f.make_village_assignment(specialist=specialist, start_date=today - datetime.timedelta(days=100), end_date=today - datetime.timedelta(days=50))
    f.make_village_assignment(specialist=specialist, start_date=today + datetime.timedelta(days=5))
    team = f.make_team(members=[specialist])
    f.make_team()  # someone else's

    response = _me(role.user)

    body = response.json()
    assert (body["role"], body["scope"]) == ("specialist", {"city_wide": False, "county": None, "place": EVERYWHERE, "can_write": False})
    assert body["specialist"]["id"] == specialist.pk
    assert body["specialist"]["mobile"] == specialist.masked_mobile
    village = serving.village
    assert body["villages"] == [{
        "code": village.code, "name": village.name,
        "town": {"code": village.town.code, "name": village.town.name},
        "county": {"code": village.town.county.code, "name": village.town.county.name},
        "start_date": serving.start_date.isoformat(), "end_date": None,
    }]
    assert [t["id"] for t in body["teams"]] == [team.pk]


def test_a_specialist_gets_their_ten_latest_logs_and_achievements_and_nobody_elses():
    role = f.make_user_role(role=UserRole.Role.SPECIALIST)
    specialist = role.specialist
    start = datetime.datetime(2024, 5, 1, 9, 0, tzinfo=datetime.UTC)
    logs = [f.make_service_log(specialist=specialist, occurred_at=start + datetime.timedelta(days=n)) for n in range(12)]
    achievements = [f.make_achievement(specialist=specialist, title=f"成果{n}") for n in range(12)]
    f.make_service_log()  # someone else's
    f.make_achievement()  # someone else's

    body = _me(role.user).json()

    assert [log["uuid"] for log in body["recent_logs"]] == [str(log.uuid) for log in reversed(logs[2:])]
    assert [a["uuid"] for a in body["recent_achievements"]] == [str(a.uuid) for a in reversed(achievements[2:])]


def test_a_county_coordinator_gets_role_and_scope_only():
    county = f.make_county()
    role = f.make_user_role(role=UserRole.Role.COORDINATOR, county=county)

    body = _me(role.user).json()

    assert body == {
        "username": role.user.username, "role": "coordinator",
        "scope": {"city_wide": False, "county": {"code": county.code, "name": county.name},
                  "place": {"level": "county", "code": county.code, "name": county.name}, "can_write": True},
        "specialist": None, "villages": [], "teams": [], "recent_logs": [], "recent_achievements": [],
    }


def test_a_superuser_is_a_city_coordinator():
    user = f.make_user(is_superuser=True, is_staff=True)

    body = _me(user).json()

    assert (body["role"], body["scope"]) == ("coordinator", {"city_wide": True, "county": None, "place": EVERYWHERE, "can_write": True})


@pytest.mark.parametrize(("role", "county"), [(UserRole.Role.COORDINATOR, True), (UserRole.Role.LEADER, False), (UserRole.Role.LEADER, True)])
def test_coordinators_and_leaders_get_no_teams_or_villages_of_anyone(role, county):
    f.make_team(members=[f.make_village_assignment().specialist])
    user = f.make_user_role(role=role, county=f.make_county() if county else None).user

    body = _me(user).json()

    assert (body["role"], body["specialist"], body["villages"], body["teams"]) == (role, None, [], [])


def test_anonymous_and_role_less_users_are_refused():
    anonymous = APIClient().get("/api/v1/me/")
    role_less = _me(f.make_user())

    assert (anonymous.status_code, role_less.status_code) == (401, 403)


@pytest.mark.parametrize("rows", [1, 20])
def test_me_costs_the_same_queries_however_many_villages_and_teams(rows, django_assert_num_queries):
    from django.contrib.auth import get_user_model

    role = f.make_user_role(role=UserRole.Role.SPECIALIST)
    town = f.make_town()
    for _ in range(rows):
        f.make_village_assignment(specialist=role.specialist, village=f.make_village(town=town), start_date=datetime.date(2020, 1, 1))
        f.make_team(members=[role.specialist, f.make_specialist()])
        f.make_service_log(specialist=role.specialist)
        f.make_achievement(specialist=role.specialist)
    client = APIClient()
    client.force_authenticate(get_user_model().objects.get(pk=role.user.pk))

    # The user's role; the specialist with their organisation; today's assignments with village,
    # town and county; the teams with leader and lead organisation; the teams' memberships; the
    # latest logs with specialist and village, and their photos; the latest achievements with
    # specialist, village, industry and reviewer, and their evidence.
    with django_assert_num_queries(9):
        response = client.get("/api/v1/me/")

    body = response.json()
    assert (len(body["villages"]), len(body["teams"]), len(body["recent_logs"]), len(body["recent_achievements"])) == (
        rows, rows, min(rows, 10), min(rows, 10))
