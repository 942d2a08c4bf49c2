"""List exports (`.../export/`, api/exports.py): the time of a whole file through its API view, request to last byte.

    .venv/bin/python benchmarks/exports.py --scale province                       # SQLite
    .venv/bin/python benchmarks/exports.py --scale province --backend postgresql --repeat 3

The data are `generate_scale`'s, in the databases benchmarks/coverage.py uses (generated if
missing): province is 10,000 specialists and 30,000 village assignments. Requests are made by a
superuser, a city coordinator whose role costs no query, so each figure is the export's own: the
count for the row cap, the rows, the list serializer per row, and writing the file (a CSV consumed
chunk by chunk as a client would read it; a workbook written whole, then read back from its
temporary file). `serialize` is the rows read and serialized with no file written, to show what
the file format itself costs.
"""

import argparse

from _setup import best_of, prepare

ROUTES = ["specialists", "village-assignments"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", choices=["city", "province", "national"], default="province")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    prepare(args.scale, args.backend)

    from django.contrib.auth import get_user_model
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory, force_authenticate

    from api import exports
    from api.assignments import views as assignment_views
    from api.people import views as people_views

    user = get_user_model()(username="bench", is_superuser=True, is_active=True)
    factory = APIRequestFactory()
    viewsets = {"specialists": people_views.SpecialistViewSet, "village-assignments": assignment_views.VillageAssignmentViewSet}

    def export(route, fmt):
        request = factory.get(f"/api/v1/{route}/export/", {"format": fmt})
        force_authenticate(request, user=user)
        # With the action's own view arguments (its renderer and negotiation), as the router builds the route.
        viewset = viewsets[route]
        response = viewset.as_view({"get": "export"}, **viewset.export.kwargs)(request)
        assert response.status_code == 200, response
        size = sum(len(chunk) for chunk in response.streaming_content)
        response.close()
        return size

    def serialize(route):
        # The view's own queryset and serializer, without the file.
        view = viewsets[route](action="list", format_kwarg=None)
        view.request = Request(factory.get(f"/api/v1/{route}/"))
        view.request.user = user
        serializer = view.get_serializer()
        return sum(1 for row in exports.chunked(view.filter_queryset(view.get_queryset())) if serializer.to_representation(row))

    print("| scale | backend | export | rows | csv | csv size | xlsx | xlsx size | serialize only |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for route in ROUTES:
        export(route, "csv")  # warm: statements prepared, openpyxl imported
        csv_s, csv_bytes = best_of(lambda: export(route, "csv"), args.repeat)  # noqa: B023 (called at once)
        xlsx_s, xlsx_bytes = best_of(lambda: export(route, "xlsx"), args.repeat)  # noqa: B023
        serialize_s, rows = best_of(lambda: serialize(route), args.repeat)  # noqa: B023
        print(f"| {args.scale} | {args.backend} | {route} | {rows:,} | {csv_s:.2f} s | {csv_bytes / 1e6:.2f} MB | "
              f"{xlsx_s:.2f} s | {xlsx_bytes / 1e6:.2f} MB | {serialize_s:.2f} s |", flush=True)


if __name__ == "__main__":
    main()
