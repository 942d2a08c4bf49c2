"""Hostile input answers 400 in the API's one error shape, never a 500.

A JSON body nested thousands deep would exhaust Python's recursion in json.loads (a RecursionError, a 500):
api.parsers refuses anything deeper than JSON_MAX_DEPTH before parsing it, on every route, sign-in included.
"""

import json

import pytest
from rest_framework.test import APIClient

from api.parsers import JSON_MAX_DEPTH, json_depth
from specialists.assignments.models import VillageAssignment
from tests.api import build_world, keep_language  # noqa: F401 (an autouse fixture)
from tests.api.test_errors import awaiting_translation

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
TOO_DEEP = "The data sent is nested more than %(max)s levels deep; at most %(max)s levels are allowed."


def _client(user=None, language="en"):
    # raise_request_exception=False: a 500 is an answer to check, not an exception in the test.
    client = APIClient(headers={"Accept-Language": language}, raise_request_exception=False)
    if user is not None:
        client.force_authenticate(user)
    return client


# --- a JSON body nested too deep -----------------------------------------------------------------------------

def _nested(depth):
    return "[" * depth + "]" * depth


@pytest.fixture
def specialist_client(world):
    return _client(world.users["specialist"])


@pytest.fixture
def coordinator_client(world):
    return _client(world.users["city_coordinator"])


@pytest.mark.parametrize("body", [_nested(5000), '{"a":' * 5000 + "1" + "}" * 5000, "[" * 5000],
                         ids=["arrays", "objects", "unclosed"])
def test_a_json_body_nested_thousands_deep_is_refused_before_sign_in(body):
    response = _client().generic("POST", TOKEN, body, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"code": "too_deep", "message": TOO_DEEP % {"max": 32}, "fields": {}}


@pytest.mark.parametrize(("route", "role"), [("/api/v1/service-logs/", "specialist"), ("/api/v1/village-assignments/", "city_coordinator"),
                                             ("/api/v1/map-jobs/", "leader_city"), ("/api/v1/auth/logout/", "specialist")])
def test_a_json_body_nested_thousands_deep_is_refused_on_a_signed_in_write(world, route, role):
    response = _client(world.users[role]).generic("POST", route, _nested(5000), content_type="application/json")

    assert (response.status_code, response.json()["code"]) == (400, "too_deep")
    assert VillageAssignment.objects.count() == 2  # build_world's own: nothing was written


@pytest.mark.parametrize(
    ("language", "message"),
    [("en", TOO_DEEP % {"max": 32}),
     pytest.param("zh-hans", "提交的数据嵌套超过 32 层；最多允许 32 层。", marks=awaiting_translation(TOO_DEEP))],
)
def test_the_depth_refusal_is_in_the_requests_language(language, message):
    response = _client(language=language).generic("POST", TOKEN, _nested(100), content_type="application/json")

    assert response.json()["message"] == message


def test_the_limit_is_json_max_depth_levels():
    inside = JSON_MAX_DEPTH - 1  # the object around the username is the first level
    at_limit = json.dumps({"username": json.loads(_nested(inside)), "password": "x"})
    over_limit = json.dumps({"username": json.loads(_nested(inside + 1)), "password": "x"})

    read = _client().generic("POST", TOKEN, at_limit, content_type="application/json")
    refused = _client().generic("POST", TOKEN, over_limit, content_type="application/json")

    # At the limit the body is parsed, and the serializer refuses a username that is not a string.
    assert (read.status_code, read.json()["fields"]) == (400, {"username": ["Not a valid string."]})
    assert (refused.status_code, refused.json()["code"]) == (400, "too_deep")


def test_brackets_inside_strings_are_not_nesting(world):
    body = json.dumps({"username": "[" * 5000 + "{" * 5000, "password": "x"})

    response = _client().generic("POST", TOKEN, body, content_type="application/json")

    assert (response.status_code, response.json()["code"]) == (401, "no_active_account")


@pytest.mark.parametrize(
    ("text", "depth"),
    [("1", 0), ('"[[["', 0), ("[]", 1), ("[{}]", 2), ('{"a": [1, {"b": "]]]}}"}]}', 3), ('["\\"[", [[]]]', 3),
     # Malformed text too: at least as deep as json.loads would get before failing.
     ("[[[", 3), ('["unclosed [[[', 1), ('"\\', 0)],
)
def test_json_depth_counts_brackets_outside_strings(text, depth):
    assert json_depth(text) == depth
