"""Economic entities, service logs and achievements in the user's scope; phones record logs and
achievements once, coordinators review achievements."""

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, status
from rest_framework.decorators import action

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response

from api.exports import (
    BOOLEAN,
    COUNT,
    DATE,
    DATETIME,
    Column,
    ExportMixin,
)
from api.fieldwork.filters import AchievementFilter, EnterpriseFilter, ServiceLogFilter
from api.fieldwork.serializers import (
    UUID_PATTERN,
    AchievementCreateSerializer,
    AchievementEvidenceSerializer,
    AchievementEvidenceUploadSerializer,
    AchievementRejectSerializer,
    AchievementSerializer,
    EnterpriseSerializer,
    ServiceLogBatchEntrySerializer,
    ServiceLogBatchResultSerializer,
    ServiceLogBatchSerializer,
    ServiceLogCreateSerializer,
    ServiceLogPhotoSerializer,
    ServiceLogPhotoUploadSerializer,
    ServiceLogSerializer,
)
from api.exceptions import exception_handler
from api.files import FILE_ROUTE, child, file_response
from api.parsers import EvidenceParser, FormParser, PhotoParser
from api.permissions import NO_ROLE, SpecialistWrites
from api.viewsets import ScopedViewSet
from specialists.access import scope as access
from specialists.fieldwork.achievements import (
    achievement_evidence_add,
    achievement_reject,
    achievement_submit,
    achievement_verify,
)
from specialists.fieldwork.models import Achievement, AchievementEvidence, Enterprise, ServiceLog, ServiceLogPhoto
from specialists.fieldwork.photos import open_thumbnail
from specialists.fieldwork.service_logs import check_batch_size, service_log_photo_add, service_log_record, service_logs_record_batch
from specialists.fieldwork.selectors import achievements_for, enterprises_for, service_logs_for


class EnterpriseViewSet(ExportMixin, ScopedViewSet):
    """Economic entities (经济实体) that specialists in your scope lead or founded."""

    serializer_class = EnterpriseSerializer
    filterset_class = EnterpriseFilter
    search_fields = ["name", "credit_code"]
    ordering_fields = ["date", "name"]

    scoped = staticmethod(enterprises_for)
    export_columns = (
        Column(_("ID"), "id"), Column(_("Name"), "name"), Column(_("Unified social credit code"), "credit_code"),
        Column(_("Kind of entity"), "kind", choices=Enterprise.Kind.choices),
        Column(_("Led or founded"), "relation", choices=Enterprise.Relation.choices),
        Column(_("Specialist"), "specialist.name"), Column(_("Village code"), "village.code"), Column(_("Village"), "village.name"),
        Column(_("Industry"), "industry"), Column(_("Date led or founded"), "date", DATE),
    )


# A service log photo's stored format -> the content type it is sent with.
PHOTO_CONTENT_TYPES = {
    ServiceLogPhoto.Format.JPEG: "image/jpeg", ServiceLogPhoto.Format.PNG: "image/png", ServiceLogPhoto.Format.WEBP: "image/webp",
}


@extend_schema_view(
    create=extend_schema(
        request=ServiceLogCreateSerializer,
        responses={201: ServiceLogSerializer, 200: ServiceLogSerializer},
        description=_("Record a service log once: 201 when stored, 200 with the stored log when the same UUID "
                      "was already stored with the same content, 409 when it was stored with different content."),
    ),
    batch=extend_schema(
        request=ServiceLogBatchSerializer,
        responses={200: ServiceLogBatchResultSerializer},
        description=_("Record many service logs at once (a phone's outbox): each log is answered on its own, as the "
                      "single route would answer it (201, 200, 409, or 400/422 with its fields), in the order sent; one "
                      "log's refusal never refuses another. 413 beyond TEPAI_LOG_BATCH_MAX (500) logs."),
    ),
    photos=extend_schema(
        request={"multipart/form-data": ServiceLogPhotoUploadSerializer},
        responses={201: ServiceLogPhotoSerializer, 200: ServiceLogPhotoSerializer},
    ),
    photo_file=extend_schema(
        parameters=[
            OpenApiParameter("photo_uuid", OpenApiTypes.UUID, OpenApiParameter.PATH),
            OpenApiParameter("size", OpenApiTypes.STR, enum=["full", "thumbnail"], description=_(
                "full (the default): the photo as stored; thumbnail: a JPEG at most 320 pixels on its longer side, for lists and maps.",
            )),
        ],
        responses={(200, content_type): OpenApiTypes.BINARY for content_type in PHOTO_CONTENT_TYPES.values()},
        description=_("Download a photo of a log you see, shown inline in its stored format."),
    ),
)
class ServiceLogViewSet(ExportMixin, ScopedViewSet):
    """Service logs (服务日志) in your scope, by the UUID the phone made. Specialists record their own."""

    serializer_class = ServiceLogSerializer
    permission_classes = [SpecialistWrites]
    filterset_class = ServiceLogFilter
    search_fields = ["description", "village__name", "village__code"]
    ordering_fields = ["occurred_at", "id"]
    lookup_field = "uuid"
    # A UUID with or without its hyphens; anything else is not a log's address at all (404).
    lookup_value_regex = r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"

    scoped = staticmethod(service_logs_for)
    export_columns = (
        Column(_("UUID"), "uuid"), Column(_("Specialist"), "specialist.name"), Column(_("Village code"), "village"),
        Column(_("Kind of service"), "kind", choices=ServiceLog.Kind.choices), Column(_("Date and time"), "occurred_at", DATETIME),
        Column(_("What was done"), "description"), Column(_("People served"), "people_served"),
        Column(_("Longitude"), "location.lon"), Column(_("Latitude"), "location.lat"),
        Column(_("In the village"), "in_village", BOOLEAN), Column(_("Distance from the village (m)"), "distance_m"),
        Column(_("Photos"), "photos", COUNT),
    )

    def _log(self, log, status_code):
        # Read back through the scoped selector, so the answer has the same shape (and joins) as a GET.
        return Response(self.get_serializer(self.get_queryset().get(pk=log.pk)).data, status=status_code)

    def create(self, request, *args, **kwargs):
        incoming = ServiceLogCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        log, created = service_log_record(
            specialist=access.scope_for(request.user).specialist, uuid=data["uuid"], village_code=data["village"],
            kind=data["kind"], occurred_at=data["occurred_at"], description=data["description"],
            people_served=data["people_served"], location=dict(data["location"]),
        )
        return self._log(log, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @action(detail=False, methods=["post"])
    def batch(self, request):
        """Record many of your own logs at once, each answered on its own (service_logs_record_batch)."""
        logs = request.data.get("logs") if isinstance(request.data, dict) else None
        if not isinstance(logs, list):
            raise exceptions.ValidationError({"logs": [_("Give the logs as a list.")]})
        # Before reading any of them.
        check_batch_size(len(logs))
        answers = [None] * len(logs)
        valid, positions = [], []
        # One serializer checks every log's shape: building one per log costs more than the checks.
        shape = ServiceLogBatchEntrySerializer()
        for position, sent in enumerate(logs):
            try:
                data = shape.run_validation(sent)
            except exceptions.ValidationError as error:
                answers[position] = self._refusal(sent.get("uuid") if isinstance(sent, dict) else None, error)
                continue
            valid.append(dict(data, location=dict(data["location"])))
            positions.append(position)
        outcomes = service_logs_record_batch(specialist=access.scope_for(request.user).specialist, entries=valid)
        # The stored logs read back through the scoped selector in one go, shaped as a GET shows them,
        # by one serializer for all.
        ids = [outcome.log.pk for outcome in outcomes if outcome.log is not None]
        rows = list(self.get_queryset().filter(pk__in=ids)) if ids else []
        shown = dict(zip((row.pk for row in rows), self.get_serializer(rows, many=True).data, strict=True))
        for position, outcome in zip(positions, outcomes, strict=True):
            if outcome.error is not None:
                answers[position] = self._refusal(outcome.uuid, outcome.error)
            else:
                answers[position] = {
                    "uuid": outcome.uuid, "status": status.HTTP_201_CREATED if outcome.created else status.HTTP_200_OK,
                    "log": shown[outcome.log.pk], "error": None,
                }
        return Response({"results": answers}, status=status.HTTP_200_OK)

    def _refusal(self, uuid, error):
        # The answer and body the single route gives for this error (api/exceptions.py), for one log.
        response = exception_handler(error, {"request": self.request, "view": self})
        return {"uuid": "" if uuid is None else str(uuid), "status": response.status_code, "log": None, "error": response.data}

    @action(detail=True, methods=["post"], parser_classes=[PhotoParser, FormParser])
    def photos(self, request, uuid=None):
        """Add a photo to your own log: 201 when stored, 200 for a retried upload of the same photo."""
        log = self.get_object()
        if log.specialist_id != access.scope_for(request.user).specialist.pk:
            # Only reachable by a role that sees others' logs, and only specialists write.
            raise exceptions.PermissionDenied(_("Only the log's own specialist may add photos."))
        incoming = ServiceLogPhotoUploadSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        # An image over its limit is refused by the service with code too_large: a 413 (api/exceptions.py).
        photo, created = service_log_photo_add(log=log, uuid=incoming.validated_data["uuid"], upload=incoming.validated_data["image"])
        return Response(
            ServiceLogPhotoSerializer(photo).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @action(detail=True, methods=["get"], url_path=rf"photos/(?P<photo_uuid>{lookup_value_regex})", url_name="photo-file", **FILE_ROUTE)
    def photo_file(self, request, uuid=None, photo_uuid=None):
        """A photo of a log you see, as stored (re-encoded on arrival, without its metadata)."""
        size = request.query_params.get("size", "full")
        if size not in ("full", "thumbnail"):
            raise exceptions.ValidationError({"size": [_("Give full or thumbnail.")]})
        log = self.get_object()
        photo = child(log.photos.all(), photo_uuid)
        # The stored extension, which follows the checked content; dated by the service, not the upload.
        extension = photo.image.name.rsplit(".", 1)[-1]
        name = f"service-log-{timezone.localdate(log.occurred_at).isoformat()}-{photo.uuid}"
        if size == "thumbnail":
            try:
                # Kept beside the photo since its upload, or made on this first view and kept: decoded once.
                small = open_thumbnail(photo.image)
            except OSError:
                raise Http404 from None  # the row has outlived its file, as for the photo itself
            return file_response(small, content_type="image/jpeg", filename=f"{name}-thumbnail.jpg", as_attachment=False)
        return file_response(photo.image, content_type=PHOTO_CONTENT_TYPES[photo.format], filename=f"{name}.{extension}", as_attachment=False)


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

    scoped = staticmethod(achievements_for)
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
        incoming = AchievementCreateSerializer(data=request.data, context={"request": request})
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        achievement, created = achievement_submit(
            specialist=access.scope_for(request.user).specialist, village_code=data.pop("village"), **data,
        )
        return self._answer(achievement, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @action(detail=True, methods=["post"])
    def verify(self, request, uuid=None):
        """Verify the achievement: it counts from now on."""
        achievement = self.get_object()
        achievement = achievement_verify(achievement=achievement, reviewer=request.user)
        return self._answer(achievement, status.HTTP_200_OK)

    @action(detail=True, methods=["post"])
    def reject(self, request, uuid=None):
        """Reject the achievement with the reason the specialist will read."""
        achievement = self.get_object()
        incoming = AchievementRejectSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        achievement = achievement_reject(achievement=achievement, reviewer=request.user, reason=incoming.validated_data["reason"])
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
        evidence, created = achievement_evidence_add(
            achievement=achievement, uuid=incoming.validated_data["uuid"], upload=incoming.validated_data["file"],
        )
        return Response(AchievementEvidenceSerializer(evidence).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @action(detail=True, methods=["get"], url_path=rf"evidence/(?P<evidence_uuid>{UUID_PATTERN})", url_name="evidence-file", **FILE_ROUTE)
    def evidence_file(self, request, uuid=None, evidence_uuid=None):
        """An evidence file of an achievement you see."""
        evidence = child(self.get_object().evidence.all(), evidence_uuid)
        # The stored extension, which follows the checked content, whatever the phone named the file.
        extension = evidence.file.name.rsplit(".", 1)[-1]
        name = f"{(evidence.original_name.rsplit('.', 1)[0] if evidence.original_name else '') or evidence.uuid}.{extension}"
        return file_response(evidence.file, content_type=evidence.content_type, filename=name, as_attachment=True)
