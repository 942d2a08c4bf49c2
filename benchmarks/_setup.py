"""Shared set-up for the benchmark scripts: a database of its own per scale, filled once.

Each script calls `prepare(scale, backend)` before importing any model: it points Django at
/tmp/tepai-bench/<scale>/ (SQLite) or the database tepai_bench_<scale>[$TEPAI_BENCH_SUFFIX] (PostgreSQL), migrates,
and generates the synthetic data unless that database already holds it.
"""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_BASE = os.environ.get("TEPAI_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")


def prepare(scale, backend):
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ.pop("CELERY_BROKER_URL", None)
    if backend == "postgresql":
        import psycopg

        # TEPAI_BENCH_SUFFIX names a copy (createdb -T tepai_bench_<scale> tepai_bench_<scale><suffix>), for
        # a branch whose migrations must not touch the shared database.
        name = f"tepai_bench_{scale}{os.environ.get('TEPAI_BENCH_SUFFIX', '')}"
        with psycopg.connect(f"{PG_BASE}/postgres", autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = f"{PG_BASE}/{name}"
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ["TEPAI_DATA_DIR"] = f"/tmp/tepai-bench/{scale}"

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from villages.models import Village

    if not Village.objects.exists():
        started = time.perf_counter()
        call_command("generate_scale", scale)
        print(f"# generated {scale} on {backend} in {time.perf_counter() - started:.1f} s", flush=True)
        # The steady state of a live database: statistics gathered, and on PostgreSQL the
        # visibility map set (as autovacuum would), so that index-only scans can be used.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return connection


def best_of(fn, repeat):
    """Best wall time of `repeat` runs, in seconds, and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - started)
    return best, result
