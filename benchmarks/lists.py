"""The API's lists at scale: a list's first page through the whole stack, against a plain Django JSON view.

    .venv/bin/python benchmarks/lists.py --scale national --backend postgresql --repeat 5
    .venv/bin/python benchmarks/lists.py --scale city --backend postgresql

Each request goes through Django's test client (middleware, URL resolution, the view) with a bearer
token, as a phone's request does. The anchor is a plain Django view of the same rows: it checks the
same token and reads the same user and role (one query), draws its rows through the same scoped
selector, counts them the same way (api.pagination.count_rows: exact up to the threshold, else
PostgreSQL's estimate), reads one page with `.values()` and answers JsonResponse with the same fields
in the same shape. So the ratio (anchor / ours) is what DRF, its serializers and filters cost over
the least any view of that page must do; at least 0.75 is the goal of issue 14.

Two users, made once in the database when missing (benchmark on a copy: TEPAI_BENCH_SUFFIX, see
_setup.py): a coordinator of the whole deployment, and one limited to the county-level unit with the
most villages. `first page` is village-assignments' first page for the whole deployment, the table's
row "village-assignment list, national, first page" (goal: under 50 ms).
"""

import argparse
from importlib import import_module
import statistics
import sys
import time
import types

from _setup import prepare

PAGE = 50


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", choices=["city", "province", "national"], default="city")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    connection = prepare(args.scale, args.backend)

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db.models import Count
    from django.http import JsonResponse
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.urls import path
    from rest_framework_simplejwt.tokens import AccessToken

    from api.pagination import count_rows
    from specialists.access.divisions import counties_for, towns_for, villages_for
    from specialists.access.models import UserRole
    from specialists.access.scope import Role, scope_for, with_role
    from specialists.assignments.selectors import village_assignments_for
    from specialists.people.selectors import specialists_for
    from villages.models import County

    User = get_user_model()

    def role_user(username, **role):
        user, created = User.objects.get_or_create(username=username, defaults={"is_active": True})
        if created:
            UserRole.objects.create(user=user, role=Role.COORDINATOR, **role)
        return user

    busiest = County.objects.annotate(n=Count("towns__villages")).order_by("-n").only("pk", "code").first()
    users = {
        "whole deployment": role_user("bench-lists-all"),
        f"county {busiest.code}": role_user(f"bench-lists-{busiest.code}", county=busiest),
    }

    # ---- the anchor: plain Django views of the same rows -------------------------------------------
    def nest(row, **groups):
        """{"a__b": 1} -> {"a": {"b": 1}} for the groups named (the API's nested references)."""
        for name, prefix in groups.items():
            keys = [key for key in row if key.startswith(prefix + "__")]
            if keys:
                row[name] = {key[len(prefix) + 2:]: row.pop(key) for key in keys}
        return row

    def specialist_row(row, whole):
        row = nest(row, organisation="organisation")
        if not whole:
            from specialists.people.validators import mask

            row["mobile"], row["id_number"] = mask(row["mobile"], 3, 4), mask(row["id_number"], 4, 4)
        row["personal_data_masked"] = not whole
        return row

    def va_row(row, whole):
        for level, prefix in (("county", "village__town__county"), ("town", "village__town")):
            row[f"{level}__code"], row[f"{level}__name"] = row.pop(f"{prefix}__code"), row.pop(f"{prefix}__name")
        return nest(row, specialist="specialist", village="village", town="town", county="county")

    def division_row(row, whole):
        if "town__county__code" in row:
            row["county__code"], row["county__name"] = row.pop("town__county__code"), row.pop("town__county__name")
        return nest(row, town="town", county="county")

    PLAIN = {
        # route: (selector, fields, shape one row)
        "counties": (counties_for, ["code", "name", "kind"], division_row),
        "towns": (towns_for, ["code", "name", "kind", "county__code", "county__name"], division_row),
        "villages": (villages_for, ["code", "name", "kind", "town__code", "town__name", "town__county__code", "town__county__name",
                                    "lon", "lat", "synthetic"], division_row),
        "specialists": (specialists_for, ["id", "name", "kind", "gender", "mobile", "id_number", "organisation__id", "organisation__name",
                                          "title", "year_selected", "status"], specialist_row),
        "village-assignments": (village_assignments_for, [
            "id", "specialist__id", "specialist__name", "village__code", "village__name", "village__town__code", "village__town__name",
            "village__town__county__code", "village__town__county__name", "start_date", "end_date", "note"], va_row),
    }

    def plain_view(route):
        selector, fields, shape = PLAIN[route]

        def view(request):
            token = AccessToken(request.headers["Authorization"].split()[1])
            user = with_role(User.objects).get(pk=token["user_id"], is_active=True)
            whole = scope_for(user).role == Role.COORDINATOR
            rows = selector(user)
            number = int(request.GET.get("page", 1))
            count, estimated = count_rows(rows)
            page = [shape(row, whole) for row in rows.values(*fields)[(number - 1) * PAGE: number * PAGE]]
            more = number * PAGE < count
            return JsonResponse({
                "count": count, **({"count_is_estimate": True} if estimated else {}),
                "next": request.build_absolute_uri(f"?page={number + 1}") if more else None, "previous": None, "results": page,
            })

        return view

    urls = types.ModuleType("bench_lists_urls")
    urls.urlpatterns = [
        *(path(f"plain/{route}/", plain_view(route)) for route in PLAIN),
        *import_module(settings.ROOT_URLCONF).urlpatterns,
    ]
    sys.modules["bench_lists_urls"] = urls

    def once(client, url, token):
        with CaptureQueriesContext(connection) as captured:
            started, cpu = time.perf_counter(), time.process_time()
            response = client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_HOST="127.0.0.1")
            took, cpu = time.perf_counter() - started, time.process_time() - cpu
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        return took, len(captured), response.json(), cpu

    def timed(client, urls, token, repeat):
        """Each url `repeat` times, taking turns, so that a busy moment of the shared machine falls on both
        alike: (best, median, queries, body, median of this process's CPU time) for each."""
        runs = {url: [] for url in urls}
        for _ in range(repeat):
            for url in urls:
                runs[url].append(once(client, url, token))
        return [
            (min(r[0] for r in got), statistics.median(r[0] for r in got), got[-1][1], got[-1][2], statistics.median(r[3] for r in got))
            for got in runs.values()
        ]

    print(f"# {args.scale} on {args.backend}, best of {args.repeat} (median in brackets), page of {PAGE}; "
          f"exact count up to {settings.TEPAI_LIST_EXACT_COUNT_MAX:,} rows")
    # The last columns: this process's CPU time per request (median), which the shared machine's load
    # and the database's own time leave out: what the Python of each path costs.
    print("| who | list | rows (count) | ours | queries | plain view | queries | plain / ours | of medians | CPU ours | CPU plain | CPU plain / ours |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    with override_settings(ROOT_URLCONF="bench_lists_urls", ALLOWED_HOSTS=["*"]):
        client = Client()
        for who, user in users.items():
            token = AccessToken.for_user(user)
            for route in PLAIN:
                ours_url, plain_url = f"/api/v1/{route}/", f"/plain/{route}/"
                timed(client, [ours_url, plain_url], token, 1)  # warm both
                (ours, ours_median, ours_queries, ours_json, ours_cpu), (plain, plain_median, plain_queries, plain_json, plain_cpu) = timed(
                    client, [ours_url, plain_url], token, args.repeat
                )
                # The anchor answers the same rows in the same shape (the API's are keyed in its own order).
                assert plain_json["results"] == ours_json["results"], (route, plain_json["results"][:1], ours_json["results"][:1])
                count = f"{ours_json['count']:,}{' (estimate)' if ours_json.get('count_is_estimate') else ''}"
                print(f"| {who} | {route} | {count} | {ours * 1e3:.1f} ms ({ours_median * 1e3:.1f}) | {ours_queries} | "
                      f"{plain * 1e3:.1f} ms ({plain_median * 1e3:.1f}) | {plain_queries} | {plain / ours:.2f}x | {plain_median / ours_median:.2f}x | "
                      f"{ours_cpu * 1e3:.1f} ms | {plain_cpu * 1e3:.1f} ms | {plain_cpu / ours_cpu:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
