"""Sign-in throttling: failed logins are limited per account and per address.

Every way in calls authenticate_throttled(): the pages' session login form, the phones' JWT token
view (api/auth.py) and, through ThrottledAdminAuthenticationForm, the admin's login.

The counters live in Django's cache, so the limits hold across processes only when that cache is
shared (CACHE_URL pointing at Redis; the `tepai.W001` deploy check warns otherwise). Each attempt
reserves its place before the password is checked: it increments both counters atomically
(cache.add + cache.incr are atomic in Redis and in LocMemCache) and only then compares them with
the limits, so N concurrent attempts can never let more than the limit reach authenticate().

- A window opens at an account's (or address's) first failure and lasts TEPAI_LOGIN_LOCKOUT_SECONDS;
  the failure that reaches the limit locks for a full TEPAI_LOGIN_LOCKOUT_SECONDS from then.
- A refused attempt is not a failure: its reservations are given back, and it does not extend
  the lock.
- A success clears the account's counter. It only gives back its own reservation on the address:
  clearing the address would let someone with one valid account reset the address limit between
  guesses at other accounts.
- Usernames share a counter whatever their case and surrounding whitespace ("Admin " is "admin"),
  and the counter exists whether or not the account does, so a refusal never says which accounts
  exist. IPv6 addresses count per /64, the block one subscriber usually holds.
"""

import hashlib
import ipaddress
import logging
import math
import time
import unicodedata
from datetime import datetime, timezone

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm
from django.core import checks
from django.core.cache import cache
from django.utils import timezone as django_timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

_KEY_PREFIX = "login-throttle"


class LoginThrottled(Exception):
    """Too many failed sign-ins for the account or the address; `retry_after` seconds until the next try."""

    def __init__(self, retry_after):
        super().__init__(f"too many failed sign-ins; retry after {retry_after} s")
        self.retry_after = retry_after

    @property
    def message(self):
        """What to tell the person, in the active language."""
        return throttled_message(self.retry_after)


def throttled_message(retry_after):
    # A clock time rather than "in N minutes": no plural forms to translate, and it stays true
    # while the message is on screen.
    until = django_timezone.localtime(datetime.fromtimestamp(time.time() + retry_after, tz=timezone.utc))
    return _("Too many failed sign-in attempts. Try again after %(time)s.") % {"time": time_format(until, "H:i")}


def authenticate_throttled(request, *, username, password):
    """Django's authenticate() behind the per-account and per-address limits.

    Returns the user or None. Raises LoginThrottled, before the password is checked, when the
    account or the address already has its limit of failures. Any view that signs people in may call it.
    """
    username = "" if username is None else str(username)
    lockout = settings.TEPAI_LOGIN_LOCKOUT_SECONDS
    counters = [
        (_account_key(username), settings.TEPAI_LOGIN_MAX_FAILURES_PER_ACCOUNT),
        (_address_key(request), settings.TEPAI_LOGIN_MAX_FAILURES_PER_ADDRESS),
    ]

    # Reserve first, compare after: the count includes every attempt still in flight.
    counts = [_reserve(key, lockout) for key, _limit in counters]
    over = [key for (key, limit), count in zip(counters, counts) if count > limit]
    if over:
        for key, _limit in counters:
            _release(key)
        retry_after = max(_retry_after(key, lockout) for key in over)
        logger.warning("Sign-in refused for %s: too many failures (retry after %d s)", client_address(request), retry_after)
        raise LoginThrottled(retry_after)

    user = authenticate(request, username=username, password=password)

    account_key, address_key = (key for key, _limit in counters)
    if user is not None:
        cache.delete_many([account_key, _until_key(account_key)])
        _release(address_key)
        return user
    for (key, limit), count in zip(counters, counts):
        if count == limit:
            # This failure reaches the limit: the lock runs its full length from now.
            cache.touch(key, lockout)
            cache.set(_until_key(key), time.time() + lockout, lockout)
    return None


def client_address(request):
    """The address a sign-in comes from: REMOTE_ADDR, or behind our own proxy the one it saw.

    X-Forwarded-For is trusted only when settings say a proxy is in front (DJANGO_BEHIND_TLS_PROXY);
    its last entry is the one that proxy appended, the earlier ones are whatever the client sent.
    """
    address = request.META.get("REMOTE_ADDR", "") if request is not None else ""
    if request is not None and settings.TEPAI_BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        if forwarded:
            address = forwarded
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        # No usable address (a test without one, a misconfigured socket): one shared bucket,
        # which errs on the side of refusing.
        return "unknown"
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def normalise_username(username):
    """The form of a username that its failures are counted under."""
    return unicodedata.normalize("NFKC", username).strip().casefold()


def _account_key(username):
    # Hashed: a username may be long or hold characters some cache backends refuse in keys.
    digest = hashlib.sha256(normalise_username(username).encode()).hexdigest()
    return f"{_KEY_PREFIX}:account:{digest}"


def _address_key(request):
    return f"{_KEY_PREFIX}:address:{client_address(request)}"


def _until_key(key):
    return f"{key}:until"


def _reserve(key, window):
    """Count one attempt under `key` and return the count including it."""
    while True:
        if cache.add(key, 1, window):
            return 1
        try:
            count = cache.incr(key)
        except ValueError:
            continue  # expired between add() and incr(): this attempt opens a new window
        if count == 1:
            # Redis' INCR creates a key without expiry when it expired just after the backend's
            # existence check; a counter must never outlive its window.
            cache.touch(key, window)
        return count


def _release(key):
    """Give back one reservation under `key`."""
    try:
        count = cache.decr(key)
    except ValueError:
        return  # the window has closed meanwhile: nothing to give back
    if count < 0:
        # The key expired just before the decrement, which then created it without expiry.
        cache.delete(key)


def _retry_after(key, lockout):
    until = cache.get(_until_key(key))
    if until is None:
        # Over the limit while the failure that reached it is still in flight: the lock it will
        # set is the best estimate.
        return lockout
    return max(1, math.ceil(until - time.time()))


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's login form, with the password checked through authenticate_throttled()."""

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = authenticate_throttled(self.request, username=username, password=password)
            except LoginThrottled as throttled:
                raise forms.ValidationError(throttled.message, code="throttled") from None
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class ThrottledAdminAuthenticationForm(ThrottledAuthenticationForm, AdminAuthenticationForm):
    """The admin's login form (staff only), throttled like every other sign-in."""


# Registered at start-up: specialists/admin.py imports this module for the admin's login form.
@checks.register(checks.Tags.caches, deploy=True)
def check_login_throttle_cache_is_shared(app_configs, **kwargs):
    """Outside DEBUG, per-process caches would multiply the sign-in limits by the number of processes."""
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if settings.DEBUG or backend not in (
        "django.core.cache.backends.locmem.LocMemCache",
        "django.core.cache.backends.dummy.DummyCache",
    ):
        return []
    return [
        checks.Warning(
            "The default cache is not shared between processes, so each process counts failed sign-ins on its own.",
            hint="Set CACHE_URL to a Redis URL, such as redis://127.0.0.1:6379/1.",
            id="tepai.W001",
        )
    ]

