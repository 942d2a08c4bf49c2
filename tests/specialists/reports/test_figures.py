"""Headline figures: `headline_figures` and `manage.py figures`, on a few hand-made rows of two years."""

import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from specialists.fieldwork.models import Achievement, Countermeasure, Enterprise, IncomeIncrease, IndustryProblem
from specialists.people.models import Honour, Organisation, Specialist, Team
from specialists.reports.figures import headline_figures
from specialists.people.validators import credit_code_check_char
from tests import factories as f
from tests.factories import default_city
from villages.models import County, Industry, Town, Village

pytestmark = pytest.mark.django_db


def credit_code(serial):
    first17 = f"93340321MA2T{serial:05d}"
    return first17 + credit_code_check_char(first17)


@pytest.fixture
def two_years_of_rows():
    county = County.objects.create(code="340321", name="怀远县", kind=County.Kind.COUNTY, city=default_city())
    County.objects.create(code="340371", name="蚌埠高新技术产业开发区", kind=County.Kind.ZONE, city=default_city())
    town = Town.objects.create(code="340321100", name="荆山镇", kind=Town.Kind.TOWN, county=county)
    Town.objects.create(code="340321001", name="白乳泉街道", kind=Town.Kind.SUBDISTRICT, county=county)
    village = Village.objects.create(code="340321100201", name="张庄村", town=town)
    Village.objects.create(code="340321100202", name="李圩村", town=town)
    Village.objects.create(code="340321100001", name="荆山社区", town=town, kind=Village.Kind.COMMUNITY)
    rice = Industry.objects.create(name="糯稻", category=Industry.Category.GRAIN, city=default_city())
    org = Organisation.objects.create(name="安徽农业大学", kind=Organisation.Kind.UNIVERSITY)

    def specialist(mobile, year, kind=Specialist.Kind.INDIVIDUAL):
        return Specialist.objects.create(
            name="张伟", kind=kind, gender="male", mobile=mobile, organisation=org, year_selected=year,
        )

    zhang = specialist("13900000001", 2022)
    student = specialist("13900000002", 2022, Specialist.Kind.COLLEGE_STUDENT)
    old = specialist("13900000003", 2021)
    # Zhang is rated provincial excellent in two years: one person over all years. A city honour does not count.
    Honour.objects.create(specialist=zhang, year=2022, kind=Honour.Kind.PROVINCIAL_EXCELLENT)
    Honour.objects.create(specialist=zhang, year=2021, kind=Honour.Kind.PROVINCIAL_EXCELLENT)
    Honour.objects.create(specialist=student, year=2022, kind=Honour.Kind.CITY_EXCELLENT)
    Honour.objects.create(specialist=old, year=2021, kind=Honour.Kind.PROVINCIAL_EXCELLENT)
    team = Team.objects.create(name="糯稻特派团", lead_organisation=org, leader=zhang, year_selected=2022)
    old_team = Team.objects.create(name="石榴特派团", lead_organisation=org, leader=old, year_selected=2021)
    for serial, day in enumerate([datetime.date(2022, 1, 1), datetime.date(2022, 12, 31), datetime.date(2021, 12, 31)]):
        Enterprise.objects.create(
            name=f"怀远县糯稻种植专业合作社{serial}", credit_code=credit_code(serial), kind=Enterprise.Kind.COOPERATIVE,
            relation=Enterprise.Relation.LED, specialist=zhang, village=village, industry=rice, date=day,
        )
    IncomeIncrease.objects.create(specialist=zhang, year=2022, farmer_yuan=1_000_000, collective_yuan=300_000)
    IncomeIncrease.objects.create(specialist=student, year=2022, farmer_yuan=250_001, collective_yuan=0)
    IncomeIncrease.objects.create(specialist=zhang, year=2021, farmer_yuan=7, collective_yuan=5)
    problem = IndustryProblem.objects.create(team=team, industry=rice, year=2022, title="糯稻品种退化、纯度下降")
    IndustryProblem.objects.create(team=team, industry=rice, year=2022, title="糯稻稻瘟病多发")
    Countermeasure.objects.create(problem=problem, title="提纯复壮")
    Countermeasure.objects.create(problem=problem, title="建立原种繁育基地")
    old_problem = IndustryProblem.objects.create(team=old_team, industry=rice, year=2021, title="石榴冻害")
    Countermeasure.objects.create(problem=old_problem, title="防冻栽培")
    # Achievements count once verified, by the year they count toward; submitted and rejected ones never.
    for kind, year, status in [
        (Achievement.Kind.FOUR_NEW_VARIETY, 2022, "verified"), (Achievement.Kind.FOUR_NEW_MODE, 2022, "verified"),
        (Achievement.Kind.FOUR_NEW_TECHNOLOGY, 2021, "verified"), (Achievement.Kind.FOUR_NEW_EQUIPMENT, 2022, "submitted"),
        (Achievement.Kind.FOUR_NEW_VARIETY, 2022, "rejected"), (Achievement.Kind.AWARD, 2022, "verified"),
        (Achievement.Kind.AWARD, 2022, "submitted"),
    ]:
        f.make_achievement(specialist=zhang, kind=kind, date=datetime.date(year, 6, 1), status=status)


DIVISIONS = {"county_units": 2, "towns": 2, "administrative_villages": 2}


def figures_json(**options):
    out = io.StringIO()
    call_command("figures", format="json", stdout=out, **options)
    return json.loads(out.getvalue())


def test_all_years(two_years_of_rows, django_assert_num_queries):
    # specialists, honours, teams, enterprises, income, problems with countermeasures, verified
    # achievements (four new and awards in one pass), divisions
    with django_assert_num_queries(8):
        figures = headline_figures()
    assert figures == {
        "year": None, "specialists": 3, "college_student_specialists": 1, "excellent_specialists": 2, "teams": 2,
        "enterprises": 3, "farmer_income_increase_yuan": 1_250_008, "collective_income_increase_yuan": 300_005,
        "four_new_achievements": 3, "awards": 1, "industry_problems": 3, "countermeasures": 3, **DIVISIONS,
    }
    assert figures_json() == figures


def test_one_year(two_years_of_rows):
    assert figures_json(year="2022") == {
        "year": 2022, "specialists": 2, "college_student_specialists": 1, "excellent_specialists": 1, "teams": 1,
        "enterprises": 2, "farmer_income_increase_yuan": 1_250_001, "collective_income_increase_yuan": 300_000,
        "four_new_achievements": 2, "awards": 1, "industry_problems": 2, "countermeasures": 2, **DIVISIONS,
    }
    assert figures_json(year="2021") == {
        "year": 2021, "specialists": 1, "college_student_specialists": 0, "excellent_specialists": 2, "teams": 1,
        "enterprises": 1, "farmer_income_increase_yuan": 7, "collective_income_increase_yuan": 5,
        "four_new_achievements": 1, "awards": 0, "industry_problems": 1, "countermeasures": 1, **DIVISIONS,
    }


def test_an_empty_database_gives_zeros():
    assert figures_json() == {
        "year": None, "specialists": 0, "college_student_specialists": 0, "excellent_specialists": 0, "teams": 0,
        "enterprises": 0, "farmer_income_increase_yuan": 0, "collective_income_increase_yuan": 0,
        "four_new_achievements": 0, "awards": 0, "industry_problems": 0, "countermeasures": 0, "county_units": 0, "towns": 0, "administrative_villages": 0,
    }


def test_text_form(two_years_of_rows):
    out = io.StringIO()
    with translation.override("en"):
        call_command("figures", year="2022", stdout=out)
    assert out.getvalue() == (
        "Headline figures, 2022\n"
        "  Specialists selected: 2\n"
        "  of whom college-student specialists: 1\n"
        "  Rated provincial excellent specialists: 1\n"
        "  Specialist teams: 1\n"
        "  Economic entities led or founded by specialists: 2\n"
        "  Income increase of farmers and new agricultural businesses: 1,250,001 yuan\n"
        "  Income increase of village collectives: 300,000 yuan\n"
        "  Verified “four new” achievements (new varieties, technologies, equipment, modes): 2\n"
        "  Verified awards: 1\n"
        "  Industry problems analysed: 2\n"
        "  Countermeasures made: 2\n"
        "  County-level units: 2\n"
        "  Towns: 2\n"
        "  Administrative villages: 2\n"
    )


@pytest.mark.parametrize("year", ["abc", "1800", "1999", "2101", "", "2022.5"])
def test_a_bad_year_is_refused(year):
    with translation.override("en"), pytest.raises(CommandError) as error:
        call_command("figures", year=year, stdout=io.StringIO())
    assert str(error.value) == f"--year must be a year from 2000 to 2100, not {year!r}."
