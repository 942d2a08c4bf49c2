"""Village and industry assignments: coordinators create, end, hand over and extend them in their scope."""


from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from api.assignments.filters import IndustryAssignmentFilter, VillageAssignmentFilter
from api.assignments.serializers import (
    IndustryAssignmentCreateSerializer,
    IndustryAssignmentEndSerializer,
    IndustryAssignmentSerializer,
    VillageAssignmentCreateSerializer,
    VillageAssignmentEndSerializer,
    VillageAssignmentExtendSerializer,
    VillageAssignmentReassignSerializer,
    VillageAssignmentSerializer,
)
from api.exports import (
    DATE,
    JOINED,
    Column,
    ExportMixin,
    place_columns,
)
from api.permissions import CoordinatorWrites
from api.viewsets import ScopedViewSet, ValuesList, iso_date
from specialists.assignments.selectors import industry_assignments_for, village_assignments_for
from specialists.assignments.services import (
    check_may_end_industry_assignment,
    industry_assignment_create,
    industry_assignment_end,
    village_assignment_create,
    village_assignment_end,
    village_assignment_extend,
    village_assignment_reassign,
)


@extend_schema_view(
    create=extend_schema(request=VillageAssignmentCreateSerializer, responses={201: VillageAssignmentSerializer}),
    end=extend_schema(request=VillageAssignmentEndSerializer, responses={200: VillageAssignmentSerializer}),
    reassign=extend_schema(request=VillageAssignmentReassignSerializer, responses={201: VillageAssignmentSerializer}),
    extend=extend_schema(request=VillageAssignmentExtendSerializer, responses={200: VillageAssignmentSerializer}),
)
class VillageAssignmentViewSet(ValuesList, ExportMixin, mixins.CreateModelMixin, ScopedViewSet):
    """Specialists assigned to villages. Coordinators create and end them within their scope;
    nothing is ever deleted."""

    serializer_class = VillageAssignmentSerializer
    permission_classes = [CoordinatorWrites]
    filterset_class = VillageAssignmentFilter
    search_fields = ["specialist__name", "village__name", "village__code"]
    ordering_fields = ["start_date", "end_date", "id"]

    scoped = staticmethod(village_assignments_for)
    list_values = (
        "id", "specialist_id", "specialist__name", "village__code", "village__name", "village__town__code", "village__town__name",
        "village__town__county__code", "village__town__county__name", "start_date", "end_date", "note",
    )
    export_columns = (
        Column(_("ID"), "id"), Column(_("Specialist"), "specialist.name"), *place_columns(),
        Column(_("Start date"), "start_date", DATE), Column(_("End date"), "end_date", DATE), Column(_("Note"), "note"),
    )

    def list_row(self, row):
        # VillageAssignmentSerializer's row, from .values() (api.viewsets.ValuesList).
        return {
            "id": row["id"],
            "specialist": {"id": row["specialist_id"], "name": row["specialist__name"]},
            "village": {"code": row["village__code"], "name": row["village__name"]},
            "town": {"code": row["village__town__code"], "name": row["village__town__name"]},
            "county": {"code": row["village__town__county__code"], "name": row["village__town__county__name"]},
            "start_date": iso_date(row["start_date"]),
            "end_date": iso_date(row["end_date"]),
            "note": row["note"],
        }

    def _answer(self, assignment, status_code):
        # Read back through the scoped selector, so the answer has the same shape (and joins) as a GET.
        return Response(self.get_serializer(self.get_queryset().get(pk=assignment.pk)).data, status=status_code)

    def create(self, request, *args, **kwargs):
        incoming = VillageAssignmentCreateSerializer(data=request.data, context={"request": request})
        incoming.is_valid(raise_exception=True)
        assignment = village_assignment_create(**incoming.validated_data)
        return self._answer(assignment, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        """End the assignment on `end_date`; the row stays, so coverage history stays true."""
        assignment = self.get_object()
        incoming = VillageAssignmentEndSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        village_assignment_end(assignment=assignment, end_date=incoming.validated_data["end_date"])
        return self._answer(assignment, status.HTTP_200_OK)

    @action(detail=True, methods=["post"])
    def reassign(self, request, pk=None):
        """Hand the village to another specialist from `start_date`: this assignment ends the day
        before and the successor's begins, both or neither. Answers the successor's assignment."""
        assignment = self.get_object()
        incoming = VillageAssignmentReassignSerializer(data=request.data, context={"request": request})
        incoming.is_valid(raise_exception=True)
        successor = village_assignment_reassign(assignment=assignment, **incoming.validated_data)
        return self._answer(successor, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def extend(self, request, pk=None):
        """Move a planned end date later, or drop it (`end_date` null), while it has not passed; for
        villages at risk whose specialist stays on."""
        assignment = self.get_object()
        incoming = VillageAssignmentExtendSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        village_assignment_extend(assignment=assignment, end_date=incoming.validated_data["end_date"])
        return self._answer(assignment, status.HTTP_200_OK)


@extend_schema_view(
    create=extend_schema(request=IndustryAssignmentCreateSerializer, responses={201: IndustryAssignmentSerializer}),
    end=extend_schema(request=IndustryAssignmentEndSerializer, responses={200: IndustryAssignmentSerializer}),
)
class IndustryAssignmentViewSet(ExportMixin, mixins.CreateModelMixin, ScopedViewSet):
    """Teams assigned to key industries, city-wide or in named county-level units. Coordinators create
    and end them: a county coordinator only for their own unit; nothing is ever deleted."""

    serializer_class = IndustryAssignmentSerializer
    permission_classes = [CoordinatorWrites]
    filterset_class = IndustryAssignmentFilter
    search_fields = ["team__name", "industry__name"]
    ordering_fields = ["start_date", "end_date", "id"]

    scoped = staticmethod(industry_assignments_for)
    export_columns = (
        Column(_("ID"), "id"), Column(_("Team"), "team"), Column(_("Key industry"), "industry"),
        # No units: the team serves the key industry city-wide.
        Column(_("County-level units"), "counties", JOINED, blank=_("Whole city")),
        Column(_("Start date"), "start_date", DATE), Column(_("End date"), "end_date", DATE),
    )

    def _answer(self, assignment, status_code):
        return Response(self.get_serializer(self.get_queryset().get(pk=assignment.pk)).data, status=status_code)

    def create(self, request, *args, **kwargs):
        incoming = IndustryAssignmentCreateSerializer(data=request.data, context={"request": request})
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        assignment = industry_assignment_create(
            by=request.user, team=data["team"], industry=data["industry"], counties=data.get("counties") or [],
            start_date=data["start_date"], end_date=data.get("end_date"),
        )
        return self._answer(assignment, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        """End the assignment on `end_date`; the row stays, so coverage history stays true."""
        assignment = self.get_object()
        # Who may end it is checked before the request's body: a refusal says so whatever was sent.
        check_may_end_industry_assignment(by=request.user, assignment=assignment)
        incoming = IndustryAssignmentEndSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        industry_assignment_end(by=request.user, assignment=assignment, end_date=incoming.validated_data["end_date"])
        return self._answer(assignment, status.HTTP_200_OK)
