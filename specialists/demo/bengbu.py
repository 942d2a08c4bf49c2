"""The Bengbu demo: the city's 2022 specialist system on its real divisions and synthetic villages.

`load_demo()` loads it. Its totals are the bureau's own 2022 figures (975 specialists, 107 of them
college students, 10 rated provincial excellent, 21 teams of 231 people, 130 economic entities,
48,000,000 and 27,850,000 yuan of income increases, 35 industry problems and 29 countermeasures),
with dual coverage complete. Everything below those totals (who, where, how much each) is made up
from seeded random draws, so every load gives the same rows.
"""

import dataclasses
import datetime
import uuid

import numpy as np
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from specialists.demo import names
from specialists.fieldwork.achievements import submission_fingerprint
from specialists.access.models import UserRole
from specialists.assignments.models import IndustryAssignment, VillageAssignment
from specialists.fieldwork.models import Achievement, Countermeasure, Enterprise, IncomeIncrease, IndustryProblem
from specialists.people.models import Honour, Organisation, Specialist, Team, TeamMembership
from specialists.coverage.spans import rebuild_coverage_spans
from specialists.people.validators import CREDIT_CODE_CHARS, credit_code_check_char, id_number_check_char
from villages import demo as geography_demo
from villages.demo import ADMINISTRATIVE_VILLAGES, HUAIYUAN, WUHE, apportion, build_demo_geography, save_demo_geography
from villages.models import City, County, Industry, Province, Town, Village

SEED = geography_demo.SEED
YEAR = 2022
START = datetime.date(2022, 3, 1)
DEMO_PASSWORD = "tepai-demo"

SPECIALISTS = 975
COLLEGE_STUDENTS = 107
EXCELLENT = 10
ENTERPRISES = 130
INCOME_ROWS = 430
FARMER_YUAN = 48_000_000
COLLECTIVE_YUAN = 27_850_000

# Achievements (成果). Verified ones count in the figures, so only "four new" achievements and
# awards are verified: a verified income increase or economic entity would change the city's
# published totals above. Income increases and an economic entity wait for review in 怀远县, so that
# coordinator-huaiyuan has something to verify (and the totals move when they do).
ACHIEVEMENT_NAMESPACE = uuid.UUID("6b3e2f0a-9c41-4d2e-8a57-1f0c9d4b7e21")
BEIJING_TIME = datetime.timezone(datetime.timedelta(hours=8))
# (team index, kind, title, awarding body, award level, date): verified by the city coordinator,
# each for the leader of its team.
VERIFIED_ACHIEVEMENTS = (
    (0, Achievement.Kind.FOUR_NEW_VARIETY, "优质强筋小麦新品种示范推广", "", "", datetime.date(2022, 6, 10)),
    (3, Achievement.Kind.FOUR_NEW_VARIETY, "糯稻新品种示范种植", "", "", datetime.date(2022, 10, 15)),
    (10, Achievement.Kind.FOUR_NEW_VARIETY, "湖羊高繁殖力新品系推广", "", "", datetime.date(2022, 5, 25)),
    (4, Achievement.Kind.FOUR_NEW_TECHNOLOGY, "石榴避雨栽培与裂果防控技术", "", "", datetime.date(2022, 9, 5)),
    (8, Achievement.Kind.FOUR_NEW_TECHNOLOGY, "螃蟹生态养殖水质调控技术", "", "", datetime.date(2022, 8, 12)),
    (14, Achievement.Kind.FOUR_NEW_TECHNOLOGY, "花生单粒精播节本增效技术", "", "", datetime.date(2022, 6, 28)),
    (2, Achievement.Kind.FOUR_NEW_EQUIPMENT, "小麦植保无人机作业装备应用", "", "", datetime.date(2022, 4, 18)),
    (1, Achievement.Kind.FOUR_NEW_EQUIPMENT, "糯米制品低温烘干设备", "", "", datetime.date(2022, 11, 8)),
    (6, Achievement.Kind.FOUR_NEW_MODE, "稻虾共作“合作社+农户”订单种养模式", "", "", datetime.date(2022, 7, 20)),
    (13, Achievement.Kind.FOUR_NEW_MODE, "设施蔬菜“共享大棚”托管模式", "", "", datetime.date(2022, 3, 30)),
    (3, Achievement.Kind.AWARD, "安徽省科学技术进步奖三等奖（糯稻优质高产栽培）", "安徽省人民政府", Achievement.AwardLevel.PROVINCIAL, datetime.date(2022, 12, 10)),
    (0, Achievement.Kind.AWARD, "全国农牧渔业丰收奖农业技术推广成果奖", "农业农村部", Achievement.AwardLevel.NATIONAL, datetime.date(2022, 11, 25)),
    (11, Achievement.Kind.AWARD, "蚌埠市科学技术进步奖二等奖（畜禽健康养殖）", "蚌埠市人民政府", Achievement.AwardLevel.CITY, datetime.date(2022, 12, 2)),
)
DEMO_REJECT_REASON = "缺少机械购置和作业记录，请补充后重新提交。"

# (username, role or None for the superuser, county-level unit or None for city-wide). The specialist
# login is linked to a specialist serving villages of 怀远县.
LOGINS = (
    ("admin", None, None),
    ("coordinator", UserRole.Role.COORDINATOR, None),
    ("coordinator-huaiyuan", UserRole.Role.COORDINATOR, HUAIYUAN),
    ("leader", UserRole.Role.LEADER, None),
    ("leader-wuhe", UserRole.Role.LEADER, WUHE),
    ("specialist", UserRole.Role.SPECIALIST, None),
)

MOBILE_PREFIXES = (
    "130 131 132 133 135 136 137 138 139 150 151 152 153 155 156 157 158 159 166 176 177 180 181 182 183 "
    "185 186 187 188 189 191 198 199"
).split()
# GB 11714 organisation code: weights of its 8 characters, and the alphabet of a credit code's middle part.
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
CREDIT_KIND_PREFIX = {Enterprise.Kind.COMPANY: "91", Enterprise.Kind.FAMILY_FARM: "92", Enterprise.Kind.COOPERATIVE: "93"}


class DemoConflict(Exception):
    """The database holds data the demo would clash with; nothing was written."""


@dataclasses.dataclass
class DemoReport:
    loaded: bool  # False: the demo was already there and nothing changed
    counts: dict
    logins: list  # (username, what the login is)
    password: str = DEMO_PASSWORD


@dataclasses.dataclass
class Person:
    """A specialist being planned: the row, and what the later steps need to know about it."""

    kind: str
    county: str  # code of the managing county-level unit whose villages they serve
    organisation: str
    team: int | None = None
    role: str | None = None
    villages: list = dataclasses.field(default_factory=list)
    expertise: list = dataclasses.field(default_factory=list)
    row: Specialist | None = None


@dataclasses.dataclass
class DemoPeople:
    organisations: dict
    people: list
    teams: list
    memberships: list
    industry_assignments: list  # (IndustryAssignment, county codes)
    village_assignments: list
    honours: list
    enterprises: list
    incomes: list
    problems: list  # (IndustryProblem, countermeasure title or None)
    login_specialist: Person
    achievements: list = dataclasses.field(default_factory=list)  # (Achievement, reviewer's username or None)


def load_demo(*, seed=SEED) -> DemoReport:
    """Load the Bengbu demo into an empty database, in one transaction.

    For the `load_demo` command and tests. Safe to run twice: when the whole demo is already there
    it changes nothing and says so. Raises DemoConflict, writing nothing, when the database holds
    other Tepai data or part of the demo. Creates the demo logins (password DEMO_PASSWORD).
    """
    geography = build_demo_geography(seed=seed)
    people = plan_people(geography, seed=seed)
    with transaction.atomic():
        if _already_loaded(geography, people):
            return DemoReport(loaded=False, counts=demo_counts(), logins=_login_lines(geography, people))
        save_demo_geography(geography=geography)
        _save_specialists(people, geography)
        _save_teams(people, geography)
        _save_village_assignments(people)
        _save_results(people)
        _save_logins(people, geography)
        _save_achievements(people)
    return DemoReport(loaded=True, counts=demo_counts(), logins=_login_lines(geography, people))


def demo_counts() -> dict:
    return {
        "county_units": County.objects.count(),
        "towns": Town.objects.count(),
        "villages": Village.objects.filter(kind=Village.Kind.VILLAGE).count(),
        "communities": Village.objects.filter(kind=Village.Kind.COMMUNITY).count(),
        "key_industries": Industry.objects.count(),
        "organisations": Organisation.objects.count(),
        "specialists": Specialist.objects.count(),
        "teams": Team.objects.count(),
        "village_assignments": VillageAssignment.objects.count(),
        "enterprises": Enterprise.objects.count(),
    }


def _natural_keys(geography, people):
    return (
        (Province, "code", [geography.province.code]),
        (City, "code", [geography.city.code]),
        (County, "code", [county.code for county in geography.counties]),
        (Town, "code", [town.code for town in geography.towns]),
        (Village, "code", [village.code for village in geography.villages]),
        (Industry, "name", [industry.name for industry in geography.industries]),
        (Organisation, "name", list(people.organisations)),
        (Specialist, "mobile", [person.row.mobile for person in people.people]),
        (Team, "name", [team.name for team in people.teams]),
        (Enterprise, "credit_code", [enterprise.credit_code for enterprise in people.enterprises]),
        (Achievement, "uuid", [achievement.uuid for achievement, _reviewer in people.achievements]),
        (get_user_model(), "username", [username for username, _role, _county in LOGINS]),
    )


def _already_loaded(geography, people) -> bool:
    """True when every demo row is there; raise DemoConflict when anything but nothing or everything is."""
    found, partial = {}, []
    for model, field, keys in _natural_keys(geography, people):
        found[model] = model.objects.filter(**{f"{field}__in": keys}).count()
        if found[model] != len(keys):
            partial.append((model, found[model], len(keys)))
    if not partial:
        return True
    if any(found.values()):
        details = "; ".join(
            _("%(what)s: %(found)s of %(total)s") % {"what": model._meta.verbose_name_plural, "found": n, "total": total}
            for model, n, total in partial
        )
        raise DemoConflict(
            _("The database already holds part of the Bengbu demo, or other rows with its codes, names or "
              "usernames (%(details)s). Nothing was loaded: load the demo into an empty database.") % {"details": details}
        )
    others = [
        (model, model.objects.count())
        for model in (Province, City, County, Town, Village, Industry, Organisation, Specialist, Team, Enterprise)
    ]
    others = [(model, n) for model, n in others if n]
    if others:
        details = ", ".join(f"{n} {model._meta.verbose_name_plural}" for model, n in others)
        raise DemoConflict(
            _("The database already holds Tepai data that is not the Bengbu demo (%(details)s); the demo would "
              "mix with it. Nothing was loaded: load the demo into an empty database.") % {"details": details}
        )
    return False


# --- planning: every random draw happens here, before anything is written -------------------------

def _weighted(rng, pairs):
    values, weights = zip(*pairs)
    weights = np.asarray(weights, dtype=float)
    return values[int(rng.choice(len(values), p=weights / weights.sum()))]


def _gb11714_check(code8):
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(code8, ORG_CODE_WEIGHTS))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def credit_code(kind, area_code, body6):
    """A unified social credit code: registering body and kind, area, organisation code (GB 11714), check character.

    The organisation code is of the "MA" series issued since 2015, with its own GB 11714 check character.
    """
    org_code = "MA" + body6
    org_code += _gb11714_check(org_code)
    first17 = CREDIT_KIND_PREFIX[kind] + area_code + org_code
    return first17 + credit_code_check_char(first17)


def id_number(area_code, birth, sequence):
    """An 18-digit citizen ID number: area, birth date, 3-digit sequence (odd for men), GB 11643 check character."""
    first17 = f"{area_code}{birth:%Y%m%d}{sequence:03d}"
    return first17 + id_number_check_char(first17)


def plan_people(geography, *, seed=SEED) -> DemoPeople:
    """Plan every person-side row of the demo as unsaved model instances. Reads no database."""
    rng = np.random.default_rng([seed, 1])  # a stream of its own, apart from the geography's
    org_rows = {name: (kind, county) for name, kind, county in names.ORGANISATIONS}
    organisations = {name: Organisation(name=name, kind=kind) for name, (kind, _c) in org_rows.items()}
    villages_of = {code: [] for code in ADMINISTRATIVE_VILLAGES}
    for village in geography.administrative_villages:
        villages_of[village.town.county.code].append(village)

    # Specialists per unit, in proportion to its villages; each person serves villages of one unit.
    codes = list(ADMINISTRATIVE_VILLAGES)
    slots = dict(zip(codes, apportion(SPECIALISTS, [len(villages_of[code]) for code in codes])))

    def take_county(allowed=None):
        allowed = [c for c in (allowed or codes) if slots.get(c, 0) > 0] or [c for c in codes if slots[c] > 0]
        code = _weighted(rng, [(c, slots[c]) for c in allowed])
        slots[code] -= 1
        return code

    def local_organisation(county, kinds):
        local = [n for n, (k, c) in org_rows.items() if k in kinds and c == county]
        city = [n for n, (k, c) in org_rows.items() if k in kinds and c is None]
        pool = local if local and rng.random() < 0.75 else city
        return pool[int(rng.integers(len(pool)))]

    people = []
    for t, (_name, lead, _level, size, industries) in enumerate(names.TEAMS):
        team_counties = [c for _i, counties in industries for c in counties if c in slots]
        deputies = 1 + int(rng.random() < 0.5)
        for m in range(size):
            county = take_county(None if any(not counties for _i, counties in industries) else team_counties)
            organisation = lead if m == 0 or rng.random() < 0.6 else local_organisation(county, ("extension", "enterprise", "institute"))
            role = TeamMembership.Role.LEADER if m == 0 else (TeamMembership.Role.DEPUTY if m <= deputies else TeamMembership.Role.MEMBER)
            people.append(Person(Specialist.Kind.INDIVIDUAL, county, organisation, team=t, role=role))
    for organisation in names.CORPORATE_SPECIALISTS:
        people.append(Person(Specialist.Kind.CORPORATE, take_county([org_rows[organisation][1]]), organisation))
    for _i in range(COLLEGE_STUDENTS):
        people.append(Person(Specialist.Kind.COLLEGE_STUDENT, take_county(), _weighted(rng, names.STUDENT_UNIVERSITIES)))
    rest = [code for code in codes for _i in range(slots[code])]
    for index in rng.permutation(len(rest)):
        county = rest[index]
        kind = _weighted(rng, (("extension", 35), ("university", 15), ("institute", 15), ("enterprise", 25), ("other", 10)))
        organisation = local_organisation(county, (kind,))
        people.append(Person(Specialist.Kind.INDIVIDUAL, county, organisation))
    assert len(people) == SPECIALISTS

    _plan_villages(rng, people, villages_of)
    _plan_expertise(rng, people, geography)
    _plan_personal_data(rng, people, org_rows, organisations)
    teams, memberships, industry_assignments = _plan_teams(people, organisations, geography)
    login = next(
        p for p in people
        if p.kind == Specialist.Kind.INDIVIDUAL and p.team is None and p.county == HUAIYUAN and len(p.villages) >= 2
    )
    enterprises = _plan_enterprises(rng, people, login, geography)
    incomes = _plan_incomes(rng, people, enterprises)
    individuals = [p for p in people if p.kind == Specialist.Kind.INDIVIDUAL]
    honours = [
        Honour(specialist=individuals[i].row, year=YEAR, kind=Honour.Kind.PROVINCIAL_EXCELLENT, note="全省优秀科技特派员")
        for i in sorted(rng.choice(len(individuals), size=EXCELLENT, replace=False))
    ]
    team_rows = {team.name: team for team in teams}
    industry_rows = {industry.name: industry for industry in geography.industries}
    problems = [
        (IndustryProblem(team=team_rows[team], industry=industry_rows[industry], year=YEAR, title=title), measure)
        for team, industry, title, measure in names.PROBLEMS
    ]
    achievements = _plan_achievements(people, login, enterprises, geography)
    return DemoPeople(
        organisations=organisations, people=people, teams=teams, memberships=memberships,
        industry_assignments=industry_assignments,
        village_assignments=[
            VillageAssignment(specialist=p.row, village=village, start_date=START, end_date=None)
            for p in people for village in p.villages
        ],
        honours=honours, enterprises=enterprises, incomes=incomes, problems=problems, login_specialist=login,
        achievements=achievements,
    )


def _plan_villages(rng, people, villages_of):
    """Every administrative village gets a specialist of its unit; most serve one village, some two or three."""
    for code, villages in villages_of.items():
        staff = [people[i] for i in rng.permutation(len(people)) if people[i].county == code]
        order = [villages[i] for i in rng.permutation(len(villages))]
        # Round robin: every village and every specialist of the unit at least once.
        for i in range(max(len(staff), len(order))):
            staff[i % len(staff)].villages.append(order[i % len(order)])
        by_town = {}
        for village in villages:
            by_town.setdefault(village.town.code, []).append(village)
        for person in staff:
            extra = int(rng.random() < 0.13) + int(rng.random() < 0.03)
            for _i in range(extra):
                town = by_town[person.villages[0].town.code]
                nearby = [v for v in (town if len(town) > len(person.villages) else villages) if v not in person.villages]
                if len(person.villages) < 3 and nearby:
                    person.villages.append(nearby[int(rng.integers(len(nearby)))])


def _plan_expertise(rng, people, geography):
    """1-3 industries: the team's, then those of the villages served, then the unit's; now and then an outsider."""
    every = [industry.name for industry in geography.industries]
    for person in people:
        if person.kind == Specialist.Kind.COLLEGE_STUDENT:
            size = 1 + int(rng.random() < 0.4)
        else:
            size = _weighted(rng, ((1, 35), (2, 45), (3, 20)))
        wanted = []
        if person.team is not None:
            wanted += [industry for industry, _c in names.TEAMS[person.team][4]]
        local = [name for village in person.villages for name in geography.village_industries[village.code]]
        wanted += sorted(set(local), key=lambda name: (-local.count(name), every.index(name)))
        wanted += geography.county_industries(person.county)
        if rng.random() < 0.08:
            wanted.insert(min(size - 1, len(wanted)), every[int(rng.integers(len(every)))])
        chosen = list(dict.fromkeys(wanted))[:size]
        person.expertise = chosen or [geography_demo.STAPLE]


def _plan_personal_data(rng, people, org_rows, organisations):
    mobiles, id_numbers = set(), set()
    surnames = names.SURNAMES
    for person in people:
        organisation = organisations[person.organisation]
        org_kind = org_rows[person.organisation][0]
        if person.kind == Specialist.Kind.CORPORATE:
            name, gender, title = person.organisation, "", ""
        else:
            male = rng.random() < (0.55 if person.kind == Specialist.Kind.COLLEGE_STUDENT else 0.7)
            gender = Specialist.Gender.MALE if male else Specialist.Gender.FEMALE
            pool = names.GIVEN_MALE if male else names.GIVEN_FEMALE
            given = "".join(pool[int(rng.integers(len(pool)))] for _i in range(1 if rng.random() < 0.25 else 2))
            name = _weighted(rng, surnames) + given
            if person.kind == Specialist.Kind.COLLEGE_STUDENT:
                title = _weighted(rng, names.STUDENT_TITLES)
            elif person.role == TeamMembership.Role.LEADER:
                title = names.LEADER_TITLES[org_kind]
            else:
                title = _weighted(rng, names.TITLES[org_kind])
            if any(industry in ("湖羊", "畜牧养殖") for industry in person.expertise[:1]):
                title = names.LIVESTOCK_TITLES.get(title, title)

        while True:
            mobile = MOBILE_PREFIXES[int(rng.integers(len(MOBILE_PREFIXES)))] + f"{int(rng.integers(10**8)):08d}"
            if mobile not in mobiles:
                mobiles.add(mobile)
                break
        number = ""
        if person.kind != Specialist.Kind.CORPORATE and rng.random() < 0.5:
            years = (1998, 2004) if person.kind == Specialist.Kind.COLLEGE_STUDENT else (1962, 1996)
            while not number or number in id_numbers:
                birth = datetime.date(int(rng.integers(*years)), 1, 1) + datetime.timedelta(days=int(rng.integers(365)))
                # A zone is no ID-issuing area: its people were registered in the district it lies in.
                sequence = int(rng.integers(100)) * 10 + 2 * int(rng.integers(5)) + (1 if male else 0)
                number = id_number(person.villages[0].code[:6], birth, sequence)
            id_numbers.add(number)
        home = person.villages[0]
        person.row = Specialist(
            name=name, kind=person.kind, gender=gender, mobile=mobile, id_number=number, organisation=organisation,
            title=title, home_lon=round(home.lon + float(rng.normal(0, 0.01)), 6),
            home_lat=round(home.lat + float(rng.normal(0, 0.01)), 6), year_selected=YEAR, status=Specialist.Status.ACTIVE,
        )


def _plan_teams(people, organisations, geography):
    industries = {industry.name: industry for industry in geography.industries}
    teams, memberships, assignments = [], [], []
    for t, (name, lead, level, _size, covered) in enumerate(names.TEAMS):
        members = [p for p in people if p.team == t]
        leader = next(p for p in members if p.role == TeamMembership.Role.LEADER)
        team = Team(name=name, lead_organisation=organisations[lead], leader=leader.row, level=level, year_selected=YEAR)
        teams.append(team)
        memberships += [TeamMembership(team=team, specialist=p.row, role=p.role) for p in members]
        assignments += [
            (IndustryAssignment(team=team, industry=industries[industry], start_date=START, end_date=None), counties)
            for industry, counties in covered
        ]
    return teams, memberships, assignments


def _civil_prefix(village, geography):
    """The registering area in an enterprise name: a county's name, or 蚌埠市 and the district."""
    civil = next(county for county in geography.counties if county.code == village.code[:6])
    return civil.name if civil.kind == County.Kind.COUNTY else f"蚌埠市{civil.name}"


def _plan_enterprises(rng, people, login, geography):
    owners = [login] + [p for p in people if p.kind == Specialist.Kind.CORPORATE]
    candidates = [
        i for i, p in enumerate(people)
        if p.kind == Specialist.Kind.INDIVIDUAL and p is not login and p.row.organisation.kind != Organisation.Kind.UNIVERSITY
    ]
    first = [people[i] for i in rng.choice(candidates, size=ENTERPRISES - len(owners) - 4, replace=False)]
    owners += first + [first[i] for i in sorted(rng.choice(len(first), size=4, replace=False))]
    industries = {industry.name: industry for industry in geography.industries}
    taken_names, taken_codes, enterprises, count = set(), set(), [], {}
    for owner in owners:
        n = count[id(owner)] = count.get(id(owner), 0) + 1
        village = owner.villages[min(n, len(owner.villages)) - 1]
        local = geography.village_industries[village.code]
        industry = next((name for name in local if name in owner.expertise), local[0])
        if owner.kind == Specialist.Kind.CORPORATE:
            kind, relation = Enterprise.Kind.COOPERATIVE, Enterprise.Relation.LED
        else:
            kind = _weighted(rng, ((Enterprise.Kind.COMPANY, 25), (Enterprise.Kind.COOPERATIVE, 45), (Enterprise.Kind.FAMILY_FARM, 30)))
            founded = {Enterprise.Kind.COMPANY: 0.5, Enterprise.Kind.COOPERATIVE: 0.3, Enterprise.Kind.FAMILY_FARM: 0.8}[kind]
            relation = Enterprise.Relation.FOUNDED if rng.random() < founded else Enterprise.Relation.LED
        product, trade = names.PRODUCTS[industry]
        prefix = _civil_prefix(village, geography)
        while True:
            brand = names.BRANDS[int(rng.integers(len(names.BRANDS)))]
            place = village.name.removesuffix("村") if rng.random() < 0.5 else brand
            if kind == Enterprise.Kind.COOPERATIVE:
                name = f"{prefix}{place}{product}{trade}专业合作社"
            elif kind == Enterprise.Kind.FAMILY_FARM:
                name = f"{prefix}{owner.row.name}家庭农场" if rng.random() < 0.4 else f"{prefix}{place}{product}{trade}家庭农场"
            else:
                name = _weighted(rng, (
                    (f"蚌埠{brand}农业科技有限公司", 4), (f"安徽{brand}生态农业有限公司", 3), (f"{prefix}{brand}{product}开发有限公司", 3),
                ))
            if name not in taken_names:
                break
        taken_names.add(name)
        while True:
            body = "".join(CREDIT_CODE_CHARS[int(i)] for i in rng.integers(len(CREDIT_CODE_CHARS), size=6))
            code = credit_code(kind, village.code[:6], body)
            if code not in taken_codes:
                break
        taken_codes.add(code)
        day = datetime.date(YEAR, 3, 15) + datetime.timedelta(days=int(rng.integers(280)))
        enterprises.append(Enterprise(
            name=name, credit_code=code, kind=kind, relation=relation, specialist=owner.row, village=village,
            industry=industries[industry], date=day,
        ))
    return enterprises


def _plan_incomes(rng, people, enterprises):
    """Income increases of 2022 that add up exactly to the city's totals, larger where a specialist runs an enterprise."""
    owners = {id(e.specialist) for e in enterprises}
    with_enterprise = [p for p in people if id(p.row) in owners]
    others = [p for p in people if id(p.row) not in owners]
    chosen = with_enterprise + [others[i] for i in sorted(rng.choice(len(others), size=INCOME_ROWS - len(with_enterprise), replace=False))]
    farmer_weights = rng.lognormal(0, 0.9, size=len(chosen)) * [2.5 if id(p.row) in owners else 1.0 for p in chosen]
    farmer = apportion(FARMER_YUAN, farmer_weights, minimum=2_000)
    pays_collective = rng.random(len(chosen)) < 0.75
    collective_weights = rng.lognormal(0, 0.9, size=int(pays_collective.sum()))
    collective_shares = iter(apportion(COLLECTIVE_YUAN, collective_weights, minimum=1_000))
    return [
        IncomeIncrease(
            specialist=p.row, year=YEAR, farmer_yuan=farmer[i],
            collective_yuan=next(collective_shares) if pays_collective[i] else 0,
        )
        for i, p in enumerate(chosen)
    ]


def _demo_achievement(n, person, kind, title, day, *, status, village=None, industry=None, **fields):
    submitted = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(10, 0), tzinfo=BEIJING_TIME)
    reviewed = submitted + datetime.timedelta(days=9) if status != Achievement.Status.SUBMITTED else None
    return Achievement(
        uuid=uuid.uuid5(ACHIEVEMENT_NAMESPACE, f"achievement-{n}"), specialist=person.row, kind=kind, title=title, date=day,
        year=day.year, village=village, industry=industry, status=status, submitted_at=submitted, reviewed_at=reviewed, **fields,
    )


def _plan_achievements(people, login, enterprises, geography):
    """Verified "four new" achievements and awards of team leaders; income increases, an economic
    entity and a "four new" achievement of 怀远县 specialists awaiting review; one rejected. No random draws."""
    industries = {industry.name: industry for industry in geography.industries}
    leaders = {p.team: p for p in people if p.role == TeamMembership.Role.LEADER}
    planned = []
    for team, kind, title, body, level, day in VERIFIED_ACHIEVEMENTS:
        leader = leaders[team]
        achievement = _demo_achievement(
            len(planned), leader, kind, title, day, status=Achievement.Status.VERIFIED, village=leader.villages[0],
            industry=industries[names.TEAMS[team][4][0][0]], award_body=body, award_level=level,
        )
        planned.append((achievement, "coordinator"))

    submitted = Achievement.Status.SUBMITTED
    home, second = login.villages[0], login.villages[1]
    industry = industries[login.expertise[0]]
    taken = {enterprise.credit_code for enterprise in enterprises}
    code = next(
        code for serial in range(1, 100)
        if (code := credit_code(Enterprise.Kind.COOPERATIVE, home.code[:6], f"DM{serial:04d}")) not in taken
    )
    product, trade = names.PRODUCTS[industry.name]
    neighbour = next(
        p for p in people
        if p.county == HUAIYUAN and p is not login and p.team is None and p.kind == Specialist.Kind.INDIVIDUAL
    )
    for person, kind, title, day, fields in (
        (login, Achievement.Kind.FARMER_INCOME, f"{product}订单{trade}带动农户增收", datetime.date(2022, 12, 8),
         {"village": home, "industry": industry, "amount_yuan": 186_000}),
        (login, Achievement.Kind.COLLECTIVE_INCOME, "村集体经济托管经营增收", datetime.date(2022, 12, 12),
         {"village": second, "amount_yuan": 52_000}),
        (login, Achievement.Kind.ENTERPRISE, "领办农民专业合作社", datetime.date(2022, 11, 20), {
            "village": home, "industry": industry, "enterprise_credit_code": code, "enterprise_kind": Enterprise.Kind.COOPERATIVE,
            "enterprise_name": f"{_civil_prefix(home, geography)}{home.name.removesuffix('村')}{product}{trade}专业合作社",
            "enterprise_relation": Enterprise.Relation.FOUNDED,
        }),
        (login, Achievement.Kind.FOUR_NEW_TECHNOLOGY, "稻田病虫害绿色防控技术示范", datetime.date(2022, 12, 15), {"village": home}),
        (neighbour, Achievement.Kind.FARMER_INCOME, "特色种养带动农户增收", datetime.date(2022, 12, 1),
         {"village": neighbour.villages[0], "amount_yuan": 98_000}),
    ):
        planned.append((_demo_achievement(len(planned), person, kind, title, day, status=submitted, **fields), None))
    rejected = _demo_achievement(
        len(planned), login, Achievement.Kind.FOUR_NEW_EQUIPMENT, "秸秆粉碎还田机械应用", datetime.date(2022, 10, 28),
        status=Achievement.Status.REJECTED, village=home, reject_reason=DEMO_REJECT_REASON,
    )
    planned.append((rejected, "coordinator-huaiyuan"))
    return planned


# --- saving: in dependency order, inside load_demo's transaction -----------------------------------

def _save_specialists(people, geography):
    Organisation.objects.bulk_create(people.organisations.values())
    Specialist.objects.bulk_create([p.row for p in people.people], batch_size=500)
    industries = {industry.name: industry.pk for industry in geography.industries}
    Specialist.expertise.through.objects.bulk_create([
        Specialist.expertise.through(specialist_id=p.row.pk, industry_id=industries[name])
        for p in people.people for name in p.expertise
    ])
    Honour.objects.bulk_create(people.honours)


def _save_teams(people, geography):
    Team.objects.bulk_create(people.teams)
    TeamMembership.objects.bulk_create(people.memberships)
    IndustryAssignment.objects.bulk_create([assignment for assignment, _counties in people.industry_assignments])
    county_ids = {county.code: county.pk for county in geography.counties}
    IndustryAssignment.counties.through.objects.bulk_create([
        IndustryAssignment.counties.through(industryassignment_id=assignment.pk, county_id=county_ids[code])
        for assignment, counties in people.industry_assignments for code in counties
    ])


def _save_village_assignments(people):
    VillageAssignment.objects.bulk_create(people.village_assignments, batch_size=500)
    # bulk_create sends no signals: the coverage spans are built here, once for every village.
    rebuild_coverage_spans()


def _save_results(people):
    Enterprise.objects.bulk_create(people.enterprises)
    IncomeIncrease.objects.bulk_create(people.incomes)
    IndustryProblem.objects.bulk_create([problem for problem, _measure in people.problems])
    Countermeasure.objects.bulk_create([
        Countermeasure(problem=problem, title=measure) for problem, measure in people.problems if measure
    ])


def _save_logins(people, geography):
    User = get_user_model()
    # One hash for all six: they share the published demo password, and PBKDF2 takes a second each.
    password = make_password(DEMO_PASSWORD)
    counties = {county.code: county for county in geography.counties}
    for username, role, county in LOGINS:
        # The admin site is for the superuser and the city coordinator; the county coordinator works
        # in the desk. is_staff follows the role (specialists/access/signals.py); it is set here as well so
        # that the users are written once, as they stay.
        user = User.objects.create(
            username=username, password=password, is_superuser=username == "admin",
            is_staff=role is None or (role == UserRole.Role.COORDINATOR and county is None),
        )
        if role is not None:
            UserRole.objects.create(
                user=user, role=role, county=counties[county] if county else None,
                specialist=people.login_specialist.row if role == UserRole.Role.SPECIALIST else None,
            )


def _login_lines(geography, people):
    counties = {county.code: county.name for county in geography.counties}
    lines = []
    for username, role, county in LOGINS:
        if role is None:
            what = _("superuser, with the admin site")
        elif role == UserRole.Role.SPECIALIST:
            what = _("specialist %(name)s, serving villages of %(county)s") % {
                "name": people.login_specialist.row.name, "county": counties[people.login_specialist.county],
            }
        else:
            what = _("%(role)s, %(scope)s") % {
                "role": UserRole.Role(role).label, "scope": counties[county] if county else _("city-wide"),
            }
        lines.append((username, str(what)))
    return lines


def _save_achievements(people):
    """After the logins: the reviewed achievements name their reviewer."""
    reviewers = {user.username: user for user in get_user_model().objects.filter(username__in=("coordinator", "coordinator-huaiyuan"))}
    rows = []
    for achievement, reviewer in people.achievements:
        achievement.reviewed_by = reviewers.get(reviewer)
        # The hash a phone's retry of the same submission would give (specialists.fieldwork.achievements).
        achievement.fingerprint = submission_fingerprint(
            specialist_id=achievement.specialist.pk, kind=achievement.kind, title=achievement.title,
            description=achievement.description, date=achievement.date, year=achievement.year,
            village_code=achievement.village.code if achievement.village else None, industry_id=achievement.industry.pk if achievement.industry else None,
            amount_yuan=achievement.amount_yuan, enterprise_name=achievement.enterprise_name,
            enterprise_credit_code=achievement.enterprise_credit_code, enterprise_kind=achievement.enterprise_kind,
            enterprise_relation=achievement.enterprise_relation, award_body=achievement.award_body, award_level=achievement.award_level,
        )
        rows.append(achievement)
    Achievement.objects.bulk_create(rows)
