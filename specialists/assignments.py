"""Writes of industry assignments: a team and its county-level units change together."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from specialists.models import IndustryAssignment


def industry_assignment_create(*, team, industry, counties, start_date, end_date=None, note=None) -> IndustryAssignment:
    """Assign a team to a key industry, city-wide (no counties) or in the named county-level units.

    Coordinators only; the caller has already limited `counties` to the user's scope (a county
    coordinator names exactly their own unit). The industry must be a key one where it is assigned:
    a city key industry anywhere, a county key industry only in units that list it. The row and its
    units are written in one transaction, so a failure leaves no assignment without its units.
    """
    counties = list(counties)
    assignment = IndustryAssignment(team=team, industry=industry, start_date=start_date, end_date=end_date)
    assignment.full_clean()  # dates and the one-open-assignment-per-pair rule
    if not industry.is_city_key:
        key_in = set(industry.key_counties.values_list("pk", flat=True))
        if not key_in:
            raise ValidationError({"industry": _("%(industry)s is not a key industry of the city or of any county-level unit.")
                                   % {"industry": industry.name}})
        if counties and not {c.pk for c in counties} <= key_in:
            outside = "、".join(sorted(c.name for c in counties if c.pk not in key_in))
            raise ValidationError({"counties": _("%(industry)s is not a key industry of %(counties)s.")
                                   % {"industry": industry.name, "counties": outside}})
    with transaction.atomic():
        assignment.save()
        assignment.counties.set(counties)
    return assignment


def industry_assignment_end(*, assignment, end_date) -> IndustryAssignment:
    """End a running industry assignment on `end_date`; the row stays, so coverage history stays true.

    Coordinators only; the caller has checked that the user may change this assignment.
    """
    assignment.end_date = end_date
    assignment.full_clean()
    assignment.save(update_fields=["end_date"])
    return assignment
