"""Admin permissions that follow a user's Tepai role.

Coordinators manage roles, specialists and the divisions in the admin site. Rather than keeping
Django permissions in step with each UserRole by hand, RoleBackend answers has_perm() and
has_module_perms() from the role itself, so every ModelAdmin (ours and django.contrib.auth's
UserAdmin) obeys it at once and a change of role takes effect on the next request.

It only grants permissions: it signs nobody in (authenticate() answers None), so every sign-in
still goes through ModelBackend behind the throttle (specialists/access/throttle.py), and the
session keeps ModelBackend as its backend. It is listed after ModelBackend in
AUTHENTICATION_BACKENDS for that reason.

Who gets what:
- a coordinator of the whole deployment (no division on their role; "city coordinator" in the
  Bengbu demo, whose deployment is one city): view, add and change every model of villages and
  specialists, and auth's users; delete only team memberships (removing a member on the team's
  page) and user roles (taking a role away). Nothing else is deleted: an assignment is ended by its
  end date, never removed, and a user is switched off with "active" rather than deleted, since
  reviews and map jobs name them. Which fields of a user they may change, and which users, is the
  user admin's business (specialists/admin.py: no superusers, no permissions or groups).
- a coordinator limited to a division (a province, a city or a county-level unit), a leader, a
  specialist, a user without a role: nothing. They work in the desk and the API, which are
  scoped to their division; the admin is not.
"""

import functools

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import BaseBackend

from specialists.access.scope import scope_for
from specialists.access.models import UserRole

# What a coordinator may delete: a member off a team (on the team's page), and a role (taking it away).
# Named by label, since access lies below the concept that defines teams.
DELETABLE = ("specialists.TeamMembership", "specialists.UserRole")


@functools.cache
def city_coordinator_permissions() -> frozenset:
    """The Django permissions ("app_label.codename") of a city coordinator."""
    models = [*apps.get_app_config("villages").get_models(), *apps.get_app_config("specialists").get_models(), get_user_model()]
    granted = {f"{m._meta.app_label}.{action}_{m._meta.model_name}" for m in models for action in ("view", "add", "change")}
    granted |= {f"{m._meta.app_label}.delete_{m._meta.model_name}" for m in map(apps.get_model, DELETABLE)}
    return frozenset(granted)


def _is_city_coordinator(user_obj):
    scope = scope_for(user_obj)
    return scope.role == UserRole.Role.COORDINATOR and scope.is_unlimited


class RoleBackend(BaseBackend):
    """Model-level permissions derived from the user's UserRole; no object-level permissions."""

    def get_all_permissions(self, user_obj, obj=None):
        if obj is not None or not _is_city_coordinator(user_obj):
            return set()
        return set(city_coordinator_permissions())

    def has_perm(self, user_obj, perm, obj=None):
        return obj is None and perm in city_coordinator_permissions() and _is_city_coordinator(user_obj)

    def has_module_perms(self, user_obj, app_label):
        return _is_city_coordinator(user_obj) and any(
            perm.startswith(f"{app_label}.") for perm in city_coordinator_permissions()
        )
