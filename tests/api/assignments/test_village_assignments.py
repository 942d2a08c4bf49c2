"""Coordinators create and end village assignments within their scope; nobody else writes."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from specialists.assignments.models import VillageAssignment
from specialists.coverage.models import VillageCoverageSpan
from tests import factories as f

pytestmark = pytest.mark.django_db
URL = "/api/v1/village-assignments/"


def _client(user):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def _managed(two_counties, **fields):
    """A specialist 怀远县's coordinator manages: one who served a village of the unit in 2020."""
    specialist = f.make_specialist(**fields)
    f.make_village_assignment(specialist=specialist, village=f.make_village(town=two_counties.huaiyuan.town),
                              start_date=datetime.date(2020, 1, 1), end_date=datetime.date(2020, 12, 31))
    return specialist


def test_a_county_coordinator_assigns_a_specialist_to_a_village_of_their_county(two_counties):
    village = f.make_village(town=two_counties.huaiyuan.town)
    newcomer = _managed(two_counties)

    response = _client(two_counties.users["county_coordinator"]).post(
        URL, {"specialist": newcomer.pk, "village": village.code, "start_date": "2024-01-01"}, format="json"
    )

    assert response.status_code == 201, response.json()
    stored = VillageAssignment.objects.get(specialist=newcomer, village=village)
    assert (stored.village, stored.start_date, stored.end_date) == (village, datetime.date(2024, 1, 1), None)
    assert response.json() == {
        "id": stored.pk, "specialist": {"id": newcomer.pk, "name": newcomer.name},
        "village": {"code": village.code, "name": village.name},
        "town": {"code": two_counties.huaiyuan.town.code, "name": two_counties.huaiyuan.town.name},
        "county": {"code": two_counties.huaiyuan.county.code, "name": two_counties.huaiyuan.county.name},
        "start_date": "2024-01-01", "end_date": None, "note": "",
    }
    # Saved through save(): the coverage signal has covered the village from that day.
    assert VillageCoverageSpan.objects.get(village=village, start_date=datetime.date(2024, 1, 1)).covered is True


def test_a_county_coordinator_cannot_assign_in_another_county(two_counties):
    response = _client(two_counties.users["county_coordinator"]).post(
        URL, {"specialist": two_counties.huaiyuan.specialist.pk, "village": two_counties.wuhe.village.code, "start_date": "2024-01-01"}, format="json"
    )

    # Another county's village is answered exactly like a code that does not exist.
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["village"]
    assert not VillageAssignment.objects.filter(village=two_counties.wuhe.village, specialist=two_counties.huaiyuan.specialist).exists()


def test_a_county_coordinator_ends_an_assignment_of_their_county_and_nothing_is_deleted(two_counties):
    assignment = two_counties.huaiyuan.assignment

    response = _client(two_counties.users["county_coordinator"]).post(f"{URL}{assignment.pk}/end/", {"end_date": "2024-06-30"}, format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["end_date"] == "2024-06-30"
    assignment.refresh_from_db()
    assert assignment.end_date == datetime.date(2024, 6, 30)
    # The village is uncovered from the day after, which the coverage signal worked out on save.
    assert VillageCoverageSpan.objects.get(village=assignment.village, start_date=datetime.date(2024, 7, 1)).covered is False


def test_ending_another_countys_assignment_answers_404(two_counties):
    response = _client(two_counties.users["county_coordinator"]).post(f"{URL}{two_counties.wuhe.assignment.pk}/end/", {"end_date": "2024-06-30"}, format="json")

    assert response.status_code == 404
    two_counties.wuhe.assignment.refresh_from_db()
    assert two_counties.wuhe.assignment.end_date is None


@pytest.mark.parametrize("role", ["leader_city", "leader_wuhe", "specialist", "no_role"])
def test_only_coordinators_write(two_counties, role):
    client = _client(two_counties.users[role])
    village = f.make_village(town=two_counties.wuhe.town)

    created = client.post(URL, {"specialist": two_counties.wuhe.specialist.pk, "village": village.code, "start_date": "2024-01-01"}, format="json")
    ended = client.post(f"{URL}{two_counties.wuhe.assignment.pk}/end/", {"end_date": "2024-06-30"}, format="json")

    assert (created.status_code, ended.status_code) == (403, 403)
    assert created.json()["code"] == ended.json()["code"] == "permission_denied"
    assert VillageAssignment.objects.count() == 2
    two_counties.wuhe.assignment.refresh_from_db()
    assert two_counties.wuhe.assignment.end_date is None


def test_anonymous_writes_answer_401(two_counties):
    response = _client(None).post(f"{URL}{two_counties.wuhe.assignment.pk}/end/", {"end_date": "2024-06-30"}, format="json")

    assert response.status_code == 401


def test_an_overlapping_assignment_is_refused_with_422_by_the_models_rule(two_counties):
    side = two_counties.huaiyuan

    response = _client(two_counties.users["city_coordinator"]).post(
        URL, {"specialist": side.specialist.pk, "village": side.village.code, "start_date": "2024-01-01", "end_date": "2024-02-01"},
        format="json", headers={"Accept-Language": "en"},
    )

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert body["message"] == body["fields"]["non_field_errors"][0]
    assert body["message"].startswith(f"{side.specialist.name} is already assigned to {side.village.name} from 2023-03-01")
    assert VillageAssignment.objects.filter(specialist=side.specialist).count() == 1


def test_an_end_before_the_start_is_refused_with_a_field_error(two_counties):
    response = _client(two_counties.users["city_coordinator"]).post(
        f"{URL}{two_counties.wuhe.assignment.pk}/end/", {"end_date": "2020-01-01"}, format="json", headers={"Accept-Language": "en"}
    )

    assert response.status_code == 422
    assert response.json()["fields"] == {"end_date": ["The end date must not be before the start date."]}


def test_an_assignment_ends_once(two_counties):
    client = _client(two_counties.users["city_coordinator"])
    client.post(f"{URL}{two_counties.wuhe.assignment.pk}/end/", {"end_date": "2024-06-30"}, format="json")

    again = client.post(f"{URL}{two_counties.wuhe.assignment.pk}/end/", {"end_date": "2024-12-31"}, format="json")

    assert (again.status_code, again.json()["code"]) == (409, "conflict")
    two_counties.wuhe.assignment.refresh_from_db()
    assert two_counties.wuhe.assignment.end_date == datetime.date(2024, 6, 30)


def test_malformed_input_is_400_with_every_field_named(two_counties):
    response = _client(two_counties.users["city_coordinator"]).post(
        URL, {"specialist": "x", "village": "nope", "start_date": "yesterday"}, format="json", headers={"Accept-Language": "en"}
    )

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"specialist", "village", "start_date"}


# --- reassign: hand a village to another specialist, both rows or neither -----------------------

def _reassign(user, assignment, **data):
    return _client(user).post(f"{URL}{assignment.pk}/reassign/", data, format="json", headers={"Accept-Language": "en"})


def test_a_county_coordinator_hands_a_village_to_another_specialist_without_a_gap(two_counties):
    current = two_counties.huaiyuan.assignment
    successor = _managed(two_counties, name="王接任")

    response = _reassign(two_counties.users["county_coordinator"], current, specialist=successor.pk, start_date="2024-07-01", note="接替")

    assert response.status_code == 201, response.json()
    created = VillageAssignment.objects.get(specialist=successor, village=current.village)
    assert response.json()["id"] == created.pk
    assert (response.json()["specialist"], response.json()["start_date"], response.json()["end_date"], response.json()["note"]) == (
        {"id": successor.pk, "name": "王接任"}, "2024-07-01", None, "接替",
    )
    current.refresh_from_db()
    assert current.end_date == datetime.date(2024, 6, 30)
    # The spans were worked out on save: the village stays covered across the handover.
    spans = VillageCoverageSpan.objects.filter(village=current.village, start_date__gte=current.start_date)
    assert spans.exists() and not spans.filter(covered=False).exists()


def test_a_successor_starting_on_the_current_ones_first_day_is_refused_naming_the_day(two_counties):
    """Accepting it would shrink the current assignment to its first day and rewrite the coverage
    already reported for every day since."""
    current = two_counties.huaiyuan.assignment
    before = VillageAssignment.objects.count()

    response = _reassign(two_counties.users["city_coordinator"], current, specialist=f.make_specialist().pk,
                         start_date=current.start_date.isoformat())

    assert response.status_code == 422
    assert response.json()["fields"] == {"start_date": [
        "The successor must start after the current assignment's first day, 2023-03-01; to replace it from that day, "
        "end it and assign the successor."
    ]}
    current.refresh_from_db()
    assert current.end_date is None
    assert VillageAssignment.objects.count() == before


def test_a_refused_successor_leaves_the_current_assignment_running(two_counties):
    current = two_counties.huaiyuan.assignment
    successor = f.make_specialist()
    # The successor already serves the village from 2024-07-10: their new assignment would overlap it.
    f.make_village_assignment(specialist=successor, village=current.village, start_date=datetime.date(2024, 7, 10))

    response = _reassign(two_counties.users["county_coordinator"], current, specialist=successor.pk, start_date="2024-07-01")

    assert response.status_code == 422
    assert "overlaps these dates" in response.json()["message"]
    current.refresh_from_db()
    assert current.end_date is None
    assert VillageAssignment.objects.filter(specialist=successor).count() == 1


@pytest.mark.parametrize(("field", "start_date", "same", "expected"), [
    ("specialist", "2024-07-01", True, "张怀远 already serves 怀远县村; choose another specialist."),
    ("start_date", "2023-02-28", False,
     "The successor must start after the current assignment's first day, 2023-03-01; to replace it from that day, "
     "end it and assign the successor."),
])
def test_a_successor_who_is_the_same_specialist_or_starts_too_early_is_named_in_the_error(two_counties, field, start_date, same, expected):
    current = two_counties.huaiyuan.assignment
    specialist = current.specialist if same else _managed(two_counties)
    before = VillageAssignment.objects.count()

    response = _reassign(two_counties.users["county_coordinator"], current, specialist=specialist.pk, start_date=start_date)

    assert response.status_code == 422
    assert response.json()["fields"] == {field: [expected]}
    current.refresh_from_db()
    assert current.end_date is None
    assert VillageAssignment.objects.count() == before


def test_an_ended_assignment_cannot_be_reassigned(two_counties):
    current = two_counties.huaiyuan.assignment
    current.end_date = datetime.date(2024, 6, 30)
    current.save()

    successor = _managed(two_counties)

    response = _reassign(two_counties.users["county_coordinator"], current, specialist=successor.pk, start_date="2024-07-01")

    assert (response.status_code, response.json()["code"]) == (409, "conflict")
    assert response.json()["message"] == "This assignment already ended on 2024-06-30."
    assert not VillageAssignment.objects.filter(specialist=successor, village=current.village).exists()


def test_reassigning_another_countys_assignment_answers_404_and_others_may_not(two_counties):
    successor = f.make_specialist()

    other_county = _reassign(two_counties.users["county_coordinator"], two_counties.wuhe.assignment, specialist=successor.pk, start_date="2024-07-01")
    refused = {role: _reassign(two_counties.users[role], two_counties.wuhe.assignment, specialist=successor.pk, start_date="2024-07-01").status_code
               for role in ["leader_city", "leader_wuhe", "specialist", "no_role"]}
    anonymous = _client(None).post(f"{URL}{two_counties.wuhe.assignment.pk}/reassign/", {"specialist": successor.pk, "start_date": "2024-07-01"}, format="json")

    assert other_county.status_code == 404
    assert refused == {"leader_city": 403, "leader_wuhe": 403, "specialist": 403, "no_role": 403}
    assert anonymous.status_code == 401
    two_counties.wuhe.assignment.refresh_from_db()
    assert two_counties.wuhe.assignment.end_date is None
    assert not VillageAssignment.objects.filter(specialist=successor).exists()


def test_malformed_reassign_input_is_400_with_every_field_named(two_counties):
    response = _reassign(two_counties.users["city_coordinator"], two_counties.wuhe.assignment, specialist="x", start_date="tomorrow")

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"specialist", "start_date"}


# --- extend: a planned end moved later, or dropped, while it has not passed ---------------------

def _extend(user, assignment, end_date):
    return _client(user).post(f"{URL}{assignment.pk}/extend/", {"end_date": end_date}, format="json", headers={"Accept-Language": "en"})


def _planned(assignment, days_from_today):
    assignment.end_date = timezone.localdate() + datetime.timedelta(days=days_from_today)
    assignment.save()
    return assignment.end_date


@pytest.mark.clock
@pytest.mark.parametrize("open_ended", [False, True])
def test_a_county_coordinator_extends_an_assignment_at_risk_and_the_village_stays_covered(two_counties, open_ended):
    current = two_counties.huaiyuan.assignment
    planned = _planned(current, 10)
    later = None if open_ended else planned + datetime.timedelta(days=365)

    response = _extend(two_counties.users["county_coordinator"], current, later and later.isoformat())

    assert response.status_code == 200, response.json()
    assert response.json()["end_date"] == (later and later.isoformat())
    current.refresh_from_db()
    assert current.end_date == later
    # The spans follow the save: uncovered only from the day after the new end, if any.
    uncovered = VillageCoverageSpan.objects.filter(village=current.village, covered=False, start_date__gt=current.start_date)
    assert list(uncovered.values_list("start_date", flat=True)) == ([] if open_ended else [later + datetime.timedelta(days=1)])


@pytest.mark.clock
def test_an_extension_must_be_later_than_the_planned_end(two_counties):
    planned = _planned(two_counties.huaiyuan.assignment, 10)

    response = _extend(two_counties.users["county_coordinator"], two_counties.huaiyuan.assignment, planned.isoformat())

    assert response.status_code == 422
    assert response.json()["fields"] == {
        "end_date": [f"Give a day after the planned end ({planned.isoformat()}), or none to leave it open-ended."],
    }


@pytest.mark.clock
def test_an_extension_that_would_overlap_the_specialists_next_assignment_is_refused(two_counties):
    current = two_counties.huaiyuan.assignment
    planned = _planned(current, 10)
    f.make_village_assignment(specialist=current.specialist, village=current.village, start_date=planned + datetime.timedelta(days=30))

    response = _extend(two_counties.users["county_coordinator"], current, None)

    assert response.status_code == 422
    assert "overlaps these dates" in response.json()["message"]
    current.refresh_from_db()
    assert current.end_date == planned


@pytest.mark.clock
@pytest.mark.parametrize(("days", "message"), [
    (None, "This assignment has no end date to move."),
    (-1, "This assignment already ended on {day}."),
])
def test_an_open_ended_or_past_assignment_has_nothing_to_extend(two_counties, days, message):
    current = two_counties.huaiyuan.assignment
    planned = None if days is None else _planned(current, days)

    response = _extend(two_counties.users["city_coordinator"], current, "2099-12-31")

    assert (response.status_code, response.json()["code"]) == (409, "conflict")
    assert response.json()["message"] == message.format(day=planned and planned.isoformat())
    current.refresh_from_db()
    assert current.end_date == planned


@pytest.mark.clock
def test_extending_another_countys_assignment_answers_404_and_others_may_not(two_counties):
    planned = _planned(two_counties.wuhe.assignment, 10)

    other_county = _extend(two_counties.users["county_coordinator"], two_counties.wuhe.assignment, None)
    refused = {role: _extend(two_counties.users[role], two_counties.wuhe.assignment, None).status_code
               for role in ["leader_city", "leader_wuhe", "specialist", "no_role"]}

    assert other_county.status_code == 404
    assert refused == {"leader_city": 403, "leader_wuhe": 403, "specialist": 403, "no_role": 403}
    two_counties.wuhe.assignment.refresh_from_db()
    assert two_counties.wuhe.assignment.end_date == planned


@pytest.mark.clock
def test_an_extension_must_say_its_end_date_even_when_none(two_counties):
    _planned(two_counties.huaiyuan.assignment, 10)

    response = _client(two_counties.users["city_coordinator"]).post(f"{URL}{two_counties.huaiyuan.assignment.pk}/extend/", {}, format="json")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["end_date"]


# --- whom a county coordinator may name ----------------------------------------------------------

def test_a_county_coordinator_cannot_take_over_another_countys_specialist(two_counties):
    """One assignment, even a past one, would make them manage the specialist and see their phone and
    ID number whole: another unit's specialist is answered like one that does not exist."""
    client = _client(two_counties.users["county_coordinator"])
    village = f.make_village(town=two_counties.huaiyuan.town)
    theirs = two_counties.wuhe.specialist

    created = client.post(URL, {"specialist": theirs.pk, "village": village.code, "start_date": "2024-01-01", "end_date": "2024-01-02"},
                          format="json", headers={"Accept-Language": "en"})
    missing = client.post(URL, {"specialist": 999_999, "village": village.code, "start_date": "2024-01-01"},
                          format="json", headers={"Accept-Language": "en"})
    reassigned = _reassign(two_counties.users["county_coordinator"], two_counties.huaiyuan.assignment, specialist=theirs.pk, start_date="2024-07-01")

    assert created.status_code == missing.status_code == reassigned.status_code == 400
    assert created.json()["fields"]["specialist"] == [f'Invalid pk "{theirs.pk}" - object does not exist.']
    assert missing.json()["fields"]["specialist"] == ['Invalid pk "999999" - object does not exist.']
    assert not VillageAssignment.objects.filter(specialist=theirs, village__town__county=two_counties.huaiyuan.county).exists()
    assert client.get(f"/api/v1/specialists/{theirs.pk}/").status_code == 404


def test_a_first_assignment_to_a_unit_is_a_city_coordinators_move(two_counties):
    """Even a specialist assigned nowhere yet: a county coordinator who could name them would manage
    them, and see their mobile and ID number, without having been given them."""
    village = f.make_village(town=two_counties.huaiyuan.town)
    newcomer = f.make_specialist()

    county = _client(two_counties.users["county_coordinator"]).post(
        URL, {"specialist": newcomer.pk, "village": village.code, "start_date": "2024-01-01"}, format="json")
    city = _client(two_counties.users["city_coordinator"]).post(
        URL, {"specialist": newcomer.pk, "village": village.code, "start_date": "2024-01-01"}, format="json")
    then = _client(two_counties.users["county_coordinator"]).post(
        URL, {"specialist": newcomer.pk, "village": two_counties.huaiyuan.village.code, "start_date": "2024-01-01"}, format="json")

    assert (county.status_code, list(county.json()["fields"])) == (400, ["specialist"])
    # Once the city has given them to the unit, its coordinator manages them.
    assert (city.status_code, then.status_code) == (201, 201)


@pytest.mark.parametrize(("field", "day"), [("start_date", "0001-01-01"), ("end_date", "9999-12-31"), ("start_date", "2101-01-01")])
def test_days_outside_2000_to_2100_are_refused_naming_the_field(two_counties, field, day):
    body = {"specialist": f.make_specialist().pk, "village": two_counties.huaiyuan.village.code, "start_date": "2024-01-01", field: day}

    response = _client(two_counties.users["city_coordinator"]).post(URL, body, format="json", headers={"Accept-Language": "en"})

    assert response.status_code == 422
    assert response.json()["fields"][field] == ["Give a day from 2000-01-01 to 2100-12-31."]
    assert VillageAssignment.objects.count() == 2


@pytest.mark.clock
def test_ending_an_assignment_with_a_planned_end_says_to_extend_it_or_assign_a_successor(two_counties):
    planned = _planned(two_counties.huaiyuan.assignment, 10)

    response = _client(two_counties.users["county_coordinator"]).post(
        f"{URL}{two_counties.huaiyuan.assignment.pk}/end/", {"end_date": "2024-06-30"}, format="json", headers={"Accept-Language": "en"},
    )

    assert response.status_code == 409
    assert response.json()["message"] == f"This assignment is planned to end on {planned.isoformat()}: extend it, or assign a successor."
    two_counties.huaiyuan.assignment.refresh_from_db()
    assert two_counties.huaiyuan.assignment.end_date == planned


def test_a_successor_starting_past_2100_is_refused_on_start_date(two_counties):
    response = _reassign(two_counties.users["city_coordinator"], two_counties.huaiyuan.assignment, specialist=f.make_specialist().pk, start_date="9999-12-31")

    assert response.status_code == 422
    assert response.json()["fields"] == {"start_date": ["Give a day from 2000-01-01 to 2100-12-31."]}
    two_counties.huaiyuan.assignment.refresh_from_db()
    assert two_counties.huaiyuan.assignment.end_date is None


@pytest.mark.parametrize("specialist", [1.5, True, "1e3", "", 2**63, -1, 0, [1]])
def test_a_specialist_named_by_anything_but_a_whole_id_is_refused(two_counties, specialist):
    body = {"specialist": specialist, "village": two_counties.huaiyuan.village.code, "start_date": "2024-01-01"}

    created = _client(two_counties.users["city_coordinator"]).post(URL, body, format="json")
    reassigned = _reassign(two_counties.users["city_coordinator"], two_counties.huaiyuan.assignment, specialist=specialist, start_date="2024-07-01")

    assert (created.status_code, list(created.json()["fields"])) == (400, ["specialist"])
    assert (reassigned.status_code, list(reassigned.json()["fields"])) == (400, ["specialist"])
    assert VillageAssignment.objects.count() == 2
