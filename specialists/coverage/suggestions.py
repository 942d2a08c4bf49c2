"""Suggestions: whom a coordinator could assign to a village with no one (or no one for long)."""

import numpy as np
from django.conf import settings
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from specialists.assignments.models import VillageAssignment
from specialists.people.models import Specialist
from villages import geometry
from villages.models import Industry


def specialist_suggestions(*, village, candidates, as_of, limit=10, max_villages=None):
    """Active specialists who could also serve `village` from as_of, best first.

    For coordinators choosing whom to assign: `candidates` is the specialists the user may see
    (access.specialists_for), `village` one in their scope, with its town loaded. Kept are active
    specialists not already serving the village that day and serving fewer than max_villages
    villages (the load rule of coverage_for's overloaded list). Ranked: expertise in a key
    industry of the village's county-level unit or of the city first, then nearest, measured in
    EPSG:4548 from the specialist's home base (or, without one, from the nearest village they serve
    that day) to the village's point (its representative point, else its boundary's centroid);
    those with neither come last. Reads only; two queries, whatever the number of specialists.

    Rows {id, name, organisation_id, organisation, distance_m (None when unknown), distance_from
    ("home", "village" or None), running_villages, matches_expertise}.
    """
    max_villages = settings.TEPAI_MAX_VILLAGES_PER_SPECIALIST if max_villages is None else max_villages
    running = VillageAssignment.objects.running_on(as_of)
    load = (running.filter(specialist=OuterRef("pk")).order_by().values("specialist")
            .annotate(n=Count("village", distinct=True)).values("n"))
    # Key industries of the village's unit, or of its whole city.
    key_here = Industry.objects.filter(Q(is_city_key=True, city=village.town.county.city_id) | Q(key_counties=village.town.county_id))
    rows = (
        candidates.filter(status=Specialist.Status.ACTIVE)
        .exclude(Exists(running.filter(village=village, specialist=OuterRef("pk"))))
        .annotate(
            running_villages=Coalesce(Subquery(load, output_field=IntegerField()), 0),
            matches_expertise=Exists(Specialist.expertise.through.objects.filter(specialist=OuterRef("pk"), industry__in=key_here)),
        )
        .filter(running_villages__lt=max_villages)
    )
    # Query 1: the candidates with their load and whether their expertise fits.
    found = list(rows.order_by().values(
        "id", "name", "organisation_id", "organisation__name", "home_lon", "home_lat", "running_villages", "matches_expertise",
    ))
    # Query 2: the villages that candidates without a home base serve that day, to measure from.
    served = {}
    without_home = rows.filter(home_lon__isnull=True).values("pk")
    for specialist_id, lon, lat, boundary in running.filter(specialist__in=without_home).values_list(
        "specialist_id", "village__lon", "village__lat", "village__boundary",
    ):
        point = _point(lon, lat, boundary)
        if point is not None:
            served.setdefault(specialist_id, []).append(point)

    target = _point(village.lon, village.lat, village.boundary)
    origins, owners, sources = [], [], {}
    for row in found:
        if row["home_lon"] is not None:
            origins.append((row["home_lon"], row["home_lat"]))
            owners.append(row["id"])
            sources[row["id"]] = "home"
        else:
            for point in served.get(row["id"], ()):
                origins.append(point)
                owners.append(row["id"])
                sources[row["id"]] = "village"
    distances = {}
    if target is not None and origins:
        forward = geometry.transformer(geometry.STORAGE_CRS, geometry.PROJECTED_CRS)
        xs, ys = forward.transform(np.array([p[0] for p in origins]), np.array([p[1] for p in origins]))
        tx, ty = forward.transform(target[0], target[1])
        for owner, metres in zip(owners, np.hypot(xs - tx, ys - ty), strict=True):
            distances[owner] = min(float(metres), distances.get(owner, float("inf")))

    suggestions = []
    for row in found:
        distance = distances.get(row["id"])
        suggestions.append({
            "id": row["id"], "name": row["name"], "organisation_id": row["organisation_id"],
            "organisation": row["organisation__name"], "distance_m": None if distance is None else round(distance, 1),
            "distance_from": sources.get(row["id"]) if distance is not None else None,
            "running_villages": row["running_villages"], "matches_expertise": row["matches_expertise"],
        })
    suggestions.sort(key=lambda s: (not s["matches_expertise"], s["distance_m"] is None, s["distance_m"] or 0,
                                    s["running_villages"], s["name"], s["id"]))
    return suggestions[:limit]


def _point(lon, lat, boundary):
    """A village's point in EPSG:4490: its stored representative point, else its boundary's centroid."""
    if lon is not None and lat is not None:
        return lon, lat
    if boundary is None:
        return None
    centroid = geometry.from_wkb(boundary).centroid
    return centroid.x, centroid.y
