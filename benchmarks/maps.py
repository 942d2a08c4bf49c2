"""Map rendering time and peak memory beside plain GeoDataFrame.plot, and geometry load time.

    .venv/bin/python benchmarks/maps.py --scale province            # all measurements
    .venv/bin/python benchmarks/maps.py --scale national --skip-plain

Each measurement runs in a fresh process so that its peak memory (max RSS) is its own. The
database is the one benchmarks/coverage.py uses (SQLite by default), generated if missing.
"""

import argparse
import datetime
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from _setup import prepare

AS_OF = datetime.date(2022, 6, 30)
DPI = 100


def measure(name, scale, backend):
    connection = prepare(scale, backend)
    from specialists.coverage.maps import coverage_map, village_map_frames
    from villages import geometry, maps
    from villages.models import Village

    if name == "load":
        # The village geometry as a GeoDataFrame: fetch the WKB, decode it in one vectorised call.
        # (geopandas is imported first: its import is start-up cost, not loading.)
        import geopandas  # noqa: F401

        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id, boundary FROM {Village._meta.db_table}")
            rows = cursor.fetchall()
        frame = geometry.geodataframe([{"id": pk, "boundary": wkb} for pk, wkb in rows])
        return {"seconds": time.perf_counter() - started, "rows": len(frame)}
    if name == "ours":
        # The whole service: statuses from the database, frames, drawing, PNG.
        started = time.perf_counter()
        content = coverage_map(as_of=AS_OF, fmt="png").content
        return {"seconds": time.perf_counter() - started, "bytes": len(content)}

    frames = village_map_frames(as_of=AS_OF)
    if name == "ours_render":
        started = time.perf_counter()
        content = maps.render_village_map(frames.villages, scope="bench", as_of=AS_OF, counties=frames.counties,
                                          towns=frames.towns, labels=frames.labels, fmt="png", dpi=DPI)
        return {"seconds": time.perf_counter() - started, "bytes": len(content), "villages": len(frames.villages)}
    if name == "plain":
        import io

        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        started = time.perf_counter()
        fig, ax = plt.subplots(figsize=(12, 9))
        frames.villages.to_crs(geometry.PROJECTED_CRS).plot(ax=ax, column="status", categorical=True, edgecolor="white", linewidth=0.2)
        out = io.BytesIO()
        fig.savefig(out, format="png", dpi=DPI)
        return {"seconds": time.perf_counter() - started, "bytes": out.tell(), "villages": len(frames.villages)}
    raise SystemExit(f"unknown measurement {name}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", choices=["city", "province", "national"], default="province")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--skip-plain", action="store_true", help="leave out GeoDataFrame.plot (minutes at national scale)")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.measure:
        result = measure(args.measure, args.scale, args.backend)
        result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return

    prepare(args.scale, args.backend)  # generate once, outside the measured processes
    names = ["load", "ours", "ours_render"] + ([] if args.skip_plain else ["plain"])
    results = {}
    for name in names:
        out = subprocess.run(
            [sys.executable, str(Path(__file__)), "--scale", args.scale, "--backend", args.backend, "--measure", name],
            check=True, capture_output=True, text=True,
        ).stdout.strip().splitlines()[-1]
        results[name] = json.loads(out)
        r = results[name]
        print(f"map scale={args.scale} backend={args.backend} {name}: {r['seconds']:.3f} s, peak {r['peak_mb']:.0f} MB "
              + " ".join(f"{k}={v}" for k, v in r.items() if k not in ("seconds", "peak_mb")), flush=True)
    if "plain" in results:
        print(f"map scale={args.scale} speed-up of our PNG render over GeoDataFrame.plot: "
              f"{results['plain']['seconds'] / results['ours_render']['seconds']:.1f}x")


if __name__ == "__main__":
    main()
