"""Every list answers in a fixed number of queries: the same for 1 and for 50 rows per page.

Each request carries a real access token, as a phone's does, so the counts include the one query
that reads the token's user together with their role (api/access/authentication.py): scope_for
asks nothing more.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from specialists.access.models import UserRole
from tests import factories as f

pytestmark = pytest.mark.django_db
ROWS = 50


def _counties(n, county):
    for _ in range(n - 1):
        f.make_county()


def _towns(n, county):
    for _ in range(n):
        f.make_town(county=county)


def _villages(n, county):
    town = f.make_town(county=county)
    for _ in range(n):
        f.make_village(town=town)


def _industries(n, county):
    for _ in range(n):
        f.make_industry(key_counties=[county])


def _served_specialists(n, county):
    village = f.make_village(town=f.make_town(county=county))
    return [f.make_village_assignment(village=village).specialist for _ in range(n)]


def _organisations(n, county):
    _served_specialists(n, county)


def _specialists(n, county):
    _served_specialists(n, county)


def _teams(n, county):
    for specialist in _served_specialists(n, county):
        f.make_team(leader=specialist, members=[f.make_specialist()])


def _village_assignments(n, county):
    _served_specialists(n, county)


def _industry_assignments(n, county):
    industry = f.make_industry()
    for _ in range(n):
        f.make_industry_assignment(industry=industry, counties=[county])


def _enterprises(n, county):
    village = f.make_village(town=f.make_town(county=county))
    for _ in range(n):
        f.make_enterprise(village=village)


def _service_logs(n, county):
    village = f.make_village(town=f.make_town(county=county))
    specialist = f.make_village_assignment(village=village).specialist
    for _ in range(n):
        f.make_service_log_photo(log=f.make_service_log(specialist=specialist, village=village))


def _achievements(n, county):
    specialist = _served_specialists(1, county)[0]
    for _ in range(n):
        f.make_achievement_evidence(achievement=f.make_achievement(specialist=specialist))


# route: (builder, queries). Every count starts with 1 (the token's user and role), then the page's COUNT(*)
# and the page's rows (joined to what the rows show); a prefetch adds one for all rows of the page.
LISTS = {
    "counties": (_counties, 3),
    "towns": (_towns, 3),  # rows joined to their county
    "villages": (_villages, 3),  # rows joined to town and county
    "industries": (_industries, 4),  # + the key counties of the page's industries
    "organisations": (_organisations, 3),
    "specialists": (_specialists, 3),  # rows joined to their organisation
    "teams": (_teams, 4),  # rows joined to leader and lead organisation, + the page's memberships with their specialists
    "village-assignments": (_village_assignments, 3),  # rows joined to specialist, village, town, county
    "industry-assignments": (_industry_assignments, 4),  # rows joined to team and industry, + the page's counties
    "enterprises": (_enterprises, 3),  # rows joined to specialist, village and industry
    "service-logs": (_service_logs, 4),  # rows joined to specialist and village, + the page's photos
    "achievements": (_achievements, 4),  # rows joined to specialist, village, industry, reviewer, + the page's evidence
}


def _client(user):
    client = APIClient()
    # A bearer token: the user is read afresh on each request, as a phone's request is.
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    return client


def _queries(role_user, route, page_size):
    client = _client(role_user)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/api/v1/{route}/", {"page_size": page_size})
    assert response.status_code == 200
    assert len(response.json()["results"]) == min(page_size, ROWS)
    return len(captured)


# A county coordinator and a city leader; not the county list of a county role, which holds one row.
CASES = [
    (route, role, city_wide)
    for route in LISTS
    for role, city_wide in ((UserRole.Role.COORDINATOR, False), (UserRole.Role.LEADER, True))
    if city_wide or route != "counties"
]


@pytest.mark.parametrize(("route", "role", "city_wide"), CASES)
def test_a_list_costs_the_same_queries_for_1_and_50_rows(route, role, city_wide):
    build, expected = LISTS[route]
    county = f.make_county()
    build(ROWS, county)
    # County-scoped or not, the scope's filters are part of the same queries, not extra ones.
    user = f.make_user_role(role=role, county=None if city_wide else county).user

    assert _queries(user, route, 1) == expected
    assert _queries(user, route, ROWS) == expected


def test_a_specialist_lists_teams_in_the_same_queries():
    specialist = f.make_specialist()
    for _ in range(ROWS):
        f.make_team(members=[specialist, f.make_specialist()])
    user = f.make_user_role(role=UserRole.Role.SPECIALIST, specialist=specialist).user

    assert _queries(user, "teams", 1) == _queries(user, "teams", ROWS) == 4


def _gaps(n, county):
    town = f.make_town(county=county)
    for _ in range(n):
        f.make_village(town=town)  # no assignment: uncovered


# route: (builder, queries). 1 for the token's user and role, the COUNT(*) the row cap is checked with, the
# rows (joined as in the list), and one per prefetch for each chunk of 2,000 rows.
EXPORTS = {
    "villages": (_villages, 3),
    "specialists": (_specialists, 3),
    "village-assignments": (_village_assignments, 3),
    "industry-assignments": (_industry_assignments, 4),  # + the counties
    "enterprises": (_enterprises, 3),
    "service-logs": (_service_logs, 4),  # + the photos, counted in the file
    "achievements": (_achievements, 4),  # + the evidence, counted in the file
    "coverage/gaps": (_gaps, 3),  # the spans joined to village, town and county
}


def _export_queries(role_user, route, fmt):
    client = _client(role_user)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/api/v1/{route}/export/", {"format": fmt, "as_of": "2024-06-30"} if "gaps" in route else {"format": fmt})
        # A CSV reads its rows while it is sent: the queries are made here.
        body = b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(captured), body


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("route", EXPORTS)
def test_an_export_costs_the_same_queries_for_1_and_50_rows(route, fmt):
    build, expected = EXPORTS[route]
    county = f.make_county()
    user = f.make_user_role(role=UserRole.Role.COORDINATOR, county=county).user
    build(1, county)

    one, small = _export_queries(user, route, fmt)
    build(ROWS - 1, county)
    fifty, large = _export_queries(user, route, fmt)

    assert one == fifty == expected
    assert len(large) > len(small)


@pytest.mark.parametrize(("role", "county_role"), [(UserRole.Role.COORDINATOR, True), (UserRole.Role.LEADER, False)])
def test_the_map_jobs_list_costs_the_same_queries_for_1_and_50_jobs(role, county_role):
    county = f.make_county()
    town = f.make_town(county=county)
    user = f.make_user_role(role=role, county=county if county_role else None).user
    for index in range(ROWS):
        # Each with its county-level unit and (for half) its town, which the list names.
        f.make_map_job(requested_by=user, county=county, town=town if index % 2 else None)

    # The token's user and role, the page's COUNT(*), and the page's jobs joined to their county-level unit and town.
    assert _queries(user, "map-jobs", 1) == 3
    assert _queries(user, "map-jobs", ROWS) == 3
