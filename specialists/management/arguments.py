"""What the commands' options share: a day, and a place named by division codes, resolved and
checked by the same rules as the API's (villages.dates, specialists.access.places)."""

import datetime

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from specialists.access.places import PLACE_PARAMETERS, place_for
from villages.dates import check_day
from villages.errors import NotFound

PLACE_HELP = {
    "province": "2-digit code of one province",
    "city": "4-digit code of one prefecture-level city",
    "county": "6-digit code of one county-level unit",
    "town": "9-digit code of one town",
}


def add_place_arguments(parser, levels=PLACE_PARAMETERS):
    for level in levels:
        parser.add_argument(f"--{level}", help=PLACE_HELP[level])


def day_option(value, option="--as-of"):
    """A day given as YYYY-MM-DD, within the days Tepai records; CommandError naming the option otherwise."""
    if value is None:
        return None
    try:
        day = datetime.date.fromisoformat(value)
        check_day(day, option)
    except ValueError:
        raise CommandError(_("%(option)s must be a date such as 2022-12-31, not %(value)r.") % {"option": option, "value": value}) from None
    except ValidationError as error:
        raise CommandError(f"{option}: {' '.join(error.messages)}") from None
    return day


def place_option(options):
    """The place the options name, everything when none; CommandError naming the option of a code not found."""
    try:
        return place_for(None, **{level: options.get(level) for level in PLACE_PARAMETERS})
    except NotFound as error:
        raise CommandError(f"--{error.field}: {error.message}") from None
