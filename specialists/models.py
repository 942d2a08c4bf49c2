"""Who covers the villages and industries, and what they achieve."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from specialists.validators import mask, validate_credit_code, validate_id_number, validate_mobile
from villages import geometry
from villages.models import County, Industry, Village

YEAR_VALIDATORS = [MinValueValidator(2000), MaxValueValidator(2100)]


class Organisation(models.Model):
    """A dispatching organisation (派出单位): the specialists' employer, or a team's lead organisation."""

    class Kind(models.TextChoices):
        UNIVERSITY = "university", _("University or college")
        INSTITUTE = "institute", _("Research institute")
        ENTERPRISE = "enterprise", _("Enterprise")
        EXTENSION = "extension", _("Agricultural extension body")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)

    class Meta:
        verbose_name = _("dispatching organisation")
        verbose_name_plural = _("dispatching organisations")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Specialist(models.Model):
    """A science-and-technology specialist (科技特派员): a person, or an organisation (法人科技特派员).

    Mobile and ID numbers are personal data: they are stored whole, for the coordinators who manage
    the specialist, and shown to everyone else through `masked_mobile` / `masked_id_number`.
    """

    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", _("Individual")
        CORPORATE = "corporate", _("Corporate (legal person)")
        COLLEGE_STUDENT = "college_student", _("College student")

    class Gender(models.TextChoices):
        MALE = "male", _("Male")
        FEMALE = "female", _("Female")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.INDIVIDUAL)
    gender = models.CharField(_("gender"), max_length=6, choices=Gender.choices, blank=True, help_text=_("Blank for a corporate specialist."))
    mobile = models.CharField(_("mobile phone"), max_length=11, unique=True, validators=[validate_mobile])
    id_number = models.CharField(_("ID number"), max_length=18, blank=True, validators=[validate_id_number])
    organisation = models.ForeignKey(Organisation, models.PROTECT, related_name="specialists", verbose_name=_("dispatching organisation"))
    title = models.CharField(_("professional title"), max_length=50, blank=True)
    expertise = models.ManyToManyField(Industry, blank=True, related_name="specialists", verbose_name=_("fields of expertise"))
    home_lon = models.FloatField(_("home base longitude"), null=True, blank=True)
    home_lat = models.FloatField(_("home base latitude"), null=True, blank=True)
    year_selected = models.PositiveSmallIntegerField(_("year selected"), validators=YEAR_VALIDATORS)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("specialist")
        verbose_name_plural = _("specialists")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number"], condition=~Q(id_number=""), name="specialist_id_number_unique",
                violation_error_message=_("A specialist with this ID number is already registered."),
            ),
            models.CheckConstraint(condition=Q(mobile__regex=r"^1[3-9][0-9]{9}$"), name="specialist_mobile_format"),
            models.CheckConstraint(condition=Q(id_number="") | Q(id_number__regex=r"^[1-9][0-9]{16}[0-9X]$"), name="specialist_id_number_format"),
            models.CheckConstraint(condition=Q(year_selected__gte=2000, year_selected__lte=2100), name="specialist_year_selected_range"),
            models.CheckConstraint(
                condition=(Q(home_lon__isnull=True) & Q(home_lat__isnull=True))
                | (Q(home_lon__isnull=False) & Q(home_lat__isnull=False)
                   & Q(home_lon__gte=73) & Q(home_lon__lte=136) & Q(home_lat__gte=3) & Q(home_lat__lte=54)),
                name="specialist_home_in_china",
            ),
        ]
        indexes = [models.Index(fields=["status"]), models.Index(fields=["year_selected"])]

    def __str__(self):
        return self.name

    @property
    def masked_mobile(self):
        return mask(self.mobile, 3, 4)

    @property
    def masked_id_number(self):
        return mask(self.id_number, 4, 4)

    def clean(self):
        errors = {}
        if self.kind != self.Kind.CORPORATE and not self.gender:
            errors["gender"] = ValidationError(_("Give the gender of a person; only a corporate specialist has none."))
        if self.kind == self.Kind.CORPORATE and self.gender:
            errors["gender"] = ValidationError(_("A corporate specialist is an organisation and has no gender."))
        try:
            geometry.validate_point(self.home_lon, self.home_lat)
        except ValidationError as error:
            errors["home_lon"] = error
        if errors:
            raise ValidationError(errors)


class Honour(models.Model):
    """An honour a specialist received, such as provincial excellent specialist (全省优秀科技特派员)."""

    class Kind(models.TextChoices):
        PROVINCIAL_EXCELLENT = "provincial_excellent", _("Provincial excellent specialist")
        CITY_EXCELLENT = "city_excellent", _("City excellent specialist")
        OTHER = "other", _("Other honour")

    specialist = models.ForeignKey(Specialist, models.CASCADE, related_name="honours", verbose_name=_("specialist"))
    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("honour")
        verbose_name_plural = _("honours")
        ordering = ["-year", "specialist"]
        constraints = [models.UniqueConstraint(fields=["specialist", "year", "kind"], name="honour_once_per_year")]

    def __str__(self):
        return f"{self.specialist} {self.year} {self.get_kind_display()}"


class Team(models.Model):
    """A specialist team (科技特派团) led by a university, institute or key enterprise."""

    class Level(models.TextChoices):
        CITY = "city", _("City")
        PROVINCIAL = "provincial", _("Provincial")

    name = models.CharField(_("name"), max_length=100, unique=True)
    lead_organisation = models.ForeignKey(Organisation, models.PROTECT, related_name="led_teams", verbose_name=_("lead organisation"))
    leader = models.ForeignKey(Specialist, models.PROTECT, related_name="led_teams", verbose_name=_("leader"))
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, default=Level.CITY)
    year_selected = models.PositiveSmallIntegerField(_("year selected"), validators=YEAR_VALIDATORS)
    members = models.ManyToManyField(Specialist, through="TeamMembership", related_name="teams", verbose_name=_("members"))

    class Meta:
        verbose_name = _("specialist team")
        verbose_name_plural = _("specialist teams")
        ordering = ["name"]

    def __str__(self):
        return self.name


class TeamMembership(models.Model):
    class Role(models.TextChoices):
        LEADER = "leader", _("Leader")
        DEPUTY = "deputy", _("Deputy leader")
        MEMBER = "member", _("Member")

    team = models.ForeignKey(Team, models.CASCADE, related_name="memberships", verbose_name=_("team"))
    specialist = models.ForeignKey(Specialist, models.CASCADE, related_name="team_memberships", verbose_name=_("specialist"))
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        ordering = ["team", "role", "specialist"]
        constraints = [
            models.UniqueConstraint(fields=["team", "specialist"], name="team_member_once"),
            models.UniqueConstraint(
                fields=["team"], condition=Q(role="leader"), name="team_one_leader",
                violation_error_message=_("A team has only one leader."),
            ),
        ]

    def __str__(self):
        return f"{self.team} · {self.specialist}"


class DateRangeQuerySet(models.QuerySet):
    def running_on(self, day):
        """Rows whose range [start_date, end_date] contains the day (an open end runs on)."""
        return self.filter(Q(start_date__lte=day) & (Q(end_date__isnull=True) | Q(end_date__gte=day)))

    def overlapping(self, start, end):
        """Rows whose range meets [start, end]; end None means open-ended."""
        query = Q(end_date__isnull=True) | Q(end_date__gte=start)
        if end is not None:
            query &= Q(start_date__lte=end)
        return self.filter(query)


# The days an assignment can name: the years specialists can be selected in (YEAR_VALIDATORS).
FIRST_DAY, LAST_DAY = datetime.date(2000, 1, 1), datetime.date(2100, 12, 31)


def _check_dates(row):
    outside = {
        field: [_("Give a day from %(first)s to %(last)s.") % {"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()}]
        for field in ("start_date", "end_date")
        if getattr(row, field) is not None and not FIRST_DAY <= getattr(row, field) <= LAST_DAY
    }
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

    def __str__(self):
        return f"{self.team} → {self.industry}"

    def clean(self):
        _check_dates(self)


class Enterprise(models.Model):
    """An economic entity (经济实体) a specialist leads (领办) or founded (创办)."""

    class Kind(models.TextChoices):
        COMPANY = "company", _("Company")
        COOPERATIVE = "cooperative", _("Farmers' cooperative")
        FAMILY_FARM = "family_farm", _("Family farm")
        OTHER = "other", _("Other")

    class Relation(models.TextChoices):
        LED = "led", _("Led (领办)")
        FOUNDED = "founded", _("Founded (创办)")

    name = models.CharField(_("name"), max_length=100)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True, validators=[validate_credit_code])
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    relation = models.CharField(_("relation"), max_length=8, choices=Relation.choices)
    specialist = models.ForeignKey(Specialist, models.PROTECT, related_name="enterprises", verbose_name=_("specialist"))
    village = models.ForeignKey(Village, models.SET_NULL, null=True, blank=True, related_name="enterprises", verbose_name=_("village"))
    industry = models.ForeignKey(Industry, models.SET_NULL, null=True, blank=True, related_name="enterprises", verbose_name=_("industry"))
    date = models.DateField(_("date led or founded"))

    class Meta:
        verbose_name = _("economic entity")
        verbose_name_plural = _("economic entities")
        ordering = ["-date", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(credit_code__regex=r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$"), name="enterprise_credit_code_format"),
        ]

    def __str__(self):
        return self.name


class IncomeIncrease(models.Model):
    """The income increases credited to a specialist for one year, in whole yuan."""

    specialist = models.ForeignKey(Specialist, models.PROTECT, related_name="income_increases", verbose_name=_("specialist"))
    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    farmer_yuan = models.PositiveBigIntegerField(_("farmers and new agricultural businesses (yuan)"), default=0)
    collective_yuan = models.PositiveBigIntegerField(_("village collectives (yuan)"), default=0)

    class Meta:
        verbose_name = _("income increase")
        verbose_name_plural = _("income increases")
        ordering = ["-year", "specialist"]
        constraints = [
            models.UniqueConstraint(fields=["specialist", "year"], name="income_increase_once_per_year"),
            models.CheckConstraint(condition=Q(farmer_yuan__gte=0) & Q(collective_yuan__gte=0), name="income_increase_not_negative"),
        ]

    def __str__(self):
        return f"{self.specialist} {self.year}"


class IndustryProblem(models.Model):
    """An industry problem a team analysed in the team special action (团队专项行动)."""

    team = models.ForeignKey(Team, models.PROTECT, related_name="industry_problems", verbose_name=_("team"))
    industry = models.ForeignKey(Industry, models.PROTECT, related_name="problems", verbose_name=_("key industry"))
    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    title = models.CharField(_("problem"), max_length=200)
    description = models.TextField(_("analysis"), blank=True)

    class Meta:
        verbose_name = _("industry problem")
        verbose_name_plural = _("industry problems")
        ordering = ["-year", "team", "id"]

    def __str__(self):
        return self.title


class Countermeasure(models.Model):
    """A countermeasure a team made for an industry problem."""

    problem = models.ForeignKey(IndustryProblem, models.CASCADE, related_name="countermeasures", verbose_name=_("industry problem"))
    title = models.CharField(_("countermeasure"), max_length=200)
    description = models.TextField(_("details"), blank=True)

    class Meta:
        verbose_name = _("countermeasure")
        verbose_name_plural = _("countermeasures")
        ordering = ["problem", "id"]

    def __str__(self):
        return self.title


class UserRole(models.Model):
    """What a user is in Tepai, and where: the scope every query they make is limited to.

    A coordinator or leader with no county-level unit is city-wide; with one, limited to it.
    A specialist user is linked to exactly one specialist record.
    """

    class Role(models.TextChoices):
        COORDINATOR = "coordinator", _("Coordinator")
        LEADER = "leader", _("Leader (read-only)")
        SPECIALIST = "specialist", _("Specialist")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, models.CASCADE, related_name="tepai_role", verbose_name=_("user"))
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    county = models.ForeignKey(
        County, models.PROTECT, null=True, blank=True, related_name="user_roles", verbose_name=_("county-level unit"),
        help_text=_("Empty: city-wide. Set: limited to this county-level unit."),
    )
    specialist = models.OneToOneField(
        Specialist, models.CASCADE, null=True, blank=True, related_name="user_role", verbose_name=_("specialist"),
    )

    class Meta:
        verbose_name = _("user role")
        verbose_name_plural = _("user roles")
        ordering = ["role", "user__username"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(role="specialist") & Q(specialist__isnull=False) & Q(county__isnull=True))
                | (~Q(role="specialist") & Q(specialist__isnull=True)),
                name="user_role_specialist_link",
                violation_error_message=_("A specialist user must be linked to a specialist record, and only a specialist user may be."),
            ),
        ]

    def __str__(self):
        scope = self.county.name if self.county_id else _("city-wide")
        return f"{self.user} · {self.get_role_display()} · {scope}"

    def clean(self):
        if self.role == self.Role.SPECIALIST and self.specialist_id is None:
            raise ValidationError({"specialist": _("Choose the specialist record this user signs in as.")})
        if self.role != self.Role.SPECIALIST and self.specialist_id is not None:
            raise ValidationError({"specialist": _("Only a specialist user is linked to a specialist record.")})
        if self.role == self.Role.SPECIALIST and self.county_id is not None:
            raise ValidationError({"county": _("A specialist's scope is their own record, not a county-level unit.")})


class MapJob(models.Model):
    """A map rendered in the background: who asked for what, how far it got, and the file it made.

    The row is committed before its task is queued, and the task may run more than once (a worker
    killed mid-render has its message redelivered): the job completes once and keeps one file.
    """

    class Kind(models.TextChoices):
        VILLAGES = "villages", _("Village coverage map")
        INDUSTRIES = "industries", _("Industry coverage map")

    class Format(models.TextChoices):
        PNG = "png", "PNG"
        SVG = "svg", "SVG"
        PDF = "pdf", "PDF"
        GEOJSON = "geojson", "GeoJSON"
        GPKG = "gpkg", "GeoPackage"
        SHP = "shp", _("Shapefile (zip)")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="map_jobs", verbose_name=_("requested by"),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.VILLAGES)
    format = models.CharField(_("format"), max_length=8, choices=Format.choices, default=Format.PNG)
    as_of = models.DateField(_("as of"))
    county = models.ForeignKey(County, models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("county-level unit"))
    town = models.ForeignKey("villages.Town", models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("town"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0, validators=[MaxValueValidator(100)])
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    result = models.FileField(_("result file"), upload_to="maps/", blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("map job")
        verbose_name_plural = _("map jobs")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="map_job_progress_percent"),
            models.CheckConstraint(condition=~Q(status="done") | ~Q(result=""), name="map_job_done_has_file"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.as_of} ({self.get_status_display()})"


class VillageCoverageSpan(models.Model):
    """A stretch of days over which an administrative village's coverage does not change.

    Derived from the village assignments of active specialists and kept in step on every write
    (see specialists/spans.py): for any day, each administrative village has exactly one span
    containing it, so coverage on a day is one scan of this table instead of a search through the
    assignments. `last_end` is the latest end among the assignments serving the village over the
    span, or NULL when one of them is open-ended; at-risk checks compare it with the horizon.
    """

    village = models.ForeignKey(Village, models.CASCADE, related_name="coverage_spans", verbose_name=_("village"))
    # No index of their own: the running index below holds both.
    town = models.ForeignKey("villages.Town", models.CASCADE, related_name="+", db_index=False, verbose_name=_("town"))
    county = models.ForeignKey(County, models.CASCADE, related_name="+", db_index=False, verbose_name=_("county-level unit"))
    start_date = models.DateField(_("start date"))
    # The last span runs to date.max rather than NULL, so that "running on a day" is one index range.
    end_date = models.DateField(_("end date"))
    covered = models.BooleanField(_("covered"))
    last_end = models.DateField(_("last serving day"), null=True, blank=True)

    class Meta:
        verbose_name = _("village coverage span")
        verbose_name_plural = _("village coverage spans")
        ordering = ["village", "start_date"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="coverage_span_dates_ordered"),
            models.UniqueConstraint(fields=["village", "start_date"], name="coverage_span_one_per_start"),
        ]
        indexes = [
            # Spans running on a day, counted per town from the index alone.
            models.Index(fields=["end_date", "start_date", "county", "town", "covered"], name="coverage_span_day_idx"),
            # Uncovered spans running on a day: the gap list.
            models.Index(fields=["covered", "end_date", "start_date", "county", "town"], name="coverage_span_running_idx"),
            # Covered spans whose assignments end soon: the villages at risk.
            models.Index(fields=["covered", "last_end"], name="coverage_span_risk_idx"),
        ]

    def __str__(self):
        return f"{self.village_id} {self.start_date}–{self.end_date or ''}"


MAX_PEOPLE_SERVED = 10_000


class ServiceLog(models.Model):
    """A dated visit, training, consultation or demonstration (服务日志) a specialist gave in a village.

    Written by `specialists.service_logs.service_log_record` from a phone that may retry: `uuid` is
    the phone's, and `fingerprint` (a hash of what the phone sent) tells a retry from a clash.
    The location is stored in WGS-84 whatever the phone used; `crs` keeps what that was.
    """

    class Kind(models.TextChoices):
        VISIT = "visit", _("Visit")
        TRAINING = "training", _("Training")
        CONSULTATION = "consultation", _("Consultation")
        DEMONSTRATION = "demonstration", _("Demonstration")

    class CRS(models.TextChoices):
        WGS84 = "WGS84", "WGS-84"
        GCJ02 = "GCJ02", "GCJ-02"

    uuid = models.UUIDField(_("UUID"), unique=True, editable=False, help_text=_("Made by the phone; a retry sends the same one."))
    specialist = models.ForeignKey(Specialist, models.PROTECT, related_name="service_logs", verbose_name=_("specialist"))
    village = models.ForeignKey(Village, models.PROTECT, related_name="service_logs", verbose_name=_("village"))
    kind = models.CharField(_("kind"), max_length=14, choices=Kind.choices)
    occurred_at = models.DateTimeField(_("occurred at"))
    description = models.TextField(_("description"), max_length=5000)
    people_served = models.PositiveIntegerField(_("people served"), validators=[MaxValueValidator(MAX_PEOPLE_SERVED)])
    lon = models.FloatField(_("longitude (WGS-84)"))
    lat = models.FloatField(_("latitude (WGS-84)"))
    accuracy_m = models.FloatField(_("accuracy (m)"), null=True, blank=True, validators=[MinValueValidator(0)])
    crs = models.CharField(_("coordinate system sent"), max_length=5, choices=CRS.choices, default=CRS.WGS84)
    in_village = models.BooleanField(
        _("in the village"), null=True, blank=True,
        help_text=_("Inside the village boundary or near it; empty when the village has no boundary."),
    )
    distance_m = models.FloatField(_("distance from the village (m)"), null=True, blank=True)
    fingerprint = models.CharField(_("content fingerprint"), max_length=64, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("service log")
        verbose_name_plural = _("service logs")
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(people_served__gte=0) & Q(people_served__lte=MAX_PEOPLE_SERVED), name="service_log_people_served_range",
            ),
            models.CheckConstraint(
                condition=Q(lon__gte=73) & Q(lon__lte=136) & Q(lat__gte=3) & Q(lat__lte=54), name="service_log_point_in_china",
            ),
            models.CheckConstraint(condition=Q(accuracy_m__isnull=True) | Q(accuracy_m__gte=0), name="service_log_accuracy_not_negative"),
            models.CheckConstraint(condition=Q(distance_m__isnull=True) | Q(distance_m__gte=0), name="service_log_distance_not_negative"),
        ]
        indexes = [
            models.Index(fields=["specialist", "occurred_at"], name="service_log_specialist_idx"),
            models.Index(fields=["village", "occurred_at"], name="service_log_village_idx"),
        ]

    def __str__(self):
        return f"{self.specialist} · {self.village} · {self.get_kind_display()} {self.occurred_at:%Y-%m-%d}"

    def clean(self):
        try:
            geometry.validate_point(self.lon, self.lat)
        except ValidationError as error:
            raise ValidationError({"lon": error}) from None


def _service_log_photo_path(photo, filename):
    # The extension comes from the re-encoded format, never from the name the phone sent.
    extension = filename.rsplit(".", 1)[-1].lower()
    return f"logs/{photo.log.uuid}/{photo.uuid}.{extension}"


class ServiceLogPhoto(models.Model):
    """A photo of a service log, re-encoded on arrival without its location and camera metadata.

    Written by `specialists.service_logs.service_log_photo_add`; `uuid` is the phone's, and
    `fingerprint` (a hash of the uploaded bytes) tells a retried upload from a different photo.
    """

    class Format(models.TextChoices):
        JPEG = "jpeg", "JPEG"
        PNG = "png", "PNG"
        WEBP = "webp", "WebP"

    uuid = models.UUIDField(_("UUID"), unique=True, editable=False)
    log = models.ForeignKey(ServiceLog, models.CASCADE, related_name="photos", verbose_name=_("service log"))
    image = models.FileField(_("image"), upload_to=_service_log_photo_path, max_length=200)
    format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    width = models.PositiveIntegerField(_("width (px)"))
    height = models.PositiveIntegerField(_("height (px)"))
    size_bytes = models.PositiveIntegerField(_("size (bytes)"))
    fingerprint = models.CharField(_("content fingerprint"), max_length=64, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("service log photo")
        verbose_name_plural = _("service log photos")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(width__gt=0) & Q(height__gt=0), name="service_log_photo_dimensions_positive"),
        ]

    def __str__(self):
        return f"{self.log_id} · {self.uuid}"


# Far above any one achievement's income increase: a typo cannot swamp the city's totals, and sums
# of them stay far from the 64-bit limit of the income columns.
MAX_ACHIEVEMENT_YUAN = 10_000_000_000


class Achievement(models.Model):
    """Something a specialist achieved (成果), submitted from their phone and reviewed by a coordinator.

    Written by `specialists.achievements`: `achievement_submit` from a phone that may retry (`uuid`
    is the phone's, `fingerprint` tells a retry from a clash), `achievement_verify` and
    `achievement_reject` by a coordinator of the specialist's county-level unit or the city. Only
    verified achievements count in the figures: verifying an income increase adds it to the
    specialist's IncomeIncrease of its year, verifying an economic entity creates the Enterprise.
    A reviewed achievement is never reviewed again; after a rejection the specialist submits a new one.
    """

    class Kind(models.TextChoices):
        FOUR_NEW_VARIETY = "four_new_variety", _("New variety")
        FOUR_NEW_TECHNOLOGY = "four_new_technology", _("New technology")
        FOUR_NEW_EQUIPMENT = "four_new_equipment", _("New equipment")
        FOUR_NEW_MODE = "four_new_mode", _("New mode")
        ENTERPRISE = "enterprise", _("Economic entity led or founded")
        FARMER_INCOME = "farmer_income", _("Income increase of farmers and new agricultural businesses")
        COLLECTIVE_INCOME = "collective_income", _("Income increase of a village collective")
        AWARD = "award", _("Award")

    FOUR_NEW = (Kind.FOUR_NEW_VARIETY, Kind.FOUR_NEW_TECHNOLOGY, Kind.FOUR_NEW_EQUIPMENT, Kind.FOUR_NEW_MODE)
    INCOME = (Kind.FARMER_INCOME, Kind.COLLECTIVE_INCOME)

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted, awaiting review")
        VERIFIED = "verified", _("Verified")
        REJECTED = "rejected", _("Rejected")

    class AwardLevel(models.TextChoices):
        NATIONAL = "national", pgettext_lazy("award level", "National")
        PROVINCIAL = "provincial", pgettext_lazy("award level", "Provincial")
        CITY = "city", pgettext_lazy("award level", "City")
        COUNTY = "county", pgettext_lazy("award level", "County")
        OTHER = "other", _("Other")

    uuid = models.UUIDField(_("UUID"), unique=True, editable=False, help_text=_("Made by the phone; a retry sends the same one."))
    specialist = models.ForeignKey(Specialist, models.PROTECT, related_name="achievements", verbose_name=_("specialist"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    date = models.DateField(_("date achieved"))
    year = models.PositiveSmallIntegerField(
        _("counts toward year"), validators=YEAR_VALIDATORS,
        help_text=_("The year whose figures it counts in: the year of its date, or the year before for an increase reported after the year ended."),
    )
    village = models.ForeignKey(
        Village, models.PROTECT, null=True, blank=True, related_name="achievements", verbose_name=_("village"),
        help_text=_("Where it happened; required for a village collective's income increase."),
    )
    industry = models.ForeignKey(Industry, models.PROTECT, null=True, blank=True, related_name="achievements", verbose_name=_("industry"))
    amount_yuan = models.PositiveBigIntegerField(
        _("amount (yuan)"), null=True, blank=True, validators=[MaxValueValidator(MAX_ACHIEVEMENT_YUAN)],
        help_text=_("Whole yuan; only for an income increase."),
    )
    enterprise_name = models.CharField(_("economic entity's name"), max_length=100, blank=True)
    enterprise_credit_code = models.CharField(
        _("economic entity's unified social credit code"), max_length=18, blank=True, validators=[validate_credit_code],
    )
    enterprise_kind = models.CharField(_("economic entity's kind"), max_length=12, choices=Enterprise.Kind.choices, blank=True)
    enterprise_relation = models.CharField(_("led or founded"), max_length=8, choices=Enterprise.Relation.choices, blank=True)
    award_body = models.CharField(_("awarding body"), max_length=100, blank=True)
    award_level = models.CharField(_("award level"), max_length=10, choices=AwardLevel.choices, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    reject_reason = models.TextField(_("reason for rejection"), max_length=1000, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="reviewed_achievements", verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    enterprise = models.OneToOneField(
        Enterprise, models.SET_NULL, null=True, blank=True, related_name="achievement", verbose_name=_("economic entity created"),
        help_text=_("The economic entity its verification created."),
    )
    fingerprint = models.CharField(_("content fingerprint"), max_length=64, editable=False)
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)

    class Meta:
        verbose_name = _("achievement")
        verbose_name_plural = _("achievements")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(year__gte=2000, year__lte=2100), name="achievement_year_range"),
            models.CheckConstraint(
                condition=(Q(kind__in=["farmer_income", "collective_income"]) & Q(amount_yuan__gt=0))
                | (~Q(kind__in=["farmer_income", "collective_income"]) & (Q(amount_yuan__isnull=True) | Q(amount_yuan=0))),
                name="achievement_amount_for_income_only",
                violation_error_message=_("An income increase needs an amount in yuan above zero; other achievements have none."),
            ),
            models.CheckConstraint(
                condition=~Q(kind="collective_income") | Q(village__isnull=False),
                name="achievement_collective_income_has_village",
                violation_error_message=_("A village collective's income increase names its village."),
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="enterprise") & ~Q(enterprise_name="") & Q(enterprise_kind__in=Enterprise.Kind.values)
                    & Q(enterprise_relation__in=Enterprise.Relation.values)
                    & Q(enterprise_credit_code__regex=r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")
                ) | (
                    ~Q(kind="enterprise") & Q(enterprise_name="", enterprise_credit_code="", enterprise_kind="", enterprise_relation="")
                ),
                name="achievement_enterprise_fields",
                violation_error_message=_("An economic entity needs its name, credit code, kind and relation; other achievements have none."),
            ),
            models.CheckConstraint(
                condition=(Q(kind="award") & ~Q(award_body="") & Q(award_level__in=["national", "provincial", "city", "county", "other"]))
                | (~Q(kind="award") & Q(award_body="", award_level="")),
                name="achievement_award_fields",
                violation_error_message=_("An award needs its awarding body and level; other achievements have none."),
            ),
            models.CheckConstraint(
                condition=(Q(status="rejected") & ~Q(reject_reason="")) | (~Q(status="rejected") & Q(reject_reason="")),
                name="achievement_reject_reason",
                violation_error_message=_("A rejected achievement gives the reason, and only a rejected one has a reason."),
            ),
            models.CheckConstraint(
                condition=(Q(status="submitted") & Q(reviewed_at__isnull=True)) | (~Q(status="submitted") & Q(reviewed_at__isnull=False)),
                name="achievement_reviewed_when_not_submitted",
            ),
        ]
        indexes = [
            models.Index(fields=["specialist", "submitted_at"], name="achievement_specialist_idx"),
            # The figures: verified achievements of a year, by kind.
            models.Index(fields=["status", "year", "kind"], name="achievement_figures_idx"),
        ]

    def __str__(self):
        return f"{self.specialist} · {self.get_kind_display()} · {self.title}"

    def clean(self):
        errors = {}
        if self.kind in self.INCOME:
            if not self.amount_yuan:
                errors["amount_yuan"] = ValidationError(_("Give the income increase in whole yuan, above zero."), code="required")
        elif self.amount_yuan:
            errors["amount_yuan"] = ValidationError(_("Only an income increase has an amount."), code="not_allowed")
        if self.kind == self.Kind.COLLECTIVE_INCOME and self.village_id is None:
            errors["village"] = ValidationError(_("Name the village whose collective's income increased."), code="required")
        enterprise_fields = ("enterprise_name", "enterprise_credit_code", "enterprise_kind", "enterprise_relation")
        award_fields = ("award_body", "award_level")
        for kind, fields in ((self.Kind.ENTERPRISE, enterprise_fields), (self.Kind.AWARD, award_fields)):
            for field in fields:
                value = getattr(self, field)
                if self.kind == kind and not value and field not in errors:
                    errors[field] = ValidationError(_("This field is required for this kind of achievement."), code="required")
                elif self.kind != kind and value:
                    errors[field] = ValidationError(_("This field is only for another kind of achievement."), code="not_allowed")
        if self.date is not None and self.year is not None and not self.date.year - 1 <= self.year <= self.date.year:
            errors["year"] = ValidationError(
                _("An achievement dated %(date)s counts toward its own year or the year before, not %(year)s."),
                params={"date": self.date.isoformat(), "year": self.year}, code="year_mismatch",
            )
        if errors:
            raise ValidationError(errors)


def _evidence_path(evidence, filename):
    # The extension comes from the checked content, never from the name the phone sent.
    extension = filename.rsplit(".", 1)[-1].lower()
    return f"achievements/{evidence.achievement.uuid}/{evidence.uuid}.{extension}"


class AchievementEvidence(models.Model):
    """A file supporting an achievement: a photo (re-encoded without metadata) or a PDF.

    Written by `specialists.achievements.achievement_evidence_add`; `uuid` is the phone's, and
    `fingerprint` (a hash of the uploaded bytes) tells a retried upload from a different file.
    """

    class ContentType(models.TextChoices):
        JPEG = "image/jpeg", "JPEG"
        PNG = "image/png", "PNG"
        WEBP = "image/webp", "WebP"
        PDF = "application/pdf", "PDF"

    uuid = models.UUIDField(_("UUID"), unique=True, editable=False)
    achievement = models.ForeignKey(Achievement, models.CASCADE, related_name="evidence", verbose_name=_("achievement"))
    file = models.FileField(_("file"), upload_to=_evidence_path, max_length=200)
    content_type = models.CharField(_("content type"), max_length=20, choices=ContentType.choices)
    size_bytes = models.PositiveIntegerField(_("size (bytes)"))
    original_name = models.CharField(_("original file name"), max_length=200, blank=True)
    fingerprint = models.CharField(_("content fingerprint"), max_length=64, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("achievement evidence")
        verbose_name_plural = _("achievement evidence")
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.original_name or str(self.uuid)
