"""Recording service logs from phones: the rules, the location, and idempotency by the phone's UUID."""

import datetime
import threading
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.test import override_settings
from django.utils import timezone
from shapely.geometry import box

from specialists.fieldwork.models import ServiceLog
from specialists.people.models import Specialist
from specialists.fieldwork.service_logs import ServiceLogConflict, service_log_record
from tests import factories as f
from villages import coordinates, geometry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
WHEN = datetime.datetime(2023, 6, 1, 9, 30, tzinfo=SHANGHAI)
# A village-sized square in Huaiyuan county (EPSG:4490); 0.001° of longitude there is 93.4 m.
SQUARE = box(117.20, 32.95, 117.21, 32.96)
INSIDE = {"lon": 117.205, "lat": 32.955, "accuracy_m": 12.5, "crs": "WGS84"}
M_PER_DEG_LON = 93_408


@pytest.fixture
def assignment():
    village = f.make_village(boundary=geometry.to_wkb(SQUARE))
    return f.make_village_assignment(village=village, start_date=datetime.date(2023, 3, 1))


def record(assignment, **overrides):
    arguments = {
        "specialist": assignment.specialist, "uuid": uuid.UUID("6f1c1b9e-3f7a-4c1e-9a53-0d6c2b1f7e10"),
        "village_code": assignment.village.code, "kind": ServiceLog.Kind.TRAINING, "occurred_at": WHEN,
        "description": "稻田病虫害防治培训", "people_served": 40, "location": INSIDE,
    }
    arguments.update(overrides)
    return service_log_record(**arguments)


def errors_of(assignment, **overrides):
    with pytest.raises(ValidationError) as caught:
        record(assignment, **overrides)
    assert ServiceLog.objects.count() == 0
    return caught.value.message_dict


def east_of_square(metres):
    return {"lon": 117.21 + metres / M_PER_DEG_LON, "lat": 32.955, "accuracy_m": 10, "crs": "WGS84"}


def test_a_log_in_the_village_is_stored_with_its_place(assignment):
    log, created = record(assignment)

    assert created is True
    stored = ServiceLog.objects.get()
    assert stored.pk == log.pk
    assert stored.uuid == uuid.UUID("6f1c1b9e-3f7a-4c1e-9a53-0d6c2b1f7e10")
    assert (stored.specialist, stored.village) == (assignment.specialist, assignment.village)
    assert (stored.kind, stored.occurred_at, stored.people_served) == ("training", WHEN, 40)
    assert stored.description == "稻田病虫害防治培训"
    assert (stored.lon, stored.lat, stored.accuracy_m, stored.crs) == (117.205, 32.955, 12.5, "WGS84")
    assert (stored.in_village, stored.distance_m) == (True, 0.0)


def test_a_gcj02_location_is_stored_as_wgs84(assignment):
    gcj_lon, gcj_lat = coordinates.wgs84_to_gcj02(117.205, 32.955)

    log, _ = record(assignment, location={"lon": gcj_lon, "lat": gcj_lat, "accuracy_m": 8, "crs": "GCJ02"})

    log.refresh_from_db()
    assert log.crs == "GCJ02"
    assert log.lon == pytest.approx(117.205, abs=1e-7)
    assert log.lat == pytest.approx(32.955, abs=1e-7)
    # Read as WGS-84, the GCJ-02 point would lie some 500 m off; converted, it is inside.
    assert log.in_village is True


@pytest.mark.parametrize(("metres", "in_village"), [(300, True), (490, True), (520, False), (2000, False)])
def test_a_point_outside_counts_as_in_the_village_within_the_distance(assignment, metres, in_village):
    log, _ = record(assignment, location=east_of_square(metres))

    assert log.in_village is in_village
    assert log.distance_m == pytest.approx(metres, rel=0.01)


@override_settings(TEPAI_LOG_DISTANCE_M=100)
def test_the_distance_is_a_setting(assignment):
    log, _ = record(assignment, location=east_of_square(300))

    assert log.in_village is False


def test_a_village_without_a_boundary_leaves_in_village_empty():
    assignment = f.make_village_assignment(village=f.make_village(boundary=None), start_date=datetime.date(2023, 3, 1))

    log, _ = record(assignment)

    log.refresh_from_db()
    assert (log.in_village, log.distance_m) == (None, None)


def test_a_retry_with_the_same_content_returns_the_stored_log(assignment):
    first, _ = record(assignment)

    # The same instant, written in UTC by a phone whose clock runs in another zone.
    again, created = record(assignment, occurred_at=WHEN.astimezone(datetime.UTC))

    assert created is False
    assert again.pk == first.pk
    assert ServiceLog.objects.count() == 1


def test_a_retry_is_answered_even_after_the_assignment_ended(assignment):
    first, _ = record(assignment)
    assignment.end_date = datetime.date(2023, 6, 1)
    assignment.save(update_fields=["end_date"])
    Specialist.objects.filter(pk=assignment.specialist_id).update(status=Specialist.Status.WITHDRAWN)
    assignment.specialist.refresh_from_db()

    again, created = record(assignment, occurred_at=WHEN)

    assert (again.pk, created) == (first.pk, False)


@pytest.mark.parametrize(
    "change",
    [{"description": "改过的描述"}, {"people_served": 41}, {"kind": "visit"},
     {"occurred_at": WHEN + datetime.timedelta(minutes=1)}, {"location": {**INSIDE, "accuracy_m": 13}}],
)
def test_the_same_uuid_with_different_content_is_a_conflict(assignment, change):
    first, _ = record(assignment)

    with pytest.raises(ServiceLogConflict) as caught:
        record(assignment, **change)

    assert caught.value.stored.pk == first.pk
    assert str(caught.value) == "A service log with UUID 6f1c1b9e-3f7a-4c1e-9a53-0d6c2b1f7e10 is already stored with different content."
    assert list(ServiceLog.objects.values_list("description", "people_served")) == [("稻田病虫害防治培训", 40)]


def test_the_same_uuid_from_another_specialist_is_a_conflict(assignment):
    record(assignment)
    other = f.make_village_assignment(village=assignment.village, start_date=datetime.date(2023, 3, 1))

    with pytest.raises(ServiceLogConflict):
        record(other)

    assert ServiceLog.objects.get().specialist == assignment.specialist


def test_a_village_the_specialist_is_not_assigned_to_is_refused(assignment):
    elsewhere = f.make_village()

    assert errors_of(assignment, village_code=elsewhere.code) == {
        "village": [f"{assignment.specialist.name} was not assigned to {elsewhere.name} on 2023-06-01."],
    }


@pytest.mark.parametrize(("start", "end"), [(datetime.date(2023, 6, 2), None), (datetime.date(2023, 1, 1), datetime.date(2023, 5, 31))])
def test_an_assignment_not_running_that_day_is_refused(start, end):
    assignment = f.make_village_assignment(start_date=start, end_date=end)

    assert list(errors_of(assignment)) == ["village"]


def test_the_day_is_the_local_day_of_the_occurrence():
    # 00:30 in Bengbu on 1 June is still 31 May in UTC: the assignment starting on 1 June covers it.
    assignment = f.make_village_assignment(start_date=datetime.date(2023, 6, 1))

    log, created = record(assignment, occurred_at=datetime.datetime(2023, 5, 31, 16, 30, tzinfo=datetime.UTC))

    assert created is True


@pytest.mark.parametrize("status", [Specialist.Status.SUSPENDED, Specialist.Status.WITHDRAWN])
def test_an_inactive_specialist_is_refused(assignment, status):
    Specialist.objects.filter(pk=assignment.specialist_id).update(status=status)
    assignment.specialist.refresh_from_db()

    assert errors_of(assignment) == {"specialist": ["Only an active specialist may record service logs."]}


@pytest.mark.clock
def test_a_time_beyond_the_clock_skew_is_refused(assignment):
    assert errors_of(assignment, occurred_at=timezone.now() + datetime.timedelta(minutes=11)) == {
        "occurred_at": ["The service cannot have taken place in the future."],
    }


@pytest.mark.clock
def test_a_time_within_the_clock_skew_is_accepted(assignment):
    log, created = record(assignment, occurred_at=timezone.now() + datetime.timedelta(minutes=5))

    assert created is True


def test_a_time_without_its_offset_is_refused(assignment):
    assert errors_of(assignment, occurred_at=datetime.datetime(2023, 6, 1, 9, 30)) == {
        "occurred_at": ["Give the date and time with its UTC offset."],
    }


@pytest.mark.parametrize("people", [-1, 10_001])
def test_people_served_is_bounded(assignment, people):
    assert list(errors_of(assignment, people_served=people)) == ["people_served"]


def test_an_unknown_kind_is_refused(assignment):
    assert list(errors_of(assignment, kind="party")) == ["kind"]


def test_an_unknown_village_code_is_refused(assignment):
    assert errors_of(assignment, village_code="340321999999") == {"village": ["No village has the code 340321999999."]}


@pytest.mark.parametrize(
    ("location", "message"),
    [
        ({"lon": 32.955, "lat": 117.205, "crs": "WGS84"},
         "The point (32.955, 117.205) lies outside China; give longitude first, then latitude."),
        ({**INSIDE, "crs": "BD09"}, "The coordinate system must be WGS84 or GCJ02, not BD09."),
        ({"lat": 32.955, "crs": "WGS84"}, "Give the location's longitude and latitude as numbers."),
        ({**INSIDE, "accuracy_m": -3}, "The accuracy must be a number of metres, zero or more."),
    ],
)
def test_a_bad_location_is_refused_on_location(assignment, location, message):
    assert errors_of(assignment, location=location) == {"location": [message]}


@pytest.mark.services("postgresql")
@pytest.mark.django_db(transaction=True)
def test_five_simultaneous_submissions_store_one_log():
    assignment = f.make_village_assignment(village=f.make_village(boundary=geometry.to_wkb(SQUARE)))
    specialist = assignment.specialist
    barrier = threading.Barrier(5)
    results, failures = [], []

    def submit():
        try:
            barrier.wait(timeout=10)
            results.append(record(assignment, specialist=specialist))
        except Exception as error:  # reported below, with the thread's error
            failures.append(error)
        finally:
            # Each thread has its own connection; left open, it would stop the test database being dropped.
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert failures == []
    assert ServiceLog.objects.count() == 1
    assert {log.pk for log, _ in results} == {ServiceLog.objects.get().pk}
    assert sorted(created for _, created in results) == [False, False, False, False, True]
    assert connection.vendor == "postgresql"
