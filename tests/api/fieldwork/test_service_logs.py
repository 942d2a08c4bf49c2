"""Service logs and their photos from phones that retry: stored once, scoped, refused clearly."""

import datetime
import io
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image
from rest_framework.test import APIClient

from specialists.access.models import UserRole
from specialists.fieldwork.models import ServiceLog, ServiceLogPhoto
from tests import factories as f
from tests.specialists.fieldwork.test_photos import zero_png

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]
URL = "/api/v1/service-logs/"
LOG_UUID = "6f1c2b7e-3d4a-4e5f-9a8b-1c2d3e4f5a6b"
PHOTO_UUID = "a3b4c5d6-e7f8-4a9b-8c0d-1e2f3a4b5c6d"


def _client(user):
    client = APIClient(headers={"Accept-Language": "en"})
    client.force_authenticate(user)
    return client


def _payload(village, **changes):
    return {
        "uuid": LOG_UUID, "village": village.code, "kind": "training", "occurred_at": "2024-05-01T09:30:00+08:00",
        "description": "小麦赤霉病防治培训", "people_served": 32,
        "location": {"lon": 117.39, "lat": 32.92, "accuracy_m": 8.5, "crs": "WGS84"}, **changes,
    }


def _jpeg(colour=(30, 120, 40)):
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, "JPEG")
    out.seek(0)
    out.name = "photo.jpg"
    return out


def _file(data, name):
    out = io.BytesIO(data)
    out.name = name
    return out


def test_a_specialist_records_a_log_and_an_identical_retry_returns_it(two_counties):
    client = _client(two_counties.users["specialist"])
    village = two_counties.huaiyuan.village

    first = client.post(URL, _payload(village), format="json")
    retry = client.post(URL, _payload(village), format="json")

    assert first.status_code == 201, first.json()
    assert retry.status_code == 200, retry.json()
    stored = ServiceLog.objects.get()
    assert first.json() == retry.json() == {
        "id": stored.pk, "uuid": LOG_UUID,
        "specialist": {"id": two_counties.huaiyuan.specialist.pk, "name": two_counties.huaiyuan.specialist.name},
        "village": village.code, "kind": "training", "occurred_at": "2024-05-01T09:30:00+08:00",
        "description": "小麦赤霉病防治培训", "people_served": 32,
        "location": {"lon": 117.39, "lat": 32.92, "accuracy_m": 8.5, "crs": "WGS84", "sent_crs": "WGS84"},
        # The factory's village has no boundary, so whether the point lies in it is unknown.
        "in_village": None, "distance_m": None, "photos": [],
    }


def test_the_same_uuid_with_different_content_answers_409(two_counties):
    client = _client(two_counties.users["specialist"])
    client.post(URL, _payload(two_counties.huaiyuan.village), format="json")

    response = client.post(URL, _payload(two_counties.huaiyuan.village, people_served=33), format="json")

    assert response.status_code == 409
    assert response.json() == {
        "code": "conflict", "message": f"A service log with UUID {LOG_UUID} is already stored with different content.", "fields": {},
    }
    assert ServiceLog.objects.get().people_served == 32


def test_another_specialists_retry_of_a_uuid_answers_409_without_the_stored_log(two_counties):
    _client(two_counties.users["specialist"]).post(URL, _payload(two_counties.huaiyuan.village, description="仅张怀远可见"), format="json")
    f.make_village_assignment(specialist=two_counties.wuhe.specialist, village=two_counties.huaiyuan.village)
    other = f.make_user_role(role=UserRole.Role.SPECIALIST, specialist=two_counties.wuhe.specialist).user

    response = _client(other).post(URL, _payload(two_counties.huaiyuan.village, description="仅张怀远可见"), format="json")

    assert response.status_code == 409
    assert set(response.json()) == {"code", "message", "fields"}
    assert "仅张怀远可见" not in response.content.decode()
    assert ServiceLog.objects.get().specialist == two_counties.huaiyuan.specialist


@pytest.mark.parametrize("role", ["city_coordinator", "county_coordinator", "leader_city"])
def test_only_specialists_record_logs(two_counties, role):
    response = _client(two_counties.users[role]).post(URL, _payload(two_counties.huaiyuan.village), format="json")

    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    assert not ServiceLog.objects.exists()


def test_a_village_the_specialist_does_not_serve_answers_422_on_village(two_counties):
    response = _client(two_counties.users["specialist"]).post(URL, _payload(two_counties.wuhe.village), format="json")

    assert response.status_code == 422
    assert response.json()["fields"] == {
        "village": [f"{two_counties.huaiyuan.specialist.name} was not assigned to {two_counties.wuhe.village.name} on 2024-05-01."],
    }
    assert not ServiceLog.objects.exists()


def test_malformed_input_answers_400_naming_every_field(two_counties):
    response = _client(two_counties.users["specialist"]).post(
        URL, {"uuid": "nope", "village": "12", "kind": "party", "occurred_at": "2024-05-01T09:30:00",
              "description": "x", "people_served": -1, "location": {"lon": "east", "lat": 32.9, "crs": "BD09"}},
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {
        "uuid", "village", "kind", "occurred_at", "people_served", "location.lon", "location.crs",
    }


@pytest.mark.parametrize("occurred_at", ["2026-02-30T09:30:00+08:00", "2024-05-01T09:30:00+99:00", "2024-13-01T09:30:00+08:00"])
def test_a_date_and_time_that_does_not_exist_answers_400_on_occurred_at(two_counties, occurred_at):
    response = _client(two_counties.users["specialist"]).post(URL, _payload(two_counties.huaiyuan.village, occurred_at=occurred_at), format="json")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["occurred_at"]
    assert not ServiceLog.objects.filter(uuid=LOG_UUID).exists()


def test_a_gcj02_location_is_stored_in_wgs84(two_counties):
    location = {"lon": 117.39, "lat": 32.92, "accuracy_m": 8.5, "crs": "GCJ02"}

    response = _client(two_counties.users["specialist"]).post(URL, _payload(two_counties.huaiyuan.village, location=location), format="json")

    assert response.status_code == 201, response.json()
    stored = ServiceLog.objects.get()
    # GCJ-02 is offset from WGS-84 by a few hundred metres in Anhui: the stored point moved, a little.
    assert (stored.lon, stored.lat) != (117.39, 32.92)
    assert abs(stored.lon - 117.39) < 0.01 and abs(stored.lat - 32.92) < 0.01
    assert stored.crs == "GCJ02"
    assert response.json()["location"] == {"lon": stored.lon, "lat": stored.lat, "accuracy_m": 8.5, "crs": "WGS84", "sent_crs": "GCJ02"}


def _listed(user, **params):
    response = _client(user).get(URL, params)
    assert response.status_code == 200
    return [row["uuid"] for row in response.json()["results"]]


def test_lists_are_scoped(two_counties):
    mine = f.make_service_log(specialist=two_counties.huaiyuan.specialist, village=two_counties.huaiyuan.village)
    theirs = f.make_service_log(specialist=two_counties.wuhe.specialist, village=two_counties.wuhe.village)

    assert _listed(two_counties.users["specialist"]) == [str(mine.uuid)]
    assert _listed(two_counties.users["county_coordinator"]) == [str(mine.uuid)]
    assert _listed(two_counties.users["leader_wuhe"]) == [str(theirs.uuid)]
    assert sorted(_listed(two_counties.users["city_coordinator"])) == sorted([str(mine.uuid), str(theirs.uuid)])
    # A filter cannot reach past the scope either.
    assert _listed(two_counties.users["county_coordinator"], village=two_counties.wuhe.village.code) == []
    assert _listed(two_counties.users["county_coordinator"], specialist=two_counties.wuhe.specialist.pk) == []


def test_a_county_coordinator_of_another_county_sees_none(two_counties):
    f.make_service_log(specialist=two_counties.huaiyuan.specialist, village=two_counties.huaiyuan.village)

    assert _listed(two_counties.users["leader_wuhe"]) == []


def test_lists_filter_by_kind_and_date(two_counties):
    side = two_counties.huaiyuan
    at = datetime.datetime(2024, 5, 1, 9, 0, tzinfo=datetime.UTC)
    training = f.make_service_log(specialist=side.specialist, village=side.village, kind="training", occurred_at=at)
    f.make_service_log(specialist=side.specialist, village=side.village, kind="visit", occurred_at=at)
    f.make_service_log(specialist=side.specialist, village=side.village, kind="training", occurred_at=at - datetime.timedelta(days=30))

    user = two_counties.users["city_coordinator"]
    assert _listed(user, kind="training", occurred_from="2024-04-15", occurred_to="2024-05-31") == [str(training.uuid)]


def test_another_countys_log_answers_404(two_counties):
    theirs = f.make_service_log(specialist=two_counties.wuhe.specialist, village=two_counties.wuhe.village)

    response = _client(two_counties.users["county_coordinator"]).get(f"{URL}{theirs.uuid}/")

    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def _list_queries(user, page_size):
    client = APIClient()
    client.force_authenticate(get_user_model().objects.get(pk=user.pk))  # a fresh user, as a real request has
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL, {"page_size": page_size})
    assert response.status_code == 200
    assert len(response.json()["results"]) == page_size
    return len(captured)


def test_the_list_costs_the_same_queries_for_1_and_20_logs(two_counties):
    side = two_counties.huaiyuan
    user = two_counties.users["county_coordinator"]

    def log_with_photo():
        f.make_service_log_photo(log=f.make_service_log(specialist=side.specialist, village=side.village))

    log_with_photo()
    one = _list_queries(user, 1)
    for _ in range(19):
        log_with_photo()
    twenty = _list_queries(user, 20)

    # The user's role, the page's COUNT(*), the page's logs joined to specialist and village,
    # and one query for the photos of all the page's logs.
    assert one == twenty == 4


@pytest.fixture
def log(two_counties):
    return f.make_service_log(uuid=uuid.UUID(LOG_UUID), specialist=two_counties.huaiyuan.specialist, village=two_counties.huaiyuan.village)


def _upload(two_counties, image, photo_uuid=PHOTO_UUID):
    return _client(two_counties.users["specialist"]).post(f"{URL}{LOG_UUID}/photos/", {"uuid": photo_uuid, "image": image}, format="multipart")


def test_a_photo_is_stored_once_and_a_retry_answers_200(two_counties, log):
    first = _upload(two_counties, _jpeg())
    retry = _upload(two_counties, _jpeg())

    assert (first.status_code, retry.status_code) == (201, 200)
    assert first.json() == retry.json()
    assert first.json()["uuid"] == PHOTO_UUID
    assert ServiceLogPhoto.objects.get().log == log
    detail = _client(two_counties.users["specialist"]).get(f"{URL}{LOG_UUID}/").json()
    assert [photo["uuid"] for photo in detail["photos"]] == [PHOTO_UUID]


def test_the_same_photo_uuid_with_another_image_answers_409(two_counties, log):
    _upload(two_counties, _jpeg())

    response = _upload(two_counties, _jpeg(colour=(200, 10, 10)))

    assert (response.status_code, response.json()["code"]) == (409, "conflict")
    assert ServiceLogPhoto.objects.count() == 1


def test_a_text_file_named_jpg_answers_422_on_image(two_counties, log):
    response = _upload(two_counties, _file(b"not a photo at all\n", "photo.jpg"))

    assert response.status_code == 422
    assert response.json()["fields"] == {"image": ["The file is not an image; send a JPEG, PNG or WebP photo."]}
    assert not ServiceLogPhoto.objects.exists()


def test_an_oversized_upload_answers_413(two_counties, log, settings):
    settings.TEPAI_PHOTO_MAX_BYTES = 100
    image = _jpeg()
    size = len(image.getvalue())

    response = _upload(two_counties, image)

    assert response.status_code == 413
    assert response.json() == {
        "code": "too_large", "message": f"The photo is {size} bytes; at most 100 bytes are allowed.", "fields": {},
    }
    assert not ServiceLogPhoto.objects.exists()


def test_a_decompression_bomb_answers_422(two_counties, log):
    response = _upload(two_counties, _file(zero_png(20_000, 20_000), "bomb.png"))

    assert response.status_code == 422
    assert list(response.json()["fields"]) == ["image"]
    assert response.json()["fields"]["image"][0].startswith("The photo has too many pixels")
    assert not ServiceLogPhoto.objects.exists()


def test_another_specialists_log_takes_no_photos(two_counties):
    theirs = f.make_service_log(specialist=two_counties.wuhe.specialist, village=two_counties.wuhe.village)

    response = _client(two_counties.users["specialist"]).post(f"{URL}{theirs.uuid}/photos/", {"uuid": PHOTO_UUID, "image": _jpeg()}, format="multipart")

    assert response.status_code == 404
    assert not ServiceLogPhoto.objects.exists()


def test_a_log_takes_at_most_max_photos_and_a_retry_of_a_stored_one_still_answers_200(two_counties, log, media):
    from specialists.fieldwork.service_logs import MAX_PHOTOS

    for _ in range(MAX_PHOTOS - 1):
        f.make_service_log_photo(log=log)
    first = _upload(two_counties, _jpeg())
    over = _upload(two_counties, _jpeg((200, 40, 40)), photo_uuid=str(uuid.uuid4()))
    retry = _upload(two_counties, _jpeg())

    assert (first.status_code, over.status_code, retry.status_code) == (201, 422, 200)
    assert over.json()["fields"] == {"image": [f"A service log has at most {MAX_PHOTOS} photos."]}
    assert log.photos.count() == MAX_PHOTOS
    # The refused photo's file was not left behind in storage: only the stored one, with its thumbnail.
    assert sorted(path.name for path in (media / "logs" / LOG_UUID).iterdir()) == [f"{PHOTO_UUID}.jpg", f"{PHOTO_UUID}.thumbnail.jpg"]
