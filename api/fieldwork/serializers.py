"""Shapes of economic entities, service logs and achievements, and of what phones send."""

from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.scoping import ScopedRelatedFields
from villages.dates import FIRST_YEAR, LAST_YEAR
from api.refs import IndustryRefSerializer, SpecialistRefSerializer, VillageRefSerializer
from api.viewsets import IdField
from specialists.fieldwork.models import Achievement, AchievementEvidence, Enterprise, ServiceLog, ServiceLogPhoto
from villages.models import Industry

UUID_PATTERN = r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"


RETRY_HELP = _("Made by the phone; send the same one again after a lost response.")


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


class ServiceLogBatchEntrySerializer(ServiceLogCreateSerializer):
    """One log of a batch: as a single log, except that the village may be left out, to be the one
    whose boundary holds the location."""

    village = serializers.RegexField(
        r"^[0-9]{12}$", required=False, allow_null=True,
        help_text=_("The village's twelve-digit code; left out or null, the village whose boundary holds the location."),
    )


class ServiceLogBatchSerializer(serializers.Serializer):
    """What a phone sends from its outbox at once. Each log is checked and answered on its own."""

    logs = ServiceLogBatchEntrySerializer(many=True, help_text=_("At most TEPAI_LOG_BATCH_MAX (500) logs."))


class BatchErrorSerializer(serializers.Serializer):
    """The API's one error shape, as the single route would answer the log."""

    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


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


class AchievementEvidenceSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text=_("Where the file is downloaded, for those who see the achievement."))

    class Meta:
        model = AchievementEvidence
        fields = ["uuid", "content_type", "size_bytes", "original_name", "created_at", "url"]

    @extend_schema_field(serializers.CharField())
    def get_url(self, evidence):
        # evidence.achievement is the prefetching parent (or the one just uploaded to): no query.
        return reverse("api:achievement-evidence-file", kwargs={"uuid": evidence.achievement.uuid, "evidence_uuid": evidence.uuid})


class AchievementSerializer(serializers.ModelSerializer):
    specialist = SpecialistRefSerializer(read_only=True)
    village = VillageRefSerializer(read_only=True, allow_null=True)
    industry = IndustryRefSerializer(read_only=True, allow_null=True)
    reviewed_by = serializers.CharField(source="reviewed_by.username", read_only=True, allow_null=True)
    enterprise_id = serializers.IntegerField(
        read_only=True, allow_null=True, help_text=_("The economic entity its verification registered."),
    )
    evidence = AchievementEvidenceSerializer(many=True, read_only=True)

    class Meta:
        model = Achievement
        fields = [
            "uuid", "specialist", "kind", "title", "description", "date", "year", "village", "industry", "amount_yuan",
            "enterprise_name", "enterprise_credit_code", "enterprise_kind", "enterprise_relation", "award_body", "award_level",
            "status", "reject_reason", "reviewed_by", "reviewed_at", "submitted_at", "enterprise_id", "evidence",
        ]


def _blank_choice(choices, help_text):
    return serializers.ChoiceField(choices=choices, required=False, allow_blank=True, default="", help_text=help_text)


class AchievementCreateSerializer(ScopedRelatedFields):
    """An achievement as a phone sends it. Shape only: achievement_submit decides the rules."""

    uuid = serializers.UUIDField(help_text=RETRY_HELP)
    kind = serializers.ChoiceField(choices=Achievement.Kind.choices)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    date = serializers.DateField(help_text=_("The day it was achieved."))
    year = serializers.IntegerField(
        min_value=FIRST_YEAR, max_value=LAST_YEAR, required=False, allow_null=True, default=None,
        help_text=_("The year whose figures it counts in: the date's year (the default) or the year before."),
    )
    village = serializers.RegexField(
        r"^[0-9]{12}$", required=False, allow_null=True, default=None,
        help_text=_("Twelve-digit code of a village you serve or served; required for a village collective's income increase."),
    )
    industry = IdField(queryset=Industry.objects.none(), required=False, allow_null=True, default=None)
    amount_yuan = serializers.IntegerField(
        min_value=0, required=False, allow_null=True, default=None,
        help_text=_("Whole yuan, above zero: only for the two income increases."),
    )
    enterprise_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    enterprise_credit_code = serializers.CharField(
        max_length=18, required=False, allow_blank=True, default="", help_text=_("The 18-character unified social credit code."),
    )
    enterprise_kind = _blank_choice(Enterprise.Kind.choices, _("Only for an economic entity."))
    enterprise_relation = _blank_choice(Enterprise.Relation.choices, _("Only for an economic entity: led or founded."))
    award_body = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    award_level = _blank_choice(Achievement.AwardLevel.choices, _("Only for an award."))


class AchievementRejectSerializer(serializers.Serializer):
    # Not required here: a missing or blank reason is the service's to refuse (422 on `reason`).
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_("Why it is rejected; the specialist reads it."),
    )


class AchievementEvidenceUploadSerializer(serializers.Serializer):
    """An evidence upload's shape; its content is judged by achievement_evidence_add, not here."""

    uuid = serializers.UUIDField(help_text=RETRY_HELP)
    file = serializers.FileField(help_text=_("A JPEG, PNG or WebP photo, or a PDF."))


class ServiceLogBatchAnswerSerializer(serializers.Serializer):
    uuid = serializers.CharField(help_text=_("The log's UUID as sent (empty when it sent none)."))
    status = serializers.IntegerField(help_text=_(
        "What the single route would have answered: 201 stored, 200 already stored with the same content, "
        "409 stored with other content, 400 or 422 refused (see error)."))
    log = ServiceLogSerializer(allow_null=True, help_text=_("The stored log, for 201 and 200."))
    error = BatchErrorSerializer(allow_null=True, help_text=_("Why the log was refused, for any other status."))


class ServiceLogBatchResultSerializer(serializers.Serializer):
    results = ServiceLogBatchAnswerSerializer(many=True, help_text=_("One answer per log sent, in the order sent."))
