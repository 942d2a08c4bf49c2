"""Admin for the divisions and key industries.

Boundaries are WKB blobs of up to hundreds of kilobytes (a county's outline): every queryset here
defers them, also on the rows it joins, so that a list page of a hundred villages does not read a
hundred copies of their county's outline. The change form reads the row's own boundary once to say
whether one is stored and how large it is.
"""


import shapely
from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import BooleanField, Count, ExpressionWrapper, Prefetch, Q
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from villages import geometry
from villages.models import City, County, Industry, Province, Town, Village


def boundary_area_km2(shape) -> float:
    """Area in km², measured in EPSG:4548 (Gauss-Kruger CM 117E, true to well under 1% across Anhui)."""
    return geometry.project(shape).area / 1e6


def _has_boundary():
    return ExpressionWrapper(Q(boundary__isnull=False), output_field=BooleanField())


class BoundaryAdminMixin:
    """A read-only summary of the stored boundary, and a list column that does not load it."""

    @admin.display(description=_("boundary"))
    def boundary_summary(self, obj):
        if obj is None or obj.pk is None or obj.boundary is None:
            return _("No boundary stored.")
        try:
            shape = obj.shape
        except shapely.errors.ShapelyError:
            return _("A boundary is stored but cannot be read as WKB.")
        return _("Stored: %(area)s km² (measured in %(crs)s).") % {
            # number_format() cuts decimals off rather than rounding them.
            "area": number_format(round(boundary_area_km2(shape), 2), 2, force_grouping=True),
            "crs": geometry.PROJECTED_CRS,
        }

    @admin.display(description=_("boundary stored"), boolean=True, ordering="has_boundary")
    def has_boundary(self, obj):
        return obj.has_boundary


def counties_without_boundaries():
    return County.objects.defer("boundary")


class CountyListFilter(admin.RelatedFieldListFilter):
    """The county-level units to filter by, read without their boundaries.

    The stock filter loads whole rows through field.get_choices(), outlines and all, on every page.
    """

    def field_choices(self, field, request, model_admin):
        ordering = self.field_admin_ordering(field, request, model_admin) or County._meta.ordering
        return [(county.pk, str(county)) for county in counties_without_boundaries().order_by(*ordering)]


@admin.register(Province)
class ProvinceAdmin(BoundaryAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "has_boundary"]
    search_fields = ["code", "name"]
    fields = ["code", "name", "boundary_summary"]
    readonly_fields = ["boundary_summary"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("boundary").annotate(has_boundary=_has_boundary())


@admin.register(City)
class CityAdmin(BoundaryAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "kind", "province", "has_boundary"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["province"]
    list_select_related = ["province"]
    fields = ["code", "name", "kind", "province", "boundary_summary"]
    readonly_fields = ["boundary_summary"]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("province").defer("boundary", "province__boundary")
            .annotate(has_boundary=_has_boundary())
        )


@admin.register(County)
class CountyAdmin(BoundaryAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "kind", "city", "town_count", "has_boundary"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["city"]
    # Explicit, because a GROUP BY query (the town count) drops Meta.ordering.
    ordering = ["code"]
    fields = ["code", "name", "kind", "city", "boundary_summary"]
    readonly_fields = ["boundary_summary"]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("city").defer("boundary", "city__boundary")
            .annotate(has_boundary=_has_boundary(), town_count=Count("towns"))
        )

    @admin.display(description=_("towns"), ordering="town_count")
    def town_count(self, obj):
        return obj.town_count


@admin.register(Town)
class TownAdmin(BoundaryAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "kind", "county", "has_boundary"]
    list_filter = ["kind", ("county", CountyListFilter)]
    search_fields = ["code", "name"]
    autocomplete_fields = ["county"]
    list_select_related = ["county"]
    fields = ["code", "name", "kind", "county", "boundary_summary"]
    readonly_fields = ["boundary_summary"]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("county").defer("boundary", "county__boundary")
            .annotate(has_boundary=_has_boundary())
        )


class IndustryForm(forms.ModelForm):
    """A key industry's key county-level units must be units of its city (Industry.check_key_counties)."""

    class Meta:
        model = Industry
        fields = ["name", "city", "category", "is_city_key", "key_counties"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("city") is not None:
            self.instance.city = cleaned["city"]
            try:
                self.instance.check_key_counties(cleaned.get("key_counties") or [])
            except ValidationError as error:
                self.add_error("key_counties", error.error_dict["key_counties"])
        return cleaned


@admin.register(Industry)
class IndustryAdmin(admin.ModelAdmin):
    form = IndustryForm
    list_display = ["name", "city", "category", "is_city_key", "key_county_names"]
    list_filter = ["category", "is_city_key"]
    search_fields = ["name", "city__name"]
    autocomplete_fields = ["city", "key_counties"]
    list_select_related = ["city"]

    def get_queryset(self, request):
        # One query for the key counties of the whole page, not one per industry.
        return super().get_queryset(request).select_related("city").defer("city__boundary").prefetch_related(
            Prefetch("key_counties", queryset=counties_without_boundaries())
        )

    @admin.display(description=_("key industry of county-level units"))
    def key_county_names(self, obj):
        return "、".join(county.name for county in obj.key_counties.all()) or _("city-wide")


@admin.register(Village)
class VillageAdmin(BoundaryAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "kind", "town", "county", "synthetic", "has_boundary"]
    list_filter = ["kind", "synthetic", ("town__county", CountyListFilter)]
    search_fields = ["code", "name", "town__name"]
    autocomplete_fields = ["town", "industries"]
    list_select_related = ["town__county"]
    readonly_fields = ["synthetic_note", "boundary_summary"]

    def get_fields(self, request, obj=None):
        fields = ["code", "name", "kind", "town", "lon", "lat", "industries", "synthetic", "boundary_summary"]
        if obj is not None and obj.synthetic:
            # First on the form, so nobody mistakes a made-up village for a real one.
            fields.insert(0, "synthetic_note")
        return fields

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("town__county")
            .defer("boundary", "town__boundary", "town__county__boundary")
            .annotate(has_boundary=_has_boundary())
        )

    @admin.display(description=_("county-level unit"), ordering="town__county__code")
    def county(self, obj):
        return obj.town.county

    @admin.display(description=_("demo data"))
    def synthetic_note(self, obj):
        return _(
            "This village is synthetic demo data: its name, code and boundary are made up inside its real "
            "town, since village boundaries are not public."
        )
