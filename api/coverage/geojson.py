"""GeoJSON: shapes in EPSG:4490 as RFC 7946 MultiPolygons, simplified in metres, and the schema of the layers."""

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from villages.palette import AT_RISK, COMMUNITY, COVERED, UNCOVERED


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
    villages_total = serializers.IntegerField(required=False, help_text=_("With coverage: administrative villages."))
    villages_covered = serializers.IntegerField(required=False, help_text=_("With coverage: villages covered on the day."))
    villages_at_risk = serializers.IntegerField(required=False, help_text=_("With coverage: covered villages at risk on the day."))
    village_rate = serializers.FloatField(
        required=False, allow_null=True, help_text=_("With coverage: the share of villages covered, 0 to 1; null without villages."),
    )


class CountyFeatureSerializer(serializers.Serializer):
    type = _literal("Feature")
    id = serializers.CharField()
    geometry = MultiPolygonSerializer(allow_null=True)
    properties = CountyFeaturePropertiesSerializer()


class CountyFeatureCollectionSerializer(serializers.Serializer):
    type = _literal("FeatureCollection")
    as_of = serializers.DateField(required=False, help_text=_("With coverage: the day of the tallies."))
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
