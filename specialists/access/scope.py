"""Who may see what: a user's scope, and the one function every selector draws its rows through.

A scope is a role and where it holds: a coordinator or leader limited to one node of the division
tree (a province, a city or a county-level unit) or to none (the whole deployment); a specialist
to their own record. `scoped(user, rows)` limits any queryset to the user's scope by a table
(RULES) that says, for each model, how its rows lead to a division and to a specialist. Every
selector (`*_for(user)` in each concept's selectors module) calls it, so that scope holds in lists,
filters, search, counts, exports, maps and related fields alike: a row outside the scope is not
there, and its detail answers 404.

Reading the table: a row lies in a division when any of its `places` lookups ends in that division
or under it (a village assignment's "village__town__county" under a city). A specialist sees the
rows whose `specialists` lookup leads to their own record, and every row of a model marked
`public` (divisions, key industries: they say nothing about any person). `requester` rows are
personal to the user who asked for them (map jobs). A user without a role (and not a superuser)
sees nothing.
"""

import dataclasses
import functools

from django.db.models import Q

from specialists.access.models import UserRole
from villages.places import CITY, COUNTY, PROVINCE, Place, is_wider, within

Role = UserRole.Role


@dataclasses.dataclass(frozen=True)
class Scope:
    """What a user is and where. `role` is None for a user with no access at all; `node` is the
    division a coordinator or leader is limited to (None: the whole deployment)."""

    role: str | None
    node: object = None
    specialist: object = None

    @property
    def has_access(self):
        return self.role is not None

    @property
    def is_specialist(self):
        return self.role == Role.SPECIALIST

    @property
    def is_unlimited(self):
        """A coordinator or leader of the whole deployment (the admin site is theirs)."""
        return self.role in (Role.COORDINATOR, Role.LEADER) and self.node is None

    @property
    def place(self) -> Place:
        """Where the role holds: its node, or everywhere (a specialist's divisions are everywhere too)."""
        return Place(self.node)

    @property
    def is_county(self):
        return self.role in (Role.COORDINATOR, Role.LEADER) and self.place.level == COUNTY

    @property
    def is_city_wide(self):
        """A coordinator or leader whose scope holds at least a whole city: not limited to one county-level unit."""
        return self.role in (Role.COORDINATOR, Role.LEADER) and not self.is_county

    @property
    def county(self):
        """The county-level unit a county role is limited to; None for wider roles and specialists."""
        return self.node if self.is_county else None

    @property
    def can_write(self):
        """Coordinators write (within their scope); leaders and specialists do not, here."""
        return self.role == Role.COORDINATOR


NO_ACCESS = Scope(role=None)


# What the role is read with: its division (and those above it, which Place reads) and its
# specialist, never the boundaries. Used by scope_for and by with_role (one query with the user).
_ROLE_RELATED = ("province", "city__province", "county__city__province", "specialist")
_ROLE_DEFERRED = (
    "province__boundary", "city__boundary", "city__province__boundary", "county__boundary",
    "county__city__boundary", "county__city__province__boundary",
)


def with_role(users):
    """`users` (a queryset of users) with each user's role read in the same query, so that
    scope_for() asks nothing more: for authentication, which loads the user once per request."""
    return users.select_related(*(f"tepai_role__{path}" for path in _ROLE_RELATED)).defer(
        *(f"tepai_role__{path}" for path in _ROLE_DEFERRED)
    )


NOT_LOADED = object()


def _loaded_role(user):
    """The user's role as with_role() loaded it: a UserRole, None (loaded: the user has none), or
    NOT_LOADED."""
    descriptor = getattr(type(user), "tepai_role", None)
    if descriptor is None or not descriptor.is_cached(user):
        return NOT_LOADED
    try:
        return user.tepai_role
    except UserRole.DoesNotExist:
        return None


def scope_for(user) -> Scope:
    """The user's scope, read once per user object and kept on it for the request: no query when
    the user was loaded with_role() (as the API's authentication does), else one.

    A superuser is a coordinator of the whole deployment; an anonymous user, or one without a
    UserRole, has no access.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return NO_ACCESS
    cached = getattr(user, "_tepai_scope", None)
    if cached is not None:
        return cached
    if user.is_superuser:
        scope = Scope(role=Role.COORDINATOR)
    else:
        row = _loaded_role(user)
        if row is NOT_LOADED:
            row = UserRole.objects.select_related(*_ROLE_RELATED).defer(*_ROLE_DEFERRED).filter(user=user).first()
        scope = NO_ACCESS if row is None else Scope(role=row.role, node=row.node, specialist=row.specialist)
    user._tepai_scope = scope
    return scope


@dataclasses.dataclass(frozen=True)
class Path:
    """A lookup from a row to a division of `level`. `wider_rows`: a row of a wider division than the
    scope's node (a key industry of the whole city) is seen from the node under it; `unless`: only
    when this relation of the row is empty (an industry assignment naming no county-level unit is
    city-wide)."""

    lookup: str
    level: str = COUNTY
    wider_rows: bool = False
    unless: str | None = None


@dataclasses.dataclass(frozen=True)
class Reach:
    """How rows of one model are reached: see the module's docstring."""

    places: tuple = ()
    specialists: tuple = ()
    public: bool = False
    requester: str | None = None


ASSIGNED = "village_assignments__village__town__county"
RULES = {
    "villages.Province": Reach(places=(Path("", PROVINCE, wider_rows=True),), public=True),
    "villages.City": Reach(places=(Path("", CITY, wider_rows=True),), public=True),
    "villages.County": Reach(places=(Path(""),), public=True),
    "villages.Town": Reach(places=(Path("county"),), public=True),
    "villages.Village": Reach(places=(Path("town__county"),), public=True),
    "villages.Industry": Reach(places=(Path("city", CITY, wider_rows=True),), public=True),
    # A unit manages the specialists it has assigned (on any date) to its villages.
    "specialists.Specialist": Reach(places=(Path(ASSIGNED),), specialists=("",)),
    "specialists.Organisation": Reach(
        places=(Path(f"specialists__{ASSIGNED}"), Path(f"led_teams__memberships__specialist__{ASSIGNED}")),
        specialists=("specialists", "led_teams__memberships__specialist"),
    ),
    "specialists.Team": Reach(places=(Path(f"memberships__specialist__{ASSIGNED}"),), specialists=("memberships__specialist",)),
    "specialists.VillageAssignment": Reach(places=(Path("village__town__county"),), specialists=("specialist",)),
    # City-wide (no units named) for its industry's city, or limited to the units named.
    "specialists.IndustryAssignment": Reach(
        places=(Path("counties"), Path("industry__city", CITY, wider_rows=True, unless="counties")),
        specialists=("team__memberships__specialist",),
    ),
    "specialists.Enterprise": Reach(places=(Path("village__town__county"), Path(f"specialist__{ASSIGNED}")), specialists=("specialist",)),
    "specialists.Achievement": Reach(places=(Path("village__town__county"), Path(f"specialist__{ASSIGNED}")), specialists=("specialist",)),
    "specialists.ServiceLog": Reach(places=(Path("village__town__county"),), specialists=("specialist",)),
    "specialists.IncomeIncrease": Reach(places=(Path(f"specialist__{ASSIGNED}"),), specialists=("specialist",)),
    "specialists.Honour": Reach(places=(Path(f"specialist__{ASSIGNED}"),), specialists=("specialist",)),
    # A problem of a key industry lies where the industry is key: in its units, or its whole city.
    "specialists.IndustryProblem": Reach(
        places=(Path("industry__key_counties"), Path("industry__city", CITY, wider_rows=True, unless="industry__key_counties")),
        specialists=("team__memberships__specialist",),
    ),
    # A map is of the place it was asked for; a role sees its own maps of places inside its node.
    "specialists.MapJob": Reach(
        # (A job of a town names its county-level unit, city and province too: its finest one decides.)
        places=(Path("county"), Path("city", CITY), Path("province", PROVINCE)),
        requester="requested_by",
    ),
    # An import is of the importing user's place; the coordinators of that place and above see it.
    "specialists.ImportJob": Reach(places=(Path("county"), Path("city", CITY), Path("province", PROVINCE))),
}


@functools.cache
def _is_multi_valued(model, lookup):
    """Whether the lookup crosses a to-many relation (so that filtering on it can repeat a row)."""
    for part in lookup.split("__") if lookup else ():
        field = model._meta.get_field(part)
        if field.many_to_many or field.one_to_many:
            return True
        model = field.related_model
    return False


def _restrict(rows, condition, lookups):
    """rows.filter(condition), through a subquery of ids where a lookup repeats rows."""
    if any(_is_multi_valued(rows.model, lookup) for lookup in lookups if lookup):
        return Q(pk__in=rows.model._default_manager.filter(condition).values("pk"))
    return condition


def in_place(rows, place: Place):
    """The rows of `rows` that lie in `place` by the model's RULES (whoever asks): for reports of a place."""
    reach = RULES[rows.model._meta.label]
    if place.is_everywhere:
        return rows
    condition = Q(pk__in=[])
    for path in reach.places:
        where = within(path.lookup, path.level, place, wider_rows=path.wider_rows)
        if path.unless and is_wider(path.level, place.level):
            where &= Q(**{f"{path.unless}__isnull": True})
        condition |= _restrict(rows, where, [path.lookup, path.unless])
    return rows.filter(condition)


def scoped(user, rows):
    """The rows of `rows` the user may see: the one scope function (see RULES)."""
    scope = scope_for(user)
    reach = RULES[rows.model._meta.label]
    if not scope.has_access:
        return rows.none()
    if reach.requester:
        rows = rows.filter(**{reach.requester: user})
    if scope.is_specialist:
        if reach.public or reach.requester:
            return rows
        condition = Q(pk__in=[])
        for lookup in reach.specialists:
            condition |= _restrict(rows, Q(**{lookup or "pk": scope.specialist.pk}), [lookup])
        return rows.filter(condition)
    return in_place(rows, scope.place)


def may_see(user, row) -> bool:
    """Whether `row` is inside the user's scope (one query)."""
    return scoped(user, type(row)._default_manager.filter(pk=row.pk)).exists()
