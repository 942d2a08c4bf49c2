"""The API's views. Thin: each takes its queryset from specialists.access (the user's scope) and
lets the models' own validation decide what may be written."""

import contextlib

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.core.files.base import ContentFile
from django.http import Http404, HttpResponsePermanentRedirect, JsonResponse
from django.urls import Resolver404, resolve
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser
from rest_framework.response import Response

from api import filters, serializers
from api.exceptions import PayloadTooLarge, error_body
from api.exports import (
    BOOLEAN,
    COUNT,
    DATE,
    DATETIME,
    JOINED,
    Column,
    ExportMixin,
    place_columns,
)
from api.files import FILE_ROUTE, child, file_response
from api.negotiation import language_from_accept
from api.parsers import PhotoParser
from api.permissions import CoordinatorWrites, SpecialistWrites
from specialists.access import scope as access
from specialists.assignments.services import (
    AssignmentAlreadyEnded,
    AssignmentOpenEnded,
    industry_assignment_create,
    industry_assignment_end,
    village_assignment_end,
    village_assignment_extend,
    village_assignment_reassign,
)
from specialists.assignments.models import VillageAssignment
from specialists.fieldwork.models import Enterprise, ServiceLog, ServiceLogPhoto
from specialists.people.models import Specialist
from specialists.fieldwork.photos import thumbnail
from specialists.fieldwork.service_logs import service_log_photo_add, service_log_record
from villages.models import Village

CODE = r"[0-9]+"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The request conflicts with what is stored.")
    default_code = "conflict"


class ScopedViewSet(viewsets.ReadOnlyModelViewSet):
    """A read-only viewset whose rows all come from one access selector: the user's scope, always."""

    scoped = None  # an access.*_for(user) selector

    def get_queryset(self):
        return type(self).scoped(self.request.user)


class CountyViewSet(ScopedViewSet):
    """County-level units (县区) in your scope, by their six-digit code."""

    serializer_class = serializers.CountySerializer
    filterset_class = filters.CountyFilter
    search_fields = ["name", "code"]
    ordering_fields = ["code", "name"]
    lookup_field = "code"
    lookup_value_regex = CODE

    scoped = staticmethod(access.counties_for)


class TownViewSet(ScopedViewSet):
    """Towns and subdistricts (乡镇/街道) in your scope, by their nine-digit code."""

    serializer_class = serializers.TownSerializer
    filterset_class = filters.TownFilter
    search_fields = ["name", "code"]
    ordering_fields = ["code", "name"]
    lookup_field = "code"
    lookup_value_regex = CODE

    scoped = staticmethod(access.towns_for)


class VillageViewSet(ExportMixin, ScopedViewSet):
    """Villages and communities in your scope, by their twelve-digit code."""

    serializer_class = serializers.VillageSerializer
    filterset_class = filters.VillageFilter
    search_fields = ["name", "code"]
    ordering_fields = ["code", "name"]
    lookup_field = "code"
    lookup_value_regex = CODE

    scoped = staticmethod(access.villages_for)
    export_columns = (
        Column(_("Code"), "code"), Column(_("Name"), "name"), Column(_("Kind"), "kind", choices=Village.Kind.choices),
        *place_columns(village=None), Column(_("Longitude"), "lon"), Column(_("Latitude"), "lat"),
    )


class IndustryViewSet(ScopedViewSet):
    """Key industries (重点产业): every role sees them all."""

    serializer_class = serializers.IndustrySerializer
    filterset_class = filters.IndustryFilter
    search_fields = ["name"]
    ordering_fields = ["name", "category"]

    scoped = staticmethod(access.industries_for)


class OrganisationViewSet(ScopedViewSet):
    """Dispatching organisations (派出单位) of the specialists and teams in your scope."""

    serializer_class = serializers.OrganisationSerializer
    filterset_class = filters.OrganisationFilter
    search_fields = ["name"]
    ordering_fields = ["name", "kind"]

    scoped = staticmethod(access.organisations_for)


class SpecialistViewSet(ExportMixin, ScopedViewSet):
    """Specialists (科技特派员) in your scope; mobile and ID number masked unless you manage them."""

    serializer_class = serializers.SpecialistSerializer
    filterset_class = filters.SpecialistFilter
    # Not searchable by mobile or ID number: a search would reveal what the mask hides.
    search_fields = ["name", "organisation__name"]
    ordering_fields = ["name", "year_selected", "id"]

    scoped = staticmethod(access.specialists_for)
    # `mobile` and `id_number` as the list serializer writes them: masked unless you manage the specialist.
    export_columns = (
        Column(_("ID"), "id"), Column(pgettext_lazy("person", "Name"), "name"),
        Column(_("Kind"), "kind", choices=Specialist.Kind.choices), Column(_("Gender"), "gender", choices=Specialist.Gender.choices),
        Column(_("Mobile"), "mobile"), Column(_("ID number"), "id_number"),
        Column(_("Dispatching organisation"), "organisation.name"), Column(_("Professional title"), "title"),
        Column(_("Year selected"), "year_selected"), Column(_("Status"), "status", choices=Specialist.Status.choices),
    )


class TeamViewSet(ScopedViewSet):
    """Specialist teams (科技特派团) with their members."""

    serializer_class = serializers.TeamSerializer
    filterset_class = filters.TeamFilter
    search_fields = ["name", "lead_organisation__name"]
    ordering_fields = ["name", "year_selected"]

    scoped = staticmethod(access.teams_for)


@extend_schema_view(
    create=extend_schema(request=serializers.VillageAssignmentCreateSerializer, responses={201: serializers.VillageAssignmentSerializer}),
    end=extend_schema(request=serializers.VillageAssignmentEndSerializer, responses={200: serializers.VillageAssignmentSerializer}),
    reassign=extend_schema(request=serializers.VillageAssignmentReassignSerializer, responses={201: serializers.VillageAssignmentSerializer}),
    extend=extend_schema(request=serializers.VillageAssignmentExtendSerializer, responses={200: serializers.VillageAssignmentSerializer}),
)
class VillageAssignmentViewSet(ExportMixin, mixins.CreateModelMixin, ScopedViewSet):
    """Specialists assigned to villages. Coordinators create and end them within their scope;
    nothing is ever deleted."""

    serializer_class = serializers.VillageAssignmentSerializer
    permission_classes = [CoordinatorWrites]
    filterset_class = filters.VillageAssignmentFilter
    search_fields = ["specialist__name", "village__name", "village__code"]
    ordering_fields = ["start_date", "end_date", "id"]

    scoped = staticmethod(access.village_assignments_for)
    export_columns = (
        Column(_("ID"), "id"), Column(_("Specialist"), "specialist.name"), *place_columns(),
        Column(_("Start date"), "start_date", DATE), Column(_("End date"), "end_date", DATE), Column(_("Note"), "note"),
    )

    def _answer(self, assignment, status_code):
        # Read back through the scoped selector, so the answer has the same shape (and joins) as a GET.
        return Response(self.get_serializer(self.get_queryset().get(pk=assignment.pk)).data, status=status_code)

    def create(self, request, *args, **kwargs):
        incoming = serializers.VillageAssignmentCreateSerializer(
            data=request.data, villages=access.villages_for(request.user), specialists=access.assignable_specialists_for(request.user),
        )
        incoming.is_valid(raise_exception=True)
        assignment = VillageAssignment(**incoming.validated_data)
        assignment.full_clean()  # overlap and date rules: a refusal answers 422
        with _as_conflicts(), transaction.atomic():
            assignment.save()  # save(), never QuerySet.update(): the coverage spans follow the post_save signal
        return self._answer(assignment, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        """End the assignment on `end_date`; the row stays, so coverage history stays true."""
        assignment = self.get_object()
        incoming = serializers.VillageAssignmentEndSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        with _as_conflicts():
            village_assignment_end(assignment=assignment, end_date=incoming.validated_data["end_date"])
        return self._answer(assignment, status.HTTP_200_OK)

    @action(detail=True, methods=["post"])
    def reassign(self, request, pk=None):
        """Hand the village to another specialist from `start_date`: this assignment ends the day
        before and the successor's begins, both or neither. Answers the successor's assignment."""
        assignment = self.get_object()
        incoming = serializers.VillageAssignmentReassignSerializer(data=request.data, specialists=access.assignable_specialists_for(request.user))
        incoming.is_valid(raise_exception=True)
        with _as_conflicts():
            successor = village_assignment_reassign(assignment=assignment, **incoming.validated_data)
        return self._answer(successor, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def extend(self, request, pk=None):
        """Move a planned end date later, or drop it (`end_date` null), while it has not passed; for
        villages at risk whose specialist stays on."""
        assignment = self.get_object()
        incoming = serializers.VillageAssignmentExtendSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        with _as_conflicts():
            village_assignment_extend(assignment=assignment, end_date=incoming.validated_data["end_date"])
        return self._answer(assignment, status.HTTP_200_OK)


@contextlib.contextmanager
def _as_conflicts():
    """An assignment write's refusals for the state it found, as 409s that say what that state is."""
    try:
        yield
    except AssignmentAlreadyEnded as ended:
        if ended.end_date < timezone.localdate():
            raise Conflict(_("This assignment already ended on %(date)s.") % {"date": ended.end_date}) from None
        raise Conflict(_("This assignment is planned to end on %(date)s: extend it, or assign a successor.")
                       % {"date": ended.end_date}) from None
    except AssignmentOpenEnded:
        raise Conflict(_("This assignment has no end date to move.")) from None
    except IntegrityError:
        # A concurrent write got there between the checks and the insert.
        raise Conflict() from None


@extend_schema_view(
    create=extend_schema(request=serializers.IndustryAssignmentCreateSerializer, responses={201: serializers.IndustryAssignmentSerializer}),
    end=extend_schema(request=serializers.IndustryAssignmentEndSerializer, responses={200: serializers.IndustryAssignmentSerializer}),
)
class IndustryAssignmentViewSet(ExportMixin, mixins.CreateModelMixin, ScopedViewSet):
    """Teams assigned to key industries, city-wide or in named county-level units. Coordinators create
    and end them: a county coordinator only for their own unit; nothing is ever deleted."""

    serializer_class = serializers.IndustryAssignmentSerializer
    permission_classes = [CoordinatorWrites]
    filterset_class = filters.IndustryAssignmentFilter
    search_fields = ["team__name", "industry__name"]
    ordering_fields = ["start_date", "end_date", "id"]

    scoped = staticmethod(access.industry_assignments_for)
    export_columns = (
        Column(_("ID"), "id"), Column(_("Team"), "team"), Column(_("Key industry"), "industry"),
        # No units: the team serves the key industry city-wide.
        Column(_("County-level units"), "counties", JOINED, blank=_("Whole city")),
        Column(_("Start date"), "start_date", DATE), Column(_("End date"), "end_date", DATE),
    )

    def _answer(self, assignment, status_code):
        return Response(self.get_serializer(self.get_queryset().get(pk=assignment.pk)).data, status=status_code)

    def create(self, request, *args, **kwargs):
        scope = access.scope_for(request.user)
        incoming = serializers.IndustryAssignmentCreateSerializer(data=request.data, counties=access.counties_for(request.user))
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        counties = data.get("counties") or []
        if scope.is_county and counties != [scope.county]:
            # A county coordinator's assignment serves their own unit, never the city or another unit.
            raise exceptions.ValidationError({"counties": [_("Name exactly your own county-level unit (%(code)s).") % {"code": scope.county.code}]})
        with _as_conflicts(), transaction.atomic():
            assignment = industry_assignment_create(
                team=data["team"], industry=data["industry"], counties=counties,
                start_date=data["start_date"], end_date=data.get("end_date"),
            )
        return self._answer(assignment, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        """End the assignment on `end_date`; the row stays, so coverage history stays true."""
        assignment = self.get_object()
        scope = access.scope_for(request.user)
        if scope.is_county and [c.pk for c in assignment.counties.all()] != [scope.county.pk]:
            raise exceptions.PermissionDenied(_("Only a city coordinator may end a city-wide assignment or one shared with other county-level units."))
        incoming = serializers.IndustryAssignmentEndSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        with _as_conflicts():
            industry_assignment_end(assignment=assignment, end_date=incoming.validated_data["end_date"])
        return self._answer(assignment, status.HTTP_200_OK)


class EnterpriseViewSet(ExportMixin, ScopedViewSet):
    """Economic entities (经济实体) that specialists in your scope lead or founded."""

    serializer_class = serializers.EnterpriseSerializer
    filterset_class = filters.EnterpriseFilter
    search_fields = ["name", "credit_code"]
    ordering_fields = ["date", "name"]

    scoped = staticmethod(access.enterprises_for)
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
        request=serializers.ServiceLogCreateSerializer,
        responses={201: serializers.ServiceLogSerializer, 200: serializers.ServiceLogSerializer},
        description=_("Record a service log once: 201 when stored, 200 with the stored log when the same UUID "
                      "was already stored with the same content, 409 when it was stored with different content."),
    ),
    photos=extend_schema(
        request={"multipart/form-data": serializers.ServiceLogPhotoUploadSerializer},
        responses={201: serializers.ServiceLogPhotoSerializer, 200: serializers.ServiceLogPhotoSerializer},
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

    serializer_class = serializers.ServiceLogSerializer
    permission_classes = [SpecialistWrites]
    filterset_class = filters.ServiceLogFilter
    search_fields = ["description", "village__name", "village__code"]
    ordering_fields = ["occurred_at", "id"]
    lookup_field = "uuid"
    # A UUID with or without its hyphens; anything else is not a log's address at all (404).
    lookup_value_regex = r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"

    scoped = staticmethod(access.service_logs_for)
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
        incoming = serializers.ServiceLogCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        log, created = service_log_record(
            specialist=access.scope_for(request.user).specialist, uuid=data["uuid"], village_code=data["village"],
            kind=data["kind"], occurred_at=data["occurred_at"], description=data["description"],
            people_served=data["people_served"], location=dict(data["location"]),
        )
        return self._log(log, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @action(detail=True, methods=["post"], parser_classes=[PhotoParser, FormParser])
    def photos(self, request, uuid=None):
        """Add a photo to your own log: 201 when stored, 200 for a retried upload of the same photo."""
        log = self.get_object()
        if log.specialist_id != access.scope_for(request.user).specialist.pk:
            # Only reachable by a role that sees others' logs, and only specialists write.
            raise exceptions.PermissionDenied(_("Only the log's own specialist may add photos."))
        incoming = serializers.ServiceLogPhotoUploadSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        try:
            photo, created = service_log_photo_add(log=log, uuid=incoming.validated_data["uuid"], upload=incoming.validated_data["image"])
        except DjangoValidationError as error:
            too_large = [e for e in error.error_dict.get("image", []) if e.code == "too_large"] if hasattr(error, "error_dict") else []
            if too_large:
                raise PayloadTooLarge(too_large[0].messages[0]) from None
            raise
        return Response(
            serializers.ServiceLogPhotoSerializer(photo).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
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
                content = thumbnail(photo.image)
            except OSError:
                raise Http404 from None  # the row has outlived its file, as for the photo itself
            return file_response(ContentFile(content, name=f"{name}-thumbnail.jpg"), content_type="image/jpeg",
                                 filename=f"{name}-thumbnail.jpg", as_attachment=False)
        return file_response(photo.image, content_type=PHOTO_CONTENT_TYPES[photo.format], filename=f"{name}.{extension}", as_attachment=False)


def not_found(request, exception=None):
    """The site's 404 handler: an unknown /api/ path answers in the API's error shape, others as pages."""
    if not request.path.startswith("/api/"):
        return defaults.page_not_found(request, exception)
    with translation.override(language_from_accept(request.headers.get("Accept-Language"))):
        return JsonResponse(error_body("not_found", exceptions.NotFound.default_detail), status=404)


@csrf_exempt
def unknown_api_path(request, rest=""):
    """The last API route: a path no other route takes answers the JSON 404, under DEBUG too (where
    Django would answer its HTML page). A route's address given without its final slash is
    redirected to it for GET and HEAD, as APPEND_SLASH would; any other method answers 404 naming
    the address, since a redirect would lose the body. Exempt from CSRF, which would otherwise
    refuse a POST here with an HTML 403."""
    if not request.path.endswith("/"):
        with_slash = request.path + "/"
        try:
            match = resolve(with_slash)
        except Resolver404:
            match = None
        if match is not None and match.url_name != "not-found":
            if request.method in ("GET", "HEAD"):
                query = request.META.get("QUERY_STRING", "")
                return HttpResponsePermanentRedirect(with_slash + ("?" + query if query else ""))
            with translation.override(language_from_accept(request.headers.get("Accept-Language"))):
                message = _("No such address: the address ends with a slash, %(path)s.") % {"path": with_slash}
                return JsonResponse(error_body("not_found", message), status=404)
    return not_found(request)
