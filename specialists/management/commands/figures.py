import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from specialists.people.models import YEAR_VALIDATORS
from specialists.reports.figures import headline_figures

FIRST_YEAR, LAST_YEAR = (validator.limit_value for validator in YEAR_VALIDATORS)


def parse_year(value):
    try:
        year = int(value)
    except ValueError:
        year = None
    if year is None or not FIRST_YEAR <= year <= LAST_YEAR:
        raise CommandError(
            _("--year must be a year from %(first)s to %(last)s, not %(value)r.")
            % {"first": FIRST_YEAR, "last": LAST_YEAR, "value": value}
        )
    return year


def figures_text(figures):
    def yuan(amount):
        return _("%(amount)s yuan") % {"amount": f"{amount:,}"}

    if figures["year"] is None:
        heading = _("Headline figures, all years")
    else:
        heading = _("Headline figures, %(year)s") % {"year": figures["year"]}
    lines = [
        (_("Specialists selected"), f"{figures['specialists']:,}"),
        (_("of whom college-student specialists"), f"{figures['college_student_specialists']:,}"),
        (_("Rated provincial excellent specialists"), f"{figures['excellent_specialists']:,}"),
        (_("Specialist teams"), f"{figures['teams']:,}"),
        (_("Economic entities led or founded by specialists"), f"{figures['enterprises']:,}"),
        (_("Income increase of farmers and new agricultural businesses"), yuan(figures["farmer_income_increase_yuan"])),
        (_("Income increase of village collectives"), yuan(figures["collective_income_increase_yuan"])),
        (_("Verified “four new” achievements (new varieties, technologies, equipment, modes)"), f"{figures['four_new_achievements']:,}"),
        (_("Verified awards"), f"{figures['awards']:,}"),
        (_("Industry problems analysed"), f"{figures['industry_problems']:,}"),
        (_("Countermeasures made"), f"{figures['countermeasures']:,}"),
        (_("County-level units"), f"{figures['county_units']:,}"),
        (_("Towns"), f"{figures['towns']:,}"),
        (_("Administrative villages"), f"{figures['administrative_villages']:,}"),
    ]
    return "\n".join([heading] + [f"  {label}: {value}" for label, value in lines]) + "\n"


class Command(BaseCommand):
    help = "Print the headline figures: specialists, teams, enterprises, income increases, achievements, problems, divisions."

    def add_arguments(self, parser):
        parser.add_argument("--year", help="limit the year-bound figures to one year, e.g. 2022")
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, **options):
        year = parse_year(options["year"]) if options["year"] is not None else None
        figures = headline_figures(year=year)
        if options["format"] == "json":
            self.stdout.write(json.dumps(figures, ensure_ascii=False))
        else:
            self.stdout.write(figures_text(figures), ending="")
