import json
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from specialists.coverage.queries import coverage_for
from specialists.coverage.exports import coverage_csv, coverage_text, coverage_xlsx
from specialists.management.arguments import add_place_arguments, day_option, place_option


class Command(BaseCommand):
    help = "Dual coverage (villages by specialists, key industries by teams) on a date, with the gaps."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", help="date, YYYY-MM-DD (default today)")
        add_place_arguments(parser)
        parser.add_argument("--format", choices=["text", "json", "csv", "xlsx"], default="text")
        parser.add_argument("--output", help="write to this file instead of standard output (required for xlsx)")
        parser.add_argument("--at-risk-days", type=int, help="a village is at risk when all its assignments end within this many days")
        parser.add_argument("--max-villages", type=int, help="flag specialists serving more villages than this")
        parser.add_argument("--fail-on-gap", action="store_true", help="exit 1 when any village or key industry is uncovered")

    def handle(self, *args, **options):
        as_of = day_option(options["as_of"])
        place = place_option(options)
        fmt, output = options["format"], options["output"]
        if fmt == "xlsx" and not output:
            raise CommandError(_("--format xlsx writes a binary workbook: give --output FILE."))
        for name in ("at_risk_days", "max_villages"):
            if options[name] is not None and options[name] < 0:
                raise CommandError(_("--%(name)s must not be negative.") % {"name": name.replace("_", "-")})

        coverage = coverage_for(as_of=as_of, place=place, at_risk_days=options["at_risk_days"], max_villages=options["max_villages"])

        if fmt == "xlsx":
            content = coverage_xlsx(coverage)
        elif fmt == "json":
            content = json.dumps(coverage.as_dict(), ensure_ascii=False, indent=2) + "\n"
        elif fmt == "csv":
            content = coverage_csv(coverage)
        else:
            content = coverage_text(coverage)
        if output:
            mode = "wb" if isinstance(content, bytes) else "w"
            with open(output, mode, **({} if mode == "wb" else {"encoding": "utf-8", "newline": ""})) as handle:
                handle.write(content)
        else:
            self.stdout.write(content, ending="")
        if options["fail_on_gap"] and coverage.has_gap:
            # Exit 1 so that a shell script can gate on dual coverage.
            sys.exit(1)
