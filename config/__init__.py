"""Tepai project configuration: settings, URLs, the Celery app and WSGI entry point."""

# Importing the Celery app here makes shared_task use it in every process that loads Django.
from config.celery import app as celery_app

__all__ = ["celery_app"]
