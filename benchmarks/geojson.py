"""GeoJSON for the map pages: the time of each layer through its API view, request to rendered bytes.

    .venv/bin/python benchmarks/geojson.py --scale demo                       # the Bengbu demo, SQLite
    .venv/bin/python benchmarks/geojson.py --scale demo --backend postgresql
    .venv/bin/python benchmarks/geojson.py --scale province --repeat 3

`demo` is the Bengbu demo (`load_demo`: 900 villages and 179 communities in cells with the
vertices of real-looking boundaries), in /tmp/tepai-bench/demo/ or tepai_bench_demo; the other
scales are the databases benchmarks/coverage.py uses (square villages), generated if missing. Requests are made by a
superuser (a city coordinator whose role costs no query), so each figure is the layer's own
queries, geometry work and JSON rendering. The village layer is also split into its stages:
statuses and geometry from the database (`village_frame`), then simplification, rounding and
nesting (`geojson_geometries`).
"""

import argparse
import datetime

from _setup import PG_BASE, ROOT, best_of, prepare

AS_OF = datetime.date(2022, 6, 30)


def prepare_demo(backend):
    """As _setup.prepare, with the Bengbu demo (load_demo) in a database of its own."""
    import io
    import os
    import sys

    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ.pop("CELERY_BROKER_URL", None)
    if backend == "postgresql":
        import psycopg

        with psycopg.connect(f"{PG_BASE}/postgres", autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = 'tepai_bench_demo'").fetchone():
                conn.execute('CREATE DATABASE "tepai_bench_demo"')
        os.environ["DATABASE_URL"] = f"{PG_BASE}/tepai_bench_demo"
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ["TEPAI_DATA_DIR"] = "/tmp/tepai-bench/demo"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from villages.models import Village

    if not Village.objects.exists():
        call_command("load_demo", stdout=io.StringIO())
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", choices=["demo", "city", "province", "national"], default="demo")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if args.scale == "demo":
        prepare_demo(args.backend)
    else:
        prepare(args.scale, args.backend)

    import geopandas  # noqa: F401  (its import is start-up cost, not the layer's)
    import shapely
    from django.contrib.auth import get_user_model
    from rest_framework.test import APIRequestFactory, force_authenticate

    from api.coverage import views as coverage
    from villages import geometry
    from specialists.coverage.maps import village_frame

    user = get_user_model()(username="bench", is_superuser=True, is_active=True)
    factory = APIRequestFactory()

    def call(view, path, params):
        request = factory.get(path, params)
        force_authenticate(request, user=user)
        response = view(request)
        response.render()
        assert response.status_code == 200, response.content[:300]
        return response

    layers = [
        ("villages", coverage.VillageGeoJSONView.as_view(), "/api/v1/villages/geojson/", {"as_of": AS_OF.isoformat()}),
        ("villages, tolerance 20 m", coverage.VillageGeoJSONView.as_view(), "/api/v1/villages/geojson/",
         {"as_of": AS_OF.isoformat(), "tolerance": "20"}),
        ("towns, tolerance 50 m", coverage.TownGeoJSONView.as_view(), "/api/v1/towns/geojson/", {"tolerance": "50"}),
        ("counties, tolerance 200 m", coverage.CountyGeoJSONView.as_view(), "/api/v1/counties/geojson/", {"tolerance": "200"}),
    ]
    print("| scale | backend | layer | features | time | size |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, view, path, params in layers:
        call(view, path, params)  # warm: projections built, statements prepared
        seconds, response = best_of(lambda: call(view, path, params), args.repeat)  # noqa: B023 (called at once)
        features = response.data["features"]
        print(f"| {args.scale} | {args.backend} | {name} | {len(features):,} | {seconds * 1000:.0f} ms | "
              f"{len(response.content) / 1e6:.2f} MB |", flush=True)

    frame_seconds, frame = best_of(lambda: village_frame(as_of=AS_OF), args.repeat)
    shapes = frame.geometry.values
    exact_seconds, _ = best_of(lambda: geometry.geojson_geometries(shapes, 0), args.repeat)
    simplified_seconds, simplified = best_of(lambda: geometry.geojson_geometries(shapes, 20), args.repeat)
    kept = sum(len(ring) for shape in simplified if shape for polygon in shape["coordinates"] for ring in polygon)
    print(f"\nvillage layer stages, {len(frame):,} villages and communities: statuses and geometry from the database "
          f"{frame_seconds * 1000:.0f} ms; GeoJSON geometry {exact_seconds * 1000:.0f} ms exact "
          f"({int(shapely.get_num_coordinates(shapes).sum()):,} vertices), {simplified_seconds * 1000:.0f} ms simplified "
          f"at 20 m ({kept:,} vertices)")

if __name__ == "__main__":
    main()
