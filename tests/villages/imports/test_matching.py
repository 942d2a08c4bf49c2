"""Villages found by code or by names, near misses offered for the user to confirm, and another unit's
village refused with where it lies."""

import pytest

from tests import factories as f
from villages.imports.matching import VillageFinder, core
from villages.places import Place

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]


@pytest.fixture
def tree():
    city = f.default_city()
    huaiyuan = f.make_county(name="怀远县", code="349321", city=city)
    wuhe = f.make_county(name="五河县", code="349322", city=city)
    town = f.make_town(county=huaiyuan, name="白莲坡镇", code="349321100")
    other_town = f.make_town(county=huaiyuan, name="万福镇", code="349321101")
    wuhe_town = f.make_town(county=wuhe, name="小溪镇", code="349322100")
    return {
        "city": city, "huaiyuan": huaiyuan, "wuhe": wuhe,
        "zhangzhuang": f.make_village(town=town, name="张庄村", code="349321100201"),
        "zhangzhuang_east": f.make_village(town=town, name="东张庄村", code="349321100202"),
        "twin": f.make_village(town=other_town, name="张庄村", code="349321101201"),
        "wuhe_village": f.make_village(town=wuhe_town, name="小溪村", code="349322100201"),
    }


def test_core_drops_the_kind_of_division():
    assert [core(n) for n in ("张庄村", "张庄村委会", "怀远县", "白莲坡镇", "东风社区", "村")] == ["张庄", "张庄", "怀远", "白莲坡", "东风", "村"]


def test_a_village_is_found_by_code_and_by_its_names(tree):
    finder = VillageFinder(Place(tree["city"]))
    assert finder.find(code="349321100201").village == tree["zhangzhuang"]
    assert finder.find(county="怀远县", town="白莲坡镇", village="张庄村").village == tree["zhangzhuang"]
    # The unit and town as people write them: without 县 and 镇.
    assert finder.find(county="怀远", town="白莲坡", village="张庄村").village == tree["zhangzhuang"]


def test_a_near_miss_is_offered_never_taken(tree):
    found = VillageFinder(Place(tree["city"])).find(county="怀远县", town="白莲坡镇", village="张庄")
    assert found.village is None
    assert "confirm" in found.message
    assert found.suggestions[0] == {"code": "349321100201", "name": "张庄村", "path": "怀远县/白莲坡镇/张庄村"}
    assert [s["code"] for s in found.suggestions] == ["349321100201", "349321100202"]


def test_a_confirmed_suggestion_is_used_for_every_row_with_that_text(tree):
    finder = VillageFinder(Place(tree["city"]), confirmed={"怀远县/白莲坡镇/张庄": "349321100201"})
    assert finder.find(county="怀远县", town="白莲坡镇", village="张庄").village == tree["zhangzhuang"]


def test_a_name_in_two_towns_needs_the_town(tree):
    found = VillageFinder(Place(tree["city"])).find(county="怀远县", village="张庄村")
    assert found.village is None and "Several" in found.message
    assert {s["code"] for s in found.suggestions} == {"349321100201", "349321101201"}


def test_another_units_village_is_refused_saying_where_it_lies(tree):
    finder = VillageFinder(Place(tree["huaiyuan"]))
    by_code = finder.find(code="349322100201")
    by_name = finder.find(county="五河县", town="小溪镇", village="小溪村")
    for found in (by_code, by_name):
        assert found.village is None
        assert found.message == "小溪村 lies in 五河县, outside your unit 怀远县."


@pytest.mark.parametrize(("given", "message"), [
    ({"code": "3493211002"}, "not a 12-digit village code"),
    ({"code": "349321100299"}, "No village has the code 349321100299"),
    ({"county": "蚌山区", "village": "张庄村"}, "No county-level unit is named 蚌山区"),
    ({"county": "怀远县", "town": "河溜镇", "village": "张庄村"}, "No town named 河溜镇"),
    ({"county": "怀远县", "village": "乌有村"}, "No village named 怀远县/乌有村 was found"),
    ({"county": "怀远县"}, "Give the village's code"),
])
def test_what_cannot_be_found_is_said_plainly(tree, given, message):
    found = VillageFinder(Place(tree["city"])).find(**given)
    assert found.village is None and message in found.message


def test_a_units_villages_are_loaded_once(tree, django_assert_max_num_queries):
    finder = VillageFinder(Place(tree["city"]))
    with django_assert_max_num_queries(1):
        for _ in range(20):
            assert finder.find(county="怀远县", town="白莲坡镇", village="张庄村").village == tree["zhangzhuang"]
