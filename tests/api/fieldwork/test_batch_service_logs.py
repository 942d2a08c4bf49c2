"""A phone's outbox sent at once: POST /api/v1/service-logs/batch/ answers each log as the single route would."""

import uuid
from unittest import mock

import pytest
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient
from shapely.geometry import box

from specialists.fieldwork.locator import villages_changed
from specialists.fieldwork.models import ServiceLog
from villages import geometry

pytestmark = [pytest.mark.django_db]
URL = "/api/v1/service-logs/batch/"
SINGLE = "/api/v1/service-logs/"


def _client(user):
    client = APIClient(headers={"Accept-Language": "en"})
    client.force_authenticate(user)
    return client


def _log(place, number=0, **changes):
    return {
        "uuid": str(uuid.UUID(int=number + 1)), "village": place.code if place else None, "kind": "training",
        "occurred_at": "2024-05-01T09:30:00+08:00", "description": f"小麦赤霉病防治培训 {number}", "people_served": 32,
        "location": {"lon": 117.39, "lat": 32.92, "accuracy_m": 8.5, "crs": "WGS84"}, **changes,
    }


def _batch(user, logs):
    return _client(user).post(URL, {"logs": logs}, format="json")


def test_every_answer_of_the_single_route_in_one_mixed_batch(two_counties):
    user = two_counties.users["specialist"]
    side, other = two_counties.huaiyuan, two_counties.wuhe
    stored_same = _log(side.village, 1)
    stored_changed = _log(side.village, 2)
    assert _client(user).post(SINGLE, stored_same, format="json").status_code == 201
    assert _client(user).post(SINGLE, stored_changed, format="json").status_code == 201
    logs = [
        _log(side.village, 0),                                     # new: 201
        stored_same,                                               # a retry: 200
        {**stored_changed, "people_served": 99},                   # same UUID, other content: 409
        _log(other.village, 3),                                    # a village not served: 422 on village
        _log(side.village, 4, kind="party", uuid="nope"),          # malformed: 400 by field
        _log(side.village, 5, village="999999999999"),             # no such village: 422
        _log(side.village, 6, people_served=10_001),               # the model's bound: 422
    ]
    singles = {}
    # What the single route answers for each refused one, on a copy of the same state.
    for index in (3, 4, 5, 6):
        response = _client(user).post(SINGLE, logs[index], format="json")
        singles[index] = (response.status_code, response.json())
    conflict = _client(user).post(SINGLE, logs[2], format="json")
    assert ServiceLog.objects.count() == 2

    response = _batch(user, logs)

    assert response.status_code == 200, response.json()
    results = response.json()["results"]
    assert [answer["status"] for answer in results] == [201, 200, 409, 422, 400, 422, 422]
    assert [answer["uuid"] for answer in results] == [log["uuid"] for log in logs]
    created = ServiceLog.objects.get(uuid=logs[0]["uuid"])
    assert results[0]["log"] == _client(user).get(f"{SINGLE}{created.uuid}/").json()
    assert results[1]["log"]["uuid"] == stored_same["uuid"] and results[1]["error"] is None
    assert (409, results[2]["error"]) == (conflict.status_code, conflict.json())
    for index, (status, body) in singles.items():
        assert (results[index]["status"], results[index]["error"]) == (status, body), index
        assert results[index]["log"] is None
    assert ServiceLog.objects.count() == 3


def test_the_whole_batch_sent_again_answers_200_for_each_and_stores_nothing_new(two_counties):
    user = two_counties.users["specialist"]
    logs = [_log(two_counties.huaiyuan.village, number) for number in range(5)]
    first = _batch(user, logs).json()["results"]

    again = _batch(user, logs).json()["results"]

    assert [answer["status"] for answer in first] == [201] * 5
    assert [answer["status"] for answer in again] == [200] * 5
    assert [answer["log"] for answer in again] == [answer["log"] for answer in first]
    assert ServiceLog.objects.count() == 5


def test_a_uuid_twice_in_one_batch_is_stored_once(two_counties):
    user = two_counties.users["specialist"]
    log = _log(two_counties.huaiyuan.village, 1)

    results = _batch(user, [log, log, {**log, "people_served": 1}]).json()["results"]

    assert [answer["status"] for answer in results] == [201, 200, 409]
    assert ServiceLog.objects.count() == 1


def test_a_log_without_a_village_is_put_in_the_village_whose_boundary_holds_it(two_counties):
    side = two_counties.huaiyuan
    side.village.boundary = geometry.to_wkb(box(117.38, 32.91, 117.40, 32.93))
    side.village.save()
    villages_changed()

    results = _batch(two_counties.users["specialist"], [
        _log(None, 1), _log(None, 2, location={"lon": 100.0, "lat": 30.0, "crs": "WGS84"}),
    ]).json()["results"]

    assert results[0]["status"] == 201 and results[0]["log"]["village"] == side.village.code
    assert results[0]["log"]["in_village"] is True and results[0]["log"]["distance_m"] == 0.0
    assert (results[1]["status"], results[1]["error"]["fields"]) == (
        422, {"village": ["The location lies in no village's boundary; give the village's code."]},
    )


def test_a_batch_beyond_the_limit_answers_413_naming_it(two_counties, settings):
    settings.TEPAI_LOG_BATCH_MAX = 3
    logs = [_log(two_counties.huaiyuan.village, number) for number in range(4)]

    response = _batch(two_counties.users["specialist"], logs)

    assert response.status_code == 413
    assert response.json()["message"] == "A batch holds at most 3 service logs; this one has 4. Send them in smaller batches."
    assert not ServiceLog.objects.exists()


@pytest.mark.parametrize("body", [{}, {"logs": "many"}, []])
def test_a_body_without_a_list_of_logs_answers_400(two_counties, body):
    response = _client(two_counties.users["specialist"]).post(URL, body, format="json")

    assert (response.status_code, response.json()["fields"]) == (400, {"logs": ["Give the logs as a list."]})


@pytest.mark.parametrize("role", ["city_coordinator", "county_coordinator", "leader_city"])
def test_only_specialists_send_batches(two_counties, role):
    response = _batch(two_counties.users[role], [_log(two_counties.huaiyuan.village)])

    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    assert not ServiceLog.objects.exists()


def test_a_specialist_records_only_their_own_logs(two_counties):
    # The batch names no specialist: every log is the signed-in one's, refused where they do not serve.
    log = {**_log(two_counties.wuhe.village), "specialist": two_counties.wuhe.specialist.pk}

    results = _batch(two_counties.users["specialist"], [log]).json()["results"]

    assert results[0]["status"] == 422
    assert not ServiceLog.objects.exists()


def test_a_failure_while_storing_leaves_no_log_of_the_batch(two_counties):
    logs = [_log(two_counties.huaiyuan.village, number) for number in range(4)]
    real = ServiceLog.objects.bulk_create

    def crash_half_way(rows, **kwargs):
        real(rows[:2], **kwargs)  # half the rows written, then the process fails
        raise DatabaseError("disk full")

    client = _client(two_counties.users["specialist"])
    client.raise_request_exception = True
    with mock.patch.object(ServiceLog.objects, "bulk_create", crash_half_way), pytest.raises(DatabaseError):
        client.post(URL, {"logs": logs}, format="json")

    assert not ServiceLog.objects.exists()
    # Sent again, the batch is stored whole.
    assert [answer["status"] for answer in _batch(two_counties.users["specialist"], logs).json()["results"]] == [201] * 4


def _queries(user, logs):
    # A fresh user object, as each request has: the scope is kept on the object it was read for.
    client = _client(type(user).objects.get(pk=user.pk))
    with CaptureQueriesContext(connection) as captured:
        response = client.post(URL, {"logs": logs}, format="json")
    assert [answer["status"] for answer in response.json()["results"]] == [201] * len(logs)
    inserts = [query for query in captured.captured_queries if query["sql"].startswith("INSERT")]
    return len(captured) - len(inserts), len(inserts)


def test_a_batch_costs_the_same_queries_for_1_and_200_logs(two_counties):
    user = two_counties.users["specialist"]
    village = two_counties.huaiyuan.village
    one = _queries(user, [_log(village, 0)])
    two_hundred = _queries(user, [_log(village, number) for number in range(1, 201)])

    # The user's role; the stored UUIDs; the villages; the specialist's assignments on the batch's days;
    # the savepoint and its release; the logs read back (joined to specialist and village) and their photos.
    assert one[0] == two_hundred[0] == 8
    # One bulk insert, which Django splits only where the backend limits a statement's parameters
    # (SQLite: 999, so 66 logs a statement); PostgreSQL takes all 200 in one.
    fields = [field for field in ServiceLog._meta.concrete_fields if not field.primary_key]
    per_statement = connection.ops.bulk_batch_size(fields, [None] * 200)
    assert one[1] == 1
    assert two_hundred[1] == -(-200 // per_statement) == (1 if connection.vendor == "postgresql" else 4)
