"""Imports as the API shows them: a job with its preview or outcome, and the kinds one may import."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from specialists.imports.models import ImportJob
from specialists.imports.selectors import import_progress


class ImportUploadSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text=_("The kind of import: see /imports/kinds/."))
    file = serializers.FileField(help_text=_("The file: .xlsx, .csv, .geojson, .gpkg or a zipped Shapefile, as the kind reads."))
    options = serializers.JSONField(required=False, default=dict, help_text=_("The kind's options, as a JSON object."))

    def validate_options(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError(_("Give the options as a JSON object."))
        return value


class ImportOptionsSerializer(serializers.Serializer):
    options = serializers.JSONField(help_text=_("Options to change (e.g. a chosen code column, confirmed villages); previewed again."))

    def validate_options(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError(_("Give the options as a JSON object."))
        return value


class ImportJobSerializer(serializers.ModelSerializer):
    place = serializers.SerializerMethodField(help_text=_("The place the import was limited to; empty for the whole deployment."))
    uploaded_by = serializers.CharField(source="requested_by.username", read_only=True, allow_null=True, default=None)
    confirmed_by = serializers.CharField(source="confirmed_by.username", read_only=True, allow_null=True, default=None)
    progress = serializers.SerializerMethodField()
    file_url = serializers.SerializerMethodField()

    class Meta:
        model = ImportJob
        fields = ["id", "kind", "file_name", "sha256", "size", "options", "place", "status", "progress", "rows",
                  "preview", "outcome", "error", "uploaded_by", "confirmed_by", "created_at", "confirmed_at",
                  "finished_at", "file_url"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_place(self, job):
        division = job.county or job.city or job.province
        return division.name if division else ""

    @extend_schema_field(serializers.IntegerField())
    def get_progress(self, job):
        return import_progress(job)

    @extend_schema_field(serializers.URLField())
    def get_file_url(self, job):
        return self.context["request"].build_absolute_uri(reverse("api:import-file", kwargs={"pk": job.pk}))


class ImportColumnSerializer(serializers.Serializer):
    key = serializers.CharField()
    header = serializers.CharField()
    aliases = serializers.ListField(child=serializers.CharField())
    required = serializers.BooleanField()
    help = serializers.CharField()
    choices = serializers.ListField(child=serializers.CharField())


class ImportKindSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    formats = serializers.ListField(child=serializers.CharField())
    options = serializers.DictField(child=serializers.CharField())
    columns = ImportColumnSerializer(many=True)
    template_url = serializers.CharField(allow_null=True)
    export_url = serializers.CharField(allow_null=True)
