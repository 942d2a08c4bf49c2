"""What every concept's API shares: viewsets whose rows all come from one scoped selector, and rows named by id."""

from rest_framework import serializers, viewsets
from rest_framework.response import Response

from api.pagination import ValuesRows

CODE = r"[0-9]+"
PAGE_PARAMETERS = {"page", "page_size"}


class ScopedViewSet(viewsets.ReadOnlyModelViewSet):
    """A read-only viewset whose rows all come from one access selector: the user's scope, always."""

    scoped = None  # an access.*_for(user) selector

    def get_queryset(self):
        return type(self).scoped(self.request.user)

    def filter_queryset(self, queryset):
        # With no parameter but the page's, no backend changes the rows (no filter has a default, and
        # without `ordering` the rows keep the model's): skip building and validating django-filter's
        # form, half a millisecond of a list's few.
        if self.request.query_params.keys() <= PAGE_PARAMETERS and getattr(self, "ordering", None) is None:
            return queryset
        return super().filter_queryset(queryset)


class ValuesList:
    """A list whose page is read as `.values()` rows and shaped by `list_row`, not as model instances
    through the serializer: a page of 50 village assignments is 250 model instances otherwise, most
    of the Python a request costs. Only for rows that are plain data (no rule decides what a row
    shows). The rows are the serializer's own (tests/api/test_list_scale.py compares the two), and
    the schema is still the serializer's; detail, writes and exports use the serializer."""

    list_values = ()  # the lookups list_row reads

    def list_row(self, values):
        raise NotImplementedError

    def list(self, request, *args, **kwargs):
        rows = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(ValuesRows(rows, self.list_values))
        if page is None:
            return Response([self.list_row(row) for row in rows.values(*self.list_values)])
        return self.get_paginated_response([self.list_row(row) for row in page])


def iso_date(value):
    """A date as DRF's DateField writes it (ISO 8601, the API's format), for hand-written representations."""
    return None if value is None else value.isoformat()


def ref(row, *fields):
    """A row named inside another, as the api.refs serializers write it (None for no row)."""
    return None if row is None else {field: getattr(row, field) for field in fields}


class IdField(serializers.PrimaryKeyRelatedField):
    """A row named by its id: a whole number, or its digits as a string. A plain PrimaryKeyRelatedField
    would read 1.5 or true as row 1, and send a number past the database's integers to it (a 500)."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (int, str)) or (isinstance(data, str) and not data.isdigit()):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 1 <= int(data) <= 2**63 - 1:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)
