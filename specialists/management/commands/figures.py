import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from specialists.management.arguments import add_place_arguments, place_option
from specialists.reports.figures import figure_rows, headline_figures
from villages.dates import FIRST_YEAR, LAST_YEAR


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


def figures_text(figures, place_name=""):
    if figures["year"] is None:
        heading = _("Headline figures, all years")
    else:
        heading = _("Headline figures, %(year)s") % {"year": figures["year"]}
    if place_name:
        heading = f"{place_name} · {heading}"
    return "\n".join([heading] + [f"  {label}: {value}" for label, value in figure_rows(figures)]) + "\n"


class Command(BaseCommand):
    help = "Print the headline figures: specialists, teams, enterprises, income increases, achievements, problems, divisions."

    def add_arguments(self, parser):
        parser.add_argument("--year", help="limit the year-bound figures to one year, e.g. 2022")
        parser.add_argument("--format", choices=["text", "json"], default="text")
        add_place_arguments(parser, ("province", "city", "county"))

    def handle(self, *args, **options):
        year = parse_year(options["year"]) if options["year"] is not None else None
        place = place_option(options)
        figures = headline_figures(year=year, place=place)
        if options["format"] == "json":
            self.stdout.write(json.dumps(figures, ensure_ascii=False))
        else:
            self.stdout.write(figures_text(figures, place.name), ending="")
