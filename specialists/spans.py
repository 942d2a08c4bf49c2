"""Village coverage spans: the derived timeline that makes coverage on any day one table scan.

For each administrative village the days are cut wherever an assignment of an active specialist
starts or ends; between cuts the set of serving assignments is constant, so the village's coverage
(covered, and the last day its current assignments run) is constant too. Adjacent stretches with
the same coverage are merged. The first span starts on date.min and the last is open-ended, so
every day falls in exactly one span (the last one ends on date.max, as stored).

Every write that can change them rebuilds the spans of the villages it touches, in the same
transaction: saves and deletes of assignments, specialists (their status) and villages, through
the signal handlers in specialists/signals.py. Bulk writes (QuerySet.update, bulk_create, raw
SQL) bypass those: code that writes in bulk calls `rebuild_coverage_spans` itself.
"""

import datetime
from itertools import groupby

from django.db import connection, transaction

from specialists.models import Specialist, VillageAssignment, VillageCoverageSpan
from villages.models import Village

BEGINNING = datetime.date.min
_ONE_DAY = datetime.timedelta(days=1)
_BATCH = 20_000
_CHUNK = 5_000


def spans_of(assignments):
    """[(start, end, covered, last_end)] for one village from its (start, end) assignment ranges.

    end None means open-ended; in the result, last_end None on a covered span means an open-ended
    assignment is serving.
    """
    cuts = {BEGINNING}
    for start, end in assignments:
        cuts.add(start)
        if end is not None and end < datetime.date.max:
            cuts.add(end + _ONE_DAY)
    cuts = sorted(cuts)
    spans = []
    for i, day in enumerate(cuts):
        serving = [end for start, end in assignments if start <= day and (end is None or end >= day)]
        covered = bool(serving)
        last_end = None if (not covered or None in serving) else max(serving)
        span_end = cuts[i + 1] - _ONE_DAY if i + 1 < len(cuts) else None
        if spans and spans[-1][2] == covered and spans[-1][3] == last_end:
            spans[-1] = (spans[-1][0], span_end, covered, last_end)
        else:
            spans.append((day, span_end, covered, last_end))
    return spans


def rebuild_coverage_spans(*, village_ids=None):
    """Recompute the spans of the given villages (all villages when None). Returns the span count.

    Any write path may call it; it runs in the caller's transaction (or its own). Ids go to the
    database in chunks, since SQLite limits the parameters of one statement.
    """
    with transaction.atomic():
        if village_ids is None:
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {VillageCoverageSpan._meta.db_table}")
            return _rebuild(None)
        village_ids = sorted(set(village_ids))
        created = 0
        for i in range(0, len(village_ids), _CHUNK):
            chunk = village_ids[i:i + _CHUNK]
            VillageCoverageSpan.objects.filter(village_id__in=chunk).delete()
            created += _rebuild(chunk)
        return created


def _rebuild(village_ids):
    villages = Village.objects.filter(kind=Village.Kind.VILLAGE)
    assignments = VillageAssignment.objects.filter(
        specialist__status=Specialist.Status.ACTIVE, village__kind=Village.Kind.VILLAGE,
    )
    if village_ids is not None:
        villages = villages.filter(pk__in=village_ids)
        assignments = assignments.filter(village_id__in=village_ids)
    ranges = {
        village_id: [(start, end) for _v, start, end in rows]
        for village_id, rows in groupby(
            assignments.order_by("village_id").values_list("village_id", "start_date", "end_date").iterator(chunk_size=_BATCH),
            key=lambda row: row[0],
        )
    }
    created = 0
    batch = []
    for village_id, town_id, county_id in villages.values_list("pk", "town_id", "town__county_id").iterator(chunk_size=_BATCH):
        for start, end, covered, last_end in spans_of(ranges.get(village_id, [])):
            batch.append(VillageCoverageSpan(
                village_id=village_id, town_id=town_id, county_id=county_id,
                start_date=start, end_date=end or datetime.date.max, covered=covered, last_end=last_end,
            ))
        if len(batch) >= _BATCH:
            VillageCoverageSpan.objects.bulk_create(batch)
            created += len(batch)
            batch = []
    VillageCoverageSpan.objects.bulk_create(batch)
    return created + len(batch)
