"""Filters of the division and key-industry lists."""

import django_filters
from django.utils.translation import gettext_lazy as _

from api.filters import FilterSet
from villages.models import County, Industry, Town, Village


class CountyFilter(FilterSet):
    class Meta:
        model = County
        fields = ["kind"]


class TownFilter(FilterSet):
    county = django_filters.CharFilter(field_name="county__code", label=_("County-level unit code"))

    class Meta:
        model = Town
        fields = ["county", "kind"]


class VillageFilter(FilterSet):
    county = django_filters.CharFilter(field_name="town__county__code", label=_("County-level unit code"))
    town = django_filters.CharFilter(field_name="town__code", label=_("Town code"))

    class Meta:
        model = Village
        fields = ["county", "town", "kind", "synthetic"]


class IndustryFilter(FilterSet):
    class Meta:
        model = Industry
        fields = ["category", "is_city_key"]
