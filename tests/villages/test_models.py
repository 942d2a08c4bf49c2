"""Division codes, points and boundaries: refused by full_clean() and, where a constraint exists,
by the database itself."""

import pytest
import shapely
from django.core.exceptions import ValidationError
from shapely.geometry import Polygon, box

from tests.assertions import clean_errors, refused_by_database
from tests.factories import default_city, make_county, make_town, make_village
from villages import geometry
from villages.models import County, Town, Village

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]

SQUARE = box(117.20, 32.95, 117.21, 32.96)
BOW_TIE = Polygon([(117.20, 32.95), (117.21, 32.96), (117.21, 32.95), (117.20, 32.96)])


@pytest.fixture
def huaiyuan():
    return make_county(code="340321", name="怀远县", kind=County.Kind.COUNTY)


@pytest.fixture
def jingshan(huaiyuan):
    return make_town(county=huaiyuan, code="340321100", name="荆山镇")


# County-level units


def test_a_well_formed_county_passes():
    County(code="340321", name="怀远县", kind=County.Kind.COUNTY, city=default_city()).full_clean()


@pytest.mark.parametrize("code", ["34032", "3403211", "040321", "940321", "34032a", " 34032"])
def test_county_code_is_six_digits_starting_1_to_8(code):
    assert list(clean_errors(County(code=code, name="某县", kind=County.Kind.COUNTY, city=default_city()))) == ["code"]
    refused_by_database(lambda: County.objects.create(code=code, name="某县", kind=County.Kind.COUNTY, city=default_city()))


def test_county_with_an_invalid_boundary_is_refused():
    county = County(code="340321", name="怀远县", kind=County.Kind.COUNTY, city=default_city(), boundary=shapely.to_wkb(BOW_TIE))

    assert "Self-intersection" in clean_errors(county)["boundary"][0]


def test_county_with_a_valid_boundary_passes():
    County(code="340321", name="怀远县", kind=County.Kind.COUNTY, city=default_city(), boundary=geometry.to_wkb(SQUARE)).full_clean()


# Towns


def test_a_town_in_its_county_passes(huaiyuan):
    Town(code="340321100", name="荆山镇", kind=Town.Kind.TOWN, county=huaiyuan).full_clean()


@pytest.mark.parametrize("code", ["34032110", "3403211000", "040321100", "34032110x"])
def test_town_code_is_nine_digits(huaiyuan, code):
    assert "code" in clean_errors(Town(code=code, name="荆山镇", kind=Town.Kind.TOWN, county=huaiyuan))
    refused_by_database(lambda: Town.objects.create(code=code, name="荆山镇", kind=Town.Kind.TOWN, county=huaiyuan))


def test_town_code_must_start_with_its_county_code(huaiyuan):
    town = Town(code="340322100", name="城关镇", kind=Town.Kind.TOWN, county=huaiyuan)

    assert list(clean_errors(town)) == ["code"]


def test_a_zone_town_keeps_its_district_code_within_the_same_city():
    zone = make_county(code="340371", name="蚌埠高新技术产业开发区", kind=County.Kind.ZONE)

    # A civil town of Yuhui district (340304), managed by the high-tech zone.
    Town(code="340304100", name="秦集镇", kind=Town.Kind.TOWN, county=zone).full_clean()
    # A town of Hefei (3401) cannot be managed by a Bengbu zone.
    assert list(clean_errors(Town(code="340104100", name="某镇", kind=Town.Kind.TOWN, county=zone))) == ["code"]


def test_town_code_messages_name_the_codes():
    huaiyuan = make_county(code="340321", name="怀远县")
    zone = make_county(code="340371", name="蚌埠高新技术产业开发区", kind=County.Kind.ZONE)

    assert clean_errors(Town(code="340322100", name="城关镇", kind=Town.Kind.TOWN, county=huaiyuan)) == {
        "code": ["Town code 340322100 must start with the code of 怀远县 (340321)."]
    }
    assert clean_errors(Town(code="340104100", name="某镇", kind=Town.Kind.TOWN, county=zone)) == {
        "code": ["Town code 340104100 is not in the same city as 蚌埠高新技术产业开发区 (340371)."]
    }


def test_town_with_an_invalid_boundary_is_refused(huaiyuan):
    town = Town(code="340321100", name="荆山镇", kind=Town.Kind.TOWN, county=huaiyuan, boundary=shapely.to_wkb(BOW_TIE))

    assert list(clean_errors(town)) == ["boundary"]


# Villages


def test_a_village_in_its_town_with_a_point_and_boundary_passes(jingshan):
    Village(
        code="340321100201", name="张庄村", town=jingshan, lon=117.205, lat=32.955, boundary=geometry.to_wkb(SQUARE),
    ).full_clean()


@pytest.mark.parametrize("code", ["34032110020", "3403211002011", "040321100201", "34032110020a"])
def test_village_code_is_twelve_digits(jingshan, code):
    assert "code" in clean_errors(Village(code=code, name="张庄村", town=jingshan))
    refused_by_database(lambda: Village.objects.create(code=code, name="张庄村", town=jingshan))


def test_village_code_must_start_with_its_town_code(jingshan):
    village = Village(code="340321101201", name="张庄村", town=jingshan)

    assert clean_errors(village) == {
        "code": ["Village code 340321101201 must start with the code of its town 荆山镇 (340321100)."]
    }


def test_village_code_is_unique(jingshan):
    make_village(town=jingshan, code="340321100201")

    assert "code" in clean_errors(Village(code="340321100201", name="李圩村", town=jingshan))
    refused_by_database(lambda: Village.objects.create(code="340321100201", name="李圩村", town=jingshan))


@pytest.mark.parametrize(
    ("lon", "lat"),
    [(32.955, 117.205), (-117.205, 32.955), (117.205, 60.0), (140.0, 32.955)],
    ids=["swapped", "west", "north", "east"],
)
def test_village_point_must_lie_in_china(jingshan, lon, lat):
    village = Village(code="340321100201", name="张庄村", town=jingshan, lon=lon, lat=lat)

    assert list(clean_errors(village)) == ["lon"]
    refused_by_database(lambda: Village.objects.create(code="340321100201", name="张庄村", town=jingshan, lon=lon, lat=lat))


def test_village_point_needs_both_coordinates(jingshan):
    village = Village(code="340321100201", name="张庄村", town=jingshan, lon=117.205)

    assert clean_errors(village) == {"lon": ["Longitude and latitude must be given together."]}


def test_database_refuses_half_a_village_point(jingshan):
    refused_by_database(lambda: Village.objects.create(code="340321100201", name="张庄村", town=jingshan, lon=117.205))


@pytest.mark.parametrize(
    "shape",
    [BOW_TIE, box(32.95, 117.20, 32.96, 117.21), Polygon()],
    ids=["bow-tie", "swapped", "empty"],
)
def test_village_with_a_bad_boundary_is_refused_on_the_boundary_field(jingshan, shape):
    village = Village(code="340321100201", name="张庄村", town=jingshan, boundary=shapely.to_wkb(shape))

    assert list(clean_errors(village)) == ["boundary"]


def test_validate_boundary_names_the_reason_for_a_bow_tie():
    with pytest.raises(ValidationError) as caught:
        geometry.validate_boundary(BOW_TIE)

    assert caught.value.messages == ["The boundary is not a valid polygon: Self-intersection[117.205 32.955]."]
