"""The Bengbu demo through `manage.py load_demo`: the city's 2022 figures, dual coverage, safe reloads."""

import datetime
import hashlib
import io
import json
from collections import Counter

import pytest
from django.apps import apps
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import translation

from specialists.demo import bengbu as demo
from specialists.access.models import UserRole
from specialists.assignments.models import IndustryAssignment, VillageAssignment
from specialists.fieldwork.models import Achievement, Countermeasure, Enterprise, IncomeIncrease, IndustryProblem
from specialists.people.models import Honour, Organisation, Specialist, Team, TeamMembership
from specialists.people.validators import validate_credit_code, validate_id_number
from tests import factories as f
from villages.models import County, Industry, Town, Village

AS_OF = datetime.date(2022, 6, 30)
DEMO_MODELS = (
    County, Town, Village, Industry, Organisation, Specialist, Honour, Team, TeamMembership, IndustryAssignment,
    VillageAssignment, Enterprise, IncomeIncrease, IndustryProblem, Countermeasure, UserRole, Achievement, get_user_model(),
)
CITY_2022 = {
    "specialists": 975, "college_student_specialists": 107, "excellent_specialists": 10, "teams": 21,
    "enterprises": 130, "farmer_income_increase_yuan": 48_000_000, "collective_income_increase_yuan": 27_850_000,
    "industry_problems": 35, "countermeasures": 29,
    # Not in the bureau's summary: the demo's own verified achievements.
    "four_new_achievements": 10, "awards": 3,
}
DIVISIONS = {"county_units": 9, "towns": 77, "administrative_villages": 900}

pytestmark = pytest.mark.django_db


def run(*args, **options):
    out = io.StringIO()
    with translation.override("en"):
        call_command(*args, stdout=out, **options)
    return out.getvalue()


def figures(**options):
    return json.loads(run("figures", format="json", **options))


def row_counts():
    return {model.__name__: model.objects.count() for model in DEMO_MODELS}


def database_digest():
    """A hash of every row of our apps and auth, through tables included, in primary key order."""
    digest = hashlib.sha256()
    models = [m for m in apps.get_models(include_auto_created=True) if m._meta.app_label in {"villages", "specialists", "auth"}]
    for model in sorted(models, key=lambda m: m._meta.db_table):
        digest.update(model._meta.db_table.encode())
        for row in model.objects.order_by("pk").values_list():
            digest.update(repr(tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)).encode())
    return digest.hexdigest()


# --- on an empty database -----------------------------------------------------------------------

def test_a_failing_step_leaves_no_row_behind(monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("the last step failed")

    # The last step: everything before it has been written when it fails.
    monkeypatch.setattr(demo, "_save_logins", fail)
    with pytest.raises(RuntimeError, match="the last step failed"):
        run("load_demo")
    assert set(row_counts().values()) == {0}


@pytest.mark.parametrize(
    "existing, message",
    [
        (lambda: County.objects.create(code="340321", name="怀远县", kind=County.Kind.COUNTY, city=f.default_city()), "part of the Bengbu demo"),
        (lambda: get_user_model().objects.create_user("admin", password="x"), "part of the Bengbu demo"),
        (lambda: County.objects.create(
            code="110101", name="东城区", kind=County.Kind.DISTRICT,
            city=f.make_city(code="1101", name="北京市", province=f.make_province(code="11", name="北京市")),
        ), "not the Bengbu demo"),
    ],
    ids=["a-demo-county", "an-admin-user", "another-county"],
)
def test_refuses_a_database_with_other_data(existing, message):
    existing()
    before = row_counts()
    with pytest.raises(CommandError, match=message):
        run("load_demo")
    assert row_counts() == before


# --- on the loaded demo (loaded once for the class) ---------------------------------------------

@pytest.fixture(scope="class")
def loaded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        output = run("load_demo")
        yield output
        transaction.set_rollback(True)


class TestLoadedDemo:
    def test_the_command_reports_the_load_and_the_logins(self, loaded):
        assert loaded.startswith("Loaded the Bengbu demo in ")
        assert "975 specialists, 21 teams" in loaded
        assert "Logins, all with the password tepai-demo:" in loaded
        for username in ("admin", "coordinator", "coordinator-huaiyuan", "leader", "leader-wuhe", "specialist"):
            assert f"\n  {username} " in loaded

    def test_figures_are_the_citys_2022_figures(self, loaded):
        assert figures() == {"year": None, **CITY_2022, **DIVISIONS}
        assert figures(year="2022") == {"year": 2022, **CITY_2022, **DIVISIONS}
        assert figures(year="2021") == {"year": 2021, **{key: 0 for key in CITY_2022}, **DIVISIONS}

    def test_every_administrative_village_is_served_by_an_active_specialist(self, loaded):
        serving = VillageAssignment.objects.running_on(AS_OF).filter(
            village=OuterRef("pk"), specialist__status=Specialist.Status.ACTIVE,
        )
        villages = Village.objects.filter(kind=Village.Kind.VILLAGE)
        assert villages.count() == 900
        assert not villages.filter(~Exists(serving)).exists()
        assert not VillageAssignment.objects.filter(village__kind=Village.Kind.COMMUNITY).exists()
        assert set(VillageAssignment.objects.values_list("start_date", "end_date").distinct()) == {(datetime.date(2022, 3, 1), None)}
        per_specialist = Counter(VillageAssignment.objects.values_list("specialist_id", flat=True))
        assert len(per_specialist) == 975 and set(per_specialist.values()) == {1, 2, 3}
        assert Counter(per_specialist.values())[1] > 800
        per_village = Counter(VillageAssignment.objects.values_list("village_id", flat=True))
        assert 100 < sum(1 for n in per_village.values() if n >= 2) < 300

    def test_every_key_industry_is_covered_by_a_team_where_it_is_key(self, loaded):
        running = IndustryAssignment.objects.running_on(AS_OF)
        for industry in Industry.objects.filter(is_city_key=True):
            assert running.filter(industry=industry, counties__isnull=True).exists(), industry.name
        pairs = Industry.key_counties.through.objects.select_related("industry", "county")
        assert pairs.count() == 21
        for pair in pairs:
            covered = running.filter(industry=pair.industry_id).filter(Q(counties__isnull=True) | Q(counties=pair.county_id))
            assert covered.exists(), (pair.industry.name, pair.county.name)

    def test_teams_have_231_members_each_with_one_leader(self, loaded):
        assert Team.objects.count() == 21
        assert TeamMembership.objects.count() == 231
        assert TeamMembership.objects.values("specialist").distinct().count() == 231
        for team in Team.objects.annotate(leaders=Count("memberships", filter=Q(memberships__role="leader"))):
            assert team.leaders == 1
            assert team.memberships.get(role="leader").specialist_id == team.leader_id
        assert set(Team.objects.values_list("level", flat=True)) == {"city", "provincial"}
        assert set(Team.objects.values_list("year_selected", flat=True)) == {2022}
        assert TeamMembership.objects.filter(role="deputy").count() >= 21

    def test_specialists_are_plausible_and_pass_validation(self, loaded):
        specialists = list(Specialist.objects.select_related("organisation"))
        assert Counter(s.kind for s in specialists) == {"individual": 863, "college_student": 107, "corporate": 5}
        assert {(s.status, s.year_selected) for s in specialists} == {("active", 2022)}
        for specialist in specialists:
            specialist.full_clean(validate_unique=False, validate_constraints=False)
            if specialist.kind == Specialist.Kind.CORPORATE:
                assert (specialist.gender, specialist.name) == ("", specialist.organisation.name)
            if specialist.id_number:
                validate_id_number(specialist.id_number)
        assert 400 < sum(1 for s in specialists if s.id_number) < 575
        assert {s.title for s in specialists if s.kind == "college_student"} == {"在读研究生", "本科生"}
        assert 35 <= Organisation.objects.count() <= 45
        assert len({s.organisation.kind for s in specialists}) == 5
        honours = Honour.objects.filter(kind=Honour.Kind.PROVINCIAL_EXCELLENT, year=2022)
        assert honours.values("specialist").distinct().count() == 10

    def test_specialists_mostly_know_the_industries_of_the_counties_they_serve(self, loaded):
        key = {}
        for industry in Industry.objects.prefetch_related("key_counties"):
            for county in industry.key_counties.all():
                key.setdefault(county.pk, set()).add(industry.pk)
        staple = Industry.objects.get(name="优质小麦").pk
        matching = 0
        specialists = Specialist.objects.prefetch_related("expertise", "village_assignments__village__town")
        for specialist in specialists:
            expertise = {i.pk for i in specialist.expertise.all()}
            assert 1 <= len(expertise) <= 3
            counties = {a.village.town.county_id for a in specialist.village_assignments.all()}
            matching += any(expertise & (key.get(c, set()) | {staple}) for c in counties)
        assert matching >= 0.9 * 975

    def test_enterprises_have_valid_unique_credit_codes(self, loaded):
        enterprises = list(Enterprise.objects.all())
        assert len(enterprises) == 130 and len({e.credit_code for e in enterprises}) == 130
        for enterprise in enterprises:
            validate_credit_code(enterprise.credit_code)
            assert enterprise.date.year == 2022 and enterprise.village_id and enterprise.industry_id
            assert enterprise.credit_code[2:8] == Village.objects.get(pk=enterprise.village_id).code[:6]
        assert {e.kind for e in enterprises} == {"company", "cooperative", "family_farm"}
        assert {e.relation for e in enterprises} == {"led", "founded"}

    def test_income_increases_add_up_in_whole_yuan(self, loaded):
        rows = IncomeIncrease.objects.filter(year=2022)
        assert 300 <= rows.count() <= 600
        assert sum(rows.values_list("farmer_yuan", flat=True)) == 48_000_000
        assert sum(rows.values_list("collective_yuan", flat=True)) == 27_850_000
        assert IndustryProblem.objects.filter(year=2022).values("team").distinct().count() == 21
        assert IndustryProblem.objects.filter(countermeasures__isnull=False).distinct().count() == 29

    def test_achievements_count_only_where_verified_and_wait_for_review_in_huaiyuan(self, loaded):
        achievements = list(Achievement.objects.select_related("specialist", "village__town__county", "reviewed_by"))
        for achievement in achievements:
            achievement.full_clean(validate_unique=False)
        verified = [a for a in achievements if a.status == "verified"]
        waiting = [a for a in achievements if a.status == "submitted"]
        assert {a.kind for a in verified} <= {*Achievement.FOUR_NEW, "award"}
        assert {a.reviewed_by.username for a in verified} == {"coordinator"}
        assert {a.kind for a in waiting} >= {"farmer_income", "collective_income", "enterprise"}
        assert {a.village.town.county.name for a in waiting} == {"怀远县"}
        login = UserRole.objects.get(user__username="specialist").specialist
        assert [a.reject_reason != "" for a in achievements if a.status == "rejected"] == [True]
        assert {a.specialist for a in achievements if a.status != "verified"} >= {login}
        enterprise = next(a for a in waiting if a.kind == "enterprise")
        validate_credit_code(enterprise.enterprise_credit_code)
        assert not Enterprise.objects.filter(credit_code=enterprise.enterprise_credit_code).exists()

    def test_the_demo_logins_sign_in_with_their_roles(self, loaded):
        scopes = {}
        for username in ("admin", "coordinator", "coordinator-huaiyuan", "leader", "leader-wuhe", "specialist"):
            user = authenticate(username=username, password="tepai-demo")
            assert user is not None, username
            role = UserRole.objects.filter(user=user).select_related("county").first()
            scopes[username] = (user.is_superuser, user.is_staff, role and role.role, role and role.county and role.county.name)
        assert scopes == {
            "admin": (True, True, None, None),
            "coordinator": (False, True, "coordinator", None),
            # The admin site is for city coordinators; a county coordinator works in the desk.
            "coordinator-huaiyuan": (False, False, "coordinator", "怀远县"),
            "leader": (False, False, "leader", None),
            "leader-wuhe": (False, False, "leader", "五河县"),
            "specialist": (False, False, "specialist", None),
        }
        specialist = UserRole.objects.get(user__username="specialist").specialist
        served = set(specialist.village_assignments.values_list("village__town__county__name", flat=True))
        assert served == {"怀远县"}

    def test_loading_again_changes_nothing(self, loaded):
        counts, digest = row_counts(), database_digest()
        output = run("load_demo")
        assert output.startswith("The Bengbu demo is already loaded; nothing changed.")
        assert row_counts() == counts
        assert database_digest() == digest
