"""Roles: what a user is in Tepai, and the division their scope is limited to."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from villages.models import City, County, Province

# The division fields of a role, widest first; a role names at most one.
NODE_FIELDS = ("province", "city", "county")


class UserRole(models.Model):
    """What a user is in Tepai, and where: the scope every query they make is limited to.

    A coordinator or leader is limited to one node of the division tree (a province, a
    prefecture-level city or a county-level unit) and everything under it; with none, to nothing:
    they see the whole deployment. A specialist user is linked to exactly one specialist record,
    which is their scope.
    """

    class Role(models.TextChoices):
        COORDINATOR = "coordinator", _("Coordinator")
        LEADER = "leader", _("Leader (read-only)")
        SPECIALIST = "specialist", _("Specialist")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, models.CASCADE, related_name="tepai_role", verbose_name=_("user"))
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    province = models.ForeignKey(
        Province, models.PROTECT, null=True, blank=True, related_name="user_roles", verbose_name=_("province"),
        help_text=_("Set: limited to this province."),
    )
    city = models.ForeignKey(
        City, models.PROTECT, null=True, blank=True, related_name="user_roles", verbose_name=_("prefecture-level city"),
        help_text=_("Set: limited to this city."),
    )
    county = models.ForeignKey(
        County, models.PROTECT, null=True, blank=True, related_name="user_roles", verbose_name=_("county-level unit"),
        help_text=_("Set: limited to this county-level unit. None of the three: the whole deployment."),
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
            models.CheckConstraint(
                condition=(Q(province__isnull=True) & Q(city__isnull=True))
                | (Q(province__isnull=True) & Q(county__isnull=True))
                | (Q(city__isnull=True) & Q(county__isnull=True)),
                name="user_role_one_node",
                violation_error_message=_("A role is limited to one division: a province, a city or a county-level unit."),
            ),
            models.CheckConstraint(
                condition=~Q(role="specialist") | (Q(province__isnull=True) & Q(city__isnull=True)),
                name="user_role_specialist_has_no_node",
                violation_error_message=_("A specialist's scope is their own record, not a division."),
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.node or _('whole deployment')}"

    @property
    def node(self):
        """The division the role is limited to, or None for the whole deployment (and for a specialist)."""
        return self.county or self.city or self.province

    def clean(self):
        if self.role == self.Role.SPECIALIST and self.specialist_id is None:
            raise ValidationError({"specialist": _("Choose the specialist record this user signs in as.")})
        if self.role != self.Role.SPECIALIST and self.specialist_id is not None:
            raise ValidationError({"specialist": _("Only a specialist user is linked to a specialist record.")})
        named = [field for field in NODE_FIELDS if getattr(self, f"{field}_id") is not None]
        if self.role == self.Role.SPECIALIST and named:
            raise ValidationError({named[0]: _("A specialist's scope is their own record, not a division.")})
        if len(named) > 1:
            raise ValidationError({named[-1]: _("A role is limited to one division: a province, a city or a county-level unit.")})
