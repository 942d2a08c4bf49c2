"""Shapes of the API's rows. They check shape only: business rules live in the models' clean()."""

from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from specialists.access.scope import shows_personal_data
from specialists.assignments.models import IndustryAssignment, VillageAssignment
from specialists.fieldwork.models import Enterprise, ServiceLog, ServiceLogPhoto
from specialists.people.models import Organisation, Specialist, Team, TeamMembership
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


class IdField(serializers.PrimaryKeyRelatedField):
    """A row named by its id: a whole number, or its digits as a string. A plain PrimaryKeyRelatedField
    would read 1.5 or true as row 1, and send a number past the database's integers to it (a 500)."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (int, str)) or (isinstance(data, str) and not data.isdigit()):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 1 <= int(data) <= 2**63 - 1:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


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

    specialist = IdField(queryset=Specialist.objects.all())
    village = serializers.SlugRelatedField(slug_field="code", queryset=Village.objects.none())

    class Meta:
        model = VillageAssignment
        fields = ["specialist", "village", "start_date", "end_date", "note"]
        # The model's clean() checks overlaps; the serializer only checks shape.
        validators = []

    def __init__(self, *args, villages=None, specialists=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Only villages and specialists the coordinator may name (specialists.access): another
        # county's answers "does not exist", exactly like one that does not exist at all.
        if villages is not None:
            self.fields["village"].queryset = villages
        if specialists is not None:
            self.fields["specialist"].queryset = specialists


class VillageAssignmentEndSerializer(serializers.Serializer):
    end_date = serializers.DateField(help_text=_("The last day the specialist serves the village."))


class VillageAssignmentReassignSerializer(serializers.Serializer):
    """Hand the village to another specialist: the current one serves until the day before `start_date`."""

    specialist = IdField(queryset=Specialist.objects.all(), help_text=_("The successor's id."))
    start_date = serializers.DateField(help_text=_("The successor's first day; the current specialist serves until the day before."))
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    def __init__(self, *args, specialists=None, **kwargs):
        super().__init__(*args, **kwargs)
        if specialists is not None:
            self.fields["specialist"].queryset = specialists


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


class IndustryAssignmentCreateSerializer(serializers.ModelSerializer):
    """A team for a key industry: city-wide with no counties, or in the named county-level units (by code)."""

    team = IdField(queryset=Team.objects.all())
    industry = IdField(queryset=Industry.objects.all())
    counties = serializers.SlugRelatedField(slug_field="code", many=True, required=False, queryset=County.objects.none())

    class Meta:
        model = IndustryAssignment
        fields = ["team", "industry", "counties", "start_date", "end_date"]
        # The model and industry_assignment_create check the rules; the serializer only checks shape.
        validators = []

    def __init__(self, *args, counties=None, **kwargs):
        super().__init__(*args, **kwargs)
        if counties is not None:
            # Another county's code answers "does not exist", exactly like a code that does not exist.
            self.fields["counties"].child_relation.queryset = counties


class EnterpriseSerializer(serializers.ModelSerializer):
    specialist = SpecialistRefSerializer(read_only=True)
    village = VillageRefSerializer(read_only=True, allow_null=True)
    industry = serializers.SlugRelatedField(slug_field="name", read_only=True, allow_null=True)

    class Meta:
        model = Enterprise
        fields = ["id", "name", "credit_code", "kind", "relation", "specialist", "village", "industry", "date"]


class OffsetDateTimeField(serializers.DateTimeField):
    """An ISO 8601 date and time that must carry its UTC offset: a phone's local clock alone is ambiguous."""

    default_error_messages = {
        "no_offset": _("Give the date and time with its UTC offset, such as 2024-05-01T09:30:00+08:00."),
        "impossible": _("This date and time does not exist (a day past the month's end, or an offset beyond 24 hours)."),
    }

    def to_internal_value(self, value):
        try:
            parsed = parse_datetime(value) if isinstance(value, str) else None
        except ValueError:
            # Well-formed but impossible, such as 2026-02-30 or +99:00: Django raises rather than answering None.
            self.fail("impossible")
        if parsed is not None and parsed.tzinfo is None:
            self.fail("no_offset")
        return super().to_internal_value(value)


class SentLocationSerializer(serializers.Serializer):
    lon = serializers.FloatField(help_text=_("Longitude in the coordinate system named by crs."))
    lat = serializers.FloatField(help_text=_("Latitude in the coordinate system named by crs."))
    accuracy_m = serializers.FloatField(required=False, allow_null=True, min_value=0, help_text=_("Accuracy in metres."))
    crs = serializers.ChoiceField(choices=ServiceLog.CRS.choices, default=ServiceLog.CRS.WGS84)


class ServiceLogCreateSerializer(serializers.Serializer):
    """A service log as a phone sends it. Shape only: service_log_record decides the rules."""

    uuid = serializers.UUIDField(help_text=_("Made by the phone; send the same one again after a lost response."))
    village = serializers.RegexField(r"^[0-9]{12}$", help_text=_("The village's twelve-digit code."))
    kind = serializers.ChoiceField(choices=ServiceLog.Kind.choices)
    occurred_at = OffsetDateTimeField()
    description = serializers.CharField(max_length=5000)
    people_served = serializers.IntegerField(min_value=0)
    location = SentLocationSerializer()


class StoredLocationSerializer(serializers.Serializer):
    """The location as stored: always WGS-84, whatever the phone sent."""

    lon = serializers.FloatField()
    lat = serializers.FloatField()
    accuracy_m = serializers.FloatField(allow_null=True)
    crs = serializers.SerializerMethodField(help_text=_("Always WGS84: the stored location is converted."))
    sent_crs = serializers.ChoiceField(source="crs", choices=ServiceLog.CRS.choices, help_text=_("The coordinate system the phone used."))

    @extend_schema_field(serializers.CharField())
    def get_crs(self, log):
        return ServiceLog.CRS.WGS84


class ServiceLogPhotoSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text=_("Where the photo is downloaded, for those who see the log."))

    class Meta:
        model = ServiceLogPhoto
        fields = ["uuid", "format", "width", "height", "size_bytes", "created_at", "url"]

    @extend_schema_field(serializers.CharField())
    def get_url(self, photo):
        # photo.log is the prefetching parent (or the log just uploaded to): no query.
        return reverse("api:service-log-photo-file", kwargs={"uuid": photo.log.uuid, "photo_uuid": photo.uuid})


class ServiceLogSerializer(serializers.ModelSerializer):
    specialist = SpecialistRefSerializer(read_only=True)
    village = serializers.SlugRelatedField(slug_field="code", read_only=True)
    location = StoredLocationSerializer(source="*", read_only=True)
    photos = ServiceLogPhotoSerializer(many=True, read_only=True)

    class Meta:
        model = ServiceLog
        fields = [
            "id", "uuid", "specialist", "village", "kind", "occurred_at", "description", "people_served", "location",
            "in_village", "distance_m", "photos",
        ]


class ServiceLogPhotoUploadSerializer(serializers.Serializer):
    """A photo upload's shape; the image's content is judged by service_log_photo_add, not here."""

    uuid = serializers.UUIDField(help_text=_("Made by the phone; send the same one again after a lost response."))
    # A FileField, not an ImageField: the service checks the bytes, with the size and pixel limits.
    image = serializers.FileField(help_text=_("A JPEG, PNG or WebP photo."))
