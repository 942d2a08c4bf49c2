"""Coverage's stored rows: the per-village coverage timeline, and maps rendered in the background."""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from villages.models import County, Village

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
    # The place mapped: the finest division named (a town, with its county-level unit, city and province
    # set too), or none for the whole deployment.
    province = models.ForeignKey("villages.Province", models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("province"))
    city = models.ForeignKey("villages.City", models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("prefecture-level city"))
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
    (see specialists/coverage/spans.py): for any day, each administrative village has exactly one span
    containing it, so coverage on a day is one scan of this table instead of a search through the
    assignments. `last_end` is the latest end among the assignments serving the village over the
    span, or NULL when one of them is open-ended; at-risk checks compare it with the horizon.
    """

    village = models.ForeignKey(Village, models.CASCADE, related_name="coverage_spans", verbose_name=_("village"))
    # Carried from the village, so that the gap lists read the spans alone instead of joining every
    # village (a village's save rebuilds its spans, so they follow a change of code or name).
    village_code = models.CharField(_("village code"), max_length=12, default="")
    village_name = models.CharField(_("village name"), max_length=50, default="")
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


class SpecialistLoadSpan(models.Model):
    """A stretch of days over which an active specialist serves the same number of villages.

    The load's counterpart of VillageCoverageSpan, kept in step by the same writes (see
    specialists/coverage/spans.py): the overloaded-specialist check reads the few spans over the
    load on a day instead of counting every assignment. Only stretches serving at least one
    village are stored; a day with no span is a day with no village.
    """

    specialist = models.ForeignKey(
        "specialists.Specialist", models.CASCADE, related_name="+", db_index=False, verbose_name=_("specialist"),
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))  # date.max when open-ended, as on the coverage spans
    villages = models.PositiveIntegerField(_("villages served"))

    class Meta:
        verbose_name = _("specialist load span")
        verbose_name_plural = _("specialist load spans")
        ordering = ["specialist", "start_date"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="load_span_dates_ordered"),
            models.UniqueConstraint(fields=["specialist", "start_date"], name="load_span_one_per_start"),
        ]
        indexes = [
            # Spans over a load on a day: a range on the count, few rows above any sensible load.
            models.Index(fields=["villages", "end_date", "start_date", "specialist"], name="load_span_over_idx"),
        ]

    def __str__(self):
        return f"{self.specialist_id} {self.start_date}–{self.end_date}: {self.villages}"


class TownVillageCount(models.Model):
    """How many administrative villages a town holds, kept with the coverage spans.

    Every administrative village has a span on every day, so this is also the number of spans
    running in the town on any day: coverage reads these few thousand rows and the uncovered spans
    (covered = total - uncovered) instead of counting every village's span. Towns without
    administrative villages have no row.
    """

    town = models.OneToOneField("villages.Town", models.CASCADE, related_name="+", verbose_name=_("town"))
    county = models.ForeignKey(County, models.CASCADE, related_name="+", verbose_name=_("county-level unit"))
    villages = models.PositiveIntegerField(_("administrative villages"))

    class Meta:
        verbose_name = _("town village count")
        verbose_name_plural = _("town village counts")
        ordering = ["town"]

    def __str__(self):
        return f"{self.town_id}: {self.villages}"
