"""Coverage time beside a bare full scan of the assignment table, per scale and database.

Two floors are printed: full_scan (the database counts every row itself) and fetch_all (every
row read into Python). Coverage is timed for the whole deployment and for one county-level unit,
best and median of --repeat runs, each against the full scan's best and median of the same run.

    .venv/bin/python benchmarks/coverage.py --scale province --backend sqlite
    .venv/bin/python benchmarks/coverage.py --scale national --backend postgresql
    .venv/bin/python benchmarks/coverage.py --scale city --backend postgresql --load 1

--load N starts N processes that burn a core each for the run (the machine under load, as other
sessions' test runs load it), and stops them at the end.

Prints one line per measurement; the figures last printed are recorded in RESULTS.md.
"""

import argparse
import datetime
import statistics
import subprocess
import sys
import time

from _setup import prepare

AS_OF = datetime.date(2022, 6, 30)  # the generator's reference day


def timings(fn, repeat):
    """(best, median) wall time of `repeat` runs, in seconds, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return min(times), statistics.median(times), result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", choices=["city", "province", "national"], default="province")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--load", type=int, default=0, help="processes burning a core each during the run")
    args = parser.parse_args()

    connection = prepare(args.scale, args.backend)
    from django.test.utils import CaptureQueriesContext

    from specialists.assignments.models import VillageAssignment
    from specialists.coverage.queries import coverage_for
    from villages.models import County
    from villages.places import Place

    def full_scan():
        # Reads every row of the assignment table (the note column has no index to answer it).
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {VillageAssignment._meta.db_table} WHERE note <> 'x'")
            return cursor.fetchone()[0]

    def fetch_all():
        # Every row of the assignment table into Python: what any computation outside the
        # database would have to read at the least.
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT village_id, specialist_id, start_date, end_date FROM {VillageAssignment._meta.db_table}")
            return len(cursor.fetchall())

    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.load)]
    try:
        county = County.objects.order_by("code").first()
        coverage_for(as_of=AS_OF)  # warm the connection and the caches, as a serving process is
        scan_best, scan_median, rows = timings(full_scan, args.repeat)
        fetch_best, _median, _ = timings(fetch_all, max(1, args.repeat // 2))
        best, median, coverage = timings(lambda: coverage_for(as_of=AS_OF), args.repeat)
        county_best, county_median, _ = timings(lambda: coverage_for(as_of=AS_OF, place=Place(county)), args.repeat)
        with CaptureQueriesContext(connection) as queries:
            coverage_for(as_of=AS_OF)
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()
    print(
        f"coverage scale={args.scale} backend={args.backend} load={args.load} villages={coverage.total.villages_total} "
        f"assignments={rows} queries={len(queries.captured_queries)} "
        f"full_scan_ms={scan_best * 1000:.1f}/{scan_median * 1000:.1f} fetch_all_ms={fetch_best * 1000:.1f} "
        f"coverage_ms={best * 1000:.1f}/{median * 1000:.1f} "
        f"ratio_to_scan={best / scan_best:.1f}/{median / scan_median:.1f} ratio_to_fetch={best / fetch_best:.2f} "
        f"one_county_ms={county_best * 1000:.1f}/{county_median * 1000:.1f} "
        f"uncovered={len(coverage.uncovered_villages)} at_risk={len(coverage.at_risk_villages)} "
        f"overloaded={len(coverage.overloaded_specialists)}  (times: best/median of {args.repeat})"
    )


if __name__ == "__main__":
    main()
