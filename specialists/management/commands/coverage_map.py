from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from specialists.coverage.maps import INDUSTRIES, VILLAGES, coverage_map, industry_map
from specialists.management.arguments import add_place_arguments, day_option, place_option
from villages.maps import FORMATS, STATIC_FORMATS, ChineseFontMissing

KINDS = (VILLAGES, INDUSTRIES)


class Command(BaseCommand):
    help = (
        "Write a coverage map (png, svg, pdf) or GIS layer (geojson, gpkg, shp as a zip) of a day: villages by "
        "status for everything, a province, a city, a county-level unit or a town, or a city's key industries by team."
    )

    def add_arguments(self, parser):
        parser.add_argument("--as-of", help="date, YYYY-MM-DD (default today)")
        add_place_arguments(parser)
        parser.add_argument("--kind", choices=KINDS, default=VILLAGES)
        parser.add_argument("--format", choices=FORMATS, default="png")
        parser.add_argument("--output", help="file to write (default: the map's own name, in the current folder)")

    def handle(self, *args, **options):
        as_of = day_option(options["as_of"])
        place = place_option(options)
        kind, fmt = options["kind"], options["format"]
        try:
            if kind == INDUSTRIES:
                mapfile = industry_map(as_of=as_of, place=place, fmt=fmt)
            else:
                mapfile = coverage_map(as_of=as_of, place=place, fmt=fmt)
        except ValidationError as error:
            raise CommandError(" ".join(f"--{field}: {' '.join(messages)}" for field, messages in error.message_dict.items())) from None
        except ChineseFontMissing as error:
            raise CommandError(str(error)) from None

        output = Path(options["output"] or mapfile.filename)
        try:
            output.write_bytes(mapfile.content)
        except OSError as error:
            raise CommandError(_("--output: cannot write %(path)s: %(error)s") % {"path": output, "error": error.strerror}) from None
        message = _("Wrote the map %(path)s (%(size)d bytes).") if fmt in STATIC_FORMATS else _("Wrote the layer %(path)s (%(size)d bytes).")
        self.stdout.write(message % {"path": output, "size": len(mapfile.content)})
