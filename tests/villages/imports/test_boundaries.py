"""The boundaries import: every file here is written by geopandas from Bengbu's 7 real county-level
units (villages/data/bengbu/counties.geojson), in the format, CRS and encoding under test."""

import io
import os
import zipfile

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import Polygon, box

from tests.factories import default_city
from villages import geometry
from villages.coordinates import wgs84_to_gcj02
from villages.demo import DATA_DIR
from villages.imports import kinds
from villages.imports.boundaries import BOUNDARIES, division_code
from villages.imports.files import open_upload
from villages.imports.plans import ImportRefused
from villages.models import City, County, Town, Village
from villages.places import EVERYWHERE, Place

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]

CODES = ["340302", "340303", "340304", "340311", "340321", "340322", "340323"]


@pytest.fixture(scope="module")
def frame():
    """The 7 counties in EPSG:4490, columns code, name, parent_code, as the file has them."""
    return gpd.read_file(DATA_DIR / "counties.geojson")


@pytest.fixture
def counties(frame):
    """The counties in the database, without boundaries; their city's boundary is their union."""
    city = default_city()
    City.objects.filter(pk=city.pk).update(boundary=geometry.to_wkb(shapely.union_all(frame.geometry.values)))
    return {row.code: County.objects.create(code=row.code, name=row.name, kind=County.Kind.COUNTY, city=city)
            for row in frame.itertuples()}


def geojson(frame, name="counties.geojson"):
    return open_upload(name, frame.to_json(drop_id=True).encode())


def gpkg(frame, tmp_path, layers=("counties",)):
    path = tmp_path / "counties.gpkg"
    for layer in layers:
        frame.to_file(path, layer=layer, driver="GPKG")
    return open_upload("counties.gpkg", path.read_bytes())


def shapefile_zip(frame, tmp_path, *, folder="", drop=(), encoding="UTF-8", stems=("counties",)):
    """A zipped Shapefile of `frame` (in `folder` inside the zip), without the sidecars in `drop`."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for stem in stems:
            frame.rename(columns={"parent_code": "parent"}).to_file(tmp_path / f"{stem}.shp", encoding=encoding)
            for suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
                if suffix not in drop:
                    archive.write(tmp_path / f"{stem}{suffix}", os.path.join(folder, stem + suffix))
    return open_upload("counties.zip", out.getvalue())


def plan(upload, place=EVERYWHERE, **options):
    return BOUNDARIES.plan(upload, place=place, options=options)


def commit(upload, place=EVERYWHERE, **options):
    return BOUNDARIES.commit(upload, place=place, options=options, progress=None)


def stored(code):
    return County.objects.get(code=code).shape


def hausdorff_m(a, b):
    return shapely.hausdorff_distance(geometry.project(a), geometry.project(b))


def assert_stored_as(frame, tolerance_m):
    for row in frame.itertuples():
        assert hausdorff_m(stored(row.code), row.geometry) < tolerance_m, row.code


def test_registered_for_county_level_places_and_wider(counties):
    town = Town.objects.create(code="340302100", name="李楼乡", kind=Town.Kind.TOWNSHIP, county=counties["340302"])

    assert kinds.get("boundaries") is BOUNDARIES
    assert [BOUNDARIES.allowed(p) for p in (EVERYWHERE, Place(counties["340302"]), Place(town))] == [True, True, False]


@pytest.mark.parametrize(("text", "code"), [
    ("340302", "340302"), ("340300", "3403"), ("340000000000", "34"), ("340302000000", "340302"),
    ("340302100000", "340302100"), ("340302100201", "340302100201"), ("3403021", None), ("34a302", None),
])
def test_division_codes_lose_their_padding(text, code):
    assert division_code(text) == code


def test_geojson_sets_each_boundary_and_a_second_import_changes_nothing(frame, counties):
    first = commit(geojson(frame))

    assert first.ok and first.summary() == {"county": {"update": 7}}
    assert "Divisions were matched by their codes in column code." in first.notes
    change = first.changes[0]
    assert (change.key, change.name, change.row, change.fields["area_km2"][0]) == ("340302", "龙子湖区", 1, None)
    assert 140 < change.fields["area_km2"][1] < 160  # 龙子湖区 is about 148 km²
    assert_stored_as(frame, 0.01)
    assert plan(geojson(frame)).summary() == {"county": {"unchanged": 7}}


def test_geopackage(frame, counties, tmp_path):
    assert commit(gpkg(frame, tmp_path)).summary() == {"county": {"update": 7}}
    assert_stored_as(frame, 0.01)


def test_a_geopackage_of_several_layers_asks_which(frame, counties, tmp_path):
    result = plan(gpkg(frame, tmp_path, layers=("a", "b")))

    assert result.choices == {"layer": ["a", "b"]}
    assert plan(gpkg(frame, tmp_path, layers=("a", "b")), layer="b").summary() == {"county": {"update": 7}}


def test_zipped_shapefile_in_a_subfolder(frame, counties, tmp_path):
    upload = shapefile_zip(frame, tmp_path, folder="蚌埠/县区")

    assert commit(upload).summary() == {"county": {"update": 7}}
    assert_stored_as(frame, 0.01)
    # The Shapefile's rings run the other way round from the GeoJSON's: still the same boundaries.
    assert plan(geojson(frame)).summary() == {"county": {"unchanged": 7}}


def test_an_archive_of_several_shapefiles_asks_which(frame, counties, tmp_path):
    result = plan(shapefile_zip(frame, tmp_path, stems=("a", "b")))

    assert result.choices == {"layer": ["a.shp", "b.shp"]} and not result.ok


def test_projected_cgcs2000_lands_within_a_metre(frame, counties, tmp_path):
    result = commit(gpkg(frame.to_crs("EPSG:4549"), tmp_path))

    assert result.summary() == {"county": {"update": 7}}
    assert any("EPSG:4549" in note for note in result.notes)
    assert_stored_as(frame, 1.0)


def test_a_shapefile_without_prj_needs_its_crs_named(frame, counties, tmp_path):
    upload = shapefile_zip(frame.to_crs("EPSG:4549"), tmp_path, drop=(".prj",))

    with pytest.raises(ImportRefused, match=r"\.prj is missing"):
        plan(upload)
    assert commit(upload, crs="EPSG:4549").summary() == {"county": {"update": 7}}
    assert_stored_as(frame, 1.0)


@pytest.mark.parametrize(("drop", "options", "encoding"), [
    ((), {}, "GBK"),  # the .cpg says GBK
    ((".cpg",), {"encoding": "GBK"}, "GBK"),  # the user says so
    ((".cpg",), {}, "GB18030"),  # UTF-8 does not decode: GB18030 does
])
def test_gbk_attribute_tables_read_by_name_under_the_city(frame, counties, tmp_path, drop, options, encoding):
    upload = shapefile_zip(frame[["name", "geometry"]], tmp_path, drop=drop, encoding="GBK")

    result = plan(upload, parent="3403", **options)

    assert result.ok, result.problems
    assert result.summary() == {"county": {"update": 7}}
    assert f"The attribute table was read as {encoding}." in result.notes
    assert "Divisions were matched by their names in column name under 蚌埠市 (3403)." in result.notes


def test_gcj02_data_converted_back_within_a_metre(frame, counties):
    shifted = frame.copy()
    shifted["geometry"] = shapely.transform(frame.geometry.values, lambda xy: np.array([wgs84_to_gcj02(*p) for p in xy.tolist()]))
    shifted = shifted.set_crs("EPSG:4326", allow_override=True)
    assert hausdorff_m(shifted.geometry[0], frame.geometry[0]) > 100

    result = commit(geojson(shifted), gcj02=True)

    assert result.summary() == {"county": {"update": 7}}
    assert_stored_as(frame, 1.0)


def _with_crossed_lobe(shape):
    """The boundary with a tiny figure-8 lobe at its first vertex: invalid, and about as large."""
    part = shape.geoms[0]
    ring = list(part.exterior.coords)
    x, y = ring[0]
    e = 0.001
    lobe = [(x, y), (x + e, y + e), (x + e, y), (x, y + e)]
    return Polygon(lobe + ring, [i.coords for i in part.interiors])


def test_a_slightly_crossed_polygon_is_repaired_a_bowtie_is_refused(frame, counties):
    twisted = frame.copy()
    twisted.loc[4, "geometry"] = _with_crossed_lobe(frame.geometry[4])
    assert not twisted.geometry[4].is_valid

    repaired = plan(geojson(twisted))

    assert repaired.ok and repaired.summary() == {"county": {"update": 7}}
    assert any(note.startswith("Row 5: the polygon was not valid (Ring Self-intersection") for note in repaired.notes)

    minx, miny, maxx, maxy = frame.geometry[1].bounds
    twisted.loc[1, "geometry"] = Polygon([(minx, miny), (maxx, maxy), (maxx, miny), (minx, maxy)])
    refused = plan(geojson(twisted))

    assert [(p.row, p.column) for p in refused.problems] == [(2, "geometry")]
    assert "cannot be repaired without changing its area" in refused.problems[0].message


def test_non_polygons_and_empty_geometries_are_refused_by_row(frame, counties):
    broken = frame.copy()
    broken.loc[0, "geometry"] = shapely.LineString([(117.3, 32.9), (117.4, 32.9)])
    broken.loc[2, "geometry"] = None

    result = plan(geojson(broken))

    assert [(p.row, p.column, p.message) for p in result.problems] == [
        (1, "geometry", "A boundary must be a polygon or multipolygon, not LineString."),
        (3, "geometry", "The feature has no geometry."),
    ]


def test_two_code_columns_ask_which_and_the_choice_is_obeyed(frame, counties):
    doubled = frame.assign(XZQDM=list(reversed(CODES)))

    asked = plan(geojson(doubled))

    assert asked.choices == {"code_column": ["code", "XZQDM"]} and not asked.ok
    chosen = plan(geojson(doubled), code_column="XZQDM")
    assert chosen.ok and (chosen.changes[0].row, chosen.changes[0].key) == (1, "340323")


def test_unknown_code_is_refused_and_nothing_is_written(frame, counties):
    wrong = frame.copy()
    wrong.loc[3, "code"] = "340399"

    with pytest.raises(ImportRefused) as refused:
        commit(geojson(wrong))

    assert [(p.row, p.column, p.message) for p in refused.value.problems] == [(4, "code", "No division has the code 340399.")]
    assert not County.objects.filter(boundary__isnull=False).exists()


def test_a_boundary_outside_its_parent_is_reported(frame, counties):
    moved = frame.copy()
    moved.loc[0, "geometry"] = shapely.affinity.translate(frame.geometry[0], xoff=0.2)

    result = plan(geojson(moved))

    assert result.ok
    outside = [note for note in result.notes if "outside the stored boundary" in note]
    assert len(outside) == 1 and outside[0].startswith("Row 1: ") and "龙子湖区 (340302)" in outside[0] and "蚌埠市 (3403)" in outside[0]


def test_a_county_imports_only_its_own_boundary(frame, counties):
    result = plan(geojson(frame), place=Place(counties["340302"]))

    assert [p.row for p in result.problems] == [2, 3, 4, 5, 6, 7]
    assert result.problems[0].message == "蚌山区 (340303) is outside 龙子湖区."
    assert plan(geojson(frame[frame.code == "340302"]), place=Place(counties["340302"])).summary() == {"county": {"update": 1}}


def test_a_village_gets_its_representative_point(counties):
    town = Town.objects.create(code="340302100", name="李楼乡", kind=Town.Kind.TOWNSHIP, county=counties["340302"],
                               boundary=geometry.to_wkb(box(117.40, 32.90, 117.50, 33.00)))
    Village.objects.create(code="340302100201", name="李楼村", town=town)
    cell = box(117.41, 32.91, 117.43, 32.93)
    villages = gpd.GeoDataFrame({"XZQDM": ["340302100201"], "村名": ["李楼村"]}, geometry=[cell], crs="EPSG:4490")

    result = commit(geojson(villages))

    village = Village.objects.get()
    assert result.summary() == {"village": {"update": 1}} and cell.contains(shapely.Point(village.lon, village.lat))
    assert result.changes[0].fields["lon_lat"] == [None, f"{village.lon:.6f}, {village.lat:.6f}"]
    assert plan(geojson(villages), parent="340302100").summary() == {"village": {"unchanged": 1}}
