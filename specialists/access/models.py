"""Roles: what a user is in Tepai, and the division their scope is limited to."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from villages.models import County

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
        "specialists.Specialist", models.CASCADE, null=True, blank=True, related_name="user_role", verbose_name=_("specialist"),
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
