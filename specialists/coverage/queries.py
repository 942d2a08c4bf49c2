"""Dual coverage (双覆盖): every administrative village served by a specialist, every key industry by a team.

`coverage_for` answers it for any date in a fixed number of queries, whatever the number of
villages: the database aggregates villages per town and computes the gap lists; Python only rolls
towns up into county-level units and the city.
"""

import dataclasses
import datetime
import functools

from django.conf import settings
from django.db import connection
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from specialists.assignments.models import VillageAssignment
from specialists.people.models import Specialist
from villages.models import County


@dataclasses.dataclass(frozen=True)
class Tally:
    """Village and industry totals of one area: the city, a county-level unit or a town."""

    code: str
    name: str
    villages_total: int = 0
    villages_covered: int = 0
    villages_at_risk: int = 0
    industries_total: int = 0
    industries_covered: int = 0

    @property
    def villages_uncovered(self):
        return self.villages_total - self.villages_covered

    @property
    def village_rate(self):
        """Share of administrative villages covered; 1.0 where there are none to cover."""
        return self.villages_covered / self.villages_total if self.villages_total else 1.0

    @property
    def industry_rate(self):
        return self.industries_covered / self.industries_total if self.industries_total else 1.0

    def as_dict(self):
        return {
            "code": self.code,
            "name": self.name,
            "villages_total": self.villages_total,
            "villages_covered": self.villages_covered,
            "villages_uncovered": self.villages_uncovered,
            "villages_at_risk": self.villages_at_risk,
            "village_rate": round(self.village_rate, 4),
            "industries_total": self.industries_total,
            "industries_covered": self.industries_covered,
            "industry_rate": round(self.industry_rate, 4),
        }


@dataclasses.dataclass(frozen=True)
class Coverage:
    as_of: datetime.date
    county: County | None
    at_risk_days: int
    max_villages: int
    city: Tally
    counties: list[Tally]
    towns: list[Tally]  # each town's code, with its county's code in town_counties
    town_counties: dict[str, str]
    uncovered_villages: list[dict]
    at_risk_villages: list[dict]
    uncovered_industries: list[dict]
    industry_pairs: list[dict]
    overloaded_specialists: list[dict]

    @property
    def has_gap(self):
        return bool(self.uncovered_villages or self.uncovered_industries)

    def as_dict(self):
        return {
            "as_of": self.as_of.isoformat(),
            "scope": {"code": self.county.code, "name": self.county.name} if self.county else None,
            "at_risk_days": self.at_risk_days,
            "max_villages_per_specialist": self.max_villages,
            "villages_total": self.city.villages_total,
            "villages_covered": self.city.villages_covered,
            "villages_uncovered": self.city.villages_uncovered,
            "village_rate": round(self.city.village_rate, 4),
            "industries_total": self.city.industries_total,
            "industries_covered": self.city.industries_covered,
            "industry_rate": round(self.city.industry_rate, 4),
            "dual_coverage": not self.has_gap,
            "uncovered_villages": self.uncovered_villages,
            "at_risk_villages": self.at_risk_villages,
            "uncovered_industries": self.uncovered_industries,
            "industries": self.industry_pairs,
            "overloaded_specialists": self.overloaded_specialists,
            "counties": [tally.as_dict() for tally in self.counties],
            "towns": [dict(tally.as_dict(), county_code=self.town_counties[tally.code]) for tally in self.towns],
        }


def _serving(as_of):
    """Assignments running on as_of and held by an active specialist: what makes a village covered."""
    return VillageAssignment.objects.running_on(as_of).filter(specialist__status=Specialist.Status.ACTIVE)


FAR_FUTURE = datetime.date(9999, 12, 31)

# Each administrative village's status on the day in one value, read from its coverage span (see
# specialists/spans.py): NULL when uncovered; the last day its serving assignments run when that
# is within the horizon (at risk); FAR_FUTURE when an open-ended or longer assignment serves it.
# Map code selects from it village by village.
_STATUS = """
WITH status AS MATERIALIZED (
  SELECT s.village_id AS id, s.town_id,
         CASE WHEN NOT s.covered THEN NULL
              WHEN s.last_end IS NULL OR s.last_end > %(horizon)s THEN %(far)s
              ELSE s.last_end END AS last_end
    FROM specialists_villagecoveragespan s
   WHERE s.end_date >= %(as_of)s AND s.start_date <= %(as_of)s {scope}
)
"""

# Coverage of a scope on a day without visiting every village's status row by row: villages and
# covered villages per town (A) counted from the spans' running index alone (each administrative
# village has exactly one span on any day), and only the few uncovered (U) and at-risk (R)
# villages fetched by name, found by index ranges. (Comparing with TRUE/FALSE, not testing bare
# booleans, is what lets SQLite use the indexes.)
_TALLIES_AND_GAPS = """
SELECT 'A', a.town_id, t.code, t.name, t.county_id, a.villages, a.covered, CAST(NULL AS DATE)
  FROM (SELECT s.town_id, COUNT(*) AS villages, SUM(CASE WHEN s.covered = TRUE THEN 1 ELSE 0 END) AS covered
          FROM specialists_villagecoveragespan s
         WHERE s.end_date >= %(as_of)s AND s.start_date <= %(as_of)s {span_scope}
         GROUP BY s.town_id) a
  JOIN villages_town t ON t.id = a.town_id
UNION ALL
SELECT 'U', v.town_id, v.code, v.name, NULL, 0, 0, CAST(NULL AS DATE)
  FROM specialists_villagecoveragespan s JOIN villages_village v ON v.id = s.village_id
 WHERE s.covered = FALSE AND s.end_date >= %(as_of)s AND s.start_date <= %(as_of)s {span_scope}
UNION ALL
SELECT 'R', v.town_id, v.code, v.name, NULL, 0, 0, s.last_end
  FROM specialists_villagecoveragespan s JOIN villages_village v ON v.id = s.village_id
 WHERE s.covered = TRUE AND s.last_end >= %(as_of)s AND s.last_end <= %(horizon)s
   AND s.end_date >= %(as_of)s AND s.start_date <= %(as_of)s {span_scope}
"""


def _as_date(value):
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)


def _span_scope(county=None, town=None):
    if town is not None:
        return "AND s.town_id = %(town)s", {"town": town.pk}
    if county is not None:
        return "AND s.county_id = %(county)s", {"county": county.pk}
    return "", {}


def village_statuses_sql(*, as_of, horizon, county=None, town=None):
    """The SQL (a WITH clause defining `status`: id, town_id, last_end) and parameters for the
    administrative villages of a scope on a day, for code that needs every village's status.
    """
    scope, params = _span_scope(county, town)
    return _STATUS.format(scope=scope), dict(params, as_of=as_of, horizon=horizon, far=FAR_FUTURE)


def _tallies_and_gaps(as_of, horizon, county):
    span_scope, params = _span_scope(county)
    with connection.cursor() as cursor:
        cursor.execute(_TALLIES_AND_GAPS.format(span_scope=span_scope), dict(params, as_of=as_of, horizon=horizon))
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


def coverage_for(*, as_of=None, county=None, at_risk_days=None, max_villages=None) -> Coverage:
    """Dual coverage on a date (default today), for the city or one county-level unit.

    Any user may call it for the scope they may see: pass `county` for a county-scoped user.
    It reads only, and makes the same four queries for ten villages or half a million.
    """
    as_of = as_of or timezone.localdate()
    at_risk_days = settings.TEPAI_AT_RISK_DAYS if at_risk_days is None else at_risk_days
    max_villages = settings.TEPAI_MAX_VILLAGES_PER_SPECIALIST if max_villages is None else max_villages
    horizon = as_of + datetime.timedelta(days=at_risk_days)

    # Query 1: the county-level units in scope, so that a unit with no villages still shows.
    counties = County.objects.all() if county is None else County.objects.filter(pk=county.pk)
    county_rows = list(counties.order_by("code").values_list("pk", "code", "name"))
    # Query 2: village tallies per town and the uncovered and at-risk villages, in one statement.
    towns, uncovered, at_risk = _tallies_and_gaps(as_of, horizon, county)
    county_names = {pk: (code, name) for pk, code, name in county_rows}

    def place(town_id):
        town = towns[town_id]
        county_code, county_name = county_names[town["county_id"]]
        return {"town": town["name"], "town_code": town["code"], "county": county_name, "county_code": county_code}

    uncovered_villages = [dict({"code": code, "name": name}, **place(town_id)) for code, name, town_id in uncovered]
    at_risk_villages = [
        dict({"code": code, "name": name}, **place(town_id), last_end_date=last_end.isoformat())
        for code, name, town_id, last_end in at_risk
    ]
    # Query 3: key industry coverage units and whether a team covers each.
    industry_pairs = _industry_pairs(as_of, county)
    # Query 4: specialists serving more villages than the load allows.
    overloaded = _overloaded_specialists(as_of, county, max_villages)

    return _roll_up(
        as_of=as_of, county=county, at_risk_days=at_risk_days, max_villages=max_villages,
        county_rows=county_rows, towns=towns, uncovered_villages=uncovered_villages,
        at_risk_villages=at_risk_villages, industry_pairs=industry_pairs, overloaded=overloaded,
    )


_RUNNING_TEAM = """
SELECT 1 FROM specialists_industryassignment a
 WHERE a.industry_id = {industry} AND a.start_date <= %(as_of)s AND (a.end_date IS NULL OR a.end_date >= %(as_of)s)
"""
# Every (key industry, county-level unit) pair and, for the city, every city key industry, with
# whether a running team assignment covers it. Raw SQL: built by the ORM, these two Exists queries
# took longer to compile than the whole city's coverage takes to compute.
_INDUSTRY_PAIRS = """
SELECT k.industry_id, i.name, c.code, c.name,
       CASE WHEN EXISTS (""" + _RUNNING_TEAM.format(industry="k.industry_id") + """
         AND (NOT EXISTS (SELECT 1 FROM specialists_industryassignment_counties l WHERE l.industryassignment_id = a.id)
              OR EXISTS (SELECT 1 FROM specialists_industryassignment_counties l
                          WHERE l.industryassignment_id = a.id AND l.county_id = k.county_id)))
       THEN 1 ELSE 0 END
  FROM villages_industry_key_counties k
  JOIN villages_industry i ON i.id = k.industry_id
  JOIN villages_county c ON c.id = k.county_id
 WHERE {county_scope}
"""
_CITY_KEY_INDUSTRIES = """
UNION ALL
SELECT i.id, i.name, NULL, NULL, CASE WHEN EXISTS (""" + _RUNNING_TEAM.format(industry="i.id") + """) THEN 1 ELSE 0 END
  FROM villages_industry i
 WHERE i.is_city_key = TRUE
"""


def _industry_pairs(as_of, county):
    """Key industry coverage units: a city key industry once, a county key industry per county where it is key.

    A city key industry is covered by any running team assignment; a county key industry in a
    county-level unit by a running assignment that is city-wide or limited to a list containing it.
    City key industries are counted in the city's view only.
    """
    params = {"as_of": as_of}
    if county is None:
        sql = _INDUSTRY_PAIRS.format(county_scope="1 = 1") + _CITY_KEY_INDUSTRIES
    else:
        sql = _INDUSTRY_PAIRS.format(county_scope="k.county_id = %(county)s")
        params["county"] = county.pk
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    pairs = [
        {"industry": name, "industry_id": pk, "county": county_name, "county_code": code, "covered": bool(covered)}
        for pk, name, code, county_name, covered in rows
    ]
    pairs.sort(key=lambda p: (p["county_code"] or "", p["industry"]))
    return pairs


_OVERLOADED = """
SELECT o.specialist_id, s.name, o.villages
  FROM (SELECT a.specialist_id, COUNT(DISTINCT a.village_id) AS villages
          FROM specialists_villageassignment a
         WHERE a.start_date <= %(as_of)s AND (a.end_date IS NULL OR a.end_date >= %(as_of)s)
           AND a.specialist_id NOT IN (SELECT id FROM specialists_specialist WHERE status <> 'active')
           -- Only specialists with more assignments than the load, of any date, can be over it;
           -- the (specialist, ...) index counts those without reading the table.
           AND a.specialist_id IN (SELECT specialist_id FROM specialists_villageassignment
                                    GROUP BY specialist_id HAVING COUNT(*) > %(max_villages)s)
           {scope}
         GROUP BY a.specialist_id
        HAVING COUNT(DISTINCT a.village_id) > %(max_villages)s) o
  JOIN specialists_specialist s ON s.id = o.specialist_id
 ORDER BY o.villages DESC, s.name, o.specialist_id
"""
# In a county's view: specialists serving any village of the county, with their whole load.
_OVERLOADED_IN_COUNTY = """
AND a.specialist_id IN (
  SELECT b.specialist_id FROM specialists_villageassignment b
    JOIN villages_village bv ON bv.id = b.village_id JOIN villages_town bt ON bt.id = bv.town_id
   WHERE bt.county_id = %(county)s AND b.start_date <= %(as_of)s AND (b.end_date IS NULL OR b.end_date >= %(as_of)s))
"""


def _overloaded_specialists(as_of, county, max_villages):
    """Active specialists serving more than max_villages villages on the day, busiest first."""
    params = {"as_of": as_of, "max_villages": max_villages}
    scope = ""
    if county is not None:
        scope = _OVERLOADED_IN_COUNTY
        params["county"] = county.pk
    with connection.cursor() as cursor:
        cursor.execute(_OVERLOADED.format(scope=scope), params)
        return [{"id": pk, "name": name, "villages": villages} for pk, name, villages in cursor.fetchall()]


def _roll_up(*, as_of, county, at_risk_days, max_villages, county_rows, towns, uncovered_villages,
             at_risk_villages, industry_pairs, overloaded):
    zero = {"villages_total": 0, "villages_covered": 0, "villages_at_risk": 0, "industries_total": 0, "industries_covered": 0}
    per_county = {pk: dict(zero) for pk, _c, _n in county_rows}
    code_to_pk = {code: pk for pk, code, _n in county_rows}
    county_codes = {pk: code for pk, code, _n in county_rows}
    town_tallies, town_counties = [], {}
    for town in sorted(towns.values(), key=lambda t: t["code"]):
        town_tallies.append(Tally(town["code"], town["name"], town["total"], town["covered"], town["at_risk"]))
        town_counties[town["code"]] = county_codes[town["county_id"]]
        sums = per_county[town["county_id"]]
        sums["villages_total"] += town["total"]
        sums["villages_covered"] += town["covered"]
        sums["villages_at_risk"] += town["at_risk"]
    for pair in industry_pairs:
        if pair["county_code"] is not None:
            sums = per_county[code_to_pk[pair["county_code"]]]
            sums["industries_total"] += 1
            sums["industries_covered"] += pair["covered"]
    counties = [Tally(code, name, **per_county[pk]) for pk, code, name in county_rows]

    industries = {}
    for pair in industry_pairs:
        industries.setdefault(pair["industry_id"], []).append(pair["covered"])
    city = Tally(
        county.code if county else "",
        county.name if county else "",
        villages_total=sum(t.villages_total for t in counties),
        villages_covered=sum(t.villages_covered for t in counties),
        villages_at_risk=sum(t.villages_at_risk for t in counties),
        industries_total=len(industries),
        industries_covered=sum(all(flags) for flags in industries.values()),
    )
    uncovered_industries = [
        {"industry": p["industry"], "county": p["county"], "county_code": p["county_code"]}
        for p in industry_pairs if not p["covered"]
    ]
    return Coverage(
        as_of=as_of, county=county, at_risk_days=at_risk_days, max_villages=max_villages, city=city,
        counties=counties, towns=town_tallies, town_counties=town_counties, uncovered_villages=uncovered_villages,
        at_risk_villages=at_risk_villages, uncovered_industries=uncovered_industries,
        industry_pairs=[{k: v for k, v in p.items() if k != "industry_id"} for p in industry_pairs],
        overloaded_specialists=overloaded,
    )


# --- Helpers for the API and pages: the same rules, one question at a time ---------------------------

def key_industry_units(*, as_of, county=None):
    """coverage_for's key industry coverage units on as_of, with the industry's id: a city key
    industry once (county None, city view only) and a county key industry per unit where it is key.

    Rows {industry, industry_id, county, county_code, covered}, by county code then industry name.
    One query. Callers pass `county` for a county-scoped user.
    """
    return _industry_pairs(as_of, county)


def village_gap_spans(*, as_of, at_risk, county=None, town=None, at_risk_days=None):
    """The coverage spans running on as_of of the administrative villages that are uncovered
    (at_risk False) or at risk (True), with village, town and county loaded: exactly the villages
    of coverage_for's gap lists, in their order, as a queryset a caller may count and page.

    Callers limit `county` / `town` to the user's scope.
    """
    from specialists.coverage.models import VillageCoverageSpan

    at_risk_days = settings.TEPAI_AT_RISK_DAYS if at_risk_days is None else at_risk_days
    spans = VillageCoverageSpan.objects.filter(start_date__lte=as_of, end_date__gte=as_of).select_related(
        "village", "town", "county"
    ).defer("village__boundary", "town__boundary", "county__boundary")
    if town is not None:
        spans = spans.filter(town=town)
    elif county is not None:
        spans = spans.filter(county=county)
    if not at_risk:
        return spans.filter(covered=False).order_by("village__code")
    horizon = as_of + datetime.timedelta(days=at_risk_days)
    return spans.filter(covered=True, last_end__gte=as_of, last_end__lte=horizon).order_by("last_end", "village__code")


def specialist_suggestions(*, village, candidates, as_of, limit=10, max_villages=None):
    """Active specialists who could also serve `village` from as_of, best first.

    For coordinators choosing whom to assign: `candidates` is the specialists the user may see
    (access.specialists_for), `village` one in their scope, with its town loaded. Kept are active
    specialists not already serving the village that day and serving fewer than max_villages
    villages (the load rule of coverage_for's overloaded list). Ranked: expertise in a key
    industry of the village's county-level unit or of the city first, then nearest, measured in
    EPSG:4548 from the specialist's home base (or, without one, from the nearest village they serve
    that day) to the village's point (its representative point, else its boundary's centroid);
    those with neither come last. Reads only; two queries, whatever the number of specialists.

    Rows {id, name, organisation_id, organisation, distance_m (None when unknown), distance_from
    ("home", "village" or None), running_villages, matches_expertise}.
    """
    import numpy as np

    from specialists.people.models import Specialist
    from villages.models import Industry

    max_villages = settings.TEPAI_MAX_VILLAGES_PER_SPECIALIST if max_villages is None else max_villages
    running = VillageAssignment.objects.running_on(as_of)
    load = (running.filter(specialist=OuterRef("pk")).order_by().values("specialist")
            .annotate(n=Count("village", distinct=True)).values("n"))
    key_here = Industry.objects.filter(Q(is_city_key=True) | Q(key_counties=village.town.county_id))
    rows = (
        candidates.filter(status=Specialist.Status.ACTIVE)
        .exclude(Exists(running.filter(village=village, specialist=OuterRef("pk"))))
        .annotate(
            running_villages=Coalesce(Subquery(load, output_field=IntegerField()), 0),
            matches_expertise=Exists(Specialist.expertise.through.objects.filter(specialist=OuterRef("pk"), industry__in=key_here)),
        )
        .filter(running_villages__lt=max_villages)
    )
    # Query 1: the candidates with their load and whether their expertise fits.
    found = list(rows.order_by().values(
        "id", "name", "organisation_id", "organisation__name", "home_lon", "home_lat", "running_villages", "matches_expertise",
    ))
    # Query 2: the villages that candidates without a home base serve that day, to measure from.
    served = {}
    without_home = rows.filter(home_lon__isnull=True).values("pk")
    for specialist_id, lon, lat, boundary in running.filter(specialist__in=without_home).values_list(
        "specialist_id", "village__lon", "village__lat", "village__boundary",
    ):
        point = _point(lon, lat, boundary)
        if point is not None:
            served.setdefault(specialist_id, []).append(point)

    target = _point(village.lon, village.lat, village.boundary)
    origins, owners, sources = [], [], {}
    for row in found:
        if row["home_lon"] is not None:
            origins.append((row["home_lon"], row["home_lat"]))
            owners.append(row["id"])
            sources[row["id"]] = "home"
        else:
            for point in served.get(row["id"], ()):
                origins.append(point)
                owners.append(row["id"])
                sources[row["id"]] = "village"
    distances = {}
    if target is not None and origins:
        transformer = _projector()
        xs, ys = transformer.transform(np.array([p[0] for p in origins]), np.array([p[1] for p in origins]))
        tx, ty = transformer.transform(target[0], target[1])
        for owner, metres in zip(owners, np.hypot(xs - tx, ys - ty), strict=True):
            distances[owner] = min(float(metres), distances.get(owner, float("inf")))

    suggestions = []
    for row in found:
        distance = distances.get(row["id"])
        suggestions.append({
            "id": row["id"], "name": row["name"], "organisation_id": row["organisation_id"],
            "organisation": row["organisation__name"], "distance_m": None if distance is None else round(distance, 1),
            "distance_from": sources.get(row["id"]) if distance is not None else None,
            "running_villages": row["running_villages"], "matches_expertise": row["matches_expertise"],
        })
    suggestions.sort(key=lambda s: (not s["matches_expertise"], s["distance_m"] is None, s["distance_m"] or 0,
                                    s["running_villages"], s["name"], s["id"]))
    return suggestions[:limit]


def _point(lon, lat, boundary):
    """A village's point in EPSG:4490: its stored representative point, else its boundary's centroid."""
    if lon is not None and lat is not None:
        return lon, lat
    if boundary is None:
        return None
    from villages import geometry

    centroid = geometry.from_wkb(boundary).centroid
    return centroid.x, centroid.y


@functools.cache
def _projector():
    from pyproj import Transformer

    from villages.geometry import PROJECTED_CRS, STORAGE_CRS

    # always_xy: longitude first, as everything in Tepai is stored.
    return Transformer.from_crs(STORAGE_CRS, PROJECTED_CRS, always_xy=True)
