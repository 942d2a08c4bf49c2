"""Shapes of divisions and key industries."""

from rest_framework import serializers

from api.refs import CountyRefSerializer, TownRefSerializer
from villages.models import County, Industry, Town, Village


class CountySerializer(serializers.ModelSerializer):
    class Meta:
        model = County
        fields = ["code", "name", "kind"]


class TownSerializer(serializers.ModelSerializer):
    county = CountyRefSerializer(read_only=True)

    class Meta:
        model = Town
        fields = ["code", "name", "kind", "county"]


class VillageSerializer(serializers.ModelSerializer):
    town = TownRefSerializer(read_only=True)
    county = CountyRefSerializer(source="town.county", read_only=True)

    class Meta:
        model = Village
        fields = ["code", "name", "kind", "town", "county", "lon", "lat", "synthetic"]


class IndustrySerializer(serializers.ModelSerializer):
    key_counties = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = Industry
        fields = ["id", "name", "category", "is_city_key", "key_counties"]
