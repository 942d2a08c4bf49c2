"""The days Tepai records, as one rule: from 2000 to 2100, the years specialists can be selected in.

Every day a person gives (an assignment's start and end, the day coverage or a map is asked about)
is checked here, so that the API, the pages, the admin and the commands refuse the same days with
the same words. Coverage looks ahead from a day (villages at risk), which the last days of the
calendar cannot.
"""

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

FIRST_DAY, LAST_DAY = datetime.date(2000, 1, 1), datetime.date(2100, 12, 31)
FIRST_YEAR, LAST_YEAR = FIRST_DAY.year, LAST_DAY.year


def day_out_of_range_message():
    return _("Give a day from %(first)s to %(last)s.") % {"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()}


def is_recordable(day: datetime.date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY


def check_day(day: datetime.date | None, field: str) -> None:
    """ValidationError on `field` when the day lies outside FIRST_DAY to LAST_DAY; None passes."""
    if day is not None and not is_recordable(day):
        raise ValidationError({field: ValidationError(day_out_of_range_message(), code="day_out_of_range")})
