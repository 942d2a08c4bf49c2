"""Requests too large to read answer 413 in the error shape, in the request's language; an upload too
large for its file is refused from its declared length, before a byte of it is read."""

import io
import json
from unittest import mock

import pytest
from django.conf import settings
from django.http.multipartparser import MultiPartParser as DjangoMultiPartParser
from rest_framework.test import APIClient

from specialists.fieldwork.models import AchievementEvidence, ServiceLogPhoto
from tests import factories as f
from tests.api.test_errors import awaiting_translation

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]
TOKEN = "/api/v1/auth/token/"
PHOTO_UUID = "a3b4c5d6-e7f8-4a9b-8c0d-1e2f3a4b5c6d"
DATA_LIMIT = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
TOO_MUCH_DATA = "The data sent is more than %(max)s bytes; at most %(max)s bytes are allowed (uploaded files aside)."
TOO_MANY_PARAMETERS = "The request has more than %(max)s parameters; at most %(max)s are allowed."
TOO_MANY_FILES = "The request has more than %(max)s files; at most %(max)s are allowed."
CSRF_SECRET = "a" * 32


@pytest.fixture
def unread():
    """Fails the test if Django's multipart parser reads a body: a refusal must come before it."""
    with mock.patch.object(DjangoMultiPartParser, "parse", side_effect=AssertionError("the body was read")) as parse:
        yield parse


def _client(user=None, language="en", **kwargs):
    client = APIClient(headers={"Accept-Language": language}, **kwargs)
    if user is not None:
        client.force_authenticate(user)
    return client


def _session_client(user):
    """A page's client: signed in with the session, its CSRF token checked (which reads a POST's body)."""
    client = _client(enforce_csrf_checks=True)
    client.force_login(user)
    client.cookies[settings.CSRF_COOKIE_NAME] = CSRF_SECRET
    return client


def _file(size, name="photo.jpg"):
    out = io.BytesIO(b"\xff" * size)
    out.name = name
    return out


def _log(two_counties):
    return f.make_service_log(specialist=two_counties.huaiyuan.specialist, village=two_counties.huaiyuan.village)


# --- bodies Django will not read (DATA_UPLOAD_MAX_*) ----------------------------------------------------------

@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", TOO_MUCH_DATA % {"max": DATA_LIMIT}),
        pytest.param("zh-hans", f"提交的数据超过 {DATA_LIMIT} 字节，最多允许 {DATA_LIMIT} 字节（上传的文件除外）。",
                     marks=awaiting_translation(TOO_MUCH_DATA)),
    ],
)
def test_a_json_body_over_the_data_limit_answers_413(language, message):
    body = json.dumps({"username": "x" * DATA_LIMIT, "password": "x"})

    response = _client(language=language).generic("POST", TOKEN, body, content_type="application/json")

    assert response.status_code == 413
    assert response.json() == {"code": "too_large", "message": message, "fields": {}}


@pytest.mark.parametrize("session", [False, True], ids=["token", "session"])
def test_a_json_body_over_the_data_limit_answers_413_for_a_signed_in_writer_too(two_counties, session):
    body = json.dumps({"description": "x" * DATA_LIMIT})
    user = two_counties.users["specialist"]
    client = _session_client(user) if session else _client(user)

    response = client.generic("POST", "/api/v1/service-logs/", body, content_type="application/json", headers={"X-CSRFToken": CSRF_SECRET})

    assert (response.status_code, response.json()["code"]) == (413, "too_large")


def test_a_form_body_over_the_data_limit_answers_413():
    body = "username=" + "x" * DATA_LIMIT + "&password=x"

    response = _client().generic("POST", TOKEN, body, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 413
    assert response.json() == {"code": "too_large", "message": TOO_MUCH_DATA % {"max": DATA_LIMIT}, "fields": {}}


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", TOO_MANY_PARAMETERS % {"max": 1000}),
        pytest.param("zh-hans", "请求的参数超过 1000 个，最多允许 1000 个。", marks=awaiting_translation(TOO_MANY_PARAMETERS)),
    ],
)
def test_a_form_with_too_many_fields_answers_413(language, message):
    body = "&".join(f"field{index}=x" for index in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))

    response = _client(language=language).generic("POST", TOKEN, body, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 413
    assert response.json() == {"code": "too_large", "message": message, "fields": {}}


def test_too_many_query_parameters_answer_400_in_the_shape():
    # Not a body: 400 (the list's operation documents no 413), in the one shape rather than Django's page.
    query = "&".join(f"p{index}=x" for index in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))

    response = _client().get(f"/api/v1/villages/?{query}")

    assert response.status_code == 400
    assert response.json() == {"code": "too_many_parameters", "message": TOO_MANY_PARAMETERS % {"max": 1000}, "fields": {}}


def test_a_large_form_field_beside_a_photo_answers_413(two_counties):
    log = _log(two_counties)
    # Under the photo's limit as a whole, but a field that is not a file over the data limit.
    data = {"uuid": "x" * (DATA_LIMIT + 1), "image": _file(10)}

    response = _client(two_counties.users["specialist"]).post(f"/api/v1/service-logs/{log.uuid}/photos/", data, format="multipart")

    assert response.status_code == 413
    assert response.json() == {"code": "too_large", "message": TOO_MUCH_DATA % {"max": DATA_LIMIT}, "fields": {}}
    assert not ServiceLogPhoto.objects.exists()


def test_too_many_files_answer_413(two_counties):
    log = _log(two_counties)
    files = [_file(1, f"photo{index}.jpg") for index in range(settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1)]

    response = _client(two_counties.users["specialist"]).post(
        f"/api/v1/service-logs/{log.uuid}/photos/", {"uuid": PHOTO_UUID, "image": files}, format="multipart",
    )

    assert response.status_code == 413
    assert response.json() == {"code": "too_large", "message": TOO_MANY_FILES % {"max": 100}, "fields": {}}


# --- uploads refused from their declared length -------------------------------------------------------------

# Over the limit by more than the room api/parsers.py leaves for the form's other parts (64 KiB).
OVER = 64 * 1024 + 1


@pytest.mark.parametrize(
    ("language", "message"),
    [("en", "The photo is more than 1000 bytes; at most 1000 bytes are allowed."), ("zh-hans", "照片超过 1000 字节，最多允许 1000 字节。")],
)
def test_a_photo_too_large_for_its_limit_is_refused_unread(two_counties, settings, unread, language, message):
    settings.TEPAI_PHOTO_MAX_BYTES = 1000
    log = _log(two_counties)

    response = _client(two_counties.users["specialist"], language=language).post(
        f"/api/v1/service-logs/{log.uuid}/photos/", {"uuid": PHOTO_UUID, "image": _file(1000 + OVER)}, format="multipart",
    )

    assert response.status_code == 413
    assert response.json() == {"code": "too_large", "message": message, "fields": {}}
    assert not unread.called
    assert not ServiceLogPhoto.objects.exists()


@pytest.mark.parametrize(
    ("language", "message"),
    [("en", "The file is more than 1000 bytes; at most 1000 bytes are allowed."), ("zh-hans", "文件超过 1000 字节，最多允许 1000 字节。")],
)
def test_evidence_too_large_for_its_limit_is_refused_unread(two_counties, settings, unread, language, message):
    settings.TEPAI_EVIDENCE_MAX_BYTES = 1000
    achievement = f.make_achievement(specialist=two_counties.huaiyuan.specialist)

    response = _client(two_counties.users["specialist"], language=language).post(
        f"/api/v1/achievements/{achievement.uuid}/evidence/", {"uuid": PHOTO_UUID, "file": _file(1000 + OVER, "proof.pdf")},
        format="multipart",
    )

    assert response.status_code == 413
    assert response.json() == {"code": "too_large", "message": message, "fields": {}}
    assert not unread.called
    assert not AchievementEvidence.objects.exists()


def test_a_photo_too_large_is_refused_unread_under_the_sessions_csrf_check_too(two_counties, settings, unread):
    # A page's upload signs in with the session; SessionAuthentication's CSRF check reads the body's
    # csrfmiddlewaretoken field, before the view: the refusal comes before that read as well.
    settings.TEPAI_PHOTO_MAX_BYTES = 1000
    log = _log(two_counties)

    response = _session_client(two_counties.users["specialist"]).post(
        f"/api/v1/service-logs/{log.uuid}/photos/", {"uuid": PHOTO_UUID, "image": _file(1000 + OVER)}, format="multipart",
        headers={"X-CSRFToken": CSRF_SECRET},
    )

    assert (response.status_code, response.json()["code"]) == (413, "too_large")
    assert not unread.called


def test_a_photo_of_exactly_the_limit_is_read_and_judged_by_the_service(two_counties, settings):
    # The declared length includes the form's other parts: a file of exactly the limit is not refused
    # early (the service's own check then reads it; these bytes are no image, so it answers 422).
    settings.TEPAI_PHOTO_MAX_BYTES = 1000
    log = _log(two_counties)

    response = _client(two_counties.users["specialist"]).post(
        f"/api/v1/service-logs/{log.uuid}/photos/", {"uuid": PHOTO_UUID, "image": _file(1000)}, format="multipart",
    )

    assert (response.status_code, list(response.json()["fields"])) == (422, ["image"])


def test_a_declared_length_between_the_limit_and_the_room_is_left_to_the_service(two_counties, settings):
    settings.TEPAI_PHOTO_MAX_BYTES = 1000
    log = _log(two_counties)

    response = _client(two_counties.users["specialist"]).post(
        f"/api/v1/service-logs/{log.uuid}/photos/", {"uuid": PHOTO_UUID, "image": _file(1001)}, format="multipart",
    )

    assert response.status_code == 413
    assert response.json()["message"] == "The photo is 1001 bytes; at most 1000 bytes are allowed."

