"""Village coverage spans: the derived timeline that makes coverage on any day one table scan.

For each administrative village the days are cut wherever an assignment of an active specialist
starts or ends; between cuts the set of serving assignments is constant, so the village's coverage
(covered, and the last day its current assignments run) is constant too. Adjacent stretches with
the same coverage are merged. The first span starts on date.min and the last is open-ended, so
every day falls in exactly one span (the last one ends on date.max, as stored).

Every write that can change them rebuilds the spans of the villages it touches, in the same
transaction: saves and deletes of assignments, specialists (their status) and villages, through
the signal handlers in specialists/coverage/signals.py. Bulk writes (QuerySet.update, bulk_create, raw
SQL) bypass those: code that writes in bulk calls `rebuild_coverage_spans` itself.

The same rebuild keeps each active specialist's load spans (SpecialistLoadSpan: how many villages
they serve, stretch by stretch), for the specialists holding an assignment in the villages rebuilt
and any named beside them, so that the overloaded-specialist check reads a few rows; and each
town's count of administrative villages (TownVillageCount), for the towns the villages rebuilt lie
in or lay in.
"""

import datetime
from itertools import groupby

from django.db import connection, transaction

from specialists.assignments.models import VillageAssignment, runs_on
from specialists.coverage.models import SpecialistLoadSpan, TownVillageCount, VillageCoverageSpan
from specialists.people.models import Specialist
from villages.models import Town, Village

BEGINNING = datetime.date.min
_ONE_DAY = datetime.timedelta(days=1)
_BATCH = 20_000
_CHUNK = 5_000
_LOAD_TABLE = SpecialistLoadSpan._meta.db_table
_COUNT_TABLE = TownVillageCount._meta.db_table


def _cuts(ranges, first=()):
    """The days on which what runs can change: each (start, end) range's start and the day after its end."""
    cuts = set(first)
    for start, end in ranges:
        cuts.add(start)
        if end is not None and end < datetime.date.max:
            cuts.add(end + _ONE_DAY)
    return sorted(cuts)


def spans_of(assignments):
    """[(start, end, covered, last_end)] for one village from its (start, end) assignment ranges.

    end None means open-ended; in the result, last_end None on a covered span means an open-ended
    assignment is serving.
    """
    cuts = _cuts(assignments, first=(BEGINNING,))
    spans = []
    for i, day in enumerate(cuts):
        serving = [end for start, end in assignments if runs_on(start, end, day)]
        covered = bool(serving)
        last_end = None if (not covered or None in serving) else max(serving)
        span_end = cuts[i + 1] - _ONE_DAY if i + 1 < len(cuts) else None
        if spans and spans[-1][2] == covered and spans[-1][3] == last_end:
            spans[-1] = (spans[-1][0], span_end, covered, last_end)
        else:
            spans.append((day, span_end, covered, last_end))
    return spans


def load_spans_of(assignments):
    """[(start, end, villages)] for one specialist from their (village_id, start, end) assignments:
    the stretches serving at least one village, with how many distinct villages (end None: open)."""
    cuts = _cuts((start, end) for _village, start, end in assignments)
    spans = []
    for i, day in enumerate(cuts):
        villages = len({village for village, start, end in assignments if runs_on(start, end, day)})
        span_end = cuts[i + 1] - _ONE_DAY if i + 1 < len(cuts) else None
        if spans and spans[-1][2] == villages and spans[-1][1] == day - _ONE_DAY:
            spans[-1] = (spans[-1][0], span_end, villages)
        elif villages:
            spans.append((day, span_end, villages))
    return spans


def rebuild_coverage_spans(*, village_ids=None, specialist_ids=None):
    """Recompute the spans of the given villages (all villages when None) and the load spans of
    `specialist_ids`; with specialist_ids None, of the specialists holding an assignment in those
    villages (everyone's when village_ids is None too). Returns the village span count.

    Any write path may call it; it runs in the caller's transaction (or its own). Ids go to the
    database in chunks, since SQLite limits the parameters of one statement.
    """
    with transaction.atomic():
        if village_ids is None and specialist_ids is None:
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(VillageCoverageSpan._meta.db_table)}")
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(_LOAD_TABLE)}")
            recount_towns(None)
            _rebuild_loads(None)
            return _rebuild(None)
        village_ids = sorted(set(village_ids or ()))
        created = 0
        for i in range(0, len(village_ids), _CHUNK):
            chunk = village_ids[i:i + _CHUNK]
            if specialist_ids is None:
                _rebuild_loads(("village", chunk))
            # Before the spans go: they name the towns the villages lay in.
            marks = ", ".join(f"%(v{i})s" for i in range(len(chunk)))
            recount_towns(
                f"SELECT town_id FROM {VillageCoverageSpan._meta.db_table} WHERE village_id IN ({marks})"
                f" UNION SELECT town_id FROM {Village._meta.db_table} WHERE id IN ({marks})",
                {f"v{i}": pk for i, pk in enumerate(chunk)},
            )
            VillageCoverageSpan.objects.filter(village_id__in=chunk).delete()
            created += _rebuild(chunk)
        specialist_ids = sorted(set(specialist_ids or ()))
        for i in range(0, len(specialist_ids), _CHUNK):
            _rebuild_loads(("specialist", specialist_ids[i:i + _CHUNK]))
        return created


# The serving assignments of the villages being rebuilt, in village order. Raw SQL on a plain
# cursor: through the ORM's iterator PostgreSQL gets a server-side cursor, plans for the first rows
# and walks a million assignments by index, which takes minutes instead of seconds.
_SERVING_RANGES = f"""
SELECT a.village_id, a.start_date, a.end_date
  FROM {VillageAssignment._meta.db_table} a JOIN {Village._meta.db_table} v ON v.id = a.village_id
 WHERE v.kind = '{Village.Kind.VILLAGE.value}'
   AND a.specialist_id NOT IN (SELECT id FROM {Specialist._meta.db_table} WHERE status <> '{Specialist.Status.ACTIVE.value}') {{scope}}
 ORDER BY a.village_id
"""
_VILLAGES = f"""
SELECT v.id, v.town_id, t.county_id, v.code, v.name FROM {Village._meta.db_table} v JOIN {Town._meta.db_table} t ON t.id = v.town_id
 WHERE v.kind = '{Village.Kind.VILLAGE.value}' {{scope}}
"""


def _rows(sql, scope, params):
    with connection.cursor() as cursor:
        cursor.execute(sql.format(scope=scope), params)
        while rows := cursor.fetchmany(_BATCH):
            yield from rows


def _rebuild(village_ids):
    scope, params = "", {}
    if village_ids is not None:
        marks = ", ".join(f"%(v{i})s" for i in range(len(village_ids)))
        params = {f"v{i}": pk for i, pk in enumerate(village_ids)}
        scope = f"AND v.id IN ({marks})"
    ranges = {
        village_id: [(_as_date(start), _as_date(end) if end is not None else None) for _v, start, end in rows]
        for village_id, rows in groupby(_rows(_SERVING_RANGES, scope, params), key=lambda row: row[0])
    }
    created = 0
    batch = []
    for village_id, town_id, county_id, code, name in list(_rows(_VILLAGES, scope, params)):
        for start, end, covered, last_end in spans_of(ranges.get(village_id, [])):
            batch.append(VillageCoverageSpan(
                village_id=village_id, town_id=town_id, county_id=county_id, village_code=code, village_name=name,
                start_date=start, end_date=end or datetime.date.max, covered=covered, last_end=last_end,
            ))
        if len(batch) >= _BATCH:
            VillageCoverageSpan.objects.bulk_create(batch)
            created += len(batch)
            batch = []
    VillageCoverageSpan.objects.bulk_create(batch)
    return created + len(batch)


_COUNT_VILLAGES = f"""
INSERT INTO {_COUNT_TABLE} (town_id, county_id, villages)
SELECT v.town_id, t.county_id, COUNT(*)
  FROM {Village._meta.db_table} v JOIN {Town._meta.db_table} t ON t.id = v.town_id
 WHERE v.kind = '{Village.Kind.VILLAGE.value}' {{scope}}
 GROUP BY v.town_id, t.county_id
"""


def recount_towns(towns_sql, params=None):
    """Count again the administrative villages of the towns `towns_sql` selects (every town when
    None). Two statements; called by the rebuild, and for a deleted village, whose spans are gone."""
    table = connection.ops.quote_name(_COUNT_TABLE)
    with connection.cursor() as cursor:
        if towns_sql is None:
            cursor.execute(f"DELETE FROM {table}")
            cursor.execute(_COUNT_VILLAGES.format(scope=""))
            return
        cursor.execute(f"DELETE FROM {table} WHERE town_id IN ({towns_sql})", params)
        cursor.execute(_COUNT_VILLAGES.format(scope=f"AND v.town_id IN ({towns_sql})"), params)


# The assignments of active specialists whose load is being rebuilt, in specialist order.
_LOAD_RANGES = f"""
SELECT a.specialist_id, a.village_id, a.start_date, a.end_date
  FROM {VillageAssignment._meta.db_table} a
 WHERE a.specialist_id NOT IN (SELECT id FROM {Specialist._meta.db_table} WHERE status <> '{Specialist.Status.ACTIVE.value}') {{scope}}
 ORDER BY a.specialist_id
"""


def _rebuild_loads(chunk):
    """Rebuild the load spans of every specialist (chunk None), of those with an assignment in
    some villages (("village", ids)) or of some specialists (("specialist", ids))."""
    scope, params = "", {}
    if chunk is not None:
        kind, ids = chunk
        marks = ", ".join(f"%(p{i})s" for i in range(len(ids)))
        params = {f"p{i}": pk for i, pk in enumerate(ids)}
        who = f"({marks})" if kind == "specialist" else \
            f"(SELECT b.specialist_id FROM {VillageAssignment._meta.db_table} b WHERE b.village_id IN ({marks}))"
        scope = f"AND a.specialist_id IN {who}"
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(_LOAD_TABLE)} WHERE specialist_id IN {who}", params)
    batch = []
    for specialist_id, rows in groupby(list(_rows(_LOAD_RANGES, scope, params)), key=lambda row: row[0]):
        ranges = [(village_id, _as_date(start), _as_date(end) if end is not None else None) for _s, village_id, start, end in rows]
        for start, end, villages in load_spans_of(ranges):
            batch.append(SpecialistLoadSpan(specialist_id=specialist_id, start_date=start, end_date=end or datetime.date.max, villages=villages))
        if len(batch) >= _BATCH:
            SpecialistLoadSpan.objects.bulk_create(batch)
            batch = []
    SpecialistLoadSpan.objects.bulk_create(batch)


def _as_date(value):
    # SQLite hands dates back as text from raw SQL.
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)
