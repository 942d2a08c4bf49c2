"""The Celery app. Its configuration comes from Django settings (CELERY_* names)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("tepai")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="tepai.ping", time_limit=30)
def ping(value):
    """Echo a value back: a round trip through the broker and a worker, used by health checks and tests."""
    return {"pong": value}
