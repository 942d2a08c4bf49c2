"""Boundaries stored as WKB in EPSG:4490, and many rows at once as a GeoDataFrame."""

import geopandas as gpd
import pytest
import shapely
from django.core.exceptions import ValidationError
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box

from tests.factories import make_town, make_village
from villages import geometry
from villages.models import Village

# Two squares in Huaiyuan county, longitude first.
SQUARE = box(117.20, 32.95, 117.21, 32.96)
OTHER_SQUARE = box(117.30, 32.95, 117.31, 32.96)
# A bow-tie: the ring crosses itself at (117.205, 32.955).
BOW_TIE = Polygon([(117.20, 32.95), (117.21, 32.96), (117.21, 32.95), (117.20, 32.96)])


pytestmark = pytest.mark.usefixtures("english_messages")


def test_wkb_round_trip_keeps_the_shape_as_a_multipolygon():
    pair = MultiPolygon([SQUARE, OTHER_SQUARE])

    restored = geometry.from_wkb(geometry.to_wkb(pair))

    assert isinstance(restored, MultiPolygon)
    assert shapely.equals_exact(restored, pair, tolerance=0)


def test_a_polygon_is_stored_as_a_one_part_multipolygon():
    restored = geometry.from_wkb(geometry.to_wkb(SQUARE))

    assert restored.geom_type == "MultiPolygon"
    assert len(restored.geoms) == 1
    assert shapely.equals_exact(restored.geoms[0], SQUARE, tolerance=0)


def test_from_wkb_reads_memoryview_as_postgresql_returns_it_and_none_as_none():
    assert geometry.from_wkb(memoryview(geometry.to_wkb(SQUARE))).equals(SQUARE)
    assert geometry.from_wkb(None) is None


@pytest.mark.parametrize(
    ("shape", "message"),
    [
        (Polygon(), "must not be empty"),
        (BOW_TIE, "not a valid polygon: Self-intersection"),
        (box(32.95, 117.20, 32.96, 117.21), "outside China"),  # latitude and longitude swapped
        (box(-0.01, 51.47, 0.01, 51.49), "outside China"),  # Greenwich
        (Point(117.2, 32.95), "not Point"),
        (LineString([(117.2, 32.95), (117.3, 32.95)]), "not LineString"),
    ],
    ids=["empty", "bow-tie", "swapped", "greenwich", "point", "line"],
)
def test_to_wkb_refuses_what_is_not_a_boundary_in_china(shape, message):
    with pytest.raises(ValidationError) as caught:
        geometry.to_wkb(shape)
    assert message in " ".join(caught.value.messages)


def test_validate_point():
    geometry.validate_point(117.2, 32.95)
    geometry.validate_point(None, None)
    with pytest.raises(ValidationError, match="given together"):
        geometry.validate_point(117.2, None)
    with pytest.raises(ValidationError, match="outside China"):
        geometry.validate_point(32.95, 117.2)


def test_geodataframe_from_dict_rows_sets_the_storage_crs():
    rows = [
        {"code": "340321100201", "boundary": geometry.to_wkb(SQUARE)},
        {"code": "340321100202", "boundary": memoryview(geometry.to_wkb(OTHER_SQUARE))},
        {"code": "340321100203", "boundary": None},
    ]

    frame = geometry.geodataframe(rows)

    assert isinstance(frame, gpd.GeoDataFrame)
    assert frame.crs.to_string() == "EPSG:4490"
    assert list(frame["code"]) == ["340321100201", "340321100202", "340321100203"]
    assert "boundary" not in frame.columns
    assert frame.geometry.iloc[0].equals(SQUARE)
    assert frame.geometry.iloc[1].equals(OTHER_SQUARE)
    assert frame.geometry.iloc[2] is None


def test_geodataframe_of_no_rows_is_empty_with_its_crs():
    frame = geometry.geodataframe([])

    assert len(frame) == 0
    assert frame.crs.to_string() == "EPSG:4490"


@pytest.mark.django_db
def test_geodataframe_from_database_rows():
    # Whatever the backend returns for a BinaryField (bytes on SQLite, memoryview on PostgreSQL).
    town = make_town()
    make_village(town=town, code=f"{town.code}201", boundary=geometry.to_wkb(SQUARE))
    make_village(town=town, code=f"{town.code}202", boundary=geometry.to_wkb(OTHER_SQUARE))
    make_village(town=town, code=f"{town.code}203")

    frame = geometry.geodataframe(Village.objects.order_by("code").values("code", "boundary"))

    assert frame.crs.to_string() == "EPSG:4490"
    assert len(frame) == 3
    assert [shape.geom_type if shape is not None else None for shape in frame.geometry] == ["MultiPolygon", "MultiPolygon", None]
    assert frame.geometry.iloc[1].equals(OTHER_SQUARE)


def test_projected_area_of_a_stored_boundary():
    # Areas are measured in the projected CRS, never in square degrees.
    projected = gpd.GeoSeries([geometry.from_wkb(geometry.to_wkb(SQUARE))], crs=geometry.STORAGE_CRS).to_crs(geometry.PROJECTED_CRS)

    assert projected.area.iloc[0] / 1e6 == pytest.approx(1.04, abs=0.01)


# --- Many shapes at once: the collector paused, columns, the binary protocol ---------------------

def test_the_collector_is_paused_inside_and_restored_after_nested_sections_and_errors():
    import gc

    assert gc.isenabled()
    with geometry.collector_paused():
        assert not gc.isenabled()
        with pytest.raises(RuntimeError), geometry.collector_paused():
            raise RuntimeError("inside")
        assert not gc.isenabled()  # the outer section still runs
    assert gc.isenabled()


def test_the_collector_stays_off_after_a_section_when_it_was_off_before():
    import gc

    gc.disable()
    try:
        with geometry.collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_shapes_from_wkb_reads_bytes_memoryviews_and_none_in_one_array():
    shapes = geometry.shapes_from_wkb([geometry.to_wkb(SQUARE), memoryview(geometry.to_wkb(OTHER_SQUARE)), None])

    assert shapes.dtype == object
    assert shapes[0].equals(SQUARE)
    assert shapes[1].equals(OTHER_SQUARE)
    assert shapes[2] is None


@pytest.mark.django_db
def test_fetch_columns_returns_one_array_per_column_with_boundaries_as_bytes(django_assert_num_queries):
    town = make_town()
    make_village(town=town, code=f"{town.code}201", boundary=geometry.to_wkb(SQUARE))
    make_village(town=town, code=f"{town.code}202")
    table = Village._meta.db_table

    # 1: the SELECT, counted like any other (the binary cursor is wrapped as Django wraps its own).
    with django_assert_num_queries(1):
        codes, boundaries = geometry.fetch_columns(f"SELECT code, boundary FROM {table} WHERE town_id = %s ORDER BY code", [town.pk])

    assert list(codes) == [f"{town.code}201", f"{town.code}202"]
    assert isinstance(boundaries[0], bytes)  # not a memoryview, nor hex text, on either backend
    assert geometry.from_wkb(boundaries[0]).equals(SQUARE)
    assert boundaries[1] is None


@pytest.mark.django_db
def test_fetch_columns_of_no_rows_gives_empty_columns():
    codes, boundaries = geometry.fetch_columns(f"SELECT code, boundary FROM {Village._meta.db_table} WHERE 1 = 0")

    assert len(codes) == len(boundaries) == 0
