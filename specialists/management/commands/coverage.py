import datetime
import json
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from specialists.coverage.queries import coverage_for
from specialists.coverage.exports import coverage_csv, coverage_text, coverage_xlsx
from villages.models import County


def parse_date(value):
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(_("--as-of must be a date such as 2022-12-31, not %(value)r.") % {"value": value}) from None


def county_by_code(code):
    county = County.objects.filter(code=code).first()
    if county is None:
        raise CommandError(_("No county-level unit has the code %(code)r.") % {"code": code})
    return county


class Command(BaseCommand):
    help = "Dual coverage (villages by specialists, key industries by teams) on a date, with the gaps."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", help="date, YYYY-MM-DD (default today)")
        parser.add_argument("--county", help="6-digit code of one county-level unit")
        parser.add_argument("--format", choices=["text", "json", "csv", "xlsx"], default="text")
        parser.add_argument("--output", help="write to this file instead of standard output (required for xlsx)")
        parser.add_argument("--at-risk-days", type=int, help="a village is at risk when all its assignments end within this many days")
        parser.add_argument("--max-villages", type=int, help="flag specialists serving more villages than this")
        parser.add_argument("--fail-on-gap", action="store_true", help="exit 1 when any village or key industry is uncovered")

    def handle(self, *args, **options):
        as_of = parse_date(options["as_of"]) if options["as_of"] else None
        county = county_by_code(options["county"]) if options["county"] else None
        fmt, output = options["format"], options["output"]
        if fmt == "xlsx" and not output:
            raise CommandError(_("--format xlsx writes a binary workbook: give --output FILE."))
        for name in ("at_risk_days", "max_villages"):
            if options[name] is not None and options[name] < 0:
                raise CommandError(_("--%(name)s must not be negative.") % {"name": name.replace("_", "-")})

        coverage = coverage_for(as_of=as_of, county=county, at_risk_days=options["at_risk_days"], max_villages=options["max_villages"])

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
