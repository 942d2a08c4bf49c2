"""The app's Celery tasks, for Celery's autodiscovery: each is defined beside the concept it serves."""

from specialists.coverage.tasks import render_map_job  # noqa: F401
from specialists.imports.tasks import commit_import, preview_import  # noqa: F401
