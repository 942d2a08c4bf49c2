"""Reads that pages, the API and commands share."""

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce

from specialists.fieldwork.models import Achievement, Enterprise, IncomeIncrease, IndustryProblem
from specialists.people.models import Honour, Specialist, Team
from villages.models import County, Village


def headline_figures(*, year=None) -> dict:
    """The system's headline figures (the bureau's annual report block), for one year or all years.

    Anyone may read them: they are city-wide totals with nothing personal. With a year, people and
    teams count by the year they were selected, honours and income increases by their year,
    enterprises by the year they were led or founded, and problems and countermeasures by the
    problem's year, "four new" achievements and awards by the year they count toward; the divisions
    are counted as they are. Only verified achievements count: their income increases are already in
    IncomeIncrease and their economic entities in Enterprise (achievement_verify puts them there).
    Eight queries, whatever the data size.
    """
    people = Specialist.objects.all()
    teams = Team.objects.all()
    honours = Honour.objects.filter(kind=Honour.Kind.PROVINCIAL_EXCELLENT)
    enterprises = Enterprise.objects.all()
    incomes = IncomeIncrease.objects.all()
    problems = IndustryProblem.objects.all()
    achievements = Achievement.objects.filter(status=Achievement.Status.VERIFIED)
    if year is not None:
        people = people.filter(year_selected=year)
        teams = teams.filter(year_selected=year)
        honours = honours.filter(year=year)
        enterprises = enterprises.filter(date__year=year)
        incomes = incomes.filter(year=year)
        problems = problems.filter(year=year)
        achievements = achievements.filter(year=year)

    figures = {"year": year}
    # 1: specialists, and how many of them are college students.
    figures.update(people.aggregate(
        specialists=Count("pk"),
        college_student_specialists=Count("pk", filter=Q(kind=Specialist.Kind.COLLEGE_STUDENT)),
    ))
    # 2: specialists rated provincial excellent (a person honoured twice in the span counts once).
    figures["excellent_specialists"] = honours.aggregate(n=Count("specialist", distinct=True))["n"]
    # 3, 4: teams and economic entities.
    figures["teams"] = teams.count()
    figures["enterprises"] = enterprises.count()
    # 5: both income increases in one pass.
    figures.update(incomes.aggregate(
        farmer_income_increase_yuan=Coalesce(Sum("farmer_yuan"), 0),
        collective_income_increase_yuan=Coalesce(Sum("collective_yuan"), 0),
    ))
    # 6: problems and their countermeasures, in one join.
    figures.update(problems.aggregate(
        industry_problems=Count("pk", distinct=True), countermeasures=Count("countermeasures"),
    ))
    # 7: verified "four new" achievements and awards, in one pass.
    figures.update(achievements.aggregate(
        four_new_achievements=Count("pk", filter=Q(kind__in=Achievement.FOUR_NEW)),
        awards=Count("pk", filter=Q(kind=Achievement.Kind.AWARD)),
    ))
    # 8: the divisions, whatever the year, down one chain of joins: each village has one town and
    # each town one county-level unit, so nothing is counted twice.
    # (Aliases of their own: an aggregate named "towns" would shadow the relation it counts.)
    divisions = County.objects.aggregate(
        n_counties=Count("pk", distinct=True),
        n_towns=Count("towns", distinct=True),
        n_villages=Count("towns__villages", filter=Q(towns__villages__kind=Village.Kind.VILLAGE)),
    )
    figures["county_units"] = divisions["n_counties"]
    figures["towns"] = divisions["n_towns"]
    figures["administrative_villages"] = divisions["n_villages"]
    return figures
