"""Assignments: specialists to villages, teams to key industries, each over a range of days."""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from specialists.people.models import Specialist, Team
from villages.dates import check_day
from villages.models import County, Industry, Village

# "Running on a day": an assignment runs on every day from its start to its end, both included; an
# open end (NULL) runs on. The one rule, written here in the three forms its readers need.


def runs_on(start: datetime.date, end: datetime.date | None, day: datetime.date) -> bool:
    """Python: whether a range [start, end] (end None: open) contains the day."""
    return start <= day and (end is None or end >= day)


def running_q(day, prefix="") -> Q:
    """The ORM: rows (or the rows at `prefix`, such as "village_assignments__") running on the day."""
    return Q(**{f"{prefix}start_date__lte": day}) & (Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": day}))


def running_sql(alias: str, day_param: str = "as_of") -> str:
    """Raw SQL: the condition on table alias `alias` for rows running on the day in %(day_param)s."""
    return (f"{alias}.start_date <= %({day_param})s AND ({alias}.end_date IS NULL OR {alias}.end_date >= %({day_param})s)")


class DateRangeQuerySet(models.QuerySet):
    def running_on(self, day):
        """Rows whose range [start_date, end_date] contains the day (an open end runs on)."""
        return self.filter(running_q(day))

    def overlapping(self, start, end):
        """Rows whose range meets [start, end]; end None means open-ended."""
        query = Q(end_date__isnull=True) | Q(end_date__gte=start)
        if end is not None:
            query &= Q(start_date__lte=end)
        return self.filter(query)


def _check_dates(row):
    """The days Tepai records (villages.dates), and an end not before the start."""
    outside = {}
    for field in ("start_date", "end_date"):
        try:
            check_day(getattr(row, field), field)
        except ValidationError as error:
            outside.update(error.error_dict)
    if outside:
        raise ValidationError(outside)
    if row.start_date and row.end_date and row.end_date < row.start_date:
        raise ValidationError({"end_date": _("The end date must not be before the start date.")})


class VillageAssignment(models.Model):
    """A specialist assigned to serve a village from start_date to end_date (open while end_date is empty).

    A specialist may serve several villages and a village may have several specialists, but one
    specialist's assignments to the same village never overlap: the database refuses a second
    open-ended one, and `clean()` refuses overlapping date ranges.
    """

    specialist = models.ForeignKey(Specialist, models.PROTECT, related_name="village_assignments", verbose_name=_("specialist"))
    village = models.ForeignKey(Village, models.PROTECT, related_name="assignments", verbose_name=_("village"))
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = DateRangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("village assignment")
        verbose_name_plural = _("village assignments")
        ordering = ["-start_date", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")), name="village_assignment_dates_ordered"),
            models.UniqueConstraint(
                fields=["specialist", "village"], condition=Q(end_date__isnull=True),
                name="village_assignment_one_open_per_pair",
                violation_error_message=_("This specialist already has an open-ended assignment to this village."),
            ),
        ]
        indexes = [
            # Covering index for coverage: answers "who serves this village on this day" from the index alone.
            models.Index(fields=["village", "start_date", "end_date", "specialist"], name="assignment_coverage_idx"),
            # Covering index for a specialist's load on a day.
            models.Index(fields=["specialist", "start_date", "end_date", "village"], name="assignment_load_idx"),
            # The list's default ordering: its first page walks this index instead of sorting the table.
            models.Index(fields=["-start_date", "id"], name="village_assignment_list_idx"),
        ]

    def __str__(self):
        return f"{self.specialist} → {self.village}"

    def clean(self):
        _check_dates(self)
        if self.specialist_id is None or self.village_id is None or self.start_date is None:
            return
        if self.end_date is not None and self.end_date < self.start_date:
            return
        clash = (
            VillageAssignment.objects.filter(specialist_id=self.specialist_id, village_id=self.village_id)
            .exclude(pk=self.pk)
            .overlapping(self.start_date, self.end_date)
            .first()
        )
        if clash is not None:
            raise ValidationError(
                _("%(specialist)s is already assigned to %(village)s from %(start)s to %(end)s, which overlaps these dates."),
                params={
                    "specialist": self.specialist.name, "village": self.village.name,
                    "start": clash.start_date, "end": clash.end_date or _("open end"),
                },
                code="overlap",
            )


class IndustryAssignment(models.Model):
    """A team assigned to a key industry, city-wide or limited to some county-level units."""

    team = models.ForeignKey(Team, models.PROTECT, related_name="industry_assignments", verbose_name=_("team"))
    industry = models.ForeignKey(Industry, models.PROTECT, related_name="assignments", verbose_name=_("key industry"))
    counties = models.ManyToManyField(
        County, blank=True, related_name="industry_assignments", verbose_name=_("limited to county-level units"),
        help_text=_("Leave empty for a city-wide assignment."),
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)

    objects = DateRangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("industry assignment")
        verbose_name_plural = _("industry assignments")
        ordering = ["-start_date", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")), name="industry_assignment_dates_ordered"),
            models.UniqueConstraint(
                fields=["team", "industry"], condition=Q(end_date__isnull=True),
                name="industry_assignment_one_open_per_pair",
                violation_error_message=_("This team already has an open-ended assignment to this industry."),
            ),
        ]
        # The list's default ordering (see VillageAssignment).
        indexes = [models.Index(fields=["-start_date", "id"], name="industry_assignment_list_idx")]

    def __str__(self):
        return f"{self.team} → {self.industry}"

    def clean(self):
        _check_dates(self)
