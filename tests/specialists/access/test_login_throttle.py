"""authenticate_throttled(): failed sign-ins limited per account and per address, safe under concurrency."""

import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.core import checks
from django.core.cache import cache
from django.test import RequestFactory, override_settings

from specialists.access import throttle as login_throttle
from specialists.access.throttle import (
    LoginThrottled,
    ThrottledAdminAuthenticationForm,
    authenticate_throttled,
    client_address,
)
from tests import factories as f

PASSWORD = "tepai-test-password"
BASE_DIR = Path(__file__).resolve().parents[3]


class Clock:
    """time.time() under the test's control: the cache's expiry and the throttle both read it."""

    def __init__(self):
        self.now = 1_700_000_000.0

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


@pytest.fixture
def fake_time():
    fake = Clock()
    with mock.patch("time.time", fake):
        yield fake


def request_from(address="192.0.2.10", **meta):
    return RequestFactory().post("/login/", REMOTE_ADDR=address, **meta)


def fail(times, *, username="someone", address="192.0.2.10"):
    """`times` wrong passwords; each must reach authenticate() and fail."""
    for _ in range(times):
        assert authenticate_throttled(request_from(address), username=username, password="wrong") is None


@pytest.fixture
def wang(db):
    return f.make_user(username="wang", password=PASSWORD)


def test_the_attempt_after_the_limit_is_refused_before_the_password_is_checked(wang):
    fail(5, username="wang")

    with mock.patch.object(login_throttle, "authenticate") as authenticate, pytest.raises(LoginThrottled) as refused:
        authenticate_throttled(request_from(), username="wang", password=PASSWORD)

    authenticate.assert_not_called()
    assert refused.value.retry_after == settings.TEPAI_LOGIN_LOCKOUT_SECONDS == 900


def test_other_accounts_from_the_same_address_are_not_affected(wang):
    fail(5, username="li")

    assert authenticate_throttled(request_from(), username="wang", password=PASSWORD) == wang


def test_case_and_surrounding_whitespace_share_one_counter(wang):
    fail(3, username="Wang ")
    fail(2, username=" WANG")

    with pytest.raises(LoginThrottled):
        authenticate_throttled(request_from(), username="wang", password=PASSWORD)


def test_an_account_that_does_not_exist_is_refused_the_same_way(db, fake_time):
    fail(5, username="nobody")

    with pytest.raises(LoginThrottled) as refused:
        authenticate_throttled(request_from(), username="nobody", password="anything")

    assert refused.value.retry_after == 900


def test_a_success_clears_the_accounts_failures(wang):
    fail(4, username="wang")
    assert authenticate_throttled(request_from(), username="wang", password=PASSWORD) == wang

    # Without the reset these would be failures 5 to 8, and the 6th attempt refused.
    fail(4, username="wang")
    assert authenticate_throttled(request_from(), username="wang", password=PASSWORD) == wang


def test_the_address_limit_counts_failures_across_accounts(wang):
    for index in range(20):
        fail(1, username=f"guess{index}")

    with pytest.raises(LoginThrottled):
        authenticate_throttled(request_from(), username="wang", password=PASSWORD)
    # The account itself has no failures: from another address it signs in.
    assert authenticate_throttled(request_from("198.51.100.7"), username="wang", password=PASSWORD) == wang


def test_a_success_does_not_clear_the_address_failures(wang):
    for index in range(19):
        fail(1, username=f"guess{index}")

    assert authenticate_throttled(request_from(), username="wang", password=PASSWORD) == wang
    fail(1, username="guess19")  # the 20th failure from this address
    with pytest.raises(LoginThrottled):
        authenticate_throttled(request_from(), username="guess20", password="wrong")


def test_the_lock_expires_after_the_lockout(wang, fake_time):
    fail(5, username="wang")

    fake_time.advance(899)
    with pytest.raises(LoginThrottled) as refused:
        authenticate_throttled(request_from(), username="wang", password=PASSWORD)
    assert refused.value.retry_after == 1

    fake_time.advance(2)
    assert authenticate_throttled(request_from(), username="wang", password=PASSWORD) == wang


@override_settings(TEPAI_LOGIN_LOCKOUT_SECONDS=60)
def test_the_lockout_setting_is_read_when_signing_in(wang, fake_time):
    fail(5, username="wang")

    fake_time.advance(61)

    assert authenticate_throttled(request_from(), username="wang", password=PASSWORD) == wang


def test_refused_attempts_do_not_extend_the_lock(wang, fake_time):
    fail(5, username="wang")

    for _ in range(10):
        fake_time.advance(60)
        with pytest.raises(LoginThrottled):
            authenticate_throttled(request_from(), username="wang", password="wrong")

    fake_time.advance(301)  # 901 s after the fifth failure
    assert authenticate_throttled(request_from(), username="wang", password=PASSWORD) == wang


def test_failures_are_counted_within_a_window_from_the_first(db, fake_time):
    fail(4, username="wang")
    fake_time.advance(901)

    # The window has closed: these are failures 1 to 5 of a new one.
    fail(5, username="wang")


def test_the_failure_that_reaches_the_limit_locks_for_the_full_lockout(wang, fake_time):
    fail(4, username="wang")
    fake_time.advance(800)
    fail(1, username="wang")  # fifth failure, 100 s before the window would have closed

    fake_time.advance(200)
    with pytest.raises(LoginThrottled) as refused:
        authenticate_throttled(request_from(), username="wang", password=PASSWORD)

    assert refused.value.retry_after == 700


@override_settings(TEPAI_LOGIN_MAX_FAILURES_PER_ACCOUNT=2, TEPAI_LOGIN_MAX_FAILURES_PER_ADDRESS=3)
def test_the_limits_are_settings(db):
    fail(2, username="wang")
    with pytest.raises(LoginThrottled):
        authenticate_throttled(request_from(), username="wang", password="wrong")

    fail(1, username="li")  # the address's third failure
    with pytest.raises(LoginThrottled):
        authenticate_throttled(request_from(), username="zhao", password="wrong")


@pytest.mark.parametrize(
    ("behind_proxy", "meta", "address"),
    [
        (False, {"REMOTE_ADDR": "192.0.2.10", "HTTP_X_FORWARDED_FOR": "203.0.113.5"}, "192.0.2.10"),
        (True, {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "203.0.113.5"}, "203.0.113.5"),
        # Only the entry our proxy appended counts; the ones before it are whatever the client sent.
        (True, {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "1.2.3.4, 203.0.113.5"}, "203.0.113.5"),
        (True, {"REMOTE_ADDR": "10.0.0.2"}, "10.0.0.2"),
        (True, {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "1.2.3.4, not-an-address"}, "unknown"),
        (False, {"REMOTE_ADDR": "2001:db8:1:2:3:4:5:6"}, "2001:db8:1:2::/64"),
        (False, {"REMOTE_ADDR": "::ffff:192.0.2.10"}, "192.0.2.10"),
        (False, {"REMOTE_ADDR": ""}, "unknown"),
    ],
    ids=["direct, forwarded-for ignored", "behind proxy", "behind proxy, spoofed entries", "behind proxy, no header",
         "behind proxy, garbage", "IPv6 per /64", "IPv4-mapped IPv6", "no address"],
)  # fmt: skip
def test_client_address(behind_proxy, meta, address):
    with override_settings(TEPAI_BEHIND_PROXY=behind_proxy):
        assert client_address(RequestFactory().post("/login/", **meta)) == address


@override_settings(TEPAI_LOGIN_MAX_FAILURES_PER_ADDRESS=3)
def test_addresses_in_one_ipv6_64_share_a_counter(db):
    fail(3, address="2001:db8::1", username="a")

    with pytest.raises(LoginThrottled):
        authenticate_throttled(request_from("2001:db8::ffff:2"), username="b", password="wrong")
    assert authenticate_throttled(request_from("2001:db8:0:1::1"), username="b", password="wrong") is None


class SlowFailingAuthenticate:
    """authenticate() that takes a while and always fails, counting its calls (thread-safe)."""

    def __init__(self, seconds=0.05):
        self.seconds = seconds
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self, request, **credentials):
        with self._lock:
            self.calls += 1
        time.sleep(self.seconds)
        return None


def attempt_concurrently(count):
    """`count` wrong sign-ins to one account from one address at once; how many were refused."""
    barrier = threading.Barrier(count)
    refused = []

    def attempt():
        barrier.wait()
        try:
            authenticate_throttled(request_from(), username="wang", password="wrong")
        except LoginThrottled:
            refused.append(True)

    threads = [threading.Thread(target=attempt) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return len(refused)


def test_concurrent_attempts_never_let_more_than_the_limit_through():
    # Checking the count before the slow password check, and counting only after it, would let
    # all twenty through.
    authenticate = SlowFailingAuthenticate()
    with mock.patch.object(login_throttle, "authenticate", authenticate):
        refused = attempt_concurrently(20)

    assert authenticate.calls == 5
    assert refused == 15


# One process of the cross-process test: it sets up Django, says it is ready, waits for "go", makes
# its attempts at once from threads, and prints how many reached authenticate() and how many were refused.
CHILD = """
import os, sys
from unittest import mock
import django
django.setup()
from django.test.utils import override_settings
from specialists.access import throttle as login_throttle
from tests.specialists.access.test_login_throttle import SlowFailingAuthenticate, attempt_concurrently, redis_caches

with override_settings(CACHES=redis_caches(os.environ["THROTTLE_KEY_PREFIX"])):
    authenticate = SlowFailingAuthenticate(seconds=0.2)
    with mock.patch.object(login_throttle, "authenticate", authenticate):
        print("ready", flush=True)
        sys.stdin.readline()
        refused = attempt_concurrently(int(sys.argv[1]))
print(authenticate.calls, refused, flush=True)
"""


def redis_caches(prefix):
    """CACHES on the services pass's Redis: CACHE_URL when it is set, else the broker's server."""
    url = settings.CACHE_URL if settings.CACHE_URL.startswith("redis") else settings.CELERY_BROKER_URL
    return {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url, "KEY_PREFIX": prefix}}


def delete_counters(prefix):
    """The Redis keys a test left, by their unique prefix: never a flush of a database others use."""
    with override_settings(CACHES=redis_caches(prefix)):
        keys = [login_throttle._account_key("wang"), login_throttle._address_key(request_from())]
        cache.delete_many(keys + [login_throttle._until_key(key) for key in keys])


@pytest.mark.services("redis")
def test_the_limit_holds_across_processes_sharing_redis():
    """Two processes of ten threads each, all at once, against one Redis: five attempts get through."""
    prefix = f"tepai-test-{uuid.uuid4().hex}"
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings_test", THROTTLE_KEY_PREFIX=prefix)
    children = [
        subprocess.Popen([sys.executable, "-c", CHILD, "10"], cwd=BASE_DIR, env=env, text=True,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]  # fmt: skip
    try:
        for child in children:
            assert child.stdout.readline().strip() == "ready", child.stderr.read()
        for child in children:
            child.stdin.write("go\n")
            child.stdin.flush()
        results = []
        for child in children:
            out, err = child.communicate(timeout=60)
            assert child.returncode == 0, err
            results.append(tuple(map(int, out.split())))
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
        delete_counters(prefix)

    calls = sum(called for called, _refused in results)
    refused = sum(refused for _called, refused in results)
    assert (calls, refused) == (5, 15)


@pytest.mark.services("redis")
def test_the_counters_work_on_redis(wang):
    prefix = f"tepai-test-{uuid.uuid4().hex}"
    with override_settings(CACHES=redis_caches(prefix)):
        try:
            fail(4, username="wang")
            assert authenticate_throttled(request_from(), username="wang", password=PASSWORD) == wang
            fail(5, username="wang")
            with pytest.raises(LoginThrottled) as refused:
                authenticate_throttled(request_from(), username="wang", password=PASSWORD)
            assert 899 <= refused.value.retry_after <= 900
        finally:
            delete_counters(prefix)


def test_the_admin_login_form_is_throttled(db):
    staff = f.make_user(username="admin", password=PASSWORD, is_staff=True)
    fail(4, username="admin")
    signed_in = ThrottledAdminAuthenticationForm(request_from(), data={"username": "admin", "password": PASSWORD})
    assert signed_in.is_valid() and signed_in.get_user() == staff
    fail(5, username="admin")

    form = ThrottledAdminAuthenticationForm(request_from(), data={"username": "admin", "password": PASSWORD})

    assert not form.is_valid()
    assert [error.code for error in form.errors.as_data()["__all__"]] == ["throttled"]


def test_the_admin_site_uses_the_throttled_form():
    from django.contrib import admin

    assert admin.site.login_form is ThrottledAdminAuthenticationForm


@pytest.mark.parametrize(
    ("debug", "cache_backend", "warned"),
    [
        (False, "django.core.cache.backends.locmem.LocMemCache", True),
        (True, "django.core.cache.backends.locmem.LocMemCache", False),
        (False, "django.core.cache.backends.redis.RedisCache", False),
    ],
)
def test_deploy_check_warns_when_the_cache_is_not_shared(debug, cache_backend, warned):
    with override_settings(DEBUG=debug, CACHES={"default": {"BACKEND": cache_backend, "LOCATION": "redis://127.0.0.1:6379/0"}}):
        found = checks.run_checks(tags=[checks.Tags.caches], include_deployment_checks=True)

    assert [message.id for message in found] == (["tepai.W001"] if warned else [])
