"""Dual coverage (双覆盖): every administrative village served by a specialist, every key industry by a team.

`coverage_for` answers it for any place (a town, a county-level unit, a city, a province or the
whole deployment) on any date in a fixed number of queries, whatever the number of villages: the
database counts villages per town from the coverage spans and lists the gaps; Python rolls towns up
into county-level units, cities and the place, and decides which key industries are covered.

Its result has one shape (`Coverage.as_dict()`), which the API's summary, the `coverage` command
and its CSV and Excel files all read, so that every channel says the same thing.
"""

import dataclasses
import datetime

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from specialists.assignments.models import IndustryAssignment, VillageAssignment, running_sql
from specialists.coverage.models import VillageCoverageSpan
from specialists.people.models import Specialist
from villages.models import City, County, Industry, Town, Village
from villages.places import CITY, COUNTY, EVERYWHERE, PROVINCE, TOWN, Place, within

SPAN, VILLAGE, TOWN_TABLE, COUNTY_TABLE, CITY_TABLE = (
    VillageCoverageSpan._meta.db_table, Village._meta.db_table, Town._meta.db_table, County._meta.db_table, City._meta.db_table,
)
ASSIGNMENT, INDUSTRY_ASSIGNMENT, SPECIALIST = (
    VillageAssignment._meta.db_table, IndustryAssignment._meta.db_table, Specialist._meta.db_table,
)
ASSIGNMENT_UNITS = IndustryAssignment.counties.through._meta.db_table
INDUSTRY, KEY_UNITS = Industry._meta.db_table, Industry.key_counties.through._meta.db_table


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
    towns: list[Tally]
    uncovered_villages: list[dict]
    at_risk_villages: list[dict]
    industry_units: list[IndustryUnit]
    overloaded_specialists: list[dict]

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
            "towns": [{"code": t.code, "name": t.name, "county": t.parent, "villages": t.villages()} for t in self.towns] if towns else [],
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


def place_sql(place: Place, *, county_column, town_column=None):
    """(SQL condition, params) for rows whose county-level unit (or town) column lies in the place."""
    if place.is_everywhere:
        return "1 = 1", {}
    if place.level == TOWN:
        return f"{town_column} = %(place)s", {"place": place.division.pk}
    if place.level == COUNTY:
        return f"{county_column} = %(place)s", {"place": place.division.pk}
    if place.level == CITY:
        return f"{county_column} IN (SELECT id FROM {COUNTY_TABLE} WHERE city_id = %(place)s)", {"place": place.division.pk}
    return (f"{county_column} IN (SELECT c.id FROM {COUNTY_TABLE} c JOIN {CITY_TABLE} ci ON ci.id = c.city_id"
            f" WHERE ci.province_id = %(place)s)", {"place": place.division.pk})


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

# Coverage of a place on a day without visiting every village's status row by row: villages and
# covered villages per town (A) counted from the spans' running index alone (each administrative
# village has exactly one span on any day), and only the few uncovered (U) and at-risk (R)
# villages fetched by name, found by index ranges. (Comparing with TRUE/FALSE, not testing bare
# booleans, is what lets SQLite use the indexes.)
_TALLIES_AND_GAPS = f"""
SELECT 'A', a.town_id, t.code, t.name, t.county_id, a.villages, a.covered, CAST(NULL AS DATE)
  FROM (SELECT s.town_id, COUNT(*) AS villages, SUM(CASE WHEN s.covered = TRUE THEN 1 ELSE 0 END) AS covered
          FROM {SPAN} s
         WHERE s.end_date >= %(as_of)s AND s.start_date <= %(as_of)s AND {{scope}}
         GROUP BY s.town_id) a
  JOIN {TOWN_TABLE} t ON t.id = a.town_id
UNION ALL
SELECT 'U', v.town_id, v.code, v.name, NULL, 0, 0, CAST(NULL AS DATE)
  FROM {SPAN} s JOIN {VILLAGE} v ON v.id = s.village_id
 WHERE s.covered = FALSE AND s.end_date >= %(as_of)s AND s.start_date <= %(as_of)s AND {{scope}}
UNION ALL
SELECT 'R', v.town_id, v.code, v.name, NULL, 0, 0, s.last_end
  FROM {SPAN} s JOIN {VILLAGE} v ON v.id = s.village_id
 WHERE s.covered = TRUE AND s.last_end >= %(as_of)s AND s.last_end <= %(horizon)s
   AND s.end_date >= %(as_of)s AND s.start_date <= %(as_of)s AND {{scope}}
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


def _tallies_and_gaps(as_of, horizon, place):
    scope, params = _span_scope(place)
    with connection.cursor() as cursor:
        cursor.execute(_TALLIES_AND_GAPS.format(scope=scope), dict(params, as_of=as_of, horizon=horizon))
        rows = cursor.fetchall()
    towns, uncovered, at_risk = {}, [], []
    for kind, pk, code, name, county_id, villages, covered, last_end in rows:
        if kind == "A":
            towns[pk] = {"code": code, "name": name, "county_id": county_id, "total": villages, "covered": covered, "at_risk": 0}
        elif kind == "U":
            uncovered.append((code, name, pk))
        else:
            at_risk.append((code, name, pk, _as_date(last_end)))
    for _code, _name, town_id, _end in at_risk:
        towns[town_id]["at_risk"] += 1
    return towns, sorted(uncovered), sorted(at_risk, key=lambda row: (row[3], row[0]))


def _county_rows(place):
    """The county-level units in the place (a town's: its own), with their city and province: one query."""
    counties = County.objects.all()
    if place.level == TOWN:
        counties = counties.filter(pk=place.division.county_id)
    else:
        counties = counties.filter(within("", COUNTY, place))
    return list(counties.order_by("code").values_list(
        "pk", "code", "name", "city_id", "city__code", "city__name", "city__province_id", "city__province__name",
    ))


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
    It reads only, and makes the same four queries for ten villages or half a million.
    """
    as_of = as_of or timezone.localdate()
    at_risk_days = settings.TEPAI_AT_RISK_DAYS if at_risk_days is None else at_risk_days
    max_villages = settings.TEPAI_MAX_VILLAGES_PER_SPECIALIST if max_villages is None else max_villages
    horizon = as_of + datetime.timedelta(days=at_risk_days)

    # Query 1: the county-level units in the place, so that a unit with no villages still shows.
    county_rows = _county_rows(place)
    # Query 2: village tallies per town and the uncovered and at-risk villages, in one statement.
    towns, uncovered, at_risk = _tallies_and_gaps(as_of, horizon, place)
    county_names = {pk: (code, name) for pk, code, name, *_rest in county_rows}

    def where(town_id):
        town = towns[town_id]
        county_code, county_name = county_names[town["county_id"]]
        return {"town": town["name"], "town_code": town["code"], "county": county_name, "county_code": county_code}

    uncovered_villages = [dict({"code": code, "name": name}, **where(town_id)) for code, name, town_id in uncovered]
    at_risk_villages = [
        dict({"code": code, "name": name}, **where(town_id), last_end_date=last_end.isoformat())
        for code, name, town_id, last_end in at_risk
    ]
    # Query 3: the key industry units of the place and the running team assignments that cover them.
    units = industry_units(as_of=as_of, place=place)
    # Query 4: specialists serving more villages than the load allows.
    overloaded = _overloaded_specialists(as_of, place, max_villages)

    return _roll_up(
        as_of=as_of, place=place, at_risk_days=at_risk_days, max_villages=max_villages, county_rows=county_rows,
        towns=towns, uncovered_villages=uncovered_villages, at_risk_villages=at_risk_villages, units=units,
        overloaded=overloaded,
    )


# Key industry units of a place (K: a key industry and a unit where it is key, or its city for a key
# industry of the whole city) and the running team assignments of those industries with the units
# each is limited to (A: one row per unit named, NULL for a city-wide one), in one statement; which
# assignment covers which unit is decided in Python by `covers`.
_INDUSTRY_UNITS = f"""
SELECT 'K', i.id, i.name, ci.code, c.id, c.code, c.name, CAST(NULL AS BIGINT), CAST(NULL AS BIGINT)
  FROM {KEY_UNITS} k JOIN {INDUSTRY} i ON i.id = k.industry_id JOIN {COUNTY_TABLE} c ON c.id = k.county_id
  JOIN {CITY_TABLE} ci ON ci.id = i.city_id
 WHERE {{county_scope}}
UNION ALL
SELECT 'K', i.id, i.name, ci.code, CAST(NULL AS BIGINT), CAST(NULL AS VARCHAR(6)), CAST(NULL AS VARCHAR(50)),
       CAST(NULL AS BIGINT), CAST(NULL AS BIGINT)
  FROM {INDUSTRY} i JOIN {CITY_TABLE} ci ON ci.id = i.city_id
 WHERE i.is_city_key = TRUE AND {{city_scope}}
UNION ALL
SELECT 'A', a.industry_id, CAST(NULL AS VARCHAR(50)), CAST(NULL AS VARCHAR(4)), l.county_id, CAST(NULL AS VARCHAR(6)),
       CAST(NULL AS VARCHAR(50)), a.id, a.team_id
  FROM {INDUSTRY_ASSIGNMENT} a LEFT JOIN {ASSIGNMENT_UNITS} l ON l.industryassignment_id = a.id
 WHERE {running_sql("a")} AND {{assignment_scope}}
"""
# (Every NULL is cast: PostgreSQL types a UNION's columns from its first rows, where a bare NULL is text.)


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


def industry_units(*, as_of, place=EVERYWHERE) -> list[IndustryUnit]:
    """The key industry units of a place on a day, each with the running team assignments covering it:
    a key industry of the whole city once (county None) in the view of its city and wider places,
    and a key industry of county-level units once per unit of the place where it is key (a town's:
    its unit's). One query.

    By county-level unit code (a city's own units by the city's code), then industry name.
    """
    units_place = Place(place.county) if place.level == TOWN else place
    county_scope, params = place_sql(units_place, county_column="c.id")
    city_scope, city_params = _city_scope(place)
    assignment_scope, assignment_params = _assignment_scope(place)
    sql = _INDUSTRY_UNITS.format(county_scope=county_scope, city_scope=city_scope, assignment_scope=assignment_scope)
    with connection.cursor() as cursor:
        cursor.execute(sql, dict(params, **city_params, **assignment_params, as_of=as_of))
        rows = cursor.fetchall()
    keys, limits, teams = [], {}, {}
    for kind, industry_id, name, city_code, county_id, county_code, county_name, assignment_id, team_id in rows:
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


_OVERLOADED = f"""
SELECT o.specialist_id, s.name, o.villages
  FROM (SELECT a.specialist_id, COUNT(DISTINCT a.village_id) AS villages
          FROM {ASSIGNMENT} a
         WHERE {running_sql("a")}
           AND a.specialist_id NOT IN (SELECT id FROM {SPECIALIST} WHERE status <> '{Specialist.Status.ACTIVE.value}')
           -- Only specialists with more assignments than the load, of any date, can be over it;
           -- the (specialist, ...) index counts those without reading the table.
           AND a.specialist_id IN (SELECT specialist_id FROM {ASSIGNMENT}
                                    GROUP BY specialist_id HAVING COUNT(*) > %(max_villages)s)
           {{scope}}
         GROUP BY a.specialist_id
        HAVING COUNT(DISTINCT a.village_id) > %(max_villages)s) o
  JOIN {SPECIALIST} s ON s.id = o.specialist_id
 ORDER BY o.villages DESC, s.name, o.specialist_id
"""
# In a place's view: specialists serving any village of the place, with their whole load.
_OVERLOADED_IN_PLACE = f"""
AND a.specialist_id IN (
  SELECT b.specialist_id FROM {ASSIGNMENT} b
    JOIN {VILLAGE} bv ON bv.id = b.village_id JOIN {TOWN_TABLE} bt ON bt.id = bv.town_id
   WHERE {{place}} AND {running_sql("b")})
"""


def _overloaded_specialists(as_of, place, max_villages):
    """Active specialists serving more than max_villages villages on the day, busiest first."""
    params = {"as_of": as_of, "max_villages": max_villages}
    scope = ""
    if not place.is_everywhere:
        condition, place_params = place_sql(place, county_column="bt.county_id", town_column="bv.town_id")
        scope = _OVERLOADED_IN_PLACE.format(place=condition)
        params.update(place_params)
    with connection.cursor() as cursor:
        cursor.execute(_OVERLOADED.format(scope=scope), params)
        return [{"id": pk, "name": name, "villages": villages} for pk, name, villages in cursor.fetchall()]


def _roll_up(*, as_of, place, at_risk_days, max_villages, county_rows, towns, uncovered_villages, at_risk_villages, units, overloaded):
    zero = {"villages_total": 0, "villages_covered": 0, "villages_at_risk": 0, "industries_total": 0, "industries_covered": 0}
    per_county = {pk: dict(zero) for pk, *_rest in county_rows}
    by_code = {code: pk for pk, code, *_rest in county_rows}
    county_codes = {pk: code for pk, code, *_rest in county_rows}
    town_tallies = []
    for town in sorted(towns.values(), key=lambda t: t["code"]):
        town_tallies.append(Tally(town["code"], town["name"], town["total"], town["covered"], town["at_risk"],
                                  parent=county_codes[town["county_id"]]))
        sums = per_county[town["county_id"]]
        sums["villages_total"] += town["total"]
        sums["villages_covered"] += town["covered"]
        sums["villages_at_risk"] += town["at_risk"]
    for unit in units:
        if unit.county_code is not None and unit.county_code in by_code:
            sums = per_county[by_code[unit.county_code]]
            sums["industries_total"] += 1
            sums["industries_covered"] += unit.covered
    counties = [Tally(code, name, **per_county[pk], parent=city_code) for pk, code, name, _city, city_code, *_rest in county_rows]

    def industry_totals(selected):
        # An industry is covered when every unit where it must be is.
        flags = {}
        for unit in selected:
            flags.setdefault(unit.industry_id, []).append(unit.covered)
        return {"industries_total": len(flags), "industries_covered": sum(all(f) for f in flags.values())}

    cities = []
    if place.is_everywhere or place.level == PROVINCE:
        names = {}
        for _pk, _code, _name, _city, city_code, city_name, *_rest in county_rows:
            names[city_code] = city_name
        for city_code, city_name in sorted(names.items()):
            members = [tally for tally in counties if tally.parent == city_code]
            cities.append(Tally(
                city_code, city_name,
                villages_total=sum(t.villages_total for t in members), villages_covered=sum(t.villages_covered for t in members),
                villages_at_risk=sum(t.villages_at_risk for t in members),
                **industry_totals([unit for unit in units if unit.city_code == city_code]),
            ))
    name = place_name(place, county_rows)
    total = Tally(
        place.code, name,
        villages_total=sum(t.villages_total for t in counties), villages_covered=sum(t.villages_covered for t in counties),
        villages_at_risk=sum(t.villages_at_risk for t in counties), **industry_totals(units),
    )
    return Coverage(
        as_of=as_of, place=place, place_name=name, at_risk_days=at_risk_days, max_villages=max_villages, total=total,
        cities=cities, counties=counties, towns=town_tallies, uncovered_villages=uncovered_villages,
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
