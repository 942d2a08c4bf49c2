"""Dual coverage (双覆盖): every administrative village served by a specialist, every key industry by a team.

`coverage_for` answers it for any place (a town, a county-level unit, a city, a province or the
whole deployment) on any date in one statement, whatever the number of villages: the database
counts villages per town from the coverage spans, lists the gaps from the spans alone (they carry
the village's code and name), reads the overloaded specialists from their load spans and the key
industry units with their running team assignments; Python rolls towns up into county-level units,
cities and the place, and decides which key industries are covered.

Its result has one shape (`Coverage.as_dict()`), which the API's summary, the `coverage` command
and its CSV and Excel files all read, so that every channel says the same thing.
"""

import dataclasses
import datetime
import functools
from collections import Counter
from operator import itemgetter

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from specialists.assignments.models import IndustryAssignment, VillageAssignment, running_sql
from specialists.coverage.models import SpecialistLoadSpan, TownVillageCount, VillageCoverageSpan
from specialists.people.models import Specialist
from villages.models import City, County, Industry, Province, Town, Village
from villages.places import CITY, COUNTY, EVERYWHERE, PROVINCE, TOWN, Place, within

SPAN, VILLAGE, TOWN_TABLE, COUNTY_TABLE, CITY_TABLE = (
    VillageCoverageSpan._meta.db_table, Village._meta.db_table, Town._meta.db_table, County._meta.db_table, City._meta.db_table,
)
ASSIGNMENT, INDUSTRY_ASSIGNMENT, SPECIALIST = (
    VillageAssignment._meta.db_table, IndustryAssignment._meta.db_table, Specialist._meta.db_table,
)
ASSIGNMENT_UNITS = IndustryAssignment.counties.through._meta.db_table
INDUSTRY, KEY_UNITS = Industry._meta.db_table, Industry.key_counties.through._meta.db_table
LOAD, TOWN_COUNT = SpecialistLoadSpan._meta.db_table, TownVillageCount._meta.db_table
PROVINCE_TABLE = Province._meta.db_table


def rate(covered, total):
    """Share covered; 1.0 where there is nothing to cover."""
    return covered / total if total else 1.0


@dataclasses.dataclass(frozen=True)
class Tally:
    """Village and industry totals of one area: the place, a city, a county-level unit or a town."""

    code: str
    name: str
    villages_total: int = 0
    villages_covered: int = 0
    villages_at_risk: int = 0
    industries_total: int = 0
    industries_covered: int = 0
    parent: str = ""  # the code of the area above it: a town's county-level unit, a unit's city

    @property
    def villages_uncovered(self):
        return self.villages_total - self.villages_covered

    @property
    def village_rate(self):
        """Share of administrative villages covered; 1.0 where there are none to cover."""
        return rate(self.villages_covered, self.villages_total)

    @property
    def industry_rate(self):
        return rate(self.industries_covered, self.industries_total)

    def villages(self):
        return {"total": self.villages_total, "covered": self.villages_covered, "uncovered": self.villages_uncovered,
                "at_risk": self.villages_at_risk, "rate": round(self.village_rate, 4)}

    def industries(self):
        return {"total": self.industries_total, "covered": self.industries_covered,
                "uncovered": self.industries_total - self.industries_covered, "rate": round(self.industry_rate, 4)}


@dataclasses.dataclass(frozen=True)
class IndustryUnit:
    """A key industry where a team must cover it: a county-level unit where it is key, or (county None)
    its whole city, for a key industry of the city. `assignments` are the running team assignments
    that cover it."""

    industry_id: int
    industry: str
    city_code: str
    county_code: str | None
    county: str | None
    assignments: tuple = ()

    @property
    def covered(self):
        return bool(self.assignments)


def covers(assignment_counties: frozenset, unit_county_id) -> bool:
    """The rule of industry coverage: a running assignment of the industry covers a unit when it is
    city-wide (it names no county-level unit) or names that unit; a key industry of the whole city
    (unit None) is covered by any running assignment of it."""
    return unit_county_id is None or not assignment_counties or unit_county_id in assignment_counties


@dataclasses.dataclass(frozen=True)
class Coverage:
    as_of: datetime.date
    place: Place
    place_name: str
    at_risk_days: int
    max_villages: int
    total: Tally
    cities: list[Tally]
    counties: list[Tally]
    # (code, name, total, covered, at_risk, county code) per town, by code: the nation has tens of
    # thousands of towns, so a Tally each is made only when asked for (`towns`).
    town_rows: list[tuple]
    uncovered_villages: list[dict]
    at_risk_villages: list[dict]
    industry_units: list[IndustryUnit]
    overloaded_specialists: list[dict]

    @functools.cached_property
    def towns(self) -> list[Tally]:
        return [Tally(code, name, total, covered, at_risk, parent=parent) for code, name, total, covered, at_risk, parent in self.town_rows]

    @property
    def uncovered_industries(self):
        return [{"industry": unit.industry, "county": unit.county, "county_code": unit.county_code}
                for unit in self.industry_units if not unit.covered]

    @property
    def has_gap(self):
        return bool(self.uncovered_villages) or any(not unit.covered for unit in self.industry_units)

    def as_dict(self, *, towns=True):
        """The one shape of coverage: the API's summary (with the gap lists beside it), the command's JSON,
        and the rows of its CSV and Excel files."""
        county = self.place.county
        return {
            "as_of": self.as_of.isoformat(),
            "place": dict(self.place.as_dict(), name=self.place_name),
            "county": {"code": county.code, "name": county.name} if county is not None else None,
            "at_risk_days": self.at_risk_days,
            "max_villages_per_specialist": self.max_villages,
            "villages": self.total.villages(),
            "industries": self.total.industries(),
            "dual_coverage": not self.has_gap,
            "cities": [{"code": t.code, "name": t.name, "villages": t.villages(), "industries": t.industries()} for t in self.cities],
            "counties": [{"code": t.code, "name": t.name, "city": t.parent, "villages": t.villages(), "industries": t.industries()}
                         for t in self.counties],
            "towns": [
                {"code": code, "name": name, "county": parent, "villages": {
                    "total": total, "covered": covered, "uncovered": total - covered, "at_risk": at_risk,
                    "rate": round(rate(covered, total), 4)}}
                for code, name, total, covered, at_risk, parent in self.town_rows
            ] if towns else [],
            "uncovered_villages": self.uncovered_villages,
            "at_risk_villages": self.at_risk_villages,
            "uncovered_industries": self.uncovered_industries,
            "industry_units": [
                {"industry": unit.industry, "county": unit.county, "county_code": unit.county_code, "covered": unit.covered}
                for unit in self.industry_units
            ],
            "overloaded_specialists": self.overloaded_specialists,
        }


FAR_FUTURE = datetime.date(9999, 12, 31)


def place_sql(place: Place, *, county_column, town_column=None, param="place"):
    """(SQL condition, params) for rows whose county-level unit (or town) column lies in the place."""
    if place.is_everywhere:
        return "1 = 1", {}
    value = {param: place.division.pk}
    if place.level == TOWN:
        return f"{town_column} = %({param})s", value
    if place.level == COUNTY:
        return f"{county_column} = %({param})s", value
    if place.level == CITY:
        return f"{county_column} IN (SELECT id FROM {COUNTY_TABLE} WHERE city_id = %({param})s)", value
    return (f"{county_column} IN (SELECT c.id FROM {COUNTY_TABLE} c JOIN {CITY_TABLE} ci ON ci.id = c.city_id"
            f" WHERE ci.province_id = %({param})s)", value)


# Each administrative village's status on the day in one value, read from its coverage span (see
# specialists/coverage/spans.py): NULL when uncovered; the last day its serving assignments run
# when that is within the horizon (at risk); FAR_FUTURE when an open-ended or longer assignment
# serves it. Map code selects from it village by village.
_STATUS = f"""
WITH status AS MATERIALIZED (
  SELECT s.village_id AS id, s.town_id,
         CASE WHEN NOT s.covered THEN NULL
              WHEN s.last_end IS NULL OR s.last_end > %(horizon)s THEN %(far)s
              ELSE s.last_end END AS last_end
    FROM {SPAN} s
   WHERE s.end_date >= %(as_of)s AND s.start_date <= %(as_of)s AND {{scope}}
)
"""

# One statement answers coverage_for, so that it costs one round trip however busy the server
# (four cost 1 to 2 ms each of waiting on a loaded machine, more than the work at city scale).
# Its branches are told apart by the first column and share one row layout: the kind, four
# integers, five texts and a date. (Every NULL is cast: PostgreSQL types a UNION's columns from its
# first branches, where a bare NULL is text.)
_NI, _NT, _ND = "CAST(NULL AS BIGINT)", "CAST(NULL AS VARCHAR(50))", "CAST(NULL AS DATE)"

# C: the county-level units in the place (a town's: its own), with their city and province, so that
# a unit with no villages still shows.
_COUNTIES = f"""
SELECT 'C', c.id, c.city_id, ci.province_id, {_NI}, c.code, c.name, ci.code, ci.name, p.name, {_ND}
  FROM {COUNTY_TABLE} c JOIN {CITY_TABLE} ci ON ci.id = c.city_id JOIN {PROVINCE_TABLE} p ON p.id = ci.province_id
 WHERE {{county_scope}}
"""

# Coverage of a place on a day without visiting every village's status: villages per town (A) from
# the kept counts (each administrative village has exactly one span on any day, so a town's count
# is its spans on the day), and only the few uncovered (U) and at-risk (R) villages, found by index
# ranges on the spans and named from the spans themselves, which carry the village's code and
# name; covered villages are the town's count less its uncovered ones. Counting the spans per town
# instead grouped 490,000 rows nationally; joining the villages made PostgreSQL hash all of them,
# as it expects ten times more uncovered spans on a day than there are. (Comparing with
# TRUE/FALSE, not testing bare booleans, is what lets SQLite use the indexes.)
_TALLIES_AND_GAPS = f"""
SELECT 'A', n.town_id, n.county_id, n.villages, {_NI}, t.code, t.name, {_NT}, {_NT}, {_NT}, {_ND}
  FROM {TOWN_COUNT} n JOIN {TOWN_TABLE} t ON t.id = n.town_id
 WHERE {{town_scope}}
UNION ALL
SELECT 'U', s.town_id, {_NI}, {_NI}, {_NI}, s.village_code, s.village_name, {_NT}, {_NT}, {_NT}, {_ND}
  FROM {SPAN} s
 WHERE s.covered = FALSE AND s.end_date >= %(as_of)s AND s.start_date <= %(as_of)s AND {{scope}}
UNION ALL
SELECT 'R', s.town_id, {_NI}, {_NI}, {_NI}, s.village_code, s.village_name, {_NT}, {_NT}, {_NT}, s.last_end
  FROM {SPAN} s
 WHERE s.covered = TRUE AND s.last_end >= %(as_of)s AND s.last_end <= %(horizon)s
   AND s.end_date >= %(as_of)s AND s.start_date <= %(as_of)s AND {{scope}}
"""

# Key industry units of a place (K: a key industry and a unit where it is key, or its city for a key
# industry of the whole city) and the running team assignments of those industries with the units
# each is limited to (I: one row per unit named, NULL for a city-wide one): the pairs in one join;
# which assignment covers which unit is decided in Python by `covers`.
_INDUSTRY_UNITS = f"""
SELECT 'K', i.id, c.id, {_NI}, {_NI}, i.name, ci.code, c.code, c.name, {_NT}, {_ND}
  FROM {KEY_UNITS} k JOIN {INDUSTRY} i ON i.id = k.industry_id JOIN {COUNTY_TABLE} c ON c.id = k.county_id
  JOIN {CITY_TABLE} ci ON ci.id = i.city_id
 WHERE {{county_scope}}
UNION ALL
SELECT 'K', i.id, {_NI}, {_NI}, {_NI}, i.name, ci.code, {_NT}, {_NT}, {_NT}, {_ND}
  FROM {INDUSTRY} i JOIN {CITY_TABLE} ci ON ci.id = i.city_id
 WHERE i.is_city_key = TRUE AND {{city_scope}}
UNION ALL
SELECT 'I', a.industry_id, l.county_id, a.id, a.team_id, {_NT}, {_NT}, {_NT}, {_NT}, {_NT}, {_ND}
  FROM {INDUSTRY_ASSIGNMENT} a LEFT JOIN {ASSIGNMENT_UNITS} l ON l.industryassignment_id = a.id
 WHERE {running_sql("a")} AND {{assignment_scope}}
"""

# O: active specialists serving more villages than the load allows on the day, from their load
# spans (specialists/coverage/spans.py): an index range on the count finds the few over it, instead
# of counting every assignment. In a place's view: those serving any village of the place, with
# their whole load.
_OVERLOADED = f"""
SELECT 'O', o.specialist_id, o.villages, {_NI}, {_NI}, sp.name, {_NT}, {_NT}, {_NT}, {_NT}, {_ND}
  FROM {LOAD} o JOIN {SPECIALIST} sp ON sp.id = o.specialist_id
 WHERE o.villages > %(max_villages)s AND o.end_date >= %(as_of)s AND o.start_date <= %(as_of)s
   AND sp.status = '{Specialist.Status.ACTIVE.value}' {{scope}}
"""
_OVERLOADED_IN_PLACE = f"""
AND EXISTS (
  SELECT 1 FROM {ASSIGNMENT} b
    JOIN {VILLAGE} bv ON bv.id = b.village_id JOIN {TOWN_TABLE} bt ON bt.id = bv.town_id
   WHERE b.specialist_id = o.specialist_id AND {running_sql("b")} AND {{place}})
"""


def _as_date(value):
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)


def _span_scope(place):
    return place_sql(place, county_column="s.county_id", town_column="s.town_id")


def village_statuses_sql(*, as_of, horizon, place=EVERYWHERE):
    """The SQL (a WITH clause defining `status`: id, town_id, last_end) and parameters for the
    administrative villages of a place on a day, for code that needs every village's status.
    """
    scope, params = _span_scope(place)
    return _STATUS.format(scope=scope), dict(params, as_of=as_of, horizon=horizon, far=FAR_FUTURE)


def _units_place(place):
    """The place whose county-level units (and key industries) a view of `place` shows: a town's unit."""
    return Place(place.county) if place.level == TOWN else place


def _counties_sql(place):
    county_scope, params = place_sql(_units_place(place), county_column="c.id", param="units_place")
    return _COUNTIES.format(county_scope=county_scope), params


def _tallies_and_gaps_sql(place):
    scope, params = _span_scope(place)
    town_scope, _same = place_sql(place, county_column="n.county_id", town_column="n.town_id")
    return _TALLIES_AND_GAPS.format(scope=scope, town_scope=town_scope), params


def _overloaded_sql(place):
    scope, params = "", {}
    if not place.is_everywhere:
        condition, params = place_sql(place, county_column="bt.county_id", town_column="bv.town_id")
        scope = _OVERLOADED_IN_PLACE.format(place=condition)
    return _OVERLOADED.format(scope=scope), params


def _city_scope(place):
    """Key industries of the whole city count in the city's view and wider ones, not a unit's or a town's."""
    if place.level in (COUNTY, TOWN):
        return "1 = 0", {}
    if place.is_everywhere:
        return "1 = 1", {}
    if place.level == CITY:
        return "i.city_id = %(place)s", {"place": place.division.pk}
    return "ci.province_id = %(place)s", {"place": place.division.pk}


def _assignment_scope(place):
    """Assignments of the key industries of the place's cities: only they can cover its units."""
    city, province = place.city, place.province
    if city is not None:
        return f"a.industry_id IN (SELECT id FROM {INDUSTRY} WHERE city_id = %(units_city)s)", {"units_city": city.pk}
    if province is not None:
        return (f"a.industry_id IN (SELECT i2.id FROM {INDUSTRY} i2 JOIN {CITY_TABLE} c2 ON c2.id = i2.city_id"
                f" WHERE c2.province_id = %(units_province)s)", {"units_province": province.pk})
    return "1 = 1", {}


def _industry_units_sql(place):
    county_scope, params = place_sql(_units_place(place), county_column="c.id", param="units_place")
    city_scope, city_params = _city_scope(place)
    assignment_scope, assignment_params = _assignment_scope(place)
    sql = _INDUSTRY_UNITS.format(county_scope=county_scope, city_scope=city_scope, assignment_scope=assignment_scope)
    return sql, dict(params, **city_params, **assignment_params)


def _statement(parts, **params):
    """One UNION ALL of the parts' SQL, with their parameters (which agree where names meet)."""
    for _sql, part_params in parts:
        params.update(part_params)
    return "\nUNION ALL\n".join(sql for sql, _params in parts), params


def _fetch(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _county_rows(place):
    """The county-level units in the place (a town's: its own), with their city and province: one query.
    Rows (pk, code, name, city_id, city code, city name, province_id, province name), by code."""
    return _county_rows_from(_fetch(*_counties_sql(place)))


def _county_rows_from(rows):
    return sorted(
        ((pk, code, name, city_id, city_code, city_name, province_id, province_name)
         for _kind, pk, city_id, province_id, _n, code, name, city_code, city_name, province_name, _d in rows),
        key=lambda row: row[1],
    )


def place_name(place, county_rows=None):
    """The place's name; for the whole deployment, the narrowest division that holds every unit of it
    (the city of a one-city deployment, the province of a one-province one), from the units' rows
    of _county_rows (read here, one query, when not given)."""
    if not place.is_everywhere:
        return place.name
    if county_rows is None:
        county_rows = _county_rows(place)
    cities = {row[4]: row[5] for row in county_rows}
    if len(cities) == 1:
        return next(iter(cities.values()))
    provinces = {row[6]: row[7] for row in county_rows}
    if len(provinces) == 1:
        return next(iter(provinces.values()))
    return _("All divisions")


def coverage_for(*, as_of=None, place=EVERYWHERE, at_risk_days=None, max_villages=None) -> Coverage:
    """Dual coverage of a place (default: everywhere) on a date (default today).

    Any user may call it for a place they may see: the caller resolves it (specialists.access.places).
    It reads only, and makes one query for ten villages or half a million: the county-level units,
    the village tallies per town with the uncovered and at-risk villages, the key industry units
    with the running team assignments, and the overloaded specialists, as one statement.
    """
    as_of = as_of or timezone.localdate()
    at_risk_days = settings.TEPAI_AT_RISK_DAYS if at_risk_days is None else at_risk_days
    max_villages = settings.TEPAI_MAX_VILLAGES_PER_SPECIALIST if max_villages is None else max_villages
    horizon = as_of + datetime.timedelta(days=at_risk_days)

    sql, params = _statement(
        [_counties_sql(place), _tallies_and_gaps_sql(place), _industry_units_sql(place), _overloaded_sql(place)],
        as_of=as_of, horizon=horizon, max_villages=max_villages,
    )
    rows = {kind: [] for kind in "CAURKIO"}
    for row in _fetch(sql, params):
        rows[row[0]].append(row)

    county_rows = _county_rows_from(rows["C"])
    county_names = {pk: (code, name) for pk, code, name, *_rest in county_rows}
    # Sorted by village code (unique), and by the last serving day then code.
    uncovered = sorted(rows["U"], key=itemgetter(5))
    at_risk = sorted(((_as_date(row[10]), row[5], row[6], row[1]) for row in rows["R"]), key=itemgetter(0, 1))
    uncovered_per_town = Counter(row[1] for row in uncovered)
    at_risk_per_town = Counter(row[3] for row in at_risk)

    # Towns as plain rows (the nation has tens of thousands), summed into their county-level unit
    # on the way: [villages, covered, at risk, key industry units, covered units] per unit.
    per_county = {pk: [0, 0, 0, 0, 0] for pk in county_names}
    towns, town_rows = {}, []
    for _k, town_id, county_id, villages, _covered, code, name, *_rest in rows["A"]:
        covered = villages - uncovered_per_town.get(town_id, 0)
        risky = at_risk_per_town.get(town_id, 0)
        towns[town_id] = (code, name, county_id)
        town_rows.append((code, name, villages, covered, risky, county_names[county_id][0]))
        sums = per_county[county_id]
        sums[0] += villages
        sums[1] += covered
        sums[2] += risky
    town_rows.sort()

    locations = {}

    def where(town_id):
        # One location per town, copied into each of its villages' rows.
        location = locations.get(town_id)
        if location is None:
            code, name, county_id = towns[town_id]
            county_code, county_name = county_names[county_id]
            location = locations[town_id] = {"town": name, "town_code": code, "county": county_name, "county_code": county_code}
        return location

    uncovered_villages = [{"code": row[5], "name": row[6], **where(row[1])} for row in uncovered]
    at_risk_villages = [
        {"code": code, "name": name, **where(town_id), "last_end_date": last_end.isoformat()}
        for last_end, code, name, town_id in at_risk
    ]
    units = _industry_units_from(rows["K"] + rows["I"])
    overloaded = [
        {"id": pk, "name": name, "villages": villages}
        for _k, pk, villages, _a, _b, name, *_rest in sorted(rows["O"], key=lambda row: (-row[2], row[5], row[1]))
    ]
    return _roll_up(
        as_of=as_of, place=place, at_risk_days=at_risk_days, max_villages=max_villages, county_rows=county_rows,
        per_county=per_county, town_rows=town_rows, uncovered_villages=uncovered_villages,
        at_risk_villages=at_risk_villages, units=units, overloaded=overloaded,
    )


def industry_units(*, as_of, place=EVERYWHERE) -> list[IndustryUnit]:
    """The key industry units of a place on a day, each with the running team assignments covering it:
    a key industry of the whole city once (county None) in the view of its city and wider places,
    and a key industry of county-level units once per unit of the place where it is key (a town's:
    its unit's). One query (coverage_for reads the same rows inside its own statement).

    By county-level unit code (a city's own units by the city's code), then industry name.
    """
    sql, params = _industry_units_sql(place)
    return _industry_units_from(_fetch(sql, dict(params, as_of=as_of)))


def _industry_units_from(rows):
    keys, limits, teams = [], {}, {}
    for kind, industry_id, county_id, assignment_id, team_id, name, city_code, county_code, county_name, _t, _d in rows:
        if kind == "K":
            keys.append((industry_id, name, city_code, county_id, county_code, county_name))
        else:
            # A running assignment: one row per unit it names, or one with no unit when it is city-wide.
            teams[assignment_id] = team_id
            named = limits.setdefault((industry_id, assignment_id), set())
            if county_id is not None:
                named.add(county_id)
    running = {}
    for (industry_id, assignment_id), named in limits.items():
        running.setdefault(industry_id, []).append((assignment_id, frozenset(named)))
    units = [
        IndustryUnit(
            industry_id=industry_id, industry=name, city_code=city_code, county_code=county_code, county=county_name,
            assignments=tuple(sorted(
                (assignment_id, teams[assignment_id]) for assignment_id, named in running.get(industry_id, ()) if covers(named, county_id)
            )),
        )
        for industry_id, name, city_code, county_id, county_code, county_name in keys
    ]
    units.sort(key=lambda unit: (unit.county_code or unit.city_code, unit.industry))
    return units


def _roll_up(*, as_of, place, at_risk_days, max_villages, county_rows, per_county, town_rows, uncovered_villages,
             at_risk_villages, units, overloaded):
    by_code = {code: pk for pk, code, *_rest in county_rows}
    for unit in units:
        if unit.county_code is not None and unit.county_code in by_code:
            sums = per_county[by_code[unit.county_code]]
            sums[3] += 1
            sums[4] += unit.covered
    counties = [Tally(code, name, *per_county[pk], parent=city_code) for pk, code, name, _city, city_code, *_rest in county_rows]

    def industry_totals(selected):
        # An industry is covered when every unit where it must be is.
        flags = {}
        for unit in selected:
            flags[unit.industry_id] = flags.get(unit.industry_id, True) and unit.covered
        return {"industries_total": len(flags), "industries_covered": sum(flags.values())}

    cities = []
    if place.is_everywhere or place.level == PROVINCE:
        names, members, city_units = {}, {}, {}
        for _pk, _code, _name, _city, city_code, city_name, *_rest in county_rows:
            names[city_code] = city_name
        for tally in counties:
            members.setdefault(tally.parent, []).append(tally)
        for unit in units:
            city_units.setdefault(unit.city_code, []).append(unit)
        for city_code, city_name in sorted(names.items()):
            tallies = members.get(city_code, ())
            cities.append(Tally(
                city_code, city_name,
                villages_total=sum(t.villages_total for t in tallies), villages_covered=sum(t.villages_covered for t in tallies),
                villages_at_risk=sum(t.villages_at_risk for t in tallies),
                **industry_totals(city_units.get(city_code, ())),
            ))
    name = place_name(place, county_rows)
    total = Tally(
        place.code, name,
        villages_total=sum(t.villages_total for t in counties), villages_covered=sum(t.villages_covered for t in counties),
        villages_at_risk=sum(t.villages_at_risk for t in counties), **industry_totals(units),
    )
    return Coverage(
        as_of=as_of, place=place, place_name=name, at_risk_days=at_risk_days, max_villages=max_villages, total=total,
        cities=cities, counties=counties, town_rows=town_rows, uncovered_villages=uncovered_villages,
        at_risk_villages=at_risk_villages, industry_units=units, overloaded_specialists=overloaded,
    )


def serving(as_of):
    """Assignments running on as_of and held by an active specialist: what makes a village covered."""
    return VillageAssignment.objects.running_on(as_of).filter(specialist__status=Specialist.Status.ACTIVE)


def village_gap_spans(*, as_of, at_risk, place=EVERYWHERE, at_risk_days=None):
    """The coverage spans running on as_of of the administrative villages that are uncovered
    (at_risk False) or at risk (True), with village, town and county loaded: exactly the villages
    of coverage_for's gap lists, in their order, as a queryset a caller may count and page.

    Callers resolve the place within the user's scope.
    """
    at_risk_days = settings.TEPAI_AT_RISK_DAYS if at_risk_days is None else at_risk_days
    spans = VillageCoverageSpan.objects.filter(start_date__lte=as_of, end_date__gte=as_of).select_related(
        "village", "town", "county"
    ).defer("village__boundary", "town__boundary", "county__boundary")
    if place.level == TOWN:
        spans = spans.filter(town=place.division)
    else:
        spans = spans.filter(within("county", COUNTY, place))
    if not at_risk:
        return spans.filter(covered=False).order_by("village__code")
    horizon = as_of + datetime.timedelta(days=at_risk_days)
    return spans.filter(covered=True, last_end__gte=as_of, last_end__lte=horizon).order_by("last_end", "village__code")
