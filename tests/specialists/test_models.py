"""The rules each specialists row guards itself: through full_clean() (what the admin, the API and
the importers call) and through the database's own constraints."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from specialists.access.models import UserRole
from specialists.assignments.models import IndustryAssignment, VillageAssignment
from specialists.fieldwork.models import Enterprise, IncomeIncrease
from specialists.people.models import Honour, Specialist, TeamMembership
from tests import factories as f
from tests.assertions import clean_errors, refused_by_database

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture(autouse=True)
def english_messages():
    with translation.override("en"):
        yield




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


# Village assignments: one specialist's assignments to one village never overlap.

EXISTING = (D(2023, 3, 1), D(2023, 6, 30))


@pytest.fixture
def existing():
    return f.make_village_assignment(start_date=EXISTING[0], end_date=EXISTING[1])


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (D(2023, 6, 30), D(2023, 9, 30)),  # shares the last day
        (D(2023, 1, 1), D(2023, 3, 1)),  # shares the first day
        (D(2023, 4, 1), D(2023, 5, 1)),  # inside
        (D(2023, 1, 1), D(2023, 12, 31)),  # around
        (D(2023, 5, 1), None),  # open, starting inside
        (D(2023, 1, 1), None),  # open, starting before
    ],
)
def test_an_overlapping_assignment_is_refused_by_clean(existing, start, end):
    overlapping = VillageAssignment(specialist=existing.specialist, village=existing.village, start_date=start, end_date=end)

    with pytest.raises(ValidationError) as caught:
        overlapping.full_clean()
    assert caught.value.error_dict["__all__"][0].code == "overlap"


@pytest.mark.parametrize(
    ("start", "end"),
    [(D(2023, 7, 1), D(2023, 9, 30)), (D(2023, 7, 1), None), (D(2022, 1, 1), D(2023, 2, 28))],
    ids=["adjacent-after", "open-after", "adjacent-before"],
)
def test_an_adjacent_assignment_is_accepted(existing, start, end):
    VillageAssignment(specialist=existing.specialist, village=existing.village, start_date=start, end_date=end).full_clean()


def test_same_dates_are_fine_for_another_village_or_specialist(existing):
    VillageAssignment(specialist=existing.specialist, village=f.make_village(), start_date=EXISTING[0]).full_clean()
    VillageAssignment(specialist=f.make_specialist(), village=existing.village, start_date=EXISTING[0]).full_clean()


def test_an_assignment_does_not_overlap_itself(existing):
    existing.end_date = D(2023, 12, 31)
    existing.full_clean()


def test_a_closed_assignment_after_an_open_one_started_is_refused():
    open_one = f.make_village_assignment(start_date=D(2023, 3, 1))
    later = VillageAssignment(specialist=open_one.specialist, village=open_one.village, start_date=D(2024, 1, 1), end_date=D(2024, 2, 1))
    earlier = VillageAssignment(specialist=open_one.specialist, village=open_one.village, start_date=D(2022, 1, 1), end_date=D(2023, 2, 28))

    assert "__all__" in clean_errors(later)
    earlier.full_clean()


def test_the_database_refuses_a_second_open_ended_assignment():
    open_one = f.make_village_assignment(start_date=D(2023, 3, 1))
    second = VillageAssignment(specialist=open_one.specialist, village=open_one.village, start_date=D(2024, 1, 1))

    assert "This specialist already has an open-ended assignment to this village." in clean_errors(second)["__all__"]
    refused_by_database(second.save)


def test_an_assignment_cannot_end_before_it_starts(existing):
    village = f.make_village()
    backwards = VillageAssignment(specialist=existing.specialist, village=village, start_date=D(2023, 3, 1), end_date=D(2023, 2, 28))

    assert clean_errors(backwards)["end_date"] == ["The end date must not be before the start date."]
    refused_by_database(backwards.save)
    # One day long is a range, not a backwards one.
    VillageAssignment(specialist=existing.specialist, village=village, start_date=D(2023, 3, 1), end_date=D(2023, 3, 1)).full_clean()


def test_an_industry_assignment_cannot_end_before_it_starts():
    team, industry = f.make_team(), f.make_industry()
    backwards = IndustryAssignment(team=team, industry=industry, start_date=D(2023, 3, 1), end_date=D(2023, 2, 28))

    assert list(clean_errors(backwards)) == ["end_date"]
    refused_by_database(backwards.save)


def test_the_database_refuses_a_second_open_ended_industry_assignment():
    open_one = f.make_industry_assignment(start_date=D(2023, 3, 1))
    second = IndustryAssignment(team=open_one.team, industry=open_one.industry, start_date=D(2024, 1, 1))

    assert "This team already has an open-ended assignment to this industry." in clean_errors(second)["__all__"]
    refused_by_database(second.save)


# Economic entities and income


def enterprise(specialist, credit_code):
    return Enterprise(
        name="张庄石榴合作社", credit_code=credit_code, kind=Enterprise.Kind.COOPERATIVE, relation=Enterprise.Relation.LED,
        specialist=specialist, date=D(2022, 5, 1),
    )


def test_enterprise_credit_code_is_checked():
    specialist = f.make_specialist()

    enterprise(specialist, "91110000600037341L").full_clean()
    # A wrong check character is well-formed, so only full_clean() can see it.
    assert clean_errors(enterprise(specialist, "91110000600037341M")) == {
        "credit_code": ["The check character of credit code 91110000600037341M is wrong: it should be L."]
    }


@pytest.mark.parametrize("credit_code", ["91110000600037341O", "9111000060003734IL", "91A10000600037341L", "9111000060003734lL"])
def test_the_database_refuses_a_malformed_credit_code(credit_code):
    malformed = enterprise(f.make_specialist(), credit_code)

    assert list(clean_errors(malformed)) == ["credit_code"]
    refused_by_database(malformed.save)


def test_enterprise_credit_code_is_unique():
    specialist = f.make_specialist()
    enterprise(specialist, "91110000600037341L").save()

    refused_by_database(enterprise(specialist, "91110000600037341L").save)


def test_income_increase_once_a_year_per_specialist():
    first = f.make_income_increase(year=2022, farmer_yuan=50_000)
    again = IncomeIncrease(specialist=first.specialist, year=2022, farmer_yuan=10_000)

    assert "__all__" in clean_errors(again)
    refused_by_database(again.save)
    IncomeIncrease(specialist=first.specialist, year=2023, farmer_yuan=10_000).full_clean()


@pytest.mark.parametrize("field", ["farmer_yuan", "collective_yuan"])
def test_income_increase_is_not_negative(field):
    negative = IncomeIncrease(specialist=f.make_specialist(), year=2022, **{field: -1})

    assert list(clean_errors(negative)) == [field]
    refused_by_database(negative.save)


# User roles


def test_user_role_combinations_the_database_accepts():
    county = f.make_county()
    f.make_user_role(role=UserRole.Role.COORDINATOR)
    f.make_user_role(role=UserRole.Role.COORDINATOR, county=county)
    f.make_user_role(role=UserRole.Role.LEADER, county=county)
    f.make_user_role(role=UserRole.Role.SPECIALIST, specialist=f.make_specialist())

    assert UserRole.objects.count() == 4


@pytest.mark.parametrize(
    ("role", "with_specialist", "with_county", "field"),
    [
        (UserRole.Role.SPECIALIST, False, False, "specialist"),  # a specialist user needs a record
        (UserRole.Role.COORDINATOR, True, False, "specialist"),  # a coordinator must not have one
        (UserRole.Role.LEADER, True, False, "specialist"),
        (UserRole.Role.SPECIALIST, True, True, "county"),  # a specialist's scope is their own record
    ],
)
def test_user_role_specialist_link(role, with_specialist, with_county, field):
    row = UserRole(
        user=f.make_user(), role=role,
        specialist=f.make_specialist() if with_specialist else None, county=f.make_county() if with_county else None,
    )

    assert field in clean_errors(row)
    refused_by_database(row.save)
