"""GCJ-02 <-> WGS-84 as the published algorithm computes it, and distances from a boundary in metres."""

import pytest
from shapely.geometry import box

from villages import coordinates

# Published test vectors of the same algorithm (gcoord's unit tests), given to 8 decimals.
GCOORD_WGS84 = (123.0, 45.0)
GCOORD_GCJ02 = (123.00607541, 45.00197815)

# A village-sized square in Huaiyuan county, EPSG:4490 longitude/latitude: about 935 m east-west.
SQUARE = box(117.20, 32.95, 117.21, 32.96)


def test_forward_matches_the_published_vector():
    lon, lat = coordinates.wgs84_to_gcj02(*GCOORD_WGS84)

    assert lon == pytest.approx(GCOORD_GCJ02[0], abs=1e-6)
    assert lat == pytest.approx(GCOORD_GCJ02[1], abs=1e-6)


def test_tiananmen_moves_by_the_well_known_offset():
    lon, lat = coordinates.wgs84_to_gcj02(116.397, 39.908)

    # The offset often quoted for Beijing, to the four decimals it is quoted with (some 500 m).
    assert lon == pytest.approx(116.4032, abs=1e-4)
    assert lat == pytest.approx(39.9094, abs=1e-4)


def test_inverse_inverts_the_forward_transform_within_the_tolerance():
    for wgs in [(117.38, 32.92), (117.2, 33.15), (116.397, 39.908), (121.47, 31.23), (87.6, 43.8)]:
        gcj = coordinates.wgs84_to_gcj02(*wgs)

        back = coordinates.gcj02_to_wgs84(*gcj)

        assert back[0] == pytest.approx(wgs[0], abs=1e-7)
        assert back[1] == pytest.approx(wgs[1], abs=1e-7)
        # The offset is hundreds of metres, so the round trip is not trivially the identity.
        assert abs(gcj[0] - wgs[0]) > 1e-3


def test_inverse_of_the_published_vector():
    lon, lat = coordinates.gcj02_to_wgs84(*GCOORD_GCJ02)

    assert lon == pytest.approx(GCOORD_WGS84[0], abs=1e-7)
    assert lat == pytest.approx(GCOORD_WGS84[1], abs=1e-7)


@pytest.mark.parametrize("point", [(2.35, 48.85), (139.69, 35.69), (-74.0, 40.7)])
def test_outside_china_nothing_moves(point):
    assert coordinates.wgs84_to_gcj02(*point) == point
    assert coordinates.gcj02_to_wgs84(*point) == point


def test_to_wgs84_converts_only_gcj02():
    gcj = coordinates.wgs84_to_gcj02(117.38, 32.92)

    assert coordinates.to_wgs84(117.38, 32.92, "WGS84") == (117.38, 32.92)
    assert coordinates.to_wgs84(*gcj, "GCJ02") == pytest.approx((117.38, 32.92), abs=1e-7)
    with pytest.raises(ValueError, match="BD09"):
        coordinates.to_wgs84(117.38, 32.92, "BD09")


def test_a_point_inside_the_boundary_is_zero_metres_away():
    assert coordinates.distance_m(SQUARE, 117.205, 32.955) == 0.0


def test_distance_outside_is_measured_in_metres():
    # 0.005 degrees of longitude at 32.955 N is 0.005 * 111.32 km * cos(32.955°) = 467 m.
    distance = coordinates.distance_m(SQUARE, 117.215, 32.955)

    assert distance == pytest.approx(467.0, abs=2.0)
