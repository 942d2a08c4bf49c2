"""The specialists' roster import (specialists.imports.people): plan and commit of the Bengbu demo's
975-row roster, as the city's bureau would send it.

    .venv/bin/python benchmarks/import_roster.py                          # SQLite
    .venv/bin/python benchmarks/import_roster.py --backend postgresql --repeat 3

The database is the Bengbu demo (`load_demo`) in /tmp/tepai-bench/roster/ (SQLite) or
tepai_bench_ros (PostgreSQL), loaded once. The roster is the kind's own export of the whole city
(export_rows -> templates.export_workbook), so every row names a village, an organisation and 1-3
key industries. Figures:

- read: openpyxl reading the same workbook's cells (read-only, values only), the anchor: an import
  cannot be faster than reading its file, so plan / read says what the import itself costs;
- plan (unchanged): the roster read against the database it came from: 975 rows unchanged (goal < 5 s);
- plan (new): every row a new specialist (mobiles and ID numbers renumbered);
- commit (new): those 975 specialists, their expertise written, inside a transaction rolled back
  afterwards so that every repeat starts from the same database (goal < 10 s);
- commit (unchanged): the export committed back, which writes nothing.
Query counts are those of one run.
"""

import argparse
import io
import os
import sys
import time
from pathlib import Path

from _setup import ROOT, best_of

PG_URL = os.environ.get("TEPAI_BENCH_ROSTER_PG", "postgresql://postgres@127.0.0.1:5432/tepai_bench_ros")


def prepare(backend):
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ.pop("CELERY_BROKER_URL", None)
    if backend == "postgresql":
        import psycopg

        base, name = PG_URL.rsplit("/", 1)
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = PG_URL
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ["TEPAI_DATA_DIR"] = "/tmp/tepai-bench/roster"
        Path("/tmp/tepai-bench/roster").mkdir(parents=True, exist_ok=True)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from specialists.demo.bengbu import load_demo
    from specialists.people.models import Specialist

    if not Specialist.objects.exists():
        started = time.perf_counter()
        load_demo()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
        print(f"# loaded the Bengbu demo on {backend} in {time.perf_counter() - started:.1f} s", flush=True)


def renumbered(rows):
    """The rows as new specialists: other mobiles, and ID numbers of the same birth date and gender."""
    from specialists.people.validators import id_number_check_char

    out = []
    for n, row in enumerate(rows):
        row = dict(row)
        row["mobile"] = f"197{n:08d}"  # 197 is no prefix the demo draws from
        if row["id_number"]:
            first17 = row["id_number"][:14] + f"{(int(row['id_number'][14:17]) + 500) % 1000:03d}"  # +500 keeps the parity
            row["id_number"] = first17 + id_number_check_char(first17)
        out.append(row)
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    prepare(args.backend)

    import openpyxl
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from specialists.imports.people import SPECIALISTS
    from villages.imports.files import open_upload
    from villages.imports.templates import export_workbook
    from villages.models import City
    from villages.places import Place

    place = Place(City.objects.get(name="蚌埠市"))
    rows = list(SPECIALISTS.export_rows(place))
    same = open_upload("roster.xlsx", export_workbook(SPECIALISTS, rows))
    new = open_upload("roster-new.xlsx", export_workbook(SPECIALISTS, renumbered(rows)))

    def read():
        book = openpyxl.load_workbook(io.BytesIO(same.data), read_only=True)
        count = sum(1 for _row in book.worksheets[0].iter_rows(values_only=True))
        book.close()
        return count

    def plan(upload):
        return SPECIALISTS.plan(upload, place=place, options={})

    def commit(upload):
        with transaction.atomic():
            result = SPECIALISTS.commit(upload, place=place, options={}, progress=lambda done, total: None)
            transaction.set_rollback(True)
        return result

    def queries(fn, upload):
        with CaptureQueriesContext(connection) as captured:
            result = fn(upload)
        assert result.ok, result.problems[:3]
        return len(captured.captured_queries), result.summary()["specialist"]

    plan(same)  # warm: openpyxl imported, statements prepared
    read_s, _count = best_of(read, args.repeat)
    figures = [
        ("plan (unchanged)", best_of(lambda: plan(same), args.repeat)[0], *queries(plan, same)),
        ("plan (new)", best_of(lambda: plan(new), args.repeat)[0], *queries(plan, new)),
        ("commit (new)", best_of(lambda: commit(new), args.repeat)[0], *queries(commit, new)),
        ("commit (unchanged)", best_of(lambda: commit(same), args.repeat)[0], *queries(commit, same)),
    ]
    print(f"# {len(rows)} rows, {len(same.data) / 1e3:.0f} kB; read (openpyxl, anchor) {read_s:.2f} s")
    print("| backend | step | time | × read | queries | specialists |")
    print("| --- | --- | --- | --- | --- | --- |")
    for step, seconds, count, summary in figures:
        print(f"| {args.backend} | {step} | {seconds:.2f} s | {seconds / read_s:.1f} | {count} | {summary} |", flush=True)


if __name__ == "__main__":
    main()
