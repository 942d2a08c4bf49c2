"""Map jobs: maps rendered in the background, asked for by anyone with a role for a place they may see."""

import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from specialists.coverage.maps import check_map_request
from specialists.coverage.models import MapJob
from villages.places import Place

logger = logging.getLogger(__name__)


def map_job_place(job) -> Place:
    """The place a job maps: its finest division named, or everywhere."""
    return Place(job.town or job.county or job.city or job.province)


def map_job_create(*, requested_by, kind, fmt, place: Place, as_of=None) -> MapJob:
    """Record a map job and queue its rendering once the row is committed.

    Any signed-in user may ask for a map of what they may see: the caller resolves the place within
    the user's scope (specialists.access.places). What a map may be is check_map_request's rule (an
    industry map is of one city: the place is narrowed to it); a refusal is a ValidationError
    naming the field. Queues `render_map_job` on commit.
    """
    from specialists.coverage.tasks import render_map_job

    place = check_map_request(kind=kind, fmt=fmt, place=place)
    job = MapJob(
        requested_by=requested_by, kind=kind, format=fmt, as_of=as_of or timezone.localdate(),
        province=place.province, city=place.city, county=place.county, town=place.town,
    )
    job.full_clean()
    with transaction.atomic():
        job.save()
        transaction.on_commit(lambda: render_map_job.delay(job.pk))
    return job


def _set_progress(job_id, progress):
    MapJob.objects.filter(pk=job_id, status=MapJob.Status.RUNNING).update(progress=progress)


def map_job_run(*, job_id) -> MapJob:
    """Render a job's map and store its file. Safe to run twice: a done job is left as it is.

    Called by the Celery task, possibly again after a worker died mid-render; each attempt is
    counted, and only the first to finish stores the file and marks the job done.
    """
    from specialists.coverage.maps import coverage_map, industry_map

    with transaction.atomic():
        job = MapJob.objects.select_for_update(of=("self",)).select_related(
            "province", "city__province", "county__city__province", "town__county__city__province",
        ).get(pk=job_id)
        if job.status == MapJob.Status.DONE:
            return job
        job.status = MapJob.Status.RUNNING
        job.attempts += 1
        job.progress = 10
        job.error = ""
        job.started_at = timezone.now()
        job.save(update_fields=["status", "attempts", "progress", "error", "started_at"])

    try:
        if job.kind == MapJob.Kind.INDUSTRIES:
            mapfile = industry_map(as_of=job.as_of, place=map_job_place(job), fmt=job.format)
        else:
            mapfile = coverage_map(as_of=job.as_of, place=map_job_place(job), fmt=job.format)
        _set_progress(job.pk, 90)
    except Exception as error:
        logger.exception("map job %s failed", job.pk)
        MapJob.objects.filter(pk=job.pk).exclude(status=MapJob.Status.DONE).update(
            status=MapJob.Status.FAILED, error=str(error)[:2000], finished_at=timezone.now(),
        )
        raise

    with transaction.atomic():
        job = MapJob.objects.select_for_update().get(pk=job_id)
        if job.status == MapJob.Status.DONE:
            return job  # another attempt finished first: keep its file
        # The job's folder holds its one file: whatever an earlier attempt (or an earlier row with
        # this id, in a database that was reset) left there goes first.
        storage, folder = job.result.storage, f"maps/job-{job.pk}"
        if storage.exists(folder):
            for leftover in storage.listdir(folder)[1]:
                storage.delete(f"{folder}/{leftover}")
        job.result.save(f"job-{job.pk}/{mapfile.filename}", ContentFile(mapfile.content), save=False)
        job.status = MapJob.Status.DONE
        job.progress = 100
        job.finished_at = timezone.now()
        job.save(update_fields=["result", "status", "progress", "finished_at"])
    return job
