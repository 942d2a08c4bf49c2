"""The frame's navigation: which pages each role may use, and where each role starts.

A page joins the menu with one NavItem below. Items whose URL name does not resolve (a page not
built yet) are left out rather than linking to a 404, so the menu can name a page before it lands.
"""

import dataclasses

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from specialists.access.scope import scope_for
from specialists.access.models import UserRole

Role = UserRole.Role


@dataclasses.dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str
    roles: frozenset
    staff_only: bool = False
    # The admin site is a tool beside the pages, never where a role starts.
    can_be_home: bool = True

    def allows(self, user, scope):
        return scope.role in self.roles and (user.is_staff or not self.staff_only)


# In menu order; a role's first item is where "/" sends it.
NAV = [
    NavItem("frontend:dashboard", _("Dashboard"), frozenset({Role.LEADER, Role.COORDINATOR})),
    NavItem("frontend:desk", _("Desk"), frozenset({Role.COORDINATOR})),
    NavItem("frontend:imports", _("Import"), frozenset({Role.COORDINATOR})),
    NavItem("frontend:mobile", _("My page"), frozenset({Role.SPECIALIST})),
    NavItem("admin:index", _("Admin site"), frozenset({Role.COORDINATOR}), staff_only=True, can_be_home=False),
]


def _url(item):
    try:
        return reverse(item.url_name)
    except NoReverseMatch:
        return None


def _items_for(user):
    scope = scope_for(user)
    if not scope.has_access:
        return []
    return [(item, url) for item in NAV if item.allows(user, scope) and (url := _url(item)) is not None]


def nav_for(user, current_path=""):
    """The menu entries the user may use: [{"label", "url", "active"}], in menu order."""
    return [{"label": item.label, "url": url, "active": current_path.startswith(url)} for item, url in _items_for(user)]


def home_url_for(user):
    """Where "/" sends the user: the first page of their menu, or None when they have none."""
    return next((url for item, url in _items_for(user) if item.can_be_home), None)
