"""Filters of the assignment lists."""

import django_filters
from django.utils.translation import gettext_lazy as _

from api.filters import BooleanFilter, FilterSet, _id_filter
from specialists.assignments.models import IndustryAssignment, VillageAssignment


class VillageAssignmentFilter(FilterSet):
    specialist = _id_filter("specialist")
    village = django_filters.CharFilter(field_name="village__code", label=_("Village code"))
    town = django_filters.CharFilter(field_name="village__town__code", label=_("Town code"))
    county = django_filters.CharFilter(field_name="village__town__county__code", label=_("County-level unit code"))
    running_on = django_filters.DateFilter(method="filter_running_on", label=_("Running on this day"))
    open = BooleanFilter(field_name="end_date", lookup_expr="isnull", label=_("Open-ended"))

    class Meta:
        model = VillageAssignment
        fields = ["specialist", "village", "town", "county", "running_on", "open"]

    def filter_running_on(self, queryset, name, value):
        return queryset.running_on(value)


class IndustryAssignmentFilter(FilterSet):
    team = _id_filter("team")
    industry = _id_filter("industry")
    running_on = django_filters.DateFilter(method="filter_running_on", label=_("Running on this day"))

    class Meta:
        model = IndustryAssignment
        fields = ["team", "industry", "running_on"]

    def filter_running_on(self, queryset, name, value):
        return queryset.running_on(value)
