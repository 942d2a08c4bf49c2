"""The Bengbu demo's geography: real county-level units and towns, synthetic villages.

The 7 civil county-level units (with their boundaries) and the 77 towns come from data/bengbu (see
SOURCE.md there); the two development zones and the towns they administer are set here. Village
names, codes and boundaries are not public, so they are made up: each civil county is split into
Voronoi cells, one per town, and each town cell into Voronoi cells, one per village or community.
Everything is drawn from one seeded generator, so a seed always gives the same rows.

This module knows nothing of specialists: `specialists.demo.bengbu` builds the people on top of it.
"""

import csv
import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import shapely
import shapely.ops
from django.db import transaction
from shapely.geometry import Point

from villages import geometry
from villages.models import City, County, Industry, Province, Town, Village

DATA_DIR = Path(__file__).resolve().parent / "data" / "bengbu"
SEED = 2022

# The demo city in its province (GB/T 2260).
PROVINCE, CITY = ("34", "安徽省"), ("3403", "蚌埠市")
LONGZIHU, BENGSHAN, YUHUI, HUAISHANG = "340302", "340303", "340304", "340311"
HUAIYUAN, WUHE, GUZHEN = "340321", "340322", "340323"
HIGH_TECH_ZONE, ECONOMIC_ZONE = "340371", "340372"

# Development zones administer towns that keep their civil (district) codes.
ZONES = (
    (HIGH_TECH_ZONE, "蚌埠高新技术产业开发区", ("340303201", "340303202", "340304100")),
    (ECONOMIC_ZONE, "蚌埠经济开发区", ("340302100", "340302200", "340302006")),
)

Category = Industry.Category
# (name, category, key industry of the city, county-level units where it is key)
KEY_INDUSTRIES = (
    ("优质小麦", Category.GRAIN, True, ()),
    ("农产品绿色加工", Category.PROCESSING, True, ()),
    ("农机装备", Category.MACHINERY, True, ()),
    ("糯稻", Category.GRAIN, False, (HUAIYUAN,)),
    ("石榴", Category.HORTICULTURE, False, (HUAIYUAN, YUHUI)),
    ("稻虾综合种养", Category.AQUACULTURE, False, (WUHE, HUAIYUAN)),
    ("螃蟹及水产养殖", Category.AQUACULTURE, False, (WUHE, LONGZIHU, HUAISHANG)),
    ("湖羊", Category.LIVESTOCK, False, (GUZHEN, HUAIYUAN)),
    ("畜牧养殖", Category.LIVESTOCK, False, (GUZHEN, WUHE)),
    ("鲜食玉米", Category.GRAIN, False, (HUAISHANG, GUZHEN)),
    ("设施蔬菜", Category.HORTICULTURE, False, (HUAISHANG, YUHUI, BENGSHAN, ECONOMIC_ZONE)),
    ("花生", Category.GRAIN, False, (GUZHEN, HUAIYUAN)),
    ("花卉苗木", Category.HORTICULTURE, False, (HIGH_TECH_ZONE,)),
)
# Wheat is grown all over the Huaibei plain: every village may list it beside its county's own industries.
STAPLE = "优质小麦"

# Administrative villages per managing unit (900 in all): most in the three rural counties. The
# districts' urban cores are subdistricts, which have communities only; 龙子湖区 and 蚌山区 keep no
# rural town of their own once the zones take theirs.
ADMINISTRATIVE_VILLAGES = {
    HUAIYUAN: 330, WUHE: 225, GUZHEN: 190, HUAISHANG: 70, YUHUI: 24, HIGH_TECH_ZONE: 33, ECONOMIC_ZONE: 28,
}

# Where each unit's urban core is: subdistricts and the county seat town cluster around it.
CITY_CENTRE = (117.389, 32.916)
COUNTY_SEATS = {HUAIYUAN: (117.195, 32.965), WUHE: (117.885, 33.140), GUZHEN: (117.315, 33.318)}
SEAT_TOWNS = {"340321113", "340322100", "340323100"}  # 榴城镇, 城关镇, 谷阳镇
# Share of the unit's area each urban town (subdistrict or seat town) takes in its urban core.
URBAN_SHARE_DISTRICT, URBAN_SHARE_COUNTY = 0.06, 0.012
CORE_GRAINS = 150

# Voronoi in longitude/latitude would stretch cells east-west by 1/cos(latitude): seeds and cells
# are drawn in a local frame with x = longitude * cos(33°), which is near enough equidistant here.
_X_SCALE = math.cos(math.radians(33.0))

SURNAMES = (
    "张李王刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许沈曾彭吕苏卢蒋蔡贾丁魏薛叶"
    "余潘杜戴夏汪田任姜范方石姚谭邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟万段钱汤尹常武乔贺龚葛褚鲍"
)
PLACE_WORDS = "柳枣桃梨杏槐榆桑荆涂沱浍淝芡龙凤鹿马牛羊黄青白红石沙花荷蒲芦苇菱藕"
DIRECTIONS = "东西南北前后大小新老上下"
SUFFIXES = "庄庄庄圩圩湖集集岗郢郢台楼桥店营湾塘洼沟寨"
COMMUNITY_WORDS = (
    "淮河 文昌 振兴 幸福 和平 新华 光明 团结 东风 朝阳 建设 胜利 前进 凤凰 龙湖 荆山 涂山 禹王 锦绣 阳光 "
    "春晖 花园 南湖 北湖 解放 红旗 兴隆 华源 书香 翠苑 金山 银河 长安 滨河 桥北 桥南 站前 商贸 育才 青年 "
    "东升 西城 惠民 康乐 民生 明珠 富民 和谐 新城 龙泉 丰收 迎宾 友谊 人民 工农 东方 永安 安康 秀水 榴园"
).split()


@dataclasses.dataclass
class DemoGeography:
    """Unsaved rows of the demo's geography, with what the people part needs to know about them."""

    province: Province
    city: City
    counties: list[County]
    towns: list[Town]
    villages: list[Village]  # administrative villages and communities
    industries: list[Industry]
    industry_counties: dict[str, tuple[str, ...]]  # industry name -> codes of the units where it is key
    village_industries: dict[str, tuple[str, ...]]  # village code -> names of its main industries

    @property
    def administrative_villages(self):
        return [village for village in self.villages if village.kind == Village.Kind.VILLAGE]

    def county_industries(self, county_code):
        """Names of the key industries of a county-level unit, in KEY_INDUSTRIES order."""
        return [name for name, codes in self.industry_counties.items() if county_code in codes]


def town_kind(name):
    if name.endswith("街道"):
        return Town.Kind.SUBDISTRICT
    if name.endswith("乡"):  # also 回族乡
        return Town.Kind.TOWNSHIP
    return Town.Kind.TOWN


def county_kind(name):
    return County.Kind.COUNTY if name.endswith("县") else County.Kind.DISTRICT


def _to_local(geom):
    return shapely.transform(geom, lambda xy: xy * (_X_SCALE, 1.0))


def _to_lonlat(geom):
    return shapely.transform(geom, lambda xy: xy / (_X_SCALE, 1.0))


def _polygonal(geom):
    """The polygonal part of a geometry, made valid: intersections may leave slivers, lines or points."""
    geom = shapely.make_valid(geom)
    parts = shapely.get_parts(shapely.get_parts(geom))
    polygons = [part for part in parts if part.geom_type == "Polygon"]
    # Overlay arithmetic leaves crumbs a trillionth of the shape's size where edges nearly coincide.
    total = sum(polygon.area for polygon in polygons)
    polygons = [polygon for polygon in polygons if polygon.area > total * 1e-9]
    result = shapely.union_all(polygons)
    return result if result.is_valid else shapely.make_valid(result.buffer(0))


def apportion(total, weights, minimum=0):
    """Split a whole number by weights (largest remainder), each share at least minimum."""
    weights = np.asarray(weights, dtype=float)
    rest = total - minimum * len(weights)
    quota = rest * weights / weights.sum()
    shares = np.floor(quota).astype(int)
    order = np.argsort(-(quota - shares), kind="stable")
    shares[order[: rest - shares.sum()]] += 1
    return [int(share) + minimum for share in shares]


def _scatter(rng, region_local, n, *, spacing):
    """n seeded points inside a local-frame region, about `spacing` apart (relaxed when crowded)."""
    shapely.prepare(region_local)
    low, high = region_local.bounds[:2], region_local.bounds[2:]
    points = []
    rounds = 0
    while len(points) < n:
        candidates = rng.uniform(low, high, size=(64, 2))
        inside = shapely.contains_xy(region_local, candidates[:, 0], candidates[:, 1])
        for candidate in candidates[inside]:
            if not points or np.min(np.hypot(*(np.asarray(points) - candidate).T)) >= spacing:
                points.append(candidate)
                if len(points) == n:
                    break
        rounds += 1
        if rounds % 8 == 0:
            spacing *= 0.8
    return np.array(points)


def _cells(region, seeds_local):
    """Voronoi cells of local-frame seeds, back in longitude/latitude, clipped to the region; one per seed."""
    if len(seeds_local) == 1:
        return [region]
    diagram = shapely.voronoi_polygons(
        shapely.multipoints(seeds_local), extend_to=_to_local(region), ordered=True,
    )
    cells = _to_lonlat(shapely.get_parts(diagram))
    # Clipping in longitude/latitude against the stored region keeps every cell exactly inside it.
    return [_polygonal(shapely.intersection(cell, region)) for cell in cells]


def _relax(region, seeds_local, rounds=2):
    """Lloyd relaxation: move the seeds to their cells' centroids, for evenly sized cells."""
    seeds = np.array(seeds_local, dtype=float)
    for _round in range(rounds):
        cells = _cells(region, seeds)
        for i, cell in enumerate(cells):
            centre = cell.centroid if cell.contains(cell.centroid) else cell.representative_point()
            seeds[i] = np.asarray(_to_local(centre).coords[0])
    return seeds


def _village_name(rng, taken):
    while True:
        pattern = rng.random()
        suffix = SUFFIXES[rng.integers(len(SUFFIXES))]
        if pattern < 0.55:
            stem = SURNAMES[rng.integers(len(SURNAMES))]
        elif pattern < 0.75:
            stem = DIRECTIONS[rng.integers(len(DIRECTIONS))] + SURNAMES[rng.integers(len(SURNAMES))]
        else:
            stem = PLACE_WORDS[rng.integers(len(PLACE_WORDS))]
        name = f"{stem}{suffix}村"
        if name not in taken:
            taken.add(name)
            return name


def _community_name(rng, taken):
    while True:
        name = COMMUNITY_WORDS[rng.integers(len(COMMUNITY_WORDS))] + "社区"
        if name not in taken:
            taken.add(name)
            return name


def _read_counties():
    with open(DATA_DIR / "counties.geojson", encoding="utf-8") as handle:
        features = json.load(handle)["features"]
    return sorted(
        ((f["properties"]["code"], f["properties"]["name"], shapely.geometry.shape(f["geometry"])) for f in features),
        key=lambda row: row[0],
    )


def _read_towns():
    with open(DATA_DIR / "towns.csv", encoding="utf-8", newline="") as handle:
        return sorted(((row["code"], row["name"]) for row in csv.DictReader(handle)), key=lambda row: row[0])


def _seat(code, shape):
    """The point the unit's urban core gathers around: the county seat, or for a district the point nearest the city centre."""
    if code in COUNTY_SEATS:
        return Point(COUNTY_SEATS[code])
    return shapely.ops.nearest_points(shape, Point(CITY_CENTRE))[0]


def build_demo_geography(*, seed=SEED) -> DemoGeography:
    """Compute the demo's counties, towns, villages and key industries as unsaved rows. Reads no database."""
    rng = np.random.default_rng(seed)
    zone_of_town = {town: code for code, _name, towns in ZONES for town in towns}

    province = Province(code=PROVINCE[0], name=PROVINCE[1])
    city = City(code=CITY[0], name=CITY[1], province=province)
    civil = _read_counties()
    counties = {
        code: County(code=code, name=name, kind=county_kind(name), city=city, boundary=geometry.to_wkb(shape))
        for code, name, shape in civil
    }
    shapes = {code: shape for code, _name, shape in civil}
    for code, name, _towns in ZONES:
        counties[code] = County(code=code, name=name, kind=County.Kind.ZONE, city=city, boundary=None)

    industries = [
        Industry(name=name, category=category, is_city_key=city_key, city=city) for name, category, city_key, _c in KEY_INDUSTRIES
    ]
    industry_counties = {name: codes for name, _category, _city, codes in KEY_INDUSTRIES}

    towns_by_civil = {}
    for code, name in _read_towns():
        towns_by_civil.setdefault(code[:6], []).append((code, name))

    # Town cells: one Voronoi cell per town of the civil county, zone towns included (they lie in
    # their district). The subdistricts and the seat town share a small urban core around the seat,
    # the other towns the rest of the county.
    town_cells, town_centres = {}, {}
    for civil_code, shape in shapes.items():
        rows = towns_by_civil[civil_code]
        urban = [i for i, (code, name) in enumerate(rows) if town_kind(name) == Town.Kind.SUBDISTRICT or code in SEAT_TOWNS]
        rural = [i for i in range(len(rows)) if i not in urban]
        regions, rest = [], shape
        if urban:
            # The core is a blob of small cells nearest the seat, so that it does not look drawn with compasses.
            share = (URBAN_SHARE_COUNTY if civil_code in COUNTY_SEATS else URBAN_SHARE_DISTRICT) * len(urban)
            local = _to_local(shape)
            grains = _scatter(rng, local, CORE_GRAINS, spacing=0.6 * math.sqrt(local.area / CORE_GRAINS))
            seat = np.asarray(_to_local(_seat(civil_code, shape)).coords[0])
            nearest = np.argsort(np.hypot(*(grains - seat).T), kind="stable")[: max(len(urban), round(share * CORE_GRAINS))]
            grain_cells = _cells(shape, grains)
            core = _polygonal(shapely.union_all([grain_cells[i] for i in nearest]))
            regions.append((urban, core))
            rest = _polygonal(shapely.difference(shape, core))
        if rural:
            regions.append((rural, rest))
        for members, region in regions:
            local = _to_local(region)
            seeds = _scatter(rng, local, len(members), spacing=0.6 * math.sqrt(local.area / len(members)))
            seeds = _relax(region, seeds)
            for i, cell, centre in zip(members, _cells(region, seeds), seeds):
                town_cells[rows[i][0]] = cell
                town_centres[rows[i][0]] = centre

    towns = []
    for civil_code in sorted(towns_by_civil):
        for code, name in towns_by_civil[civil_code]:
            manager = counties[zone_of_town.get(code, civil_code)]
            towns.append(Town(
                code=code, name=name, kind=town_kind(name), county=manager, boundary=geometry.to_wkb(town_cells[code]),
            ))

    # Administrative villages per rural town: the unit's total shared by town area, give or take.
    village_counts = {}
    for manager_code, total in ADMINISTRATIVE_VILLAGES.items():
        rural = [t for t in towns if t.county.code == manager_code and t.kind != Town.Kind.SUBDISTRICT]
        weights = [town_cells[t.code].area ** 0.8 * rng.uniform(0.85, 1.15) for t in rural]
        village_counts.update(zip((t.code for t in rural), apportion(total, weights, minimum=4)))

    villages, village_industries = [], {}
    for town in towns:
        n_villages = village_counts.get(town.code, 0)
        n_communities = {
            Town.Kind.SUBDISTRICT: int(rng.integers(3, 9)),
            Town.Kind.TOWN: int(rng.integers(1, 3)),
            Town.Kind.TOWNSHIP: int(rng.integers(0, 2)),
        }[town.kind]
        cell = town_cells[town.code]
        local = _to_local(cell)
        n = n_villages + n_communities
        seeds = _scatter(rng, local, n, spacing=0.7 * math.sqrt(local.area / n))
        seeds = _relax(cell, seeds)
        # Communities are the town's seat: the cells nearest the town's own centre.
        by_distance = np.argsort(np.hypot(*(seeds - town_centres[town.code]).T), kind="stable")
        community_ix, village_ix = by_distance[:n_communities], by_distance[n_communities:]
        cells = _cells(cell, seeds)

        # Codes run from north-west to south-east, as a statistician numbering a map would.
        north_west_first = {i: (-seeds[i][1], seeds[i][0]) for i in range(n)}.__getitem__

        names = set()
        for number, i in enumerate(sorted(community_ix, key=north_west_first), start=1):
            villages.append(_village(town, f"{town.code}{number:03d}", _community_name(rng, names), Village.Kind.COMMUNITY, cells[i]))

        pool = town.county.code
        own = [name for name, codes in industry_counties.items() if pool in codes]
        options = own + [STAPLE]
        # Each town leans on one specialty, so that villages of a town share industries, as they do.
        specialty = options[int(rng.integers(len(own)))] if own else STAPLE
        weights = np.array([3.0 if name == specialty else (0.7 if name == STAPLE else 1.0) for name in options])
        for number, i in enumerate(sorted(village_ix, key=north_west_first), start=200):
            village = _village(town, f"{town.code}{number:03d}", _village_name(rng, names), Village.Kind.VILLAGE, cells[i])
            villages.append(village)
            first = int(rng.choice(len(options), p=weights / weights.sum()))
            chosen = [options[first]]
            if len(options) > 1 and rng.random() < 0.5:
                rest = [j for j in range(len(options)) if j != first]
                chosen.append(options[rest[int(rng.integers(len(rest)))]])
            village_industries[village.code] = tuple(chosen)

    return DemoGeography(
        province=province, city=city, counties=[counties[code] for code in sorted(counties)], towns=towns, villages=villages,
        industries=industries, industry_counties=industry_counties, village_industries=village_industries,
    )


def _village(town, code, name, kind, cell):
    point = cell.representative_point()
    return Village(
        code=code, name=name, kind=kind, town=town, boundary=geometry.to_wkb(cell),
        lon=round(point.x, 6), lat=round(point.y, 6), synthetic=True,
    )


def save_demo_geography(*, geography: DemoGeography) -> None:
    """Insert the demo geography's rows (one transaction). For specialists.demo.bengbu.load_demo and tests.

    Assumes none of the rows exist: load_demo checks that before calling.
    """
    with transaction.atomic():
        geography.province.save(force_insert=True)
        geography.city.save(force_insert=True)
        County.objects.bulk_create(geography.counties)
        Industry.objects.bulk_create(geography.industries)
        county_ids = {county.code: county.pk for county in geography.counties}
        industry_ids = {industry.name: industry.pk for industry in geography.industries}
        Industry.key_counties.through.objects.bulk_create([
            Industry.key_counties.through(industry_id=industry_ids[name], county_id=county_ids[code])
            for name, codes in geography.industry_counties.items() for code in codes
        ])
        Town.objects.bulk_create(geography.towns)
        Village.objects.bulk_create(geography.villages, batch_size=500)
        Village.industries.through.objects.bulk_create([
            Village.industries.through(village_id=village.pk, industry_id=industry_ids[name])
            for village in geography.villages for name in geography.village_industries.get(village.code, ())
        ])
