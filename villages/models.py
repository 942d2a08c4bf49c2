"""What must be covered: the division tree (province, prefecture-level city, county-level unit, town,
village) and the key industries of each city.

Every division's code extends its parent's (GB/T 2260 for the first three levels, the statistical
codes for towns and villages), so a code says where a division lies; the development zones, which
GB/T 2260 does not list, take codes of their city (340371) and manage towns that keep their civil
district codes.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from villages import geometry
from villages.validators import (
    city_code_validator,
    county_code_validator,
    province_code_validator,
    town_code_validator,
    village_code_validator,
)


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


class Province(Bounded):
    """A provincial-level unit (省、自治区、直辖市): the top of the division tree."""

    code = models.CharField(_("division code"), max_length=2, unique=True, validators=[province_code_validator])
    name = models.CharField(_("name"), max_length=50, unique=True)

    class Meta:
        verbose_name = _("province")
        verbose_name_plural = _("provinces")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^[1-8][0-9]$"), name="province_code_2_digits"),
        ]

    def __str__(self):
        return self.name


class City(Bounded):
    """A prefecture-level unit (地级市、地区、自治州、盟) of a province.

    The county-level units a municipality or a province administers directly are grouped under the
    codes GB/T 2260 gives them (1101 北京市, 4290 省直辖县级行政区划), so that every county-level unit
    has a city above it.
    """

    class Kind(models.TextChoices):
        CITY = "city", _("Prefecture-level city")
        PREFECTURE = "prefecture", _("Prefecture")
        AUTONOMOUS_PREFECTURE = "autonomous", _("Autonomous prefecture")
        LEAGUE = "league", _("League")
        DIRECT = "direct", _("County-level units administered directly")

    code = models.CharField(_("division code"), max_length=4, unique=True, validators=[city_code_validator])
    name = models.CharField(_("name"), max_length=50)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.CITY)
    province = models.ForeignKey(Province, models.PROTECT, related_name="cities", verbose_name=_("province"))

    class Meta:
        verbose_name = _("prefecture-level city")
        verbose_name_plural = _("prefecture-level cities")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^[1-8][0-9]{3}$"), name="city_code_4_digits"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.code and self.province_id is not None and not self.code.startswith(self.province.code):
            raise ValidationError({"code": ValidationError(
                _("City code %(code)s must start with the code of %(province)s (%(province_code)s)."),
                params={"code": self.code, "province": self.province.name, "province_code": self.province.code},
            )})


class County(Bounded):
    """A county-level unit (县区): district, county or development zone, of one city."""

    class Kind(models.TextChoices):
        DISTRICT = "district", _("District")
        COUNTY = "county", pgettext_lazy("county-level unit kind", "County")
        ZONE = "zone", _("Development zone")

    code = models.CharField(_("division code"), max_length=6, unique=True, validators=[county_code_validator])
    name = models.CharField(_("name"), max_length=50)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    city = models.ForeignKey(City, models.PROTECT, related_name="counties", verbose_name=_("prefecture-level city"))
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
            # Names repeat across the country (朝阳区 in Beijing and in Changchun), not within a city.
            models.UniqueConstraint(fields=["city", "name"], name="county_name_once_per_city"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.code and self.city_id is not None and not self.code.startswith(self.city.code):
            raise ValidationError({"code": ValidationError(
                _("County-level code %(code)s must start with the code of %(city)s (%(city_code)s)."),
                params={"code": self.code, "city": self.city.name, "city_code": self.city.code},
            )})


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
    """A key industry (重点产业) of a city: key in the whole city, or in some of its county-level units only."""

    class Category(models.TextChoices):
        GRAIN = "grain", _("Grain and oil crops")
        HORTICULTURE = "horticulture", _("Fruit, vegetables and horticulture")
        AQUACULTURE = "aquaculture", _("Aquaculture")
        LIVESTOCK = "livestock", _("Livestock")
        PROCESSING = "processing", _("Processing of farm produce")
        MACHINERY = "machinery", _("Farm machinery and equipment")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=50)
    city = models.ForeignKey(City, models.PROTECT, related_name="industries", verbose_name=_("prefecture-level city"))
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    is_city_key = models.BooleanField(
        _("key industry of the city"), default=False,
        help_text=_("A city key industry must be covered in every county-level unit that lists it, or city-wide."),
    )
    key_counties = models.ManyToManyField(
        County, blank=True, related_name="key_industries", verbose_name=_("key industry of county-level units"),
        help_text=_("County-level units of the industry's city."),
    )

    class Meta:
        verbose_name = _("key industry")
        verbose_name_plural = _("key industries")
        ordering = ["name", "city"]
        constraints = [models.UniqueConstraint(fields=["city", "name"], name="industry_name_once_per_city")]
        # The list's default ordering (the constraint's index leads with the city).
        indexes = [models.Index(fields=["name", "city"], name="industry_list_idx")]

    def __str__(self):
        return self.name

    def check_key_counties(self, counties):
        """ValidationError on key_counties unless every one of `counties` belongs to the industry's city.

        A many-to-many is saved after its row, so clean() cannot see it: whatever writes the key
        units (the admin's form, the demo, an import) calls this first.
        """
        outside = sorted(county.name for county in counties if county.city_id != self.city_id)
        if outside:
            raise ValidationError({"key_counties": ValidationError(
                _("%(counties)s are not county-level units of %(city)s."),
                params={"counties": "、".join(outside), "city": self.city.name}, code="outside_city",
            )})


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
