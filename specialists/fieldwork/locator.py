"""Which village a phone's point lies in, for logs sent without a village, and phones' points in bulk.

The locator is an `shapely.STRtree` over every village boundary, built once per process on first use
(one query, the boundaries decoded in one vectorised call) and kept: a batch of logs asks it once for
all its points. It is rebuilt when the villages change: a save or delete of a Village bumps a version
kept in Django's cache (shared between processes when CACHE_URL is set), and a locator older than
MAX_AGE is rebuilt anyway, for writes that send no signal (the boundary import writes with SQL of its
own). Reading the version is a cache read, never a query.

`gcj02_to_wgs84_many` is villages.coordinates' inverse GCJ-02 transform over numpy arrays, for a batch.
"""

import gc
import threading
import time

import numpy as np
import shapely
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from villages import coordinates
from villages.models import Village

VERSION_KEY = "tepai:village-boundaries-version"
# A locator is rebuilt after this many seconds even without a signal: what a raw SQL write changed is
# found within this long.
MAX_AGE = 600.0


class VillageLocator:
    """The villages with a boundary, in an STRtree; `locate` answers many points in one call."""

    def __init__(self, ids, shapes, version):
        self.ids = np.asarray(ids, dtype=np.int64)
        self.tree = shapely.STRtree(shapes)
        self.version = version
        self.built_at = time.monotonic()

    @classmethod
    def build(cls, version=None):
        # Hundreds of thousands of rows and shapes made at once: the garbage collector, left on, would
        # walk them again and again while they are made (none of them is garbage).
        enabled = gc.isenabled()
        gc.disable()
        try:
            rows = list(Village.objects.exclude(boundary=None).order_by("code").values_list("pk", "boundary"))
            shapes = shapely.from_wkb([bytes(boundary) for _pk, boundary in rows])
            return cls([pk for pk, _boundary in rows], shapes, version)
        finally:
            if enabled:
                gc.enable()

    def locate(self, lons, lats) -> list[tuple[int, ...]]:
        """For each WGS-84 point (taken as EPSG:4490, centimetres apart), the ids of the villages whose
        boundary holds it (on an edge counts), in code order: () for a point in no village, two or more on
        a border between villages."""
        points = shapely.points(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))
        found = [[] for _ in range(len(points))]
        if len(points) and len(self.ids):
            point_index, tree_index = self.tree.query(points, predicate="intersects")
            # The tree's indices follow code order: sorting by them keeps each point's villages in it.
            order = np.lexsort((tree_index, point_index))
            for point, village in zip(point_index[order].tolist(), self.ids[tree_index[order]].tolist(), strict=True):
                found[point].append(village)
        return [tuple(ids) for ids in found]


_lock = threading.Lock()
_kept: VillageLocator | None = None


def village_locator() -> VillageLocator:
    """This process's locator, built or rebuilt when the villages changed (or it is older than MAX_AGE)."""
    global _kept
    version = cache.get(VERSION_KEY, 0)
    with _lock:
        kept = _kept
        if kept is None or kept.version != version or time.monotonic() - kept.built_at > MAX_AGE:
            kept = _kept = VillageLocator.build(version)
        return kept


def villages_changed() -> None:
    """Every process's locator is rebuilt at its next use (this process's at once)."""
    global _kept
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 1, timeout=None)
    with _lock:
        _kept = None


@receiver(post_save, sender=Village, dispatch_uid="fieldwork_locator_village_saved")
@receiver(post_delete, sender=Village, dispatch_uid="fieldwork_locator_village_deleted")
def _village_changed(sender, **kwargs):
    villages_changed()


# ---- GCJ-02 -> WGS-84 for many points at once: villages.coordinates' formulas, over arrays ----


def _offset_lat(x, y):
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    return ret


def _offset_lon(x, y):
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    return ret


def _wgs84_to_gcj02_many(lon, lat):
    d_lat = _offset_lat(lon - 105.0, lat - 35.0)
    d_lon = _offset_lon(lon - 105.0, lat - 35.0)
    rad_lat = lat / 180.0 * np.pi
    magic = 1 - coordinates.KRASOVSKY_EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((coordinates.KRASOVSKY_A * (1 - coordinates.KRASOVSKY_EE)) / (magic * sqrt_magic) * np.pi)
    d_lon = (d_lon * 180.0) / (coordinates.KRASOVSKY_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    return lon + d_lon, lat + d_lat


def gcj02_to_wgs84_many(lons, lats) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 points -> WGS-84, as coordinates.gcj02_to_wgs84 does one (the same iteration, to the same
    tolerance, every point until all have converged); points outside China unchanged."""
    lon = np.array(lons, dtype=float)
    lat = np.array(lats, dtype=float)
    min_lon, min_lat, max_lon, max_lat = coordinates._CHINA_BOX
    active = (min_lon <= lon) & (lon <= max_lon) & (min_lat <= lat) & (lat <= max_lat)
    w_lon, w_lat = lon.copy(), lat.copy()
    for _ in range(coordinates._INVERSE_MAX_STEPS):
        if not active.any():
            break
        g_lon, g_lat = _wgs84_to_gcj02_many(w_lon[active], w_lat[active])
        step_lon, step_lat = g_lon - lon[active], g_lat - lat[active]
        w_lon[active] -= step_lon
        w_lat[active] -= step_lat
        done = (np.abs(step_lon) < coordinates.INVERSE_TOLERANCE_DEG) & (np.abs(step_lat) < coordinates.INVERSE_TOLERANCE_DEG)
        active[np.flatnonzero(active)[done]] = False
    return w_lon, w_lat
