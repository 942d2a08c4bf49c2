"""Shapes of rows named inside other rows: a code or id and a name, nothing personal."""

from rest_framework import serializers

from specialists.people.models import Organisation, Specialist
from villages.models import County, Industry, Town, Village


class CountyRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = County
        fields = ["code", "name"]


class TownRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Town
        fields = ["code", "name"]


class VillageRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Village
        fields = ["code", "name"]


class OrganisationRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name"]


class SpecialistRefSerializer(serializers.ModelSerializer):
    """A specialist named inside another row: nothing personal."""

    class Meta:
        model = Specialist
        fields = ["id", "name"]


class IndustryRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Industry
        fields = ["id", "name"]
