"""An import: the file someone brought, its preview, and what committing it changed."""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ImportJob(models.Model):
    """One upload, from its preview to its outcome: the history of imports.

    The file is kept, with its SHA-256, so that what was imported can be shown later. The place is
    the importing user's (their role's division, none for the whole deployment): rows outside it
    were refused, and the job is seen by the coordinators of that place and of the places above.
    """

    class Status(models.TextChoices):
        PREVIEWING = "previewing", _("Reading the file")
        READY = "ready", _("Ready to confirm")
        REFUSED = "refused", _("Refused")
        COMMITTING = "committing", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=24)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    options = models.JSONField(_("options"), default=dict, blank=True)
    province = models.ForeignKey("villages.Province", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("province"))
    city = models.ForeignKey("villages.City", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("prefecture-level city"))
    county = models.ForeignKey("villages.County", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("county-level unit"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="imports", verbose_name=_("uploaded by"),
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("confirmed by"),
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PREVIEWING)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0, validators=[MaxValueValidator(100)])
    rows = models.PositiveIntegerField(_("rows"), default=0)
    preview = models.JSONField(_("preview"), default=dict, blank=True)
    outcome = models.JSONField(_("outcome"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(progress__lte=100), name="import_job_progress_percent")]
        indexes = [models.Index(fields=["sha256"]), models.Index(fields=["kind", "-created_at"])]

    def __str__(self):
        return f"{self.kind} {self.file_name} ({self.get_status_display()})"
