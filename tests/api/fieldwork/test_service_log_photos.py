"""A service log's photos are downloaded through the API by whoever sees the log, and never from /media/."""

import datetime
import importlib
import io
import uuid

import pytest
from django.test import Client
from django.urls import Resolver404, clear_url_caches, get_resolver
from PIL import ExifTags, Image
from rest_framework.test import APIClient

from specialists.access.models import UserRole
from specialists.fieldwork.models import ServiceLogPhoto
from specialists.fieldwork.photos import thumbnail_name
from tests import factories as f
from tests.specialists.fieldwork.test_photos import camera_exif, count_decodes, image_bytes, old_photo

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]
URL = "/api/v1/service-logs/"
LOG_UUID = "5d0e8a41-9c2b-4f3e-8a7d-6b1c0e9f2a38"
PHOTO_UUID = "c7e2f9a0-4b1d-4e8c-9f3a-2d6b8e0c1a57"
Role = UserRole.Role


@pytest.fixture
def log(two_counties):
    return f.make_service_log(
        uuid=uuid.UUID(LOG_UUID), specialist=two_counties.huaiyuan.specialist, village=two_counties.huaiyuan.village,
        # 4:00 on 1 May in Beijing: the file is named by the local day the service took place.
        occurred_at=datetime.datetime(2024, 4, 30, 20, 0, tzinfo=datetime.UTC),
    )


def _client(user=None, **headers):
    client = APIClient(headers={"Accept-Language": "en", **headers})
    if user is not None:
        client.force_authenticate(user)
    return client


def _upload(two_counties, data, name="photo.jpg", log_uuid=LOG_UUID, photo_uuid=PHOTO_UUID):
    image = io.BytesIO(data)
    image.name = name
    response = _client(two_counties.users["specialist"]).post(
        f"{URL}{log_uuid}/photos/", {"uuid": photo_uuid, "image": image}, format="multipart",
    )
    assert response.status_code == 201, response.json()
    return response


def _photo_url(log_uuid=LOG_UUID, photo_uuid=PHOTO_UUID):
    return f"{URL}{log_uuid}/photos/{photo_uuid}/"


def _body(response):
    return b"".join(response.streaming_content)


def _user(two_counties, who):
    """The users of build_two_counties, and the roles it does not make."""
    if who == "leader_huaiyuan":
        return f.make_user_role(role=Role.LEADER, county=two_counties.huaiyuan.county).user
    if who == "coordinator_wuhe":
        return f.make_user_role(role=Role.COORDINATOR, county=two_counties.wuhe.county).user
    if who == "specialist_wuhe":
        return f.make_user_role(role=Role.SPECIALIST, specialist=two_counties.wuhe.specialist).user
    return two_counties.users[who]


# --- downloading --------------------------------------------------------------------------------------------------

def test_the_specialist_downloads_their_photo_as_stored_without_its_exif(two_counties, log):
    original = image_bytes("JPEG", exif=camera_exif())
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test's premise
    uploaded = _upload(two_counties, original)

    response = _client(two_counties.users["specialist"]).get(uploaded.json()["url"])

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == f'inline; filename="service-log-2024-05-01-{PHOTO_UUID}.jpg"'
    assert response["Cache-Control"] == "private"
    assert response["X-Content-Type-Options"] == "nosniff"
    body = _body(response)
    stored = ServiceLogPhoto.objects.get()
    with stored.image.open("rb") as file:
        assert body == file.read()
    assert body != original
    assert dict(Image.open(io.BytesIO(body)).getexif()) == {}


@pytest.mark.parametrize(("fmt", "content_type", "extension"), [("PNG", "image/png", "png"), ("WEBP", "image/webp", "webp")])
def test_png_and_webp_photos_answer_their_own_content_type(two_counties, log, fmt, content_type, extension):
    _upload(two_counties, image_bytes(fmt), name="photo.jpg")  # judged by content, not by name

    response = _client(two_counties.users["city_coordinator"]).get(_photo_url())

    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].endswith(f'.{extension}"')
    assert Image.open(io.BytesIO(_body(response))).format == fmt


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("specialist", 200), ("county_coordinator", 200), ("leader_huaiyuan", 200), ("city_coordinator", 200), ("leader_city", 200),
        ("coordinator_wuhe", 404), ("leader_wuhe", 404), ("specialist_wuhe", 404), ("no_role", 403),
    ],
)
def test_whoever_sees_the_log_downloads_its_photo_and_no_one_else(two_counties, log, who, status):
    _upload(two_counties, image_bytes("JPEG"))

    response = _client(_user(two_counties, who)).get(_photo_url())

    assert response.status_code == status
    if status != 200:
        assert response["Content-Type"] == "application/json"
        assert response.json()["code"] == {403: "permission_denied", 404: "not_found"}[status]


# --- thumbnails ------------------------------------------------------------------------------------------------

@pytest.fixture
def decodes(monkeypatch):
    """The size of every image decoded from its file while the test runs."""
    return count_decodes(monkeypatch)


@pytest.mark.parametrize(("fmt", "size"), [("JPEG", (1600, 1200)), ("PNG", (300, 900)), ("WEBP", (2000, 500))])
def test_a_thumbnail_is_a_small_jpeg_of_the_photo(two_counties, log, fmt, size):
    _upload(two_counties, image_bytes(fmt, size=size), name=f"photo.{fmt.lower()}")

    response = _client(two_counties.users["leader_city"]).get(_photo_url(), {"size": "thumbnail"})

    assert (response.status_code, response["Content-Type"]) == (200, "image/jpeg")
    assert response["Cache-Control"] == "private"
    small = Image.open(io.BytesIO(_body(response)))
    # The longer side 320 pixels at most (none grows), the shape kept.
    expected = min(320, max(size))
    assert max(small.size) == expected
    assert abs(small.size[0] / small.size[1] - size[0] / size[1]) < 0.02


def test_a_thumbnail_is_sent_from_the_file_kept_at_upload_without_decoding_the_photo(two_counties, log, media, decodes):
    _upload(two_counties, image_bytes("PNG", size=(1800, 1200)), name="photo.png")
    kept = media / thumbnail_name(ServiceLogPhoto.objects.get().image.name)
    decodes.clear()
    client = _client(two_counties.users["county_coordinator"])

    views = [client.get(_photo_url(), {"size": "thumbnail"}) for _ in range(2)]

    assert decodes == []
    assert [(view.status_code, view["Content-Type"]) for view in views] == [(200, "image/jpeg")] * 2
    assert views[0]["Content-Disposition"] == f'inline; filename="service-log-2024-05-01-{PHOTO_UUID}-thumbnail.jpg"'
    assert _body(views[0]) == _body(views[1]) == kept.read_bytes()


def test_a_photo_stored_before_thumbnails_is_decoded_on_its_first_view_only(two_counties, log, media, decodes):
    photo = old_photo(log, image_bytes("PNG", size=(1800, 1200)), fmt="png")
    client = _client(two_counties.users["county_coordinator"])

    first = client.get(_photo_url(photo_uuid=photo.uuid), {"size": "thumbnail"})
    decoded_by_first = list(decodes)
    second = client.get(_photo_url(photo_uuid=photo.uuid), {"size": "thumbnail"})

    assert (first.status_code, second.status_code) == (200, 200)
    assert (decoded_by_first, decodes) == ([(1800, 1200)], [(1800, 1200)])
    kept = media / thumbnail_name(photo.image.name)
    assert _body(first) == _body(second) == kept.read_bytes()
    assert Image.open(kept).size == (320, 213)


def test_a_thumbnail_gone_from_storage_is_made_again_on_the_next_view(two_counties, log, media, decodes):
    _upload(two_counties, image_bytes("JPEG", size=(1600, 1200)))
    kept = media / thumbnail_name(ServiceLogPhoto.objects.get().image.name)
    kept.unlink()
    decodes.clear()

    response = _client(two_counties.users["specialist"]).get(_photo_url(), {"size": "thumbnail"})

    assert response.status_code == 200
    assert len(decodes) == 1
    assert _body(response) == kept.read_bytes()


@pytest.mark.parametrize(("who", "status"), [("county_coordinator", 200), ("leader_wuhe", 404), ("specialist_wuhe", 404)])
def test_a_thumbnail_is_scoped_as_the_photo_is(two_counties, log, who, status):
    _upload(two_counties, image_bytes("JPEG"))

    response = _client(_user(two_counties, who)).get(_photo_url(), {"size": "thumbnail"})

    assert response.status_code == status


def test_a_thumbnail_of_a_file_gone_answers_404_and_an_unknown_size_400(two_counties, log):
    gone = f.make_service_log_photo(log=log)  # the row only: no file written
    client = _client(two_counties.users["city_coordinator"])

    missing = client.get(_photo_url(photo_uuid=gone.uuid), {"size": "thumbnail"})
    unknown = client.get(_photo_url(photo_uuid=gone.uuid), {"size": "huge"})

    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")
    assert (unknown.status_code, unknown.json()["fields"]) == (400, {"size": ["Give full or thumbnail."]})


def test_anonymous_gets_401(two_counties, log):
    _upload(two_counties, image_bytes("JPEG"))

    response = _client().get(_photo_url())

    assert (response.status_code, response.json()["code"]) == (401, "not_authenticated")


def test_a_photo_of_another_log_answers_404(two_counties, log):
    other = f.make_service_log(specialist=two_counties.huaiyuan.specialist, village=two_counties.huaiyuan.village)
    _upload(two_counties, image_bytes("JPEG"), log_uuid=other.uuid)
    client = _client(two_counties.users["specialist"])

    response = client.get(_photo_url(log_uuid=LOG_UUID, photo_uuid=PHOTO_UUID))

    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert client.get(_photo_url(log_uuid=other.uuid)).status_code == 200
    assert client.get(_photo_url(photo_uuid=uuid.uuid4())).status_code == 404


def test_the_uuids_may_come_without_their_hyphens(two_counties, log):
    _upload(two_counties, image_bytes("JPEG"))

    response = _client(two_counties.users["specialist"]).get(_photo_url(LOG_UUID.replace("-", ""), PHOTO_UUID.replace("-", "").upper()))

    assert response.status_code == 200


def test_a_photo_whose_file_is_gone_answers_404_in_the_error_shape(two_counties, log):
    photo = f.make_service_log_photo(log=log)  # the row only: no file written

    response = _client(two_counties.users["city_coordinator"]).get(_photo_url(photo_uuid=photo.uuid))

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Not found.", "fields": {}}


def test_no_accept_header_refuses_the_photo_and_errors_stay_json(two_counties, log):
    _upload(two_counties, image_bytes("JPEG"))
    client = _client(two_counties.users["specialist"], Accept="image/jpeg")

    found = client.get(_photo_url())
    missing = client.get(_photo_url(photo_uuid=uuid.uuid4()))

    assert (found.status_code, found["Content-Type"]) == (200, "image/jpeg")
    assert (missing.status_code, missing["Content-Type"], missing.json()["code"]) == (404, "application/json", "not_found")


def test_an_evidence_file_is_sent_with_the_same_headers(two_counties, log):
    achievement = f.make_achievement(specialist=two_counties.huaiyuan.specialist)
    client = _client(two_counties.users["specialist"])
    image = io.BytesIO(image_bytes("JPEG"))
    image.name = "现场.jpg"
    url = client.post(f"/api/v1/achievements/{achievement.uuid}/evidence/", {"uuid": uuid.uuid4(), "file": image}, format="multipart").json()["url"]

    response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert (response["Cache-Control"], response["X-Content-Type-Options"]) == ("private", "nosniff")


# --- the url in the log's rows ------------------------------------------------------------------------------------

def test_the_upload_the_list_the_detail_and_me_carry_each_photos_url(two_counties, log):
    uploaded = _upload(two_counties, image_bytes("JPEG"))
    client = _client(two_counties.users["specialist"])

    listed = client.get(URL).json()["results"][0]["photos"]
    detail = client.get(f"{URL}{LOG_UUID}/").json()["photos"]
    me = client.get("/api/v1/me/").json()["recent_logs"][0]["photos"]

    assert uploaded.json()["url"] == _photo_url()
    assert [photo["url"] for photo in listed] == [photo["url"] for photo in detail] == [photo["url"] for photo in me] == [_photo_url()]


# --- nothing from /media/ -----------------------------------------------------------------------------------------

@pytest.fixture
def debug_urlconf(settings):
    """config.urls as it is built with DEBUG on, as the README's development setup runs it."""
    import config.urls

    settings.DEBUG = True
    importlib.reload(config.urls)
    clear_url_caches()
    yield
    settings.DEBUG = False
    importlib.reload(config.urls)
    clear_url_caches()


def test_media_is_not_served_even_with_debug_on(two_counties, log, debug_urlconf):
    _upload(two_counties, image_bytes("JPEG"))
    stored = ServiceLogPhoto.objects.get().image.name
    map_file = "maps/job-1/village-coverage-340322-2026-11-29.png"

    with pytest.raises(Resolver404):
        get_resolver().resolve(f"/media/{stored}")
    for path in (stored, map_file):
        assert Client().get(f"/media/{path}").status_code == 404
    signed_in = Client()
    signed_in.force_login(two_counties.users["specialist"])
    assert signed_in.get(f"/media/{stored}").status_code == 404
