"""An import from upload to outcome: preview, then confirm, then everything is written or nothing.

1. `import_upload` checks that the user may import this kind at their place, checks the file
   (villages.imports.files: size, type, archive), stores it with its SHA-256 and queues the preview.
2. `import_preview_run` (a Celery task, or at once when tasks run eagerly) reads the file into a
   plan; the job is READY, or REFUSED with every refused row.
3. `import_confirm` queues the commit of a READY job; `import_commit_run` plans again inside one
   transaction and writes everything, or nothing when the file or the database has changed so that
   a row is now refused (the job is then REFUSED with those rows).

Tasks may run twice (a worker killed mid-run has its message redelivered): a job past the step a
task is for is left as it is, and the commit runs under a row lock on the job, so that it is
written once.
"""

import hashlib
import logging

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from specialists.access.scope import scope_for
from specialists.imports import registry
from specialists.imports.models import ImportJob
from villages.errors import Conflict, NotAllowed, NotFound
from villages.imports.files import open_upload
from villages.imports.plans import CREATE, UPDATE, ImportRefused
from villages.places import CITY, COUNTY, PROVINCE, Place

logger = logging.getLogger(__name__)
Status = ImportJob.Status


def kind_or_404(name):
    kind = registry.get(name)
    if kind is None:
        raise NotFound(_("There is no import of kind %(kind)s.") % {"kind": name})
    return kind


def importing_place(user) -> Place:
    """The place a user imports at: their coordinator role's division, or everywhere."""
    scope = scope_for(user)
    if not scope.can_write:
        raise NotAllowed(_("Only coordinators import files."))
    return scope.place


def check_may_import(kind, place):
    if not kind.allowed(place):
        raise NotAllowed(_("A coordinator of %(place)s may not import %(kind)s.") % {
            "place": place.name or _("the whole deployment"), "kind": kind.label})


def job_place(job) -> Place:
    return Place(job.county or job.city or job.province)


def _clean_options(kind, options):
    options = dict(options or {})
    unknown = sorted(set(options) - set(kind.options))
    if unknown:
        from django.core.exceptions import ValidationError

        raise ValidationError({"options": _("Unknown options for this import: %(names)s.") % {"names": ", ".join(unknown)}})
    return options


def import_upload(*, user, kind_name, file_name, data: bytes, options=None, place=None, queue=True) -> ImportJob:
    """Check and store an upload and queue its preview. `place` is for commands run without a user,
    which run the steps themselves (`queue=False`)."""
    kind = kind_or_404(kind_name)
    place = importing_place(user) if user is not None else (place or Place())
    check_may_import(kind, place)
    options = _clean_options(kind, options)
    open_upload(file_name, data, formats=kind.formats)  # refused here, before anything is stored
    job = ImportJob(
        kind=kind.name, file_name=file_name[:255], sha256=hashlib.sha256(data).hexdigest(), size=len(data), options=options,
        province=place.ancestor(PROVINCE), city=place.ancestor(CITY), county=place.ancestor(COUNTY), requested_by=user,
    )
    job.file.save(file_name.rsplit("/", 1)[-1][:100] or "upload", ContentFile(data), save=False)
    with transaction.atomic():
        job.save()
        if queue:
            transaction.on_commit(lambda: _queue("preview", job.pk))
    return job


def import_set_options(*, job, options) -> ImportJob:
    """New options for a previewed job (a code column chosen, a village suggestion confirmed): it is
    previewed again."""
    kind = kind_or_404(job.kind)
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.status not in (Status.READY, Status.REFUSED):
            raise Conflict(_("This import is %(status)s; its options can no longer change.") % {"status": job.get_status_display()})
        job.options = {**job.options, **_clean_options(kind, options)}
        job.status, job.progress = Status.PREVIEWING, 0
        job.save(update_fields=["options", "status", "progress"])
        transaction.on_commit(lambda: _queue("preview", job.pk))
    return job


def import_confirm(*, user, job, queue=True) -> ImportJob:
    """Queue the commit of a job whose preview refused nothing."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.status != Status.READY:
            raise Conflict(_("Only an import ready to confirm can be confirmed; this one is %(status)s.") % {
                "status": job.get_status_display()})
        job.status, job.progress = Status.COMMITTING, 0
        job.confirmed_by, job.confirmed_at = user, timezone.now()
        job.save(update_fields=["status", "progress", "confirmed_by", "confirmed_at"])
        if queue:
            transaction.on_commit(lambda: _queue("commit", job.pk))
    return job


def _queue(step, job_id):
    from specialists.imports import tasks

    (tasks.preview_import if step == "preview" else tasks.commit_import).delay(job_id)


def _upload(job, kind):
    with job.file.open("rb") as stored:
        data = stored.read()
    return open_upload(job.file_name, data, formats=kind.formats)


def progress_key(job_id):
    return f"tepai:import:{job_id}:progress"


def _progress(job_id):
    """progress(done, total) for a kind: kept in the cache, since the commit's own transaction would
    hide an update of the job's row from everyone until it ends."""
    last = [-1]

    def report(done, total):
        percent = min(99, int(done * 100 / total)) if total else 0
        if percent != last[0]:
            last[0] = percent
            cache.set(progress_key(job_id), percent, timeout=24 * 3600)

    return report


def _finish(job_id, status, **fields):
    ImportJob.objects.filter(pk=job_id).update(status=status, finished_at=timezone.now(), **fields)


def import_preview_run(*, job_id) -> ImportJob:
    job = ImportJob.objects.select_related("province", "city", "county").get(pk=job_id)
    if job.status != Status.PREVIEWING:
        return job
    kind = kind_or_404(job.kind)
    try:
        plan = kind.plan(_upload(job, kind), place=job_place(job), options=job.options)
        cache.delete(progress_key(job_id))
    except ImportRefused as refused:
        _set_preview(job_id, Status.REFUSED, {"kind": job.kind, "rows": 0, "summary": {}, "changes": [],
                                              "problems": [p.as_dict() for p in refused.problems], "notes": [], "choices": {}})
    except Exception as error:
        logger.exception("import %s: preview failed", job_id)
        _finish(job_id, Status.FAILED, error=str(error)[:2000])
        raise
    else:
        _set_preview(job_id, Status.READY if plan.ok else Status.REFUSED, plan.as_dict(), rows=plan.rows)
    return ImportJob.objects.get(pk=job_id)


def _set_preview(job_id, status, preview, rows=0):
    ImportJob.objects.filter(pk=job_id, status=Status.PREVIEWING).update(status=status, preview=preview, rows=rows, progress=100)


def _keep_coverage_spans(plan):
    """A division list writes villages and towns in bulk, past the signals that keep the coverage
    spans (specialists.coverage.spans): when it created or changed any, they are rebuilt, in the
    import's transaction. Rosters write assignments through their services, which keep them."""
    from specialists.coverage.spans import rebuild_coverage_spans

    if any(plan.count(action, model) for model in ("village", "town") for action in (CREATE, UPDATE)):
        rebuild_coverage_spans()


def import_commit_run(*, job_id) -> ImportJob:
    """Write a confirmed job's file, all of it in one transaction, or nothing."""
    kind = None
    try:
        with transaction.atomic():
            job = ImportJob.objects.select_for_update(of=("self",)).select_related("province", "city", "county").get(pk=job_id)
            if job.status != Status.COMMITTING:
                return job
            kind = kind_or_404(job.kind)
            plan = kind.commit(_upload(job, kind), place=job_place(job), options=job.options, progress=_progress(job_id))
            plan.raise_if_refused()
            _keep_coverage_spans(plan)
            job.status, job.progress, job.outcome, job.rows = Status.DONE, 100, plan.as_dict(), plan.rows
            job.finished_at = timezone.now()
            job.save(update_fields=["status", "progress", "outcome", "rows", "finished_at"])
    except ImportRefused as refused:
        # Nothing was written: the rows refused now (the database changed since the preview) are the outcome.
        _finish(job_id, Status.REFUSED, outcome={"problems": [p.as_dict() for p in refused.problems]})
    except Exception as error:
        logger.exception("import %s: commit failed; nothing was written", job_id)
        _finish(job_id, Status.FAILED, error=str(error)[:2000])
        raise
    return ImportJob.objects.get(pk=job_id)
