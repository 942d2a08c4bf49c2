"""Selectors of assignments in the user's scope, and of whom a coordinator may assign."""

from django.db.models import Prefetch

from specialists.access.scope import Role, scope_for, scoped
from specialists.assignments.models import IndustryAssignment, VillageAssignment
from specialists.people.models import Specialist
from villages.models import County


def village_assignments_for(user):
    """Village assignments with their specialist, village, town and county-level unit."""
    rows = VillageAssignment.objects.select_related("specialist", "village__town__county").defer(
        "village__boundary", "village__town__boundary", "village__town__county__boundary"
    )
    return scoped(user, rows)


def industry_assignments_for(user):
    """Industry assignments with their team, industry and units: a role limited to a division sees
    those city-wide in its city or naming a unit in it; a specialist, their teams'."""
    rows = IndustryAssignment.objects.select_related("team", "industry").prefetch_related(
        Prefetch("counties", queryset=County.objects.defer("boundary"))
    )
    return scoped(user, rows)


def assignable_specialists_for(user):
    """Specialists a coordinator may name in a new assignment.

    One of the whole deployment any. One limited to a division only those it already manages
    (assigned, any date, in it): a specialist's first assignment to a division, a newly registered
    one's included, is a move of a coordinator above it. Otherwise one assignment, even a past one,
    would make a county coordinator manage (and see unmasked) a specialist it was never given.
    Leaders and specialists none.
    """
    if scope_for(user).role != Role.COORDINATOR:
        return Specialist.objects.none()
    return scoped(user, Specialist.objects.all())
