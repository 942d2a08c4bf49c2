"""GeoJSON: shapes in EPSG:4490 as RFC 7946 MultiPolygons, simplified in metres, and the schema of the layers."""

from functools import cache

import numpy as np
import shapely
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from api.coverage.params import AT_RISK, COMMUNITY, COVERED, UNCOVERED
from villages import geometry

COORDINATE_DECIMALS = 6


@cache
def _transformers():
    from pyproj import Transformer

    # always_xy: longitude first, as everything in Tepai is stored.
    return (Transformer.from_crs(geometry.STORAGE_CRS, geometry.PROJECTED_CRS, always_xy=True),
            Transformer.from_crs(geometry.PROJECTED_CRS, geometry.STORAGE_CRS, always_xy=True))


def _transform(geoms, transformer):
    # One call for every coordinate of every geometry.
    return shapely.transform(geoms, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))


def geojson_geometries(geoms, tolerance_m=0.0):
    """Shapes in EPSG:4490 -> GeoJSON MultiPolygon dicts (None for a missing or empty shape).

    Vectorised: simplified (in EPSG:4548, topology preserved, tolerance in metres) and oriented as
    whole arrays, coordinates rounded to 6 decimals as one numpy array; only the nesting into
    lists is done per ring.
    """
    geoms = np.asarray(geoms, dtype=object)
    out = [None] * len(geoms)
    present = np.flatnonzero(~shapely.is_missing(geoms) & ~shapely.is_empty(geoms))
    if not len(present):
        return out
    shapes = geoms[present]
    if tolerance_m > 0:
        forward, back = _transformers()
        shapes = _transform(shapely.simplify(_transform(shapes, forward), tolerance_m, preserve_topology=True), back)
    # RFC 7946: exterior rings counter-clockwise, holes clockwise.
    shapes = shapely.orient_polygons(shapes, exterior_cw=False)
    # Stored boundaries are multipolygons, but simplifying may hand back a one-part one as a polygon.
    single = np.flatnonzero(shapely.get_type_id(shapes) == shapely.GeometryType.POLYGON)
    if len(single):
        shapes[single] = shapely.multipolygons(shapes[single], indices=np.arange(len(single)))
    _kind, coords, (ring_offsets, polygon_offsets, part_offsets) = shapely.to_ragged_array(shapes)
    flat = np.round(coords, COORDINATE_DECIMALS).tolist()

    def split(items, offsets):
        offsets = offsets.tolist()
        return [items[start:end] for start, end in zip(offsets[:-1], offsets[1:], strict=True)]

    multipolygons = split(split(split(flat, ring_offsets), polygon_offsets), part_offsets)
    for index, parts in zip(present.tolist(), multipolygons, strict=True):
        out[index] = {"type": "MultiPolygon", "coordinates": parts} if parts else None
    return out


def _literal(value):
    # A string, not a one-value enum: the schema's enum components are named by field name, and
    # "type" (or "kind") with several value sets across components would need overrides in settings.
    return serializers.CharField(help_text=format_lazy(_("Always {value}."), value=f'"{value}"'))


class MultiPolygonSerializer(serializers.Serializer):
    type = _literal("MultiPolygon")
    coordinates = serializers.ListField(
        child=serializers.ListField(child=serializers.ListField(child=serializers.ListField(
            child=serializers.FloatField(), min_length=2, max_length=2))),
        help_text=_("Polygons of rings of [longitude, latitude] in EPSG:4490, 6 decimals."),
    )


class VillageFeaturePropertiesSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField(help_text=_("village (administrative village) or community."))
    town = serializers.CharField(help_text=_("Town code."))
    town_name = serializers.CharField()
    county = serializers.CharField(help_text=_("County-level unit code."))
    county_name = serializers.CharField()
    status = serializers.ChoiceField(
        choices=[COVERED, UNCOVERED, AT_RISK, COMMUNITY],
        help_text=_("Coverage on the day, as in the coverage report; communities are not counted."),
    )
    specialists = serializers.IntegerField(help_text=_("Active specialists serving it on the day."))
    synthetic = serializers.BooleanField(help_text=_("Demo data: name, code and boundary are made up."))


class VillageFeatureSerializer(serializers.Serializer):
    type = _literal("Feature")
    id = serializers.CharField(help_text=_("The village's twelve-digit code."))
    geometry = MultiPolygonSerializer(allow_null=True, help_text=_("Null for a village without a boundary."))
    properties = VillageFeaturePropertiesSerializer()


class VillageFeatureCollectionSerializer(serializers.Serializer):
    type = _literal("FeatureCollection")
    as_of = serializers.DateField()
    features = VillageFeatureSerializer(many=True)


class TownFeaturePropertiesSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField(help_text=_("town, township or subdistrict."))
    county = serializers.CharField(help_text=_("County-level unit code."))
    county_name = serializers.CharField()


class TownFeatureSerializer(serializers.Serializer):
    type = _literal("Feature")
    id = serializers.CharField()
    geometry = MultiPolygonSerializer(allow_null=True)
    properties = TownFeaturePropertiesSerializer()


class TownFeatureCollectionSerializer(serializers.Serializer):
    type = _literal("FeatureCollection")
    features = TownFeatureSerializer(many=True)


class CountyFeaturePropertiesSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField(help_text=_("district, county or zone (development zone)."))


class CountyFeatureSerializer(serializers.Serializer):
    type = _literal("Feature")
    id = serializers.CharField()
    geometry = MultiPolygonSerializer(allow_null=True)
    properties = CountyFeaturePropertiesSerializer()


class CountyFeatureCollectionSerializer(serializers.Serializer):
    type = _literal("FeatureCollection")
    features = CountyFeatureSerializer(many=True)


def _feature(code, shape, properties):
    return {"type": "Feature", "id": code, "geometry": shape, "properties": properties}


class GeoJSONRenderer(JSONRenderer):
    media_type = "application/geo+json"
    format = "geojson"


class GeoJSONView(APIView):
    """Answers application/geo+json (application/json when asked for), errors always as JSON."""

    renderer_classes = [GeoJSONRenderer, JSONRenderer]

    def finalize_response(self, request, response, *args, **kwargs):
        if response.status_code >= 400 and isinstance(getattr(request, "accepted_renderer", None), GeoJSONRenderer):
            # An error body is not GeoJSON; say what it is.
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)
