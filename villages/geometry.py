"""Geometry stored portably: boundaries as WKB bytes in EPSG:4490 longitude/latitude.

No GeoDjango: shapely reads and writes the bytes, and many rows at once become a GeoDataFrame
through shapely's vectorised WKB reader. geopandas is imported lazily, because only map and
export code needs it and it is slow to import.
"""

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


def geodataframe(rows, geometry_key="boundary", crs=STORAGE_CRS):
    """Rows (dicts with WKB under geometry_key) -> a GeoDataFrame with its CRS set explicitly.

    The WKB of all rows is decoded in one vectorised call, which is what makes 490,000 villages load
    in well under a second.
    """
    import geopandas as gpd
    import pandas as pd

    frame = pd.DataFrame.from_records(rows) if not isinstance(rows, pd.DataFrame) else rows
    raw = frame.pop(geometry_key) if geometry_key in frame else []
    geometry = shapely.from_wkb([bytes(b) if b is not None else None for b in raw])
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=crs)
