"""The boundaries import at a province's size: 15,000 village boundaries from one GeoPackage, planned
and committed, beside reading the same file with pyogrio and writing the same WKB with a bare
bulk_update (the floors no import can beat).

    .venv/bin/python benchmarks/import_boundaries.py                       # SQLite, /tmp/tepai-bench/bnd/
    .venv/bin/python benchmarks/import_boundaries.py --backend postgresql  # database tepai_bench_bnd

The divisions are synthetic and created in bulk, not by generate_scale (which also makes people):
1 province, 1 city, 10 county-level units of 15 towns of 100 villages, each village a square
densified to 64 vertices, nearer a real village's outline than 4 corners. Every village starts
without a boundary, so that a commit updates all 15,000; the plan of the same file once committed
(all unchanged) is the re-import a bureau makes by mistake. Prints one line per measurement, each
also as a ratio to the pyogrio read.
"""

import argparse
import io
import os
import sys
import tempfile
import time
import warnings

from _setup import PG_BASE, ROOT, best_of

COUNTIES, TOWNS, VILLAGES = 10, 15, 100  # towns per county, villages per town (10 x 10)
VERTICES = 64
WEST, SOUTH = 115.5, 31.0  # the grid's south-west corner, inside Anhui
COUNTY_DEG, TOWN_DEG = 0.5, 0.1  # county boxes in a row of 10, towns 5 x 3 in each


def prepare(backend):
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ.pop("CELERY_BROKER_URL", None)
    if backend == "postgresql":
        import psycopg

        with psycopg.connect(f"{PG_BASE}/postgres", autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = 'tepai_bench_bnd'").fetchone():
                conn.execute('CREATE DATABASE "tepai_bench_bnd"')
        os.environ["DATABASE_URL"] = f"{PG_BASE}/tepai_bench_bnd"
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ["TEPAI_DATA_DIR"] = "/tmp/tepai-bench/bnd"
        os.makedirs("/tmp/tepai-bench/bnd", exist_ok=True)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def divisions():
    """(rows to create, village squares by code) of the synthetic province."""
    import shapely
    from shapely.geometry import box

    from villages import geometry
    from villages.models import City, County, Province, Town, Village

    province = Province(code="34", name="安徽省")
    city = City(code="3401", name="合肥市", province=province)
    counties, towns, villages, squares = [], [], [], {}
    for c in range(COUNTIES):
        x0 = WEST + c * COUNTY_DEG
        county = County(code=f"3401{c + 11:02d}", name=f"县{c + 1}", kind=County.Kind.COUNTY, city=city,
                        boundary=geometry.to_wkb(box(x0, SOUTH, x0 + COUNTY_DEG, SOUTH + 3 * TOWN_DEG)))
        counties.append(county)
        for t in range(TOWNS):
            tx, ty = x0 + (t % 5) * TOWN_DEG, SOUTH + (t // 5) * TOWN_DEG
            town = Town(code=f"{county.code}{t + 100:03d}", name=f"{county.name}镇{t + 1}", kind=Town.Kind.TOWN, county=county,
                        boundary=geometry.to_wkb(box(tx, ty, tx + TOWN_DEG, ty + TOWN_DEG)))
            towns.append(town)
            side = TOWN_DEG / 10
            for v in range(VILLAGES):
                vx, vy = tx + (v % 10) * side, ty + (v // 10) * side
                code = f"{town.code}{v + 200:03d}"
                squares[code] = shapely.segmentize(box(vx, vy, vx + side, vy + side), side / (VERTICES / 4))
                villages.append(Village(code=code, name=f"{town.name}村{v + 1}", town=town))
    return province, city, counties, towns, villages, squares


def fill(province, city, counties, towns, villages):
    from django.db import connection, transaction

    from villages.models import City, County, Province, Town, Village

    with transaction.atomic():
        for model in (Village, Town, County, City, Province):
            model.objects.all().delete()
        province.save()
        city.province = province
        city.save()
        for county in counties:
            county.city = city
        County.objects.bulk_create(counties)
        for town in towns:
            town.county = town.county
        Town.objects.bulk_create(towns, batch_size=1000)
        for village in villages:
            village.town = village.town
        Village.objects.bulk_create(villages, batch_size=1000)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    prepare(args.backend)

    import geopandas as gpd
    import pyogrio
    import shapely
    from django.db import transaction

    from villages.imports.boundaries import BOUNDARIES
    from villages.imports.files import open_upload
    from villages.models import Village
    from villages.places import EVERYWHERE

    started = time.perf_counter()
    province, city, counties, towns, villages, squares = divisions()
    fill(province, city, counties, towns, villages)
    print(f"# {len(villages):,} villages in {len(towns)} towns created on {args.backend} in {time.perf_counter() - started:.1f} s", flush=True)

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "villages.gpkg")
        frame = gpd.GeoDataFrame({"XZQDM": list(squares), "CMC": [v.name for v in villages]},
                                 geometry=list(squares.values()), crs="EPSG:4490")
        pyogrio.write_dataframe(frame, path, layer="villages")
        with open(path, "rb") as handle:
            data = handle.read()
    upload = open_upload("villages.gpkg", data)
    wkb = shapely.to_wkb(shapely.multipolygons([[s] for s in squares.values()]))
    pks = dict(Village.objects.values_list("code", "pk"))

    def clear():
        Village.objects.update(boundary=None, lon=None, lat=None)

    def read():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a GeoPackage read from memory has no .gpkg name
            return pyogrio.read_dataframe(io.BytesIO(data))

    def bare_update():
        with transaction.atomic():
            Village.objects.bulk_update([Village(pk=pks[code], boundary=b) for code, b in zip(squares, wkb, strict=True)],
                                        ["boundary"], batch_size=1000)

    def plan():
        return BOUNDARIES.plan(upload, place=EVERYWHERE, options={})

    def commit():
        with transaction.atomic():
            return BOUNDARIES.commit(upload, place=EVERYWHERE, options={}, progress=lambda done, total: None)

    def timed_after_clear(fn):
        best, result = float("inf"), None
        for _ in range(args.repeat):
            clear()
            started = time.perf_counter()
            result = fn()
            best = min(best, time.perf_counter() - started)
        return best, result

    read()  # warm: GDAL's drivers loaded
    anchor, _frame = best_of(read, args.repeat)
    update_seconds, _ = timed_after_clear(bare_update)
    plan_seconds, planned = timed_after_clear(plan)
    assert planned.ok and planned.count("update") == len(villages), planned.as_dict()["problems"][:3]
    commit_seconds, committed = timed_after_clear(commit)
    assert committed.count("update") == len(villages)
    again_seconds, again = best_of(plan, args.repeat)
    assert again.count("unchanged") == len(villages) and again.count("update") == 0

    print(f"| backend | measurement | {len(villages):,} villages | x pyogrio read |")
    print("| --- | --- | --- | --- |")
    for name, seconds in [
        (f"pyogrio.read_dataframe of the GeoPackage ({len(data) / 1e6:.1f} MB)", anchor),
        ("bare bulk_update of the WKB", update_seconds),
        ("plan (all update)", plan_seconds),
        ("commit: plan and write (all update)", commit_seconds),
        ("plan again once committed (all unchanged)", again_seconds),
    ]:
        print(f"| {args.backend} | {name} | {seconds:.2f} s | {seconds / anchor:.1f} |", flush=True)


if __name__ == "__main__":
    main()
