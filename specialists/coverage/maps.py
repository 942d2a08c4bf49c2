"""Coverage maps and GIS layers from the database: the frames are built here, villages.maps draws them.

Village statuses come from the very SQL `coverage_for` aggregates (`village_statuses_sql`), so a
map never disagrees with the coverage report of the same day; every frame is built in a fixed
number of queries, whatever the number of villages.
"""

import dataclasses
import datetime

import numpy as np
import pandas as pd
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from specialists.assignments.models import IndustryAssignment
from specialists.coverage.queries import COUNTY_TABLE, TOWN_TABLE, VILLAGE, industry_units, place_name, place_sql, serving, village_statuses_sql
from villages import geometry, layers, maps
from villages.models import City, County, Town, Village
from villages.places import CITY, COUNTY, EVERYWHERE, TOWN, Place, within

VILLAGES, INDUSTRIES = "villages", "industries"

# Above this many administrative villages a city-wide map colours the county-level units by their
# coverage rate instead of drawing every village: at national scale (490,000 villages) the
# villages would be specks, and loading their boundaries alone would take most of a second.
MAX_VILLAGES_DRAWN = 60_000

# Shapefile field names are at most 10 characters.
SHAPEFILE_NAMES = {"county_code": "countycode", "specialists": "spec_count"}


@dataclasses.dataclass(frozen=True)
class MapFile:
    content: bytes
    filename: str
    content_type: str


@dataclasses.dataclass
class VillageMapFrames:
    """What a village coverage map draws, all in EPSG:4490 longitude/latitude."""

    villages: object  # GeoDataFrame: one row per village or community, with its status on the day
    towns: object  # GeoDataFrame of town outlines (code, name, county_code), or None for a town's map
    counties: object  # GeoDataFrame of county-level outlines (code, name, kind); a town's map: the town
    labels: object  # the frame whose `name`s are written on the map


def check_map_request(*, kind, fmt, place: Place):
    """The one rule of what a map may be, for map jobs and the command alike; returns the place to map.

    Any format of maps.FORMATS. A village map is of any place. An industry map shows which team
    covers each key industry across the county-level units of one city: it is of a city, or of the
    whole deployment when that holds one city (one query to find it). ValidationError names the
    field (`format`, `kind`) in the user's words.
    """
    if fmt not in maps.FORMATS:
        raise ValidationError({"format": ValidationError(
            _("Give one of the map formats %(formats)s.") % {"formats": ", ".join(maps.FORMATS)}, code="invalid_choice")})
    if kind == VILLAGES:
        return place
    if kind != INDUSTRIES:
        raise ValidationError({"kind": ValidationError(_("Ask for a village map or an industry map."), code="invalid_choice")})
    if place.level in (COUNTY, TOWN):
        raise ValidationError({"kind": ValidationError(
            _("The industry map shows a whole city, not %(place)s: ask for it without a county-level unit or town.")
            % {"place": place.name}, code="industry_map_of_a_city")})
    if place.level == CITY:
        return place
    cities = list(City.objects.filter(within("", CITY, place)).select_related("province").defer("boundary", "province__boundary")[:2])
    if len(cities) != 1:
        raise ValidationError({"kind": ValidationError(
            _("The industry map shows one city: name the city to map."), code="industry_map_of_a_city")})
    return Place(cities[0])


def _scope_sql(place):
    return place_sql(place, county_column="t.county_id", town_column="v.town_id")


# Every village and community in scope with its place and status. `status` (the WITH clause of
# village_statuses_sql) holds the administrative villages only; communities get no row there.
# {boundary} is the boundary column, or NULL when the shapes come from the cached village layer.
_VILLAGE_ROWS = """
SELECT v.id, v.code, v.name, v.kind, v.synthetic, {boundary}, t.code, t.name, c.code, c.name,
       CASE WHEN v.kind <> 'village' THEN 'community'
            WHEN s.last_end IS NULL THEN 'uncovered'
            WHEN s.last_end <= %(horizon)s THEN 'at_risk'
            ELSE 'covered' END
  FROM {village} v
  JOIN {town} t ON t.id = v.town_id
  JOIN {county} c ON c.id = t.county_id
  LEFT JOIN status s ON s.id = v.id
 WHERE {scope}
 ORDER BY v.code
"""
VILLAGE_COLUMNS = ["id", "code", "name", "kind", "synthetic", "boundary", "town_code", "town", "county_code", "county", "status"]
# The layer GIS users get, in this order.
LAYER_COLUMNS = ["code", "name", "kind", "town_code", "town", "county_code", "county", "status", "covered", "at_risk",
                 "specialists", "synthetic"]


def _uses_village_layer(place):
    """Whether a frame of the place takes its shapes from the cached village layer (villages.layers).

    Cities and wider: thousands to hundreds of thousands of villages, whose WKB would be most of
    the frame's time. A county or town reads its few hundred boundaries with the rows, which is
    as fast and never makes a process load the whole layer for a small map. Never inside a
    transaction (the layer is built from committed rows only), so tests pinning query counts see
    the same queries either way.
    """
    return place.level not in (COUNTY, TOWN) and layers.usable()


def village_frame(*, as_of, place=EVERYWHERE, at_risk_days=None):
    """Villages and communities in scope with their coverage on as_of, as a GeoDataFrame (EPSG:4490).

    Columns: code, name, kind, town_code, town, county_code, county, status (covered, at_risk,
    uncovered or community), covered and at_risk (bool; communities are neither, since they are not
    counted), specialists (active specialists serving it that day), synthetic, geometry. Two
    queries, whatever the number of villages (a third, once, when the cached village layer of a
    city or wider scope must be rebuilt). Callers limit the scope to what the user may see.
    """
    import geopandas as gpd

    at_risk_days = settings.TEPAI_AT_RISK_DAYS if at_risk_days is None else at_risk_days
    horizon = as_of + datetime.timedelta(days=at_risk_days)
    from_layer = _uses_village_layer(place)
    # Query 1: the villages with their place and status, from coverage_for's own status rows, as
    # columns (binary protocol on PostgreSQL, so boundaries come as bytes).
    sql, params = village_statuses_sql(as_of=as_of, horizon=horizon, place=place)
    scope, scope_params = _scope_sql(place)
    columns = geometry.fetch_columns(
        sql + _VILLAGE_ROWS.format(scope=scope, village=VILLAGE, town=TOWN_TABLE, county=COUNTY_TABLE,
                                   boundary="NULL" if from_layer else "v.boundary"),
        dict(params, **scope_params))
    # Query 2: specialists serving each village that day (the same running, active assignments).
    running = serving(as_of)
    if place.level == TOWN:
        running = running.filter(village__town=place.division)
    else:
        running = running.filter(within("village__town__county", COUNTY, place))
    counts = dict(running.order_by().values("village_id").annotate(n=Count("specialist_id", distinct=True)).values_list("village_id", "n"))

    data = dict(zip(VILLAGE_COLUMNS, columns, strict=True))
    boundaries = data.pop("boundary")
    ids = data["id"].astype(np.int64)
    if from_layer:
        shapes = layers.village_shapes(ids)[1]
    else:
        shapes = geometry.shapes_from_wkb(boundaries)
    with geometry.collector_paused():
        frame = pd.DataFrame(data)
        frame["synthetic"] = frame["synthetic"].astype(bool)
        frame["covered"] = frame["status"].isin([maps.COVERED, maps.AT_RISK])
        frame["at_risk"] = frame["status"] == maps.AT_RISK
        frame["specialists"] = frame["id"].map(counts).fillna(0).astype(np.int32)
        return gpd.GeoDataFrame(frame[LAYER_COLUMNS], geometry=shapes, crs=geometry.STORAGE_CRS)


def _outline_frame(rows, columns):
    """Rows with WKB under `boundary` -> a GeoDataFrame (EPSG:4490); a missing boundary is a None geometry."""
    return geometry.geodataframe(pd.DataFrame.from_records(rows, columns=columns))


def _fill_missing(outlines, parts, by):
    """Give outlines without a stored boundary the union of their parts (a town's villages, a zone's towns)."""
    missing = outlines.geometry.isna() | outlines.geometry.is_empty
    if not missing.any() or parts is None or len(parts) == 0:
        return outlines
    wanted = parts[parts[by].isin(outlines.loc[missing, "code"])]
    if len(wanted):
        dissolved = maps.outlines_from(wanted, by).set_index(by).geometry
        outlines.loc[missing, "geometry"] = [dissolved.get(code) for code in outlines.loc[missing, "code"]]
    return outlines


def village_map_frames(*, as_of, place=EVERYWHERE, at_risk_days=None) -> VillageMapFrames:
    """The frames of a village coverage map of a place: a province, a city, a county-level unit or a town.

    Four queries (three for a town), whatever the number of villages. Towns without a stored
    boundary are outlined by their villages, and a development zone (which has no boundary of its
    own) by its towns.
    """
    villages = village_frame(as_of=as_of, place=place, at_risk_days=at_risk_days)
    # Query 3: the towns in the place.
    if place.level == TOWN:
        town_rows = Town.objects.filter(pk=place.division.pk)
    else:
        town_rows = Town.objects.filter(within("county", COUNTY, place))
    towns = _outline_frame(town_rows.values_list("code", "name", "county__code", "boundary"),
                           ["code", "name", "county_code", "boundary"])
    towns = _fill_missing(towns, villages, "town_code")
    if place.level == TOWN:
        # The town is the map's outer outline, drawn as a county's would be.
        return VillageMapFrames(villages=villages, towns=None, counties=towns, labels=villages)
    # Query 4: the county-level units in the place.
    county_rows = County.objects.filter(within("", COUNTY, place))
    counties = _outline_frame(county_rows.values_list("code", "name", "kind", "boundary"), ["code", "name", "kind", "boundary"])
    counties = _fill_missing(counties, towns, "county_code")
    return VillageMapFrames(villages=villages, towns=towns, counties=counties, labels=towns if place.level == COUNTY else counties)


def _title(place):
    """(code for file names, name for titles) of the map's place."""
    if place.level == TOWN:
        return place.code, f"{place.county.name}{place.name}"
    if place.is_everywhere:
        return "all", place_name(place)
    return place.code, place.name


def coverage_map(*, as_of=None, place=EVERYWHERE, fmt="png", at_risk_days=None) -> MapFile:
    """A village coverage map (png, svg, pdf) or village layer (geojson, gpkg, shp) of a place on a day.

    Any user may call it for a place they may see (specialists.access.places resolves it). Reads
    only. A static map of a province or wider with more than MAX_VILLAGES_DRAWN villages colours
    county-level units by coverage rate instead of drawing each village.
    """
    check_map_request(kind=VILLAGES, fmt=fmt, place=place)
    as_of = as_of or timezone.localdate()
    code, title = _title(place)
    filename = f"village-coverage-{code}-{as_of.isoformat()}.{maps.EXTENSIONS[fmt]}"

    if fmt in maps.LAYER_FORMATS:
        villages = village_frame(as_of=as_of, place=place, at_risk_days=at_risk_days)
        content = maps.export_layer(villages, fmt, layer="village_coverage", shapefile_names=SHAPEFILE_NAMES)
        return MapFile(content, filename, maps.CONTENT_TYPES[fmt])

    if place.level not in (COUNTY, TOWN) and Village.objects.filter(
        within("town__county", COUNTY, place), kind=Village.Kind.VILLAGE,
    ).count() > MAX_VILLAGES_DRAWN:
        frame = county_rate_frame(as_of=as_of, place=place, at_risk_days=at_risk_days)
        content = maps.render_county_map(frame, scope=title, as_of=as_of, fmt=fmt)
        return MapFile(content, filename, maps.CONTENT_TYPES[fmt])

    frames = village_map_frames(as_of=as_of, place=place, at_risk_days=at_risk_days)
    content = maps.render_village_map(
        frames.villages, scope=title, as_of=as_of, counties=frames.counties, towns=frames.towns,
        labels=frames.labels, fmt=fmt,
    )
    return MapFile(content, filename, maps.CONTENT_TYPES[fmt])


# Village tallies per county-level unit, from the same status rows.
_COUNTY_TALLIES = f"""
SELECT t.county_id, COUNT(*), COUNT(s.last_end), SUM(CASE WHEN s.last_end <= %(horizon)s THEN 1 ELSE 0 END)
  FROM status s JOIN {TOWN_TABLE} t ON t.id = s.town_id
 GROUP BY t.county_id
"""


def county_rate_frame(*, as_of, place=EVERYWHERE, at_risk_days=None):
    """Every county-level unit with its outline and village tallies on as_of (EPSG:4490).

    For city maps of more villages than can be drawn one by one. Columns: code, name, kind,
    villages_total, villages_covered, villages_at_risk, geometry. Three queries: the tallies
    (coverage_for's status rows, summed per unit, without its gap lists), the units, and the towns
    of development zones, which outline the zones.
    """
    at_risk_days = settings.TEPAI_AT_RISK_DAYS if at_risk_days is None else at_risk_days
    horizon = as_of + datetime.timedelta(days=at_risk_days)
    sql, params = village_statuses_sql(as_of=as_of, horizon=horizon, place=place)
    with connection.cursor() as cursor:
        cursor.execute(sql + _COUNTY_TALLIES, params)
        tallies = {pk: (total, covered, at_risk or 0) for pk, total, covered, at_risk in cursor.fetchall()}
    counties = _outline_frame(County.objects.filter(within("", COUNTY, place)).values_list("pk", "code", "name", "kind", "boundary"),
                              ["id", "code", "name", "kind", "boundary"])
    zone_towns = _outline_frame(
        Town.objects.filter(within("county", COUNTY, place), county__kind=County.Kind.ZONE).values_list("code", "county__code", "boundary"),
        ["code", "county_code", "boundary"],
    )
    counties = _fill_missing(counties, zone_towns, "county_code")
    rows = [tallies.get(pk, (0, 0, 0)) for pk in counties["id"]]
    counties["villages_total"] = np.array([row[0] for row in rows], dtype=np.int64)
    counties["villages_covered"] = np.array([row[1] for row in rows], dtype=np.int64)
    counties["villages_at_risk"] = np.array([row[2] for row in rows], dtype=np.int64)
    return counties.drop(columns="id")


# --- Industry map -------------------------------------------------------------------------------------

@dataclasses.dataclass
class IndustryMapData:
    counties: object  # GeoDataFrame: code, name, kind, geometry (zones outlined by their towns)
    panels: list  # maps.IndustryPanel per key industry: city key industries first, then by name
    notes: list


def industry_map_data(*, as_of, city) -> IndustryMapData:
    """Which team covers each key industry in each county-level unit of a city on as_of, with the units' outlines.

    Coverage is coverage_for's (`industry_units`): a city key industry is covered city-wide by any
    running team assignment; a county key industry in a unit by a running assignment that is
    city-wide or lists the unit. Six queries, whatever the number of units, industries or teams.
    """
    place = Place(city)
    # Query 1: the city's county-level units; 2: the towns of its development zones, which outline them;
    # 3: villages of zone towns that have no boundary either.
    counties = _outline_frame(County.objects.filter(city=city).values_list("code", "name", "kind", "boundary"),
                              ["code", "name", "kind", "boundary"])
    zone_towns = _outline_frame(
        Town.objects.filter(county__city=city, county__kind=County.Kind.ZONE).values_list("code", "county__code", "boundary"),
        ["code", "county_code", "boundary"],
    )
    zone_villages = _outline_frame(
        Village.objects.filter(town__county__city=city, town__county__kind=County.Kind.ZONE, town__boundary__isnull=True)
        .values_list("town__code", "boundary"),
        ["town_code", "boundary"],
    )
    zone_towns = _fill_missing(zone_towns, zone_villages, "town_code")
    counties = _fill_missing(counties, zone_towns, "county_code")
    # Query 4: whether zone outlines rest on the demo's made-up village geography.
    synthetic_zones = Village.objects.filter(town__county__city=city, town__county__kind=County.Kind.ZONE, synthetic=True).exists()

    # Query 5: coverage_for's key industry units, with the running assignments covering each.
    units = industry_units(as_of=as_of, place=place)
    # Query 6: the city's running team assignments, with the units an assignment is limited to (none: city-wide).
    teams = {}
    running = IndustryAssignment.objects.running_on(as_of).filter(industry__city=city).order_by("team__name", "counties__code")
    for industry_id, team, county_name in running.values_list("industry_id", "team__name", "counties__name"):
        teams.setdefault(industry_id, {}).setdefault(team, []).append(county_name)

    codes = list(counties["code"])
    industries = {}
    for unit in units:
        entry = industries.setdefault(unit.industry_id, {"name": unit.industry, "city": None, "counties": {}})
        if unit.county_code is None:
            entry["city"] = unit.covered
        else:
            entry["counties"][unit.county_code] = unit.covered
    panels = []
    for industry_id, entry in industries.items():
        statuses = {}
        if entry["city"] is not None:
            statuses = dict.fromkeys(codes, maps.COVERED if entry["city"] else maps.GAP)
        statuses.update({code: maps.COVERED if covered else maps.GAP for code, covered in entry["counties"].items()})
        lines = []
        for team, where in teams.get(industry_id, {}).items():
            if None in where:
                lines.append(_("%(team)s (city-wide)") % {"team": team})
            else:
                lines.append(_("%(team)s (%(counties)s)") % {"team": team, "counties": "、".join(where)})
        panels.append(maps.IndustryPanel(entry["name"], entry["city"] is not None, statuses, tuple(lines)))
    panels.sort(key=lambda panel: (not panel.city_key, panel.name))
    notes = []
    if synthetic_zones:
        notes.append(_("Development zone outlines are drawn from the demo's synthetic town and village boundaries."))
    return IndustryMapData(counties=counties, panels=panels, notes=notes)


def industry_layer(data: IndustryMapData):
    """One feature per key industry and county-level unit where it must be covered (EPSG:4490)."""
    import geopandas as gpd

    by_code = data.counties.set_index("code")
    rows = []
    for panel in data.panels:
        for code, status in sorted(panel.statuses.items()):
            rows.append({
                "industry": panel.name, "city_key": panel.city_key, "county_code": code,
                "county": by_code.at[code, "name"], "status": status, "covered": status == maps.COVERED,
                "teams": "; ".join(panel.teams), "geometry": by_code.at[code, "geometry"],
            })
    columns = ["industry", "city_key", "county_code", "county", "status", "covered", "teams", "geometry"]
    return gpd.GeoDataFrame(rows, columns=columns, geometry="geometry", crs=geometry.STORAGE_CRS)


def industry_map(*, as_of=None, place=EVERYWHERE, fmt="png") -> MapFile:
    """Key industry coverage by teams in one city: one small map per key industry, or a GIS layer of it.

    Anyone who may see the city's coverage may call it (check_map_request says which place is a
    city). Reads only.
    """
    city = check_map_request(kind=INDUSTRIES, fmt=fmt, place=place).division
    as_of = as_of or timezone.localdate()
    data = industry_map_data(as_of=as_of, city=city)
    filename = f"industry-coverage-{city.code}-{as_of.isoformat()}.{maps.EXTENSIONS[fmt]}"
    if fmt in maps.LAYER_FORMATS:
        content = maps.export_layer(industry_layer(data), fmt, layer="industry_coverage", shapefile_names=SHAPEFILE_NAMES)
    else:
        content = maps.render_industry_map(data.counties, data.panels, as_of=as_of, notes=data.notes, fmt=fmt)
    return MapFile(content, filename, maps.CONTENT_TYPES[fmt])
