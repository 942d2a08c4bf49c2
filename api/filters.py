"""The API's FilterSet base, its strict filters, and the search and ordering backends. Each concept's
FilterSets (api/<concept>/filters.py) filter the already-scoped querysets, so no filter can reach a row
outside the user's scope.

A NUL character in any parameter a list reads answers 400 naming it, never reaching PostgreSQL (whose text
cannot hold one: a 500). Django's form fields refuse it in every filter's value already (CharField and
ModelChoiceField with Django's message; the others find no number, day or choice in it); DRF's search refuses it
without naming `search`, and its ordering drops it as an unknown field: the backends below name them.
"""

import django_filters
from django import forms
from django.db import connection, models
from rest_framework import filters, serializers

from api.exceptions import NUL, nul_refused


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


class SearchFilter(filters.SearchFilter):
    """DRF's search, whose own refusal of a NUL names no parameter (`non_field_errors`): this names `search`."""

    def get_search_terms(self, request):
        if NUL in request.query_params.get(self.search_param, ""):
            raise nul_refused([self.search_param])
        return super().get_search_terms(request)


class OrderingFilter(filters.OrderingFilter):
    """DRF's ordering, refusing a NUL (400 naming `ordering`) rather than dropping it as an unknown field."""

    def get_ordering(self, request, queryset, view):
        if NUL in request.query_params.get(self.ordering_param, ""):
            raise nul_refused([self.ordering_param])
        return super().get_ordering(request, queryset, view)
