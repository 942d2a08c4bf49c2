"""Test settings: the environment-driven settings, made fast and isolated.

The services pass sets DATABASE_URL and CELERY_BROKER_URL before this is imported; the embedded
pass sets neither, so the suite then runs on SQLite with eager tasks.
"""

import os
import tempfile
from pathlib import Path

from config.settings import *  # noqa: F401,F403
from config.settings import DATABASES

# Hashing the demo passwords with PBKDF2 would dominate the suite's time.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The Celery worker that tests/conftest.py starts gets the test run's folder through
# TEPAI_TEST_DIR, so that a file a task writes is where the test looks for it.
_TMP = Path(os.environ.get("TEPAI_TEST_DIR") or tempfile.mkdtemp(prefix="tepai-test-"))
TEST_DIR = _TMP
MEDIA_ROOT = _TMP / "media"
STATIC_ROOT = _TMP / "static"

# A queue of its own, so that a development worker on the same broker never takes a test's task
# (it would run it against the development database) and the test worker never takes theirs.
CELERY_TASK_DEFAULT_QUEUE = "tepai-test"

# Sign-in failure counters in this process's memory, emptied before every test (tests/conftest.py),
# so that no test sees another's and a developer's CACHE_URL is never cleared. CACHE_URL stays
# readable for the test that runs the throttle against Redis.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tepai-test"}}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # An in-memory database per test run; WAL has no meaning there.
    DATABASES["default"] = {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}
