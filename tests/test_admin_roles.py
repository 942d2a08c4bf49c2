"""The admin as coordinators see it: a city coordinator manages users and roles there with the
permissions the role carries, and cannot reach beyond them; every other role stays out."""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from specialists.access.scope import scope_for
from specialists.access.models import UserRole
from specialists.assignments.models import VillageAssignment
from specialists.coverage.models import MapJob
from specialists.imports.models import ImportJob
from specialists.fieldwork.models import Achievement, AchievementEvidence, ServiceLog, ServiceLogPhoto
from specialists.people.models import Team
from tests import factories as f
from tests.test_admin import ADMIN_MODELS, _team_form, build_one_of_each, label, url

pytestmark = pytest.mark.django_db

User = get_user_model()
Role = UserRole.Role
PASSWORD = "tepai-test-password"
SERVICE_MADE = (MapJob, ImportJob, ServiceLog, ServiceLogPhoto, Achievement, AchievementEvidence)


def user_with_role(username, **role):
    user = f.make_user(username=username)
    f.make_user_role(user=user, **role)
    return User.objects.get(pk=user.pk)


@pytest.fixture
def coordinator():
    """A city coordinator: staff because of the role, not because a test said so."""
    return user_with_role("city-coordinator", role=Role.COORDINATOR)


@pytest.fixture
def client_of(client):
    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def as_coordinator(client_of, coordinator):
    return client_of(coordinator)


def admin_url(name, *args):
    with translation.override(settings.LANGUAGE_CODE):
        return reverse(f"admin:{name}", args=args)


def user_form(user, **changes):
    """The user's change form as a coordinator's browser posts it, with no role inline rows."""
    # The admin shows and reads date and time in the site's zone; the stored value is UTC, a day
    # behind from 16:00 to 24:00 UTC.
    joined = timezone.localtime(user.date_joined)
    return {
        "username": user.username, "first_name": user.first_name, "last_name": user.last_name, "email": user.email,
        "is_active": "on", "last_login_0": "", "last_login_1": "",
        "date_joined_0": joined.strftime("%Y-%m-%d"), "date_joined_1": joined.strftime("%H:%M:%S"),
        "tepai_role-TOTAL_FORMS": "0", "tepai_role-INITIAL_FORMS": "0",
        "tepai_role-MIN_NUM_FORMS": "0", "tepai_role-MAX_NUM_FORMS": "1",
        **changes,
    }


# --- the city coordinator -----------------------------------------------------------------------

def test_a_city_coordinator_is_staff_by_the_role(coordinator):
    assert coordinator.is_staff
    assert not coordinator.is_superuser
    assert not coordinator.user_permissions.exists()


def test_the_city_coordinator_reaches_the_index_roles_and_users(as_coordinator):
    role = f.make_user_role(user=f.make_user(), role=Role.LEADER, county=f.make_county())

    index = as_coordinator.get("/en/admin/")
    assert index.status_code == 200
    apps = {app["app_label"]: {model["object_name"] for model in app["models"]} for app in index.context["app_list"]}
    # Users, but not groups: a group would carry permissions of its own.
    assert apps["auth"] == {"User"}
    assert {"specialists", "villages"} <= set(apps)

    for path in (
        url(UserRole, "changelist"), url(UserRole, "add"), url(UserRole, "change", role.pk), url(UserRole, "delete", role.pk),
        url(User, "changelist"), url(User, "add"), url(User, "change", role.user_id),
        admin_url("auth_user_password_change", role.user_id),
    ):
        assert as_coordinator.get(path).status_code == 200, path


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=label)
def test_every_page_answers_for_the_city_coordinator_as_for_a_superuser(as_coordinator, model):
    obj = build_one_of_each()[model]
    # Nothing about an assignment, a specialist or a division is deleted: ending sets an end date.
    expected_delete = 200 if model is UserRole else 403

    assert as_coordinator.get(url(model, "changelist")).status_code == 200
    assert as_coordinator.get(url(model, "change", obj.pk)).status_code == 200
    assert as_coordinator.get(url(model, "add")).status_code == (403 if model in SERVICE_MADE else 200)
    assert as_coordinator.get(url(model, "delete", obj.pk)).status_code == expected_delete


def test_the_city_coordinator_gives_a_role_through_the_admin(as_coordinator):
    newcomer = f.make_user(username="newcomer")
    county = f.make_county(name="五河县")

    response = as_coordinator.post(url(UserRole, "add"), {"user": newcomer.pk, "role": Role.COORDINATOR, "county": county.pk})

    assert response.status_code == 302
    scope = scope_for(User.objects.get(pk=newcomer.pk))
    assert (scope.role, scope.county) == (Role.COORDINATOR, county)
    # A county coordinator works in the desk, not the admin.
    assert not User.objects.get(pk=newcomer.pk).is_staff


def test_a_new_city_coordinator_becomes_staff_and_loses_it_with_the_role(as_coordinator):
    newcomer = f.make_user(username="newcomer")

    as_coordinator.post(url(UserRole, "add"), {"user": newcomer.pk, "role": Role.COORDINATOR, "county": ""})
    role = UserRole.objects.get(user=newcomer)
    assert User.objects.get(pk=newcomer.pk).is_staff

    response = as_coordinator.post(url(UserRole, "change", role.pk), {"role": Role.LEADER, "county": ""})
    assert response.status_code == 302
    assert (scope_for(User.objects.get(pk=newcomer.pk)).role, User.objects.get(pk=newcomer.pk).is_staff) == (Role.LEADER, False)

    as_coordinator.post(url(UserRole, "change", role.pk), {"role": Role.COORDINATOR, "county": ""})
    assert User.objects.get(pk=newcomer.pk).is_staff
    response = as_coordinator.post(url(UserRole, "delete", role.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not UserRole.objects.filter(pk=role.pk).exists()
    assert not User.objects.get(pk=newcomer.pk).is_staff
    assert not scope_for(User.objects.get(pk=newcomer.pk)).has_access


def test_the_city_coordinator_gives_a_role_on_the_users_page(as_coordinator):
    newcomer = f.make_user(username="newcomer")
    specialist = f.make_specialist()

    response = as_coordinator.post(url(User, "change", newcomer.pk), user_form(newcomer, **{
        "tepai_role-TOTAL_FORMS": "1", "tepai_role-0-user": newcomer.pk, "tepai_role-0-id": "",
        "tepai_role-0-role": Role.SPECIALIST, "tepai_role-0-county": "", "tepai_role-0-specialist": specialist.pk,
    }))

    assert response.status_code == 302
    scope = scope_for(User.objects.get(pk=newcomer.pk))
    assert (scope.role, scope.specialist) == (Role.SPECIALIST, specialist)


def test_a_role_stays_with_its_user(as_coordinator):
    role = f.make_user_role(role=Role.LEADER)
    other = f.make_user()

    response = as_coordinator.post(url(UserRole, "change", role.pk), {"user": other.pk, "role": Role.LEADER, "county": ""})

    assert response.status_code == 302
    role.refresh_from_db()
    assert role.user_id != other.pk


def test_the_city_coordinator_cannot_make_a_superuser_or_grant_permissions(as_coordinator):
    someone = f.make_user(username="someone")
    group = Group.objects.create(name="everything")
    group.permissions.set(Permission.objects.all())
    permission = Permission.objects.get(codename="delete_villageassignment")

    response = as_coordinator.post(url(User, "change", someone.pk), user_form(
        someone, first_name="伟", is_superuser="on", is_staff="on", groups=[group.pk], user_permissions=[permission.pk],
    ))

    assert response.status_code == 302
    someone = User.objects.get(pk=someone.pk)
    assert someone.first_name == "伟"  # the form was saved, without the fields that outrank a role
    assert (someone.is_superuser, someone.is_staff) == (False, False)
    assert not someone.groups.exists()
    assert not someone.user_permissions.exists()


def test_the_city_coordinator_cannot_raise_themselves(as_coordinator, coordinator):
    response = as_coordinator.post(url(User, "change", coordinator.pk), user_form(coordinator, is_superuser="on"))

    assert response.status_code == 302
    assert not User.objects.get(pk=coordinator.pk).is_superuser


def test_a_new_user_is_not_made_superuser_either(as_coordinator):
    response = as_coordinator.post(url(User, "add"), {
        "username": "newcomer", "usable_password": "true", "password1": "x-Tepai-2026!", "password2": "x-Tepai-2026!",
        "is_superuser": "on", "is_staff": "on",
    })

    assert response.status_code == 302
    newcomer = User.objects.get(username="newcomer")
    assert (newcomer.is_superuser, newcomer.is_staff) == (False, False)


@pytest.mark.parametrize("kind", ["superuser", "holds-a-permission", "in-a-group"])
def test_users_with_powers_beyond_a_role_are_not_there_for_a_coordinator(as_coordinator, kind):
    if kind == "superuser":
        target = User.objects.create_superuser("root", password=PASSWORD)
    else:
        target = f.make_user(username="root")
        if kind == "holds-a-permission":
            target.user_permissions.add(Permission.objects.get(codename="delete_user"))
        else:
            target.groups.add(Group.objects.create(name="auditors"))
    before = User.objects.filter(pk=target.pk).values().get()

    listed = as_coordinator.get(url(User, "changelist"))
    change = as_coordinator.get("/en" + url(User, "change", target.pk))
    posted = as_coordinator.post(url(User, "change", target.pk), user_form(target, first_name="x", is_active=""))
    password = as_coordinator.post(
        admin_url("auth_user_password_change", target.pk),
        {"password1": "x-Tepai-2026!", "password2": "x-Tepai-2026!", "usable_password": "true"},
    )
    found = as_coordinator.get(
        "/admin/autocomplete/", {"app_label": "specialists", "model_name": "userrole", "field_name": "user", "term": "root"},
    )
    given = as_coordinator.post(url(UserRole, "add"), {"user": target.pk, "role": Role.LEADER, "county": ""})

    assert target.pk not in [row.pk for row in listed.context["cl"].result_list]
    # The admin's answer for a row that is not there: back to the index, saying it does not exist.
    assert (change.status_code, change.url) == (302, "/en/admin/")
    assert "doesn’t exist" in str(list(get_messages(change.wsgi_request))[0])
    assert posted.status_code == 302
    assert password.status_code == 404
    assert found.json()["results"] == []
    assert given.status_code == 200 and "user" in given.context["adminform"].form.errors
    assert User.objects.filter(pk=target.pk).values().get() == before
    assert not UserRole.objects.filter(user=target).exists()


def test_the_roles_of_users_beyond_a_role_are_not_there_either(as_coordinator):
    root = User.objects.create_superuser("root", password=PASSWORD)
    role = f.make_user_role(user=root, role=Role.LEADER)

    listed = as_coordinator.get(url(UserRole, "changelist"))
    deleted = as_coordinator.post(url(UserRole, "delete", role.pk), {"post": "yes"})

    assert role.pk not in [row.pk for row in listed.context["cl"].result_list]
    assert deleted.status_code == 302
    assert UserRole.objects.filter(pk=role.pk).exists()


def test_the_city_coordinator_removes_a_team_member_but_deletes_no_assignment(as_coordinator):
    team = f.make_team(leader=f.make_specialist(), members=[f.make_specialist()])
    leader = team.memberships.get(role="leader")
    member = team.memberships.get(role="member")
    assignment = f.make_village_assignment()
    data = _team_form(team, [(leader, "leader"), (member, "member")]) | {"memberships-1-DELETE": "on"}

    removed = as_coordinator.post(url(Team, "change", team.pk), data)
    refused = as_coordinator.post(url(VillageAssignment, "delete", assignment.pk), {"post": "yes"})

    assert removed.status_code == 302
    assert list(team.memberships.values_list("pk", flat=True)) == [leader.pk]
    assert refused.status_code == 403
    assert VillageAssignment.objects.filter(pk=assignment.pk).exists()


def test_the_city_coordinator_signs_in_through_the_admins_throttled_form(client, coordinator):
    coordinator.set_password(PASSWORD)
    coordinator.save(update_fields=["password"])
    login = admin_url("login")

    for _ in range(settings.TEPAI_LOGIN_MAX_FAILURES_PER_ACCOUNT):
        client.post(login, {"username": coordinator.username, "password": "wrong"})
    refused = client.post(login, {"username": coordinator.username, "password": PASSWORD})
    cache.clear()
    signed_in = client.post(login, {"username": coordinator.username, "password": PASSWORD, "next": "/admin/"})

    assert refused.status_code == 200 and "throttled" in [e.code for e in refused.context["form"].non_field_errors().as_data()]
    assert (signed_in.status_code, signed_in.url) == (302, "/admin/")
    assert client.get("/admin/").status_code == 200


def test_the_user_list_makes_as_many_queries_for_20_users_as_for_2(as_coordinator):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert as_coordinator.get(url(User, "changelist")).status_code == 200
        return [q["sql"] for q in captured.captured_queries]

    # The role column is joined in (role and county-level unit), not read per row.
    for _ in range(2):
        f.make_user_role(role=Role.LEADER, county=f.make_county())
    two = queries()
    for _ in range(18):
        f.make_user_role(role=Role.LEADER, county=f.make_county())
    twenty = queries()

    assert len(twenty) == len(two), "\n".join(twenty)


def test_a_superuser_sees_every_user_and_their_roles(admin_client):
    root = User.objects.get(username="admin")
    coordinator = user_with_role("city-coordinator", role=Role.COORDINATOR)

    listed = admin_client.get("/en" + url(User, "changelist"))

    assert {root.pk, coordinator.pk} <= {row.pk for row in listed.context["cl"].result_list}
    assert "Coordinator · whole deployment" in listed.text
    for path in (url(User, "change", root.pk), url(User, "change", coordinator.pk), url(User, "add")):
        assert admin_client.get(path).status_code == 200, path


# --- everyone else ------------------------------------------------------------------------------

OTHERS = {
    "county-coordinator": lambda: {"role": Role.COORDINATOR, "county": f.make_county()},
    "city-leader": lambda: {"role": Role.LEADER},
    "county-leader": lambda: {"role": Role.LEADER, "county": f.make_county()},
    "specialist": lambda: {"role": Role.SPECIALIST},
    "no-role": lambda: None,
}


def other_user(kind):
    role = OTHERS[kind]()
    return f.make_user(username=kind) if role is None else user_with_role(kind, **role)


@pytest.mark.parametrize("kind", OTHERS)
def test_every_other_role_stays_out_of_the_admin(client_of, kind):
    user = other_user(kind)
    client = client_of(user)

    index = client.get("/en/admin/")
    roles = client.get(url(UserRole, "changelist"))
    login = client.get("/en/admin/login/")

    assert not user.is_staff
    assert (index.status_code, index.url) == (302, "/en/admin/login/?next=/en/admin/")
    assert roles.status_code == 302 and roles.url.startswith("/admin/login/")
    assert f"You are authenticated as {kind}, but are not authorized to access this page." in " ".join(login.text.split())


@pytest.mark.parametrize("kind", OTHERS)
def test_staff_without_a_city_coordinators_role_may_do_nothing_in_the_admin(client_of, kind):
    # is_staff set by a superuser's hand: the permissions still come from the role alone.
    user = other_user(kind)
    User.objects.filter(pk=user.pk).update(is_staff=True)
    client = client_of(User.objects.get(pk=user.pk))

    index = client.get("/en/admin/")

    assert index.status_code == 200
    assert "You don’t have permission to view or edit anything." in index.text
    for path in (url(UserRole, "changelist"), url(UserRole, "add"), url(User, "changelist"), url(VillageAssignment, "changelist")):
        assert client.get(path).status_code == 403, path


@pytest.mark.parametrize("kind", ["county-coordinator", "city-leader", "specialist"])
def test_other_roles_cannot_sign_in_to_the_admin(client, kind):
    user = other_user(kind)
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])

    response = client.post("/en/admin/login/", {"username": kind, "password": PASSWORD})

    assert response.status_code == 200
    assert "Please enter the correct username and password for a staff account." in response.text


def test_a_deactivated_city_coordinator_has_no_permission(coordinator):
    assert coordinator.has_perm("specialists.change_userrole")
    coordinator.is_active = False
    coordinator.save(update_fields=["is_active"])

    assert not User.objects.get(pk=coordinator.pk).has_perm("specialists.change_userrole")
    assert not User.objects.get(pk=coordinator.pk).has_module_perms("specialists")


def test_the_staff_flag_follows_a_role_written_anywhere():
    user = f.make_user()
    role = f.make_user_role(user=user, role=Role.COORDINATOR)
    assert User.objects.get(pk=user.pk).is_staff and user.is_staff

    role.county = f.make_county()
    role.save()
    assert not User.objects.get(pk=user.pk).is_staff

    root = User.objects.create_superuser("root", password=PASSWORD)
    f.make_user_role(user=root, role=Role.LEADER).delete()
    assert User.objects.get(pk=root.pk).is_staff
