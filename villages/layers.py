"""The village layer kept ready to decode: every village's id and boundary as shapely's ragged arrays.

Reading 490,000 village boundaries from the database and decoding their WKB takes about 0.65 s
of CPU even with the binary protocol and the collector paused (villages.geometry). Here the whole layer is kept in one `.npz` file under
`MEDIA_ROOT/cache/`: the village ids in order, and the boundaries as one array of coordinates
plus three offset arrays (rings, polygons, parts), which `shapely.from_ragged_array` turns back
into geometries with no query at all (about 0.3 s of CPU for the nation's 490,000 villages, most
of it shapely making the geometries, against 0.65 s read and decoded from the database). Each process
also keeps the arrays it loaded (55 MB for the benchmarks' 490,000 square villages), checked against
the file's modification time at every use.

Rebuilt when boundaries change: the file is deleted (`invalidate_village_layer`) when a village
or town is saved or deleted through the ORM (immediately and again when the transaction commits),
and the boundary import, which writes with `executemany` and so sends no signal, calls
`invalidate_village_layer` after it has written. A village the file does not know (created by
`bulk_create`, which sends no signal either) makes the next use rebuild it. An update that
bypasses both (raw SQL, `QuerySet.update` of boundaries) must call `invalidate_village_layer`.

Never built from uncommitted data: inside a transaction (`atomic`) the layer is neither written
nor used (`usable()` is false) and callers read boundaries from the database as before, since
rows the transaction changed would otherwise end up in a file other processes trust.
"""

import hashlib
import logging
import os
import tempfile
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models.signals import post_delete, post_save

logger = logging.getLogger(__name__)

# The layer's file format: bump when the arrays stored change.
FORMAT = 1


@dataclass(frozen=True)
class _Layer:
    ids: np.ndarray  # int64, ascending
    missing: np.ndarray  # bool per village: no stored boundary (kept as an empty shape in the arrays)
    coords: np.ndarray  # float64 (n, 2)
    offsets: tuple  # ring, polygon and part offsets (int64), as shapely.to_ragged_array gives them
    stamp: tuple | None  # (mtime_ns, size, inode) of the file it was read from or written to

    def shapes(self, positions=None) -> np.ndarray:
        """Geometries of the villages at `positions` (all when None), None where there is no boundary."""
        coords, offsets, missing = self.coords, self.offsets, self.missing
        if positions is not None:
            coords, offsets = _take(coords, offsets, positions)
            missing = missing[positions]
        from villages.geometry import collector_paused

        with collector_paused():
            shapes = shapely.from_ragged_array(shapely.GeometryType.MULTIPOLYGON, coords, offsets)
        if missing.any():
            shapes[missing] = None
        return shapes


_memo: dict[str, _Layer] = {}
_lock = threading.Lock()


def usable(using=DEFAULT_DB_ALIAS) -> bool:
    """Whether the layer may be read or built now: never inside a transaction (see the module's note)."""
    return not connections[using].in_atomic_block


def village_shapes(ids=None, *, using=DEFAULT_DB_ALIAS):
    """(ids, shapes): village ids and their boundaries (shapely geometries, None where none is stored).

    With ids None, every village in id order; otherwise the shapes of the given ids, in their
    order. No query when the layer's file is there and knows every id; otherwise one query builds
    it (and the file is written, outside a transaction). Callers should ask `usable()` first.
    """
    layer = _current(using)
    if ids is None:
        return layer.ids, layer.shapes()
    ids = np.asarray(ids, dtype=np.int64)
    positions = _positions(layer, ids)
    if positions is None and layer.stamp is not None:
        # A village the layer does not know (added by bulk_create, which sends no signal): rebuild.
        invalidate_village_layer(using=using)
        layer = _current(using)
        positions = _positions(layer, ids)
    if positions is None:
        raise LookupError("villages missing from the village layer: they are not in the database")
    return ids, layer.shapes(positions)


# A number that changes whenever village boundaries may have: kept in Django's cache (shared by the
# processes when CACHE_URL is set), for what else is built from the boundaries in a process (the
# service logs' village locator) to know when to rebuild.
BOUNDARIES_VERSION_KEY = "tepai:village-boundaries-version"


def boundaries_version() -> int:
    """The current boundaries version: a cache read, never a query."""
    from django.core.cache import cache

    return cache.get(BOUNDARIES_VERSION_KEY, 0)


def _changed(using):
    from django.core.cache import cache

    _forget(using)
    try:
        cache.incr(BOUNDARIES_VERSION_KEY)
    except ValueError:
        cache.set(BOUNDARIES_VERSION_KEY, 1, timeout=None)


def invalidate_village_layer(*, using=DEFAULT_DB_ALIAS):
    """Forget the cached village layer of this database, and move the boundaries version on, now and
    again when the transaction commits.

    Call it after changing boundaries without the ORM's save or delete (the boundary import's
    executemany, raw SQL, QuerySet.update). Cheap: deletes a file.
    """
    _changed(using)
    if connections[using].in_atomic_block:
        transaction.on_commit(lambda: _changed(using), using=using)


def _forget(using):
    path = _path(using)
    with _lock:
        _memo.pop(str(path), None)
        if not path.parent.is_dir():
            return  # no layer was ever built here (and none is being built: a build makes the folder first)
        try:
            # A new generation first, so that a build that began before this does not write its file.
            _generation_path(path).write_text(uuid.uuid4().hex)
            path.unlink(missing_ok=True)
        except OSError as error:
            logger.warning("could not invalidate the village layer at %s: %s", path, error)


def _positions(layer, ids):
    if not len(ids):
        return np.zeros(0, dtype=np.int64)
    positions = np.searchsorted(layer.ids, ids)
    inside = positions < len(layer.ids)
    if not inside.all() or not (layer.ids[positions] == ids).all():
        return None
    return positions


def _current(using) -> _Layer:
    path = _path(using)
    stamp = _stamp(path)
    with _lock:
        layer = _memo.get(str(path))
    if layer is not None and stamp is not None and layer.stamp == stamp:
        return layer
    if stamp is not None:
        try:
            layer = _read(path)
        except (OSError, ValueError, KeyError) as error:
            logger.warning("unreadable village layer %s, rebuilding it: %s", path, error)
        else:
            with _lock:
                _memo[str(path)] = layer
            return layer
    return _build(path, using)


def _build(path, using) -> _Layer:
    from villages.geometry import fetch_columns, shapes_from_wkb
    from villages.models import Village

    keep = usable(using)
    if keep:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            logger.warning("could not make the folder of the village layer %s: %s", path.parent, error)
    generation = _generation(path)
    table = connections[using].ops.quote_name(Village._meta.db_table)
    ids, boundaries = fetch_columns(f"SELECT id, boundary FROM {table} ORDER BY id", using=using)
    shapes = shapes_from_wkb(boundaries)
    missing = shapely.is_missing(shapes)
    shapes[missing] = shapely.from_wkt("MULTIPOLYGON EMPTY")
    # Stored boundaries are multipolygons; a polygon would make to_ragged_array mix types.
    single = np.flatnonzero(shapely.get_type_id(shapes) == shapely.GeometryType.POLYGON)
    if len(single):
        shapes[single] = shapely.multipolygons(shapes[single], indices=np.arange(len(single)))
    if len(shapes):
        _kind, coords, offsets = shapely.to_ragged_array(shapes)
    else:
        coords, offsets = np.zeros((0, 2)), (np.zeros(1, dtype=np.int64),) * 3
    layer = _Layer(ids.astype(np.int64), missing, coords, tuple(np.asarray(o, dtype=np.int64) for o in offsets), None)
    if not keep:
        return layer
    stamp = _write(path, layer, generation)
    if stamp is None:
        return layer
    layer = _Layer(layer.ids, layer.missing, layer.coords, layer.offsets, stamp)
    with _lock:
        _memo[str(path)] = layer
    return layer


def _write(path, layer, generation):
    """Write the layer's file unless it was invalidated meanwhile; its stamp, or None when not written."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
        with os.fdopen(handle, "wb") as out:
            ring, polygon, part = layer.offsets
            np.savez(out, format=np.int64(FORMAT), ids=layer.ids, missing=layer.missing, coords=layer.coords,
                     ring_offsets=ring, polygon_offsets=polygon, part_offsets=part)
        with _lock:
            if _generation(path) != generation:
                os.unlink(temporary)
                return None
            os.replace(temporary, path)
            return _stamp(path)
    except OSError as error:
        logger.warning("could not write the village layer at %s: %s", path, error)
        return None


def _read(path) -> _Layer:
    with np.load(path, allow_pickle=False) as data:
        if int(data["format"]) != FORMAT:
            raise ValueError(f"format {int(data['format'])}, not {FORMAT}")
        offsets = (data["ring_offsets"], data["polygon_offsets"], data["part_offsets"])
        layer = _Layer(data["ids"], data["missing"], data["coords"], offsets, None)
    return _Layer(layer.ids, layer.missing, layer.coords, layer.offsets, _stamp(path))


def _take(coords, offsets, positions):
    """The ragged arrays of the multipolygons at `positions` (in that order)."""
    ring_offsets, polygon_offsets, part_offsets = offsets
    positions = np.asarray(positions, dtype=np.int64)

    def gather(bounds, selected):
        # For each selected item, the range bounds[i]..bounds[i+1]: the indices of its members, in
        # order, and the new offsets of the gathered members.
        starts, ends = bounds[selected], bounds[selected + 1]
        lengths = ends - starts
        new_offsets = np.zeros(len(selected) + 1, dtype=np.int64)
        np.cumsum(lengths, out=new_offsets[1:])
        members = np.repeat(starts - new_offsets[:-1], lengths) + np.arange(new_offsets[-1])
        return members, new_offsets

    polygons, new_parts = gather(part_offsets, positions)
    rings, new_polygons = gather(polygon_offsets, polygons)
    points, new_rings = gather(ring_offsets, rings)
    return coords[points], (new_rings, new_polygons, new_parts)


def _path(using) -> Path:
    # One file per database: the benchmarks' databases, a developer's and the tests' never share one.
    db = connections[using].settings_dict
    key = hashlib.sha256(repr((connections[using].vendor, str(db.get("NAME")), db.get("HOST"), db.get("PORT"))).encode()).hexdigest()[:16]
    return Path(settings.MEDIA_ROOT) / "cache" / f"village-layer-{key}.npz"


def _generation_path(path):
    return path.with_suffix(".generation")


def _generation(path):
    try:
        return _generation_path(path).read_text()
    except OSError:
        return ""


def _stamp(path):
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino)


def _boundary_changed(sender, instance=None, using=DEFAULT_DB_ALIAS, update_fields=None, **kwargs):
    if update_fields is not None and "boundary" not in update_fields:
        return
    invalidate_village_layer(using=using)


# Villages and towns saved or deleted through the ORM (the admin, the services) drop the layer.
for _model in ("villages.Village", "villages.Town"):
    post_save.connect(_boundary_changed, sender=_model, dispatch_uid=f"village-layer-save-{_model}")
    post_delete.connect(_boundary_changed, sender=_model, dispatch_uid=f"village-layer-delete-{_model}")
