"""The authorization matrix: every read route, for every role, against two county-level units.

怀远县 and 五河县 each hold one of everything (tests.api.build_two_counties). Each role must see exactly
its scope's rows in the list, its count, a search and a filter, and get 404 for the detail of any
other row; the no-role user gets 403 and anonymous 401 everywhere.
"""

import pytest
from rest_framework.test import APIClient


pytestmark = pytest.mark.django_db

H, W = "huaiyuan", "wuhe"
# Which side's rows each role sees, by resource; `divisions` are counties, towns and villages.
SEES = {
    "city_coordinator": {"default": {H, W}},
    "leader_city": {"default": {H, W}},
    "county_coordinator": {"default": {H}, "industries": {H, W}},
    "leader_wuhe": {"default": {W}, "industries": {H, W}},
    # Divisions and industries are not personal: a specialist sees them all, and only their own of the rest.
    "specialist": {"default": {H}, "counties": {H, W}, "towns": {H, W}, "villages": {H, W}, "industries": {H, W}},
}


def _key_by_code(obj):
    return obj.code


def _key_by_id(obj):
    return obj.pk


# resource: (route, row of a side, key of a row in a response, a search term that finds the row, a filter naming the side)
RESOURCES = {
    "counties": ("counties", lambda s: s.county, "code", lambda s: s.county.name, None),
    "towns": ("towns", lambda s: s.town, "code", lambda s: s.town.name, lambda s: {"county": s.county.code}),
    "villages": ("villages", lambda s: s.village, "code", lambda s: s.village.name, lambda s: {"county": s.county.code, "town": s.town.code}),
    "industries": ("industries", lambda s: s.industry, "id", lambda s: s.industry.name, None),
    "organisations": ("organisations", lambda s: s.organisation, "id", lambda s: s.organisation.name, None),
    "specialists": ("specialists", lambda s: s.specialist, "id", lambda s: s.specialist.name, lambda s: {"county": s.county.code, "village": s.village.code}),
    "teams": ("teams", lambda s: s.team, "id", lambda s: s.team.name, lambda s: {"lead_organisation": s.organisation.pk}),
    "village-assignments": (
        "village-assignments", lambda s: s.assignment, "id", lambda s: s.village.name,
        lambda s: {"county": s.county.code, "specialist": s.specialist.pk},
    ),
    "industry-assignments": ("industry-assignments", lambda s: s.industry_assignment, "id", lambda s: s.team.name, lambda s: {"team": s.team.pk}),
    "enterprises": ("enterprises", lambda s: s.enterprise, "id", lambda s: s.enterprise.name, lambda s: {"specialist": s.specialist.pk}),
}
ROLES = list(SEES)


def _client(user):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def _lookup(row, key):
    return getattr(row, "code" if key == "code" else "pk")


def _visible(role, resource):
    return SEES[role].get(resource, SEES[role]["default"])


@pytest.mark.parametrize("resource", RESOURCES)
@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_exactly_its_scope_in_lists_details_search_and_filters(two_counties, role, resource):
    route, row_of, key, search_of, filter_of = RESOURCES[resource]
    sides = {H: two_counties.huaiyuan, W: two_counties.wuhe}
    visible = _visible(role, resource)
    client = _client(two_counties.users[role])

    listed = client.get(f"/api/v1/{route}/")
    assert listed.status_code == 200
    expected = {_lookup(row_of(sides[name]), key) for name in visible}
    assert {item[key] for item in listed.json()["results"]} == expected
    assert listed.json()["count"] == len(expected)

    for name, side in sides.items():
        lookup = _lookup(row_of(side), key)
        detail = client.get(f"/api/v1/{route}/{lookup}/")
        assert detail.status_code == (200 if name in visible else 404), (name, detail.json())
        if name not in visible:
            assert detail.json()["code"] == "not_found"

        searched = client.get(f"/api/v1/{route}/", {"search": search_of(side)})
        assert searched.json()["count"] == (1 if name in visible else 0)
        if filter_of is not None:
            filtered = client.get(f"/api/v1/{route}/", filter_of(side))
            assert filtered.status_code == 200
            assert filtered.json()["count"] == (1 if name in visible else 0), (name, filter_of(side))


@pytest.mark.parametrize("resource", RESOURCES)
@pytest.mark.parametrize(("role", "status", "code"), [(None, 401, "not_authenticated"), ("no_role", 403, "permission_denied")])
def test_without_a_role_nothing_is_readable(two_counties, resource, role, status, code):
    route, row_of, key, _search, _filter = RESOURCES[resource]
    client = _client(two_counties.users.get(role))

    for url in (f"/api/v1/{route}/", f"/api/v1/{route}/{_lookup(row_of(two_counties.huaiyuan), key)}/"):
        response = client.get(url)
        assert (response.status_code, response.json()["code"]) == (status, code)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_read_only_resources_refuse_every_write(two_counties, role, method):
    client = _client(two_counties.users[role])

    for resource, (route, row_of, key, _search, _filter) in RESOURCES.items():
        if resource in ("village-assignments", "industry-assignments") and method == "post":
            continue  # coordinators create assignments: see test_village_assignments, test_industry_assignments
        for url in (f"/api/v1/{route}/", f"/api/v1/{route}/{_lookup(row_of(two_counties.huaiyuan), key)}/"):
            response = getattr(client, method)(url, {}, format="json")
            assert response.status_code in (403, 405), (url, response.status_code)
            assert response.json()["code"] in ("permission_denied", "method_not_allowed")


@pytest.mark.parametrize(
    ("role", "whole"),
    [("city_coordinator", {H, W}), ("county_coordinator", {H}), ("leader_city", set()), ("leader_wuhe", set()), ("specialist", set())],
)
def test_mobile_and_id_number_are_whole_only_for_coordinators_who_manage_the_specialist(two_counties, role, whole):
    client = _client(two_counties.users[role])

    for name, side in ((H, two_counties.huaiyuan), (W, two_counties.wuhe)):
        response = client.get(f"/api/v1/specialists/{side.specialist.pk}/")
        if name not in _visible(role, "specialists"):
            assert response.status_code == 404  # outside the scope altogether
            continue
        body = response.json()
        if name in whole:
            assert (body["mobile"], body["id_number"], body["personal_data_masked"]) == (side.specialist.mobile, side.specialist.id_number, False)
        else:
            masked = (side.specialist.masked_mobile, side.specialist.masked_id_number, True)
            assert (body["mobile"], body["id_number"], body["personal_data_masked"]) == masked
            assert "*" in body["mobile"] and "*" in body["id_number"]


def test_a_team_shared_across_counties_shows_to_both_county_roles(two_counties):
    """A team is visible to a county role as soon as one of its members serves in that county."""
    from specialists.people.models import TeamMembership

    TeamMembership.objects.create(team=two_counties.wuhe.team, specialist=two_counties.huaiyuan.specialist)
    client = _client(two_counties.users["county_coordinator"])

    response = client.get("/api/v1/teams/")

    assert sorted(item["name"] for item in response.json()["results"]) == sorted([two_counties.huaiyuan.team.name, two_counties.wuhe.team.name])
