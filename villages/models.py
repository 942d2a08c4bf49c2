"""What must be covered: county-level units, towns, villages and key industries."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from villages import geometry
from villages.validators import county_code_validator, town_code_validator, village_code_validator


class Bounded(models.Model):
    """An area with an optional boundary, stored as WKB in EPSG:4490 and valid whenever present."""

    boundary = models.BinaryField(_("boundary (WKB, EPSG:4490)"), null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    @property
    def shape(self):
        return geometry.from_wkb(self.boundary)

    def clean(self):
        if self.boundary is not None:
            try:
                geometry.validate_boundary(self.shape)
            except ValidationError as error:
                raise ValidationError({"boundary": error}) from None


class County(Bounded):
    """A county-level unit (县区): district, county or development zone."""

    class Kind(models.TextChoices):
        DISTRICT = "district", _("District")
        COUNTY = "county", pgettext_lazy("county-level unit kind", "County")
        ZONE = "zone", _("Development zone")

    code = models.CharField(_("division code"), max_length=6, unique=True, validators=[county_code_validator])
    name = models.CharField(_("name"), max_length=50, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    boundary = models.BinaryField(
        _("boundary (WKB, EPSG:4490)"), null=True, blank=True, editable=False,
        help_text=_("Development zones have none: their towns lie inside the districts'."),
    )

    class Meta:
        verbose_name = _("county-level unit")
        verbose_name_plural = _("county-level units")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^[1-8][0-9]{5}$"), name="county_code_6_digits"),
        ]

    def __str__(self):
        return self.name


class Town(Bounded):
    """A town, township or subdistrict (乡镇/街道), managed by exactly one county-level unit.

    The towns a development zone administers keep their civil code (which starts with the
    district's code) but belong to the zone for management, coverage and scope.
    """

    class Kind(models.TextChoices):
        TOWN = "town", pgettext_lazy("town kind", "Town")
        TOWNSHIP = "township", _("Township")
        SUBDISTRICT = "subdistrict", _("Subdistrict")

    code = models.CharField(_("division code"), max_length=9, unique=True, validators=[town_code_validator])
    name = models.CharField(_("name"), max_length=50)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    county = models.ForeignKey(County, models.PROTECT, related_name="towns", verbose_name=_("county-level unit"))

    class Meta:
        verbose_name = _("town")
        verbose_name_plural = _("towns")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^[1-8][0-9]{8}$"), name="town_code_9_digits"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if not self.code or self.county_id is None:
            return
        county = self.county
        if county.kind == County.Kind.ZONE:
            # A zone's towns are civil towns of a district of the same city.
            if self.code[:4] != county.code[:4]:
                raise ValidationError({"code": ValidationError(
                    _("Town code %(code)s is not in the same city as %(county)s (%(county_code)s)."),
                    params={"code": self.code, "county": county.name, "county_code": county.code},
                )})
        elif not self.code.startswith(county.code):
            raise ValidationError({"code": ValidationError(
                _("Town code %(code)s must start with the code of %(county)s (%(county_code)s)."),
                params={"code": self.code, "county": county.name, "county_code": county.code},
            )})


class Industry(models.Model):
    """A key industry (重点产业) of the city, or of some county-level units only."""

    class Category(models.TextChoices):
        GRAIN = "grain", _("Grain and oil crops")
        HORTICULTURE = "horticulture", _("Fruit, vegetables and horticulture")
        AQUACULTURE = "aquaculture", _("Aquaculture")
        LIVESTOCK = "livestock", _("Livestock")
        PROCESSING = "processing", _("Processing of farm produce")
        MACHINERY = "machinery", _("Farm machinery and equipment")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=50, unique=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    is_city_key = models.BooleanField(
        _("key industry of the city"), default=False,
        help_text=_("A city key industry must be covered in every county-level unit that lists it, or city-wide."),
    )
    key_counties = models.ManyToManyField(
        County, blank=True, related_name="key_industries", verbose_name=_("key industry of county-level units"),
    )

    class Meta:
        verbose_name = _("key industry")
        verbose_name_plural = _("key industries")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Village(Bounded):
    """An administrative village (行政村) or an urban community (社区).

    Only administrative villages count for coverage. Codes follow the statistical convention:
    communities (居委会) 001-199, villages (村委会) 200-399 after the town code.
    """

    class Kind(models.TextChoices):
        VILLAGE = "village", _("Administrative village")
        COMMUNITY = "community", _("Community")

    code = models.CharField(_("division code"), max_length=12, unique=True, validators=[village_code_validator])
    name = models.CharField(_("name"), max_length=50)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.VILLAGE)
    town = models.ForeignKey(Town, models.PROTECT, related_name="villages", verbose_name=_("town"))
    lon = models.FloatField(_("longitude"), null=True, blank=True, help_text=_("Representative point, EPSG:4490."))
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    industries = models.ManyToManyField(Industry, blank=True, related_name="villages", verbose_name=_("main industries"))
    synthetic = models.BooleanField(
        _("synthetic"), default=False,
        help_text=_("Demo data: the name, code and boundary are made up, since village boundaries are not public."),
    )

    class Meta:
        verbose_name = _("village")
        verbose_name_plural = _("villages")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^[1-8][0-9]{11}$"), name="village_code_12_digits"),
            models.CheckConstraint(
                # Both branches must be TRUE, not NULL: a CHECK passes on NULL, which would let a
                # longitude in without its latitude.
                condition=(Q(lon__isnull=True) & Q(lat__isnull=True))
                | (Q(lon__isnull=False) & Q(lat__isnull=False) & Q(lon__gte=73) & Q(lon__lte=136) & Q(lat__gte=3) & Q(lat__lte=54)),
                name="village_point_in_china",
            ),
        ]
        indexes = [models.Index(fields=["town", "kind"])]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        try:
            super().clean()
        except ValidationError as error:
            errors.update(error.error_dict)
        if self.code and self.town_id is not None and not self.code.startswith(self.town.code):
            errors["code"] = ValidationError(
                _("Village code %(code)s must start with the code of its town %(town)s (%(town_code)s)."),
                params={"code": self.code, "town": self.town.name, "town_code": self.town.code},
            )
        try:
            geometry.validate_point(self.lon, self.lat)
        except ValidationError as error:
            errors["lon"] = error
        if errors:
            raise ValidationError(errors)
