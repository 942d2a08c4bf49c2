"""What imports a user may see: those of their place and the places in it (coordinators only)."""

from specialists.access.scope import scope_for, scoped
from specialists.imports.models import ImportJob


def imports_for(user):
    if not scope_for(user).can_write:
        return ImportJob.objects.none()
    rows = ImportJob.objects.select_related("province", "city", "county", "requested_by", "confirmed_by").defer(
        "province__boundary", "city__boundary", "county__boundary")
    return scoped(user, rows)


def import_progress(job) -> int:
    """How far a job has got (0-100): while it runs, as its task last reported it."""
    from django.core.cache import cache

    from specialists.imports.services import progress_key

    if job.status in (ImportJob.Status.PREVIEWING, ImportJob.Status.COMMITTING):
        return cache.get(progress_key(job.pk), job.progress)
    return job.progress
