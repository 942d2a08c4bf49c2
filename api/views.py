"""The API's views. Thin: each takes its queryset from specialists.access (the user's scope) and
lets the models' own validation decide what may be written."""

from django.db import IntegrityError, transaction
from django.http import JsonResponse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from api import filters, serializers
from api.exceptions import error_body
from api.negotiation import language_from_accept
from api.permissions import CoordinatorWrites
from specialists import access
from specialists.models import VillageAssignment

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


class VillageViewSet(ScopedViewSet):
    """Villages and communities in your scope, by their twelve-digit code."""

    serializer_class = serializers.VillageSerializer
    filterset_class = filters.VillageFilter
    search_fields = ["name", "code"]
    ordering_fields = ["code", "name"]
    lookup_field = "code"
    lookup_value_regex = CODE

    scoped = staticmethod(access.villages_for)


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


class SpecialistViewSet(ScopedViewSet):
    """Specialists (科技特派员) in your scope; mobile and ID number masked unless you manage them."""

    serializer_class = serializers.SpecialistSerializer
    filterset_class = filters.SpecialistFilter
    # Not searchable by mobile or ID number: a search would reveal what the mask hides.
    search_fields = ["name", "organisation__name"]
    ordering_fields = ["name", "year_selected", "id"]

    scoped = staticmethod(access.specialists_for)


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
)
class VillageAssignmentViewSet(mixins.CreateModelMixin, ScopedViewSet):
    """Specialists assigned to villages. Coordinators create and end them within their scope;
    nothing is ever deleted."""

    serializer_class = serializers.VillageAssignmentSerializer
    permission_classes = [CoordinatorWrites]
    filterset_class = filters.VillageAssignmentFilter
    search_fields = ["specialist__name", "village__name", "village__code"]
    ordering_fields = ["start_date", "end_date", "id"]

    scoped = staticmethod(access.village_assignments_for)

    def _answer(self, assignment, status_code):
        # Read back through the scoped selector, so the answer has the same shape (and joins) as a GET.
        return Response(self.get_serializer(self.get_queryset().get(pk=assignment.pk)).data, status=status_code)

    def create(self, request, *args, **kwargs):
        incoming = serializers.VillageAssignmentCreateSerializer(data=request.data, villages=access.villages_for(request.user))
        incoming.is_valid(raise_exception=True)
        assignment = VillageAssignment(**incoming.validated_data)
        assignment.full_clean()  # overlap and date rules: a refusal answers 422
        _save(assignment)
        return self._answer(assignment, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        """End the assignment on `end_date`; the row stays, so coverage history stays true."""
        assignment = self.get_object()
        incoming = serializers.VillageAssignmentEndSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        if assignment.end_date is not None:
            raise Conflict(_("This assignment already ended on %(date)s.") % {"date": assignment.end_date})
        assignment.end_date = incoming.validated_data["end_date"]
        assignment.full_clean()
        _save(assignment, update_fields=["end_date"])
        return self._answer(assignment, status.HTTP_200_OK)


def _save(assignment, **kwargs):
    # save(), never QuerySet.update(): the coverage spans follow the post_save signal.
    try:
        with transaction.atomic():
            assignment.save(**kwargs)
    except IntegrityError:
        # A concurrent write got there between full_clean() and the insert.
        raise Conflict() from None


class IndustryAssignmentViewSet(ScopedViewSet):
    """Teams assigned to key industries, city-wide or in named county-level units."""

    serializer_class = serializers.IndustryAssignmentSerializer
    filterset_class = filters.IndustryAssignmentFilter
    search_fields = ["team__name", "industry__name"]
    ordering_fields = ["start_date", "end_date", "id"]

    scoped = staticmethod(access.industry_assignments_for)


class EnterpriseViewSet(ScopedViewSet):
    """Economic entities (经济实体) that specialists in your scope lead or founded."""

    serializer_class = serializers.EnterpriseSerializer
    filterset_class = filters.EnterpriseFilter
    search_fields = ["name", "credit_code"]
    ordering_fields = ["date", "name"]

    scoped = staticmethod(access.enterprises_for)


class MeView(APIView):
    """The signed-in user's role and scope; for a specialist also their profile, today's villages and teams."""

    @extend_schema(responses={200: serializers.MeSerializer})
    def get(self, request):
        scope = access.scope_for(request.user)
        body = {
            "username": request.user.get_username(),
            "role": scope.role,
            "scope": {"city_wide": scope.is_city_wide, "county": scope.county, "can_write": scope.can_write},
            "specialist": None,
            "villages": [],
            "teams": [],
        }
        if scope.is_specialist:
            body["specialist"] = access.specialists_for(request.user).get()
            running = access.village_assignments_for(request.user).running_on(timezone.localdate()).order_by("village__code")
            body["villages"] = [
                {
                    "code": a.village.code, "name": a.village.name, "town": a.village.town, "county": a.village.town.county,
                    "start_date": a.start_date, "end_date": a.end_date,
                }
                for a in running
            ]
            body["teams"] = list(access.teams_for(request.user))
        return Response(serializers.MeSerializer(body, context={"request": request}).data)


def not_found(request, exception=None):
    """The site's 404 handler: an unknown /api/ path answers in the API's error shape, others as pages."""
    if not request.path.startswith("/api/"):
        return defaults.page_not_found(request, exception)
    with translation.override(language_from_accept(request.headers.get("Accept-Language"))):
        return JsonResponse(error_body("not_found", exceptions.NotFound.default_detail), status=404)
