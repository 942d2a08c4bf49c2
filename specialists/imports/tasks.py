"""Celery tasks: thin, take ids, call one service."""

from celery import shared_task

from specialists.imports import services


@shared_task(name="specialists.preview_import", acks_late=True, reject_on_worker_lost=True)
def preview_import(job_id):
    """Read an uploaded file into its preview. Safe to run twice."""
    services.import_preview_run(job_id=job_id)
    return job_id


@shared_task(name="specialists.commit_import", acks_late=True, reject_on_worker_lost=True)
def commit_import(job_id):
    """Write a confirmed import, all or nothing. Safe to run twice: a job already done is left alone."""
    services.import_commit_run(job_id=job_id)
    return job_id
