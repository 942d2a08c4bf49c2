"""Writes of assignments that need more than one save: a team and its county-level units change
together; a village handed to another specialist ends one assignment and starts the next together;
a planned end is moved only while it has not passed, under a row lock."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from specialists.assignments.models import IndustryAssignment, VillageAssignment


class AssignmentAlreadyEnded(Exception):
    """The assignment to be changed has an end date already (perhaps set by someone a moment ago)."""

    def __init__(self, end_date):
        super().__init__(end_date)
        self.end_date = end_date


class AssignmentOpenEnded(Exception):
    """The assignment has no end date to move."""


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

    Coordinators only; the caller has checked that the user may change this assignment. Under the
    row lock: one that has an end date already (set a moment ago, perhaps) raises AssignmentAlreadyEnded.
    """
    with transaction.atomic():
        return _end(IndustryAssignment.objects.select_for_update(of=("self",)).get(pk=assignment.pk), end_date)


def _end(current, end_date):
    """Set the end date of an assignment already re-read under its row lock; one that has an end
    date raises AssignmentAlreadyEnded. Through save(), so the coverage spans follow."""
    if current.end_date is not None:
        raise AssignmentAlreadyEnded(current.end_date)
    current.end_date = end_date
    current.full_clean()
    current.save(update_fields=["end_date"])
    return current


def _locked(assignment) -> VillageAssignment:
    """The assignment re-read under its row lock (its own row only: locking the specialist's and the
    village's rows too would make two crossing handovers deadlock on PostgreSQL)."""
    return VillageAssignment.objects.select_for_update(of=("self",)).select_related("specialist", "village").get(pk=assignment.pk)


def village_assignment_end(*, assignment, end_date) -> VillageAssignment:
    """End a running open-ended assignment on `end_date`; the row stays, so coverage history stays true.

    Under the row lock, so that it cannot overwrite a handover or an extension made a moment before:
    one with an end date already raises AssignmentAlreadyEnded. Saved through save(), so the
    coverage spans follow.
    """
    with transaction.atomic():
        return _end(_locked(assignment), end_date)


def village_assignment_reassign(*, assignment, specialist, start_date, note="", today=None) -> VillageAssignment:
    """Hand a running village assignment to `specialist` from `start_date`, in one transaction.

    The current specialist serves until the day before (only their first day, when the successor
    starts that same day), or until their planned end if that comes first; the successor's
    assignment is open-ended. Either both rows are written or neither: the successor is checked
    before the current row changes, and a refusal leaves the current one as it was. The current row
    is locked first, so of two coordinators handing the same village on at once, one is told it has
    ended (AssignmentAlreadyEnded) instead of both succeeding; so is a handover of an assignment
    whose end has passed.

    Coordinators only; the caller has checked that the user may change this assignment and name
    this specialist. Both writes go through save(), so the coverage spans follow.
    """
    today = today or timezone.localdate()
    with transaction.atomic():
        current = _locked(assignment)
        if current.end_date is not None and current.end_date < today:
            raise AssignmentAlreadyEnded(current.end_date)
        if specialist.pk == current.specialist_id:
            raise ValidationError({"specialist": _("%(specialist)s already serves %(village)s; choose another specialist.")
                                   % {"specialist": specialist.name, "village": current.village.name}})
        if start_date < current.start_date:
            raise ValidationError({"start_date": _("The successor cannot start before the current assignment began (%(day)s).")
                                   % {"day": current.start_date.isoformat()}})
        successor = VillageAssignment(specialist=specialist, village=current.village, start_date=start_date, note=note)
        successor.full_clean()  # its days, and its overlaps with the successor's other assignments here
        last_day = max(start_date - datetime.timedelta(days=1), current.start_date)
        if current.end_date is None or last_day < current.end_date:
            current.end_date = last_day
            current.full_clean()
            current.save(update_fields=["end_date"])
        successor.save()
    return successor


def village_assignment_extend(*, assignment, end_date, today=None) -> VillageAssignment:
    """Move a planned end date later, or drop it (`end_date` None: open-ended again).

    Only while the planned end has not passed: a past end date is history (AssignmentAlreadyEnded).
    An open-ended assignment has nothing to extend (AssignmentOpenEnded). The row is locked while
    it is checked and saved, so two coordinators cannot both move it. Saved through save(), so the
    coverage spans follow.
    """
    today = today or timezone.localdate()
    with transaction.atomic():
        current = _locked(assignment)
        if current.end_date is None:
            raise AssignmentOpenEnded()
        if current.end_date < today:
            raise AssignmentAlreadyEnded(current.end_date)
        if end_date is not None and end_date <= current.end_date:
            raise ValidationError({"end_date": _("Give a day after the planned end (%(day)s), or none to leave it open-ended.")
                                   % {"day": current.end_date.isoformat()}})
        current.end_date = end_date
        current.full_clean()  # the specialist's later assignments to this village must not overlap
        current.save(update_fields=["end_date"])
    return current
