"""Page tests: plain Django-client fixtures, and a real Chromium driven by Playwright.

Browser tests are marked `@pytest.mark.browser` and take the `page` fixture: a fresh browser
context on pytest-django's live server, whose console errors, uncaught page errors and requests to
any other host (which fail: the browser's proxy for them is not there) fail the test, since pages
must work on a network with no internet. Chromium is Debian's
(/usr/bin/chromium, installed by scripts/test.sh); Playwright never downloads a browser. Without
Chromium or Playwright the browser tests are skipped with the reason, except under CI=true, where
they fail.

    @pytest.mark.browser
    def test_something(page, mapped_counties, sign_in):
        sign_in(page, mapped_counties.users["leader_city"])
        page.goto("/dashboard/")

`page.goto("/path/")` is relative to the live server. `shoot(page, name)` saves a screenshot in
the test run's folder, or in TEPAI_SHOTS_DIR when that is set.

Under TEPAI_TEST_CLOCK (tests/conftest.py) each context's pages get this process's travelled time
(`clock.install`: Date, timers and performance, running on from there), so that "today" in a page
is the server's today.
"""

import os
import re
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.utils import timezone

from tests.frontend import build_mapped_counties

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--headless"]
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
# The discard port: nothing answers there.
NOWHERE = "http://127.0.0.1:9"
# Long enough for a map to render on a busy two-core machine.
TIMEOUT_MS = 30_000


def _under_ci():
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes", "on"}


def _unavailable(reason):
    if _under_ci():
        pytest.fail(f"browser tests cannot run under CI: {reason}", pytrace=False)
    pytest.skip(f"browser tests need {reason}")


@pytest.fixture
def mapped_counties(db):
    """Two county-level units with drawn villages of every coverage status, a service log, and a user of
    every role who signs in with PASSWORD (tests/frontend/__init__.py)."""
    return build_mapped_counties()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        _unavailable(f"Debian's chromium at {CHROMIUM} (apt-get install chromium; scripts/test.sh installs it)")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        _unavailable("the playwright package (pip install -r requirements-test.txt)")
    # expect() keeps its own timeout (5 s), not the contexts': give it the same.
    expect.set_options(timeout=TIMEOUT_MS)
    # Playwright's sync API runs an event loop in this thread, and Django refuses ORM calls from
    # a thread with a running loop; the tests build their rows with the ORM beside the browser.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        # Every host but this machine goes through a proxy that is not there, so a page that
        # reaches out fails to load it and says so (the page fixture reports it). A proxy rather
        # than a Playwright route: a route runs each request through this thread, which stalls the
        # page whenever the test is busy elsewhere.
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, proxy={"server": NOWHERE, "bypass": "localhost,127.0.0.1"},
        )
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class _OneThreadAtATimeCursor:
    """A SQLite cursor whose every call (and every row it yields) holds `lock`."""

    def __init__(self, cursor, lock):
        self._cursor = cursor
        self._lock = lock

    def __getattr__(self, name):
        value = getattr(self._cursor, name)
        if not callable(value):
            return value

        def call(*args, **kwargs):
            with self._lock:
                result = value(*args, **kwargs)
            return self if result is self._cursor else result

        return call

    def __iter__(self):
        while True:
            with self._lock:
                row = self._cursor.fetchone()
            if row is None:
                return
            yield row


@pytest.fixture(scope="session")
def _one_query_at_a_time():
    """On the in-memory SQLite database, one thread at a time uses the connection.

    The live server's threads and the test's share that one connection (another connection would see
    another, empty, database). Python's sqlite3 binds parameters without letting go of the GIL, and
    calls Django's SQL functions (which need the GIL) while SQLite holds the connection's mutex: two
    threads querying at once can each wait for the other for ever, and the run hangs. A lock around
    each cursor call keeps them apart; it lets go of the GIL while it waits. (PostgreSQL gives each
    thread a connection of its own, and needs none of this.)
    """
    from django.db import connections

    connection = connections["default"]
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        yield
        return
    lock = threading.RLock()
    create_cursor = connection.create_cursor
    connection.create_cursor = lambda name=None: _OneThreadAtATimeCursor(create_cursor(name), lock)
    try:
        yield
    finally:
        del connection.create_cursor


class _RequestsInFlight:
    """How many requests the live server is answering now (Django's request_started/finished)."""

    def __init__(self):
        self.count = 0
        self.changed = threading.Condition()

    def started(self, **kwargs):
        with self.changed:
            self.count += 1

    def finished(self, **kwargs):
        with self.changed:
            self.count -= 1
            self.changed.notify_all()

    def wait_until_idle(self, timeout):
        with self.changed:
            return self.changed.wait_for(lambda: self.count <= 0, timeout)


@pytest.fixture(scope="session")
def _requests_in_flight():
    """A page closed at the end of a test may leave the live server answering its last requests (the
    map's layers): on PostgreSQL the database's flush after the test then waits on their locks while
    they wait on its TRUNCATE, a deadlock, and the next test starts on rows that were never removed.
    Each page's teardown waits for the server to finish what it is answering."""
    from django.core.signals import request_finished, request_started

    tracker = _RequestsInFlight()
    request_started.connect(tracker.started, dispatch_uid="tests-requests-in-flight-started")
    request_finished.connect(tracker.finished, dispatch_uid="tests-requests-in-flight-finished")
    yield tracker
    request_started.disconnect(dispatch_uid="tests-requests-in-flight-started")
    request_finished.disconnect(dispatch_uid="tests-requests-in-flight-finished")


class BrowserProblems:
    """What went wrong in the page: console errors, uncaught errors, requests to other hosts."""

    def __init__(self):
        self.found = []
        self._allowed = []

    def allow(self, pattern):
        """Expect console errors matching `pattern` (a regular expression), e.g. the status of a refused request."""
        self._allowed.append(re.compile(pattern))

    def add(self, text):
        self.found.append(text)

    def take(self):
        """The problems found so far, which no longer count against the test."""
        found, self.found = self.found, []
        return found

    def unexpected(self):
        return [text for text in self.found if not any(pattern.search(text) for pattern in self._allowed)]


@pytest.fixture
def browser_problems():
    return BrowserProblems()


def _open_context(browser, live_server, problems, viewport, language, travelled):
    # The browser keeps the site's time zone, as the phones and desks in Bengbu do: a time typed
    # into a page then means the same moment to the page and to the test (and to the server's
    # "not in the future" rule), whatever zone the machine running the tests is in.
    context = browser.new_context(
        base_url=live_server.url, viewport=viewport, accept_downloads=True, timezone_id=settings.TIME_ZONE,
    )
    context.set_default_timeout(TIMEOUT_MS)
    if travelled:
        # Before the first page, so that no script ever sees the machine's own time.
        context.clock.install(time=timezone.now())
    if language:
        context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
    own = urlsplit(live_server.url).netloc

    def elsewhere(request):
        target = urlsplit(request.url)
        return target.scheme in ("http", "https", "ws", "wss") and target.netloc != own

    page = context.new_page()
    # Requests to other hosts fail at the proxy (see `browser`); name each one.
    page.on("requestfailed", lambda request: elsewhere(request) and problems.add(f"request to another host: {request.url}"))
    page.on("console", lambda message: message.type == "error" and problems.add(f"console error: {message.text} ({message.location.get('url')})"))
    page.on("pageerror", lambda error: problems.add(f"page error: {error}"))
    return context, page


@pytest.fixture
def open_page(browser, live_server, browser_problems, _one_query_at_a_time, _requests_in_flight, clock_started_at):
    """open_page(viewport=DESKTOP, language=None) -> a new page in a context of its own; fails the test on any problem."""
    contexts = []

    def opener(viewport=DESKTOP, language=None):
        context, page = _open_context(browser, live_server, browser_problems, viewport, language, clock_started_at is not None)
        contexts.append(context)
        return page

    yield opener
    for context in contexts:
        context.close()
    if not _requests_in_flight.wait_until_idle(timeout=30):
        pytest.fail(f"the live server was still answering {_requests_in_flight.count} requests 30 s after the pages closed", pytrace=False)
    unexpected = browser_problems.unexpected()
    if unexpected:
        pytest.fail("the page had problems:\n" + "\n".join(unexpected), pytrace=False)


@pytest.fixture
def page(open_page):
    """A desktop-width page in the default language (Chinese)."""
    return open_page()


@pytest.fixture
def sign_in(live_server):
    """sign_in(page, user): give the page's browser context a session of `user`, as the login form would."""
    from django.test import Client

    def signer(page, user):
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}])

    return signer


def wait_for_popup_lists(popup):
    """Wait until a village's open popup (a locator) has its two lists in: each shows the catalogue's
    "Loading…" until its own request answers, and the two answer in either order."""
    from playwright.sync_api import expect

    loading = popup.page.evaluate("() => gettext('Loading…')")
    expect(popup).to_be_visible()
    expect(popup).not_to_contain_text(loading)


@pytest.fixture
def shoot(tmp_path_factory):
    """shoot(page, name): a full-page screenshot, for people to look at."""
    folder = Path(os.environ.get("TEPAI_SHOTS_DIR") or tmp_path_factory.mktemp("shots"))
    folder.mkdir(parents=True, exist_ok=True)

    def shooter(page, name):
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return shooter
