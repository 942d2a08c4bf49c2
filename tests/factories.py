"""Plain builders of valid rows: each takes only keyword arguments and makes what it is not given.

Every builder saves one row through `objects.create` (no full_clean) and fills unique fields from one
counter, so that any number of rows can be made in one test without clashing. Pass a field to fix
it; pass a parent (county=, town=, specialist=, ...) to share it between rows.
"""

import datetime
import itertools
import uuid as _uuid

from django.contrib.auth import get_user_model

from specialists.access.models import UserRole
from specialists.assignments.models import IndustryAssignment, VillageAssignment
from specialists.coverage.models import MapJob
from specialists.fieldwork.models import (
    Achievement,
    AchievementEvidence,
    Countermeasure,
    Enterprise,
    IncomeIncrease,
    IndustryProblem,
    ServiceLog,
    ServiceLogPhoto,
)
from specialists.people.models import Honour, Organisation, Specialist, Team, TeamMembership
from specialists.people.validators import credit_code_check_char, id_number_check_char
from villages.models import City, County, Industry, Province, Town, Village

_serial = itertools.count(1)
START = datetime.date(2023, 3, 1)


def _next():
    return next(_serial)


def valid_credit_code(*, serial=None):
    """A credit code with the right check character: 91 (company), Bengbu's 340300, then the serial."""
    first17 = f"91340300{(serial if serial is not None else _next()) % 10**9:09d}"
    return first17 + credit_code_check_char(first17)


def valid_id_number(*, region="340321", birth="19900101", serial=None):
    first17 = f"{region}{birth}{(serial if serial is not None else _next()) % 1000:03d}"
    return first17 + id_number_check_char(first17)


def make_province(*, code=None, name=None, **fields):
    n = _next()
    # 10 to 89 (the codes the model accepts) but 34, which default_city's province takes.
    while 10 + n % 80 == 34:
        n = _next()
    return Province.objects.create(code=code or f"{10 + n % 80}", name=name or f"省{n}", **fields)


def make_city(*, code=None, name=None, province=None, **fields):
    n = _next()
    province = province or make_province()
    return City.objects.create(code=code or f"{province.code}{n % 100:02d}", name=name or f"市{n}", province=province, **fields)


def default_city():
    """The city every factory-made county-level unit and key industry belongs to unless given another:
    蚌埠市 in 安徽省, as in the demo, so that a test's units share one city as they did before cities."""
    province, _created = Province.objects.get_or_create(code="34", defaults={"name": "安徽省"})
    city, _created = City.objects.get_or_create(code="3403", defaults={"name": "蚌埠市", "province": province})
    return city


def make_county(*, code=None, name=None, kind=County.Kind.COUNTY, city=None, **fields):
    n = _next()
    fields["city"] = city or default_city()
    # 349xxx: well-formed, inside Anhui (34), and no real unit's code (Anhui's cities are 3401-3418).
    # The counter wraps at 1,000: skip a code a test gave a unit of its own (the API's 349321).
    while code is None and County.objects.filter(code=f"349{n % 1000:03d}").exists():
        n = _next()
    return County.objects.create(code=code or f"349{n % 1000:03d}", name=name or f"县区{n}", kind=kind, **fields)


def make_town(*, county=None, code=None, name=None, kind=Town.Kind.TOWN, **fields):
    n = _next()
    county = county or make_county()
    return Town.objects.create(
        code=code or f"{county.code}{n % 1000:03d}", name=name or f"镇{n}", kind=kind, county=county, **fields
    )


def make_village(*, town=None, code=None, name=None, kind=Village.Kind.VILLAGE, industries=(), **fields):
    n = _next()
    town = town or make_town()
    # Villages (村委会) are numbered 200-399 after the town code, communities 001-199.
    suffix = 200 + n % 200 if kind == Village.Kind.VILLAGE else 1 + n % 199
    village = Village.objects.create(code=code or f"{town.code}{suffix:03d}", name=name or f"村{n}", kind=kind, town=town, **fields)
    if industries:
        village.industries.set(industries)
    return village


def make_industry(*, name=None, category=Industry.Category.GRAIN, key_counties=(), city=None, **fields):
    city = city or (key_counties[0].city if key_counties else default_city())
    industry = Industry.objects.create(name=name or f"产业{_next()}", category=category, city=city, **fields)
    if key_counties:
        industry.key_counties.set(key_counties)
    return industry


def make_organisation(*, name=None, kind=Organisation.Kind.UNIVERSITY, **fields):
    return Organisation.objects.create(name=name or f"派出单位{_next()}", kind=kind, **fields)


def make_specialist(
    *, name=None, kind=Specialist.Kind.INDIVIDUAL, gender=None, mobile=None, organisation=None,
    year_selected=2023, expertise=(), **fields,
):
    n = _next()
    if gender is None:
        gender = "" if kind == Specialist.Kind.CORPORATE else Specialist.Gender.MALE
    specialist = Specialist.objects.create(
        name=name or f"特派员{n}", kind=kind, gender=gender, mobile=mobile or f"139{n % 10**8:08d}",
        organisation=organisation or make_organisation(), year_selected=year_selected, **fields,
    )
    if expertise:
        specialist.expertise.set(expertise)
    return specialist


def make_honour(*, specialist=None, year=2022, kind=Honour.Kind.PROVINCIAL_EXCELLENT, **fields):
    return Honour.objects.create(specialist=specialist or make_specialist(), year=year, kind=kind, **fields)


def make_team(*, name=None, leader=None, lead_organisation=None, year_selected=2023, members=(), **fields):
    """A team with its leader as its leader member, and `members` as plain members."""
    leader = leader or make_specialist()
    team = Team.objects.create(
        name=name or f"特派团{_next()}", leader=leader, lead_organisation=lead_organisation or leader.organisation,
        year_selected=year_selected, **fields,
    )
    TeamMembership.objects.create(team=team, specialist=leader, role=TeamMembership.Role.LEADER)
    for member in members:
        TeamMembership.objects.create(team=team, specialist=member, role=TeamMembership.Role.MEMBER)
    return team


def make_village_assignment(*, specialist=None, village=None, start_date=START, end_date=None, **fields):
    return VillageAssignment.objects.create(
        specialist=specialist or make_specialist(), village=village or make_village(),
        start_date=start_date, end_date=end_date, **fields,
    )


def make_industry_assignment(*, team=None, industry=None, start_date=START, end_date=None, counties=(), **fields):
    assignment = IndustryAssignment.objects.create(
        team=team or make_team(), industry=industry or make_industry(), start_date=start_date, end_date=end_date, **fields,
    )
    if counties:
        assignment.counties.set(counties)
    return assignment


def make_enterprise(
    *, name=None, credit_code=None, kind=Enterprise.Kind.COOPERATIVE, relation=Enterprise.Relation.LED,
    specialist=None, date=START, **fields,
):
    return Enterprise.objects.create(
        name=name or f"合作社{_next()}", credit_code=credit_code or valid_credit_code(), kind=kind, relation=relation,
        specialist=specialist or make_specialist(), date=date, **fields,
    )


def make_income_increase(*, specialist=None, year=2022, farmer_yuan=0, collective_yuan=0, **fields):
    return IncomeIncrease.objects.create(
        specialist=specialist or make_specialist(), year=year, farmer_yuan=farmer_yuan, collective_yuan=collective_yuan, **fields,
    )


def make_industry_problem(*, team=None, industry=None, year=2022, title=None, **fields):
    return IndustryProblem.objects.create(
        team=team or make_team(), industry=industry or make_industry(), year=year, title=title or f"问题{_next()}", **fields,
    )


def make_countermeasure(*, problem=None, title=None, **fields):
    return Countermeasure.objects.create(problem=problem or make_industry_problem(), title=title or f"对策{_next()}", **fields)


def make_user(*, username=None, password="tepai-test-password", **fields):
    return get_user_model().objects.create_user(username=username or f"user{_next()}", password=password, **fields)


def make_user_role(*, user=None, role=UserRole.Role.COORDINATOR, county=None, city=None, province=None, specialist=None, **fields):
    if role == UserRole.Role.SPECIALIST and specialist is None:
        specialist = make_specialist()
    return UserRole.objects.create(
        user=user or make_user(), role=role, province=province, city=city, county=county, specialist=specialist, **fields,
    )


def make_import_job(*, kind="specialists", file_name="名单.xlsx", **fields):
    """An import's history row (its file is named, not written)."""
    from specialists.imports.models import ImportJob

    return ImportJob.objects.create(kind=kind, file=f"imports/{file_name}", file_name=file_name, sha256="0" * 64, size=1, **fields)


def make_map_job(*, as_of=START, kind=MapJob.Kind.VILLAGES, **fields):
    """A job of the place given (a town or county-level unit gets its city and province too, as the service sets them)."""
    if fields.get("town") is not None:
        fields.setdefault("county", fields["town"].county)
    if fields.get("county") is not None:
        fields.setdefault("city", fields["county"].city)
    if fields.get("city") is not None:
        fields.setdefault("province", fields["city"].province)
    return MapJob.objects.create(as_of=as_of, kind=kind, **fields)


def make_service_log(
    *, specialist=None, village=None, uuid=None, kind=ServiceLog.Kind.VISIT, occurred_at=None,
    description="田间指导", people_served=5, lon=117.39, lat=32.92, **fields,
):
    """A stored log as the service would leave it; its fingerprint is a placeholder, not a real hash."""
    return ServiceLog.objects.create(
        uuid=uuid or _uuid.uuid4(), specialist=specialist or make_specialist(), village=village or make_village(),
        kind=kind, occurred_at=occurred_at or datetime.datetime(2023, 6, 1, 9, 0, tzinfo=datetime.UTC),
        description=description, people_served=people_served, lon=lon, lat=lat, fingerprint=fields.pop("fingerprint", "0" * 64),
        **fields,
    )


def make_service_log_photo(*, log=None, uuid=None, width=4, height=3, **fields):
    """A stored photo row as the service would leave it (the file itself is not written)."""
    photo_uuid = uuid or _uuid.uuid4()
    log = log or make_service_log()
    return ServiceLogPhoto.objects.create(
        uuid=photo_uuid, log=log, image=f"logs/{log.uuid}/{photo_uuid}.jpg", format=fields.pop("format", "jpeg"),
        width=width, height=height, size_bytes=fields.pop("size_bytes", 100), fingerprint=fields.pop("fingerprint", "0" * 64),
        **fields,
    )


def make_achievement(
    *, specialist=None, uuid=None, kind=Achievement.Kind.FOUR_NEW_VARIETY, title=None, date=START, year=None,
    status=Achievement.Status.SUBMITTED, **fields,
):
    """A stored achievement as the service would leave it; its fingerprint is a placeholder, not a real hash.

    An income kind gets an amount, an enterprise a valid credit code, an award its body and level,
    and a reviewed one a review time (and a reason when rejected), unless given.
    """
    if kind in Achievement.INCOME:
        fields.setdefault("amount_yuan", 10_000)
    if kind == Achievement.Kind.ENTERPRISE:
        fields.setdefault("enterprise_name", f"合作社{_next()}")
        fields.setdefault("enterprise_credit_code", valid_credit_code())
        fields.setdefault("enterprise_kind", Enterprise.Kind.COOPERATIVE)
        fields.setdefault("enterprise_relation", Enterprise.Relation.LED)
    if kind == Achievement.Kind.AWARD:
        fields.setdefault("award_body", "安徽省科学技术厅")
        fields.setdefault("award_level", Achievement.AwardLevel.PROVINCIAL)
    if status != Achievement.Status.SUBMITTED:
        fields.setdefault("reviewed_at", datetime.datetime(2023, 7, 1, 9, 0, tzinfo=datetime.UTC))
    if status == Achievement.Status.REJECTED:
        fields.setdefault("reject_reason", "证明材料不足")
    return Achievement.objects.create(
        uuid=uuid or _uuid.uuid4(), specialist=specialist or make_specialist(), kind=kind, title=title or f"成果{_next()}",
        date=date, year=year or date.year, status=status, fingerprint=fields.pop("fingerprint", "0" * 64), **fields,
    )


def make_achievement_evidence(*, achievement=None, uuid=None, **fields):
    """A stored evidence row as the service would leave it (the file itself is not written)."""
    evidence_uuid = uuid or _uuid.uuid4()
    achievement = achievement or make_achievement()
    return AchievementEvidence.objects.create(
        uuid=evidence_uuid, achievement=achievement, file=f"achievements/{achievement.uuid}/{evidence_uuid}.pdf",
        content_type=fields.pop("content_type", AchievementEvidence.ContentType.PDF), size_bytes=fields.pop("size_bytes", 100),
        original_name=fields.pop("original_name", "证明.pdf"), fingerprint=fields.pop("fingerprint", "0" * 64), **fields,
    )
