"""The headline figures (the bureau's annual report block): what the pages, the API and the
`figures` command show, for a place and a year."""

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from specialists.access.scope import in_place
from specialists.fieldwork.models import Achievement, Enterprise, IncomeIncrease, IndustryProblem
from specialists.people.models import Honour, Specialist, Team
from villages.models import County, Village
from villages.places import COUNTY, EVERYWHERE, within


def headline_figures(*, year=None, place=EVERYWHERE) -> dict:
    """The headline figures of a place (default: everywhere), for one year or all years.

    Rows count in a place by the scope rules (specialists.access.scope.RULES), exactly as a role
    limited to that place sees them: specialists and their honours and income increases where they
    are assigned, teams where a member is, economic entities and achievements in the place's
    villages or by its specialists, industry problems of its cities' key industries. Callers pass a
    place the user may see. With a year, people and teams count by the year they were selected,
    honours and income increases by their year, enterprises by the year they were led or founded,
    problems and countermeasures by the problem's year, "four new" achievements and awards by the
    year they count toward; the divisions are counted as they are. Only verified achievements
    count: their income increases are already in IncomeIncrease and their economic entities in
    Enterprise (achievement_verify puts them there). Eight queries, whatever the data size.
    """
    people = in_place(Specialist.objects.all(), place)
    teams = in_place(Team.objects.all(), place)
    honours = in_place(Honour.objects.filter(kind=Honour.Kind.PROVINCIAL_EXCELLENT), place)
    enterprises = in_place(Enterprise.objects.all(), place)
    incomes = in_place(IncomeIncrease.objects.all(), place)
    problems = in_place(IndustryProblem.objects.all(), place)
    achievements = in_place(Achievement.objects.filter(status=Achievement.Status.VERIFIED), place)
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
    divisions = County.objects.filter(within("", COUNTY, place)).aggregate(
        n_counties=Count("pk", distinct=True),
        n_towns=Count("towns", distinct=True),
        n_villages=Count("towns__villages", filter=Q(towns__villages__kind=Village.Kind.VILLAGE)),
    )
    figures["county_units"] = divisions["n_counties"]
    figures["towns"] = divisions["n_towns"]
    figures["administrative_villages"] = divisions["n_villages"]
    return figures


def figure_rows(figures) -> list[tuple[str, str]]:
    """The figures as (label, value) lines in the active language, as the pages and the command show them."""
    count = "{:,}".format

    def yuan(amount):
        return _("%(amount)s yuan") % {"amount": f"{amount:,}"}

    return [
        (_("Specialists selected"), count(figures["specialists"])),
        (_("of whom college-student specialists"), count(figures["college_student_specialists"])),
        (_("Rated provincial excellent specialists"), count(figures["excellent_specialists"])),
        (_("Specialist teams"), count(figures["teams"])),
        (_("Economic entities led or founded by specialists"), count(figures["enterprises"])),
        (_("Income increase of farmers and new agricultural businesses"), yuan(figures["farmer_income_increase_yuan"])),
        (_("Income increase of village collectives"), yuan(figures["collective_income_increase_yuan"])),
        (_("Verified “four new” achievements (new varieties, technologies, equipment, modes)"), count(figures["four_new_achievements"])),
        (_("Verified awards"), count(figures["awards"])),
        (_("Industry problems analysed"), count(figures["industry_problems"])),
        (_("Countermeasures made"), count(figures["countermeasures"])),
        (_("County-level units"), count(figures["county_units"])),
        (_("Towns"), count(figures["towns"])),
        (_("Administrative villages"), count(figures["administrative_villages"])),
    ]
