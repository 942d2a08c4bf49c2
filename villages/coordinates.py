"""Where a phone's point is: GCJ-02 <-> WGS-84, and how far a point lies from a boundary.

Phones in China report positions from maps that use GCJ-02 ("Mars coordinates"), an obfuscated
offset of WGS-84 by up to a few hundred metres, while Tepai stores WGS-84 (which differs from the
boundaries' EPSG:4490 by centimetres). The forward transform is the widely published algorithm
on the Krasovsky 1940 ellipsoid; it has no closed-form inverse, so WGS-84 is recovered by
fixed-point iteration. Outside China GCJ-02 applies no offset.
"""

import math

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


def _offset_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _offset_lon(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """WGS-84 (lon, lat) -> GCJ-02 (lon, lat); unchanged outside China."""
    if out_of_china(lon, lat):
        return lon, lat
    d_lat = _offset_lat(lon - 105.0, lat - 35.0)
    d_lon = _offset_lon(lon - 105.0, lat - 35.0)
    rad_lat = lat / 180.0 * math.pi
    magic = 1 - KRASOVSKY_EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((KRASOVSKY_A * (1 - KRASOVSKY_EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = (d_lon * 180.0) / (KRASOVSKY_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return lon + d_lon, lat + d_lat


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """GCJ-02 (lon, lat) -> WGS-84 (lon, lat), by iteration to INVERSE_TOLERANCE_DEG; unchanged outside China.

    The offset changes slowly with position, so w <- w - (forward(w) - g) converges in a few steps.
    """
    if out_of_china(lon, lat):
        return lon, lat
    w_lon, w_lat = lon, lat
    for _ in range(_INVERSE_MAX_STEPS):
        g_lon, g_lat = wgs84_to_gcj02(w_lon, w_lat)
        step_lon, step_lat = g_lon - lon, g_lat - lat
        w_lon, w_lat = w_lon - step_lon, w_lat - step_lat
        if abs(step_lon) < INVERSE_TOLERANCE_DEG and abs(step_lat) < INVERSE_TOLERANCE_DEG:
            break
    return w_lon, w_lat


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
