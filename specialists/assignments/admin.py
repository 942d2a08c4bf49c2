"""Admin for village and industry assignments."""

from django.contrib import admin
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from specialists.assignments.models import IndustryAssignment, VillageAssignment
from villages.admin import CountyListFilter, counties_without_boundaries


@admin.register(VillageAssignment)
class VillageAssignmentAdmin(admin.ModelAdmin):
    list_display = ["specialist", "village", "town", "start_date", "end_date", "note"]
    # end_date as a date filter offers "no date" (open-ended) and "has date" as well.
    list_filter = [("village__town__county", CountyListFilter), "end_date", "village__kind"]
    search_fields = ["specialist__name", "specialist__mobile", "village__name", "village__code"]
    autocomplete_fields = ["specialist", "village"]
    list_select_related = ["specialist", "village__town"]
    date_hierarchy = "start_date"

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("specialist", "village__town")
            .defer("village__boundary", "village__town__boundary")
        )

    @admin.display(description=_("town"), ordering="village__town__code")
    def town(self, obj):
        return obj.village.town


@admin.register(IndustryAssignment)
class IndustryAssignmentAdmin(admin.ModelAdmin):
    list_display = ["team", "industry", "county_names", "start_date", "end_date"]
    list_filter = ["industry", "end_date"]
    search_fields = ["team__name", "industry__name"]
    autocomplete_fields = ["team", "industry", "counties"]
    list_select_related = ["team", "industry"]
    date_hierarchy = "start_date"

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("team", "industry")
            .prefetch_related(Prefetch("counties", queryset=counties_without_boundaries()))
        )

    @admin.display(description=_("limited to county-level units"))
    def county_names(self, obj):
        return "、".join(county.name for county in obj.counties.all()) or _("city-wide")
