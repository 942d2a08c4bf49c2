"""API tests. `build_two_counties` makes two county-level units with one of everything each, and a user of every role."""

import dataclasses

from specialists.access.models import UserRole
from tests import factories as f

Role = UserRole.Role


@dataclasses.dataclass
class Side:
    """One county-level unit and what hangs off it."""

    county: object
    town: object
    village: object
    organisation: object
    specialist: object
    team: object
    assignment: object
    industry: object
    industry_assignment: object
    enterprise: object


def _side(name, code, specialist_name, city=None):
    county = f.make_county(name=name, code=code, city=city)
    town = f.make_town(county=county, name=f"{name}镇")
    village = f.make_village(town=town, name=f"{name}村")
    organisation = f.make_organisation(name=f"{name}农科所")
    specialist = f.make_specialist(name=specialist_name, organisation=organisation, id_number=f.valid_id_number())
    team = f.make_team(name=f"{name}特派团", leader=specialist)
    industry = f.make_industry(name=f"{name}产业", key_counties=[county])
    return Side(
        county=county, town=town, village=village, organisation=organisation, specialist=specialist, team=team,
        assignment=f.make_village_assignment(specialist=specialist, village=village),
        industry=industry,
        industry_assignment=f.make_industry_assignment(team=team, industry=industry, counties=[county]),
        enterprise=f.make_enterprise(name=f"{name}合作社", specialist=specialist, village=village),
    )


@dataclasses.dataclass
class TwoCounties:
    huaiyuan: Side
    wuhe: Side
    users: dict


def build_two_counties(*, two_cities=False):
    """The two sides in one city; with two_cities, each side in a city of its own (甲市 and 乙市 of one
    province), with a coordinator of the first city and a leader of the second among the users."""
    if two_cities:
        province = f.make_province(code="71", name="试验省")
        cities = f.make_city(code="7101", name="甲市", province=province), f.make_city(code="7102", name="乙市", province=province)
        huaiyuan = _side("怀远县", "710121", "张怀远", city=cities[0])
        wuhe = _side("五河县", "710222", "李五河", city=cities[1])
    else:
        huaiyuan = _side("怀远县", "349321", "张怀远")
        wuhe = _side("五河县", "349322", "李五河")
    users = {
        "city_coordinator": f.make_user_role(role=Role.COORDINATOR).user,
        "county_coordinator": f.make_user_role(role=Role.COORDINATOR, county=huaiyuan.county).user,
        "leader_city": f.make_user_role(role=Role.LEADER).user,
        "leader_wuhe": f.make_user_role(role=Role.LEADER, county=wuhe.county).user,
        "specialist": f.make_user_role(role=Role.SPECIALIST, specialist=huaiyuan.specialist).user,
        "no_role": f.make_user(),
    }
    if two_cities:
        users["city_coordinator_huaiyuan"] = f.make_user_role(role=Role.COORDINATOR, city=huaiyuan.county.city).user
        users["city_leader_wuhe"] = f.make_user_role(role=Role.LEADER, city=wuhe.county.city).user
    return TwoCounties(huaiyuan=huaiyuan, wuhe=wuhe, users=users)
