import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from specialists.coverage.maps import coverage_map, industry_map
from villages.maps import FORMATS, STATIC_FORMATS, ChineseFontMissing
from villages.models import County, Town

KINDS = ("villages", "industries")


class Command(BaseCommand):
    help = (
        "Write a coverage map (png, svg, pdf) or GIS layer (geojson, gpkg, shp as a zip) of a day: villages by "
        "status for the city, one county-level unit or one town, or key industries by team."
    )

    def add_arguments(self, parser):
        parser.add_argument("--as-of", help="date, YYYY-MM-DD (default today)")
        parser.add_argument("--county", help="6-digit code of one county-level unit (village maps only)")
        parser.add_argument("--town", help="9-digit code of one town (village maps only)")
        parser.add_argument("--kind", choices=KINDS, default="villages")
        parser.add_argument("--format", choices=FORMATS, default="png")
        parser.add_argument("--output", help="file to write (default: the map's own name, in the current folder)")

    def handle(self, *args, **options):
        as_of = None
        if options["as_of"]:
            try:
                as_of = datetime.date.fromisoformat(options["as_of"])
            except ValueError:
                raise CommandError(_("--as-of must be a date such as 2022-12-31, not %(value)r.") % {"value": options["as_of"]}) from None
        kind, fmt = options["kind"], options["format"]
        county = town = None
        if options["county"]:
            county = County.objects.filter(code=options["county"]).first()
            if county is None:
                raise CommandError(_("--county: no county-level unit has the code %(code)r.") % {"code": options["county"]})
        if options["town"]:
            town = Town.objects.select_related("county").filter(code=options["town"]).first()
            if town is None:
                raise CommandError(_("--town: no town has the code %(code)r.") % {"code": options["town"]})
            if county is not None and town.county_id != county.pk:
                raise CommandError(_("--town %(town)s (%(name)s) is not in --county %(county)s (%(county_name)s).") % {
                    "town": town.code, "name": town.name, "county": county.code, "county_name": county.name})
        if kind == "industries" and (county or town):
            raise CommandError(_("--kind industries maps the whole city: leave out --county and --town."))

        try:
            if kind == "industries":
                mapfile = industry_map(as_of=as_of, fmt=fmt)
            else:
                mapfile = coverage_map(as_of=as_of, county=county, town=town, fmt=fmt)
        except ChineseFontMissing as error:
            raise CommandError(str(error)) from None

        output = Path(options["output"] or mapfile.filename)
        try:
            output.write_bytes(mapfile.content)
        except OSError as error:
            raise CommandError(_("--output: cannot write %(path)s: %(error)s") % {"path": output, "error": error.strerror}) from None
        message = _("Wrote the map %(path)s (%(size)d bytes).") if fmt in STATIC_FORMATS else _("Wrote the layer %(path)s (%(size)d bytes).")
        self.stdout.write(message % {"path": output, "size": len(mapfile.content)})
