"""The map layers' GeoJSON bodies, cached: per layer, place, day and parameters, and the data's version.

A county's villages or a province's county-level rates are read again only when coverage may have
changed. The version is one query over two indexed maxima, plus a counter in the cache:

- the highest coverage span id: every write that can change a village's status, name, town or
  specialists rebuilds that village's spans (specialists.coverage.spans), and rebuilt spans are new
  rows with new, higher ids (PostgreSQL sequences and SQLite's AUTOINCREMENT never reuse one);
- the last finished import: boundary and division files are written in bulk, past every signal;
- a counter bumped on every save or delete of a division (names and outlines, a county-level unit's
  too, whose save rebuilds nothing) in the processes whose receivers are connected (the web's: this
  module is loaded with the API's routes).

Entries also expire after TIMEOUT, so that a write no version sees (raw SQL) shows within the hour.
The key never holds who asked: the place is resolved within the asker's scope before the cache is
read, and the body depends on the place alone.
"""

import hashlib

from django.core.cache import cache
from django.db import connection
from django.db.models.signals import post_delete, post_save

from specialists.coverage.models import VillageCoverageSpan
from specialists.imports.models import ImportJob
from villages.models import City, County, Province, Town, Village

TIMEOUT = 3600
# Bodies of more features than this are built every time, never stored: a province's villages (15,000,
# about 6 MB) are the most a cache entry holds; the nation's (490,000, 210 MB) would fill Redis.
MAX_CACHED_FEATURES = 20_000
_COUNTER = "tepai:map-layers:counter"
_VERSION_SQL = (
    f"SELECT (SELECT MAX(id) FROM {VillageCoverageSpan._meta.db_table}),"
    f" (SELECT MAX(finished_at) FROM {ImportJob._meta.db_table})"
)


def data_version():
    """A string that changes whenever a map layer's content may have: one query and one cache read."""
    with connection.cursor() as cursor:
        cursor.execute(_VERSION_SQL)
        top_span, last_import = cursor.fetchone()
    return f"{cache.get(_COUNTER, 0)}.{top_span}.{last_import}"


def cached_body(layer, parts, build):
    """The body build() returns, kept under (layer, parts, data version); parts must name the place and every parameter."""
    raw = "|".join([layer, *(str(part) for part in parts), data_version()])
    key = "tepai:map-layers:" + hashlib.sha256(raw.encode()).hexdigest()
    body = cache.get(key)
    if body is None:
        body = build()
        if len(body["features"]) <= MAX_CACHED_FEATURES:
            cache.set(key, body, TIMEOUT)
    return body


def _bump(sender, **kwargs):
    try:
        cache.incr(_COUNTER)
    except ValueError:  # not there yet (or evicted): any new value differs from what keys were built with
        cache.add(_COUNTER, 1, None)


for _model in (Province, City, County, Town, Village):
    post_save.connect(_bump, sender=_model, dispatch_uid=f"tepai-map-layers-save-{_model.__name__}")
    post_delete.connect(_bump, sender=_model, dispatch_uid=f"tepai-map-layers-delete-{_model.__name__}")
