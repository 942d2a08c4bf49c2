"""Selectors of people and teams in the user's scope (specialists.access.scope), with what their
callers show loaded, so that a list costs a fixed number of queries whatever its length."""

from django.db.models import BooleanField as BooleanOutput
from django.db.models import Prefetch, Value

from specialists.access.scope import Role, may_see, scope_for, scoped
from specialists.people.models import Organisation, Specialist, Team, TeamMembership


def specialists_for(user):
    """Specialists the user may see, each annotated `personal_data_visible` (see shows_personal_data).

    A role limited to a division sees the specialists assigned, on any date, to its villages; a
    specialist sees only themselves.
    """
    scope = scope_for(user)
    rows = scoped(user, Specialist.objects.select_related("organisation"))
    # Every row a coordinator sees is one it manages, so the flag is one constant per query.
    return rows.annotate(personal_data_visible=Value(scope.role == Role.COORDINATOR, output_field=BooleanOutput()))


def shows_personal_data(user, specialist) -> bool:
    """Whether the user sees the specialist's mobile and ID number whole rather than masked.

    Only coordinators who manage the specialist do: one of the whole deployment manages all, one
    limited to a division those assigned (any date) to its villages. Uses the annotation
    specialists_for() puts on its rows where present, else asks the database once.
    """
    scope = scope_for(user)
    if scope.role != Role.COORDINATOR:
        return False
    if scope.is_unlimited:
        return True
    annotated = getattr(specialist, "personal_data_visible", None)
    if annotated is not None:
        return annotated
    return may_see(user, specialist)


def teams_for(user):
    """Teams with their leader, lead organisation and members: for a role limited to a division,
    the teams with a member assigned there; for a specialist, their own teams."""
    rows = Team.objects.select_related("leader", "lead_organisation").prefetch_related(
        Prefetch("memberships", queryset=TeamMembership.objects.select_related("specialist").order_by("role", "specialist__name", "specialist_id"))
    )
    return scoped(user, rows)


def organisations_for(user):
    """Dispatching organisations of the specialists and teams the user sees."""
    return scoped(user, Organisation.objects.all())
