"""Map rendering and layer export from hand-made frames: no database."""

import datetime
import io
import re
import warnings
import xml.etree.ElementTree as ET
import zipfile

import geopandas as gpd
import numpy as np
import pytest
import shapely
from django.utils import translation
from matplotlib.font_manager import FontProperties, findfont
from matplotlib.ft2font import FT2Font
from matplotlib.path import Path
from matplotlib.text import Text
from PIL import Image
from shapely.geometry import MultiPolygon, Polygon, box

from villages import maps

AS_OF = datetime.date(2023, 6, 15)
DPI = 40  # small images keep the suite fast; sizes scale with it


def square(x, y, size=0.02):
    return MultiPolygon([box(x, y, x + size, y + size)])


def village_frame(statuses, *, synthetic=False, names=None, x0=117.3, y0=32.9):
    """A row of villages 0.02 degrees wide near Bengbu, one per status."""
    n = len(statuses)
    return gpd.GeoDataFrame(
        {
            "code": [f"3403211002{i:02d}" for i in range(n)],
            "name": names or [f"村{i}" for i in range(n)],
            "town_code": ["340321100"] * n,
            "status": statuses,
            "synthetic": [synthetic] * n,
        },
        geometry=[square(x0 + 0.02 * i, y0) for i in range(n)],
        crs="EPSG:4490",
    )


def county_frame():
    return gpd.GeoDataFrame(
        {"code": ["340321", "340371"], "name": ["怀远县", "蚌埠高新技术产业开发区"], "kind": ["county", "zone"]},
        geometry=[square(117.3, 32.9, 0.1), square(117.32, 32.92, 0.02)],
        crs="EPSG:4490",
    )


def figure_texts(fig):
    return [t for t in fig.findobj(Text) if t.get_text().strip()]


# --- Paths ------------------------------------------------------------------------------------------

def signed_area(xy):
    x, y = xy[:, 0], xy[:, 1]
    return (x[:-1] * y[1:] - x[1:] * y[:-1]).sum() / 2


def test_polygon_path_is_one_compound_path_with_shells_anticlockwise_and_holes_clockwise():
    # Shell given clockwise and its hole anticlockwise: both the wrong way round for non-zero filling.
    shell = [(117.0, 32.0), (117.0, 32.1), (117.1, 32.1), (117.1, 32.0), (117.0, 32.0)]
    hole = [(117.02, 32.02), (117.08, 32.02), (117.08, 32.08), (117.02, 32.08), (117.02, 32.02)]
    with_hole = MultiPolygon([Polygon(shell, [hole])])
    two_parts = MultiPolygon([box(117.2, 32.0, 117.25, 32.05), box(117.3, 32.0, 117.35, 32.05)])

    path = maps.polygon_path(np.array([with_hole, two_parts], dtype=object))

    codes = path.codes
    assert (codes == Path.MOVETO).sum() == 4  # shell, hole, and the two parts
    assert (codes == Path.CLOSEPOLY).sum() == 4
    starts = np.flatnonzero(codes == Path.MOVETO)
    ends = np.flatnonzero(codes == Path.CLOSEPOLY)
    areas = [signed_area(path.vertices[s:e + 1]) for s, e in zip(starts, ends)]
    assert areas[0] > 0 and areas[1] < 0 and areas[2] > 0 and areas[3] > 0
    # Drawn in EPSG:4548 metres: the central meridian 117E is easting 500,000, and the shell is about 9.4 km wide.
    assert path.vertices[starts[0], 0] == pytest.approx(500_000, abs=1)
    shell_xy = path.vertices[starts[0]:ends[0] + 1]
    assert shell_xy[:, 0].max() - shell_xy[:, 0].min() == pytest.approx(9_390, rel=0.01)


def test_polygon_path_of_nothing_is_none():
    assert maps.polygon_path(np.array([], dtype=object)) is None


def test_drawing_crs_is_gauss_kruger_117e_for_bengbu_and_anhui_and_a_conic_for_the_country():
    assert maps.drawing_crs(116.7, 118.1) == "EPSG:4548"  # Bengbu
    assert maps.drawing_crs(114.9, 119.6) == "EPSG:4548"  # Anhui
    assert maps.drawing_crs(73.5, 134.8) == maps.CHINA_ALBERS


def test_outlines_from_unions_the_parts_of_each_group():
    parts = gpd.GeoDataFrame(
        {"town_code": ["b", "a", "a"]},
        geometry=[box(117.0, 32.0, 117.02, 32.02), box(117.1, 32.0, 117.12, 32.02), box(117.12, 32.0, 117.14, 32.02)],
        crs="EPSG:4490",
    )

    outlines = maps.outlines_from(parts, "town_code")

    assert list(outlines["town_code"]) == ["a", "b"]
    assert outlines.geometry.iloc[0].equals(box(117.1, 32.0, 117.14, 32.02))
    assert outlines.crs == parts.crs


def test_wrap_counts_a_chinese_character_as_two_columns():
    assert maps.wrap("蚌埠市怀远县荆山镇", 8) == ["蚌埠市怀", "远县荆山", "镇"]
    assert maps.wrap("Village boundaries are synthetic", 12) == ["Village", "boundaries", "are", "synthetic"]
    assert maps.wrap("a b c", 12) == ["a b c"]


# --- Chinese font -------------------------------------------------------------------------------------

def test_every_character_drawn_is_in_the_font_that_draws_it():
    """The title, legend, labels and notes of a Chinese map are drawn with a font that has their glyphs."""
    villages = village_frame(["covered", "at_risk", "uncovered", "community"], synthetic=True,
                             names=["张庄村", "李圩村", "王湖村", "荆山社区"])
    with translation.override("zh-hans"):
        fig = maps.village_map_figure(villages, scope="蚌埠市怀远县", as_of=AS_OF, counties=county_frame(), labels=county_frame())

    texts = figure_texts(fig)
    drawn = "".join(t.get_text() for t in texts)
    assert "蚌埠市怀远县" in drawn and "蚌埠高新技术产业开发区" in drawn  # the scope and the labels are among them
    checked_cjk = 0
    for text in texts:
        font_path = findfont(text.get_fontproperties(), fallback_to_default=False)
        assert text.get_fontproperties().get_family() == [maps.cjk_font().family]
        charmap = FT2Font(font_path, face_index=getattr(font_path, "face_index", 0)).get_charmap()
        missing = [ch for ch in text.get_text() if not ch.isspace() and ord(ch) not in charmap]
        assert missing == [], (text.get_text(), str(font_path))
        checked_cjk += sum(ord(ch) >= 0x4E00 for ch in text.get_text())
    assert checked_cjk > 20

    # Nor does matplotlib fall back to boxes when it renders them.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        maps.figure_bytes(fig, "png", dpi=DPI)
    assert [str(w.message) for w in caught if "missing from font" in str(w.message)] == []


def test_the_chinese_font_is_noto_sans_cjk_sc_here():
    # fonts-noto-cjk is installed on the machines Tepai runs on; the SC face draws Simplified Chinese forms.
    font = maps.cjk_font()
    assert font.family == "Noto Sans CJK SC"
    assert maps.missing_glyphs("蚌埠市科技特派员覆盖图", font) == ""


def test_without_a_chinese_font_the_error_names_the_package_to_install():
    dejavu = FontProperties(family="DejaVu Sans")
    latin_only = [entry for entry in maps.font_manager.fontManager.ttflist if entry.name == dejavu.get_family()[0]]
    assert latin_only  # matplotlib ships DejaVu Sans

    with pytest.raises(maps.ChineseFontMissing, match="fonts-noto-cjk"):
        maps.find_cjk_font(latin_only)
    with pytest.raises(maps.ChineseFontMissing, match="apt-get install fonts-noto-cjk"):
        maps.find_cjk_font([])


# --- Static maps --------------------------------------------------------------------------------------

def test_title_legend_and_note_say_the_date_rate_and_counts():
    villages = village_frame(["covered", "covered", "at_risk", "uncovered", "community"], synthetic=True)
    with translation.override("en"):
        fig = maps.village_map_figure(villages, scope="怀远县", as_of=AS_OF, counties=county_frame(), labels=county_frame())
        texts = [t.get_text() for t in figure_texts(fig)]

    assert "Village coverage by specialists: 怀远县, 2023-06-15" in texts
    assert "3 of 4 administrative villages covered (75.0%)" in texts  # at risk villages are covered
    assert [t.get_text() for t in fig.legends[0].get_texts()] == [
        "Covered: 2", "At risk (assignments ending soon): 1", "Uncovered: 1", "Community (not counted): 1",
    ]
    assert any(text.startswith("Village boundaries and names are synthetic") for text in texts)
    assert "怀远县" in texts and "N" in texts
    # The frame is 0.1 degrees (9.3 km) wide plus margins: a quarter of it, rounded down to 1-2-5, is 2 km.
    assert "2 km" in texts


def test_no_synthetic_note_for_real_boundaries_and_no_community_entry_without_communities():
    with translation.override("en"):
        fig = maps.village_map_figure(village_frame(["covered", "uncovered"]), scope="怀远县", as_of=AS_OF)
        texts = [t.get_text() for t in figure_texts(fig)]

    assert not any("synthetic" in text for text in texts)
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["Covered: 1", "At risk (assignments ending soon): 0", "Uncovered: 1"]


def test_an_unknown_status_is_refused():
    with pytest.raises(ValueError, match="unknown village statuses"):
        maps.render_village_map(village_frame(["covered", "served"]), scope="x", as_of=AS_OF, dpi=DPI)


def check_png(content, size):
    image = Image.open(io.BytesIO(content))
    image.load()
    assert image.format == "PNG"
    assert image.size == size


def check_svg(content):
    root = ET.fromstring(content)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"


def check_pdf(content):
    assert content.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", content)) == 1


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_village_map_in_every_static_format(fmt):
    villages = village_frame(["covered", "at_risk", "uncovered", "community"], synthetic=True)

    content = maps.render_village_map(villages, scope="怀远县", as_of=AS_OF, counties=county_frame(),
                                      towns=maps.outlines_from(villages, "town_code"), labels=county_frame(), fmt=fmt, dpi=DPI)

    if fmt == "png":
        check_png(content, (int(maps.FIGURE_SIZE[0] * DPI), int(maps.FIGURE_SIZE[1] * DPI)))
    elif fmt == "svg":
        check_svg(content)
    else:
        check_pdf(content)


def test_a_static_map_format_is_checked():
    fig = maps.village_map_figure(village_frame(["covered"]), scope="x", as_of=AS_OF)
    with pytest.raises(ValueError, match="not a static map format"):
        maps.figure_bytes(fig, "gpkg")


def test_county_map_colours_units_by_coverage_rate():
    counties = county_frame().assign(villages_total=[100, 0], villages_covered=[96, 0])
    with translation.override("en"):
        fig = maps.county_map_figure(counties, scope="全国", as_of=AS_OF)

    assert [t.get_text() for t in fig.legends[0].get_texts()] == [
        "All villages covered: 0", "95% to under 100% covered: 1", "80% to under 95% covered: 0", "Under 80% covered: 0",
        "No administrative villages: 1",
    ]
    assert "96 of 100 administrative villages covered (96.0%)" in [t.get_text() for t in figure_texts(fig)]
    check_png(maps.figure_bytes(fig, "png", dpi=DPI), (int(maps.FIGURE_SIZE[0] * DPI), int(maps.FIGURE_SIZE[1] * DPI)))


def test_industry_map_draws_one_panel_per_industry_with_its_teams():
    panels = [
        maps.IndustryPanel("优质小麦", True, {"340321": maps.COVERED, "340371": maps.COVERED}, ("小麦特派团 (全市)",)),
        maps.IndustryPanel("石榴", False, {"340321": maps.GAP}, ()),
    ]
    with translation.override("en"):
        fig = maps.industry_map_figure(county_frame(), panels, as_of=AS_OF)
        texts = [t.get_text() for t in figure_texts(fig)]

    assert "1 of 2 key industries fully covered (50.0%)" in texts
    assert "优质小麦 · city key industry" in texts and "石榴" in texts
    assert "小麦特派团 (全市)" in texts and "No team" in texts
    assert [t.get_text() for t in fig.legends[0].get_texts()] == [
        "Covered by a team: 2", "Gap: key industry without a team: 1", "Not a key industry here",
    ]
    assert len(fig.axes) == 2
    check_pdf(maps.figure_bytes(fig, "pdf", dpi=DPI))


# --- Layers -------------------------------------------------------------------------------------------

def layer_frame():
    frame = village_frame(["covered", "at_risk", "community"], synthetic=True, names=["张庄村", "李圩村", "荆山社区"])
    frame["county_code"] = "340321"
    frame["county"] = "怀远县"
    frame["covered"] = [True, True, False]
    frame["specialists"] = np.array([2, 1, 0], dtype=np.int32)
    return frame


def read_back(content, fmt, tmp_path):
    path = tmp_path / ("layer.zip" if fmt == "shp" else f"layer.{fmt}")
    path.write_bytes(content)
    return gpd.read_file(path)


@pytest.mark.parametrize("fmt,crs", [("geojson", "EPSG:4326"), ("gpkg", "EPSG:4490"), ("shp", "EPSG:4490")])
def test_layers_read_back_with_the_same_rows_attributes_and_chinese_names(fmt, crs, tmp_path):
    frame = layer_frame()

    content = maps.export_layer(frame, fmt, layer="village_coverage", shapefile_names={"county_code": "countycode", "specialists": "spec_count"})

    back = read_back(content, fmt, tmp_path)
    if fmt == "shp":
        back = back.rename(columns={"countycode": "county_code", "spec_count": "specialists"})
    assert back.crs == crs
    columns = ["code", "name", "town_code", "status", "synthetic", "county_code", "county", "covered", "specialists"]
    assert back[columns].to_dict("records") == frame[columns].to_dict("records")
    assert list(back["name"]) == ["张庄村", "李圩村", "荆山社区"]
    # Shapefiles store single polygons, and RFC 7946 GeoJSON turns rings anticlockwise: compare normalised shapes.
    read, written = (shapely.normalize(shapely.get_parts(f.geometry.values)) for f in (back, frame))
    assert shapely.equals_exact(read, written, tolerance=1e-7).all()


def test_the_zipped_shapefile_says_its_encoding_in_a_cpg():
    content = maps.export_layer(layer_frame(), "shp", layer="village_coverage",
                                shapefile_names={"county_code": "countycode", "specialists": "spec_count"})

    archive = zipfile.ZipFile(io.BytesIO(content))
    assert sorted(archive.namelist()) == [f"village_coverage.{ext}" for ext in ("cpg", "dbf", "prj", "shp", "shx")]
    assert archive.read("village_coverage.cpg").decode().strip() == "UTF-8"


def test_a_shapefile_field_name_is_never_truncated_silently():
    with pytest.raises(ValueError, match="at most 10 characters"):
        maps.export_layer(layer_frame(), "shp", layer="village_coverage")


# --- The garbage collector ---------------------------------------------------------------------------

@pytest.mark.parametrize("render", [
    lambda: maps.render_village_map(village_frame(["covered", "uncovered"]), scope="x", as_of=AS_OF, counties=county_frame(), dpi=DPI),
    lambda: maps.render_county_map(county_frame().assign(villages_total=[10, 0], villages_covered=[9, 0]), scope="x", as_of=AS_OF, dpi=DPI),
])
def test_a_map_is_drawn_with_the_collector_paused_and_it_is_back_on_after(monkeypatch, render):
    import gc

    seen = []
    draw = maps.figure_bytes

    def watched(*args, **kwargs):
        seen.append(gc.isenabled())
        return draw(*args, **kwargs)

    monkeypatch.setattr(maps, "figure_bytes", watched)
    render()

    assert seen == [False]
    assert gc.isenabled()


def test_the_collector_is_back_on_when_a_drawing_fails():
    import gc

    with pytest.raises(ValueError):
        maps.render_village_map(village_frame(["covered"]), scope="x", as_of=AS_OF, fmt="bmp", dpi=DPI)

    assert gc.isenabled()
