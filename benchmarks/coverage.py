"""Coverage time beside a bare full scan of the assignment table, per scale and database.

Two floors are printed: full_scan (the database counts every row itself) and fetch_all (every
row read into Python).

    .venv/bin/python benchmarks/coverage.py --scale province --backend sqlite
    .venv/bin/python benchmarks/coverage.py --scale national --backend postgresql

Prints one line per measurement; the figures last printed are recorded in RESULTS.md.
"""

import argparse
import datetime

from _setup import best_of, prepare

AS_OF = datetime.date(2022, 6, 30)  # the generator's reference day


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", choices=["city", "province", "national"], default="province")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    connection = prepare(args.scale, args.backend)
    from specialists.coverage.queries import coverage_for
    from specialists.assignments.models import VillageAssignment
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

    scan_s, rows = best_of(full_scan, args.repeat)
    fetch_s, _ = best_of(fetch_all, max(1, args.repeat // 2))
    city_s, coverage = best_of(lambda: coverage_for(as_of=AS_OF), args.repeat)
    county = County.objects.order_by("code").first()
    county_s, _ = best_of(lambda: coverage_for(as_of=AS_OF, place=Place(county)), args.repeat)
    print(
        f"coverage scale={args.scale} backend={args.backend} villages={coverage.total.villages_total} "
        f"assignments={rows} full_scan_ms={scan_s * 1000:.1f} fetch_all_ms={fetch_s * 1000:.1f} "
        f"coverage_ms={city_s * 1000:.1f} ratio_to_scan={city_s / scan_s:.1f} ratio_to_fetch={city_s / fetch_s:.2f} "
        f"one_county_ms={county_s * 1000:.1f} "
        f"uncovered={len(coverage.uncovered_villages)} at_risk={len(coverage.at_risk_villages)}"
    )


if __name__ == "__main__":
    main()
