"""Shapes of the API's rows. They check shape only: business rules live in the models' clean()."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from specialists.access import shows_personal_data
from specialists.models import (
    Enterprise,
    IndustryAssignment,
    Organisation,
    Specialist,
    Team,
    TeamMembership,
    VillageAssignment,
)
from villages.models import County, Industry, Town, Village


class CountyRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = County
        fields = ["code", "name"]


class CountySerializer(serializers.ModelSerializer):
    class Meta:
        model = County
        fields = ["code", "name", "kind"]


class TownRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Town
        fields = ["code", "name"]


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


class VillageRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Village
        fields = ["code", "name"]


class IndustrySerializer(serializers.ModelSerializer):
    key_counties = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = Industry
        fields = ["id", "name", "category", "is_city_key", "key_counties"]


class OrganisationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name", "kind"]


class OrganisationRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name"]


class SpecialistRefSerializer(serializers.ModelSerializer):
    """A specialist named inside another row: nothing personal."""

    class Meta:
        model = Specialist
        fields = ["id", "name"]


class SpecialistSerializer(serializers.ModelSerializer):
    """A specialist, with mobile and ID number whole only for the coordinators who manage them."""

    organisation = OrganisationRefSerializer(read_only=True)
    mobile = serializers.SerializerMethodField(help_text=_("Whole for the coordinators who manage the specialist, masked for everyone else."))
    id_number = serializers.SerializerMethodField(help_text=_("Whole for the coordinators who manage the specialist, masked for everyone else."))
    personal_data_masked = serializers.SerializerMethodField()

    class Meta:
        model = Specialist
        fields = [
            "id", "name", "kind", "gender", "mobile", "id_number", "personal_data_masked", "organisation",
            "title", "year_selected", "status",
        ]

    def _whole(self, specialist):
        return shows_personal_data(self.context["request"].user, specialist)

    @extend_schema_field(serializers.CharField())
    def get_mobile(self, specialist):
        return specialist.mobile if self._whole(specialist) else specialist.masked_mobile

    @extend_schema_field(serializers.CharField())
    def get_id_number(self, specialist):
        return specialist.id_number if self._whole(specialist) else specialist.masked_id_number

    @extend_schema_field(serializers.BooleanField())
    def get_personal_data_masked(self, specialist):
        return not self._whole(specialist)


class TeamMemberSerializer(serializers.ModelSerializer):
    specialist = SpecialistRefSerializer(read_only=True)

    class Meta:
        model = TeamMembership
        fields = ["specialist", "role"]


class TeamSerializer(serializers.ModelSerializer):
    lead_organisation = OrganisationRefSerializer(read_only=True)
    leader = SpecialistRefSerializer(read_only=True)
    members = TeamMemberSerializer(source="memberships", many=True, read_only=True)

    class Meta:
        model = Team
        fields = ["id", "name", "level", "year_selected", "lead_organisation", "leader", "members"]


class VillageAssignmentSerializer(serializers.ModelSerializer):
    specialist = SpecialistRefSerializer(read_only=True)
    village = VillageRefSerializer(read_only=True)
    town = TownRefSerializer(source="village.town", read_only=True)
    county = CountyRefSerializer(source="village.town.county", read_only=True)

    class Meta:
        model = VillageAssignment
        fields = ["id", "specialist", "village", "town", "county", "start_date", "end_date", "note"]


class VillageAssignmentCreateSerializer(serializers.ModelSerializer):
    """A new assignment: the specialist by id, the village by its 12-digit code, within the user's scope."""

    specialist = serializers.PrimaryKeyRelatedField(queryset=Specialist.objects.all())
    village = serializers.SlugRelatedField(slug_field="code", queryset=Village.objects.none())

    class Meta:
        model = VillageAssignment
        fields = ["specialist", "village", "start_date", "end_date", "note"]
        # The model's clean() checks overlaps; the serializer only checks shape.
        validators = []

    def __init__(self, *args, villages=None, **kwargs):
        super().__init__(*args, **kwargs)
        if villages is not None:
            # Only villages inside the coordinator's scope can be named; another county's code
            # answers "does not exist", exactly like a code that does not exist at all.
            self.fields["village"].queryset = villages


class VillageAssignmentEndSerializer(serializers.Serializer):
    end_date = serializers.DateField(help_text=_("The last day the specialist serves the village."))


class IndustryAssignmentSerializer(serializers.ModelSerializer):
    team = serializers.SlugRelatedField(slug_field="name", read_only=True)
    team_id = serializers.IntegerField(read_only=True)
    industry = serializers.SlugRelatedField(slug_field="name", read_only=True)
    industry_id = serializers.IntegerField(read_only=True)
    counties = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = IndustryAssignment
        fields = ["id", "team_id", "team", "industry_id", "industry", "counties", "start_date", "end_date"]


class EnterpriseSerializer(serializers.ModelSerializer):
    specialist = SpecialistRefSerializer(read_only=True)
    village = VillageRefSerializer(read_only=True, allow_null=True)
    industry = serializers.SlugRelatedField(slug_field="name", read_only=True, allow_null=True)

    class Meta:
        model = Enterprise
        fields = ["id", "name", "credit_code", "kind", "relation", "specialist", "village", "industry", "date"]


class ScopeSerializer(serializers.Serializer):
    city_wide = serializers.BooleanField()
    county = CountyRefSerializer(allow_null=True)
    can_write = serializers.BooleanField()


class MeVillageSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    town = TownRefSerializer()
    county = CountyRefSerializer()
    start_date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True)


class MeSerializer(serializers.Serializer):
    """The signed-in user: role and scope, and for a specialist their profile, villages and teams."""

    username = serializers.CharField()
    role = serializers.CharField(allow_null=True)
    scope = ScopeSerializer()
    specialist = SpecialistSerializer(allow_null=True)
    villages = MeVillageSerializer(many=True, help_text=_("The villages the specialist serves today."))
    teams = TeamSerializer(many=True)
