"""Lists at national scale (issue 14): an index for every default ordering, an estimated count past the
threshold (PostgreSQL), the token's user and role in one query, and hand-written list representations
that say exactly what the declared fields say."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from rest_framework import serializers
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from api.assignments.serializers import VillageAssignmentSerializer
from api.divisions.serializers import CountySerializer, TownSerializer, VillageSerializer
from api.pagination import count_rows
from api.people.serializers import SpecialistSerializer
from api.urls import router
from specialists.access.models import UserRole
from specialists.access.scope import scope_for, scoped, with_role
from specialists.assignments.selectors import village_assignments_for
from specialists.people.models import Specialist
from specialists.access.divisions import villages_for
from specialists.people.selectors import specialists_for
from tests import factories as f
from villages.models import Village

pytestmark = pytest.mark.django_db

# The lists of people, assignments and divisions (api/fieldwork, api/coverage and api/imports keep their own).
LISTS = ["counties", "towns", "villages", "industries", "organisations", "specialists", "teams", "village-assignments", "industry-assignments"]


def _client(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    return client


def _on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("the services pass runs it on PostgreSQL; SQLite always counts exactly")


# --- an index for every default ordering ---------------------------------------------------------------

def _indexed(model, ordering):
    """Whether an index (or a unique column, or the key) leads with the ordering: a first page reads it in order."""
    first = ordering[0].lstrip("-")
    field = model._meta.get_field(first)
    if field.primary_key or field.unique:
        return True
    wanted = list(ordering)
    for index in model._meta.indexes:
        fields = list(index.fields)
        if fields[: len(wanted)] == wanted:
            return True
        # A B-tree read backwards gives the opposite order of every column.
        flipped = [name[1:] if name.startswith("-") else f"-{name}" for name in wanted]
        if fields[: len(flipped)] == flipped:
            return True
    return False


@pytest.mark.parametrize("route", LISTS)
def test_every_lists_default_ordering_has_an_index(route):
    viewset = next(registered for prefix, registered, _basename in router.registry if prefix == route)
    model = viewset.serializer_class.Meta.model

    assert getattr(viewset, "ordering", None) is None, "the list orders by Meta.ordering"
    assert _indexed(model, model._meta.ordering), f"{model._meta.label} orders by {model._meta.ordering} without an index"


# --- the token's user and role in one query -------------------------------------------------------------

@pytest.mark.parametrize("where", ["county", "city", "province", "specialist", "none"])
def test_a_user_loaded_with_their_role_has_a_scope_without_a_query(where, django_assert_num_queries):
    county = f.make_county()
    role = {
        "county": {"county": county}, "city": {"city": county.city}, "province": {"province": county.city.province},
        "specialist": {"role": UserRole.Role.SPECIALIST}, "none": {},
    }[where]
    user = f.make_user_role(**role).user
    loaded = with_role(get_user_model().objects).get(pk=user.pk)

    with django_assert_num_queries(0):
        scope = scope_for(loaded)
        # The place is read up the tree (a county's city and province) when the scope filters rows.
        str(scoped(loaded, Village.objects.all()).query)
        str(village_assignments_for(loaded).query)

    assert scope == scope_for(get_user_model().objects.get(pk=user.pk))


def test_a_user_loaded_with_no_role_has_no_access_without_a_query(django_assert_num_queries):
    user = with_role(get_user_model().objects).get(pk=f.make_user().pk)

    with django_assert_num_queries(0):
        assert not scope_for(user).has_access


def test_a_bearer_token_reads_the_user_and_role_in_one_query(django_assert_num_queries):
    user = f.make_user_role(county=f.make_county()).user

    # The token's user joined to their role and its division; then the coordinator's own row.
    with django_assert_num_queries(1):
        response = _client(user).get("/api/v1/me/")

    assert response.status_code == 200


def test_a_bearer_token_of_a_user_without_a_role_is_refused():
    response = _client(f.make_user()).get("/api/v1/villages/")

    assert response.status_code == 403


def test_a_bearer_token_of_an_inactive_user_is_refused():
    user = f.make_user_role().user
    client = _client(user)
    user.is_active = False
    user.save(update_fields=["is_active"])

    assert client.get("/api/v1/villages/").status_code == 401


# --- hand-written representations ---------------------------------------------------------------------

def _generic(serializer_class, row, request):
    """What DRF's generic to_representation makes of the declared fields."""
    serializer = serializer_class(row, context={"request": request})
    return serializers.ModelSerializer.to_representation(serializer, row)


class _Request:
    def __init__(self, user):
        self.user = user


@pytest.mark.parametrize("role", ["whole", "county", "leader"])
def test_the_hand_written_rows_are_the_declared_fields_own(role):
    county = f.make_county()
    town = f.make_town(county=county)
    village = f.make_village(town=town, lon=117.1, lat=32.9)
    f.make_village(town=town)  # no point: null lon and lat
    specialist = f.make_specialist(title="研究员")
    f.make_specialist(kind=Specialist.Kind.CORPORATE, id_number="")
    f.make_village_assignment(specialist=specialist, village=village, end_date=datetime.date(2025, 6, 30), note="备注")
    f.make_village_assignment(village=village)
    for other in Specialist.objects.exclude(village_assignments__isnull=False):
        f.make_village_assignment(specialist=other, village=village)
    user = {
        "whole": lambda: f.make_user_role().user,
        "county": lambda: f.make_user_role(county=county).user,
        "leader": lambda: f.make_user_role(role=UserRole.Role.LEADER).user,
    }[role]()
    request = _Request(user)

    checked = 0
    for serializer_class, rows in [
        (VillageAssignmentSerializer, village_assignments_for(user)),
        (SpecialistSerializer, specialists_for(user)),
        (VillageSerializer, scoped(user, Village.objects.select_related("town__county"))),
        (TownSerializer, scoped(user, town.__class__.objects.select_related("county"))),
        (CountySerializer, scoped(user, county.__class__.objects.all())),
    ]:
        for row in rows:
            assert serializer_class(row, context={"request": request}).data == _generic(serializer_class, row, request)
            checked += 1
    assert checked >= 9


@pytest.mark.parametrize(("route", "serializer_class", "selector"), [
    ("village-assignments", VillageAssignmentSerializer, village_assignments_for),
    ("villages", VillageSerializer, villages_for),
])
@pytest.mark.parametrize("county_role", [False, True])
def test_a_list_read_as_values_answers_the_serializers_rows(route, serializer_class, selector, county_role):
    county = f.make_county()
    village = f.make_village(town=f.make_town(county=county), lon=117.25, lat=32.5)
    f.make_village(town=village.town)  # no point
    f.make_village()  # another county-level unit's
    f.make_village_assignment(village=village, end_date=datetime.date(2025, 6, 30), note="备注")
    f.make_village_assignment(village=village)
    f.make_village_assignment()  # another county-level unit's
    user = f.make_user_role(county=county if county_role else None).user

    body = _client(user).get(f"/api/v1/{route}/", {"page_size": 1000}).json()

    request = _Request(user)
    assert body["results"] == [serializer_class(row, context={"request": request}).data for row in selector(user)]
    assert len(body["results"]) >= 2


# --- the count ----------------------------------------------------------------------------------------

def _assignments(n):
    village = f.make_village()
    for day in range(n):
        f.make_village_assignment(village=village, start_date=datetime.date(2024, 1, 1) + datetime.timedelta(days=day), end_date=datetime.date(2024, 12, 31))


def test_an_exact_count_answers_as_before():
    _assignments(3)
    user = f.make_user_role().user

    body = _client(user).get("/api/v1/village-assignments/").json()

    assert body["count"] == 3
    assert list(body) == ["count", "next", "previous", "results"]


def test_sqlite_counts_exactly_past_the_threshold(settings):
    if connection.vendor != "sqlite":
        pytest.skip("the embedded pass")
    settings.TEPAI_LIST_EXACT_COUNT_MAX = 2
    _assignments(5)
    user = f.make_user_role().user

    body = _client(user).get("/api/v1/village-assignments/", {"page_size": 2}).json()

    assert body["count"] == 5 and "count_is_estimate" not in body


@pytest.mark.services("postgresql")
def test_past_the_threshold_postgresql_estimates_and_pages_stay_exact(settings):
    _on_postgresql()
    settings.TEPAI_LIST_EXACT_COUNT_MAX = 3
    _assignments(7)
    user = f.make_user_role().user
    client = _client(user)

    first = client.get("/api/v1/village-assignments/", {"page_size": 3}).json()
    last = client.get("/api/v1/village-assignments/", {"page_size": 3, "page": 3}).json()
    past = client.get("/api/v1/village-assignments/", {"page_size": 3, "page": 4})

    # Known to be more than the threshold: the estimate is never below it.
    assert first["count_is_estimate"] is True and first["count"] >= 4
    assert list(first) == ["count", "count_is_estimate", "next", "previous", "results"]
    assert len(first["results"]) == 3 and first["next"] is not None
    # Whatever the estimate, the last page that holds rows has no next, and the one after it is past the end.
    assert len(last["results"]) == 1 and last["next"] is None and last["previous"] is not None
    assert past.status_code == 404
    ids = [row["id"] for page in (1, 2, 3) for row in client.get("/api/v1/village-assignments/", {"page_size": 3, "page": page}).json()["results"]]
    assert len(ids) == len(set(ids)) == 7


@pytest.mark.services("postgresql")
def test_the_count_is_exact_up_to_the_threshold_on_postgresql():
    _on_postgresql()
    _assignments(4)
    rows = village_assignments_for(f.make_user_role().user)

    assert count_rows(rows, exact_up_to=4) == (4, False)
    estimate, estimated = count_rows(rows, exact_up_to=3)
    assert estimated is True and estimate >= 4


@pytest.mark.services("postgresql")
def test_an_estimated_count_costs_a_bounded_count_and_an_explain(settings, django_assert_num_queries):
    _on_postgresql()
    settings.TEPAI_LIST_EXACT_COUNT_MAX = 3
    _assignments(5)
    client = _client(f.make_user_role().user)

    # The token's user and role; COUNT(*) of at most 4 rows; EXPLAIN; the page's rows and one more.
    with django_assert_num_queries(4):
        assert client.get("/api/v1/village-assignments/", {"page_size": 2}).json()["count_is_estimate"] is True
