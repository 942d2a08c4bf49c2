"""People and teams: specialists, their dispatching organisations, honours and teams."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from specialists.people.validators import identity, mask, validate_credit_code, validate_id_number, validate_mobile
from villages import geometry
from villages.dates import FIRST_YEAR, LAST_YEAR
from villages.models import Industry

# The years Tepai records (villages.dates): selections, honours, the years achievements count toward.
YEAR_VALIDATORS = [MinValueValidator(FIRST_YEAR), MaxValueValidator(LAST_YEAR)]


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
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, blank=True, validators=[validate_credit_code],
        help_text=_("The 18-character unified social credit code (统一社会信用代码), when known."),
    )

    class Meta:
        verbose_name = _("dispatching organisation")
        verbose_name_plural = _("dispatching organisations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"], condition=~Q(credit_code=""), name="organisation_credit_code_unique",
                violation_error_message=_("An organisation with this credit code is already registered."),
            ),
        ]

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

    class PoliticalStatus(models.TextChoices):
        """政治面貌, as rosters record it."""

        CPC_MEMBER = "cpc_member", _("Member of the Communist Party of China")
        CPC_PROBATIONARY = "cpc_probationary", _("Probationary member of the Communist Party of China")
        CYL_MEMBER = "cyl_member", _("Member of the Communist Youth League")
        DEMOCRATIC_PARTY = "democratic_party", _("Member of a democratic party")
        MASSES = "masses", _("No party affiliation")

    class Education(models.TextChoices):
        """学历: the highest completed."""

        DOCTORATE = "doctorate", _("Doctoral degree")
        MASTER = "master", _("Master's degree")
        BACHELOR = "bachelor", _("Bachelor's degree")
        COLLEGE = "college", _("Junior college")
        SECONDARY = "secondary", _("Secondary vocational or high school")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.INDIVIDUAL)
    gender = models.CharField(_("gender"), max_length=6, choices=Gender.choices, blank=True, help_text=_("Blank for a corporate specialist."))
    mobile = models.CharField(_("mobile phone"), max_length=11, unique=True, validators=[validate_mobile])
    id_number = models.CharField(_("ID number"), max_length=18, blank=True, validators=[validate_id_number])
    organisation = models.ForeignKey(Organisation, models.PROTECT, related_name="specialists", verbose_name=_("dispatching organisation"))
    title = models.CharField(_("professional title"), max_length=50, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True, help_text=_("Read from the ID number when there is one."))
    political_status = models.CharField(_("political status"), max_length=20, choices=PoliticalStatus.choices, blank=True)
    education = models.CharField(_("education"), max_length=12, choices=Education.choices, blank=True)
    expertise = models.ManyToManyField(Industry, blank=True, related_name="specialists", verbose_name=_("fields of expertise"))
    home_lon = models.FloatField(_("home base longitude"), null=True, blank=True)
    home_lat = models.FloatField(_("home base latitude"), null=True, blank=True)
    year_selected = models.PositiveSmallIntegerField(_("year selected"), validators=YEAR_VALIDATORS)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True, help_text=_("The last day served, for a withdrawn specialist."))
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
        indexes = [
            models.Index(fields=["status"]), models.Index(fields=["year_selected"]),
            # The list's default ordering: its first page walks this index instead of sorting the table.
            models.Index(fields=["name", "id"], name="specialist_list_idx"),
        ]

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
        known = identity(self.id_number) if self.id_number else None
        if known and self.birth_date and self.birth_date != known.birth_date:
            errors["birth_date"] = ValidationError(_("The date of birth differs from the one in the ID number, %(date)s."),
                                                   params={"date": known.birth_date.isoformat()})
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
