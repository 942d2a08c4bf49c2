"""Coverage maps drawn from GeoDataFrames: static maps (PNG, SVG, PDF) and GIS layers.

Rendering only. Every function takes frames in longitude/latitude (the storage CRS, EPSG:4490)
and returns bytes or a matplotlib Figure; nothing here reads the database or knows who covers
what, so tests and benchmarks can call it with frames they build themselves.

Speed. GeoDataFrame.plot adds one matplotlib patch per polygon and matplotlib then handles every
patch in Python, so 15,000 villages take seconds. Here each colour class is ONE compound Path built
with numpy from shapely's coordinate arrays (MOVETO at each ring start, CLOSEPOLY at its end), and
the village outlines are the strokes of those same paths: matplotlib sees a handful of artists
whatever the number of villages. Patches are added with `add_artist`, not `add_patch`, because
`add_patch` walks every vertex in Python to update the data limits; the limits are set from the
path extents instead.

The garbage collector is paused while a map is drawn and encoded (villages.geometry.collector_paused):
shapely's geometries and matplotlib's objects are tracked, and its passes landed inside shapely's
ragged-array conversion (`shapely.get_parts`) and the path building.

Maps are drawn in a projected CRS so that the scale bar is in metres: EPSG:4548 (CGCS2000 3-degree
Gauss-Kruger CM 117E) for Bengbu and Anhui. Layers are exported in longitude/latitude.
"""

import contextlib
import dataclasses
import functools
import io
import logging
import math
import os
import re
import tempfile
import zipfile

import matplotlib.patches
import numpy as np
import shapely
from django.utils.translation import gettext as _
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path
from matplotlib.patheffects import withStroke
from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

from villages.geometry import PROJECTED_CRS, STORAGE_CRS, collector_paused, transformer

# The statuses, their colours and hatches: one palette for these maps and the pages' maps alike.
from villages.palette import (  # noqa: E402
    AT_RISK,
    COLOURS,
    COMMUNITY,
    COVERED,
    GAP,
    HATCH,
    HATCH_COLOUR,
    HATCHED,
    NO_VILLAGES_COLOUR,
    NOT_KEY,
    RATE_CLASSES,
    UNCOVERED,
    VILLAGE_STATUSES,
)



def hatch(status):
    """The hatch arguments of a patch of this status: uncovered areas are hatched, others plain."""
    return {"hatch": HATCH, "hatchcolor": HATCH_COLOUR} if status in HATCHED else {}


STATIC_FORMATS = ("png", "svg", "pdf")
LAYER_FORMATS = ("geojson", "gpkg", "shp")
FORMATS = STATIC_FORMATS + LAYER_FORMATS
CONTENT_TYPES = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "pdf": "application/pdf",
    "geojson": "application/geo+json",
    "gpkg": "application/geopackage+sqlite3",
    "shp": "application/zip",
}
EXTENSIONS = {"png": "png", "svg": "svg", "pdf": "pdf", "geojson": "geojson", "gpkg": "gpkg", "shp": "shp.zip"}

DEFAULT_DPI = 150
# zlib level 3: faster than the default 6 for files a few per cent larger.
PNG_COMPRESS_LEVEL = 3
# Above this many villages the outlines would be a grey haze at map scale and cost as much as the fills.
MAX_VILLAGE_OUTLINES = 20_000
MAX_TOWN_OUTLINES = 5_000
MAX_LABELS = 60  # each label costs matplotlib about 3 ms to lay out, and more would crowd the map

# --- Fonts ----------------------------------------------------------------------------------------

# Fonts with Simplified Chinese glyphs, best first. fonts-noto-cjk on Debian and Ubuntu provides the first.
CJK_FONT_FAMILIES = (
    "Noto Sans CJK SC", "Source Han Sans SC", "Source Han Sans CN", "Noto Sans SC", "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", "Hiragino Sans GB", "SimHei",
    "Noto Sans CJK TC", "Noto Sans CJK JP", "Droid Sans Fallback",
)
FONT_PACKAGE = "fonts-noto-cjk"
# Characters every map draws in Chinese; a font lacking any of them would draw boxes.
_PROBE = "蚌埠市村覆盖率未风险社区图例比例尺北"


class ChineseFontMissing(RuntimeError):
    """No installed font can draw Chinese text."""


@dataclasses.dataclass(frozen=True)
class MapFont:
    family: str
    path: str
    face_index: int = 0


def _weight(entry):
    weight = entry.weight
    return font_manager.weight_dict.get(weight, 400) if isinstance(weight, str) else weight


def _charmap(path, face_index=0):
    from matplotlib.ft2font import FT2Font

    return FT2Font(path, face_index=face_index).get_charmap()


def find_cjk_font(fonts=None) -> MapFont:
    """The installed font to draw Chinese with: a known family first, else any font with the glyphs.

    Raises ChineseFontMissing, naming the Debian package to install, when there is none: a map
    drawn without one would show boxes instead of names.
    """
    fonts = font_manager.fontManager.ttflist if fonts is None else fonts
    by_family = {}
    for entry in fonts:
        by_family.setdefault(entry.name, []).append(entry)

    def regular(entries):
        entry = min(entries, key=lambda e: (e.style != "normal", abs(_weight(e) - 400)))
        return MapFont(entry.name, entry.fname, getattr(entry, "index", 0))

    for family in CJK_FONT_FAMILIES:
        if family in by_family:
            return regular(by_family[family])
    for _family, entries in sorted(by_family.items()):
        candidate = regular(entries)
        try:
            charmap = _charmap(candidate.path, candidate.face_index)
        except (OSError, RuntimeError):
            continue
        if all(ord(ch) in charmap for ch in _PROBE):
            return candidate
    raise ChineseFontMissing(
        _("No font that can draw Chinese is installed, so maps would show boxes instead of names. "
          "Install one, for example the Debian package %(package)s (apt-get install %(package)s), "
          "then delete matplotlib's font cache (%(cache)s) so that it finds the new font.")
        % {"package": FONT_PACKAGE, "cache": os.path.join(_cache_dir(), "fontlist-*.json")}
    )


def _cache_dir():
    import matplotlib

    return matplotlib.get_cachedir()


@functools.cache
def cjk_font() -> MapFont:
    return find_cjk_font()


def font(size, weight="normal"):
    """Font properties for map text: the Chinese font, at a size in points."""
    return font_manager.FontProperties(family=cjk_font().family, size=size, weight=weight)


def missing_glyphs(text, map_font=None) -> str:
    """The characters of text the map font has no glyph for (blanks aside), in order of appearance."""
    map_font = map_font or cjk_font()
    charmap = _cached_charmap(map_font.path, map_font.face_index)
    missing = [ch for ch in dict.fromkeys(text) if not ch.isspace() and ord(ch) not in charmap]
    return "".join(missing)


@functools.cache
def _cached_charmap(path, face_index):
    return _charmap(path, face_index)


# --- Geometry to matplotlib ---------------------------------------------------------------------

# CGCS2000 3-degree Gauss-Kruger zones: EPSG:4534 is CM 75E, ... EPSG:4548 CM 117E, ... EPSG:4554 CM 135E.
_GK3_FIRST_EPSG, _GK3_FIRST_CM = 4534, 75
# Beyond one zone's width, an equal-area conic for all of China (CGCS2000's ellipsoid is GRS 80).
CHINA_ALBERS = "+proj=aea +lat_0=0 +lon_0=105 +lat_1=25 +lat_2=47 +x_0=0 +y_0=0 +ellps=GRS80 +units=m +no_defs"


def drawing_crs(lon_min, lon_max):
    """The projected CRS to draw an extent in: EPSG:4548 for Bengbu and Anhui.

    The 3-degree Gauss-Kruger zone whose central meridian is nearest the extent's middle keeps
    the scale bar true to a fraction of a per cent over 6 degrees of longitude; wider maps (the
    whole country) use an equal-area conic, where a scale bar is only approximate anyway.
    """
    if not (math.isfinite(lon_min) and math.isfinite(lon_max)):
        return PROJECTED_CRS
    if lon_max - lon_min > 6:
        return CHINA_ALBERS
    zone = round(((lon_min + lon_max) / 2 - _GK3_FIRST_CM) / 3)
    zone = min(max(zone, 0), 20)
    return f"EPSG:{_GK3_FIRST_EPSG + zone}"


def _transformer(source, target):
    return transformer(source, target)


def _geometries(frame):
    """The frame's non-empty geometries as a numpy array of shapely objects."""
    geoms = np.asarray(frame.geometry.values, dtype=object)
    if len(geoms) == 0:
        return geoms
    keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    return geoms[keep]


def polygon_path(geoms, *, source=STORAGE_CRS, target=PROJECTED_CRS):
    """One compound matplotlib Path for any number of (multi)polygons, reprojected; None when empty.

    Built from shapely's ragged arrays (one flat coordinate array and ring offsets), so no
    per-polygon Python object is made: at 15,000 villages the objects alone would cost more than
    the drawing, through the garbage collector they wake. Shells are turned anticlockwise and
    holes clockwise, so that the non-zero fill rule matplotlib uses leaves holes open; the
    projections used are conformal, which keeps orientation.
    """
    geoms = np.asarray(geoms, dtype=object)
    if len(geoms) == 0:
        return None
    kind, coords, offsets = shapely.to_ragged_array(geoms)
    if kind not in (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON):
        raise ValueError(f"polygons expected, not {kind.name}")
    if len(coords) == 0:
        return None
    ring_offsets = offsets[0]
    starts, ends = ring_offsets[:-1], ring_offsets[1:]
    is_shell = np.zeros(len(starts), dtype=bool)
    is_shell[offsets[1][:-1]] = True  # the first ring of each polygon is its shell

    # Twice each ring's signed area (shoelace), anticlockwise positive, in longitude/latitude.
    x, y = coords[:, 0], coords[:, 1]
    cross = np.zeros(len(coords))
    cross[:-1] = x[:-1] * y[1:] - x[1:] * y[:-1]
    cross[ends - 1] = 0.0  # a ring's last vertex does not join the next ring's first
    area2 = np.add.reduceat(cross, starts)
    flip = np.flatnonzero(np.where(is_shell, area2 < 0, area2 > 0))
    if len(flip):
        lengths = ends - starts
        ring_of = np.repeat(np.arange(len(starts)), lengths)
        index = np.arange(len(coords))
        reversed_ = np.isin(ring_of, flip)
        index[reversed_] = (starts + ends - 1)[ring_of[reversed_]] - index[reversed_]
        coords = coords[index]

    if source != target:
        x, y = _transformer(source, target).transform(coords[:, 0], coords[:, 1])
        coords = np.column_stack([x, y])
    codes = np.full(len(coords), Path.LINETO, dtype=Path.code_type)
    codes[starts] = Path.MOVETO
    # Each shapely ring repeats its first point last: that vertex becomes the CLOSEPOLY.
    codes[ends - 1] = Path.CLOSEPOLY
    return Path(coords, codes)


def _points(geoms, *, source, target):
    """A label point inside each geometry, projected: (x, y) arrays."""
    points = shapely.point_on_surface(geoms)
    coords = shapely.get_coordinates(points)
    if source != target:
        return _transformer(source, target).transform(coords[:, 0], coords[:, 1])
    return coords[:, 0], coords[:, 1]


def _crs(frame):
    return frame.crs.to_string() if frame.crs is not None else STORAGE_CRS


def _lon_extent(*frames):
    lon_min, lon_max = math.inf, -math.inf
    for frame in frames:
        if frame is None or len(frame) == 0:
            continue
        geoms = _geometries(frame)
        if len(geoms) == 0:
            continue
        bounds = shapely.total_bounds(geoms)
        if frame.crs is not None and not frame.crs.is_geographic:
            raise ValueError("map frames must be in longitude/latitude (EPSG:4490 or 4326)")
        lon_min, lon_max = min(lon_min, bounds[0]), max(lon_max, bounds[2])
    return lon_min, lon_max


def outlines_from(parts, by):
    """Outlines of groups of polygons (villages of a town, towns of a development zone): one union per group.

    A general union, not shapely's faster coverage union, which needs edges that match vertex for
    vertex and would leave inner lines where boundaries drawn separately nearly meet. It is the
    fallback for outlines that are not stored: 0.3 s for 15,000 villages.
    """
    import geopandas as gpd

    geoms = np.asarray(parts.geometry.values, dtype=object)
    keys = np.asarray(parts[by].values, dtype=object)
    keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    geoms, keys = geoms[keep], keys[keep]
    order = np.argsort(keys, kind="stable")
    geoms, keys = geoms[order], keys[order]
    splits = np.flatnonzero(keys[1:] != keys[:-1]) + 1 if len(keys) else []
    groups = np.split(geoms, splits) if len(keys) else []
    names = [group_keys[0] for group_keys in np.split(keys, splits)] if len(keys) else []
    shapes = [shapely.union_all(group) for group in groups]
    return gpd.GeoDataFrame({by: names}, geometry=shapes, crs=parts.crs)


# --- Map furniture ------------------------------------------------------------------------------

# Figure layout in figure fractions: the map on the left, the legend and notes in a panel on the right.
FIGURE_SIZE = (11.0, 8.5)
MAP_RECT = (0.01, 0.03, 0.68, 0.86)
PANEL_X = 0.71


def _new_map_figure(title, subtitle, size=FIGURE_SIZE):
    fig = Figure(figsize=size)
    fig.text(0.02, 0.975, title, ha="left", va="top", fontproperties=font(16, "bold"))
    if subtitle:
        fig.text(0.02, 0.925, subtitle, ha="left", va="top", fontproperties=font(12))
    ax = fig.add_axes(MAP_RECT)
    ax.set_axis_off()
    return fig, ax


def _set_extent(ax, paths, pad=0.03):
    """Frame the paths in the axes, one metre as long across as up; returns the drawn width in metres.

    The limits are widened here to the axes' own proportions, so that the axes box stays where
    the layout put it (matplotlib would otherwise shrink the box or warn about fixed limits).
    """
    boxes = [path.get_extents() for path in paths if path is not None]
    if boxes:
        x0, x1 = min(b.x0 for b in boxes), max(b.x1 for b in boxes)
        y0, y1 = min(b.y0 for b in boxes), max(b.y1 for b in boxes)
    else:
        x0, x1, y0, y1 = 0.0, 1.0, 0.0, 1.0
    width, height = max(x1 - x0, 1.0) * (1 + 2 * pad), max(y1 - y0, 1.0) * (1 + 2 * pad)
    box = ax.get_position()
    box_ratio = (box.width * ax.figure.get_figwidth()) / (box.height * ax.figure.get_figheight())
    if width / height > box_ratio:
        height = width / box_ratio
    else:
        width = height * box_ratio
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    ax.set_xlim(cx - width / 2, cx + width / 2)
    ax.set_ylim(cy - height / 2, cy + height / 2)
    ax.set_aspect("equal", adjustable="box")
    return width


def _nice_length(target):
    """The largest 1, 2 or 5 times a power of ten not above target (metres)."""
    if target <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(target))
    for step in (5, 2, 1):
        if step * magnitude <= target:
            return step * magnitude
    return magnitude


def _scale_bar(ax, map_width_m, anchor=(PANEL_X, 0.04)):
    """A scale bar in the side panel, measured in the map's metres (the drawing CRS is projected)."""
    length = _nice_length(map_width_m / 4)
    label = _("%(n)s km") % {"n": f"{length / 1000:g}"} if length >= 1000 else _("%(n)s m") % {"n": f"{length:g}"}
    bar = AnchoredSizeBar(
        ax.transData, length, label, loc="lower left", bbox_to_anchor=anchor, bbox_transform=ax.figure.transFigure,
        pad=0, borderpad=0, sep=4, frameon=False, size_vertical=map_width_m * 0.005, color="#222222",
        fontproperties=font(9), label_top=True,
    )
    ax.add_artist(bar)


def _north_arrow(fig, x=PANEL_X + 0.015, y=0.13):
    # Grid north: on a Gauss-Kruger map within its zone it is within a degree of true north.
    fig.add_artist(matplotlib.patches.FancyArrowPatch(
        (x, y), (x, y + 0.07), transform=fig.transFigure, arrowstyle="-|>,head_width=5,head_length=9",
        color="#222222", linewidth=2,
    ))
    fig.text(x, y - 0.005, _("N"), ha="center", va="top", fontproperties=font(11, "bold"))


def _legend(fig, handles, labels, title, top=0.88):
    fig.legend(
        handles, labels, loc="upper left", bbox_to_anchor=(PANEL_X, top), frameon=False,
        prop=font(10), title=title, title_fontproperties=font(11, "bold"), alignment="left",
    )


def _notes(fig, notes, top=0.55):
    lines = [line for note in notes for line in wrap(note, 48)]
    if lines:
        fig.text(PANEL_X, top, "\n".join(lines), ha="left", va="top", color="#555555", fontproperties=font(8.5))


def _half_widths(text):
    return sum(2 if ord(ch) >= 0x2E80 else 1 for ch in text)


# A Chinese character (or full-width punctuation) may end a line anywhere; other text breaks at spaces.
_WRAP_TOKENS = re.compile(r"[\u2e80-\uffff]|[^\s\u2e80-\uffff]+|\s+")


def wrap(text, width):
    """Lines of at most `width` half-width columns, a Chinese character counting two (textwrap counts one)."""
    lines, line = [], ""
    for token in _WRAP_TOKENS.findall(text):
        if token.isspace():
            line += " " if line else ""
            continue
        if line.strip() and _half_widths(line + token) > width:
            lines.append(line.rstrip())
            line = ""
        line += token
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _outline(ax, path, *, linewidth, colour, zorder, dashed=False):
    if path is not None:
        ax.add_artist(PathPatch(
            path, facecolor="none", edgecolor=colour, linewidth=linewidth, zorder=zorder,
            linestyle=(0, (4, 2)) if dashed else "solid", capstyle="round", joinstyle="round",
        ))


def _outlines(ax, frame, *, linewidth, colour, zorder, source, target):
    """Outlines of a frame of areas; development zones (kind 'zone') dashed, since they lie over districts."""
    if frame is None or len(frame) == 0:
        return []
    zones = frame["kind"].values == "zone" if "kind" in frame else np.zeros(len(frame), dtype=bool)
    paths = []
    for dashed in (False, True):
        part = frame[zones] if dashed else frame[~zones]
        if len(part):
            path = polygon_path(_geometries(part), source=source, target=target)
            _outline(ax, path, linewidth=linewidth, colour=colour, zorder=zorder, dashed=dashed)
            paths.append(path)
    return paths


def _labels(ax, frame, *, source, target):
    """Names at a point inside each area, white-haloed so they read over any colour."""
    if frame is None or len(frame) == 0 or len(frame) > MAX_LABELS:
        return
    frame = frame[~(shapely.is_missing(frame.geometry.values) | shapely.is_empty(frame.geometry.values))]
    if len(frame) == 0:
        return
    size = 11 if len(frame) <= 15 else (8 if len(frame) <= 40 else 6)
    xs, ys = _points(np.asarray(frame.geometry.values, dtype=object), source=source, target=target)
    # Development zones lie over districts, with long names: smaller, so both names stay legible.
    zones = frame["kind"].values == "zone" if "kind" in frame else np.zeros(len(frame), dtype=bool)
    halo = [withStroke(linewidth=2.5, foreground="white")]
    for x, y, name, zone in zip(xs, ys, frame["name"].values, zones):
        ax.text(x, y, name, ha="center", va="center", zorder=6, fontproperties=font(size * 0.7 if zone else size),
                path_effects=halo, clip_on=True)


def _pct(rate):
    return f"{rate * 100:.1f}%"


# --- Village coverage map -------------------------------------------------------------------------

def status_counts(villages) -> dict:
    """Villages per class, every class present (zero where none)."""
    values, counts = np.unique(np.asarray(villages["status"].values, dtype=str), return_counts=True)
    found = dict(zip(values.tolist(), counts.tolist()))
    unknown = set(found) - set(VILLAGE_STATUSES)
    if unknown:
        raise ValueError(f"unknown village statuses: {sorted(unknown)}")
    return {status: int(found.get(status, 0)) for status in VILLAGE_STATUSES}


def status_label(status, count):
    labels = {
        COVERED: _("Covered"),
        AT_RISK: _("At risk (assignments ending soon)"),
        UNCOVERED: _("Uncovered"),
        COMMUNITY: _("Community (not counted)"),
    }
    return _("%(label)s: %(count)d") % {"label": labels[status], "count": count}


def village_map_figure(villages, *, scope, as_of, counties=None, towns=None, labels=None, notes=()) -> Figure:
    """A village coverage map as a matplotlib Figure (see render_village_map)."""
    counts = status_counts(villages)
    covered = counts[COVERED] + counts[AT_RISK]
    total = covered + counts[UNCOVERED]
    rate = covered / total if total else 1.0
    title = _("Village coverage by specialists: %(scope)s, %(date)s") % {"scope": scope, "date": as_of.isoformat()}
    subtitle = _("%(covered)d of %(total)d administrative villages covered (%(rate)s)") % {
        "covered": covered, "total": total, "rate": _pct(rate),
    }
    fig, ax = _new_map_figure(title, subtitle)
    source = _crs(villages)
    target = drawing_crs(*_lon_extent(villages, counties, towns))

    geoms = np.asarray(villages.geometry.values, dtype=object)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms)) if len(geoms) else np.zeros(0, dtype=bool)
    statuses = np.asarray(villages["status"].values, dtype=str)
    drawn = int(present.sum())
    edge = {"edgecolor": "white", "linewidth": 0.4 if drawn <= 2_000 else 0.15} if drawn <= MAX_VILLAGE_OUTLINES else {"edgecolor": "none"}
    paths = []
    for status in VILLAGE_STATUSES:
        path = polygon_path(geoms[present & (statuses == status)], source=source, target=target)
        if path is not None:
            ax.add_artist(PathPatch(path, facecolor=COLOURS[status], zorder=1, **edge, **hatch(status)))
            paths.append(path)

    if towns is not None and len(towns) <= MAX_TOWN_OUTLINES:
        paths += _outlines(ax, towns, linewidth=0.5, colour="#666666", zorder=2, source=_crs(towns), target=target)
    if counties is not None:
        paths += _outlines(ax, counties, linewidth=1.3, colour="#222222", zorder=3, source=_crs(counties), target=target)
    _labels(ax, labels, source=_crs(labels) if labels is not None else source, target=target)

    width = _set_extent(ax, paths)
    _scale_bar(ax, width)
    _north_arrow(fig)
    shown = [status for status in VILLAGE_STATUSES if status != COMMUNITY or counts[COMMUNITY]]
    _legend(
        fig, [Patch(facecolor=COLOURS[s], edgecolor="#888888", linewidth=0.5, **hatch(s)) for s in shown],
        [status_label(s, counts[s]) for s in shown], _("Villages"),
    )
    notes = list(notes)
    if "synthetic" in villages and bool(np.asarray(villages["synthetic"].values, dtype=bool).any()):
        notes.insert(0, _("Village boundaries and names are synthetic (demo data): real village boundaries are not public."))
    _notes(fig, notes)
    return fig


def render_village_map(villages, *, scope, as_of, counties=None, towns=None, labels=None, notes=(), fmt="png", dpi=DEFAULT_DPI) -> bytes:
    """A village coverage map: villages coloured by status, with outlines, legend, scale bar and north arrow.

    villages: a GeoDataFrame in longitude/latitude with a `status` column (one of VILLAGE_STATUSES)
    and optionally `synthetic` (bool; a note is added when any is true). counties / towns: outlines
    to draw over them (a `kind` column of 'zone' draws a development zone dashed). labels: a frame of
    areas with a `name` column, named on the map (counties on a city map, towns on a county map).
    scope: the name of the area for the title; as_of: the date. fmt: png, svg or pdf.
    """
    with collector_paused():
        return figure_bytes(village_map_figure(villages, scope=scope, as_of=as_of, counties=counties, towns=towns,
                                               labels=labels, notes=notes), fmt, dpi)


# --- County-level map (aggregated: for scopes too large to draw village by village) ----------------

def _rate_class(total, covered):
    if total == 0:
        return None
    rate = covered / total
    for index, (low, _colour) in enumerate(RATE_CLASSES):
        if rate >= low:
            return index
    return len(RATE_CLASSES) - 1


def rate_class_label(index):
    # The rates go in as parameters: a bare "80% c" in a message reads as a format directive.
    labels = (
        lambda: _("All villages covered"),
        lambda: _("%(low)s to under %(high)s covered") % {"low": "95%", "high": "100%"},
        lambda: _("%(low)s to under %(high)s covered") % {"low": "80%", "high": "95%"},
        lambda: _("Under %(high)s covered") % {"high": "80%"},
    )
    return labels[index]()


def county_map_figure(counties, *, scope, as_of, notes=()) -> Figure:
    """County-level units coloured by village coverage rate (see render_county_map)."""
    totals = np.asarray(counties["villages_total"].values, dtype=np.int64)
    covered = np.asarray(counties["villages_covered"].values, dtype=np.int64)
    all_total, all_covered = int(totals.sum()), int(covered.sum())
    rate = all_covered / all_total if all_total else 1.0
    title = _("Village coverage by specialists: %(scope)s, %(date)s") % {"scope": scope, "date": as_of.isoformat()}
    subtitle = _("%(covered)d of %(total)d administrative villages covered (%(rate)s)") % {
        "covered": all_covered, "total": all_total, "rate": _pct(rate),
    }
    fig, ax = _new_map_figure(title, subtitle)
    source = _crs(counties)
    target = drawing_crs(*_lon_extent(counties))
    classes = np.array([-1 if c is None else c for c in map(_rate_class, totals, covered)])
    geoms = np.asarray(counties.geometry.values, dtype=object)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms)) if len(geoms) else np.zeros(0, dtype=bool)
    edge = {"edgecolor": "white", "linewidth": 0.5} if present.sum() <= MAX_VILLAGE_OUTLINES else {"edgecolor": "none"}
    paths = []
    colours = [colour for _low, colour in RATE_CLASSES] + [NO_VILLAGES_COLOUR]
    for index, colour in zip([*range(len(RATE_CLASSES)), -1], colours):
        path = polygon_path(geoms[present & (classes == index)], source=source, target=target)
        if path is not None:
            ax.add_artist(PathPatch(path, facecolor=colour, zorder=1, **edge))
            paths.append(path)
    if len(counties) <= 40:
        _labels(ax, counties, source=source, target=target)
    width = _set_extent(ax, paths)
    _scale_bar(ax, width)
    _north_arrow(fig)
    handles, labels = [], []
    for index, (_low, colour) in enumerate(RATE_CLASSES):
        handles.append(Patch(facecolor=colour, edgecolor="#888888", linewidth=0.5))
        labels.append(_("%(label)s: %(count)d") % {"label": rate_class_label(index), "count": int((classes == index).sum())})
    if (classes == -1).any():
        handles.append(Patch(facecolor=NO_VILLAGES_COLOUR, edgecolor="#888888", linewidth=0.5))
        labels.append(_("%(label)s: %(count)d") % {"label": _("No administrative villages"), "count": int((classes == -1).sum())})
    _legend(fig, handles, labels, _("County-level units"))
    _notes(fig, [_("Too many villages to draw one by one: each county-level unit is coloured by its share of villages covered.")]
           + list(notes))
    return fig


def render_county_map(counties, *, scope, as_of, notes=(), fmt="png", dpi=DEFAULT_DPI) -> bytes:
    """County-level units coloured by village coverage rate: the national or provincial overview.

    counties: a GeoDataFrame in longitude/latitude with `name`, `villages_total` and
    `villages_covered` columns. Draws as fast for 490,000 villages as for 1,000, since only the
    units are drawn.
    """
    with collector_paused():
        return figure_bytes(county_map_figure(counties, scope=scope, as_of=as_of, notes=notes), fmt, dpi)


# --- Industry map: one small map per key industry ------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class IndustryPanel:
    """One key industry: where it is covered or a gap, and the teams that cover it."""

    name: str
    city_key: bool
    statuses: dict  # county-level unit code -> COVERED or GAP; units where it is not key are absent
    teams: tuple = ()  # lines such as "小麦特派团" or "石榴特派团 (怀远县)"

    @property
    def covered(self):
        return bool(self.statuses) and all(status == COVERED for status in self.statuses.values())


def industry_class_label(status, count=None):
    label = {COVERED: _("Covered by a team"), GAP: _("Gap: key industry without a team"), NOT_KEY: _("Not a key industry here")}[status]
    return label if count is None else _("%(label)s: %(count)d") % {"label": label, "count": count}


def industry_map_figure(counties, panels, *, as_of, notes=()) -> Figure:
    """Small multiples of key industry coverage (see render_industry_map)."""
    n = max(len(panels), 1)
    columns = 4 if n > 6 else min(n, 3)
    rows = math.ceil(n / columns)
    # Inches: the header, then per panel a heading, the map and the teams, then the legend and notes.
    cell_w, heading_h, map_h, teams_h, header_h, footer_h = 3.3, 0.35, 2.2, 0.75, 1.0, 1.1
    cell_h = heading_h + map_h + teams_h
    width, height = columns * cell_w, header_h + rows * cell_h + footer_h
    fig = Figure(figsize=(width, height))
    covered = sum(panel.covered for panel in panels)
    fig.text(0.2 / width, 1 - 0.2 / height, _("Key industries covered by specialist teams, %(date)s") % {"date": as_of.isoformat()},
             ha="left", va="top", fontproperties=font(16, "bold"))
    fig.text(0.2 / width, 1 - 0.6 / height, _("%(covered)d of %(total)d key industries fully covered (%(rate)s)") % {
        "covered": covered, "total": len(panels), "rate": _pct(covered / len(panels) if panels else 1.0)},
        ha="left", va="top", fontproperties=font(12))

    source = _crs(counties)
    target = drawing_crs(*_lon_extent(counties))
    geoms = np.asarray(counties.geometry.values, dtype=object)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms)) if len(geoms) else np.zeros(0, dtype=bool)
    codes = np.asarray(counties["code"].values, dtype=str)
    zones = (counties["kind"].values == "zone") if "kind" in counties else np.zeros(len(counties), dtype=bool)
    # Reproject once: every panel draws the same units.
    projected = geoms.copy()
    if present.any() and source != target:
        transformer = _transformer(source, target)
        projected[present] = shapely.transform(
            geoms[present], lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))
    extent_paths = [polygon_path(projected[present], source=target, target=target)]

    tallies = {COVERED: 0, GAP: 0}
    for number, panel in enumerate(panels):
        row, column = divmod(number, columns)
        left = column * cell_w + 0.15  # inches from the left edge
        top = height - header_h - row * cell_h  # inches from the bottom edge
        fig.text(left / width, top / height, panel.name + (" · " + _("city key industry") if panel.city_key else ""),
                 ha="left", va="top", fontproperties=font(11, "bold"))
        ax = fig.add_axes(((left - 0.05) / width, (top - heading_h - map_h) / height, (cell_w - 0.2) / width, map_h / height))
        ax.set_axis_off()
        status = np.array([panel.statuses.get(code, NOT_KEY) for code in codes], dtype=object)
        for value in (COVERED, GAP):
            tallies[value] += int((status == value).sum())
        # Districts first, then the zones over them: a zone's towns lie inside its districts.
        for is_zone in (False, True):
            layer = zones if is_zone else ~zones
            for value in (NOT_KEY, COVERED, GAP):
                path = polygon_path(projected[present & layer & (status == value)], source=target, target=target)
                if path is not None:
                    ax.add_artist(PathPatch(path, facecolor=COLOURS[value], edgecolor="#555555", linewidth=0.5,
                                            linestyle=(0, (3, 1.5)) if is_zone else "solid", zorder=1, **hatch(value)))
        _set_extent(ax, extent_paths, pad=0.02)
        lines = [line for team in panel.teams for line in wrap(team, 54)] or [_("No team")]
        if len(lines) > 4:
            lines = lines[:3] + [_("and %(n)d more lines") % {"n": len(lines) - 3}]
        fig.text(left / width, (top - heading_h - map_h - 0.05) / height, "\n".join(lines), ha="left", va="top",
                 color="#333333" if panel.teams else COLOURS[GAP], fontproperties=font(8))

    handles = [Patch(facecolor=COLOURS[value], edgecolor="#555555", linewidth=0.5, **hatch(value)) for value in (COVERED, GAP, NOT_KEY)]
    labels = [industry_class_label(COVERED, tallies[COVERED]), industry_class_label(GAP, tallies[GAP]), industry_class_label(NOT_KEY)]
    fig.legend(handles, labels, loc="upper left", bbox_to_anchor=(0.15 / width, (footer_h - 0.05) / height), ncols=3,
               frameon=False, prop=font(10), title=_("County-level units (counts are unit and industry pairs)"),
               title_fontproperties=font(10, "bold"), alignment="left")
    footer = [_("A city key industry is covered city-wide by any running team assignment. "
                "Dashed outlines are development zones, which lie within districts.")] + list(notes)
    lines = [line for note in footer for line in wrap(note, int(width * 15))]
    fig.text(0.2 / width, 0.1 / height, "\n".join(lines), ha="left", va="bottom", color="#555555", fontproperties=font(8))
    return fig


def render_industry_map(counties, panels, *, as_of, notes=(), fmt="png", dpi=DEFAULT_DPI) -> bytes:
    """Key industry coverage as small multiples: one map of the county-level units per key industry.

    counties: a GeoDataFrame in longitude/latitude with `code`, `name` and optionally `kind`
    ('zone' draws a development zone dashed, over its districts). panels: IndustryPanel per key
    industry, in the order to draw them.
    """
    with collector_paused():
        return figure_bytes(industry_map_figure(counties, panels, as_of=as_of, notes=notes), fmt, dpi)


# --- Output -----------------------------------------------------------------------------------------

def figure_bytes(fig, fmt, dpi=DEFAULT_DPI) -> bytes:
    """Save a figure as PNG, SVG or PDF. SVG draws text as paths and PDF embeds a font subset, so
    Chinese shows on machines without a Chinese font."""
    if fmt not in STATIC_FORMATS:
        raise ValueError(f"not a static map format: {fmt!r} (one of {', '.join(STATIC_FORMATS)})")
    out = io.BytesIO()
    if fmt == "png":
        _save_png(fig, out, dpi)
    else:
        # No creation date: the same map of the same data is the same file.
        metadata = {"Date": None} if fmt == "svg" else {"CreationDate": None}
        fig.savefig(out, format=fmt, dpi=dpi, facecolor="white", metadata=metadata)
    return out.getvalue()


def _save_png(fig, out, dpi):
    """A palette PNG: a map has a few flat colours plus anti-aliasing shades, which 256 colours hold.

    Three times smaller than matplotlib's RGBA PNG and twice as fast to encode, and the encoder
    is otherwise a quarter of a 15,000-village map's time.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    fig.set_dpi(dpi)
    fig.set_facecolor("white")
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    image = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    image = image.convert("RGB").quantize(colors=256, method=Image.Quantize.FASTOCTREE)
    image.save(out, format="png", compress_level=PNG_COMPRESS_LEVEL, dpi=(dpi, dpi))


# Shapefile field names are at most 10 characters: longer names must be mapped, never truncated silently.
SHAPEFILE_NAME_LENGTH = 10


def export_layer(frame, fmt, *, layer, shapefile_names=None) -> bytes:
    """A GIS layer of the frame: GeoJSON (RFC 7946, WGS-84), GeoPackage or a zipped Shapefile (EPSG:4490).

    GeoJSON is written to RFC 7946, which allows WGS-84 longitude/latitude only; CGCS2000 and
    WGS-84 differ by centimetres, far below the boundaries' accuracy. GeoPackage and Shapefile keep
    the stored CGCS2000. Text is UTF-8 throughout; the Shapefile carries a .cpg saying so, and
    shapefile_names maps columns to names of at most 10 characters.
    """
    import pyogrio

    with _quiet_pyogrio():
        return _write_layer(pyogrio, frame, fmt, layer, shapefile_names)


@contextlib.contextmanager
def _quiet_pyogrio():
    # pyogrio logs "Created N records" at INFO for every layer it writes: noise in a command's output.
    logger = logging.getLogger("pyogrio")
    previous = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(previous)


def _write_layer(pyogrio, frame, fmt, layer, shapefile_names):
    if fmt == "geojson":
        out = io.BytesIO()
        pyogrio.write_dataframe(frame, out, driver="GeoJSON", layer=layer, layer_options={"RFC7946": "YES"})
        return out.getvalue()
    if fmt == "gpkg":
        out = io.BytesIO()
        pyogrio.write_dataframe(frame, out, driver="GPKG", layer=layer)
        return out.getvalue()
    if fmt == "shp":
        renamed = frame.rename(columns=shapefile_names or {})
        too_long = [c for c in renamed.columns if c != renamed.geometry.name and len(c) > SHAPEFILE_NAME_LENGTH]
        if too_long:
            raise ValueError(f"Shapefile field names must be at most 10 characters: {too_long}")
        out = io.BytesIO()
        with tempfile.TemporaryDirectory(prefix="tepai-shp-") as folder:
            pyogrio.write_dataframe(renamed, os.path.join(folder, f"{layer}.shp"), driver="ESRI Shapefile", encoding="UTF-8")
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
                for name in sorted(os.listdir(folder)):
                    archive.write(os.path.join(folder, name), arcname=name)
        return out.getvalue()
    raise ValueError(f"not a layer format: {fmt!r} (one of {', '.join(LAYER_FORMATS)})")
