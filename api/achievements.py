"""Achievements (成果) in the API: specialists submit them and their evidence from phones that retry;
coordinators of the specialist's county-level unit (or the city) verify or reject them.

Rows come from specialists.access.achievements_for (another unit's achievement answers 404);
the rules are specialists.fieldwork.achievements' services. Submitting and uploading follow the service
logs' contract: 201 new, 200 an identical retry, 409 the same UUID with other content, 422 naming
the field a rule refuses.
"""

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response

from api.exceptions import PayloadTooLarge
from api.exports import COUNT, DATE, DATETIME, Column, ExportMixin
from api.files import FILE_ROUTE, child, file_response
from api.filters import FilterSet, IntegerFilter
from api.parsers import EvidenceParser
from api.permissions import NO_ROLE
from api.serializers import IdField, SpecialistRefSerializer, VillageRefSerializer
from api.views import Conflict, ScopedViewSet
from specialists.access import scope as access
from specialists.fieldwork.achievements import (
    AchievementConflict,
    achievement_evidence_add,
    achievement_reject,
    achievement_submit,
    achievement_verify,
)
from specialists.fieldwork.models import Achievement, AchievementEvidence, Enterprise
from villages.models import Industry

UUID_PATTERN = r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
RETRY_HELP = _("Made by the phone; send the same one again after a lost response.")


# --- who may do what ------------------------------------------------------------------------------

class AchievementWrites(BasePermission):
    """Anyone with a role reads; specialists submit (and add evidence to) their own; coordinators review.

    Which rows are reachable is the queryset's business: a coordinator of another unit gets 404.
    """

    message = NO_ROLE

    def has_permission(self, request, view):
        scope = access.scope_for(request.user)
        if not scope.has_access:
            return False
        if request.method in SAFE_METHODS:
            return True
        if view.action in ("verify", "reject"):
            if scope.can_write:
                return True
            self.message = _("Only coordinators verify or reject achievements.")
            return False
        if scope.is_specialist:
            return True
        self.message = _("Only specialists submit achievements and their evidence.")
        return False


# --- shapes ---------------------------------------------------------------------------------------

class IndustryRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Industry
        fields = ["id", "name"]


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


class AchievementCreateSerializer(serializers.Serializer):
    """An achievement as a phone sends it. Shape only: achievement_submit decides the rules."""

    uuid = serializers.UUIDField(help_text=RETRY_HELP)
    kind = serializers.ChoiceField(choices=Achievement.Kind.choices)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    date = serializers.DateField(help_text=_("The day it was achieved."))
    year = serializers.IntegerField(
        min_value=2000, max_value=2100, required=False, allow_null=True, default=None,
        help_text=_("The year whose figures it counts in: the date's year (the default) or the year before."),
    )
    village = serializers.RegexField(
        r"^[0-9]{12}$", required=False, allow_null=True, default=None,
        help_text=_("Twelve-digit code of a village you serve or served; required for a village collective's income increase."),
    )
    industry = IdField(queryset=Industry.objects.all(), required=False, allow_null=True, default=None)
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


# --- filters --------------------------------------------------------------------------------------

class AchievementFilter(FilterSet):
    """Filters of the already-scoped list: none can reach a row outside the user's scope."""

    # A plain number, not a ModelChoiceFilter: that would tell another county's specialist from a missing one.
    specialist = IntegerFilter(field_name="specialist_id", min_value=1, max_value=2**63 - 1)
    county = django_filters.CharFilter(
        method="belonging_to_county",
        label=_("Belonging to the county-level unit with this code: in its villages or, with no village, by its specialists"),
    )
    village = django_filters.CharFilter(field_name="village__code", label=_("Village code"))

    class Meta:
        model = Achievement
        fields = ["status", "kind", "specialist", "county", "village", "year"]

    def belonging_to_county(self, queryset, name, value):
        # The unit whose coordinators review it: the desk's review queue asks for exactly these.
        return queryset.filter(access.achievements_belonging_to(county__code=value))


# --- the viewset ----------------------------------------------------------------------------------

def _conflict(error):
    # Only the service's message, which names the UUID the caller sent: the stored row may be
    # another specialist's and is never shown.
    return Conflict(str(error.message))


@extend_schema_view(
    create=extend_schema(
        request=AchievementCreateSerializer,
        responses={201: AchievementSerializer, 200: AchievementSerializer},
        description=_("Submit an achievement once: 201 when stored, 200 with the stored achievement when the same UUID "
                      "was already stored with the same content, 409 when it was stored with different content."),
    ),
    verify=extend_schema(
        request=None, responses={200: AchievementSerializer},
        description=_("Verify a submitted achievement, so that it counts in the figures: 409 when it was already reviewed, "
                      "422 when the economic entity it registers is refused."),
    ),
    reject=extend_schema(
        request=AchievementRejectSerializer, responses={200: AchievementSerializer},
        description=_("Reject a submitted achievement with a reason: 422 naming reason when it is missing, 409 when the achievement was already reviewed."),
    ),
    evidence=extend_schema(
        request={"multipart/form-data": AchievementEvidenceUploadSerializer},
        responses={
            201: AchievementEvidenceSerializer, 200: AchievementEvidenceSerializer,
            # In the one error shape that api.schema adds to every operation.
            413: OpenApiResponse(response={"$ref": "#/components/schemas/Error"}, description=_("The file is larger than TEPAI_EVIDENCE_MAX_BYTES.")),
        },
        description=_("Add a photo or PDF to your own submitted achievement: 201 when stored, 200 for a retried upload."),
    ),
    evidence_file=extend_schema(
        parameters=[OpenApiParameter("evidence_uuid", OpenApiTypes.UUID, OpenApiParameter.PATH)],
        responses={(200, content_type): OpenApiTypes.BINARY for content_type in AchievementEvidence.ContentType.values},
        description=_("Download an evidence file, as an attachment of its stored content type."),
    ),
)
class AchievementViewSet(ExportMixin, ScopedViewSet):
    """Achievements (成果) in your scope, by the UUID the phone made. Specialists submit their own;
    coordinators of their county-level unit or the city verify or reject them; only verified ones count."""

    serializer_class = AchievementSerializer
    permission_classes = [AchievementWrites]
    filterset_class = AchievementFilter
    search_fields = ["title", "description", "specialist__name", "enterprise_name", "enterprise_credit_code", "award_body"]
    ordering_fields = ["submitted_at", "date", "year", "amount_yuan", "reviewed_at"]
    lookup_field = "uuid"
    # A UUID with or without its hyphens; anything else is not an achievement's address at all (404).
    lookup_value_regex = UUID_PATTERN

    scoped = staticmethod(access.achievements_for)
    export_columns = (
        Column(_("UUID"), "uuid"), Column(_("Specialist"), "specialist.name"),
        Column(_("Kind of achievement"), "kind", choices=Achievement.Kind.choices), Column(_("Title"), "title"),
        Column(_("Description"), "description"), Column(_("Date achieved"), "date", DATE), Column(_("Year"), "year"),
        Column(_("Village code"), "village.code"), Column(_("Village"), "village.name"), Column(_("Industry"), "industry.name"),
        Column(_("Amount (yuan)"), "amount_yuan"), Column(_("Economic entity"), "enterprise_name"),
        Column(_("Unified social credit code"), "enterprise_credit_code"),
        Column(_("Kind of entity"), "enterprise_kind", choices=Enterprise.Kind.choices),
        Column(_("Led or founded"), "enterprise_relation", choices=Enterprise.Relation.choices),
        Column(_("Awarding body"), "award_body"), Column(_("Award level"), "award_level", choices=Achievement.AwardLevel.choices),
        Column(_("Status"), "status", choices=Achievement.Status.choices), Column(_("Reason for rejection"), "reject_reason"),
        Column(_("Reviewed by"), "reviewed_by"), Column(_("Reviewed at"), "reviewed_at", DATETIME),
        Column(_("Submitted at"), "submitted_at", DATETIME), Column(_("Evidence files"), "evidence", COUNT),
    )

    def _answer(self, achievement, status_code):
        # Read back through the scoped selector, so the answer has the same shape (and joins) as a GET.
        return Response(self.get_serializer(self.get_queryset().get(pk=achievement.pk)).data, status=status_code)

    def create(self, request, *args, **kwargs):
        incoming = AchievementCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        try:
            achievement, created = achievement_submit(
                specialist=access.scope_for(request.user).specialist, village_code=data.pop("village"), **data,
            )
        except AchievementConflict as error:
            raise _conflict(error) from None
        return self._answer(achievement, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @action(detail=True, methods=["post"])
    def verify(self, request, uuid=None):
        """Verify the achievement: it counts from now on."""
        achievement = self.get_object()
        try:
            achievement = achievement_verify(achievement=achievement, reviewer=request.user)
        except AchievementConflict as error:
            raise _conflict(error) from None
        return self._answer(achievement, status.HTTP_200_OK)

    @action(detail=True, methods=["post"])
    def reject(self, request, uuid=None):
        """Reject the achievement with the reason the specialist will read."""
        achievement = self.get_object()
        incoming = AchievementRejectSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        try:
            achievement = achievement_reject(achievement=achievement, reviewer=request.user, reason=incoming.validated_data["reason"])
        except AchievementConflict as error:
            raise _conflict(error) from None
        return self._answer(achievement, status.HTTP_200_OK)

    @action(detail=True, methods=["post"], parser_classes=[EvidenceParser, FormParser])
    def evidence(self, request, uuid=None):
        """Add a photo or PDF to your own achievement: 201 when stored, 200 for a retried upload of the same file."""
        achievement = self.get_object()
        if achievement.specialist_id != access.scope_for(request.user).specialist.pk:
            # Only reachable by a role that sees others' achievements, and only specialists write.
            raise exceptions.PermissionDenied(_("Only the achievement's own specialist may add evidence."))
        incoming = AchievementEvidenceUploadSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        try:
            evidence, created = achievement_evidence_add(
                achievement=achievement, uuid=incoming.validated_data["uuid"], upload=incoming.validated_data["file"],
            )
        except AchievementConflict as error:
            raise _conflict(error) from None
        except DjangoValidationError as error:
            too_large = [e for e in error.error_dict.get("file", []) if e.code == "too_large"] if hasattr(error, "error_dict") else []
            if too_large:
                raise PayloadTooLarge(too_large[0].messages[0]) from None
            raise
        return Response(AchievementEvidenceSerializer(evidence).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @action(detail=True, methods=["get"], url_path=rf"evidence/(?P<evidence_uuid>{UUID_PATTERN})", url_name="evidence-file", **FILE_ROUTE)
    def evidence_file(self, request, uuid=None, evidence_uuid=None):
        """An evidence file of an achievement you see."""
        evidence = child(self.get_object().evidence.all(), evidence_uuid)
        # The stored extension, which follows the checked content, whatever the phone named the file.
        extension = evidence.file.name.rsplit(".", 1)[-1]
        name = f"{(evidence.original_name.rsplit('.', 1)[0] if evidence.original_name else '') or evidence.uuid}.{extension}"
        return file_response(evidence.file, content_type=evidence.content_type, filename=name, as_attachment=True)
