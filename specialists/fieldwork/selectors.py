"""Selectors of fieldwork and its results in the user's scope, and who reviews an achievement."""

from django.db.models import Prefetch, Q

from specialists.access.scope import Role, scope_for, scoped
from specialists.assignments.models import VillageAssignment
from specialists.fieldwork.models import Achievement, AchievementEvidence, Enterprise, ServiceLog, ServiceLogPhoto
from villages.places import COUNTY, Place, within


def enterprises_for(user):
    """Economic entities: a role limited to a division sees those in its villages or of its specialists."""
    return scoped(user, Enterprise.objects.select_related("specialist", "village", "industry").defer("village__boundary"))


def service_logs_for(user):
    """Service logs with their specialist, village and photos: a role limited to a division sees those
    in its villages, a specialist their own."""
    rows = ServiceLog.objects.select_related("specialist", "village").defer("village__boundary").prefetch_related(
        Prefetch("photos", queryset=ServiceLogPhoto.objects.order_by("created_at", "id"))
    )
    return scoped(user, rows)


def achievements_for(user):
    """Achievements with their specialist, village, industry, reviewer and evidence: a role limited to a
    division sees those of specialists assigned (any date) there and those in its villages."""
    rows = Achievement.objects.select_related("specialist", "village", "industry", "reviewed_by").defer(
        "village__boundary"
    ).prefetch_related(Prefetch("evidence", queryset=AchievementEvidence.objects.order_by("created_at", "id")))
    return scoped(user, rows)


def achievements_belonging_to(place: Place) -> Q:
    """Achievements a place's coordinators review: those in its villages, and those with no village by
    specialists assigned (any date) in it. An achievement in another place's village is that place's."""
    assigned = VillageAssignment.objects.filter(within("village__town__county", COUNTY, place)).values("specialist_id")
    return within("village__town__county", COUNTY, place) | Q(village__isnull=True, specialist__in=assigned)


def may_review_achievement(user, achievement) -> bool:
    """Whether the user may verify or reject the achievement: a coordinator of the whole deployment
    any, one limited to a division those belonging to it (achievements_belonging_to); leaders and
    specialists never."""
    scope = scope_for(user)
    if scope.role != Role.COORDINATOR:
        return False
    if scope.is_unlimited:
        return True
    return Achievement.objects.filter(achievements_belonging_to(scope.place), pk=achievement.pk).exists()
