"""Shapes of village and industry assignments, and of the requests that write them."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from api.refs import CountyRefSerializer, SpecialistRefSerializer, TownRefSerializer, VillageRefSerializer
from api.scoping import ScopedRelatedFields
from api.viewsets import IdField, iso_date, ref
from specialists.assignments.selectors import assignable_specialists_for
from specialists.assignments.models import IndustryAssignment, VillageAssignment
from specialists.people.models import Specialist, Team
from villages.models import County, Industry, Village


class VillageAssignmentSerializer(serializers.ModelSerializer):
    specialist = SpecialistRefSerializer(read_only=True)
    village = VillageRefSerializer(read_only=True)
    town = TownRefSerializer(source="village.town", read_only=True)
    county = CountyRefSerializer(source="village.town.county", read_only=True)

    class Meta:
        model = VillageAssignment
        fields = ["id", "specialist", "village", "town", "county", "start_date", "end_date", "note"]

    def to_representation(self, assignment):
        # The declared fields' own output (they stay, for the schema), written by hand: DRF's generic
        # path, four nested serializers a row, was about 40% of a list request's time in a profile.
        # tests/api/test_list_scale.py checks the two agree.
        village = assignment.village
        town = village.town
        return {
            "id": assignment.id,
            "specialist": ref(assignment.specialist, "id", "name"),
            "village": ref(village, "code", "name"),
            "town": ref(town, "code", "name"),
            "county": ref(town.county, "code", "name"),
            "start_date": iso_date(assignment.start_date),
            "end_date": iso_date(assignment.end_date),
            "note": assignment.note,
        }


class VillageAssignmentCreateSerializer(ScopedRelatedFields, serializers.ModelSerializer):
    """A new assignment: the specialist by id, the village by its 12-digit code, within the user's scope
    (api.scoping): another unit's answers "does not exist", exactly like one that does not exist."""

    specialist = IdField(queryset=Specialist.objects.none())
    village = serializers.SlugRelatedField(slug_field="code", queryset=Village.objects.none())
    scoped_fields = {"specialist": assignable_specialists_for}

    class Meta:
        model = VillageAssignment
        fields = ["specialist", "village", "start_date", "end_date", "note"]
        # village_assignment_create checks the rules; the serializer only checks shape.
        validators = []


class VillageAssignmentEndSerializer(serializers.Serializer):
    end_date = serializers.DateField(help_text=_("The last day the specialist serves the village."))


class VillageAssignmentReassignSerializer(ScopedRelatedFields):
    """Hand the village to another specialist: the current one serves until the day before `start_date`."""

    specialist = IdField(queryset=Specialist.objects.none(), help_text=_("The successor's id."))
    start_date = serializers.DateField(help_text=_("The successor's first day; the current specialist serves until the day before."))
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    scoped_fields = {"specialist": assignable_specialists_for}


class VillageAssignmentExtendSerializer(serializers.Serializer):
    end_date = serializers.DateField(
        allow_null=True, help_text=_("The new last day, after the planned one; null leaves the assignment open-ended."),
    )


class IndustryAssignmentEndSerializer(serializers.Serializer):
    end_date = serializers.DateField(help_text=_("The last day the team serves the key industry."))


class IndustryAssignmentSerializer(serializers.ModelSerializer):
    team = serializers.SlugRelatedField(slug_field="name", read_only=True)
    team_id = serializers.IntegerField(read_only=True)
    industry = serializers.SlugRelatedField(slug_field="name", read_only=True)
    industry_id = serializers.IntegerField(read_only=True)
    counties = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = IndustryAssignment
        fields = ["id", "team_id", "team", "industry_id", "industry", "counties", "start_date", "end_date"]


class IndustryAssignmentCreateSerializer(ScopedRelatedFields, serializers.ModelSerializer):
    """A team for a key industry: city-wide with no counties, or in the named county-level units (by code),
    each within the user's scope (api.scoping)."""

    team = IdField(queryset=Team.objects.none())
    industry = IdField(queryset=Industry.objects.none())
    counties = serializers.SlugRelatedField(slug_field="code", many=True, required=False, queryset=County.objects.none())

    class Meta:
        model = IndustryAssignment
        fields = ["team", "industry", "counties", "start_date", "end_date"]
        # The model and industry_assignment_create check the rules; the serializer only checks shape.
        validators = []
