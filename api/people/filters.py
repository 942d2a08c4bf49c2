"""Filters of the organisation, specialist and team lists."""

import django_filters
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from api.filters import FilterSet, _id_filter
from specialists.assignments.models import VillageAssignment
from specialists.people.models import Organisation, Specialist, Team


class OrganisationFilter(FilterSet):
    class Meta:
        model = Organisation
        fields = ["kind"]


class SpecialistFilter(FilterSet):
    organisation = _id_filter("organisation")
    county = django_filters.CharFilter(method="assigned_in_county", label=_("Assigned (any date) in the county-level unit with this code"))
    village = django_filters.CharFilter(method="assigned_to_village", label=_("Assigned (any date) to the village with this code"))

    class Meta:
        model = Specialist
        fields = ["kind", "status", "organisation", "year_selected", "county", "village"]

    # Exists rather than a join: a join would repeat a specialist once per matching assignment.
    def assigned_in_county(self, queryset, name, value):
        return queryset.filter(Exists(VillageAssignment.objects.filter(specialist=OuterRef("pk"), village__town__county__code=value)))

    def assigned_to_village(self, queryset, name, value):
        return queryset.filter(Exists(VillageAssignment.objects.filter(specialist=OuterRef("pk"), village__code=value)))


class TeamFilter(FilterSet):
    lead_organisation = _id_filter("lead_organisation")
    class Meta:
        model = Team
        fields = ["level", "year_selected", "lead_organisation"]
