"""Page-number pages whose count stays cheap on national tables.

A list's count is exact up to settings.TEPAI_LIST_EXACT_COUNT_MAX rows. Past it, on PostgreSQL, it is
the planner's estimate of the rows the list's own query returns (EXPLAIN), and the answer says so with
`count_is_estimate: true`: an exact COUNT(*) over a million village assignments took 58 to 95 ms, more
than the page it is for. The estimate comes from EXPLAIN rather than pg_class.reltuples because nearly
every list is filtered (by the user's scope, if nothing else): reltuples knows only whole tables, while
the planner's estimate is reltuples scaled to the table's current size for an unfiltered list and its
selectivity estimate for a filtered one. It can be off by a factor for a filtered list; it is never
shown below the threshold, since a bounded count (`LIMIT threshold + 1`, which reads at most that many
rows) has already proved there are more. An exact count's answer is unchanged (no new key), so that
clients and pages that read lists today see the same bodies; `count_is_estimate` appears only when true.

Whether a page has a next one never rests on the estimate: an estimated page reads one row past its
end, so `next` is null exactly on the last page that holds rows, and a page past the end answers 404 as
an exact one does. SQLite (the embedded deployment, a city) always counts exactly.
"""

import json

from django.conf import settings
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property
from rest_framework import pagination

# Past this offset a page is refused as past the end, before PostgreSQL is asked for an OFFSET it cannot hold.
MAX_OFFSET = 2**62


def _keys(queryset):
    """The rows' keys alone, unordered (a sliced count keeps its subquery's columns)."""
    return queryset.order_by().values("pk")


class ValuesRows:
    """A queryset's rows read as `.values(*fields)`, for a page; counted as the queryset itself, since
    a count of the .values() would keep every join the fields need (for 10,001 rows: 90 ms)."""

    def __init__(self, queryset, fields):
        self.queryset = queryset
        self.values = queryset.values(*fields)

    def __getitem__(self, key):
        return self.values[key]


def estimated_rows(queryset):
    """The PostgreSQL planner's estimate of how many rows `queryset` returns (one EXPLAIN, nothing run)."""
    sql, params = _keys(queryset).query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):  # psycopg decodes json; a driver that does not hands back the text
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def count_rows(queryset, exact_up_to=None):
    """(count, is_estimate) of `queryset`: exact up to `exact_up_to` rows (the setting by default), past
    it on PostgreSQL the planner's estimate (at least `exact_up_to + 1`: so many are known to be there)."""
    if exact_up_to is None:
        exact_up_to = settings.TEPAI_LIST_EXACT_COUNT_MAX
    if connections[queryset.db].vendor != "postgresql":
        return queryset.count(), False
    # COUNT(*) over a subquery with LIMIT: stops after exact_up_to + 1 rows.
    bounded = _keys(queryset)[: exact_up_to + 1].count()
    if bounded <= exact_up_to:
        return bounded, False
    return max(estimated_rows(queryset), exact_up_to + 1), True


class EstimatedPage(Page):
    """A page of an estimated count: it knows whether a next page exists from the row it read past its end."""

    def __init__(self, object_list, number, paginator, has_next):
        super().__init__(object_list, number, paginator)
        self._has_next = has_next

    def has_next(self):
        return self._has_next

    def end_index(self):
        return self.start_index() + len(self.object_list) - 1


class CountingPaginator(Paginator):
    """Django's paginator with count_rows()'s count: exact, or an estimate past the threshold."""

    @cached_property
    def _counted(self):
        if isinstance(self.object_list, ValuesRows):
            return count_rows(self.object_list.queryset)
        if not isinstance(self.object_list, QuerySet):  # rows already in a list (coverage's gaps): len()
            return super().count, False
        return count_rows(self.object_list)

    @cached_property
    def count(self):
        return self._counted[0]

    @property
    def count_is_estimate(self):
        return self._counted[1]

    def validate_number(self, number):
        if not self.count_is_estimate:
            return super().validate_number(number)
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from None
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        if (number - 1) * self.per_page > MAX_OFFSET:
            raise EmptyPage(self.error_messages["no_results"])
        return number

    def page(self, number):
        number = self.validate_number(number)
        if not self.count_is_estimate:
            return super().page(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not rows and number > 1:
            raise EmptyPage(self.error_messages["no_results"])
        return EstimatedPage(rows[: self.per_page], number, self, has_next=len(rows) > self.per_page)


class PageNumberPagination(pagination.PageNumberPagination):
    """`page` and `page_size` (up to 1,000), answering {"count", "next", "previous", "results"}, with
    `"count_is_estimate": true` after the count when it is an estimate (see the module)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000
    django_paginator_class = CountingPaginator

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        if self.page.paginator.count_is_estimate:
            response.data = {"count": response.data["count"], "count_is_estimate": True, **response.data}
        return response

    def get_paginated_response_schema(self, schema):
        answer = super().get_paginated_response_schema(schema)
        answer["properties"] = {
            # Schema text in English, as DRF's own is.
            "count": {**answer["properties"]["count"], "description": "How many rows the list holds: exact, or an estimate when count_is_estimate is true."},
            "count_is_estimate": {
                "type": "boolean",
                "description": (
                    "Present, and true, only when the list holds more rows than the exact-count threshold and count is "
                    "the database's estimate (PostgreSQL only); next is exact all the same."
                ),
            },
            **{key: value for key, value in answer["properties"].items() if key != "count"},
        }
        return answer
