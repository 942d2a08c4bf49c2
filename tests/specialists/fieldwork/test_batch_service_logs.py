"""Many service logs at once (service_logs_record_batch): the single path's answers, stored alike; the locator."""

import datetime
import uuid

import numpy as np
import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from shapely.geometry import box

from specialists.fieldwork import locator, service_logs
from specialists.fieldwork.models import ServiceLog
from specialists.fieldwork.service_logs import ServiceLogConflict, service_log_record, service_logs_record_batch
from tests import factories as f
from villages import coordinates, geometry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
WHEN = datetime.datetime(2023, 6, 1, 9, 30, tzinfo=SHANGHAI)
SQUARE = box(117.20, 32.95, 117.21, 32.96)
NEXT_DOOR = box(117.21, 32.95, 117.22, 32.96)
M_PER_DEG_LON = 93_408


@pytest.fixture
def assignment():
    village = f.make_village(boundary=geometry.to_wkb(SQUARE))
    locator.villages_changed()
    return f.make_village_assignment(village=village, start_date=datetime.date(2023, 3, 1))


def entry(assignment, number, **changes):
    return {
        "uuid": uuid.UUID(int=number + 1), "village": assignment.village.code, "kind": ServiceLog.Kind.TRAINING,
        "occurred_at": WHEN, "description": f"稻田病虫害防治培训 {number}", "people_served": 40,
        "location": {"lon": 117.205, "lat": 32.955, "accuracy_m": 12.5, "crs": "WGS84"}, **changes,
    }


STORED = ["uuid", "specialist_id", "village_id", "kind", "occurred_at", "description", "people_served", "lon", "lat",
          "accuracy_m", "crs", "in_village", "distance_m", "fingerprint"]


def locations():
    """Inside, on the edge, outside within and beyond the distance, and in GCJ-02 (inside and outside)."""
    gcj_inside = coordinates.wgs84_to_gcj02(117.205, 32.955)
    gcj_outside = coordinates.wgs84_to_gcj02(117.21 + 800 / M_PER_DEG_LON, 32.951)
    return [
        {"lon": 117.205, "lat": 32.955, "accuracy_m": 3, "crs": "WGS84"},
        {"lon": 117.21, "lat": 32.955, "accuracy_m": None, "crs": "WGS84"},
        {"lon": 117.21 + 300 / M_PER_DEG_LON, "lat": 32.955, "accuracy_m": 10, "crs": "WGS84"},
        {"lon": 117.21 + 2000 / M_PER_DEG_LON, "lat": 32.97, "accuracy_m": 10, "crs": "WGS84"},
        {"lon": gcj_inside[0], "lat": gcj_inside[1], "crs": "GCJ02"},
        {"lon": gcj_outside[0], "lat": gcj_outside[1], "crs": "GCJ02"},
    ]


def test_a_batch_stores_what_the_single_path_stores_for_each_location(assignment):
    entries = [entry(assignment, number, location=location) for number, location in enumerate(locations())]
    singles = []
    for one in entries:
        log, created = service_log_record(specialist=assignment.specialist, village_code=one["village"], **{
            key: value for key, value in one.items() if key != "village"})
        assert created
        singles.append({field: getattr(log, field) for field in STORED})
    ServiceLog.objects.all().delete()

    outcomes = service_logs_record_batch(specialist=assignment.specialist, entries=entries)

    assert [(outcome.created, outcome.error) for outcome in outcomes] == [(True, None)] * len(entries)
    batch = [dict(zip(STORED, row, strict=True)) for row in ServiceLog.objects.order_by("uuid").values_list(*STORED)]
    for single, stored in zip(singles, batch, strict=True):
        for field in STORED:
            if field in ("lon", "lat"):
                # GCJ-02 converted over arrays: the same iteration, to within a micrometre.
                assert stored[field] == pytest.approx(single[field], abs=1e-11), field
            else:
                assert stored[field] == single[field], field
    assert [row["in_village"] for row in batch] == [True, True, True, False, True, False]


def test_each_log_is_answered_on_its_own(assignment):
    service_log_record(specialist=assignment.specialist, village_code=assignment.village.code,
                       **{key: value for key, value in entry(assignment, 1).items() if key != "village"})
    entries = [
        entry(assignment, 0),
        entry(assignment, 1),
        entry(assignment, 1, people_served=41),
        entry(assignment, 3, occurred_at=datetime.datetime(2023, 6, 1, 9, 30)),
        entry(assignment, 4, occurred_at=WHEN.replace(year=2099)),
        entry(assignment, 5, village="340000000000"),
    ]

    outcomes = service_logs_record_batch(specialist=assignment.specialist, entries=entries)

    assert [outcome.created for outcome in outcomes[:2]] == [True, False]
    assert isinstance(outcomes[2].error, ServiceLogConflict)
    assert outcomes[3].error.message_dict == {"occurred_at": ["Give the date and time with its UTC offset."]}
    assert outcomes[4].error.message_dict == {"occurred_at": ["The service cannot have taken place in the future."]}
    assert outcomes[5].error.message_dict == {"village": ["No village has the code 340000000000."]}
    assert ServiceLog.objects.count() == 2


def test_an_inactive_specialist_is_refused_for_every_new_log_but_answered_for_stored_ones(assignment):
    first = entry(assignment, 0)
    service_logs_record_batch(specialist=assignment.specialist, entries=[first])
    assignment.specialist.status = "retired"

    outcomes = service_logs_record_batch(specialist=assignment.specialist, entries=[first, entry(assignment, 1)])

    assert outcomes[0].created is False and outcomes[0].error is None
    assert outcomes[1].error.message_dict == {"specialist": ["Only an active specialist may record service logs."]}


def test_a_batch_beyond_the_limit_is_refused_naming_it(assignment, settings):
    settings.TEPAI_LOG_BATCH_MAX = 2

    with pytest.raises(ValidationError) as caught:
        service_logs_record_batch(specialist=assignment.specialist, entries=[entry(assignment, n) for n in range(3)])

    assert caught.value.error_dict["logs"][0].code == "too_large"
    assert "at most 2 service logs" in caught.value.messages[0]


def test_a_uuid_stored_meanwhile_by_another_request_is_answered_as_a_retry(assignment, monkeypatch):
    entries = [entry(assignment, 0), entry(assignment, 1), entry(assignment, 2, people_served=1)]
    checked = service_logs._check_many

    def then_another_request_stores_two(specialist, news):
        checked(specialist, news)
        # After the batch read the stored UUIDs: the first log as sent, the third with other content.
        for new, fingerprint in ((news[0], news[0].fingerprint), (news[2], "other")):
            log = new.outcome.log
            ServiceLog.objects.create(**{field: getattr(log, field) for field in STORED if field != "fingerprint"},
                                      fingerprint=fingerprint)

    monkeypatch.setattr(service_logs, "_check_many", then_another_request_stores_two)

    outcomes = service_logs_record_batch(specialist=assignment.specialist, entries=entries)

    assert [outcome.created for outcome in outcomes] == [False, True, False]
    assert outcomes[0].error is None and isinstance(outcomes[2].error, ServiceLogConflict)
    assert ServiceLog.objects.count() == 3
    assert ServiceLog.objects.get(uuid=entries[1]["uuid"]).pk == outcomes[1].log.pk


def test_another_constraint_is_not_taken_for_a_race(assignment, monkeypatch):
    monkeypatch.setattr(ServiceLog.objects, "bulk_create", lambda rows, **kwargs: (_ for _ in ()).throw(IntegrityError("check")))

    with pytest.raises(IntegrityError):
        service_logs_record_batch(specialist=assignment.specialist, entries=[entry(assignment, 0)])


def test_a_log_without_a_village_is_put_where_its_point_lies_preferring_a_village_served_that_day(assignment):
    neighbour = f.make_village(town=assignment.village.town, boundary=geometry.to_wkb(NEXT_DOOR))
    locator.villages_changed()
    on_the_border = {"lon": 117.21, "lat": 32.955, "crs": "WGS84"}
    next_door = {"lon": 117.215, "lat": 32.955, "crs": "WGS84"}

    outcomes = service_logs_record_batch(specialist=assignment.specialist, entries=[
        entry(assignment, 0, village=None), entry(assignment, 1, village=None, location=on_the_border),
        entry(assignment, 2, village=None, location=next_door),
    ])

    assert [outcome.log.village_id if outcome.log else None for outcome in outcomes[:2]] == [assignment.village.pk] * 2
    assert outcomes[2].error.message_dict == {
        "village": [f"{assignment.specialist.name} was not assigned to {neighbour.name} on 2023-06-01."],
    }
    # The single path places it alike.
    log, created = service_log_record(specialist=assignment.specialist, village_code=None,
                                      **{key: value for key, value in entry(assignment, 9).items() if key != "village"})
    assert (created, log.village_id) == (True, assignment.village.pk)


def test_the_locator_is_built_once_and_again_when_a_village_changes(assignment, django_assert_num_queries):
    with django_assert_num_queries(1):  # the villages' boundaries
        first = locator.village_locator()
    with django_assert_num_queries(0):
        assert locator.village_locator() is first
    assert first.locate([117.215], [32.955]) == [()]

    f.make_village(town=assignment.village.town, boundary=geometry.to_wkb(NEXT_DOOR))

    rebuilt = locator.village_locator()
    assert rebuilt is not first
    assert len(rebuilt.locate([117.215], [32.955])[0]) == 1


def test_gcj02_over_arrays_inverts_the_forward_transform_point_by_point():
    rng = np.random.default_rng(14)
    lons, lats = rng.uniform(74, 135, 500), rng.uniform(4, 53, 500)
    lons = np.append(lons, [10.0, 140.0])
    lats = np.append(lats, [10.0, 30.0])

    w_lons, w_lats = coordinates.gcj02_to_wgs84_many(lons, lats)

    back = np.array([coordinates.wgs84_to_gcj02(lon, lat) for lon, lat in zip(w_lons, w_lats, strict=True)])
    assert np.abs(back - np.column_stack([lons, lats])).max() < 1e-6
    # Outside China nothing moves; inside, the offset is tens to hundreds of metres.
    assert w_lons[-2:].tolist() == [10.0, 140.0] and w_lats[-2:].tolist() == [10.0, 30.0]
    assert np.abs(w_lons[:500] - lons[:500]).min() > 1e-5