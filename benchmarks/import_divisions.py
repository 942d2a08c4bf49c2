"""The division list import (villages.imports.divisions) on a synthetic national-shaped NBS list.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/tepai_bench_div .venv/bin/python benchmarks/import_divisions.py --scale national
    DATABASE_URL=... .venv/bin/python benchmarks/import_divisions.py --scale province

The list is written to a temporary folder: national is 31 provinces, 341 cities, ~2,860 county-level
units, ~41,000 towns and ~656,000 village-level units (a fifth of them communities), codes
well-formed, with level, parent and classification columns; province is one province of 15,000
village-level units. The division tables of the configured database are emptied first (it must be a
database of its own: `createdb tepai_bench_div` and `manage.py migrate`).

Each phase runs in a fresh process, so that its peak RSS (getrusage) is its own:
- anchor: csv.reader over the same file, and a plain bulk_create of the same rows level by level
  (parents looked up in dicts, batches of 2,000) into the empty tables, rolled back. It is the least
  any import of this file must do (read it once, insert every row), so the ratio says what the
  import's checks, second reading, per-chunk comparison and plan cost on top;
- import: the kind's commit into the empty tables, in one transaction, committed;
- again: the same file once more, every row unchanged (one SELECT per chunk, no writes), rolled back.
"""

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = ["统计用区划代码", "名称", "级别", "上级代码", "城乡分类代码"]
SCALES = {
    # provinces, cities per province, counties per city (alternating), towns per county, villages per town
    "national": (31, 11, (8, 9), (14, 15), (15, 17)),
    "province": (1, 16, (6, 7), (9, 10), (15, 16)),
}


def pad(code):
    return code.ljust(12, "0")


def write_list(path, scale):
    """The synthetic NBS list; returns its number of rows by level."""
    provinces, cities, counties, towns, villages = SCALES[scale]
    with open(ROOT / "villages" / "data" / "china" / "divisions.csv", encoding="utf-8", newline="") as source:
        province_codes = [row["code"] for row in csv.DictReader(source) if row["level"] == "province"][:provinces]
    if scale == "province":
        province_codes = ["34"]
    counts = dict.fromkeys(["province", "city", "county", "town", "village"], 0)
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        serial = 0
        for p in province_codes:
            writer.writerow([pad(p), f"省{p}", "1", "", ""])
            counts["province"] += 1
            for c in range(1, cities + 1):
                city = f"{p}{c:02d}"
                writer.writerow([pad(city), f"市{city}", "2", pad(p), ""])
                counts["city"] += 1
                for k in range(1, counties[c % 2] + 1):
                    county = f"{city}{k:02d}"
                    writer.writerow([pad(county), f"县{county}{'区' if k <= 2 else '县'}", "3", pad(city), ""])
                    counts["county"] += 1
                    for t in range(1, towns[k % 2] + 1):
                        town = f"{county}{100 + t:03d}"
                        writer.writerow([pad(town), f"镇{town}{'街道' if t == 1 else '镇'}", "4", pad(county), ""])
                        counts["town"] += 1
                        n = villages[t % 2]
                        for v in range(1, n + 1):
                            serial += 1
                            community = v <= n // 5
                            code = f"{town}{v:03d}" if community else f"{town}{200 + v:03d}"
                            name = f"新{serial}社区居委会" if community else f"{serial}村村民委员会"
                            writer.writerow([code, name, "5", pad(town), "111" if community else "220"])
                            counts["village"] += 1
    return counts


def setup_django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.pop("CELERY_BROKER_URL", None)
    import django

    django.setup()
    from django.conf import settings

    # As in production: with DEBUG, Django keeps the last 9,000 statements' SQL (a bulk insert of
    # 2,000 rows is ~150 KB of it), which would be counted in the import's peak memory.
    settings.DEBUG = False


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Rollback(Exception):
    pass


def phase_anchor(path):
    from django.db import transaction

    from villages.models import City, County, Province, Town, Village

    started = time.perf_counter()
    with open(path, encoding="utf-8", newline="") as source:
        rows = sum(1 for _row in csv.reader(source)) - 1
    read_s = time.perf_counter() - started
    models = {"1": (Province, None), "2": (City, "province_id"), "3": (County, "city_id"), "4": (Town, "county_id"), "5": (Village, "town_id")}
    lengths = {"1": 2, "2": 4, "3": 6, "4": 9, "5": 12}
    ids = {level: {} for level in models}
    started = time.perf_counter()
    try:
        with transaction.atomic():
            batch, batch_level = [], None

            def flush():
                if batch:
                    model = models[batch_level][0]
                    model.objects.bulk_create(batch, batch_size=2000)
                    ids[batch_level].update((obj.code, obj.pk) for obj in batch)
                    batch.clear()

            with open(path, encoding="utf-8", newline="") as source:
                reader = csv.reader(source)
                next(reader)
                for code, name, level, parent, _classification in reader:
                    if level != batch_level or len(batch) >= 2000:
                        flush()
                        batch_level = level
                    model, parent_field = models[level]
                    fields = {"code": code[:lengths[level]], "name": name}
                    if parent_field:
                        parent_level = str(int(level) - 1)
                        fields[parent_field] = ids[parent_level][parent[:lengths[parent_level]]]
                    if level in ("3", "4"):
                        fields["kind"] = "county" if level == "3" else "town"
                    batch.append(model(**fields))
                flush()
            raise Rollback
    except Rollback:
        pass
    return {"rows": rows, "read_s": read_s, "insert_s": time.perf_counter() - started}


def phase_import(path, keep):
    from django.db import transaction

    from villages.imports import divisions, files
    from villages.places import EVERYWHERE

    data = Path(path).read_bytes()
    started = time.perf_counter()
    calls = []
    upload = files.open_upload(Path(path).name, data, max_bytes=len(data) + 1)
    try:
        with transaction.atomic():
            plan = divisions.DIVISIONS.commit(upload, place=EVERYWHERE, options={}, progress=lambda done, total: calls.append(done))
            if not keep:
                raise Rollback
    except Rollback:
        pass
    return {"rows": plan.rows, "s": time.perf_counter() - started, "summary": plan.summary(),
            "problems": len(plan.problems), "progress_calls": len(calls)}


def run_phase(name, path, scale):
    """The phase in a fresh process: its result and its own peak RSS."""
    out = subprocess.run([sys.executable, __file__, "--phase", name, "--file", str(path), "--scale", scale],
                         check=True, capture_output=True, text=True, env=os.environ)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", choices=list(SCALES), default="province")
    parser.add_argument("--phase", choices=["anchor", "import", "again", "empty"])
    parser.add_argument("--file")
    args = parser.parse_args()

    if args.phase:
        setup_django()
        if args.phase == "empty":
            from django.db import connection

            from villages.models import City, County, Province, Town, Village

            tables = [model._meta.db_table for model in (Village, Town, County, City, Province)]
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    # CASCADE: whatever the bench database holds beside the tree goes too.
                    cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
            else:
                for model in (Village, Town, County, City, Province):
                    model.objects.all().delete()
            result = {}
        elif args.phase == "anchor":
            result = phase_anchor(args.file)
        else:
            result = phase_import(args.file, keep=args.phase == "import")
        result["peak_mb"] = round(peak_mb(), 1)
        print(json.dumps(result))
        return

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"divisions-{args.scale}.csv"
        counts = write_list(path, args.scale)
        size_mb = path.stat().st_size / 1048576
        print(f"# {args.scale}: {counts} ({size_mb:.1f} MB)", flush=True)
        run_phase("empty", path, args.scale)
        anchor = run_phase("anchor", path, args.scale)
        anchor_s = anchor["read_s"] + anchor["insert_s"]
        imported = run_phase("import", path, args.scale)
        again = run_phase("again", path, args.scale)
        rows = anchor["rows"]
        print(
            f"import_divisions scale={args.scale} rows={rows} file_mb={size_mb:.1f} "
            f"anchor_s={anchor_s:.1f} (read {anchor['read_s']:.1f} + insert {anchor['insert_s']:.1f}) anchor_peak_mb={anchor['peak_mb']} "
            f"import_s={imported['s']:.1f} rows_per_s={rows / imported['s']:.0f} import_peak_mb={imported['peak_mb']} "
            f"ratio_to_anchor={imported['s'] / anchor_s:.2f} "
            f"again_s={again['s']:.1f} again_rows_per_s={rows / again['s']:.0f} again_peak_mb={again['peak_mb']} "
            f"progress_calls={imported['progress_calls']} problems={imported['problems']}"
        )
        print(f"# import summary: {imported['summary']}")
        print(f"# again summary: {again['summary']}")


if __name__ == "__main__":
    main()
