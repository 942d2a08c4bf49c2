"""Filters of the economic-entity, service-log and achievement lists."""

import django_filters
from django.utils.translation import gettext_lazy as _

from api.filters import FilterSet, IntegerFilter, _id_filter
from specialists.fieldwork.models import Achievement, Enterprise, ServiceLog
from specialists.fieldwork.selectors import achievements_belonging_to
from villages.models import County
from villages.places import Place


class EnterpriseFilter(FilterSet):
    specialist = _id_filter("specialist")
    industry = _id_filter("industry")
    village = django_filters.CharFilter(field_name="village__code", label=_("Village code"))

    class Meta:
        model = Enterprise
        fields = ["kind", "relation", "specialist", "industry", "village"]


class ServiceLogFilter(FilterSet):
    village = django_filters.CharFilter(field_name="village__code", label=_("Village code"))
    specialist = _id_filter("specialist")
    occurred_from = django_filters.DateFilter(field_name="occurred_at", lookup_expr="date__gte", label=_("Took place on or after this day"))
    occurred_to = django_filters.DateFilter(field_name="occurred_at", lookup_expr="date__lte", label=_("Took place on or before this day"))

    class Meta:
        model = ServiceLog
        fields = ["village", "specialist", "kind", "occurred_from", "occurred_to"]


class AchievementFilter(FilterSet):
    """Filters of the already-scoped list: none can reach a row outside the user's scope."""

    # A plain number, not a ModelChoiceFilter: that would tell another county's specialist from a missing one.
    specialist = IntegerFilter(field_name="specialist_id", min_value=1, max_value=2**63 - 1)
    county = django_filters.CharFilter(
        method="belonging_to_county",
        label=_("Belonging to the county-level unit with this code: in its villages or, with no village, by its specialists"),
    )
    village = django_filters.CharFilter(field_name="village__code", label=_("Village code"))

    class Meta:
        model = Achievement
        fields = ["status", "kind", "specialist", "county", "village", "year"]

    def belonging_to_county(self, queryset, name, value):
        # The unit whose coordinators review it: the desk's review queue asks for exactly these. The
        # queryset is already scoped, so a unit outside the scope finds nothing either way.
        county = County.objects.filter(code=value).defer("boundary").first()
        return queryset.filter(achievements_belonging_to(Place(county))) if county is not None else queryset.none()
