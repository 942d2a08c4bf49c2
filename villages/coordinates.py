"""Where a phone's point is: GCJ-02 <-> WGS-84, and how far a point lies from a boundary.

Phones in China report positions from maps that use GCJ-02 ("Mars coordinates"), an obfuscated
offset of WGS-84 by up to a few hundred metres, while Tepai stores WGS-84 (which differs from the
boundaries' EPSG:4490 by centimetres). The forward transform is the widely published algorithm
on the Krasovsky 1940 ellipsoid; it has no closed-form inverse, so WGS-84 is recovered by
fixed-point iteration. Outside China GCJ-02 applies no offset.
"""


import numpy as np

import shapely
from shapely.geometry.base import BaseGeometry

from villages.geometry import PROJECTED_CRS, STORAGE_CRS, project, transformer

WGS84 = "WGS84"
GCJ02 = "GCJ02"

# Krasovsky 1940: semi-major axis (m) and first eccentricity squared, as the algorithm defines them.
KRASOVSKY_A = 6378245.0
KRASOVSKY_EE = 0.00669342162296594323

# The box inside which the published algorithm applies its offset.
_CHINA_BOX = (72.004, 0.8293, 137.8347, 55.8271)

# The inverse stops when a further step would move the point by less than this many degrees (~1 cm).
INVERSE_TOLERANCE_DEG = 1e-7
_INVERSE_MAX_STEPS = 30


def out_of_china(lon: float, lat: float) -> bool:
    min_lon, min_lat, max_lon, max_lat = _CHINA_BOX
    return not (min_lon <= lon <= max_lon and min_lat <= lat <= max_lat)


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


def _forward(lon, lat):
    """The published WGS-84 -> GCJ-02 offset, over numpy arrays (or numbers), ignoring the China box."""
    d_lat = _offset_lat(lon - 105.0, lat - 35.0)
    d_lon = _offset_lon(lon - 105.0, lat - 35.0)
    rad_lat = lat / 180.0 * np.pi
    magic = 1 - KRASOVSKY_EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((KRASOVSKY_A * (1 - KRASOVSKY_EE)) / (magic * sqrt_magic) * np.pi)
    d_lon = (d_lon * 180.0) / (KRASOVSKY_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    return lon + d_lon, lat + d_lat


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """WGS-84 (lon, lat) -> GCJ-02 (lon, lat); unchanged outside China."""
    if out_of_china(lon, lat):
        return lon, lat
    g_lon, g_lat = _forward(lon, lat)
    return float(g_lon), float(g_lat)


def gcj02_to_wgs84_many(lons, lats) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 points -> WGS-84 over arrays, by iteration to INVERSE_TOLERANCE_DEG (every point until all
    have converged); points outside China unchanged.

    The offset changes slowly with position, so w <- w - (forward(w) - g) converges in a few steps.
    """
    lon = np.array(lons, dtype=float)
    lat = np.array(lats, dtype=float)
    min_lon, min_lat, max_lon, max_lat = _CHINA_BOX
    active = (min_lon <= lon) & (lon <= max_lon) & (min_lat <= lat) & (lat <= max_lat)
    w_lon, w_lat = lon.copy(), lat.copy()
    for _ in range(_INVERSE_MAX_STEPS):
        if not active.any():
            break
        g_lon, g_lat = _forward(w_lon[active], w_lat[active])
        step_lon, step_lat = g_lon - lon[active], g_lat - lat[active]
        w_lon[active] -= step_lon
        w_lat[active] -= step_lat
        done = (np.abs(step_lon) < INVERSE_TOLERANCE_DEG) & (np.abs(step_lat) < INVERSE_TOLERANCE_DEG)
        active[np.flatnonzero(active)[done]] = False
    return w_lon, w_lat


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """GCJ-02 (lon, lat) -> WGS-84 (lon, lat): gcj02_to_wgs84_many of one point."""
    w_lon, w_lat = gcj02_to_wgs84_many([lon], [lat])
    return float(w_lon[0]), float(w_lat[0])


def to_wgs84(lon: float, lat: float, crs: str) -> tuple[float, float]:
    """A phone's point in the coordinate system it names (WGS84 or GCJ02) -> WGS-84."""
    if crs == WGS84:
        return lon, lat
    if crs == GCJ02:
        return gcj02_to_wgs84(lon, lat)
    raise ValueError(f"unknown coordinate system {crs!r}; expected {WGS84} or {GCJ02}")


def distance_m(boundary: BaseGeometry, lon: float, lat: float) -> float:
    """Metres from a WGS-84 point to a boundary stored in EPSG:4490; 0 inside it.

    Measured in EPSG:4548 (Gauss-Kruger, CM 117E). WGS-84 is taken as EPSG:4490: the two differ
    by centimetres, far below a phone's accuracy.
    """
    x, y = transformer(STORAGE_CRS, PROJECTED_CRS).transform(lon, lat)
    return float(project(boundary).distance(shapely.Point(x, y)))
