"""Admin: the history of imports, read-only (an import is made through the import page, API or command)."""

from django.contrib import admin

from specialists.imports.models import ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "file_name", "county", "city", "status", "rows", "requested_by", "created_at", "finished_at"]
    list_filter = ["status", "kind"]
    search_fields = ["file_name", "sha256", "requested_by__username"]
    list_select_related = ["county", "city", "requested_by"]
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("county", "city", "province", "requested_by", "confirmed_by")
            .defer("county__boundary", "city__boundary", "province__boundary")
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
