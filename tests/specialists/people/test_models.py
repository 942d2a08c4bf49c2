"""The rules each people row guards itself (specialists, honours, team memberships): through full_clean()
(what the admin, the API and the importers call) and through the database's own constraints."""

import pytest

from specialists.people.models import Honour, Specialist, TeamMembership
from tests import factories as f
from tests.assertions import clean_errors, refused_by_database

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]


@pytest.fixture
def organisation():
    return f.make_organisation(name="安徽农业大学")


def person(organisation, **fields):
    values = {
        "name": "张伟", "kind": Specialist.Kind.INDIVIDUAL, "gender": Specialist.Gender.MALE, "mobile": "13912345678",
        "organisation": organisation, "year_selected": 2022,
    } | fields
    return Specialist(**values)


# Specialists


def test_a_person_with_valid_details_passes(organisation):
    person(organisation, id_number="11010519491231002X", home_lon=117.4, home_lat=32.9).full_clean()


def test_a_person_must_have_a_gender(organisation):
    for kind in (Specialist.Kind.INDIVIDUAL, Specialist.Kind.COLLEGE_STUDENT):
        assert list(clean_errors(person(organisation, kind=kind, gender=""))) == ["gender"]


def test_a_corporate_specialist_has_no_gender(organisation):
    assert clean_errors(person(organisation, kind=Specialist.Kind.CORPORATE, gender=Specialist.Gender.MALE)) == {
        "gender": ["A corporate specialist is an organisation and has no gender."]
    }
    person(organisation, kind=Specialist.Kind.CORPORATE, gender="").full_clean()


@pytest.mark.parametrize("mobile", ["12912345678", "1391234567a", "23912345678"])
def test_mobile_format(organisation, mobile):
    assert list(clean_errors(person(organisation, mobile=mobile))) == ["mobile"]
    refused_by_database(lambda: person(organisation, mobile=mobile).save())


def test_mobile_is_unique(organisation):
    person(organisation).save()

    assert list(clean_errors(person(organisation, name="李娜"))) == ["mobile"]
    refused_by_database(lambda: person(organisation, name="李娜").save())


def test_id_number_is_unique_only_when_given(organisation):
    person(organisation, mobile="13900000001", id_number="").save()
    person(organisation, mobile="13900000002", id_number="").save()  # a second blank one is fine
    person(organisation, mobile="13900000003", id_number="11010519491231002X").save()

    duplicate = person(organisation, mobile="13900000004", id_number="11010519491231002X")
    # A conditional constraint: Django reports it for the whole row, not the field.
    assert list(clean_errors(duplicate)) == ["__all__"]
    refused_by_database(duplicate.save)
    assert Specialist.objects.filter(id_number="").count() == 2


def test_database_refuses_a_lowercase_x_in_an_id_number(organisation):
    lowercase = person(organisation, id_number="11010519491231002x")

    assert list(clean_errors(lowercase)) == ["id_number"]
    refused_by_database(lowercase.save)


def test_home_base_must_lie_in_china(organisation):
    swapped = person(organisation, home_lon=32.9, home_lat=117.4)

    assert list(clean_errors(swapped)) == ["home_lon"]
    refused_by_database(swapped.save)


def test_home_base_needs_both_coordinates(organisation):
    half = person(organisation, home_lon=117.4)

    assert list(clean_errors(half)) == ["home_lon"]
    refused_by_database(half.save)


@pytest.mark.parametrize("year", [1999, 2101])
def test_year_selected_range(organisation, year):
    assert list(clean_errors(person(organisation, year_selected=year))) == ["year_selected"]
    refused_by_database(lambda: person(organisation, year_selected=year).save())


def test_an_honour_once_a_year_per_kind():
    honour = f.make_honour(year=2022, kind=Honour.Kind.PROVINCIAL_EXCELLENT)
    again = Honour(specialist=honour.specialist, year=2022, kind=Honour.Kind.PROVINCIAL_EXCELLENT)

    assert "__all__" in clean_errors(again)
    refused_by_database(again.save)
    Honour(specialist=honour.specialist, year=2022, kind=Honour.Kind.CITY_EXCELLENT).full_clean()


# Teams


def test_a_team_has_one_leader():
    team = f.make_team()
    second = TeamMembership(team=team, specialist=f.make_specialist(), role=TeamMembership.Role.LEADER)

    assert "__all__" in clean_errors(second)
    refused_by_database(second.save)
    TeamMembership(team=team, specialist=second.specialist, role=TeamMembership.Role.DEPUTY).full_clean()


def test_a_specialist_is_a_member_of_a_team_once():
    member = f.make_specialist()
    team = f.make_team(members=[member])
    again = TeamMembership(team=team, specialist=member, role=TeamMembership.Role.DEPUTY)

    assert "__all__" in clean_errors(again)
    refused_by_database(again.save)
