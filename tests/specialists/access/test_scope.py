"""The scope layer: who a user is, and which rows each selector lets them see."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser

from specialists.access import scope as access
from specialists.access.models import UserRole
from specialists.people.models import Specialist
from tests import factories as f
from specialists.access.divisions import industries_for, villages_for
from specialists.assignments.selectors import industry_assignments_for, village_assignments_for
from specialists.fieldwork.selectors import enterprises_for
from specialists.people.selectors import organisations_for, shows_personal_data, specialists_for, teams_for

pytestmark = pytest.mark.django_db
Role = UserRole.Role


def test_anonymous_and_role_less_users_have_no_access_and_see_nothing():
    f.make_village()
    for user in (AnonymousUser(), f.make_user()):
        scope = access.scope_for(user)
        assert (scope.has_access, scope.can_write, scope.is_city_wide) == (False, False, False)
        assert list(villages_for(user)) == []
        assert list(industries_for(user)) == []


def test_an_inactive_user_has_no_access_whatever_their_role():
    role = f.make_user_role(role=Role.COORDINATOR)
    role.user.is_active = False

    assert access.scope_for(role.user).has_access is False


def test_a_superuser_is_a_city_coordinator():
    scope = access.scope_for(f.make_user(is_superuser=True))

    assert (scope.role, scope.county, scope.is_city_wide, scope.can_write) == (Role.COORDINATOR, None, True, True)


@pytest.mark.parametrize(
    ("role", "county", "city_wide", "can_write"),
    [(Role.COORDINATOR, False, True, True), (Role.COORDINATOR, True, False, True), (Role.LEADER, False, True, False), (Role.LEADER, True, False, False)],
)
def test_the_scope_follows_the_user_role(role, county, city_wide, can_write):
    unit = f.make_county() if county else None
    user = f.make_user_role(role=role, county=unit).user

    scope = access.scope_for(user)

    assert (scope.role, scope.county, scope.is_city_wide, scope.can_write) == (role, unit, city_wide, can_write)


def test_county_roles_see_the_specialists_assigned_there_on_any_date():
    county = f.make_county()
    village = f.make_village(town=f.make_town(county=county))
    past = f.make_village_assignment(village=village, start_date=datetime.date(2020, 1, 1), end_date=datetime.date(2020, 12, 31)).specialist
    future = f.make_village_assignment(village=village, start_date=datetime.date(2099, 1, 1)).specialist
    twice = f.make_specialist()
    f.make_village_assignment(specialist=twice, village=village, start_date=datetime.date(2021, 1, 1), end_date=datetime.date(2021, 6, 30))
    f.make_village_assignment(specialist=twice, village=village, start_date=datetime.date(2022, 1, 1))
    f.make_village_assignment()  # another county's
    f.make_specialist()  # assigned nowhere
    user = f.make_user_role(role=Role.LEADER, county=county).user

    # Once each, although `twice` holds two assignments there.
    assert sorted(s.pk for s in specialists_for(user)) == sorted([past.pk, future.pk, twice.pk])


def test_a_specialist_sees_themselves_their_teams_assignments_and_enterprises_only():
    me = f.make_specialist()
    other = f.make_specialist()
    mine = f.make_team(members=[me])
    f.make_team(leader=other)
    assignment = f.make_village_assignment(specialist=me)
    f.make_village_assignment(specialist=other)
    enterprise = f.make_enterprise(specialist=me)
    f.make_enterprise(specialist=other)
    industry_assignment = f.make_industry_assignment(team=mine)
    f.make_industry_assignment()
    user = f.make_user_role(role=Role.SPECIALIST, specialist=me).user

    assert list(specialists_for(user)) == [me]
    assert list(teams_for(user)) == [mine]
    assert list(village_assignments_for(user)) == [assignment]
    assert list(enterprises_for(user)) == [enterprise]
    assert list(industry_assignments_for(user)) == [industry_assignment]
    assert sorted(o.pk for o in organisations_for(user)) == sorted({me.organisation_id, mine.lead_organisation_id})


def test_county_roles_see_city_wide_industry_assignments_and_those_naming_their_county():
    county = f.make_county()
    city_wide = f.make_industry_assignment()
    named = f.make_industry_assignment(counties=[county, f.make_county()])
    f.make_industry_assignment(counties=[f.make_county()])
    user = f.make_user_role(role=Role.COORDINATOR, county=county).user

    assert sorted(a.pk for a in industry_assignments_for(user)) == sorted([city_wide.pk, named.pk])


def test_county_roles_see_enterprises_in_their_villages_or_of_their_specialists():
    county = f.make_county()
    village = f.make_village(town=f.make_town(county=county))
    served = f.make_village_assignment(village=village).specialist
    in_village = f.make_enterprise(village=village)
    of_specialist = f.make_enterprise(specialist=served, village=None)
    f.make_enterprise()
    user = f.make_user_role(role=Role.LEADER, county=county).user

    assert sorted(e.pk for e in enterprises_for(user)) == sorted([in_village.pk, of_specialist.pk])


def test_personal_data_is_whole_only_for_coordinators_who_manage_the_specialist():
    county = f.make_county()
    served = f.make_village_assignment(village=f.make_village(town=f.make_town(county=county))).specialist
    elsewhere = f.make_village_assignment().specialist
    city = f.make_user_role(role=Role.COORDINATOR).user
    local = f.make_user_role(role=Role.COORDINATOR, county=county).user
    leader = f.make_user_role(role=Role.LEADER).user
    himself = f.make_user_role(role=Role.SPECIALIST, specialist=served).user

    # Rows loaded without the selector's annotation: the helper asks the database.
    plain = {s.pk: s for s in Specialist.objects.filter(pk__in=[served.pk, elsewhere.pk])}
    assert (shows_personal_data(city, plain[served.pk]), shows_personal_data(city, plain[elsewhere.pk])) == (True, True)
    assert (shows_personal_data(local, plain[served.pk]), shows_personal_data(local, plain[elsewhere.pk])) == (True, False)
    assert shows_personal_data(leader, plain[served.pk]) is False
    assert shows_personal_data(himself, plain[served.pk]) is False
