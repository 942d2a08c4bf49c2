"""Shapes of organisations, specialists and teams."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.refs import OrganisationRefSerializer, SpecialistRefSerializer
from api.viewsets import ref

from specialists.people.models import Organisation, Specialist, Team, TeamMembership
from specialists.people.selectors import shows_personal_data


class OrganisationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name", "kind"]


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

    def to_representation(self, specialist):
        # The declared fields' output written by hand, as VillageAssignmentSerializer's (a list's rows
        # are the lists' and the exports' hot path); tests/api/test_list_scale.py checks the two agree.
        whole = self._whole(specialist)
        return {
            "id": specialist.id,
            "name": specialist.name,
            "kind": specialist.kind,
            "gender": specialist.gender,
            "mobile": specialist.mobile if whole else specialist.masked_mobile,
            "id_number": specialist.id_number if whole else specialist.masked_id_number,
            "personal_data_masked": not whole,
            "organisation": ref(specialist.organisation, "id", "name"),
            "title": specialist.title,
            "year_selected": specialist.year_selected,
            "status": specialist.status,
        }

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
