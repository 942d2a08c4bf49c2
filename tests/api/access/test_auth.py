"""Phones sign in with JWT: obtain, refresh, and log out by revoking the refresh token."""

import datetime

import pytest
from django.conf import settings
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from specialists.access.models import UserRole
from tests import factories as f
from tests.api.test_errors import awaiting_translation

pytestmark = pytest.mark.django_db
PASSWORD = "tepai-test-password"


@pytest.fixture
def specialist_user():
    return f.make_user_role(role=UserRole.Role.SPECIALIST).user


def _obtain(client, user, password=PASSWORD):
    return client.post("/api/v1/auth/token/", {"username": user.username, "password": password}, format="json")


def test_access_tokens_are_short_lived():
    assert settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"] <= datetime.timedelta(minutes=15)


def test_a_phone_obtains_a_token_and_reads_with_it(specialist_user):
    client = APIClient()

    tokens = _obtain(client, specialist_user).json()
    me = client.get("/api/v1/me/", headers={"Authorization": f"Bearer {tokens['access']}"})

    assert set(tokens) == {"access", "refresh"}
    assert (me.status_code, me.json()["role"]) == (200, "specialist")


def test_a_wrong_password_is_401_in_the_error_shape(specialist_user):
    response = _obtain(APIClient(), specialist_user, password="wrong")

    assert response.status_code == 401
    assert response.json()["code"] == "no_active_account"
    assert set(response.json()) == {"code", "message", "fields"}


def test_a_refresh_token_gives_a_new_access_token(specialist_user):
    client = APIClient()
    tokens = _obtain(client, specialist_user).json()

    refreshed = client.post("/api/v1/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json")
    me = client.get("/api/v1/me/", headers={"Authorization": f"Bearer {refreshed.json()['access']}"})

    assert refreshed.status_code == 200
    assert me.status_code == 200


def test_after_logout_the_refresh_token_is_refused(specialist_user):
    client = APIClient()
    tokens = _obtain(client, specialist_user).json()

    logged_out = client.post("/api/v1/auth/logout/", {"refresh": tokens["refresh"]}, format="json")
    refused = client.post("/api/v1/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json", headers={"Accept-Language": "en"})

    assert logged_out.status_code == 200
    assert refused.status_code == 401
    assert refused.json() == {"code": "token_not_valid", "message": "Token is blacklisted", "fields": {}}


def test_an_access_token_is_not_a_refresh_token(specialist_user):
    client = APIClient()
    tokens = _obtain(client, specialist_user).json()

    response = client.post("/api/v1/auth/token/refresh/", {"refresh": tokens["access"]}, format="json")

    assert (response.status_code, response.json()["code"]) == (401, "token_not_valid")


def test_a_garbage_bearer_token_is_401(specialist_user):
    response = APIClient().get("/api/v1/me/", headers={"Authorization": "Bearer not-a-token"})

    assert (response.status_code, response.json()["code"]) == (401, "token_not_valid")


def test_pages_sign_in_with_the_session(specialist_user):
    client = APIClient()
    client.force_login(specialist_user)

    assert client.get("/api/v1/me/").status_code == 200


# --- simplejwt's messages in the request's language ---------------------------------------------------------

def _refresh(token, language):
    return APIClient().post("/api/v1/auth/token/refresh/", {"refresh": token}, format="json", headers={"Accept-Language": language})


@pytest.mark.parametrize(
    ("language", "message"),
    [("en", "No active account found with the given credentials"), ("zh-hans", "找不到指定凭据对应的有效用户")],
)
def test_a_wrong_password_answers_in_the_requested_language(specialist_user, language, message):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": specialist_user.username, "password": "wrong"}, format="json",
        headers={"Accept-Language": language},
    )

    assert response.status_code == 401
    assert response.json() == {"code": "no_active_account", "message": message, "fields": {}}


@pytest.mark.parametrize(
    ("language", "message"), [("en", "Given token not valid for any token type"), ("zh-hans", "此令牌对任何类型的令牌无效")],
)
def test_a_garbage_bearer_token_answers_in_the_requested_language(language, message):
    response = APIClient().get("/api/v1/me/", headers={"Authorization": "Bearer not-a-token", "Accept-Language": language})

    assert response.status_code == 401
    assert response.json() == {"code": "token_not_valid", "message": message, "fields": {}}


@pytest.mark.parametrize(
    ("language", "message"),
    [("en", "Token is invalid"), pytest.param("zh-hans", "令牌无效", marks=awaiting_translation("Token is invalid"))],
)
def test_a_garbage_refresh_token_answers_in_the_requested_language(language, message):
    response = _refresh("not-a-token", language)

    assert response.status_code == 401
    assert response.json() == {"code": "token_not_valid", "message": message, "fields": {}}


@pytest.mark.parametrize(
    ("language", "message"),
    [("en", "Token is expired"), pytest.param("zh-hans", "令牌已过期", marks=awaiting_translation("Token is expired"))],
)
def test_an_expired_refresh_token_answers_in_the_requested_language(specialist_user, language, message):
    token = RefreshToken.for_user(specialist_user)
    token.set_exp(lifetime=-datetime.timedelta(seconds=1))

    response = _refresh(str(token), language)

    assert response.status_code == 401
    assert response.json() == {"code": "token_not_valid", "message": message, "fields": {}}


@pytest.mark.parametrize(("language", "message"), [("en", "Token is blacklisted"), ("zh-hans", "令牌已被加入黑名单")])
def test_a_revoked_refresh_token_answers_in_the_requested_language(specialist_user, language, message):
    client = APIClient()
    tokens = _obtain(client, specialist_user).json()
    client.post("/api/v1/auth/logout/", {"refresh": tokens["refresh"]}, format="json")

    response = _refresh(tokens["refresh"], language)

    assert response.status_code == 401
    assert response.json() == {"code": "token_not_valid", "message": message, "fields": {}}


NO_ACCOUNT_FOR_TOKEN = "No active account found for the given token."


@pytest.mark.parametrize(
    ("language", "message"),
    [("en", NO_ACCOUNT_FOR_TOKEN),
     pytest.param("zh-hans", "找不到该令牌对应的有效用户。", marks=awaiting_translation(NO_ACCOUNT_FOR_TOKEN))],
)
def test_a_deactivated_users_refresh_token_answers_in_the_requested_language(specialist_user, language, message):
    token = str(RefreshToken.for_user(specialist_user))
    specialist_user.is_active = False
    specialist_user.save(update_fields=["is_active"])

    response = _refresh(token, language)

    assert response.status_code == 401
    assert response.json() == {"code": "no_active_account", "message": message, "fields": {}}


def test_a_deleted_users_refresh_token_answers_401_not_500(specialist_user):
    token = str(RefreshToken.for_user(specialist_user))
    UserRole.objects.filter(user=specialist_user).delete()
    type(specialist_user).objects.filter(pk=specialist_user.pk).delete()

    response = _refresh(token, "en")

    assert response.status_code == 401
    assert response.json() == {"code": "no_active_account", "message": NO_ACCOUNT_FOR_TOKEN, "fields": {}}
