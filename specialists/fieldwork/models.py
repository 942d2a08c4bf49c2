"""Fieldwork and its results: service logs with photos, achievements with evidence, what verified
achievements become (economic entities, income increases), and the teams' industry problems."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from specialists.people.models import YEAR_VALIDATORS, Specialist, Team
from specialists.people.validators import validate_credit_code
from villages import geometry
from villages.models import Industry, Village

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


MAX_PEOPLE_SERVED = 10_000


class ServiceLog(models.Model):
    """A dated visit, training, consultation or demonstration (服务日志) a specialist gave in a village.

    Written by `specialists.fieldwork.service_logs.service_log_record` from a phone that may retry: `uuid` is
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

    Written by `specialists.fieldwork.service_logs.service_log_photo_add`; `uuid` is the phone's, and
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

    Written by `specialists.fieldwork.achievements`: `achievement_submit` from a phone that may retry (`uuid`
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

    Written by `specialists.fieldwork.achievements.achievement_evidence_add`; `uuid` is the phone's, and
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
