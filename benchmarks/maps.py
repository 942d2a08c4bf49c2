"""Map rendering time and peak memory beside plain GeoDataFrame.plot, and geometry load time.

    .venv/bin/python benchmarks/maps.py --scale province [--backend postgresql]   # all measurements
    .venv/bin/python benchmarks/maps.py --scale national --backend postgresql --load-only

Ratios are the anchor's time divided by ours, measured in the same run: "10x" means our render
takes a tenth of plain GeoDataFrame.plot's time. `load` is the village geometry from the cached
village layer (villages.layers; the script writes its file first, as a live deployment keeps it),
`load_db` the same from the database (binary protocol, columns, collector paused: what rebuilding
the layer costs), `load_plain` the anchor (text protocol, a dict per row, collector on).

Each measurement runs in a fresh process so that its peak memory (max RSS) is its own. The
database is the one benchmarks/coverage.py uses (SQLite by default), generated if missing.
"""

import argparse
import datetime
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from _setup import prepare

# The cached village layer's files go here, not into the shared benchmark data folders.
os.environ.setdefault("TEPAI_MEDIA_ROOT", "/tmp/tepai-bench-media")

AS_OF = datetime.date(2022, 6, 30)
DPI = 100


def measure(name, scale, backend):
    connection = prepare(scale, backend)
    from specialists.coverage.maps import coverage_map, village_map_frames
    from villages import geometry, maps
    from villages.models import Village

    if name in ("load", "load_db", "load_plain"):
        # The village geometry as a GeoDataFrame of every village (id, geometry). geopandas is imported
        # first: its import is start-up cost, not loading.
        import geopandas as gpd

        from villages import layers

        table = Village._meta.db_table
        started, cpu = time.perf_counter(), time.process_time()
        if name == "load":
            # Ours: the cached village layer (its file written by the parent process beforehand).
            ids, shapes = layers.village_shapes()
            with geometry.collector_paused():
                frame = gpd.GeoDataFrame({"id": ids}, geometry=shapes, crs=geometry.STORAGE_CRS)
        elif name == "load_db":
            # Ours without the layer (what rebuilding it costs): binary protocol, columns, collector paused.
            ids, boundaries = geometry.fetch_columns(f"SELECT id, boundary FROM {table} ORDER BY id")
            shapes = geometry.shapes_from_wkb(boundaries)
            with geometry.collector_paused():
                frame = gpd.GeoDataFrame({"id": ids.astype("int64")}, geometry=shapes, crs=geometry.STORAGE_CRS)
        else:
            # The anchor, as issue 14 measured it: a text-protocol fetch, a dict per row, the collector on.
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT id, boundary FROM {table} ORDER BY id")
                rows = cursor.fetchall()
            frame = geometry.geodataframe([{"id": pk, "boundary": wkb} for pk, wkb in rows])
        return {"seconds": time.perf_counter() - started, "cpu_seconds": time.process_time() - cpu, "rows": len(frame)}
    if name == "ours":
        # The whole service: statuses from the database, frames, drawing, PNG.
        started = time.perf_counter()
        content = coverage_map(as_of=AS_OF, fmt="png").content
        return {"seconds": time.perf_counter() - started, "bytes": len(content)}

    frames = village_map_frames(as_of=AS_OF)
    if name == "ours_render":
        def render():
            return maps.render_village_map(frames.villages, scope="bench", as_of=AS_OF, counties=frames.counties,
                                           towns=frames.towns, labels=frames.labels, fmt="png", dpi=DPI)
    elif name == "plain":
        import io

        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        def render():
            fig, ax = plt.subplots(figsize=(12, 9))
            frames.villages.to_crs(geometry.PROJECTED_CRS).plot(ax=ax, column="status", categorical=True, edgecolor="white", linewidth=0.2)
            out = io.BytesIO()
            fig.savefig(out, format="png", dpi=DPI)
            plt.close(fig)
            return out.getvalue()
    else:
        raise SystemExit(f"unknown measurement {name}")
    # The first drawing in a process (fonts loaded, caches filled), then a second one: a map worker
    # is long-lived, so the second is what most maps cost.
    # CPU seconds beside wall seconds: on a shared machine the wall time of a single-threaded
    # drawing includes waiting for a core, the process's CPU time does not.
    started, cpu = time.perf_counter(), time.process_time()
    content = render()
    first, first_cpu = time.perf_counter() - started, time.process_time() - cpu
    started, cpu = time.perf_counter(), time.process_time()
    render()
    return {"seconds": first, "cpu_seconds": first_cpu, "warm_seconds": time.perf_counter() - started,
            "warm_cpu_seconds": time.process_time() - cpu, "bytes": len(content), "villages": len(frames.villages)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", choices=["city", "province", "national"], default="province")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--skip-plain", action="store_true", help="leave out GeoDataFrame.plot (minutes at national scale)")
    parser.add_argument("--load-only", action="store_true", help="only the geometry loads")
    parser.add_argument("--repeat", type=int, default=1, help="fresh processes per measurement; the best is kept")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.measure:
        result = measure(args.measure, args.scale, args.backend)
        result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return

    prepare(args.scale, args.backend)  # generate once, outside the measured processes
    from villages import layers

    layers.village_shapes()  # the cached village layer's file, as a live deployment keeps it
    names = (["load", "load_db", "load_plain"] + ([] if args.load_only else ["ours", "ours_render"])
             + ([] if args.skip_plain or args.load_only else ["plain"]))
    results = {}
    for name in names:
        runs = []
        for _ in range(args.repeat):
            out = subprocess.run(
                [sys.executable, str(Path(__file__)), "--scale", args.scale, "--backend", args.backend, "--measure", name],
                check=True, capture_output=True, text=True,
            ).stdout.strip().splitlines()[-1]
            runs.append(json.loads(out))
        results[name] = r = min(runs, key=lambda run: run["seconds"])
        for key in ("cpu_seconds", "warm_seconds", "warm_cpu_seconds"):
            if key in r:
                r[key] = min(run[key] for run in runs)
        print(f"map scale={args.scale} backend={args.backend} {name}: {r['seconds']:.3f} s, peak {r['peak_mb']:.0f} MB "
              + " ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in r.items() if k not in ("seconds", "peak_mb")),
              flush=True)
    # Ratios are the anchor's time over ours: 10x means ours takes a tenth of the anchor's time.
    for ours in ("load", "load_db"):
        print(f"map scale={args.scale} backend={args.backend} {ours} against the plain load (dicts, text protocol, "
              f"collector on): {results['load_plain']['seconds'] / results[ours]['seconds']:.1f}x faster")
    if "plain" in results:
        plain, ours = results["plain"], results["ours_render"]
        print(f"map scale={args.scale} backend={args.backend} speed-up of our PNG render over GeoDataFrame.plot: "
              f"{plain['seconds'] / ours['seconds']:.1f}x first drawing in a process, "
              f"{plain['warm_seconds'] / ours['warm_seconds']:.1f}x the next; in CPU time "
              f"{plain['cpu_seconds'] / ours['cpu_seconds']:.1f}x and {plain['warm_cpu_seconds'] / ours['warm_cpu_seconds']:.1f}x")

if __name__ == "__main__":
    main()
