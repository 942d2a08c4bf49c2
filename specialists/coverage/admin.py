"""Admin for map jobs (read-only)."""

from django.contrib import admin

from specialists.coverage.models import MapJob


@admin.register(MapJob)
class MapJobAdmin(admin.ModelAdmin):
    """Read-only: a job is made by the map service, which queues its task; the admin only shows it."""

    list_display = ["id", "kind", "format", "as_of", "county", "town", "status", "progress", "requested_by", "created_at"]
    list_filter = ["status", "kind", "format"]
    search_fields = ["requested_by__username"]
    list_select_related = ["county", "town", "requested_by"]
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("county", "town", "requested_by")
            .defer("county__boundary", "town__boundary")
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
