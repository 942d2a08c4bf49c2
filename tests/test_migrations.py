"""The migrations are in step with the models: a model change without its migration fails here."""

import importlib
import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_lacks_a_migration():
    out = io.StringIO()

    # --check exits with status 1 (SystemExit) when a migration is missing; --dry-run writes nothing.
    call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)

    assert "No changes detected" in out.getvalue()


@pytest.mark.django_db
def test_the_staff_migration_makes_staff_follow_the_role_and_leaves_superusers_and_the_roleless():
    from django.apps import apps

    from specialists.access.models import UserRole
    from tests import factories as f

    migration = importlib.import_module("specialists.migrations.0008_staff_follows_the_role")
    city = f.make_user_role(role=UserRole.Role.COORDINATOR).user
    county = f.make_user_role(role=UserRole.Role.COORDINATOR, county=f.make_county()).user
    leader = f.make_user_role(role=UserRole.Role.LEADER).user
    superuser = f.make_user(is_superuser=True, is_staff=True)
    roleless = f.make_user(is_staff=True)
    # As a database from before the signal could hold them.
    type(city).objects.filter(pk__in=[county.pk, leader.pk]).update(is_staff=True)
    type(city).objects.filter(pk=city.pk).update(is_staff=False)

    migration.staff_from_roles(apps, None)

    staff = dict(type(city).objects.values_list("pk", "is_staff"))
    assert [staff[user.pk] for user in (city, county, leader, superuser, roleless)] == [True, False, False, True, True]
