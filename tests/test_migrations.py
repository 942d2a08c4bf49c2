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


# slow: migrates the database back before the division tree and forward again (3 to 5 s here); the whole
# suite (scripts/test.sh) runs it.
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_division_tree_migrations_keep_every_row_and_give_each_its_city_and_province():
    """A database of the schema before provinces and cities, holding data, migrates with every row kept:
    its county-level units get their city and province (named from GB/T 2260), its key industries
    the city of their units, its map jobs the city and province of their unit."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("villages", "0003_point_pairs_and_constraint_messages"), ("specialists", "0008_staff_follows_the_role")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    County, Town, Village, Industry = (old.get_model("villages", name) for name in ("County", "Town", "Village", "Industry"))
    MapJob, UserRole = old.get_model("specialists", "MapJob"), old.get_model("specialists", "UserRole")
    User = old.get_model("auth", "User")
    huaiyuan = County.objects.create(code="340321", name="怀远县", kind="county")
    zone = County.objects.create(code="340371", name="蚌埠高新技术产业开发区", kind="zone")
    town = Town.objects.create(code="340321100", name="榴城镇", kind="town", county=huaiyuan)
    Village.objects.create(code="340321100201", name="张庄村", kind="village", town=town)
    wheat = Industry.objects.create(name="优质小麦", category="grain", is_city_key=True)
    pomegranate = Industry.objects.create(name="石榴", category="horticulture")
    pomegranate.key_counties.set([huaiyuan])
    user = User.objects.create(username="coordinator-huaiyuan")
    UserRole.objects.create(user=user, role="coordinator", county=huaiyuan)
    job = MapJob.objects.create(as_of="2023-06-30", kind="villages", format="png", county=huaiyuan, town=town)
    city_job = MapJob.objects.create(as_of="2023-06-30", kind="industries", format="png")

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    from specialists.access.models import UserRole as NewUserRole
    from specialists.coverage.models import MapJob as NewMapJob
    from villages.models import City, Province
    from villages.models import County as NewCounty
    from villages.models import Industry as NewIndustry
    from villages.models import Village as NewVillage

    assert list(Province.objects.values_list("code", "name")) == [("34", "安徽省")]
    assert list(City.objects.values_list("code", "name", "province__code")) == [("3403", "蚌埠市", "34")]
    assert sorted(NewCounty.objects.values_list("code", "city__code")) == [("340321", "3403"), ("340371", "3403")]
    assert sorted(NewIndustry.objects.values_list("name", "city__code")) == [("优质小麦", "3403"), ("石榴", "3403")]
    assert list(NewIndustry.objects.get(pk=pomegranate.pk).key_counties.values_list("code", flat=True)) == ["340321"]
    assert NewVillage.objects.get().code == "340321100201"
    role = NewUserRole.objects.get(user_id=user.pk)
    assert (role.county.code, role.city, role.province) == ("340321", None, None)
    assert NewMapJob.objects.filter(pk=job.pk).values_list("town__code", "county__code", "city__code", "province__code").get() == (
        "340321100", "340321", "3403", "34")
    assert NewMapJob.objects.filter(pk=city_job.pk).values_list("county", "city", "province").get() == (None, None, None)
    assert (wheat.pk, zone.pk) == (NewIndustry.objects.get(name="优质小麦").pk, NewCounty.objects.get(code="340371").pk)
