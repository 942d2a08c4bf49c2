"""The phones' sign-in (/api/v1/auth/token/) answers 429 once an account or an address has too many failures."""

import threading
from unittest import mock

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from specialists.access import throttle as login_throttle
from tests import factories as f
from tests.specialists.access.test_login_throttle import Clock, SlowFailingAuthenticate

PASSWORD = "tepai-test-password"
TOKEN = "/api/v1/auth/token/"


@pytest.fixture
def fake_time():
    fake = Clock()  # 2023-11-14 22:13:20 UTC, 06:13:20 in Asia/Shanghai
    with mock.patch("time.time", fake):
        yield fake


@pytest.fixture
def wang(db):
    return f.make_user(username="wang", password=PASSWORD)


def obtain(username, password, *, address="192.0.2.10", language="zh-hans", **headers):
    return APIClient(REMOTE_ADDR=address).post(
        TOKEN, {"username": username, "password": password}, format="json", headers={"Accept-Language": language, **headers}
    )


def fail(times, username="wang", **kwargs):
    for _ in range(times):
        assert obtain(username, "wrong", **kwargs).status_code == 401


def test_the_sixth_attempt_is_refused_with_429_even_with_the_right_password(wang):
    fail(5)

    response = obtain("wang", PASSWORD)

    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert response.json()["fields"] == {}
    assert response["Retry-After"] == "900"


def test_other_accounts_are_not_affected(wang):
    f.make_user(username="li", password=PASSWORD)
    fail(5, "wang")

    assert obtain("li", PASSWORD).status_code == 200


def test_an_unknown_account_is_refused_like_a_real_one(wang):
    fail(5, "wang")
    fail(5, "nobody")

    real, unknown = obtain("wang", "wrong"), obtain("nobody", "wrong")

    assert (real.status_code, unknown.status_code) == (429, 429)
    assert real.json() == unknown.json()


def test_many_accounts_from_one_address_are_refused_at_the_address_limit(wang):
    for index in range(20):
        fail(1, f"guess{index}")

    assert obtain("wang", PASSWORD).status_code == 429
    assert obtain("wang", PASSWORD, address="198.51.100.7").status_code == 200


@override_settings(TEPAI_BEHIND_PROXY=True, TEPAI_LOGIN_MAX_FAILURES_PER_ADDRESS=3)
def test_behind_the_proxy_the_forwarded_address_is_counted(wang):
    for username in ("a", "b", "c"):
        fail(1, username, address="10.0.0.2", **{"X-Forwarded-For": "203.0.113.5"})

    refused = obtain("wang", PASSWORD, address="10.0.0.2", **{"X-Forwarded-For": "203.0.113.5"})
    other_client = obtain("wang", PASSWORD, address="10.0.0.2", **{"X-Forwarded-For": "203.0.113.6"})

    assert (refused.status_code, other_client.status_code) == (429, 200)


@override_settings(TEPAI_LOGIN_MAX_FAILURES_PER_ADDRESS=3)
def test_without_the_proxy_setting_a_forwarded_address_is_ignored(wang):
    for index, username in enumerate(("a", "b", "c")):
        fail(1, username, **{"X-Forwarded-For": f"203.0.113.{index}"})

    assert obtain("wang", PASSWORD, **{"X-Forwarded-For": "203.0.113.99"}).status_code == 429


def test_the_lock_expires(wang, fake_time):
    fail(5)
    fake_time.advance(600)
    assert obtain("wang", PASSWORD)["Retry-After"] == "300"

    fake_time.advance(301)

    assert obtain("wang", PASSWORD).status_code == 200


def test_a_success_resets_the_account(wang):
    fail(4)
    assert obtain("wang", PASSWORD).status_code == 200

    fail(4)

    assert obtain("wang", PASSWORD).status_code == 200


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("zh-hans", "登录失败次数过多，请于 06:28 之后再试。"),
        ("en", "Too many failed sign-in attempts. Try again after 06:28."),
    ],
)
def test_the_message_is_in_the_requests_language(wang, fake_time, language, message):
    fail(5)

    response = obtain("wang", PASSWORD, language=language)

    assert response.json()["message"] == message


def test_concurrent_wrong_attempts_let_at_most_the_limit_reach_the_password_check():
    authenticate = SlowFailingAuthenticate()
    barrier = threading.Barrier(20)
    statuses = []

    def attempt():
        barrier.wait()
        statuses.append(obtain("wang", "wrong").status_code)

    with mock.patch.object(login_throttle, "authenticate", authenticate):
        threads = [threading.Thread(target=attempt) for _ in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

    assert authenticate.calls == 5
    assert sorted(statuses) == [401] * 5 + [429] * 15


def test_the_schema_documents_the_429_with_retry_after(db):
    schema = APIClient().get("/api/v1/schema/", headers={"Accept": "application/json"}).json()

    response = schema["paths"][TOKEN]["post"]["responses"]["429"]

    assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert response["headers"]["Retry-After"]["schema"] == {"type": "integer"}
    assert set(schema["paths"][TOKEN]["post"]["responses"]["200"]["content"]["application/json"]["schema"].values()) == {
        "#/components/schemas/TokenPair"
    }
