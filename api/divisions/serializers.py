"""Shapes of divisions and key industries."""

from rest_framework import serializers

from api.refs import CountyRefSerializer, TownRefSerializer
from api.viewsets import ref
from villages.models import County, Industry, Town, Village


class CountySerializer(serializers.ModelSerializer):
    class Meta:
        model = County
        fields = ["code", "name", "kind"]

    def to_representation(self, county):
        # The declared fields' output written by hand (see VillageSerializer).
        return {"code": county.code, "name": county.name, "kind": county.kind}


class TownSerializer(serializers.ModelSerializer):
    county = CountyRefSerializer(read_only=True)

    class Meta:
        model = Town
        fields = ["code", "name", "kind", "county"]

    def to_representation(self, town):
        # The declared fields' output written by hand (see VillageSerializer).
        return {"code": town.code, "name": town.name, "kind": town.kind, "county": ref(town.county, "code", "name")}


class VillageSerializer(serializers.ModelSerializer):
    town = TownRefSerializer(read_only=True)
    county = CountyRefSerializer(source="town.county", read_only=True)

    class Meta:
        model = Village
        fields = ["code", "name", "kind", "town", "county", "lon", "lat", "synthetic"]

    def to_representation(self, village):
        # The declared fields' output written by hand, as VillageAssignmentSerializer's (DRF's generic
        # path nests two serializers a row). tests/api/test_list_scale.py checks the two agree.
        town = village.town
        return {
            "code": village.code, "name": village.name, "kind": village.kind,
            "town": ref(town, "code", "name"), "county": ref(town.county, "code", "name"),
            "lon": village.lon, "lat": village.lat, "synthetic": village.synthetic,
        }


class IndustrySerializer(serializers.ModelSerializer):
    key_counties = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = Industry
        fields = ["id", "name", "category", "is_city_key", "key_counties"]
