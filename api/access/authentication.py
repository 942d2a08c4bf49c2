"""The phones' JWT authentication, reading the token's user and their role in one query.

simplejwt's JWTAuthentication reads the user, and scope_for() then read the role: two round trips
on every API request, about 4.5 ms of a list's answer. Here simplejwt's own get_user() (its checks
and messages: an unknown or inactive user, a token revoked by a password change) reads the user
through with_role(), so the scope costs no query.
"""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication

from specialists.access.scope import with_role


class _UsersWithRole:
    """The user model as simplejwt's get_user() uses it (`objects.get`, `DoesNotExist`), its users
    read with_role()."""

    def __init__(self, model):
        self.model = model
        self.DoesNotExist = model.DoesNotExist

    @property
    def objects(self):
        return with_role(self.model._default_manager)


class RoleJWTAuthentication(JWTAuthentication):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user_model = _UsersWithRole(self.user_model)


class RoleJWTScheme(SimpleJWTScheme):
    """The schema's `jwtAuth` security scheme, as drf-spectacular writes it for simplejwt's class."""

    target_class = RoleJWTAuthentication
