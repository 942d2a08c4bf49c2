"""Places: nodes of the division tree (a province, a city, a county-level unit or a town), or the
whole deployment, and how rows that lead to a division are found inside one.

A row reaches the tree through a lookup that ends at a division of some level: a village assignment
through "village__town__county" (a county-level unit), a key industry through "city". It lies in a
place when that division is the place or lies under it: `within(lookup, level, place)` builds the
filter by walking up the tree from the lookup's level to the place's (county -> city -> province).
"""

import dataclasses

from django.db.models import Q

from villages.models import City, County, Province, Town

ALL, PROVINCE, CITY, COUNTY, TOWN = "all", "province", "city", "county", "town"
# Widest first.
LEVELS = (ALL, PROVINCE, CITY, COUNTY, TOWN)
# Each level's parent level, and the lookup from a division of that level to its parent.
PARENT_LEVEL = {TOWN: COUNTY, COUNTY: CITY, CITY: PROVINCE}
PARENT_FIELD = {TOWN: "county", COUNTY: "city", CITY: "province"}
MODELS = {PROVINCE: Province, CITY: City, COUNTY: County, TOWN: Town}


def level_of(division) -> str:
    if division is None:
        return ALL
    for level, model in MODELS.items():
        if isinstance(division, model):
            return level
    raise TypeError(f"not a division: {division!r}")


def is_wider(level, than) -> bool:
    """Whether `level` is above `than` in the tree (ALL above everything)."""
    return LEVELS.index(level) < LEVELS.index(than)


def lookup_up(lookup: str, from_level: str, to_level: str) -> str:
    """The lookup extended from a division of `from_level` up to its ancestor of `to_level`:
    ("village__town__county", COUNTY, PROVINCE) -> "village__town__county__city__province"."""
    parts = [lookup] if lookup else []
    level = from_level
    while level != to_level:
        parts.append(PARENT_FIELD[level])
        level = PARENT_LEVEL[level]
    return "__".join(parts)


@dataclasses.dataclass(frozen=True)
class Place:
    """The place a request, a role or a report is about: one division, or the whole deployment (None)."""

    division: object = None

    @property
    def level(self) -> str:
        return level_of(self.division)

    @property
    def is_everywhere(self) -> bool:
        return self.division is None

    @property
    def code(self) -> str:
        return self.division.code if self.division is not None else ""

    @property
    def name(self) -> str:
        return self.division.name if self.division is not None else ""

    def ancestor(self, level):
        """This place's division at `level` (itself, or one above it); None when the place is wider."""
        division, own = self.division, self.level
        if own == ALL or is_wider(own, level):
            return None
        while own != level:
            division = getattr(division, PARENT_FIELD[own])
            own = PARENT_LEVEL[own]
        return division

    @property
    def county(self):
        return self.ancestor(COUNTY)

    @property
    def town(self):
        return self.ancestor(TOWN)

    @property
    def city(self):
        return self.ancestor(CITY)

    @property
    def province(self):
        return self.ancestor(PROVINCE)

    def as_dict(self) -> dict:
        return {"level": self.level, "code": self.code, "name": self.name}


EVERYWHERE = Place()


def within(lookup: str, level: str, place: Place, *, wider_rows: bool = False) -> Q:
    """Rows whose division (`lookup`, of `level`) lies in `place`.

    A row of a wider level than the place (a key industry of a city, asked about one of its
    county-level units) is in it only with `wider_rows`: then when its division holds the place.
    """
    if place.is_everywhere:
        return Q()
    if is_wider(level, place.level):
        if not wider_rows:
            return Q(pk__in=[])
        return Q(**{lookup or "pk": place.ancestor(level).pk})
    return Q(**{lookup_up(lookup, level, place.level) or "pk": place.division.pk})
