"""One error shape everywhere, in the language the request asks for."""

import pytest
from rest_framework.test import APIClient

from specialists.models import UserRole
from tests import factories as f
from tests.api import keep_language  # noqa: F401 (an autouse fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator_client():
    client = APIClient()
    client.force_authenticate(f.make_user_role(role=UserRole.Role.COORDINATOR).user)
    return client


@pytest.mark.parametrize(
    ("language", "message"),
    [(None, "身份认证信息未提供。"), ("zh-CN,zh;q=0.9", "身份认证信息未提供。"), ("en-US,en;q=0.8", "Authentication credentials were not provided.")],
)
def test_401_in_the_requested_language_with_chinese_by_default(language, message):
    headers = {"Accept-Language": language} if language else {}

    response = APIClient().get("/api/v1/villages/", headers=headers)

    assert response.status_code == 401
    assert response.json() == {"code": "not_authenticated", "message": message, "fields": {}}


@pytest.mark.parametrize(("language", "required"), [("zh-hans", "该字段是必填项。"), ("en", "This field is required.")])
def test_field_errors_are_listed_by_field_in_the_requested_language(coordinator_client, language, required):
    response = coordinator_client.post("/api/v1/village-assignments/", {}, format="json", headers={"Accept-Language": language})

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["fields"] == {"specialist": [required], "village": [required], "start_date": [required]}


@pytest.mark.parametrize(("language", "message"), [("zh-hans", "未找到。"), ("en", "Not found.")])
def test_an_unknown_object_is_404_in_the_shape(coordinator_client, language, message):
    response = coordinator_client.get("/api/v1/villages/349999999999/", headers={"Accept-Language": language})

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": message, "fields": {}}


def test_malformed_json_is_400_not_500(coordinator_client):
    response = coordinator_client.generic(
        "POST", "/api/v1/village-assignments/", "{not json", content_type="application/json", headers={"Accept-Language": "en"}
    )

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


@pytest.mark.parametrize(
    ("query", "status", "fields"),
    [
        ({"page": "abc"}, 404, set()),
        ({"page": "99"}, 404, set()),
        ({"kind": "castle"}, 400, {"kind"}),
        # Unknown orderings and unreadable booleans are ignored, a page size below one is the default.
        ({"synthetic": "maybe"}, 200, None),
        ({"ordering": "boundary"}, 200, None),
        ({"page_size": "-1"}, 200, None),
    ],
)
def test_bad_list_parameters_are_4xx_in_the_shape(coordinator_client, query, status, fields):
    f.make_village()

    response = coordinator_client.get("/api/v1/villages/", query)

    assert response.status_code == status
    if fields is not None:
        assert set(response.json()) == {"code", "message", "fields"}
        assert set(response.json()["fields"]) == fields
    else:
        assert response.json()["count"] == 1


def test_page_size_is_capped_at_1000(coordinator_client):
    town = f.make_town()
    for _ in range(3):
        f.make_village(town=town)

    response = coordinator_client.get("/api/v1/villages/", {"page_size": 5000, "page": 1})

    body = response.json()
    assert (body["count"], len(body["results"]), body["next"], body["previous"]) == (3, 3, None, None)


@pytest.mark.parametrize(("language", "message"), [("zh-hans", "未找到。"), ("en", "Not found.")])
def test_an_unknown_api_path_is_404_in_the_shape(language, message):
    response = APIClient().get("/api/v1/no-such-thing/", headers={"Accept-Language": language})

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": message, "fields": {}}


def test_an_unknown_page_path_is_still_djangos_page():
    response = APIClient().get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
