"""The rules each user role row guards itself: through full_clean() (what the admin, the API and the
importers call) and through the database's own constraints."""

import pytest

from specialists.access.models import UserRole
from tests import factories as f
from tests.assertions import clean_errors, refused_by_database

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]


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
