"""The admin as a superuser sees it: every page answers, lists cost a fixed number of queries,
personal data is masked in lists, and the forms obey the models' rules."""

import datetime
import re

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core import checks
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from pyproj import Geod
from shapely.geometry import box

from specialists.access.models import UserRole
from specialists.assignments.models import IndustryAssignment, VillageAssignment
from specialists.coverage.models import MapJob, SpecialistLoadSpan, TownVillageCount, VillageCoverageSpan
from specialists.imports.models import ImportJob
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
from tests import factories as f
from villages import geometry
from villages.admin import boundary_area_km2
from villages.models import City, County, Industry, Province, Town, Village

pytestmark = pytest.mark.django_db

# About 1 km by 1.1 km in Huaiyuan county, EPSG:4490 longitude/latitude.
SQUARE = box(117.20, 32.95, 117.21, 32.96)

# TeamMembership is edited only inline, on its team's page.
INLINE_ONLY = {TeamMembership}
# Coverage and load spans and town counts are derived from the assignments and rebuilt on every write: nobody edits them.
DERIVED = {VillageCoverageSpan, SpecialistLoadSpan, TownVillageCount}
ADMIN_MODELS = sorted(
    (m for m in [*apps.get_app_config("villages").get_models(), *apps.get_app_config("specialists").get_models()]
     if m not in INLINE_ONLY and m not in DERIVED),
    key=lambda m: m._meta.label,
)


def label(model):
    return model._meta.label


def url(model, view, *args):
    # The path of the default language: reverse() follows whichever language the last request left active.
    with translation.override(settings.LANGUAGE_CODE):
        return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def english(path):
    # i18n_patterns with prefix_default_language=False: Chinese at /admin/, English at /en/admin/.
    return f"/en{path}"


def build_one_of_each():
    """One row of every admin model, each with its relations filled, so every column has a value."""
    county = f.make_county(code="340321", name="怀远县", boundary=geometry.to_wkb(SQUARE))
    town = f.make_town(county=county, code="340321100", name="荆山镇")
    industry = f.make_industry(name="石榴", category=Industry.Category.HORTICULTURE, key_counties=[county])
    village = f.make_village(town=town, code="340321100201", name="张庄村", industries=[industry], lon=117.205, lat=32.955,
                             boundary=geometry.to_wkb(SQUARE), synthetic=True)
    organisation = f.make_organisation(name="安徽农业大学")
    specialist = f.make_specialist(name="张伟", mobile="13912345678", id_number="11010519491231002X",
                                   organisation=organisation, expertise=[industry])
    member = f.make_specialist(name="李娜", gender=Specialist.Gender.FEMALE, organisation=organisation)
    team = f.make_team(name="石榴特派团", leader=specialist, members=[member])
    problem = f.make_industry_problem(team=team, industry=industry, title="石榴裂果")
    requester = f.make_user(username="coordinator")
    log = f.make_service_log(specialist=specialist, village=village)
    achievement = f.make_achievement(specialist=specialist, village=village, industry=industry, title="石榴新品种示范")
    return {
        Province: county.city.province,
        City: county.city,
        County: county,
        Town: town,
        Industry: industry,
        Village: village,
        Organisation: organisation,
        Specialist: specialist,
        Honour: f.make_honour(specialist=specialist, note="全省优秀"),
        Team: team,
        VillageAssignment: f.make_village_assignment(specialist=specialist, village=village, note="驻村"),
        IndustryAssignment: f.make_industry_assignment(team=team, industry=industry, counties=[county]),
        Enterprise: f.make_enterprise(name="张庄石榴合作社", specialist=specialist, village=village, industry=industry),
        IncomeIncrease: f.make_income_increase(specialist=specialist, farmer_yuan=120_000, collective_yuan=30_000),
        IndustryProblem: problem,
        Countermeasure: f.make_countermeasure(problem=problem, title="避雨栽培"),
        UserRole: f.make_user_role(user=requester, county=county),
        MapJob: f.make_map_job(county=county, town=town, requested_by=requester),
        ImportJob: f.make_import_job(county=county, city=county.city, requested_by=requester),
        ServiceLog: log,
        ServiceLogPhoto: f.make_service_log_photo(log=log),
        Achievement: achievement,
        AchievementEvidence: f.make_achievement_evidence(achievement=achievement),
        get_user_model(): requester,
    }


@pytest.fixture
def one_of_each():
    return build_one_of_each()


def test_every_model_of_villages_and_specialists_has_an_admin():
    registered = {model for model in admin.site._registry if model._meta.app_label in {"villages", "specialists"}}
    assert registered == set(ADMIN_MODELS)


def test_the_admin_passes_django_system_checks():
    # Among them: every autocomplete field points at an admin with search_fields.
    assert checks.run_checks(tags=[checks.Tags.admin, checks.Tags.models]) == []


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=label)
def test_every_page_answers_for_a_superuser(admin_client, one_of_each, model):
    obj = one_of_each[model]
    # Map jobs, service logs, achievements and their photos and evidence are made by services (a
    # task queued, a phone's retry recognised): the admin only shows them.
    expected_add = 403 if model in (MapJob, ImportJob, ServiceLog, ServiceLogPhoto, Achievement, AchievementEvidence) else 200

    assert admin_client.get(url(model, "changelist")).status_code == 200
    assert admin_client.get(url(model, "change", obj.pk)).status_code == 200
    assert admin_client.get(url(model, "add")).status_code == expected_add


def test_index_and_app_pages_answer(admin_client):
    for path in ("/admin/", "/admin/villages/", "/admin/specialists/", "/en/admin/"):
        assert admin_client.get(path).status_code == 200, path


def _first_search_value(model_admin, obj):
    value = obj
    for part in model_admin.search_fields[0].lstrip("=^@").split("__"):
        value = getattr(value, part)
    return str(value)


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=label)
def test_changelist_search_finds_the_row_by_its_first_search_field(admin_client, one_of_each, model):
    obj = one_of_each[model]
    term = _first_search_value(admin.site._registry[model], obj)

    found = admin_client.get(url(model, "changelist"), {"q": term})
    missing = admin_client.get(url(model, "changelist"), {"q": "没有这一行"})

    assert found.status_code == 200
    assert obj.pk in [row.pk for row in found.context["cl"].result_list]
    assert missing.status_code == 200
    assert missing.context["cl"].result_count == 0


def _autocomplete_fields():
    for model_admin in admin.site._registry.values():
        if model_admin.model._meta.app_label not in {"villages", "specialists"}:
            continue
        for holder in [model_admin, *(inline(model_admin.model, admin.site) for inline in model_admin.inlines)]:
            for field_name in holder.autocomplete_fields:
                yield pytest.param(holder.model, field_name, id=f"{label(holder.model)}.{field_name}")


@pytest.mark.parametrize(("model", "field_name"), list(_autocomplete_fields()))
def test_autocomplete_endpoint_offers_the_related_row(admin_client, one_of_each, model, field_name):
    target_model = model._meta.get_field(field_name).remote_field.model
    target = one_of_each[target_model]

    response = admin_client.get(
        "/admin/autocomplete/",
        {"app_label": model._meta.app_label, "model_name": model._meta.model_name, "field_name": field_name, "term": str(target)[:2]},
    )

    assert response.status_code == 200
    assert {"id": str(target.pk), "text": str(target)} in response.json()["results"]


def test_admin_is_chinese_by_default_and_english_under_en(admin_client):
    chinese = admin_client.get("/admin/")
    english_page = admin_client.get("/en/admin/")

    # Django's own catalogue: the index title and the breadcrumb home link.
    assert "站点管理" in chinese.text
    assert "Site administration" not in chinese.text
    assert "Site administration" in english_page.text
    assert "Tepai: science and technology specialists" in english_page.text


def test_specialist_list_masks_the_mobile_and_the_change_form_shows_it(admin_client, one_of_each):
    specialist = one_of_each[Specialist]

    listed = admin_client.get(url(Specialist, "changelist"))
    form = admin_client.get(url(Specialist, "change", specialist.pk))

    assert "139****5678" in listed.text
    assert "13912345678" not in listed.text
    assert 'value="13912345678"' in form.text


def test_synthetic_village_says_so_on_its_change_form(admin_client, one_of_each):
    synthetic = one_of_each[Village]
    real = f.make_village(town=synthetic.town, name="李圩村")
    note = "This village is synthetic demo data"

    assert note in admin_client.get(english(url(Village, "change", synthetic.pk))).text
    assert note not in admin_client.get(english(url(Village, "change", real.pk))).text


def test_boundary_area_is_measured_in_a_projected_crs():
    # The geodesic area on the CGCS2000 ellipsoid (practically GRS80) is the truth the projection
    # must come close to; a square degree taken as flat would be wrong by a factor of ~10^10.
    geodesic_km2 = abs(Geod(ellps="GRS80").geometry_area_perimeter(SQUARE)[0]) / 1e6

    assert boundary_area_km2(SQUARE) == pytest.approx(geodesic_km2, rel=1e-3)
    assert 1.0 < geodesic_km2 < 1.1


def test_county_and_village_forms_show_whether_a_boundary_is_stored_and_its_area(admin_client, one_of_each):
    stored = one_of_each[County]
    zone = f.make_county(code="340371", name="蚌埠高新技术产业开发区", kind=County.Kind.ZONE)
    area = f"{boundary_area_km2(SQUARE):,.2f}"

    for obj in (stored, one_of_each[Village]):
        page = admin_client.get(english(url(type(obj), "change", obj.pk))).text
        assert f"Stored: {area} km² (measured in EPSG:4548)." in page
    assert "No boundary stored." in admin_client.get(english(url(County, "change", zone.pk))).text


def test_an_unreadable_stored_boundary_does_not_break_the_form(admin_client):
    county = f.make_county(boundary=b"not wkb")

    page = admin_client.get(english(url(County, "change", county.pk)))

    assert page.status_code == 200
    assert "A boundary is stored but cannot be read as WKB." in page.text


def test_saving_a_village_in_the_admin_keeps_its_boundary(admin_client, one_of_each):
    village = one_of_each[Village]
    before = bytes(village.boundary)

    response = admin_client.post(url(Village, "change", village.pk), {
        "code": village.code, "name": "张庄新村", "kind": village.kind, "town": village.town_id,
        "lon": village.lon, "lat": village.lat, "industries": [i.pk for i in village.industries.all()],
        "synthetic": "on",
    })

    assert response.status_code == 302
    village.refresh_from_db()
    assert (village.name, bytes(village.boundary)) == ("张庄新村", before)


def test_admin_refuses_a_second_open_ended_assignment_with_the_models_message(admin_client, one_of_each):
    existing = one_of_each[VillageAssignment]

    response = admin_client.post(english(url(VillageAssignment, "add")), {
        "specialist": existing.specialist_id, "village": existing.village_id, "start_date": "2024-01-01", "end_date": "",
        "note": "",
    })

    assert response.status_code == 200
    assert "This specialist already has an open-ended assignment to this village." in response.text
    assert VillageAssignment.objects.count() == 1


def _team_form(team, memberships):
    """The team's change form as the browser posts it, with (membership, role) rows."""
    data = {
        "name": team.name, "lead_organisation": team.lead_organisation_id, "leader": team.leader_id,
        "level": team.level, "year_selected": team.year_selected,
        "memberships-TOTAL_FORMS": str(len(memberships)), "memberships-INITIAL_FORMS": str(len(memberships)),
        "memberships-MIN_NUM_FORMS": "0", "memberships-MAX_NUM_FORMS": "1000",
    }
    for i, (membership, role) in enumerate(memberships):
        data |= {
            f"memberships-{i}-id": membership.pk, f"memberships-{i}-team": team.pk,
            f"memberships-{i}-specialist": membership.specialist_id, f"memberships-{i}-role": role,
        }
    return data


def test_admin_refuses_a_team_with_two_leaders(admin_client, one_of_each):
    team = one_of_each[Team]
    leader = team.memberships.get(role="leader")
    member = team.memberships.get(role="member")

    response = admin_client.post(
        english(url(Team, "change", team.pk)), _team_form(team, [(leader, "leader"), (member, "leader")])
    )

    assert response.status_code == 200
    assert "A team has one leader, but 2 members are marked as leader." in response.text
    assert dict(team.memberships.values_list("specialist_id", "role")) == {leader.specialist_id: "leader", member.specialist_id: "member"}


def test_admin_hands_the_lead_to_another_member_in_one_save(admin_client, one_of_each):
    team = one_of_each[Team]
    leader = team.memberships.get(role="leader")
    member = team.memberships.get(role="member")

    # The new leader's row comes first, as it would if the member had been listed first.
    response = admin_client.post(url(Team, "change", team.pk), _team_form(team, [(member, "leader"), (leader, "member")]))

    assert response.status_code == 302
    assert dict(team.memberships.values_list("specialist_id", "role")) == {leader.specialist_id: "member", member.specialist_id: "leader"}


def _with_m2m(build, **relations):
    def make():
        row = build()
        for name, related in relations.items():
            getattr(row, name).set([related()])
        return row
    return make


# One more row of each model per call, each with its own related rows: a column that reads a
# relation per row then costs one more query per row, which the comparison below catches.
BUILDERS = {
    Province: f.make_province,
    City: f.make_city,
    County: f.make_county,
    Town: f.make_town,
    Industry: _with_m2m(f.make_industry, key_counties=f.make_county),
    Village: f.make_village,
    Organisation: f.make_organisation,
    Specialist: f.make_specialist,
    Honour: f.make_honour,
    Team: lambda: f.make_team(members=[f.make_specialist()]),
    VillageAssignment: f.make_village_assignment,
    IndustryAssignment: _with_m2m(f.make_industry_assignment, counties=f.make_county),
    Enterprise: lambda: f.make_enterprise(village=f.make_village(), industry=f.make_industry()),
    IncomeIncrease: f.make_income_increase,
    IndustryProblem: lambda: f.make_countermeasure().problem,
    Countermeasure: f.make_countermeasure,
    UserRole: lambda: f.make_user_role(county=f.make_county()),
    MapJob: lambda: f.make_map_job(county=f.make_county(city=f.make_city()), requested_by=f.make_user()),
    ImportJob: lambda: f.make_import_job(requested_by=f.make_user()),
    ServiceLog: f.make_service_log,
    ServiceLogPhoto: f.make_service_log_photo,
    Achievement: lambda: f.make_achievement(status=Achievement.Status.VERIFIED, reviewed_by=f.make_user()),
    AchievementEvidence: f.make_achievement_evidence,
}


def _changelist_queries(client, model, rows):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url(model, "changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count == rows
    return [q["sql"] for q in queries.captured_queries]


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=label)
def test_changelist_makes_as_many_queries_for_20_rows_as_for_2(admin_client, model):
    build = BUILDERS[model]
    for _ in range(2):
        build()
    two = _changelist_queries(admin_client, model, 2)
    for _ in range(18):
        build()
    twenty = _changelist_queries(admin_client, model, 20)

    assert len(twenty) == len(two), "\n".join(twenty)


def test_village_changelist_queries(admin_client):
    town = f.make_town()
    for _ in range(20):
        f.make_village(town=town)

    # session, user, filtered count, full count, the county filter's choices, the page of villages
    # (joined to town and county, boundaries deferred). Nothing per row.
    queries = _changelist_queries(admin_client, Village, 20)

    assert len(queries) == 6, "\n".join(queries)
    page = next(q for q in queries if q.startswith('SELECT "villages_village"."id"'))
    # The only mention of a boundary in the columns is the IS NOT NULL test; no WKB is read.
    assert re.findall(r'"boundary"(?! IS NOT NULL)', page.split(" FROM ")[0]) == []


def test_specialist_changelist_queries(admin_client):
    organisation = f.make_organisation()
    for _ in range(20):
        f.make_specialist(organisation=organisation)

    # session, user, filtered count, full count, the page of specialists joined to their
    # organisations, the year_selected filter's values. Nothing per row.
    queries = _changelist_queries(admin_client, Specialist, 20)

    assert len(queries) == 6, "\n".join(queries)



@pytest.mark.parametrize(("model", "shows"), [(ServiceLog, ServiceLogPhoto), (ServiceLogPhoto, ServiceLogPhoto), (Achievement, AchievementEvidence)],
                         ids=lambda value: value.__name__)
def test_stored_files_are_linked_through_the_api_never_media(admin_client, one_of_each, model, shows):
    page = admin_client.get(url(model, "change", one_of_each[model].pk)).content.decode()

    stored = one_of_each[shows]
    if shows is ServiceLogPhoto:
        expected = f"/api/v1/service-logs/{stored.log.uuid}/photos/{stored.uuid}/"
    else:
        expected = f"/api/v1/achievements/{stored.achievement.uuid}/evidence/{stored.uuid}/"
    assert f'href="{expected}"' in page
    assert "/media/" not in page


def test_the_admin_adds_a_village_assignment_through_its_service_and_the_coverage_follows(admin_client, one_of_each):
    village = one_of_each[Village]
    specialist = f.make_specialist(name="王新")

    response = admin_client.post(english(url(VillageAssignment, "add")), {
        "specialist": specialist.pk, "village": village.pk, "start_date": "2024-01-01", "end_date": "", "note": "新派",
    })

    assert response.status_code == 302
    stored = VillageAssignment.objects.get(specialist=specialist)
    assert (stored.village, stored.start_date.isoformat(), stored.end_date, stored.note) == (village, "2024-01-01", None, "新派")


def test_the_admin_cannot_reopen_or_redate_a_stored_assignment(admin_client, one_of_each):
    """Ending, handing over and extending are the desk's and the API's, under the row lock: the admin
    changes only a stored assignment's note, so an ended one cannot be reopened here."""
    assignment = one_of_each[VillageAssignment]
    assignment.end_date = datetime.date(2024, 6, 30)
    assignment.save()

    response = admin_client.post(url(VillageAssignment, "change", assignment.pk), {
        "specialist": assignment.specialist_id, "village": assignment.village_id, "start_date": "2020-01-01", "end_date": "",
        "note": "备注",
    })

    assert response.status_code == 302
    assignment.refresh_from_db()
    assert (assignment.start_date, assignment.end_date, assignment.note) == (f.START, datetime.date(2024, 6, 30), "备注")


def test_the_admin_refuses_an_industry_assignment_where_the_industry_is_not_key_by_the_services_rule(admin_client, one_of_each):
    industry = one_of_each[Industry]  # key in 怀远县 only
    other = f.make_county(code="340322", name="五河县")
    before = IndustryAssignment.objects.count()

    response = admin_client.post(english(url(IndustryAssignment, "add")), {
        "team": f.make_team(name="新团").pk, "industry": industry.pk, "counties": [other.pk], "start_date": "2024-01-01",
        "end_date": "",
    })

    assert response.status_code == 200
    assert "石榴 is not a key industry of 五河县." in response.text
    assert IndustryAssignment.objects.count() == before


def test_the_admin_adds_an_industry_assignment_with_its_units_through_its_service(admin_client, one_of_each):
    industry = one_of_each[Industry]
    team = f.make_team(name="新团")

    response = admin_client.post(url(IndustryAssignment, "add"), {
        "team": team.pk, "industry": industry.pk, "counties": [one_of_each[County].pk], "start_date": "2024-01-01", "end_date": "",
    })

    assert response.status_code == 302
    stored = IndustryAssignment.objects.get(team=team)
    assert list(stored.counties.values_list("code", flat=True)) == ["340321"]
