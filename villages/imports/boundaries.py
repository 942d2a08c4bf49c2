"""Boundary files: a GeoJSON, GeoPackage or zipped Shapefile that brings the boundaries of divisions
Tepai already has.

A boundary import never creates a division (the division list does that): each feature is matched
to an existing province, city, county-level unit, town or village, by a column of division codes
or by name under a parent division, and replaces that division's stored boundary. Everything the
file's producer may have chosen differently from Tepai is settled here, once, before a boundary is
compared: the attribute table's encoding (a Shapefile from a Chinese desktop GIS is GBK more often
than not), the CRS (projected CGCS2000 zones are common; GCJ-02 data from web maps is declared by
the user, since nothing in a file says it), polygons that self-intersect slightly, and features
the file repeats. The stored form is geometry.to_wkb's; the same file imported twice changes
nothing the second time.

No cache holds village or division geometry (maps and coverage read the rows each time), so a
commit has nothing to invalidate.
"""

import codecs
import contextlib
import dataclasses
import io
import math
import os
import tempfile
import unicodedata
import warnings
import zipfile

import numpy as np
import shapely
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from villages import geometry
from villages.coordinates import gcj02_to_wgs84_many
from villages.layers import invalidate_village_layer
from villages.imports import kinds
from villages.imports.files import GEOJSON, GPKG, SHAPEFILE_ZIP, refuse
from villages.imports.plans import UNCHANGED, UPDATE, Change, Plan
from villages.imports.tables import normal
from villages.models import City, County, Province, Town, Village
from villages.places import ALL, CITY, COUNTY, PROVINCE, TOWN, Place, within

VILLAGE = "village"
# Each level: its model and the length of its code.
LEVELS = {PROVINCE: (Province, 2), CITY: (City, 4), COUNTY: (County, 6), TOWN: (Town, 9), VILLAGE: (Village, 12)}
LEVEL_OF_LENGTH = {length: level for level, (_model, length) in LEVELS.items()}
CHILD_LEVEL = {PROVINCE: CITY, CITY: COUNTY, COUNTY: TOWN, TOWN: VILLAGE}
# A division reaches the places' tree (villages.places) through this lookup, of this level: a village
# through its town. Scope goes by the tree, not by code, because a zone's towns keep their district's code.
TREE = {PROVINCE: ("", PROVINCE), CITY: ("", CITY), COUNTY: ("", COUNTY), TOWN: ("", TOWN), VILLAGE: ("town", TOWN)}

# A column holds division codes when at least this share of its non-empty values are shaped like
# codes, and matches when at least this share of them are codes of divisions Tepai has (an OBJECTID
# column hits a few province and city codes by chance; a code column with a few new villages does not
# fall below half).
CODE_SHAPED_SHARE = 0.8
CODE_MATCHED_SHARE = 0.5
# Headers (as tables.normal writes them) of a column of division names.
NAME_HEADERS = (
    "name", "名称", "xzqmc", "xzmc", "mc", "cmc", "村名", "村名称", "村委会", "行政村", "乡镇名", "乡镇名称", "乡镇",
    "街道", "县名", "县区", "区县", "区县名称", "县区名称", "行政区名称", "行政区划名称", "地名",
)
# A repaired polygon is kept when its area differs from the area the file's rings enclose by at most
# this share: a slightly crossed edge or a duplicated part. A figure-8 ("bowtie") ring encloses
# nothing by the shoelace formula, so repairing it invents an area, and it is refused.
REPAIR_AREA_TOLERANCE = 0.01
# A boundary whose area lies more than this share outside its parent's stored boundary is reported:
# both may be right (a parent drawn more coarsely), so it is a note, not a refusal.
OUTSIDE_PARENT_SHARE = 0.02
# Notes about boundaries outside their parent listed one by one; beyond, only how many more.
MAX_OUTSIDE_NOTES = 50
# Boundaries closer than this (degrees, about 1 mm) vertex by vertex, once normalised, are the same:
# a round trip through another format may move the last bit of a coordinate.
SAME_TOLERANCE_DEG = 1e-8
# Representative points stored for villages, as the demo rounds them: 6 decimals, about 0.1 m.
POINT_DECIMALS = 6
# Rows written per executemany, and per progress call.
WRITE_BATCH = 1000
# Rows per `code IN (...)` query: well under SQLite's limit on parameters.
QUERY_BATCH = 5000
# The members of a Shapefile that GDAL reads, by suffix.
SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")


class _Choose(Exception):
    """The file can be read more than one way: the user picks `option` among `values`."""

    def __init__(self, option, values, message):
        super().__init__(message)
        self.option, self.values, self.message = option, list(values), message


@dataclasses.dataclass
class _Division:
    pk: int
    code: str
    name: str
    boundary: bytes | None
    level: str
    point: tuple | None = None  # a village's stored (lon, lat)


@dataclasses.dataclass
class _Outcome:
    """A plan and the rows its commit writes: {level: [(pk, wkb, point or None)]}."""

    plan: Plan
    writes: dict


def division_code(text: str) -> str | None:
    """A text's division code at its own level, or None when it is not shaped like one.

    Codes are often padded to 6 or 12 digits (340300 for 蚌埠市, 340302000000 for 龙子湖区): trailing
    all-zero parts are dropped, since no real division has a zero part.
    """
    if not text.isdigit() or len(text) not in LEVEL_OF_LENGTH:
        return None
    ends = (2, 4, 6, 9, 12)
    while len(text) > 2:
        start = ends[ends.index(len(text)) - 1]
        if text[start:].strip("0"):
            break
        text = text[:start]
    return text


def _cell_text(value) -> str:
    """An attribute value as text: numbers whole (a code read as 340302.0 is 340302), names NFKC-folded."""
    if value is None:
        return ""
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return ""
        if float(value).is_integer():
            return str(int(value))
    return unicodedata.normalize("NFKC", str(value)).strip()


def _local_crs(lon: float) -> str:
    """The CGCS2000 3-degree Gauss-Kruger zone (EPSG:4534, CM 75E, to EPSG:4554, CM 135E) nearest `lon`:
    areas measured in it are true to well under 1% across a province."""
    central = min(max(3 * round(lon / 3), 75), 135)
    return f"EPSG:{4534 + (central - 75) // 3}"


def _gcj02_xy_to_wgs84(xy):
    """shapely.transform's callback: an (n, 2) array of GCJ-02 vertices back to WGS-84, all at once."""
    lons, lats = gcj02_to_wgs84_many(xy[:, 0], xy[:, 1])
    return np.column_stack([lons, lats])


class BoundaryImport:
    name = "boundaries"
    label = gettext_lazy("Boundaries")
    formats = (GEOJSON, GPKG, SHAPEFILE_ZIP)
    columns = ()
    options = {
        "level": gettext_lazy("Level of the divisions (province, city, county, town, village)"),
        "code_column": gettext_lazy("Column of division codes"),
        "name_column": gettext_lazy("Column of division names"),
        "parent": gettext_lazy("Code of the division under which names are matched"),
        "crs": gettext_lazy("Coordinate reference system, e.g. EPSG:4549, when the file does not say"),
        "gcj02": gettext_lazy("The coordinates are GCJ-02 (from a web map) and are converted back to WGS-84"),
        "encoding": gettext_lazy("Encoding of the Shapefile's attribute table when it has no .cpg (e.g. GBK)"),
        "layer": gettext_lazy("Layer, or .shp file of the archive, when the file holds several"),
    }

    def allowed(self, place: Place) -> bool:
        """Boundaries are drawn by whoever keeps the map of a county-level unit or wider; a town is too small a place."""
        return place.level in (ALL, PROVINCE, CITY, COUNTY)

    def plan(self, upload, *, place, options) -> Plan:
        """What the file would change; writes nothing. ImportRefused when the file itself cannot be read."""
        return self._plan(upload, place=place, options=options or {}).plan

    def commit(self, upload, *, place, options, progress=None) -> Plan:
        """Plan again and, when no row is refused, store every changed boundary (and village point).

        The caller holds the transaction; ImportRefused (nothing written) when any row is refused.
        Calls progress(done, total) after each batch of rows written.
        """
        outcome = self._plan(upload, place=place, options=options or {})
        outcome.plan.raise_if_refused()
        total = sum(len(rows) for rows in outcome.writes.values())
        done = 0
        for level, rows in outcome.writes.items():
            for start in range(0, len(rows), WRITE_BATCH):
                batch = rows[start:start + WRITE_BATCH]
                _write(LEVELS[level][0], batch)
                done += len(batch)
                if progress is not None:
                    progress(done, total)
        if total:
            # Written past the models' signals: the cached village layer is dropped here (and again
            # when the caller's transaction commits).
            invalidate_village_layer()
        return outcome.plan

    # Planning.

    def _plan(self, upload, *, place, options) -> _Outcome:
        plan = Plan(self.name)
        try:
            return self._read_and_match(upload, place, options, plan)
        except _Choose as choice:
            plan.choices[choice.option] = choice.values
            plan.refuse(None, "", choice.message)
            return _Outcome(plan, {})

    def _read_and_match(self, upload, place, options, plan) -> _Outcome:
        level = options.get("level") or None
        if level is not None and level not in LEVELS:
            refuse(_("%(level)s is not a level of divisions: give one of %(levels)s.") % {
                "level": level, "levels": ", ".join(LEVELS)})
        frame, crs, encoding = _read_frame(upload, options)
        plan.rows = len(frame)
        if encoding:
            plan.note(_("The attribute table was read as %(encoding)s.") % {"encoding": encoding})
        geoms = _to_storage_crs(frame.geometry.values, crs, options, plan)
        attributes = frame.drop(columns=frame.geometry.name)
        matched, column = _match(attributes, level, options, plan)
        shapes = _checked_shapes(geoms, matched, plan)
        _refuse_outside_place(matched, place, column, plan)
        _refuse_repeats(matched, column, plan)
        writes = _changes(matched, shapes, plan)
        _report_outside_parents(matched, shapes, plan)
        return _Outcome(plan, writes)


# Reading.


def _read_frame(upload, options):
    """(GeoDataFrame, its CRS or None, the encoding used for a Shapefile's attributes or "")."""
    with _source(upload, options) as (source, layer, cpg), _quiet_gdal():
        try:
            info = _read_info(source, layer)
        except Exception as error:  # noqa: BLE001 -- GDAL's errors are many; any one means unreadable.
            _unreadable(upload, error)
        limit = settings.TEPAI_IMPORT_MAX_DIVISION_ROWS
        if info["features"] > limit:
            refuse(_("%(name)s holds %(count)s features; the limit is %(limit)s.") % {
                "name": upload.name, "count": info["features"], "limit": limit})
        if cpg is None:
            frame, encoding = _read_dataframe(upload, source, layer, None), ""
        else:
            frame, encoding = _read_shapefile(upload, source, cpg, options)
    return frame, frame.crs, encoding


def _unreadable(upload, error):
    refuse(_("%(name)s is not a readable %(format)s file (%(error)s).") % {
        "name": upload.name, "format": upload.format, "error": error})


def _read_info(source, layer):
    import pyogrio

    return pyogrio.read_info(_rewound(source), layer=layer)


def _read_dataframe(upload, source, layer, encoding):
    """The layer as a GeoDataFrame; UnicodeDecodeError when `encoding` does not fit its attributes."""
    import pyogrio

    try:
        return pyogrio.read_dataframe(_rewound(source), layer=layer, encoding=encoding)
    except UnicodeDecodeError:
        raise
    except Exception as error:  # noqa: BLE001 -- as in _read_frame.
        _unreadable(upload, error)


def _rewound(source):
    if isinstance(source, io.BytesIO):
        source.seek(0)
    return source


def _read_shapefile(upload, path, cpg, options):
    """The Shapefile's frame and the encoding its attributes were read in.

    A .cpg names the encoding and GDAL follows it; without one the user may name it (`encoding`);
    without either, UTF-8 is tried and GB18030 (a superset of GBK) taken when the text does not decode.
    """
    if cpg:
        return _read_dataframe(upload, path, None, None), cpg
    chosen = str(options.get("encoding") or "").strip()
    if chosen:
        try:
            codecs.lookup(chosen)
        except LookupError:
            refuse(_("%(encoding)s is not an encoding Tepai knows.") % {"encoding": chosen})
        try:
            return _read_dataframe(upload, path, None, chosen), chosen
        except UnicodeDecodeError:
            refuse(_("The attribute table cannot be read as %(encoding)s: name another encoding.") % {"encoding": chosen})
    for candidate in ("UTF-8", "GB18030"):
        try:
            return _read_dataframe(upload, path, None, candidate), candidate
        except UnicodeDecodeError:
            continue
    refuse(_("The attribute table is neither UTF-8 nor GBK: add its .cpg file to the archive, or name its encoding."))


@contextlib.contextmanager
def _quiet_gdal():
    # GDAL warns through Python about what it repairs on its own (a GeoPackage read from memory has no
    # ".gpkg" name); whatever matters is refused with a message of ours instead.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


@contextlib.contextmanager
def _source(upload, options):
    """(what pyogrio reads, its layer, a Shapefile's .cpg text: "" without one, None for other formats)."""
    if upload.format != SHAPEFILE_ZIP:
        source = io.BytesIO(upload.data)
        yield source, _layer(source, options), None
        return
    with tempfile.TemporaryDirectory(prefix="tepai-shp-") as folder:
        path, cpg = extract_shapefile(upload, options.get("layer") or "", folder)
        yield path, None, cpg


def _layer(source, options):
    """The one layer of a GeoPackage (or GeoJSON), or the one the user picked among several."""
    import pyogrio

    with _quiet_gdal():
        try:
            layers = [str(name) for name, _type in pyogrio.list_layers(source)]
        except Exception:  # noqa: BLE001 -- unreadable; _read_frame says so with the file's name.
            return None
    chosen = options.get("layer") or ""
    if chosen:
        if chosen not in layers:
            raise _Choose("layer", layers, _("The file has no layer %(layer)s: pick one of its layers.") % {"layer": chosen})
        return chosen
    if len(layers) > 1:
        raise _Choose("layer", layers, _("The file holds %(count)s layers: pick the one with the boundaries.") % {"count": len(layers)})
    return None


def extract_shapefile(upload, chosen, folder):
    """Write the archive's Shapefile (the .shp, .shx, .dbf and, when present, .prj and .cpg) into
    `folder` under fixed names, and return (path of the .shp, the encoding its .cpg names or "").

    open_upload has checked the archive's size, expansion and paths; the members are still written
    under names of our own, so that nothing in the archive decides where a file lands. The .shp may
    be in a subfolder; an archive with several must say which (`chosen`, its path in the archive).
    """
    members = [m for m in upload.members() if not m.startswith("__MACOSX/") and not os.path.basename(m).startswith("._")]
    shps = sorted(m for m in members if m.lower().endswith(".shp"))
    if chosen:
        if chosen not in shps:
            raise _Choose("layer", shps, _("The archive has no %(layer)s: pick one of its .shp files.") % {"layer": chosen})
        shp = chosen
    elif len(shps) > 1:
        raise _Choose("layer", shps, _("The archive holds %(count)s .shp files: pick the one with the boundaries.") % {"count": len(shps)})
    else:
        shp = shps[0]
    stem = shp[:-4].lower()
    parts = {m.lower()[len(stem):]: m for m in members if m.lower()[:len(stem)] == stem and m.lower()[len(stem):] in SHAPEFILE_PARTS}
    missing = [suffix for suffix in (".shx", ".dbf") if suffix not in parts]
    if missing:
        refuse(_("%(name)s holds %(shp)s without its %(parts)s.") % {"name": upload.name, "shp": shp, "parts": " / ".join(missing)})
    with zipfile.ZipFile(upload.stream()) as archive:
        for suffix, member in parts.items():
            with open(os.path.join(folder, "layer" + suffix), "wb") as out:
                out.write(archive.read(member))
    cpg = ""
    if ".cpg" in parts:
        with open(os.path.join(folder, "layer.cpg"), "rb") as handle:
            cpg = handle.read(100).decode("ascii", "replace").strip()
    return os.path.join(folder, "layer.shp"), cpg


# Coordinates.


def _to_storage_crs(geoms, crs, options, plan):
    """The file's geometries in EPSG:4490, 2D.

    The `crs` option names the CRS of a file that has none (a Shapefile without its .prj) and
    overrides one that is wrong; GCJ-02 longitude/latitude is first shifted back to WGS-84, which
    differs from EPSG:4490 by centimetres.
    """
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    named = str(options.get("crs") or "").strip()
    if named:
        try:
            given = CRS.from_user_input(named)
        except CRSError:
            refuse(_("%(crs)s is not a coordinate reference system Tepai knows: give it as EPSG:4549, for example.") % {"crs": named})
        if crs is not None and not given.equals(crs):
            plan.note(_("The file says its coordinates are in %(file)s; they were read as %(crs)s, as asked.") % {
                "file": crs.to_string(), "crs": given.to_string()})
        crs = given
    if crs is None:
        refuse(_("The file does not say which coordinate reference system it uses (a Shapefile's .prj is missing): "
                 "name it, e.g. EPSG:4549 or EPSG:4490."))
    geoms = shapely.force_2d(np.asarray(geoms, dtype=object))
    if _flag(options.get("gcj02")):
        if not crs.is_geographic:
            refuse(_("GCJ-02 coordinates are longitude and latitude, but the file's CRS %(crs)s is projected.") % {"crs": crs.to_string()})
        geoms = shapely.transform(geoms, _gcj02_xy_to_wgs84)
        crs = CRS.from_epsg(4326)
        plan.note(_("The coordinates were converted from GCJ-02 to WGS-84."))
    storage = CRS.from_user_input(geometry.STORAGE_CRS)
    if crs.equals(storage):
        return geoms
    plan.note(_("The coordinates were transformed from %(crs)s to %(storage)s.") % {"crs": crs.to_string(), "storage": geometry.STORAGE_CRS})
    return geometry.project(geoms, crs.to_wkt(), geometry.STORAGE_CRS)


def _flag(value) -> bool:
    return value is True or str(value).strip().lower() in {"1", "true", "yes", "on"}


# Matching features to divisions.


def _divisions_by_code(codes, levels=None):
    """{code: _Division} for the codes that name existing divisions (of `levels`, when given)."""
    by_level = {}
    for code in codes:
        level = LEVEL_OF_LENGTH[len(code)]
        if levels is None or level in levels:
            by_level.setdefault(level, []).append(code)
    found = {}
    for level, wanted in by_level.items():
        for start in range(0, len(wanted), QUERY_BATCH):
            for division in _divisions(level, code__in=wanted[start:start + QUERY_BATCH]):
                found[division.code] = division
    return found


def _divisions(level, *args, **filters):
    """_Division rows of `level` that pass the filters."""
    fields = ["pk", "code", "name", "boundary"] + (["lon", "lat"] if level == VILLAGE else [])
    for pk, code, name, boundary, *point in LEVELS[level][0].objects.filter(*args, **filters).values_list(*fields):
        yield _Division(pk, code, name, bytes(boundary) if boundary is not None else None, level,
                        tuple(point) if point and point[0] is not None else None)


def _match(attributes, level, options, plan):
    """[(index, _Division or None, key as the file gives it)], and the column matched by.

    By codes unless the user names a parent division and no code column: then by names under it.
    A feature matched to nothing is refused here, by row, naming what it gave.
    """
    texts = {column: [_cell_text(v) for v in attributes[column].tolist()] for column in attributes.columns}
    code_column = options.get("code_column") or ""
    if code_column and code_column not in texts:
        raise _Choose("code_column", list(texts), _("The file has no column %(column)s: pick its column of division codes.") % {"column": code_column})
    parent_code = str(options.get("parent") or "").strip()
    if parent_code and not code_column:
        return _match_by_name(texts, level, parent_code, options, plan)
    levels = {level} if level else None
    divisions = None
    if not code_column:
        code_column, divisions = _detect_code_column(texts, levels)
        plan.note(_("Divisions were matched by their codes in column %(column)s.") % {"column": code_column})
    values = texts[code_column]
    codes = [division_code(v) for v in values]
    if divisions is None:
        divisions = _divisions_by_code({c for c in codes if c}, levels)
    matched = []
    for index, (value, code) in enumerate(zip(values, codes, strict=True)):
        division = divisions.get(code) if code else None
        if division is None:
            if not value:
                message = _("The division code is empty.")
            elif code is None:
                message = _("%(value)s is not a division code.") % {"value": value}
            elif level and LEVEL_OF_LENGTH[len(code)] != level:
                message = _("%(value)s is not the code of a %(level)s.") % {"value": value, "level": level}
            else:
                message = _("No division has the code %(code)s.") % {"code": code}
            plan.refuse(index + 1, code_column, message)
        matched.append((index, division, value))
    return matched, code_column


def _detect_code_column(texts, levels):
    """The one column whose values are distinct codes of divisions Tepai has, and the divisions its
    codes (and every other column's) name; _Choose otherwise."""
    shaped = {}
    for column, values in texts.items():
        present = [v for v in values if v]
        codes = [division_code(v) for v in present]
        hits = [c for c in codes if c]
        if present and len(hits) >= CODE_SHAPED_SHARE * len(present):
            shaped[column] = (len(present), hits)
    existing = _divisions_by_code({c for _n, hits in shaped.values() for c in hits}, levels)
    candidates = [
        column for column, (present, hits) in shaped.items()
        # A parent's code repeats down the file: a column of codes matched to boundaries has each once.
        if len(set(hits)) == len(hits) and sum(c in existing for c in hits) >= CODE_MATCHED_SHARE * present
    ]
    # A file of a few features may give each its parent's code only once: the divisions' own codes
    # are the finest (longest) of the columns.
    finest = {column: min(len(c) for c in shaped[column][1]) for column in candidates}
    candidates = [column for column in candidates if finest[column] == max(finest.values(), default=0)]
    if len(candidates) == 1:
        return candidates[0], existing
    if candidates:
        raise _Choose("code_column", candidates, _("Several columns hold division codes (%(columns)s): pick the one to match by.") % {
            "columns": ", ".join(candidates)})
    raise _Choose("code_column", list(shaped) or list(texts), _(
        "No column holds codes of divisions Tepai has: pick the column of division codes, or match by name under a parent division."))


def _match_by_name(texts, level, parent_code, options, plan):
    code = division_code(parent_code)
    parent = _divisions_by_code({code}).get(code) if code else None
    if parent is None:
        refuse(_("No division has the code %(code)s, given as the parent.") % {"code": parent_code})
    level = level or CHILD_LEVEL.get(parent.level)
    if level is None or list(LEVELS).index(level) <= list(LEVELS).index(parent.level):
        refuse(_("Names are matched under a parent of a higher level: %(parent)s is a %(level)s.") % {
            "parent": parent.name, "level": parent.level})
    name_column = options.get("name_column") or ""
    if name_column and name_column not in texts:
        raise _Choose("name_column", list(texts), _("The file has no column %(column)s: pick its column of division names.") % {"column": name_column})
    if not name_column:
        known = [column for column in texts if normal(column) in NAME_HEADERS]
        if len(known) != 1:
            raise _Choose("name_column", known or list(texts), _("Pick the column of division names.") if not known else _(
                "Several columns hold names (%(columns)s): pick the one to match by.") % {"columns": ", ".join(known)})
        name_column = known[0]
    parent_row = LEVELS[parent.level][0](pk=parent.pk, code=parent.code, name=parent.name)
    by_name = {}
    for division in _divisions(level, within(*TREE[level], Place(parent_row))):
        by_name.setdefault(_cell_text(division.name), []).append(division)
    plan.note(_("Divisions were matched by their names in column %(column)s under %(parent)s (%(code)s).") % {
        "column": name_column, "parent": parent.name, "code": parent.code})
    matched = []
    for index, value in enumerate(texts[name_column]):
        found = by_name.get(value, [])
        if len(found) == 1:
            matched.append((index, found[0], value))
            continue
        if not value:
            message = _("The name is empty.")
        elif not found:
            message = _("No %(level)s under %(parent)s is named %(name)s.") % {"level": level, "parent": parent.name, "name": value}
        else:
            message = _("%(count)s divisions under %(parent)s are named %(name)s (%(codes)s): match by code instead.") % {
                "count": len(found), "parent": parent.name, "name": value, "codes": ", ".join(d.code for d in found)}
        plan.refuse(index + 1, name_column, message)
        matched.append((index, None, value))
    return matched, name_column


def _refuse_outside_place(matched, place, column, plan):
    """A feature of a division outside the user's place is refused, never silently left out."""
    if place.is_everywhere:
        return
    by_level = {}
    for _index, division, _value in matched:
        if division is not None:
            by_level.setdefault(division.level, []).append(division.pk)
    inside = set()
    for level, pks in by_level.items():
        lookup, tree_level = TREE[level]
        model = LEVELS[level][0]
        for start in range(0, len(pks), QUERY_BATCH):
            inside.update(model.objects.filter(within(lookup, tree_level, place), pk__in=pks[start:start + QUERY_BATCH]).values_list("pk", flat=True))
    for position, (index, division, value) in enumerate(matched):
        if division is not None and division.pk not in inside:
            plan.refuse(index + 1, column, _("%(name)s (%(code)s) is outside %(place)s.") % {
                "name": division.name, "code": division.code, "place": place.name})
            matched[position] = (index, None, value)


def _refuse_repeats(matched, column, plan):
    """A division given twice is refused at its second row: which boundary is right is the user's call."""
    first = {}
    for position, (index, division, value) in enumerate(matched):
        if division is None:
            continue
        key = (division.level, division.pk)
        if key in first:
            plan.refuse(index + 1, column, _("%(name)s (%(code)s) is given again: row %(first)s already has its boundary.") % {
                "name": division.name, "code": division.code, "first": first[key] + 1})
            matched[position] = (index, None, value)
        else:
            first[key] = index


# Geometry.


def _checked_shapes(geoms, matched, plan):
    """{index: valid (multi)polygon in EPSG:4490} for every feature whose geometry can be stored.

    A slightly invalid polygon is repaired (REPAIR_AREA_TOLERANCE); everything else that
    geometry.validate_boundary refuses is refused by row with its reason.
    """
    column = _("geometry")
    shapes = {}
    for index, _division, _value in matched:
        shape = geoms[index]
        if shape is None or shape.is_empty:
            plan.refuse(index + 1, column, _("The feature has no geometry."))
            continue
        if shape.geom_type in ("Polygon", "MultiPolygon") and not shape.is_valid:
            repaired = _repaired(shape)
            if repaired is None:
                plan.refuse(index + 1, column, _("The polygon is not valid (%(reason)s) and cannot be repaired without changing its area.") % {
                    "reason": shapely.is_valid_reason(shape)})
                continue
            plan.note(_("Row %(row)s: the polygon was not valid (%(reason)s) and was repaired.") % {
                "row": index + 1, "reason": shapely.is_valid_reason(shape)})
            shape = repaired
        try:
            geometry.validate_boundary(shape)
        except ValidationError as error:
            plan.refuse(index + 1, column, " ".join(error.messages))
            continue
        shapes[index] = shape
    return shapes


def _repaired(shape):
    """make_valid's (multi)polygon when it encloses nearly the area the rings did; None otherwise.

    The areas are in squared degrees: only their ratio matters, which a few kilometres of latitude
    do not change.
    """
    valid = shapely.make_valid(shape)
    polygons = [part for part in shapely.get_parts(valid) if part.geom_type in ("Polygon", "MultiPolygon")]
    if not polygons:
        return None
    repaired = shapely.union_all(polygons)
    if repaired.geom_type not in ("Polygon", "MultiPolygon") or not repaired.is_valid:
        return None
    drawn = sum(abs(shapely.area(shapely.polygons(ring))) for ring in _exteriors(shape)) - sum(
        abs(shapely.area(shapely.polygons(ring))) for ring in _holes(shape))
    if repaired.area == 0 or abs(repaired.area - drawn) > REPAIR_AREA_TOLERANCE * repaired.area:
        return None
    return repaired


def _exteriors(shape):
    return [part.exterior for part in shapely.get_parts(shape)]


def _holes(shape):
    return [ring for part in shapely.get_parts(shape) for ring in part.interiors]


def _changes(matched, shapes, plan):
    """Add each matched feature's change to the plan; {level: [(pk, wkb, point)]} for the updates."""
    rows = [(index, division) for index, division, _value in matched if division is not None and index in shapes]
    if not rows:
        return {}
    new = np.array([shapes[index] for index, _division in rows], dtype=object)
    # geometry.as_multipolygon's rule, vectorised: one call for every polygon instead of one each.
    single = np.flatnonzero(shapely.get_type_id(new) == shapely.GeometryType.POLYGON)
    if len(single):
        new[single] = shapely.multipolygons(new[single], indices=np.arange(len(single)))
    new_wkb = shapely.to_wkb(new)
    old = np.array([geometry.from_wkb(division.boundary) for _index, division in rows], dtype=object)
    same = np.array([division.boundary == wkb for (_index, division), wkb in zip(rows, new_wkb, strict=True)])
    present = np.flatnonzero(~same & ~shapely.is_missing(old))
    if len(present):
        same[present] = shapely.equals_exact(shapely.normalize(old[present]), shapely.normalize(new[present]), tolerance=SAME_TOLERANCE_DEG)
    changed = np.flatnonzero(~same)
    local = _local_crs(float(np.mean(shapely.bounds(new)[:, [0, 2]])))
    new_km2 = np.round(shapely.area(geometry.project(new[changed], geometry.STORAGE_CRS, local)) / 1e6, 3)
    old_km2 = np.round(shapely.area(geometry.project(old[changed], geometry.STORAGE_CRS, local)) / 1e6, 3)
    points = shapely.get_coordinates(shapely.point_on_surface(new[changed])).round(POINT_DECIMALS)
    writes = {}
    for (index, division) in (rows[i] for i in np.flatnonzero(same)):
        plan.add(Change(UNCHANGED, division.level, division.code, division.name, index + 1))
    for position, i in enumerate(changed.tolist()):
        index, division = rows[i]
        before = None if math.isnan(old_km2[position]) else float(old_km2[position])
        fields = {"area_km2": [before, float(new_km2[position])]}
        point = None
        if division.level == VILLAGE:
            point = (float(points[position][0]), float(points[position][1]))
            fields["lon_lat"] = [_point_text(division.point), _point_text(point)]
        plan.add(Change(UPDATE, division.level, division.code, division.name, index + 1, fields))
        writes.setdefault(division.level, []).append((division.pk, new_wkb[i], point))
    return writes


def _point_text(point):
    return None if point is None else f"{point[0]:.{POINT_DECIMALS}f}, {point[1]:.{POINT_DECIMALS}f}"


def _report_outside_parents(matched, shapes, plan):
    """Note each boundary that lies more than OUTSIDE_PARENT_SHARE outside its parent's stored boundary.

    The parent is the division its code extends (a zone's town is checked against its district,
    which has a boundary where the zone has none), measured in the Gauss-Kruger zone of the file.
    """
    rows = [(index, division) for index, division, _value in matched if division is not None and index in shapes and division.level != PROVINCE]
    if not rows:
        return
    parent_codes = {division.code[:LEVELS[_parent_level(division.level)][1]] for _index, division in rows}
    parents = _divisions_by_code(parent_codes)
    checked = [(index, division, parents[code]) for index, division in rows
               if (code := division.code[:LEVELS[_parent_level(division.level)][1]]) in parents and parents[code].boundary is not None]
    if not checked:
        return
    children = np.array([shapes[index] for index, _d, _p in checked], dtype=object)
    local = _local_crs(float(np.mean(shapely.bounds(children)[:, [0, 2]])))
    children = geometry.project(children, geometry.STORAGE_CRS, local)
    parent_shapes = {p.code: p for _i, _d, p in checked}
    projected = dict(zip(parent_shapes, geometry.project(
        np.array([geometry.from_wkb(p.boundary) for p in parent_shapes.values()], dtype=object), geometry.STORAGE_CRS, local), strict=True))
    outside = shapely.area(shapely.difference(children, np.array([projected[p.code] for _i, _d, p in checked], dtype=object)))
    shares = outside / shapely.area(children)
    reported = 0
    for (index, division, parent), share in zip(checked, shares.tolist(), strict=True):
        if share <= OUTSIDE_PARENT_SHARE:
            continue
        reported += 1
        if reported <= MAX_OUTSIDE_NOTES:
            plan.note(_("Row %(row)s: %(share)s%% of the boundary of %(name)s (%(code)s) lies outside the stored boundary of %(parent)s (%(parent_code)s).") % {
                "row": index + 1, "share": round(share * 100, 1), "name": division.name, "code": division.code,
                "parent": parent.name, "parent_code": parent.code})
    if reported > MAX_OUTSIDE_NOTES:
        plan.note(_("%(count)s more boundaries lie partly outside their parent's.") % {"count": reported - MAX_OUTSIDE_NOTES})


def _write(model, rows):
    """One UPDATE by primary key per row, sent as one executemany.

    bulk_update's CASE WHEN over a batch costs several times more (a 15,000-village province took
    18 s on SQLite against 3 here), and its values are ours: WKB from geometry.to_wkb's rule and
    rounded points, checked before this is reached.
    """
    from django.db import connection

    table = connection.ops.quote_name(model._meta.db_table)
    columns = ["boundary", "lon", "lat"] if model is Village else ["boundary"]
    assignments = ", ".join(f"{connection.ops.quote_name(c)} = %s" for c in columns)
    params = [[wkb, *(point if model is Village else ())] + [pk] for pk, wkb, point in rows]
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {assignments} WHERE {connection.ops.quote_name('id')} = %s", params)


def _parent_level(level):
    return {child: parent for parent, child in CHILD_LEVEL.items()}[level]


BOUNDARIES = kinds.register(BoundaryImport())
