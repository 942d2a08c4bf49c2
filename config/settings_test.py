"""Test settings: the environment-driven settings, made fast and isolated.

The services pass sets DATABASE_URL and CELERY_BROKER_URL before this is imported; the embedded
pass sets neither, so the suite then runs on SQLite with eager tasks.
"""

import tempfile
from pathlib import Path

from config.settings import *  # noqa: F401,F403
from config.settings import DATABASES

# Hashing the demo passwords with PBKDF2 would dominate the suite's time.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

_TMP = Path(tempfile.mkdtemp(prefix="tepai-test-"))
MEDIA_ROOT = _TMP / "media"
STATIC_ROOT = _TMP / "static"

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # An in-memory database per test run; WAL has no meaning there.
    DATABASES["default"] = {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}
