"""Who may call the API at all, and who may write.

Visibility is not decided here: every view takes its queryset from a scoped selector, so a row
outside the user's scope is absent (404), and these classes only answer "may this role act".
"""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from specialists.access.scope import scope_for

NO_ROLE = _("Your account has no role in Tepai; ask a coordinator to give you one.")


def _has_role(request):
    return bool(request.user and request.user.is_authenticated and scope_for(request.user).has_access)


class HasTepaiRole(BasePermission):
    """Signed in with a role (or a superuser), and reading: the default for every view."""

    message = NO_ROLE

    def has_permission(self, request, view):
        if not _has_role(request):
            return False
        if request.method not in SAFE_METHODS:
            self.message = _("This resource is read-only.")
            return False
        return True


class CoordinatorWrites(BasePermission):
    """Anyone with a role reads; only coordinators write, and their querysets keep them in scope."""

    message = NO_ROLE

    def has_permission(self, request, view):
        if not _has_role(request):
            return False
        if request.method in SAFE_METHODS or scope_for(request.user).can_write:
            return True
        self.message = _("Only coordinators may change this.")
        return False


class SpecialistWrites(BasePermission):
    """Anyone with a role reads; only specialists write, and only their own rows (the view sees to that)."""

    message = NO_ROLE

    def has_permission(self, request, view):
        scope = scope_for(request.user)
        if not scope.has_access:
            return False
        if request.method in SAFE_METHODS or scope.is_specialist:
            return True
        self.message = _("Only specialists record service logs.")
        return False
