"""Finding the village a roster row names: by its 12-digit code, or by its county-level unit, town
and village names, with near-miss suggestions the user confirms.

Bureau sheets name villages as people write them: "张庄" for 张庄村, "白莲坡" for 白莲坡镇, "怀远"
for 怀远县. Names are compared without those suffixes; a name that then matches exactly one
division is taken. A village name that matches none exactly is not guessed: the row is refused
with the closest names of its town (or unit) as suggestions, and the user confirms one in the
preview (`confirmed`: {given text: village code}), which every row with the same text then uses.

A village outside the importing user's place is an error that says where it lies, never a row
silently skipped.
"""

import dataclasses
import difflib
import re

from django.utils.translation import gettext as _

from villages.models import County, Village
from villages.places import CITY, COUNTY, PROVINCE, Place, within

_SUFFIXES = re.compile(r"(村民委员会|居民委员会|村委会|居委会|社区|行政村|村|街道办事处|街道|镇|乡|县|区|市)$")
SUGGESTIONS = 3
_CLOSE_ENOUGH = 0.5


def core(name: str) -> str:
    """A division's name without its kind's suffix: 张庄村 -> 张庄, 怀远县 -> 怀远."""
    name = re.sub(r"\s+", "", name or "")
    stripped = _SUFFIXES.sub("", name)
    return stripped or name


def given_text(county="", town="", village=""):
    return "/".join(part for part in (county.strip(), town.strip(), village.strip()) if part)


@dataclasses.dataclass
class Found:
    village: Village | None = None
    message: str = ""
    suggestions: list = dataclasses.field(default_factory=list)  # [{"code", "name", "path"}]


class VillageFinder:
    """Finds villages for the rows of one import, loading each unit's villages once."""

    def __init__(self, place: Place, confirmed=None):
        self.place = place
        self.confirmed = dict(confirmed or {})
        self._by_county = {}
        counties = County.objects.select_related("city")
        # Units are looked up by name within the place's city (or wider place); another unit of that
        # city is found too, so that the row can say it lies outside the user's own unit.
        if place.level in (COUNTY, "town"):
            counties = counties.filter(city=place.ancestor(CITY))
        elif place.level in (CITY, PROVINCE):
            counties = counties.filter(within("", COUNTY, place))
        self._counties = list(counties)

    def _villages(self, county):
        if county.pk not in self._by_county:
            self._by_county[county.pk] = list(_villages().filter(town__county=county))
        return self._by_county[county.pk]

    def _in_place(self, village):
        if self.place.is_everywhere:
            return True
        own = Place(village.town)
        return own.ancestor(self.place.level) == self.place.division

    def _checked(self, village):
        if self._in_place(village):
            return Found(village)
        return Found(message=_("%(village)s lies in %(county)s, outside your unit %(place)s.") % {
            "village": village.name, "county": village.town.county.name, "place": self.place.name})

    def find(self, *, code="", county="", town="", village="") -> Found:
        code = (code or "").strip()
        text = given_text(county, town, village)
        if code:
            if not re.fullmatch(r"[1-8][0-9]{11}", code):
                return Found(message=_("%(code)s is not a 12-digit village code.") % {"code": code})
            unit = next((c for c in self._counties if c.code == code[:6]), None)
            found = next((v for v in self._villages(unit) if v.code == code), None) if unit else None
            if found is None:
                found = _villages().filter(code=code).first()
            if found is None:
                return Found(message=_("No village has the code %(code)s.") % {"code": code})
            return self._checked(found)
        if text in self.confirmed:
            found = _villages().filter(code=self.confirmed[text]).first()
            if found is None:
                return Found(message=_("The confirmed village code %(code)s does not exist.") % {"code": self.confirmed[text]})
            return self._checked(found)
        if not village.strip():
            return Found(message=_("Give the village's code, or its unit, town and village names."))
        units = [c for c in self._counties if core(c.name) == core(county)] if county.strip() else list(self._counties)
        if county.strip() and not units:
            return Found(message=_("No county-level unit is named %(name)s.") % {"name": county})
        candidates = [v for unit in units for v in self._villages(unit)]
        if town.strip():
            candidates = [v for v in candidates if core(v.town.name) == core(town)]
            if not candidates:
                return Found(message=_("No town named %(town)s has villages in %(county)s.") % {"town": town, "county": county or "-"})
        exact = [v for v in candidates if v.name == village.strip()]
        if len(exact) == 1:
            return self._checked(exact[0])
        if len(exact) > 1:
            return Found(message=_("Several villages are named %(name)s: give the town, or the village code.") % {"name": village},
                         suggestions=[_suggestion(v) for v in exact[:SUGGESTIONS]])
        # 张庄 for 张庄村 is only a near miss: shown first among the suggestions, never taken unasked.
        same_core = [v for v in candidates if core(v.name) == core(village)]
        def likeness(v):
            return difflib.SequenceMatcher(None, core(v.name), core(village)).ratio()

        others = sorted((v for v in candidates if v not in same_core and likeness(v) >= _CLOSE_ENOUGH), key=lambda v: -likeness(v))
        close = same_core + others
        if close:
            return Found(message=_("No village is named exactly %(name)s; confirm one of the suggestions.") % {"name": text},
                         suggestions=[_suggestion(v) for v in close[:SUGGESTIONS]])
        return Found(message=_("No village named %(name)s was found.") % {"name": text})


def offer(plan, row, given, found):
    """A near miss as every preview offers it: `plan.choices["villages"]` lists {row, given, suggestions};
    the user confirms one through the option {"villages": {given: code}}."""
    if found.suggestions:
        plan.choices.setdefault("villages", []).append({"row": row, "given": given, "suggestions": found.suggestions})


def _villages():
    """Villages with the divisions above them, without any boundary (none is needed to match names)."""
    path = ("", "town__", "town__county__", "town__county__city__", "town__county__city__province__")
    return Village.objects.select_related("town__county__city__province").defer(*(p + "boundary" for p in path))


def _suggestion(village):
    return {"code": village.code, "name": village.name,
            "path": given_text(village.town.county.name, village.town.name, village.name)}
