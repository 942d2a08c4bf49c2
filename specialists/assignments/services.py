"""Writes of assignments: every one goes through here, from the API, the pages and the admin alike.

A village assignment is created, ended, handed over or extended; a team's industry assignment is
created with its county-level units and ended. Each write that changes a stored row locks it
first, so that two coordinators changing it at once cannot both succeed, and goes through save(),
so that the coverage spans follow (specialists/coverage/signals.py). Nothing is ever deleted:
ending sets the last day, so coverage history stays true.

Refusals: a field's rule raises ValidationError naming the field; a state that no longer allows
the change (already ended, nothing to extend, a write racing another) raises a Conflict; a county
coordinator's write outside its own unit raises NotAllowed.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from specialists.access.scope import scope_for
from specialists.assignments.models import IndustryAssignment, VillageAssignment
from specialists.people.models import Specialist
from villages.errors import Conflict, NotAllowed
from villages.places import COUNTY, Place


class AssignmentAlreadyEnded(Conflict):
    """The assignment to be changed has an end date already (perhaps set by someone a moment ago)."""

    def __init__(self, end_date, *, today=None):
        today = today or timezone.localdate()
        if end_date < today:
            message = _("This assignment already ended on %(date)s.") % {"date": end_date.isoformat()}
        else:
            message = _("This assignment is planned to end on %(date)s: extend it, or assign a successor.") % {"date": end_date.isoformat()}
        super().__init__(message)
        self.end_date = end_date


class AssignmentOpenEnded(Conflict):
    """The assignment has no end date to move."""

    def __init__(self):
        super().__init__(_("This assignment has no end date to move."))


def _saved(row, **save):
    """Save a checked row; a concurrent write that got there between the checks and the write is a Conflict."""
    try:
        with transaction.atomic():
            row.save(**save)
    except IntegrityError:
        raise Conflict(_("The request conflicts with what is stored.")) from None
    return row


def village_assignment_create(*, specialist, village, start_date, end_date=None, note="") -> VillageAssignment:
    """Assign a specialist to a village from start_date (to end_date, or open-ended).

    Coordinators; the caller names only a village and a specialist the user may (the API's
    serializer draws them from the user's scope). The model's rules refuse days outside those
    Tepai records, an end before the start, and an overlap with the specialist's other assignments
    to the village (ValidationError by field).
    """
    assignment = VillageAssignment(specialist=specialist, village=village, start_date=start_date, end_date=end_date, note=note or "")
    assignment.full_clean()
    return _saved(assignment, force_insert=True)


def _locked(assignment) -> VillageAssignment:
    """The assignment re-read under its row lock (its own row only: locking the specialist's and the
    village's rows too would make two crossing handovers deadlock on PostgreSQL)."""
    return VillageAssignment.objects.select_for_update(of=("self",)).select_related("specialist", "village").get(pk=assignment.pk)


def _end(current, end_date):
    """Set the end date of an assignment already re-read under its row lock; one that has an end
    date raises AssignmentAlreadyEnded. Through save(), so the coverage spans follow."""
    if current.end_date is not None:
        raise AssignmentAlreadyEnded(current.end_date)
    current.end_date = end_date
    current.full_clean()
    current.save(update_fields=["end_date"])
    return current


def village_assignment_end(*, assignment, end_date) -> VillageAssignment:
    """End a running open-ended assignment on `end_date`; the row stays, so coverage history stays true.

    Under the row lock, so that it cannot overwrite a handover or an extension made a moment before:
    one with an end date already raises AssignmentAlreadyEnded.
    """
    with transaction.atomic():
        return _end(_locked(assignment), end_date)


def village_assignment_reassign(*, assignment, specialist, start_date, note="", today=None) -> VillageAssignment:
    """Hand a running village assignment to `specialist` from `start_date`, in one transaction.

    The current specialist serves until the day before, or until their planned end if that comes
    first; the successor's assignment is open-ended. The successor starts after the current
    assignment's first day: starting on it would shrink the current assignment to that one day and
    rewrite the coverage already reported (ValidationError naming the day). Either both rows are
    written or neither: the successor is checked before the current row changes. The current row is
    locked first, so of two coordinators handing the same village on at once, one is told it has
    ended (AssignmentAlreadyEnded) instead of both succeeding; so is a handover of an assignment
    whose end has passed.

    Coordinators; the caller names only a specialist the user may assign.
    """
    today = today or timezone.localdate()
    with transaction.atomic():
        current = _locked(assignment)
        if current.end_date is not None and current.end_date < today:
            raise AssignmentAlreadyEnded(current.end_date, today=today)
        if specialist.pk == current.specialist_id:
            raise ValidationError({"specialist": _("%(specialist)s already serves %(village)s; choose another specialist.")
                                   % {"specialist": specialist.name, "village": current.village.name}})
        if start_date <= current.start_date:
            raise ValidationError({"start_date": _(
                "The successor must start after the current assignment's first day, %(day)s; to replace it from "
                "that day, end it and assign the successor."
            ) % {"day": current.start_date.isoformat()}})
        # A handover rewrites what is kept per specialist for both of them (their load timelines, in
        # specialists.coverage.spans): taking both specialists' rows in one order first keeps two
        # crossing handovers (A to B here, B to A elsewhere) from each waiting on the other's.
        # NO KEY UPDATE, so that a new assignment naming either of them is not held up.
        list(Specialist.objects.select_for_update(no_key=True).filter(pk__in=[current.specialist_id, specialist.pk])
             .order_by("pk").values_list("pk", flat=True))
        successor = VillageAssignment(specialist=specialist, village=current.village, start_date=start_date, note=note or "")
        successor.full_clean()  # its days, and its overlaps with the successor's other assignments here
        last_day = start_date - datetime.timedelta(days=1)
        if current.end_date is None or last_day < current.end_date:
            current.end_date = last_day
            current.full_clean()
            current.save(update_fields=["end_date"])
        _saved(successor, force_insert=True)
    return successor


def village_assignment_extend(*, assignment, end_date, today=None) -> VillageAssignment:
    """Move a planned end date later, or drop it (`end_date` None: open-ended again).

    Only while the planned end has not passed: a past end date is history (AssignmentAlreadyEnded).
    An open-ended assignment has nothing to extend (AssignmentOpenEnded). The row is locked while
    it is checked and saved, so two coordinators cannot both move it.
    """
    today = today or timezone.localdate()
    with transaction.atomic():
        current = _locked(assignment)
        if current.end_date is None:
            raise AssignmentOpenEnded()
        if current.end_date < today:
            raise AssignmentAlreadyEnded(current.end_date, today=today)
        if end_date is not None and end_date <= current.end_date:
            raise ValidationError({"end_date": _("Give a day after the planned end (%(day)s), or none to leave it open-ended.")
                                   % {"day": current.end_date.isoformat()}})
        current.end_date = end_date
        current.full_clean()  # the specialist's later assignments to this village must not overlap
        current.save(update_fields=["end_date"])
    return current


def _acting_unit(by):
    """The county-level unit `by` acts for when limited to one, else None. `by` is the user making the
    change, or a Place for a change made at a place (an import acts at its importing user's place)."""
    if isinstance(by, Place):
        return by.division if by.level == COUNTY else None
    return scope_for(by).county


def _check_county_limit(by, counties):
    """A county coordinator's industry assignment serves their own unit, never the city or another unit."""
    unit = _acting_unit(by)
    if unit is not None and [county.pk for county in counties] != [unit.pk]:
        raise ValidationError({"counties": _("Name exactly your own county-level unit (%(code)s).") % {"code": unit.code}})


def industry_assignment_check(*, by, team, industry, counties, start_date, end_date=None) -> IndustryAssignment:
    """The rules of a new industry assignment, checked without writing: the unsaved row, or
    ValidationError by field. industry_assignment_create runs them again under its transaction; the
    admin's form runs them to show a refusal beside its field.

    A county coordinator (`by`: a user, or the Place an import acts at) names exactly their own unit. The industry must be a key one where
    it is assigned: a key industry of the whole city anywhere in its city, one of some county-level
    units only in units that list it.
    """
    counties = list(counties)
    _check_county_limit(by, counties)
    assignment = IndustryAssignment(team=team, industry=industry, start_date=start_date, end_date=end_date)
    assignment.full_clean()  # dates and the one-open-assignment-per-pair rule
    try:
        industry.check_key_counties(counties)  # the units are the industry's city's (the model's rule)
    except ValidationError as error:
        raise ValidationError({"counties": error.error_dict["key_counties"]}) from None
    if not industry.is_city_key:
        key_in = set(industry.key_counties.values_list("pk", flat=True))
        if not key_in:
            raise ValidationError({"industry": _("%(industry)s is not a key industry of the city or of any county-level unit.")
                                   % {"industry": industry.name}})
        if counties and not {c.pk for c in counties} <= key_in:
            outside = "、".join(sorted(c.name for c in counties if c.pk not in key_in))
            raise ValidationError({"counties": _("%(industry)s is not a key industry of %(counties)s.")
                                   % {"industry": industry.name, "counties": outside}})
    return assignment


def industry_assignment_create(*, by, team, industry, counties, start_date, end_date=None) -> IndustryAssignment:
    """Assign a team to a key industry, city-wide (no counties) or in the named county-level units.

    Coordinators (`by`, the user making it); the caller names only a team, an industry and units
    the user may see. The rules are industry_assignment_check's. The row and its units are written
    in one transaction, so a failure leaves no assignment without its units.
    """
    counties = list(counties)
    assignment = industry_assignment_check(
        by=by, team=team, industry=industry, counties=counties, start_date=start_date, end_date=end_date,
    )
    try:
        with transaction.atomic():
            assignment.save(force_insert=True)
            assignment.counties.set(counties)
    except IntegrityError:
        raise Conflict(_("The request conflicts with what is stored.")) from None
    return assignment


def check_may_end_industry_assignment(*, by, assignment):
    """NotAllowed unless `by` may end it: a county coordinator only one limited to exactly their own unit."""
    unit = _acting_unit(by)
    if unit is not None and [c.pk for c in assignment.counties.all()] != [unit.pk]:
        raise NotAllowed(_("Only a city coordinator may end a city-wide assignment or one shared with other county-level units."))


def industry_assignment_end(*, by, assignment, end_date) -> IndustryAssignment:
    """End a running industry assignment on `end_date`; the row stays, so coverage history stays true.

    Coordinators (`by`); a county coordinator ends only an assignment limited to exactly their own
    unit (NotAllowed otherwise). Under the row lock: one that has an end date already (set a moment
    ago, perhaps) raises AssignmentAlreadyEnded.
    """
    check_may_end_industry_assignment(by=by, assignment=assignment)
    with transaction.atomic():
        return _end(IndustryAssignment.objects.select_for_update(of=("self",)).get(pk=assignment.pk), end_date)
