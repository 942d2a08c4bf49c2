"""The Celery app. Its configuration comes from Django settings (CELERY_* names)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("tepai")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# Each task states its soft limit too: with only time_limit=30, the global soft limit (540 s by
# default) would exceed it and Celery would refuse to send the task at all.
@app.task(name="tepai.ping", time_limit=30, soft_time_limit=25)
def ping(value):
    """Echo a value back: a round trip through the broker and a worker, used by health checks and tests."""
    return {"pong": value}


@app.task(name="tepai.database_ping", time_limit=30, soft_time_limit=25)
def database_ping():
    """Name the database this worker is connected to and count its users.

    Proves a worker reads the same database as the process that queued the task: a worker left
    on another database (a stale DATABASE_URL) answers with a different name or count.
    """
    from django.contrib.auth import get_user_model
    from django.db import connection

    return {"database": connection.settings_dict["NAME"], "users": get_user_model().objects.count()}
