"""Suite-wide test plumbing: the `services` marker and a real Celery worker.

A test marked `@pytest.mark.services` talks to real PostgreSQL and Redis (and, through the
`live_celery_worker` fixture, to a real worker process). Where a service is missing it is skipped
with a reason naming that service, so that a developer without PostgreSQL or Redis still gets a
green embedded run; under CI=true or TEPAI_REQUIRE_SERVICES=1 it fails instead, so that CI cannot
pass by skipping them. TEPAI_REQUIRE_SERVICES=0 skips them even under CI (the embedded pass).

`@pytest.mark.services("postgresql")` or `("redis")` narrows what a test needs; the bare marker
needs both.

Every test that is not marked `services` runs its Celery tasks eagerly in both passes, so its
outcome does not depend on which pass runs it.

TEPAI_TEST_CLOCK=2026-12-31T16:05:00+00:00 (an ISO 8601 instant with its offset) moves this
process's clock there for the whole run, collection included, and lets it tick on (time-machine:
datetime, date.today(), time.time(); not time.monotonic(), so timeouts still measure real time).
The site's day (Asia/Shanghai) and UTC's differ from 16:00 to 24:00 UTC, so a test that takes one
day for the other passes by day and fails by night; this makes the night repeatable. Browser pages
get the same instant (tests/frontend/conftest.py). The Celery worker of the services pass is
another process on the real clock, so `live_celery_worker` refuses to run under it.
"""

import datetime
import os
import subprocess
import sys
import time
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
SERVICES = ("postgresql", "redis")
WORKER_START_TIMEOUT = 60
CLOCK_VARIABLE = "TEPAI_TEST_CLOCK"
_CLOCK = pytest.StashKey()


def _flag(name):
    """True, False, or None when unset; anything else is a mistake worth stopping for."""
    raw = os.environ.get(name, "").strip().lower()
    if raw == "":
        return None
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise pytest.UsageError(f"{name} must be 1/0/true/false, not {raw!r}")


def _clock_destination():
    """The aware instant TEPAI_TEST_CLOCK names, or None when it is unset; a bad value stops the run."""
    raw = os.environ.get(CLOCK_VARIABLE, "").strip()
    if not raw:
        return None
    try:
        instant = datetime.datetime.fromisoformat(raw)
    except ValueError:
        instant = None
    if instant is None or instant.tzinfo is None:
        raise pytest.UsageError(
            f"{CLOCK_VARIABLE} must be an ISO 8601 instant with its offset, e.g. 2026-12-31T16:05:00+00:00, not {raw!r}"
        )
    return instant


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        f"clock: reads today or now; .ci/run runs it again with {CLOCK_VARIABLE} at an hour when the site's day is not UTC's",
    )
    destination = _clock_destination()
    if destination is None:
        return
    try:
        import time_machine
    except ImportError:
        raise pytest.UsageError(f"{CLOCK_VARIABLE} needs time-machine: pip install -r requirements-test.txt") from None

    # A timestamp rather than the datetime: given a UTC datetime, time-machine would also set the
    # process's TZ to UTC, and Django has set it to TIME_ZONE. Only the clock moves.
    traveller = time_machine.travel(destination.timestamp(), tick=True)
    traveller.start()
    config.stash[_CLOCK] = (destination, traveller)


def pytest_unconfigure(config):
    _destination, traveller = config.stash.get(_CLOCK, (None, None))
    if traveller is not None:
        traveller.stop()


def pytest_report_header(config):
    destination, _traveller = config.stash.get(_CLOCK, (None, None))
    if destination is None:
        return None
    from django.conf import settings

    local = destination.astimezone(ZoneInfo(settings.TIME_ZONE))
    return f"{CLOCK_VARIABLE}: started at {destination.isoformat()} ({local:%Y-%m-%d %H:%M} in {settings.TIME_ZONE}), ticking"


@pytest.fixture(scope="session")
def clock_started_at(pytestconfig):
    """The instant TEPAI_TEST_CLOCK moved this process to at its start, or None on the real clock."""
    destination, _traveller = pytestconfig.stash.get(_CLOCK, (None, None))
    return destination


def services_required():
    explicit = _flag("TEPAI_REQUIRE_SERVICES")
    if explicit is not None:
        return explicit
    return bool(_flag("CI"))


@cache
def _missing(service):
    """Why `service` cannot be used in this run, or None when it answers."""
    from django.conf import settings

    if service == "postgresql":
        database = settings.DATABASES["default"]
        if database["ENGINE"] != "django.db.backends.postgresql":
            return "PostgreSQL: DATABASE_URL is not a postgresql:// URL"
        import psycopg

        try:
            # The maintenance database: the test database does not exist yet at collection time.
            psycopg.connect(
                dbname="postgres",
                user=database.get("USER") or None,
                password=database.get("PASSWORD") or None,
                host=database.get("HOST") or None,
                port=database.get("PORT") or None,
                connect_timeout=3,
            ).close()
        except psycopg.Error as error:
            first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
            return f"PostgreSQL not answering at {database.get('HOST')}:{database.get('PORT')}: {first_line}"
        return None

    if service == "redis":
        broker = settings.CELERY_BROKER_URL
        if not broker:
            return "Redis: no CELERY_BROKER_URL configured"
        if not broker.startswith(("redis://", "rediss://")):
            return f"Redis: CELERY_BROKER_URL is not a redis:// URL ({urlsplit(broker).scheme}://)"
        import redis

        try:
            redis.Redis.from_url(broker, socket_connect_timeout=3, socket_timeout=3).ping()
        except redis.RedisError as error:
            return f"Redis not answering at {urlsplit(broker).netloc}: {error}"
        return None

    raise pytest.UsageError(f"unknown service {service!r} in @pytest.mark.services; known: {', '.join(SERVICES)}")


def _services_missing(item):
    marker = item.get_closest_marker("services")
    if marker is None:
        return None
    return "; ".join(reason for reason in map(_missing, marker.args or SERVICES) if reason) or None


def pytest_collection_modifyitems(config, items):
    if services_required():
        return
    for item in items:
        reasons = _services_missing(item)
        if reasons:
            # A marker rather than pytest.skip() so that the report points at the test itself.
            item.add_marker(pytest.mark.skip(reason=f"needs services: {reasons}"))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    # Runs before any fixture, so a missing service never reaches the worker fixture.
    if not services_required():
        return
    reasons = _services_missing(item)
    if reasons:
        pytest.fail(f"services test cannot run (CI=true or TEPAI_REQUIRE_SERVICES=1): {reasons}", pytrace=False)


@pytest.fixture
def english_messages():
    """Messages in their English source form; the default language is Chinese. A module that checks
    messages asks for it with `pytestmark = pytest.mark.usefixtures("english_messages")`."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def media(request, settings, tmp_path):
    """Stored files go to the test's own folder, which this returns (a module whose every test stores
    files asks for it with usefixtures). Not for a test with the real Celery worker: that is another
    process, which writes where the session's settings say."""
    if "live_celery_worker" in request.fixturenames:
        return Path(settings.MEDIA_ROOT)
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture(autouse=True)
def _empty_cache():
    """Failed sign-ins are counted in the cache (LocMem in tests): every test starts with none."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _eager_celery_outside_services_tests(request):
    if request.node.get_closest_marker("services") is not None:
        yield
        return
    from config.celery import app

    # app.conf was read from settings once; override_settings would not reach it.
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = previous


def _test_database_url(test_database_name):
    """DATABASE_URL with its database swapped for the one pytest-django created."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + test_database_name))


@pytest.fixture(scope="session")
def live_celery_worker(django_db_setup, tmp_path_factory, clock_started_at):
    """A real `celery worker` process on the test database, for the whole session.

    Tests that use it must be `@pytest.mark.services` and `@pytest.mark.django_db(transaction=True)`:
    the worker is another process and sees only committed rows. Depending on django_db_setup makes
    the worker stop before pytest-django drops the test database (PostgreSQL refuses to drop a
    database that has connections).
    """
    from django.conf import settings
    from django.db import connection

    from config.celery import app, ping

    assert not app.conf.task_always_eager, "live_celery_worker needs CELERY_BROKER_URL set"
    if clock_started_at is not None:
        # The worker would stamp rows with the real time beside this process's travelled one.
        reason = f"{CLOCK_VARIABLE} is set: the Celery worker is another process, on the real clock; run services tests without it"
        if services_required():
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    # pytest-django has pointed the connection at the test database by now.
    test_database_name = connection.settings_dict["NAME"]

    log_path = tmp_path_factory.mktemp("celery") / "worker.log"
    hook_dir = tmp_path_factory.mktemp("worker-hooks")
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings_test",
        DATABASE_URL=_test_database_url(test_database_name),
        TEPAI_TEST_DIR=str(settings.TEST_DIR),
        TEPAI_TEST_HOOK_DIR=str(hook_dir),
    )
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    # prefork, as in production, so that task time limits are enforced.
    command = [
        sys.executable, "-m", "celery", "-A", "config", "worker",
        "--pool=prefork", "--concurrency=1", "-Q", queue, "-l", "warning", "--include", "tests.worker_hooks",
        "-n", f"tepai-test-{os.getpid()}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat",
    ]  # fmt: skip
    # A message left by an aborted earlier run would be taken first and confuse the first test.
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(queue)

    with open(log_path, "wb") as log:
        worker = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        result = ping.delay("ready")
        deadline = time.monotonic() + WORKER_START_TIMEOUT
        while not result.ready():
            if worker.poll() is not None or time.monotonic() > deadline:
                state = f"exited with {worker.returncode}" if worker.returncode is not None else "did not answer"
                pytest.fail(
                    f"Celery worker {state} within {WORKER_START_TIMEOUT} s; its log:\n{log_path.read_text()}",
                    pytrace=False,
                )
            time.sleep(0.2)
        assert result.get(timeout=1) == {"pong": "ready"}
        worker.hook_dir = hook_dir  # see tests/worker_hooks.py
        yield worker
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
