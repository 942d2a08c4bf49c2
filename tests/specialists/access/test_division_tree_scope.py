"""Scope on any node of the division tree: the scope table, the place resolver, and reports of a place."""

import pytest
from django.apps import apps
from django.utils import translation
from django.db import connection
from django.test.utils import CaptureQueriesContext

from specialists.access.divisions import cities_for, counties_for, industries_for, provinces_for, villages_for
from specialists.access.models import UserRole
from specialists.access.places import place_for
from specialists.access.scope import RULES, scope_for, scoped
from specialists.assignments.selectors import industry_assignments_for, village_assignments_for
from specialists.coverage import queries
from specialists.coverage.queries import coverage_for
from specialists.people.selectors import specialists_for, teams_for
from specialists.reports.figures import headline_figures
from tests import factories as f
from villages.errors import NotFound
from villages.places import CITY, COUNTY, EVERYWHERE, PROVINCE, TOWN, Place

pytestmark = pytest.mark.django_db
Role = UserRole.Role


class Tree:
    """Two provinces; the first with two cities, the first city with two county-level units. Each unit
    has a town, a village served by a specialist of its own, a key industry and a team for it."""

    def __init__(self):
        self.anhui = f.make_province(code="34", name="安徽省")
        self.henan = f.make_province(code="41", name="河南省")
        self.bengbu = f.make_city(code="3403", name="蚌埠市", province=self.anhui)
        self.huainan = f.make_city(code="3404", name="淮南市", province=self.anhui)
        self.zhengzhou = f.make_city(code="4101", name="郑州市", province=self.henan)
        self.units = {}
        for code, name, city in (("340321", "怀远县", self.bengbu), ("340322", "五河县", self.bengbu),
                                 ("340421", "凤台县", self.huainan), ("410122", "中牟县", self.zhengzhou)):
            county = f.make_county(code=code, name=name, city=city)
            town = f.make_town(county=county, code=f"{code}100")
            village = f.make_village(town=town, code=f"{code}100201")
            specialist = f.make_specialist(name=f"{name}特派员")
            f.make_village_assignment(specialist=specialist, village=village)
            industry = f.make_industry(name=f"{name}产业", key_counties=[county])
            team = f.make_team(name=f"{name}团", leader=specialist)
            f.make_industry_assignment(team=team, industry=industry, counties=[county])
            self.units[code] = (county, town, village, specialist, industry, team)
        # A key industry of the whole of 蚌埠市, with a team covering it city-wide.
        self.wheat = f.make_industry(name="小麦", is_city_key=True, city=self.bengbu)
        f.make_industry_assignment(team=self.units["340321"][5], industry=self.wheat)

    def user(self, role=Role.COORDINATOR, **node):
        return f.make_user_role(role=role, **node).user


@pytest.fixture
def tree():
    return Tree()


def _codes(rows):
    return sorted(row.code for row in rows)


def _names(rows):
    return sorted(row.name for row in rows)


@pytest.mark.parametrize("node, counties", [
    ({}, ["340321", "340322", "340421", "410122"]),
    ({"province": "anhui"}, ["340321", "340322", "340421"]),
    ({"city": "bengbu"}, ["340321", "340322"]),
    ({"county": "340322"}, ["340322"]),
])
def test_a_role_sees_the_rows_of_its_node_and_below_in_every_selector(tree, node, counties):
    resolved = {key: (tree.units[value][0] if key == "county" else getattr(tree, value)) for key, value in node.items()}
    user = tree.user(**resolved)

    assert _codes(counties_for(user)) == counties
    assert _codes(villages_for(user)) == [f"{code}100201" for code in counties]
    assert _names(specialists_for(user)) == sorted(f"{tree.units[code][0].name}特派员" for code in counties)
    assert _names(teams_for(user)) == sorted(f"{tree.units[code][0].name}团" for code in counties)
    assert sorted(a.village.code for a in village_assignments_for(user)) == [f"{code}100201" for code in counties]
    # Key industries are public within a city: a unit sees all of its city's. Team assignments are seen
    # where they serve: in the units they name, or (named none: city-wide) from the city and each of its units.
    sees_bengbu = "340321" in counties or "340322" in counties
    cities = {tree.units[code][0].city for code in counties}
    city_industries = [f"{county.name}产业" for county, *_rest in tree.units.values() if county.city in cities]
    assert _names(industries_for(user)) == sorted(city_industries + (["小麦"] if sees_bengbu else []))
    expected_assignments = sorted([f"{tree.units[code][0].name}产业" for code in counties] + (["小麦"] if sees_bengbu else []))
    assert sorted(a.industry.name for a in industry_assignments_for(user)) == expected_assignments


def test_the_tree_above_a_node_is_seen_as_far_as_its_own_division(tree):
    user = tree.user(county=tree.units["340322"][0])

    # A county-level role sees its own city and province (the key industries of its city hang there), no other.
    assert _codes(cities_for(user)) == ["3403"]
    assert _codes(provinces_for(user)) == ["34"]
    assert _codes(cities_for(tree.user(province=tree.anhui))) == ["3403", "3404"]


def test_every_model_a_selector_reads_has_a_row_in_the_scope_table():
    # A model missing from RULES would be a KeyError, not a silent leak; this names them all at once.
    reached = {model._meta.label for app in ("villages", "specialists") for model in apps.get_app_config(app).get_models()}
    unscoped = {"specialists.UserRole", "specialists.VillageCoverageSpan", "specialists.SpecialistLoadSpan",
                "specialists.TownVillageCount", "specialists.TeamMembership", "specialists.Countermeasure",
                "specialists.ServiceLogPhoto", "specialists.AchievementEvidence"}  # reached only through their parent's scope
    assert reached - unscoped == set(RULES)


def test_scope_without_a_role_is_nothing(tree):
    assert list(scoped(f.make_user(), tree.units["340321"][0].__class__.objects.all())) == []


# --- The place resolver ---------------------------------------------------------------------------------------

def test_a_place_defaults_to_the_roles_own_node(tree):
    bengbu_user = tree.user(city=tree.bengbu)

    assert place_for(bengbu_user) == Place(tree.bengbu)
    assert place_for(tree.user()).is_everywhere
    specialist = f.make_user_role(role=Role.SPECIALIST, specialist=tree.units["340321"][3]).user
    assert place_for(specialist).is_everywhere  # a specialist reads divisions and coverage everywhere


def test_codes_narrow_the_place_within_the_scope_one_query_each(tree):
    user = tree.user(province=tree.anhui)
    scope_for(user)  # the role, read once per request

    with CaptureQueriesContext(connection) as queries:
        place = place_for(user, city="3403", county="340321", town="340321100")

    assert (place.level, place.code, place.county.code, place.city.code, place.province.code) == (TOWN, "340321100", "340321", "3403", "34")
    assert len(queries) == 3


@pytest.mark.parametrize("codes, field", [
    ({"city": "4101"}, "city"),  # another province's city
    ({"county": "410122"}, "county"),
    ({"city": "3404", "county": "340321"}, "county"),  # a unit not in the city named
    ({"county": "340321", "town": "340322100"}, "town"),
    ({"province": "34"}, "province"),  # wider than the role's own node
    ({"county": "999999"}, "county"),
])
def test_a_code_outside_the_scope_or_its_parent_is_not_found_naming_its_parameter(tree, codes, field):
    user = tree.user(province=tree.anhui) if "province" not in codes else tree.user(city=tree.bengbu)

    with pytest.raises(NotFound) as refused:
        place_for(user, **codes)

    assert refused.value.field == field
    assert not any(code in str(refused.value) for code in codes.values())  # the code is not repeated


def test_the_operators_commands_resolve_any_place(tree):
    assert place_for(None, county="410122").division == tree.units["410122"][0]


# --- Reports of a place -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("place_of, specialists, villages, industries", [
    (lambda tree: EVERYWHERE, 4, 4, 5),
    (lambda tree: Place(tree.anhui), 3, 3, 4),
    (lambda tree: Place(tree.bengbu), 2, 2, 3),
    (lambda tree: Place(tree.units["340322"][0]), 1, 1, 1),
])
def test_coverage_and_figures_follow_the_place(tree, place_of, specialists, villages, industries):
    place = place_of(tree)

    coverage = coverage_for(as_of=f.START, place=place)
    figures = headline_figures(place=place)

    assert figures["specialists"] == specialists
    assert figures["administrative_villages"] == coverage.total.villages_total == villages
    assert coverage.total.industries_total == industries
    assert coverage.total.villages_covered == villages and coverage.total.industries_covered == industries
    if place.level in (PROVINCE, "all"):
        assert [city.code for city in coverage.cities] == sorted({unit[0].city.code for unit in tree.units.values()
                                                                 if place.is_everywhere or unit[0].city.province == place.division})
    else:
        assert coverage.cities == []


def test_the_whole_deployment_is_named_after_the_narrowest_division_that_holds_it(tree):
    with translation.override("en"):
        assert coverage_for(as_of=f.START).place_name == "All divisions"
    assert coverage_for(as_of=f.START, place=Place(tree.bengbu)).place_name == "蚌埠市"
    # One province, or one city, names the whole: as the Bengbu demo is named 蚌埠市.
    rows = queries._county_rows(EVERYWHERE)
    assert queries.place_name(EVERYWHERE, [row for row in rows if row[6] == tree.anhui.pk]) == "安徽省"
    assert queries.place_name(EVERYWHERE, [row for row in rows if row[3] == tree.bengbu.pk]) == "蚌埠市"


@pytest.mark.parametrize("level", [CITY, COUNTY])
def test_a_role_place_level_is_its_nodes(tree, level):
    node = tree.bengbu if level == CITY else tree.units["340321"][0]
    assert scope_for(tree.user(**{level: node})).place.level == level
