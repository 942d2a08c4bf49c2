"""Page tests. `build_mapped_counties()` (the `mapped_counties` fixture) makes two county-level units
whose villages have real (small, square) boundaries and every coverage status, so the dashboard's map
has something to colour, and a user of every role, all with the password PASSWORD.
"""

import dataclasses
import datetime
import re

from django.utils import timezone
from shapely.geometry import box

from specialists.access.models import UserRole
from tests import factories as f
from villages import geometry, palette
from villages.models import Village

Role = UserRole.Role
PASSWORD = "tepai-test-password"
# How the coverage map fills each village status (static/frontend/js/coverage-map.js): the palette's
# colour (villages/palette.py, served to the page), or the pattern that hatches it.
FILLS = {
    status: f"url(#tepai-hatch-{status})" if status in palette.HATCHED else palette.COLOURS[status]
    for status in palette.VILLAGE_STATUSES
}


def _boundary(west, south, size):
    return geometry.to_wkb(box(west, south, west + size, south + size))


@dataclasses.dataclass
class Side:
    """One county-level unit: a town filling it and a row of villages across the town."""

    county: object
    town: object
    villages: dict  # status -> village
    specialists: dict  # name -> specialist
    industry: object
    team: object | None


def _side(*, name, code, west, villages, industry, team_name):
    """A county 0.4 x 0.4 degrees from `west`, 32.8 N, with one town; villages 0.08 degrees square in a row.

    `villages` is [(status, village name, specialist name or None)]; a covered village's assignment
    is open-ended, an at-risk one's ends in ten days, an uncovered one has none.
    """
    county = f.make_county(name=name, code=code, boundary=_boundary(west, 32.8, 0.4))
    town = f.make_town(county=county, name=f"{name[:2]}镇", boundary=_boundary(west, 32.8, 0.4))
    today = timezone.localdate()
    rows, people = {}, {}
    for index, (status, village_name, person) in enumerate(villages):
        corner = west + 0.02 + index * 0.09
        kind = Village.Kind.COMMUNITY if status == "community" else Village.Kind.VILLAGE
        village = f.make_village(
            town=town, name=village_name, kind=kind, boundary=_boundary(corner, 32.95, 0.08), lon=corner + 0.04, lat=32.99,
        )
        rows[status] = village
        if person:
            specialist = people.get(person) or f.make_specialist(name=person)
            people[person] = specialist
            end = today + datetime.timedelta(days=10) if status == "at_risk" else None
            f.make_village_assignment(specialist=specialist, village=village, start_date=today - datetime.timedelta(days=100), end_date=end)
    key_industry = f.make_industry(name=industry, key_counties=[county])
    team = None
    if team_name:
        team = f.make_team(name=team_name, leader=next(iter(people.values())))
        f.make_industry_assignment(team=team, industry=key_industry, counties=[county], start_date=today - datetime.timedelta(days=100))
    return Side(county=county, town=town, villages=rows, specialists=people, industry=key_industry, team=team)


@dataclasses.dataclass
class MappedCounties:
    huaiyuan: Side
    wuhe: Side
    users: dict
    log: object


def build_mapped_counties():
    huaiyuan = _side(
        name="怀远县", code="349321", west=117.0, industry="石榴", team_name="怀远石榴特派团",
        villages=[("covered", "荆山村", "张怀远"), ("at_risk", "白莲村", "王白莲"), ("uncovered", "涂山村", None), ("community", "城关社区", None)],
    )
    wuhe = _side(
        name="五河县", code="349322", west=117.4, industry="螃蟹", team_name=None,
        villages=[("covered", "沱湖村", "李五河"), ("uncovered", "大新村", None)],
    )
    log = f.make_service_log(
        specialist=huaiyuan.specialists["张怀远"], village=huaiyuan.villages["covered"], description="石榴嫁接技术指导",
        occurred_at=timezone.now() - datetime.timedelta(days=3), lon=117.06, lat=32.99,
    )

    def user(username, **role):
        account = f.make_user(username=username, password=PASSWORD, is_staff=role.pop("is_staff", False))
        if role:
            f.make_user_role(user=account, **role)
        return account

    users = {
        "leader_city": user("leader", role=Role.LEADER),
        "leader_wuhe": user("leader-wuhe", role=Role.LEADER, county=wuhe.county),
        "city_coordinator": user("coordinator", role=Role.COORDINATOR, is_staff=True),
        "county_coordinator": user("coordinator-huaiyuan", role=Role.COORDINATOR, county=huaiyuan.county),
        "specialist": user("specialist", role=Role.SPECIALIST, specialist=huaiyuan.specialists["张怀远"]),
        "no_role": user("nobody"),
    }
    return MappedCounties(huaiyuan=huaiyuan, wuhe=wuhe, users=users, log=log)


# The text a person reads in a page: visible text nodes, the options of visible lists, and the
# titles, labels and placeholders of visible elements; not what is marked translate="no" (names,
# codes, numbers: data, which stays as it is in either language).
_INTERFACE_TEXT_JS = """
() => {
  const out = [];
  const isData = (node) => node.closest('[translate="no"], script, style, noscript, template');
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const parent = walker.currentNode.parentElement;
    const text = walker.currentNode.textContent.trim();
    if (!text || !parent || isData(parent)) continue;
    const visible = parent.tagName === "OPTION" ? parent.closest("select").checkVisibility() : parent.checkVisibility();
    if (visible) out.push(text);
  }
  document.querySelectorAll("[title], [aria-label], [placeholder], [alt]").forEach((element) => {
    if (isData(element) || !element.checkVisibility()) return;
    ["title", "aria-label", "placeholder", "alt"].forEach((name) => {
      const value = (element.getAttribute(name) || "").trim();
      if (value) out.push(value);
    });
  });
  return out;
}
"""
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def untranslated_text(page, language):
    """Interface text of the page that is not in `language`: English words on a Chinese page, Chinese on an English one."""
    texts = page.evaluate(_INTERFACE_TEXT_JS)
    if language == "en":
        return sorted({text for text in texts if _CJK.search(text)})
    return sorted({text for text in texts if _LATIN_WORD.search(text)})
