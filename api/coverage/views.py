"""Coverage, maps and geometry: what the map pages and the dashboard read, and the map jobs they start.

Every answer is limited to the user's scope: the province, city, county-level unit and town codes a
request names are resolved by specialists.access.places (the one resolver), so a role naming a
division outside its node gets 404 (as for a code that does not exist), and a role that names none
gets its own node. Specialists see divisions and coverage everywhere. Coverage comes from
specialists.coverage.queries (coverage_for and industry_units) and village statuses from the very
rows the coverage maps use, so a map, the summary and the coverage report agree on any day.

Query parameters that are not valid (not a number, not one of the choices, not a day from 2000 to
2100) answer 400 naming the parameter; a simplification tolerance that is a number but outside 0 to
1000 metres answers 422 naming `tolerance`, as a value refused rather than malformed input.

GeoJSON. Coordinates are EPSG:4490 (CGCS2000) longitude/latitude, which agrees with RFC 7946's
WGS-84 to centimetres, rounded to 6 decimals (about 0.1 m); exterior rings counter-clockwise. The
simplification tolerance is in metres and is applied in EPSG:4548 (Gauss-Kruger CM 117E, the
projected CRS every distance in Tepai is measured in), not converted to degrees: a degree of
longitude is about 16% shorter than one of latitude at Bengbu's latitude, so a tolerance in
degrees would simplify east-west and north-south edges differently. The two projections cost
about as much as the simplification itself. Each outline is simplified on its own with its
topology preserved (it stays a valid polygon); neighbouring outlines are not simplified together,
so at larger tolerances their shared edges may part by up to the tolerance.
"""

import os

import shapely
from django.conf import settings
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from api import exports
from api.coverage.geojson import (
    CountyFeatureCollectionSerializer,
    GeoJSONView,
    TownFeatureCollectionSerializer,
    VillageFeatureCollectionSerializer,
    _feature,
)
from villages.geometry import geojson_geometries
from api.coverage.params import (
    GAP_KINDS,
    TOLERANCE_REFUSED,
    CountyOutlineParams,
    CountyParams,
    GapExportParams,
    GapParams,
    OutlineParams,
    SuggestionParams,
    SummaryParams,
    VillageGeoJSONParams,
    _as_of,
    _params,
    _place,
    _tolerance,
)
from api.coverage.serializers import (
    MAP_CONTENT_TYPES,
    CoverageSummarySerializer,
    GapSerializer,
    IndustryMatrixSerializer,
    MapJobSerializer,
    SuggestionSerializer,
)
from api.coverage.cache import cached_body
from api.exceptions import Conflict
from api.files import file_response
from api.permissions import NO_ROLE
from specialists.access import scope as access
from specialists.access.places import PLACE_PARAMETERS, place_for
from specialists.coverage import queries as coverage
from specialists.coverage.suggestions import specialist_suggestions
from villages.palette import AT_RISK
from villages.places import COUNTY, TOWN, within
from specialists.coverage.map_jobs import map_job_create
from specialists.coverage.models import MapJob
from villages import geometry
from villages.models import Town, Village
from specialists.access.divisions import counties_for, towns_for, villages_for
from specialists.assignments.selectors import industry_assignments_for
from specialists.coverage.selectors import map_jobs_for
from specialists.people.selectors import specialists_for



def _scope(request):
    return access.scope_for(request.user)


class CoordinatorsOnly(BasePermission):
    """Coordinators only, reading too: what only someone who assigns specialists needs."""

    message = NO_ROLE

    def has_permission(self, request, view):
        scope = _scope(request)
        if not scope.has_access:
            return False
        if scope.role != access.Role.COORDINATOR:
            self.message = _("Only coordinators may ask for suggestions.")
            return False
        return request.method in SAFE_METHODS


class AnyRoleRequestsMaps(BasePermission):
    """Anyone with a role reads their map jobs and asks for new ones: a map changes no data."""

    message = NO_ROLE

    def has_permission(self, request, view):
        return _scope(request).has_access and (request.method in SAFE_METHODS or request.method == "POST")


class VillageGeoJSONView(GeoJSONView):
    """Villages and communities in your scope with their coverage on a day, as a GeoJSON FeatureCollection.

    Statuses are the coverage report's own. Five queries at most, whatever the number of villages.
    """

    @extend_schema(parameters=[VillageGeoJSONParams], responses={200: VillageFeatureCollectionSerializer, 422: TOLERANCE_REFUSED})
    def get(self, request):
        params = _params(VillageGeoJSONParams, request)
        tolerance = _tolerance(params)
        place = _place(request, params)
        as_of = _as_of(params)
        # The body depends on the place (already within the user's scope) and the parameters only:
        # one query for the data's version, then the two of _village_layer when it is not cached.
        body = cached_body("villages", [place.level, place.code, as_of, params["kind"], tolerance],
                           lambda: _village_layer(as_of, place, params["kind"], tolerance))
        return Response(body)


def _village_layer(as_of, place, kind, tolerance):
    from specialists.coverage.maps import village_frame

    # Two queries: the villages with their place and status, and the specialists serving each.
    frame = village_frame(as_of=as_of, place=place)
    if kind != "all":
        frame = frame[frame["kind"] == kind]
    shapes = geojson_geometries(frame.geometry.values, tolerance)
    columns = ["code", "name", "kind", "town_code", "town", "county_code", "county", "status", "specialists", "synthetic"]
    features = [
        _feature(code, shape, {
            "code": code, "name": name, "kind": kind, "town": town_code, "town_name": town_name, "county": county_code,
            "county_name": county_name, "status": status_, "specialists": int(specialists), "synthetic": bool(synthetic),
        })
        # Whole columns as Python lists: many times faster than walking the frame row by row.
        for (code, name, kind, town_code, town_name, county_code, county_name, status_, specialists, synthetic), shape
        in zip(zip(*(frame[column].tolist() for column in columns), strict=True), shapes, strict=True)
    ]
    return {"type": "FeatureCollection", "as_of": as_of.isoformat(), "features": features}


def _unions(pairs):
    """{key: union of its shapes} of (key, shape) pairs, skipping missing shapes: outlines of areas that store none."""
    parts = {}
    for key, shape in pairs:
        if shape is not None and not shape.is_empty:
            parts.setdefault(key, []).append(shape)
    return {key: shapely.union_all(shapes) for key, shapes in parts.items()}


def _village_outlines(town_codes):
    """{town code: union of its villages' boundaries} for towns that store no boundary. One query (none for no towns)."""
    if not town_codes:
        return {}
    rows = Village.objects.filter(town__code__in=town_codes, boundary__isnull=False).values_list("town__code", "boundary")
    return _unions((code, geometry.from_wkb(boundary)) for code, boundary in rows)


class TownGeoJSONView(GeoJSONView):
    """Town outlines in your scope, for map borders. A town without a stored boundary is outlined by
    its villages'. Five queries at most, whatever the number of towns."""

    @extend_schema(parameters=[OutlineParams], responses={200: TownFeatureCollectionSerializer, 422: TOLERANCE_REFUSED})
    def get(self, request):
        params = _params(OutlineParams, request)
        tolerance = _tolerance(params)
        place = _place(request, params)
        rows = towns_for(request.user)
        if place.level == TOWN:
            rows = rows.filter(pk=place.division.pk)
        else:
            rows = rows.filter(within("county", COUNTY, place))
        rows = list(rows.order_by("code").values_list("code", "name", "kind", "county__code", "county__name", "boundary"))
        fill = _village_outlines([row[0] for row in rows if row[5] is None])
        shapes = [geometry.from_wkb(row[5]) if row[5] is not None else fill.get(row[0]) for row in rows]
        features = [
            _feature(code, shape, {"code": code, "name": name, "kind": kind, "county": county_code, "county_name": county_name})
            for (code, name, kind, county_code, county_name, _boundary), shape
            in zip(rows, geojson_geometries(shapes, tolerance), strict=True)
        ]
        return Response({"type": "FeatureCollection", "features": features})


class CountyGeoJSONView(GeoJSONView):
    """County-level unit outlines in your scope, for map borders. A development zone, which stores
    no boundary, is outlined by its towns (and a town without one by its villages). Five queries at
    most, whatever the number of units.

    With `coverage`, each unit also carries its village tallies and rate on `as_of` (coverage_for's
    status rows, summed per unit): what the dashboard draws while a province or the nation is too
    wide to draw village by village. That answer is cached per place, day and data version
    (api.coverage.cache): the role, the place named and the version, then three queries when not cached.
    """

    @extend_schema(parameters=[CountyOutlineParams], responses={200: CountyFeatureCollectionSerializer, 422: TOLERANCE_REFUSED})
    def get(self, request):
        params = _params(CountyOutlineParams, request)
        tolerance = _tolerance(params)
        place = _place(request, params)
        if params["coverage"]:
            as_of = _as_of(params)
            if place.level == TOWN:
                place = place_for(request.user, county=place.county.code)
            return Response(cached_body("county-rates", [place.level, place.code, as_of, tolerance],
                                        lambda: _county_rate_layer(as_of, place, tolerance)))
        rows = counties_for(request.user)
        if place.level == TOWN:
            rows = rows.filter(pk=place.county.pk)
        else:
            rows = rows.filter(within("", COUNTY, place))
        rows = list(rows.order_by("code").values_list("code", "name", "kind", "boundary"))
        missing = [code for code, _name, _kind, boundary in rows if boundary is None]
        fill = {}
        if missing:
            towns = list(Town.objects.filter(county__code__in=missing).values_list("code", "county__code", "boundary"))
            town_fill = _village_outlines([code for code, _county, boundary in towns if boundary is None])
            fill = _unions(
                (county_code, geometry.from_wkb(boundary) if boundary is not None else town_fill.get(code))
                for code, county_code, boundary in towns
            )
        shapes = [geometry.from_wkb(boundary) if boundary is not None else fill.get(code) for code, _name, _kind, boundary in rows]
        features = [
            _feature(code, shape, {"code": code, "name": name, "kind": kind})
            for (code, name, kind, _boundary), shape in zip(rows, geojson_geometries(shapes, tolerance), strict=True)
        ]
        return Response({"type": "FeatureCollection", "features": features})


def _county_rate_layer(as_of, place, tolerance):
    """The units of a place with their outlines and village tallies on as_of (county_rate_frame: three queries)."""
    from specialists.coverage.maps import county_rate_frame

    frame = county_rate_frame(as_of=as_of, place=place)
    columns = ["code", "name", "kind", "villages_total", "villages_covered", "villages_at_risk"]
    features = [
        _feature(code, shape, {
            "code": code, "name": name, "kind": kind, "villages_total": int(total), "villages_covered": int(covered),
            "villages_at_risk": int(at_risk), "village_rate": coverage.rate(int(covered), int(total)) if total else None,
        })
        for (code, name, kind, total, covered, at_risk), shape
        in zip(zip(*(frame[column].tolist() for column in columns), strict=True),
               geojson_geometries(frame.geometry.values, tolerance), strict=True)
    ]
    features.sort(key=lambda feature: feature["id"])
    return {"type": "FeatureCollection", "as_of": as_of.isoformat(), "features": features}


class CoverageSummaryView(APIView):
    """Dual coverage on a day for a place in your scope: totals, and a row per city (of a province or
    wider), per county-level unit (and per town). The one shape of coverage_for (Coverage.as_dict).

    From coverage_for: one query, plus your role's and the place's, whatever the number of villages.
    """

    @extend_schema(parameters=[SummaryParams], responses={200: CoverageSummarySerializer})
    def get(self, request):
        params = _params(SummaryParams, request)
        place = _place(request, params)
        result = coverage.coverage_for(as_of=_as_of(params), place=place)
        with_towns = place.level in (COUNTY, TOWN) or params["by"] == "town"
        return Response(CoverageSummarySerializer(result.as_dict(towns=with_towns)).data)


def _industry_gaps(as_of, place):
    """Key industries no team covers, as GapSerializer reads them: one query. A town narrows to its unit."""
    return [
        {"kind": "industry", "village": None, "town": None, "last_end_date": None,
         "county": {"code": unit.county_code, "name": unit.county} if unit.county_code else None,
         "industry": {"id": unit.industry_id, "name": unit.industry}}
        for unit in coverage.industry_units(as_of=as_of, place=place) if not unit.covered
    ]


def _village_gap(span, kind):
    return {"kind": kind, "village": span.village, "town": span.town, "county": span.county,
            "last_end_date": span.last_end if kind == AT_RISK else None, "industry": None}


class CoverageGapView(GenericAPIView):
    """Gaps on a day in your scope, a page at a time: uncovered villages (by code), villages at risk
    (soonest end first), or key industries no team covers (by county-level unit, then name).

    The same villages and industries as coverage_for's gap lists. A fixed number of queries:
    your role, the unit and town named, then the count and the page (one query for industries).
    """

    filter_backends = []
    serializer_class = GapSerializer

    @extend_schema(parameters=[GapParams], responses={200: GapSerializer(many=True)})
    def get(self, request):
        params = _params(GapParams, request)
        place = _place(request, params)
        as_of = _as_of(params)
        kind = params["kind"]
        if kind == "industry":
            page = self.paginate_queryset(_industry_gaps(as_of, place))
        else:
            spans = coverage.village_gap_spans(as_of=as_of, at_risk=kind == AT_RISK, place=place)
            page = [_village_gap(span, kind) for span in self.paginate_queryset(spans)]
        return self.get_paginated_response(GapSerializer(page, many=True).data)


class CoverageGapExportView(GenericAPIView):
    """The gap list as one file (api.exports): the same parameters and rows as `coverage/gaps/`, all of them,
    named after the kind of gap and the day. Queries: your role, the unit and town named, the count and the rows."""

    filter_backends = []
    serializer_class = GapSerializer
    renderer_classes = [JSONRenderer]
    content_negotiation_class = exports.ExportNegotiation
    export_columns = (
        exports.Column(_("Kind"), "kind", choices=GAP_KINDS), *exports.place_columns(),
        exports.Column(_("Last day served"), "last_end_date", exports.DATE), exports.Column(_("Key industry"), "industry.name"),
    )

    @extend_schema(parameters=[GapExportParams], responses=exports.EXPORT_RESPONSES, description=exports.EXPORT_DESCRIPTION)
    def get(self, request):
        params = _params(GapExportParams, request)
        place = _place(request, params)
        as_of = _as_of(params)
        kind, fmt = params["kind"], params["format"]
        if kind == "industry":
            rows = _industry_gaps(as_of, place)
            exports.check_row_count(len(rows), fmt)
        else:
            spans = coverage.village_gap_spans(as_of=as_of, at_risk=kind == AT_RISK, place=place)
            exports.check_row_count(spans.count(), fmt)
            spans = exports.chunked(spans[:settings.TEPAI_EXPORT_MAX_ROWS])
            rows = (_village_gap(span, kind) for span in spans)
        return exports.export_response(
            fmt=fmt, title=dict(GAP_KINDS)[kind], day=as_of, columns=self.export_columns, rows=rows,
            serializer=self.get_serializer(),
        )


class IndustryMatrixView(APIView):
    """Which team covers each key industry in each county-level unit of a place in your scope on a day.

    `covered` and the covering assignments are coverage_for's (`industry_units`, its one rule);
    `teams` names the teams of those you may see (a specialist sees their own teams' only). Three
    queries at most, whatever the number of industries, units or teams.
    """

    @extend_schema(parameters=[CountyParams], responses={200: IndustryMatrixSerializer})
    def get(self, request):
        params = _params(CountyParams, request)
        place = _place(request, params)
        as_of = _as_of(params)
        units = coverage.industry_units(as_of=as_of, place=place)
        # The teams of the running assignments you may see: one query.
        visible = {
            pk: name for pk, name in
            industry_assignments_for(request.user).running_on(as_of).prefetch_related(None).values_list("pk", "team__name")
        }

        def covering(unit):
            teams = {team_id: visible[assignment_id] for assignment_id, team_id in unit.assignments if assignment_id in visible}
            return [{"id": pk, "name": name} for pk, name in sorted(teams.items(), key=lambda item: (item[1], item[0]))]

        rows = [
            {"county": {"code": unit.county_code, "name": unit.county} if unit.county_code else None,
             "industry": {"id": unit.industry_id, "name": unit.industry}, "covered": unit.covered,
             "teams": covering(unit)}
            for unit in units
        ]
        counties = sorted({(unit.county_code, unit.county) for unit in units if unit.county_code})
        industries = sorted({(unit.industry, unit.industry_id) for unit in units})
        body = {
            "as_of": as_of, "county": place.county, "rows": rows,
            "counties": [{"code": code, "name": name} for code, name in counties],
            "industries": [{"id": pk, "name": name} for name, pk in industries],
        }
        return Response(IndustryMatrixSerializer(body).data)


class VillageSuggestionView(APIView):
    """Coordinators: active specialists with spare load to suggest for a village in your scope.

    Candidates are the specialists you may see (a county coordinator: those assigned, on any date,
    in your unit; a city coordinator: all). Expertise in a key industry of the village's unit or
    of the city first, then nearest (EPSG:4548, from the home base or else the nearest village
    they serve). Four queries, whatever the number of specialists.
    """

    permission_classes = [CoordinatorsOnly]

    @extend_schema(parameters=[SuggestionParams], responses={200: SuggestionSerializer(many=True)})
    def get(self, request, code):
        params = _params(SuggestionParams, request)
        # The village with its boundary, to measure from when it has no stored point.
        village = villages_for(request.user).defer(None).filter(code=code).first()
        if village is None:
            raise Http404
        rows = specialist_suggestions(
            village=village, candidates=specialists_for(request.user), as_of=_as_of(params), limit=params["limit"],
        )
        for row in rows:
            row["organisation"] = {"id": row.pop("organisation_id"), "name": row["organisation"]}
        return Response(SuggestionSerializer(rows, many=True).data)


@extend_schema_view(
    create=extend_schema(responses={201: MapJobSerializer}),
    download=extend_schema(responses={
        **{(200, content_type): OpenApiResponse(OpenApiTypes.BINARY, description=_("The map file, as an attachment with its file name."))
           for content_type in MAP_CONTENT_TYPES},
        409: OpenApiResponse({"$ref": "#/components/schemas/Error"}, description=_("The map is not made yet, or its job failed.")),
    }),
)
class MapJobViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Maps made in the background (map jobs): ask for one, poll it for its progress, fetch its file.

    Anyone with a role may ask for maps of what they see (a map changes no data): a county role's
    maps are of its own unit, and the industry map, which is of the whole city, is for city-wide
    roles and specialists. You see only the jobs you asked for yourself.
    """

    serializer_class = MapJobSerializer
    permission_classes = [AnyRoleRequestsMaps]
    filter_backends = []

    def get_queryset(self):
        return map_jobs_for(self.request.user)

    def create(self, request, *args, **kwargs):
        incoming = self.get_serializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        kind, fmt = data.get("kind", MapJob.Kind.VILLAGES), data.get("format", MapJob.Format.PNG)
        # The divisions named (already found in your scope by the serializer), resolved as every route's place is.
        place = place_for(request.user, **{level: data[level].code for level in PLACE_PARAMETERS if data.get(level) is not None})
        job = map_job_create(requested_by=request.user, kind=kind, fmt=fmt, as_of=data.get("as_of"), place=place)
        # Read back through the scoped selector, so the answer has the same shape (and joins) as a GET.
        return Response(self.get_serializer(self.get_queryset().get(pk=job.pk)).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        """The job's file; 409 while it is queued or running, or when it failed."""
        from villages.maps import CONTENT_TYPES

        job = self.get_object()
        if job.status == MapJob.Status.FAILED:
            raise Conflict(_("This map job failed; ask for the map again."))
        if job.status != MapJob.Status.DONE:
            raise Conflict(_("This map is not made yet (%(progress)d%% done); try again shortly.") % {"progress": job.progress})
        # A file gone from storage (a cleaned media folder) answers 404, not a 500.
        return file_response(job.result, content_type=CONTENT_TYPES[job.format], filename=os.path.basename(job.result.name), as_attachment=True)
