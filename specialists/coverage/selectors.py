"""Selectors of coverage's stored rows in the user's scope."""

from specialists.access.scope import scoped
from specialists.coverage.models import MapJob


def map_jobs_for(user):
    """Map jobs the user asked for themselves, of places inside their scope, with their divisions.

    Only one's own: a job is a personal request, and its file is a map of the scope the user had
    when asking. A role limited to a division sees only its own jobs of places in it, so a user
    moved from the whole city to one unit no longer reaches the city maps they made before.
    """
    rows = MapJob.objects.select_related("province", "city", "county", "town").defer(
        "province__boundary", "city__boundary", "county__boundary", "town__boundary"
    )
    return scoped(user, rows)
