"""Geometry stored portably: boundaries as WKB bytes in EPSG:4490 longitude/latitude.

No GeoDjango: shapely reads and writes the bytes, and many rows at once become a GeoDataFrame
through shapely's vectorised WKB reader. geopandas is imported lazily, because only map and
export code needs it and it is slow to import.

Many shapes at once. Every shapely geometry is an object the garbage collector tracks, so decoding
490,000 boundaries with the collector on wakes it hundreds of times, each pass walking every shape
made so far: half or more of the decoding time. Bulk decoding and drawing therefore run inside
`collector_paused()`. On PostgreSQL boundaries are read with the binary protocol (`fetch_columns`),
which hands bytea over as bytes instead of hex text to be decoded, and rows become columns (numpy
arrays) rather than a dict each. That still leaves 490,000 villages at about 0.65 s of CPU read
from the database and decoded (1.1 to 2.1 s of wall time on two busy shared cores, against 1.7
to 3.0 s the old way, with a dict per row); the whole village layer is therefore also kept on disk as ragged arrays
(villages.layers), which loads it with no query in about 0.3 s of CPU: shapely's construction
of the 490,000 geometries is most of that.
"""

import contextlib
import functools
import gc
import threading

import numpy as np
import shapely
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

# Stored geometry is CGCS2000 geographic (EPSG:4490), which differs from WGS-84 by centimetres.
STORAGE_CRS = "EPSG:4490"
# CGCS2000 3-degree Gauss-Kruger CM 117E: metres for distances, areas and scale bars in Anhui.
PROJECTED_CRS = "EPSG:4548"

# China's extent, with margin: a point outside it is a swapped or mistyped coordinate.
CHINA_LON = (73.0, 136.0)
CHINA_LAT = (3.0, 54.0)


def as_multipolygon(geom: BaseGeometry) -> MultiPolygon:
    if isinstance(geom, Polygon):
        return MultiPolygon([geom])
    if isinstance(geom, MultiPolygon):
        return geom
    raise ValidationError(_("A boundary must be a polygon or multipolygon, not %(kind)s."), params={"kind": geom.geom_type})


def validate_boundary(geom: BaseGeometry) -> None:
    """Refuse anything but a non-empty, valid (multi)polygon inside China's longitude/latitude range."""
    as_multipolygon(geom)
    if geom.is_empty:
        raise ValidationError(_("A boundary must not be empty."))
    if not geom.is_valid:
        raise ValidationError(_("The boundary is not a valid polygon: %(reason)s."), params={"reason": shapely.is_valid_reason(geom)})
    min_lon, min_lat, max_lon, max_lat = geom.bounds
    if min_lon < CHINA_LON[0] or max_lon > CHINA_LON[1] or min_lat < CHINA_LAT[0] or max_lat > CHINA_LAT[1]:
        raise ValidationError(_("The boundary lies outside China's longitude/latitude range; coordinates must be EPSG:4490 longitude, latitude."))


def validate_point(lon: float | None, lat: float | None) -> None:
    if lon is None and lat is None:
        return
    if lon is None or lat is None:
        raise ValidationError(_("Longitude and latitude must be given together."))
    if not (CHINA_LON[0] <= lon <= CHINA_LON[1] and CHINA_LAT[0] <= lat <= CHINA_LAT[1]):
        raise ValidationError(_("The point (%(lon)s, %(lat)s) lies outside China; give longitude first, then latitude."), params={"lon": lon, "lat": lat})


def to_wkb(geom: BaseGeometry) -> bytes:
    """Validate and serialise a boundary as a MultiPolygon in WKB, the stored form."""
    validate_boundary(geom)
    return shapely.to_wkb(as_multipolygon(geom))


def from_wkb(data: bytes | memoryview | None) -> MultiPolygon | None:
    if data is None:
        return None
    return shapely.from_wkb(bytes(data))


# --- Many shapes at once ----------------------------------------------------------------------------

_collector_lock = threading.Lock()
_collector_pauses = 0
_collector_was_enabled = False


@contextlib.contextmanager
def collector_paused():
    """Run the block with Python's cyclic garbage collector off, and put it back as it was after.

    For sections that make hundreds of thousands of shapely objects (decoding, drawing): none of
    them can be in a reference cycle, so the collector's passes there are pure cost. Nested and
    threaded uses are counted, so the collector comes back on only when the last section ends,
    and only if it was on when the first began.
    """
    global _collector_pauses, _collector_was_enabled
    with _collector_lock:
        if _collector_pauses == 0:
            _collector_was_enabled = gc.isenabled()
            gc.disable()
        _collector_pauses += 1
    try:
        yield
    finally:
        with _collector_lock:
            _collector_pauses -= 1
            if _collector_pauses == 0 and _collector_was_enabled:
                gc.enable()


def wkb_array(values) -> np.ndarray:
    """A column of WKB (bytes, memoryview from SQLite or psycopg's text protocol, or None) as a numpy object array.

    Bytes and None pass through untouched; only memoryviews are copied to bytes, which shapely needs.
    """
    column = np.empty(len(values), dtype=object)
    column[:] = values if not isinstance(values, np.ndarray) else values.astype(object, copy=False)
    views = np.flatnonzero([isinstance(value, memoryview) for value in column]) if len(column) else ()
    for index in views:
        column[index] = bytes(column[index])
    return column


def shapes_from_wkb(values) -> np.ndarray:
    """A column of WKB -> a numpy array of shapely geometries (None where the WKB is None), in one call."""
    column = wkb_array(values)
    with collector_paused():
        return shapely.from_wkb(column)


def fetch_columns(sql, params=None, *, using="default"):
    """Run a SELECT and return its result as one numpy object array per column, in the SELECT's order.

    On PostgreSQL through a binary cursor of psycopg: bytea arrives as bytes, with no hex text to
    decode, and numbers unparsed. Such a cursor binds parameters on the server, so a parameter is
    one value (write `= ANY(%s)` with a list, not `IN %s` with a tuple). Rows are read with the collector paused (each row is a tuple it
    would track) and turned into columns without a dict or object per row.
    """
    from django.db import connections

    connection = connections[using]
    with collector_paused():
        with _cursor(connection) as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
            width = len(cursor.description)
        columns = []
        for values in (zip(*rows, strict=True) if rows else [()] * width):
            column = np.empty(len(rows), dtype=object)
            column[:] = values
            columns.append(column)
        return columns


def _cursor(connection):
    """A cursor of the connection, binary on PostgreSQL; wrapped as Django wraps its own, so that the
    query is logged and counted (assertNumQueries) and passes through execute wrappers."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    import psycopg

    connection.ensure_connection()
    # Django's cursor class binds parameters on the client, which psycopg allows with text results
    # only: a plain psycopg cursor binds them on the server and can ask for binary results.
    raw = psycopg.Cursor(connection.connection)
    raw.format = psycopg.pq.Format.BINARY
    return connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)


def geodataframe(rows, geometry_key="boundary", crs=STORAGE_CRS):
    """Rows (dicts with WKB under geometry_key, or a DataFrame with that column) -> a GeoDataFrame with its CRS set explicitly.

    The WKB of all rows is decoded in one vectorised call with the collector paused. For many rows,
    build the DataFrame from columns (fetch_columns) rather than dicts; for the whole village layer
    use villages.layers, which skips WKB altogether.
    """
    import geopandas as gpd
    import pandas as pd

    frame = pd.DataFrame.from_records(rows) if not isinstance(rows, pd.DataFrame) else rows
    raw = frame.pop(geometry_key).to_numpy(dtype=object) if geometry_key in frame else np.empty(0, dtype=object)
    geometry = shapes_from_wkb(raw)
    with collector_paused():
        return gpd.GeoDataFrame(frame, geometry=geometry, crs=crs)


@functools.cache
def transformer(source=STORAGE_CRS, target=PROJECTED_CRS):
    """The one cached pyproj Transformer between two CRSs, longitude (or x) first as Tepai stores points.

    Building one costs milliseconds; every module that projects asks here, so each pair is built once.
    """
    from pyproj import Transformer

    return Transformer.from_crs(source, target, always_xy=True)


def project(geoms, source=STORAGE_CRS, target=PROJECTED_CRS):
    """Geometries (one or an array) transformed from `source` to `target`, every coordinate in one call."""
    forward = transformer(source, target)
    return shapely.transform(geoms, lambda xy: np.column_stack(forward.transform(xy[:, 0], xy[:, 1])))


# GeoJSON coordinates: 6 decimals of a degree, about 0.1 m.
COORDINATE_DECIMALS = 6


def geojson_geometries(geoms, tolerance_m=0.0):
    """Shapes in EPSG:4490 -> GeoJSON MultiPolygon dicts (None for a missing or empty shape).

    Vectorised: simplified (in EPSG:4548, topology preserved, tolerance in metres) and oriented as
    whole arrays, coordinates rounded to 6 decimals as one numpy array; only the nesting into
    lists is done per ring.
    """
    geoms = np.asarray(geoms, dtype=object)
    out = [None] * len(geoms)
    present = np.flatnonzero(~shapely.is_missing(geoms) & ~shapely.is_empty(geoms))
    if not len(present):
        return out
    shapes = geoms[present]
    if tolerance_m > 0:
        simplified = shapely.simplify(project(shapes, STORAGE_CRS, PROJECTED_CRS), tolerance_m, preserve_topology=True)
        shapes = project(simplified, PROJECTED_CRS, STORAGE_CRS)
    # RFC 7946: exterior rings counter-clockwise, holes clockwise.
    shapes = shapely.orient_polygons(shapes, exterior_cw=False)
    # Stored boundaries are multipolygons, but simplifying may hand back a one-part one as a polygon.
    single = np.flatnonzero(shapely.get_type_id(shapes) == shapely.GeometryType.POLYGON)
    if len(single):
        shapes[single] = shapely.multipolygons(shapes[single], indices=np.arange(len(single)))
    _kind, coords, (ring_offsets, polygon_offsets, part_offsets) = shapely.to_ragged_array(shapes)
    flat = np.round(coords, COORDINATE_DECIMALS).tolist()

    def split(items, offsets):
        offsets = offsets.tolist()
        return [items[start:end] for start, end in zip(offsets[:-1], offsets[1:], strict=True)]

    multipolygons = split(split(split(flat, ring_offsets), polygon_offsets), part_offsets)
    for index, parts in zip(present.tolist(), multipolygons, strict=True):
        out[index] = {"type": "MultiPolygon", "coordinates": parts} if parts else None
    return out
