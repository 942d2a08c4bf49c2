"""The phones' sign-in: simplejwt's token pair, with the password checked through the sign-in throttle.

A refused attempt answers 429 in the API's error shape (code "throttled", the message in the
request's language) with a Retry-After header, before the password is looked at.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import update_last_login
from django.utils.translation import gettext_noop
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import exceptions, serializers
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer, TokenRefreshSerializer
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from specialists.access.throttle import LoginThrottled, authenticate_throttled

# simplejwt's messages come in Chinese from its own catalogue (rest_framework_simplejwt is in
# INSTALLED_APPS for that), except these, which it leaves untranslated (fuzzy): named here so that
# makemessages keeps them in ours, which Django reads first (LOCALE_PATHS).
SIMPLEJWT_UNTRANSLATED = (
    gettext_noop("Token is invalid"),  # a refresh token that is not a token, or is forged
    gettext_noop("Token is expired"),  # a refresh token past REFRESH_TOKEN_LIFETIME
    gettext_noop("No active account found for the given token."),  # a refresh token of a deactivated user
)


class SignInThrottled(exceptions.Throttled):
    def __init__(self, throttled):
        # Not through Throttled(wait=...), which appends DRF's own "Expected available in ..." sentence.
        super().__init__(detail=throttled.message, code="throttled")
        # DRF's exception handler turns `wait` into the Retry-After header.
        self.wait = throttled.retry_after


@extend_schema_serializer(component_name="TokenObtainPair")
class ThrottledTokenObtainPairSerializer(TokenObtainPairSerializer):
    def validate(self, attrs):
        # simplejwt's TokenObtainSerializer.validate() and TokenObtainPairSerializer.validate(),
        # with authenticate() replaced by authenticate_throttled().
        try:
            self.user = authenticate_throttled(
                self.context.get("request"), username=attrs[self.username_field], password=attrs["password"]
            )
        except LoginThrottled as throttled:
            raise SignInThrottled(throttled) from None
        if not api_settings.USER_AUTHENTICATION_RULE(self.user):
            raise exceptions.AuthenticationFailed(self.error_messages["no_active_account"], "no_active_account")

        refresh = self.get_token(self.user)
        if api_settings.UPDATE_LAST_LOGIN:
            update_last_login(None, self.user)
        return {"refresh": str(refresh), "access": str(refresh.access_token)}


# For the schema only: simplejwt's serializer declares no output fields.
class TokenPairSerializer(serializers.Serializer):
    """What a successful sign-in answers."""

    access = serializers.CharField(help_text="Access token: send as `Authorization: Bearer <access>`; short-lived.")
    refresh = serializers.CharField(help_text="Refresh token: exchange at /api/v1/auth/token/refresh/ for a new access token.")


@extend_schema(responses={200: TokenPairSerializer})
class ThrottledTokenObtainPairView(TokenObtainPairView):
    """Takes a username and password and answers an access and refresh token pair."""

    # api/schema.py documents its 429.
    serializer_class = ThrottledTokenObtainPairSerializer


@extend_schema_serializer(component_name="TokenRefresh")
class DeletedUserTokenRefreshSerializer(TokenRefreshSerializer):
    def validate(self, attrs):
        try:
            return super().validate(attrs)
        except get_user_model().DoesNotExist:
            # simplejwt looks the token's user up without catching this: an account deleted since
            # the token was issued is refused as a deactivated one is, not with a 500.
            raise exceptions.AuthenticationFailed(self.error_messages["no_active_account"], "no_active_account") from None


class AccountTokenRefreshView(TokenRefreshView):
    """Takes a refresh token and answers a new access token (and, as configured, a new refresh token)."""

    serializer_class = DeletedUserTokenRefreshSerializer
