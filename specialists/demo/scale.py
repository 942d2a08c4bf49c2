"""Synthetic data at province and national scale, for benchmarks and load tests.

A grid of square county-level units, each split into rows of towns and squares of villages, with
specialists, village assignments (some ended, some ending soon, some held by suspended
specialists), key industries and teams. Rows go in with raw bulk inserts (COPY on PostgreSQL)
because the ORM's per-object overhead would dominate at a million rows.
"""

import dataclasses
import datetime
import math

import numpy as np
import shapely
from django.db import connection, transaction

from specialists.assignments.models import IndustryAssignment, VillageAssignment
from specialists.people.models import Organisation, Specialist, Team, TeamMembership
from specialists.coverage.spans import rebuild_coverage_spans
from villages.models import City, County, Industry, Province, Town, Village

VILLAGES_PER_SIDE = 14  # a county-level unit is 14 x 14 villages: 14 towns of 14 villages
COUNTY_DEGREES = 0.5
# China has about 2,850 county-level units in 333 prefecture-level units in 31 provinces.
COUNTIES_PER_CITY = 8
CITIES_PER_PROVINCE = 11
# Key industries of each city: the first CITY_KEY_INDUSTRIES key city-wide, the others in a third of its units.
INDUSTRIES_PER_CITY, CITY_KEY_INDUSTRIES = 10, 3
# Province codes the generator uses, none of them the demo's (34): 70-89, then 50-69, then 10-33.
PROVINCE_CODES = [str(n) for n in (*range(70, 90), *range(50, 70), *range(10, 34))]

SCALES = {
    "city": dict(villages=1_000, specialists=1_000, assignments=1_600),
    "province": dict(villages=15_000, specialists=10_000, assignments=30_000),
    "national": dict(villages=490_000, specialists=300_000, assignments=1_000_000),
}


@dataclasses.dataclass
class GeneratedCounts:
    counties: int
    towns: int
    villages: int
    specialists: int
    assignments: int
    teams: int


def _table(model):
    return model._meta.db_table


def _next_id(model):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(_table(model))}")
        return cursor.fetchone()[0] + 1


def bulk_insert(model_or_table, columns, rows):
    """Insert many rows fast: COPY on PostgreSQL, executemany elsewhere. Rows are tuples."""
    table = model_or_table if isinstance(model_or_table, str) else _table(model_or_table)
    quote = connection.ops.quote_name
    cols = ", ".join(quote(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {quote(table)} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {quote(table)} ({cols}) VALUES ({marks})", list(rows))


def _reset_sequences(models):
    if connection.vendor != "postgresql":
        return
    from django.core.management.color import no_style

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)


def _square_wkb(x0, y0, size):
    """WKB MultiPolygons of axis-aligned squares with lower-left corners (x0, y0), vectorised."""
    x1, y1 = x0 + size, y0 + size
    rings = np.stack([np.stack([x0, y0], -1), np.stack([x1, y0], -1), np.stack([x1, y1], -1),
                      np.stack([x0, y1], -1), np.stack([x0, y0], -1)], axis=1)
    polygons = shapely.polygons(rings)
    multi = shapely.multipolygons(polygons.reshape(-1, 1)) if len(polygons) else polygons
    return shapely.to_wkb(multi)


def generate(*, villages, specialists, assignments, seed=7, as_of=None) -> GeneratedCounts:
    """Add a synthetic country of the given size to the database, in one transaction.

    For benchmarks: run it on an empty database of its own. Its provinces take the codes in
    PROVINCE_CODES, never the demo's; each holds CITIES_PER_PROVINCE cities of COUNTIES_PER_CITY
    county-level units (fewer in the last).
    """
    rng = np.random.default_rng(seed)
    as_of = as_of or datetime.date(2022, 6, 30)
    per_county = VILLAGES_PER_SIDE * VILLAGES_PER_SIDE
    n_counties = math.ceil(villages / per_county)
    grid_cols = math.ceil(math.sqrt(n_counties * 1.2))
    village_size = COUNTY_DEGREES / VILLAGES_PER_SIDE

    n_cities = math.ceil(n_counties / COUNTIES_PER_CITY)
    n_provinces = math.ceil(n_cities / CITIES_PER_PROVINCE)
    if n_provinces > len(PROVINCE_CODES):
        raise ValueError(f"{villages} villages need {n_provinces} provinces; the generator has codes for {len(PROVINCE_CODES)}")

    with transaction.atomic():
        province_id0, city_id0 = _next_id(Province), _next_id(City)
        county_id0, town_id0, village_id0 = _next_id(County), _next_id(Town), _next_id(Village)
        spec_id0, org_id0, ind_id0, team_id0 = _next_id(Specialist), _next_id(Organisation), _next_id(Industry), _next_id(Team)

        # County-level units on a grid from (80E, 22N); each is COUNTY_DEGREES square.
        c_idx = np.arange(n_counties)
        c_x = 80.0 + (c_idx % grid_cols) * COUNTY_DEGREES
        c_y = 22.0 + (c_idx // grid_cols) * COUNTY_DEGREES
        # The tree above them: provinces of cities of county-level units, codes extending their parents'.
        bulk_insert(Province, ["id", "code", "name"], (
            (province_id0 + p, PROVINCE_CODES[p], f"合成省{p:02d}") for p in range(n_provinces)
        ))
        city_codes = [f"{PROVINCE_CODES[c // CITIES_PER_PROVINCE]}{c % CITIES_PER_PROVINCE + 1:02d}" for c in range(n_cities)]
        bulk_insert(City, ["id", "code", "name", "kind", "province_id"], (
            (city_id0 + c, city_codes[c], f"合成市{c:03d}", "city", province_id0 + c // CITIES_PER_PROVINCE) for c in range(n_cities)
        ))
        c_city = c_idx // COUNTIES_PER_CITY
        county_codes = [f"{city_codes[c_city[i]]}{i % COUNTIES_PER_CITY + 1:02d}" for i in c_idx]
        county_wkb = _square_wkb(c_x, c_y, COUNTY_DEGREES)
        bulk_insert(County, ["id", "code", "name", "kind", "city_id", "boundary"], (
            (county_id0 + i, county_codes[i], f"合成县{i:05d}", "county", city_id0 + int(c_city[i]), county_wkb[i])
            for i in range(n_counties)
        ))

        # Towns: one per row of villages in each county.
        n_towns = n_counties * VILLAGES_PER_SIDE
        t_idx = np.arange(n_towns)
        t_county = t_idx // VILLAGES_PER_SIDE
        t_row = t_idx % VILLAGES_PER_SIDE
        town_wkb = shapely.to_wkb(shapely.multipolygons(shapely.box(
            c_x[t_county], c_y[t_county] + t_row * village_size,
            c_x[t_county] + COUNTY_DEGREES, c_y[t_county] + (t_row + 1) * village_size,
        ).reshape(-1, 1)))
        bulk_insert(Town, ["id", "code", "name", "kind", "county_id", "boundary"], (
            (town_id0 + i, f"{county_codes[t_county[i]]}{t_row[i] + 100:03d}", f"合成镇{i:06d}", "town",
             county_id0 + int(t_county[i]), town_wkb[i]) for i in range(n_towns)
        ))

        # Villages: the first `villages` squares, row by row.
        v_idx = np.arange(villages)
        v_town = v_idx // VILLAGES_PER_SIDE
        v_col = v_idx % VILLAGES_PER_SIDE
        v_county = v_town // VILLAGES_PER_SIDE
        v_x0 = c_x[v_county] + v_col * village_size
        v_y0 = c_y[v_county] + (v_town % VILLAGES_PER_SIDE) * village_size
        village_wkb = _square_wkb(v_x0, v_y0, village_size)
        half = village_size / 2
        bulk_insert(Village, ["id", "code", "name", "kind", "town_id", "boundary", "lon", "lat", "synthetic"], (
            (village_id0 + i, f"{county_codes[v_county[i]]}{v_town[i] % VILLAGES_PER_SIDE + 100:03d}{v_col[i] + 200:03d}",
             f"合成村{i:06d}", "village", town_id0 + int(v_town[i]), village_wkb[i],
             float(v_x0[i] + half), float(v_y0[i] + half), True) for i in range(villages)
        ))

        # Key industries: INDUSTRIES_PER_CITY per city; the first CITY_KEY_INDUSTRIES key city-wide, each
        # other one key in a random third of its city's county-level units.
        n_industries = n_cities * INDUSTRIES_PER_CITY
        i_city = np.arange(n_industries) // INDUSTRIES_PER_CITY
        bulk_insert(Industry, ["id", "name", "category", "is_city_key", "city_id"], (
            (ind_id0 + i, f"合成产业{i % INDUSTRIES_PER_CITY:02d}", "other", i % INDUSTRIES_PER_CITY < CITY_KEY_INDUSTRIES,
             city_id0 + int(i_city[i])) for i in range(n_industries)
        ))
        key_rows = []
        for i in range(n_industries):
            if i % INDUSTRIES_PER_CITY < CITY_KEY_INDUSTRIES:
                continue
            units = np.flatnonzero(c_city == i_city[i])
            chosen = rng.choice(units, size=max(1, len(units) // 3), replace=False)
            key_rows.extend((ind_id0 + i, county_id0 + int(c)) for c in chosen)
        bulk_insert(Industry.key_counties.through, ["industry_id", "county_id"], key_rows)

        # Specialists: 95% active, the rest suspended or withdrawn; each from one of 200 organisations.
        n_orgs = 200
        bulk_insert(Organisation, ["id", "name", "kind", "credit_code"], ((org_id0 + i, f"合成单位{i:03d}", "university", "") for i in range(n_orgs)))
        status = rng.choice(["active", "suspended", "withdrawn"], size=specialists, p=[0.95, 0.03, 0.02])
        spec_org = rng.integers(0, n_orgs, size=specialists)
        now = datetime.datetime.now(datetime.timezone.utc)
        bulk_insert(Specialist, ["id", "name", "kind", "gender", "mobile", "id_number", "organisation_id", "title",
                                 "year_selected", "status", "created_at", "political_status", "education"], (
            (spec_id0 + i, f"特派员{i:06d}", "individual", "male" if i % 2 else "female", f"13{i:09d}", "",
             org_id0 + int(spec_org[i]), "", 2022, str(status[i]), now, "", "") for i in range(specialists)
        ))

        # Village assignments: every village gets one from a nearby specialist slot, then the rest at
        # random; 4% ended before as_of, 3% ending within 30 days, 2% starting after as_of.
        extra = max(0, assignments - villages)
        v_for = np.concatenate([np.arange(villages), rng.integers(0, villages, size=extra)])[:assignments]
        s_for = np.concatenate([
            (np.arange(villages) * specialists // max(villages, 1)) % specialists,
            # Extra assignments go round the specialists in a shuffled order, so loads stay even
            # (a few villages each), as a bureau would spread them.
            rng.permutation(specialists)[np.arange(extra) % specialists],
        ])[:assignments]
        fate = rng.random(len(v_for))
        start = np.where(fate > 0.98, as_of + datetime.timedelta(days=10), datetime.date(2022, 3, 1))
        end = np.full(len(v_for), None, dtype=object)
        end[fate < 0.04] = as_of - datetime.timedelta(days=5)
        end[(fate >= 0.04) & (fate < 0.07)] = as_of + datetime.timedelta(days=20)
        # The open-ended (specialist, village) pair must be unique: keep the first of any repeat.
        pairs = s_for.astype(np.int64) * (villages + 1) + v_for
        open_mask = np.array([e is None for e in end])
        _, first = np.unique(pairs[open_mask], return_index=True)
        keep = np.ones(len(v_for), dtype=bool)
        open_positions = np.flatnonzero(open_mask)
        dup = np.ones(len(open_positions), dtype=bool)
        dup[first] = False
        keep[open_positions[dup]] = False
        # Closed ranges of a repeated pair could overlap too: keep only one row per pair overall.
        _, first_any = np.unique(pairs, return_index=True)
        unique_rows = np.zeros(len(v_for), dtype=bool)
        unique_rows[first_any] = True
        keep &= unique_rows
        rows = [
            (spec_id0 + int(s_for[i]), village_id0 + int(v_for[i]), start[i], end[i], "")
            for i in np.flatnonzero(keep)
        ]
        bulk_insert(VillageAssignment, ["specialist_id", "village_id", "start_date", "end_date", "note"], rows)

        # Teams: one per 150 counties (at least 21), each assigned to two industries, half limited to a few counties.
        n_teams = max(21, n_counties // 150)
        bulk_insert(Team, ["id", "name", "lead_organisation_id", "leader_id", "level", "year_selected"], (
            (team_id0 + i, f"合成特派团{i:04d}", org_id0 + i % n_orgs, spec_id0 + i, "city", 2022) for i in range(n_teams)
        ))
        bulk_insert(TeamMembership, ["team_id", "specialist_id", "role"], ((team_id0 + i, spec_id0 + i, "leader") for i in range(n_teams)))
        ia_id0 = _next_id(IndustryAssignment)
        ia_rows, limit_rows = [], []
        for i in range(n_teams):
            for k in range(2):
                ia_id = ia_id0 + len(ia_rows)
                ia_rows.append((ia_id, team_id0 + i, ind_id0 + (i * 2 + k) % n_industries, datetime.date(2022, 3, 1), None))
                if i % 2:
                    # Limited to a few units of the industry's own city.
                    units = np.flatnonzero(c_city == i_city[(i * 2 + k) % n_industries])
                    limit_rows.extend((ia_id, county_id0 + int(c)) for c in rng.choice(units, size=min(5, len(units)), replace=False))
        bulk_insert(IndustryAssignment, ["id", "team_id", "industry_id", "start_date", "end_date"], ia_rows)
        bulk_insert(IndustryAssignment.counties.through, ["industryassignment_id", "county_id"], limit_rows)

        _reset_sequences([Province, City, County, Town, Village, Industry, Organisation, Specialist, Team, IndustryAssignment])
        # Raw inserts send no signals: build the coverage spans of the new villages here (in one
        # pass over everything when the database held no villages before, far faster than by ids).
        if Village.objects.filter(pk__lt=village_id0).exists():
            rebuild_coverage_spans(village_ids=range(village_id0, village_id0 + villages))
        else:
            rebuild_coverage_spans()

    return GeneratedCounts(n_counties, n_towns, villages, specialists, len(rows), n_teams)
