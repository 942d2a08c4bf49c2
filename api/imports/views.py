"""Imports (api/v1/imports/): upload a file, read its preview, set options, confirm, follow its
progress; the history of imports of your place; each kind's template and export.

Only coordinators import, at their own place: a county coordinator's file may hold only rows of
their unit (a row of another unit is a refused row). The preview and the commit run as Celery jobs
(at once when tasks run eagerly): poll the job until its status is ready, refused, done or failed.
"""

import os

from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from api.files import FILE_ROUTE, file_response
from api.parsers import ImportParser, JSONParser
from api.imports.serializers import (
    ImportJobSerializer,
    ImportKindSerializer,
    ImportOptionsSerializer,
    ImportUploadSerializer,
)
from specialists.access.scope import scope_for
from specialists.imports import registry, services
from specialists.imports.selectors import imports_for
from villages.imports.templates import export_workbook, template_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class CoordinatorsImport(BasePermission):
    message = _("Only coordinators import files.")

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and scope_for(request.user).can_write)


def _kinds_for(request):
    place = scope_for(request.user).place
    return [kind for kind in registry.all_kinds() if kind.allowed(place)]


def _kind_row(request, kind):
    sheet = bool(kind.columns)
    return {
        "name": kind.name, "label": str(kind.label), "formats": list(kind.formats),
        "options": {name: str(label) for name, label in kind.options.items()},
        "columns": [{"key": c.key, "header": c.header, "aliases": list(c.aliases), "required": c.required,
                     "help": str(c.help), "choices": [str(x) for x in c.choices]} for c in kind.columns],
        "template_url": request.build_absolute_uri(reverse("api:import-template", kwargs={"kind": kind.name})) if sheet else None,
        "export_url": (request.build_absolute_uri(reverse("api:import-export", kwargs={"kind": kind.name}))
                       if sheet and hasattr(kind, "export_rows") else None),
    }


def _allowed_kind(request, name):
    kind = services.kind_or_404(name)
    services.check_may_import(kind, services.importing_place(request.user))
    return kind


def _workbook_response(content, filename):
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    response["Cache-Control"] = "private"
    return response


class ImportKindsView(APIView):
    """The kinds of import you may use: their columns (with the headers each is recognised by), options and template."""

    permission_classes = [CoordinatorsImport]

    @extend_schema(responses={200: ImportKindSerializer(many=True)})
    def get(self, request):
        return Response(ImportKindSerializer([_kind_row(request, kind) for kind in _kinds_for(request)], many=True).data)


class ImportTemplateView(APIView):
    """A kind's template: an .xlsx workbook with its header row, drop-down lists and a sheet explaining each column."""

    permission_classes = [CoordinatorsImport]

    @extend_schema(responses={(200, XLSX): OpenApiResponse(OpenApiTypes.BINARY)})
    def get(self, request, kind):
        kind = _allowed_kind(request, kind)
        return _workbook_response(template_workbook(kind), f"{kind.name}-template.xlsx")


class ImportExportView(APIView):
    """A kind's rows in your place, in the template's columns: edit and import it back."""

    permission_classes = [CoordinatorsImport]

    @extend_schema(responses={(200, XLSX): OpenApiResponse(OpenApiTypes.BINARY)})
    def get(self, request, kind):
        kind = _allowed_kind(request, kind)
        if not hasattr(kind, "export_rows"):
            return Response(status=status.HTTP_404_NOT_FOUND)
        rows = kind.export_rows(services.importing_place(request.user))
        return _workbook_response(export_workbook(kind, rows), f"{kind.name}.xlsx")


class ImportJobViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Imports of your place, newest first: upload a file (multipart: kind, file, options as JSON), poll
    it, change its options, confirm it. Nothing is written until it is confirmed, and then all of it
    or nothing."""

    serializer_class = ImportJobSerializer
    permission_classes = [CoordinatorsImport]
    filter_backends = []
    lookup_value_regex = "[0-9]+"
    # The upload refused unread when it declares more than the import limit; options are JSON.
    parser_classes = [ImportParser, JSONParser]

    def get_queryset(self):
        rows = imports_for(self.request.user)
        kind = self.request.query_params.get("kind")
        return rows.filter(kind=kind) if kind else rows

    @extend_schema(request={"multipart/form-data": ImportUploadSerializer}, responses={201: ImportJobSerializer})
    def create(self, request, *args, **kwargs):
        incoming = ImportUploadSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        upload = incoming.validated_data["file"]
        data = upload.read()
        job = services.import_upload(user=request.user, kind_name=incoming.validated_data["kind"], file_name=upload.name,
                                     data=data, options=incoming.validated_data.get("options") or {})
        return Response(self.get_serializer(self.get_queryset().get(pk=job.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ImportOptionsSerializer, responses={200: ImportJobSerializer})
    @action(detail=True, methods=["post"])
    def options(self, request, pk=None):
        """Change the options of a previewed import (a code column, confirmed villages): it is previewed again."""
        job = self.get_object()
        incoming = ImportOptionsSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        services.import_set_options(job=job, options=incoming.validated_data["options"])
        return Response(self.get_serializer(self.get_queryset().get(pk=job.pk)).data)

    @extend_schema(request=None, responses={202: ImportJobSerializer})
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """Write the import: all of it in one transaction, or nothing. Poll the job for its outcome."""
        job = self.get_object()
        services.import_confirm(user=request.user, job=job)
        return Response(self.get_serializer(self.get_queryset().get(pk=job.pk)).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)})
    @action(detail=True, methods=["get"], url_path="file", url_name="file", **FILE_ROUTE)
    def file(self, request, pk=None):
        """The file as it was uploaded."""
        job = self.get_object()
        return file_response(job.file, content_type="application/octet-stream", filename=os.path.basename(job.file_name),
                             as_attachment=True)
