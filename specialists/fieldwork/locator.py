"""Which village a phone's point lies in, for logs sent without a village, and phones' points in bulk.

The locator is an `shapely.STRtree` over every village boundary, built once per process on first use
(one query, the boundaries decoded in one vectorised call) and kept: a batch of logs asks it once for
all its points. It is rebuilt when the boundaries change: villages.layers keeps a version in
Django's cache (shared between processes when CACHE_URL is set) that every save or delete of a
village or town and the boundary import move on, and a locator older than MAX_AGE is rebuilt anyway,
for writes no one reported (raw SQL). Reading the version is a cache read, never a query.
"""

import gc
import threading
import time

import numpy as np
import shapely

from villages.layers import boundaries_version, invalidate_village_layer
from villages.models import Village

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
    """This process's locator, built or rebuilt when the boundaries changed (villages.layers'
    boundaries version, moved on by every save of a village or town and by the boundary import), or
    when it is older than MAX_AGE."""
    global _kept
    version = boundaries_version()
    with _lock:
        kept = _kept
        if kept is None or kept.version != version or time.monotonic() - kept.built_at > MAX_AGE:
            kept = _kept = VillageLocator.build(version)
        return kept


def villages_changed() -> None:
    """Every process's locator is rebuilt at its next use."""
    invalidate_village_layer()
