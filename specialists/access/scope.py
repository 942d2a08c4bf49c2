"""Who may see what: a user's scope, and selectors that return only the rows inside it.

Every queryset the API (and the pages) show comes from a `*_for(user)` selector here, so that
scope holds in lists, filters, search and counts alike, not only for detail objects: a row outside
the scope simply is not there, and its detail answers 404. Each selector also loads the related
rows its callers show, so a list costs a fixed number of queries whatever its length.

Roles (see UserRole): a coordinator or leader with no county-level unit is city-wide, with one is
limited to it; a specialist user sees their own record and what hangs off it. Divisions (counties,
towns, villages) and key industries are not personal: specialists see them all, county roles see
their own unit's. A user without a UserRole (and not a superuser) sees nothing.
"""

import dataclasses

from django.db.models import BooleanField as BooleanOutput
from django.db.models import Exists, OuterRef, Prefetch, Q, Value

from specialists.access.models import UserRole
from specialists.assignments.models import IndustryAssignment, VillageAssignment
from specialists.coverage.models import MapJob
from specialists.fieldwork.models import Achievement, AchievementEvidence, Enterprise, ServiceLog, ServiceLogPhoto
from specialists.people.models import Organisation, Specialist, Team, TeamMembership
from villages.models import County, Industry, Town, Village

Role = UserRole.Role


@dataclasses.dataclass(frozen=True)
class Scope:
    """What a user is and where. `role` is None for a user with no access at all."""

    role: str | None
    county: County | None = None
    specialist: Specialist | None = None

    @property
    def has_access(self):
        return self.role is not None

    @property
    def is_city_wide(self):
        return self.role in (Role.COORDINATOR, Role.LEADER) and self.county is None

    @property
    def is_county(self):
        return self.role in (Role.COORDINATOR, Role.LEADER) and self.county is not None

    @property
    def is_specialist(self):
        return self.role == Role.SPECIALIST

    @property
    def can_write(self):
        """Coordinators write (within their scope); leaders and specialists do not, here."""
        return self.role == Role.COORDINATOR


NO_ACCESS = Scope(role=None)


def scope_for(user) -> Scope:
    """The user's scope, read once per user object (one query) and kept on it for the request.

    A superuser is a city coordinator; an anonymous user, or one without a UserRole, has no access.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return NO_ACCESS
    cached = getattr(user, "_tepai_scope", None)
    if cached is not None:
        return cached
    if user.is_superuser:
        scope = Scope(role=Role.COORDINATOR)
    else:
        row = UserRole.objects.select_related("county", "specialist").filter(user=user).first()
        scope = NO_ACCESS if row is None else Scope(role=row.role, county=row.county, specialist=row.specialist)
    user._tepai_scope = scope
    return scope


def _county_specialists(county):
    """Specialists holding an assignment (of any date) to a village of the county-level unit."""
    return VillageAssignment.objects.filter(village__town__county=county).values("specialist_id")


def _assigned_in(county):
    return Exists(VillageAssignment.objects.filter(specialist=OuterRef("pk"), village__town__county=county))


def counties_for(user):
    scope = scope_for(user)
    rows = County.objects.defer("boundary")
    if not scope.has_access:
        return rows.none()
    if scope.is_county:
        return rows.filter(pk=scope.county.pk)
    return rows


def towns_for(user):
    scope = scope_for(user)
    rows = Town.objects.defer("boundary").select_related("county").defer("county__boundary")
    if not scope.has_access:
        return rows.none()
    if scope.is_county:
        return rows.filter(county=scope.county)
    return rows


def villages_for(user):
    scope = scope_for(user)
    rows = Village.objects.defer("boundary").select_related("town__county").defer("town__boundary", "town__county__boundary")
    if not scope.has_access:
        return rows.none()
    if scope.is_county:
        return rows.filter(town__county=scope.county)
    return rows


def industries_for(user):
    """All key industries: every role sees them (they say nothing about any person)."""
    scope = scope_for(user)
    rows = Industry.objects.prefetch_related(Prefetch("key_counties", queryset=County.objects.defer("boundary")))
    return rows if scope.has_access else rows.none()


def specialists_for(user):
    """Specialists the user may see, each annotated `personal_data_visible` (see shows_personal_data).

    County roles see the specialists holding an assignment, of any date, to a village of their
    unit; a specialist sees only themselves.
    """
    scope = scope_for(user)
    rows = Specialist.objects.select_related("organisation")
    if not scope.has_access:
        return rows.none()
    if scope.is_county:
        rows = rows.filter(_assigned_in(scope.county))
    elif scope.is_specialist:
        rows = rows.filter(pk=scope.specialist.pk)
    # Every row left is managed by a coordinator's scope, so the flag is one constant per query.
    return rows.annotate(personal_data_visible=Value(scope.role == Role.COORDINATOR, output_field=BooleanOutput()))


def assignable_specialists_for(user):
    """Specialists a coordinator may name in a new assignment.

    A city coordinator any. A county coordinator only those it already manages (assigned, any date,
    in its unit): a specialist's first assignment to a unit, a newly registered one's included, is a
    city coordinator's move. Otherwise one assignment, even a past one, would make a county
    coordinator manage (and see unmasked) a specialist it was never given. Leaders and specialists none.
    """
    scope = scope_for(user)
    rows = Specialist.objects.all()
    if scope.role != Role.COORDINATOR:
        return rows.none()
    if scope.is_county:
        rows = rows.filter(_assigned_in(scope.county))
    return rows


def shows_personal_data(user, specialist) -> bool:
    """Whether the user sees the specialist's mobile and ID number whole rather than masked.

    Only coordinators who manage the specialist do: a city coordinator manages all, a county
    coordinator those assigned (any date) in their unit. Uses the annotation specialists_for()
    puts on its rows where present, else asks the database once.
    """
    scope = scope_for(user)
    if scope.role != Role.COORDINATOR:
        return False
    if scope.is_city_wide:
        return True
    annotated = getattr(specialist, "personal_data_visible", None)
    if annotated is not None:
        return annotated
    return VillageAssignment.objects.filter(specialist=specialist, village__town__county=scope.county).exists()


def teams_for(user):
    """Teams with their leader, lead organisation and members (with each member's organisation).

    County roles see the teams with a member assigned in their unit; a specialist, their own teams.
    """
    scope = scope_for(user)
    rows = Team.objects.select_related("leader", "lead_organisation").prefetch_related(
        Prefetch("memberships", queryset=TeamMembership.objects.select_related("specialist").order_by("role", "specialist__name", "specialist_id"))
    )
    if not scope.has_access:
        return rows.none()
    if scope.is_county:
        members = TeamMembership.objects.filter(team=OuterRef("pk"), specialist__in=_county_specialists(scope.county))
        return rows.filter(Exists(members))
    if scope.is_specialist:
        return rows.filter(Exists(TeamMembership.objects.filter(team=OuterRef("pk"), specialist=scope.specialist)))
    return rows


def village_assignments_for(user):
    """Village assignments: county roles those to villages of their unit, a specialist their own."""
    scope = scope_for(user)
    rows = VillageAssignment.objects.select_related("specialist", "village__town__county").defer(
        "village__boundary", "village__town__boundary", "village__town__county__boundary"
    )
    if not scope.has_access:
        return rows.none()
    if scope.is_county:
        return rows.filter(village__town__county=scope.county)
    if scope.is_specialist:
        return rows.filter(specialist=scope.specialist)
    return rows


def industry_assignments_for(user):
    """Industry assignments: county roles those city-wide or naming their unit; a specialist, their teams'."""
    scope = scope_for(user)
    rows = IndustryAssignment.objects.select_related("team", "industry").prefetch_related(
        Prefetch("counties", queryset=County.objects.defer("boundary"))
    )
    if not scope.has_access:
        return rows.none()
    if scope.is_county:
        named = IndustryAssignment.counties.through.objects.filter(industryassignment=OuterRef("pk"))
        return rows.filter(~Exists(named) | Exists(named.filter(county=scope.county)))
    if scope.is_specialist:
        return rows.filter(Exists(TeamMembership.objects.filter(team=OuterRef("team"), specialist=scope.specialist)))
    return rows


def enterprises_for(user):
    """Economic entities: county roles those in their unit's villages or of their unit's specialists."""
    scope = scope_for(user)
    rows = Enterprise.objects.select_related("specialist", "village", "industry").defer("village__boundary")
    if not scope.has_access:
        return rows.none()
    if scope.is_county:
        return rows.filter(Q(village__town__county=scope.county) | Q(specialist__in=_county_specialists(scope.county)))
    if scope.is_specialist:
        return rows.filter(specialist=scope.specialist)
    return rows


def organisations_for(user):
    """Dispatching organisations of the specialists and teams the user sees."""
    scope = scope_for(user)
    rows = Organisation.objects.all()
    if not scope.has_access:
        return rows.none()
    if scope.is_city_wide:
        return rows
    specialists = specialists_for(user).values("organisation_id")
    teams = teams_for(user).prefetch_related(None).values("lead_organisation_id")
    return rows.filter(Q(pk__in=specialists) | Q(pk__in=teams))


def service_logs_for(user):
    """Service logs with their specialist, village and photos: city roles all, county roles those in
    their unit's villages, a specialist their own."""
    scope = scope_for(user)
    rows = ServiceLog.objects.select_related("specialist", "village").defer("village__boundary").prefetch_related(
        Prefetch("photos", queryset=ServiceLogPhoto.objects.order_by("created_at", "id"))
    )
    if not scope.has_access:
        return rows.none()
    if scope.is_county:
        return rows.filter(village__town__county=scope.county)
    if scope.is_specialist:
        return rows.filter(specialist=scope.specialist)
    return rows


def map_jobs_for(user):
    """Map jobs the user asked for themselves, with their county-level unit and town.

    Only one's own: a job is a personal request, and its file is a map of the scope the user had
    when asking. A county role sees only its own jobs of its current unit, so a user moved from
    city-wide to one unit no longer reaches the city maps they made before.
    """
    scope = scope_for(user)
    rows = MapJob.objects.select_related("county", "town").defer("county__boundary", "town__boundary")
    if not scope.has_access:
        return rows.none()
    rows = rows.filter(requested_by=user)
    if scope.is_county:
        return rows.filter(county=scope.county)
    return rows


def achievements_belonging_to(**county) -> Q:
    """Achievements of one county-level unit, given as `county=<County>` or `county__code="340321"`:
    those in its villages, and those with no village by specialists assigned (any date) in it. Its
    coordinators review them; an achievement in another unit's village is that unit's to review."""
    ((lookup, value),) = county.items()
    in_unit = {f"village__town__{lookup}": value}
    assigned = VillageAssignment.objects.filter(**in_unit).values("specialist_id")
    return Q(**in_unit) | Q(village__isnull=True, specialist__in=assigned)


def achievements_for(user):
    """Achievements with their specialist, village, industry, reviewer and evidence: city roles all,
    county roles those of specialists assigned (any date) in their unit and those in its villages,
    a specialist their own."""
    scope = scope_for(user)
    rows = Achievement.objects.select_related("specialist", "village", "industry", "reviewed_by").defer(
        "village__boundary"
    ).prefetch_related(Prefetch("evidence", queryset=AchievementEvidence.objects.order_by("created_at", "id")))
    if not scope.has_access:
        return rows.none()
    if scope.is_county:
        return rows.filter(Q(specialist__in=_county_specialists(scope.county)) | Q(village__town__county=scope.county))
    if scope.is_specialist:
        return rows.filter(specialist=scope.specialist)
    return rows


def may_review_achievement(user, achievement) -> bool:
    """Whether the user may verify or reject the achievement: a city coordinator any, a county
    coordinator those belonging to their unit (achievements_belonging_to); leaders and specialists never."""
    scope = scope_for(user)
    if scope.role != Role.COORDINATOR:
        return False
    if scope.is_city_wide:
        return True
    return Achievement.objects.filter(achievements_belonging_to(county=scope.county), pk=achievement.pk).exists()
