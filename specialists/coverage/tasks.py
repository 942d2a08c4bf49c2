"""Celery tasks: thin, take ids, call one service."""

from celery import shared_task

from specialists.coverage import map_jobs


@shared_task(name="specialists.render_map_job", acks_late=True, reject_on_worker_lost=True, time_limit=600, soft_time_limit=540)
def render_map_job(job_id):
    """Render a map job. Safe to run twice (redelivery after a worker died completes the job once)."""
    map_jobs.map_job_run(job_id=job_id)
    return job_id
