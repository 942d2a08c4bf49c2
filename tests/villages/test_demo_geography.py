"""The Bengbu demo's geography: real divisions, and synthetic villages that tile their towns."""

from collections import Counter, defaultdict

import pytest
import shapely
from django.db import transaction

from villages.demo import ADMINISTRATIVE_VILLAGES, STAPLE, build_demo_geography, save_demo_geography
from villages.models import County, Industry, Town, Village

# Boundaries are clipped to the county in the same coordinates, so only rounding separates them.
TOLERANCE_DEGREES = 1e-9


@pytest.fixture(scope="module")
def geography(django_db_setup, django_db_blocker):
    """The demo geography, saved once for the module and rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        built = build_demo_geography()
        save_demo_geography(geography=built)
        yield built
        transaction.set_rollback(True)


pytestmark = pytest.mark.django_db


def test_county_level_units_are_the_seven_civil_ones_and_two_zones(geography):
    units = {c.code: (c.name, c.kind, c.boundary is not None) for c in County.objects.all()}
    assert units == {
        "340302": ("龙子湖区", "district", True),
        "340303": ("蚌山区", "district", True),
        "340304": ("禹会区", "district", True),
        "340311": ("淮上区", "district", True),
        "340321": ("怀远县", "county", True),
        "340322": ("五河县", "county", True),
        "340323": ("固镇县", "county", True),
        "340371": ("蚌埠高新技术产业开发区", "zone", False),
        "340372": ("蚌埠经济开发区", "zone", False),
    }


def test_towns_keep_civil_codes_and_zones_administer_theirs(geography):
    towns = list(Town.objects.select_related("county"))
    assert len(towns) == 77
    by_zone = defaultdict(set)
    for town in towns:
        town.full_clean(validate_unique=False)  # Town.clean allows a zone's towns, and only in the same city
        if town.county.kind == County.Kind.ZONE:
            by_zone[town.county.code].add(town.code)
        else:
            assert town.code.startswith(town.county.code)
    assert by_zone == {
        "340371": {"340303201", "340303202", "340304100"},
        "340372": {"340302100", "340302200", "340302006"},
    }
    kinds = {town.name: town.kind for town in towns}
    assert (kinds["曹山街道"], kinds["秦集镇"], kinds["李楼乡"], kinds["临北回族乡"]) == (
        "subdistrict", "town", "township", "township",
    )
    assert Counter(kinds.values()) == {"town": 47, "subdistrict": 22, "township": 8}


def test_administrative_villages_are_in_rural_towns_with_codes_after_their_town(geography):
    villages = list(Village.objects.select_related("town__county"))
    assert all(v.synthetic for v in villages)
    administrative = [v for v in villages if v.kind == Village.Kind.VILLAGE]
    assert len(administrative) == 900
    assert Counter(v.town.county.code for v in administrative) == ADMINISTRATIVE_VILLAGES
    assert not [v for v in administrative if v.town.kind == Town.Kind.SUBDISTRICT]
    communities = Counter(v.town_id for v in villages if v.kind == Village.Kind.COMMUNITY)
    assert all(3 <= communities[town.pk] <= 8 for town in Town.objects.filter(kind=Town.Kind.SUBDISTRICT))
    for village in villages:
        suffix = int(village.code[9:])
        assert village.code[:9] == village.town.code
        assert (200 <= suffix <= 399) if village.kind == Village.Kind.VILLAGE else (1 <= suffix <= 199)
        assert village.name.endswith("村" if village.kind == Village.Kind.VILLAGE else "社区")
    names_per_town = Counter((v.town_id, v.name) for v in villages)
    assert max(names_per_town.values()) == 1


def test_village_polygons_are_valid_and_inside_their_civil_county(geography):
    counties = {c.code: c.shape.buffer(TOLERANCE_DEGREES) for c in County.objects.exclude(boundary=None)}
    villages = list(Village.objects.all())
    for village in villages:
        shape = village.shape
        assert shape.is_valid and not shape.is_empty, village.code
        assert counties[village.code[:6]].contains(shape), village.code
        assert shape.contains(shapely.Point(village.lon, village.lat)), village.code


def test_villages_of_a_town_tile_it_without_overlapping(geography):
    shapes = defaultdict(list)
    for village in Village.objects.all():
        shapes[village.town_id].append(village.shape)
    for town in Town.objects.all():
        parts = shapes[town.pk]
        union = shapely.union_all(parts)
        assert sum(p.area for p in parts) == pytest.approx(union.area, rel=1e-9), town.name
        assert union.area == pytest.approx(town.shape.area, rel=1e-6), town.name
    # And the towns of each civil county tile the county.
    for county in County.objects.exclude(boundary=None):
        towns = [t.shape for t in Town.objects.filter(code__startswith=county.code)]
        assert sum(t.area for t in towns) == pytest.approx(county.shape.area, rel=1e-6), county.name


def test_key_industries_and_village_industries_match_the_counties(geography):
    assert Industry.objects.count() == 13
    assert set(Industry.objects.filter(is_city_key=True).values_list("name", flat=True)) == {"优质小麦", "农产品绿色加工", "农机装备"}
    assert set(Industry.objects.get(name="石榴").key_counties.values_list("name", flat=True)) == {"怀远县", "禹会区"}
    assert set(Industry.objects.get(name="花卉苗木").key_counties.values_list("code", flat=True)) == {"340371"}
    key = defaultdict(set)
    for industry in Industry.objects.prefetch_related("key_counties"):
        for county in industry.key_counties.all():
            key[county.pk].add(industry.name)
    for village in Village.objects.select_related("town").prefetch_related("industries"):
        names = {i.name for i in village.industries.all()}
        if village.kind == Village.Kind.COMMUNITY:
            assert names == set()
        else:
            assert 1 <= len(names) <= 2 and names <= key[village.town.county_id] | {STAPLE}, village.code


def test_the_same_seed_gives_the_same_geography(geography):
    again = build_demo_geography()
    assert [(v.code, v.name, v.boundary, v.lon, v.lat) for v in again.villages] == [
        (v.code, v.name, v.boundary, v.lon, v.lat) for v in geography.villages
    ]
    assert again.village_industries == geography.village_industries
