"""FilterSets of the API's lists. They filter the already-scoped querysets of specialists.access,
so no filter can reach a row outside the user's scope."""

import django_filters
from django import forms
from django.db import connection, models
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from specialists.assignments.models import IndustryAssignment, VillageAssignment
from specialists.fieldwork.models import Enterprise, ServiceLog
from specialists.people.models import Organisation, Specialist, Team
from villages.models import County, Industry, Town, Village


class IntegerFilter(django_filters.NumberFilter):
    """A whole number within the column's range: anything else answers 400 naming the parameter,
    rather than reaching the database as a number it cannot hold (a 500)."""

    field_class = forms.IntegerField


class StrictBooleanField(forms.NullBooleanField):
    """true or false (also True/False, 1/0); blank is no filter; anything else is an error, where
    Django's NullBooleanField would read it as blank and the filter would be silently dropped."""

    widget = forms.TextInput  # the raw value: NullBooleanSelect maps anything it does not know to None
    default_error_messages = {"invalid": serializers.BooleanField.default_error_messages["invalid"]}
    _VALUES = {"true": True, "1": True, "false": False, "0": False}

    def to_python(self, value):
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        try:
            return self._VALUES[str(value).strip().lower()]
        except KeyError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class BooleanFilter(django_filters.BooleanFilter):
    """A boolean filter that answers 400 naming its parameter for a value that is not a boolean."""

    field_class = StrictBooleanField


def _bounded(model_field):
    low, high = connection.ops.integer_field_range(model_field.get_internal_type())
    return {"min_value": low, "max_value": high}


_INTEGER_FIELDS = [
    models.IntegerField, models.SmallIntegerField, models.BigIntegerField, models.PositiveIntegerField,
    models.PositiveSmallIntegerField, models.PositiveBigIntegerField, models.AutoField, models.BigAutoField,
]


class FilterSet(django_filters.FilterSet):
    """The API's FilterSet: integer columns filter by bounded whole numbers, boolean ones (and
    `isnull` lookups) by strict booleans."""

    FILTER_DEFAULTS = {
        **django_filters.FilterSet.FILTER_DEFAULTS,
        **{field: {"filter_class": IntegerFilter, "extra": _bounded} for field in _INTEGER_FIELDS},
        models.BooleanField: {"filter_class": BooleanFilter},
    }


def _id_filter(field):
    # A plain number, not a ModelChoiceFilter: that would check the id against every row and
    # answer 400 for a missing one but 200 for another county's, telling the two apart.
    return IntegerFilter(field_name=f"{field}_id", min_value=1, max_value=2**63 - 1)


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
