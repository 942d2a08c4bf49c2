"""Admin for fieldwork and its results: economic entities, income increases, industry problems,
service logs and achievements."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from specialists.fieldwork.achievements import achievement_reject, achievement_verify
from specialists.fieldwork.models import (
    Achievement,
    AchievementEvidence,
    Countermeasure,
    Enterprise,
    IncomeIncrease,
    IndustryProblem,
    ServiceLog,
    ServiceLogPhoto,
)
from villages.errors import DomainError


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ["name", "credit_code", "kind", "relation", "specialist", "village", "industry", "date"]
    list_filter = ["kind", "relation", "industry"]
    search_fields = ["name", "credit_code", "specialist__name"]
    autocomplete_fields = ["specialist", "village", "industry"]
    list_select_related = ["specialist", "village", "industry"]
    date_hierarchy = "date"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("specialist", "village", "industry").defer("village__boundary")


@admin.register(IncomeIncrease)
class IncomeIncreaseAdmin(admin.ModelAdmin):
    list_display = ["specialist", "year", "farmer_yuan", "collective_yuan"]
    list_filter = ["year"]
    search_fields = ["specialist__name", "specialist__mobile"]
    autocomplete_fields = ["specialist"]
    list_select_related = ["specialist"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("specialist")


class CountermeasureInline(admin.StackedInline):
    model = Countermeasure
    extra = 1


@admin.register(IndustryProblem)
class IndustryProblemAdmin(admin.ModelAdmin):
    list_display = ["title", "team", "industry", "year", "countermeasure_count"]
    list_filter = ["year", "industry"]
    search_fields = ["title", "team__name", "industry__name"]
    autocomplete_fields = ["team", "industry"]
    list_select_related = ["team", "industry"]
    ordering = ["-year", "team__name", "id"]  # see OrganisationAdmin.ordering
    inlines = [CountermeasureInline]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("team", "industry")
            .annotate(countermeasure_count=Count("countermeasures"))
        )

    @admin.display(description=_("countermeasures"), ordering="countermeasure_count")
    def countermeasure_count(self, obj):
        return obj.countermeasure_count


@admin.register(Countermeasure)
class CountermeasureAdmin(admin.ModelAdmin):
    list_display = ["title", "problem", "team"]
    list_filter = ["problem__year"]
    search_fields = ["title", "problem__title", "problem__team__name"]
    autocomplete_fields = ["problem"]
    list_select_related = ["problem__team"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("problem__team")

    @admin.display(description=_("team"), ordering="problem__team__name")
    def team(self, obj):
        return obj.problem.team


def _api_file_link(url, label):
    # Stored files are sent only through the API's scoped routes, never from /media/ (config/urls.py).
    return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, label)


class PhotoLinkMixin:
    @admin.display(description=_("photo"))
    def photo_link(self, photo):
        if photo.pk is None:
            return "-"
        return _api_file_link(reverse("api:service-log-photo-file", kwargs={"uuid": photo.log.uuid, "photo_uuid": photo.uuid}), photo.uuid)


class ServiceLogPhotoInline(PhotoLinkMixin, admin.TabularInline):
    model = ServiceLogPhoto
    fields = ["uuid", "photo_link", "format", "width", "height", "size_bytes", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("log")  # its link names the log's UUID


@admin.register(ServiceLog)
class ServiceLogAdmin(admin.ModelAdmin):
    list_display = ["occurred_at", "specialist", "village", "kind", "people_served", "in_village", "distance_m", "crs"]
    list_filter = ["kind", "in_village", "crs"]
    search_fields = ["specialist__name", "village__name", "village__code", "=uuid"]
    list_select_related = ["specialist", "village"]
    date_hierarchy = "occurred_at"
    inlines = [ServiceLogPhotoInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("specialist", "village").defer("village__boundary")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ServiceLogPhoto)
class ServiceLogPhotoAdmin(PhotoLinkMixin, admin.ModelAdmin):
    list_display = ["uuid", "log", "format", "width", "height", "size_bytes", "created_at"]
    fields = ["uuid", "log", "photo_link", "format", "width", "height", "size_bytes", "created_at"]
    readonly_fields = fields
    list_filter = ["format"]
    search_fields = ["log__specialist__name", "=uuid"]
    list_select_related = ["log__specialist", "log__village"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("log__specialist", "log__village").defer("log__village__boundary")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AchievementEvidenceInline(admin.TabularInline):
    model = AchievementEvidence
    fields = ["uuid", "file_link", "content_type", "size_bytes", "original_name", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("achievement")  # its link names the achievement's UUID

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("file"))
    def file_link(self, evidence):
        if evidence.pk is None:
            return "-"
        url = reverse("api:achievement-evidence-file", kwargs={"uuid": evidence.achievement.uuid, "evidence_uuid": evidence.uuid})
        return _api_file_link(url, evidence.original_name or evidence.uuid)


class AchievementActionForm(ActionForm):
    """The action bar, with a box for the reason the reject action needs."""

    reason = forms.CharField(label=_("Reason for rejection"), required=False, max_length=1000)


@admin.register(Achievement)
class AchievementAdmin(admin.ModelAdmin):
    """Read-only rows: specialists submit achievements from their phones. The verify and reject actions
    call the review services, which admit only a coordinator of the specialist's unit or the city."""

    list_display = ["title", "specialist", "kind", "date", "year", "amount_yuan", "status", "reviewed_by", "submitted_at"]
    list_filter = ["status", "kind", "year"]
    search_fields = ["title", "specialist__name", "enterprise_name", "enterprise_credit_code", "=uuid"]
    list_select_related = ["specialist", "reviewed_by"]
    date_hierarchy = "submitted_at"
    inlines = [AchievementEvidenceInline]
    action_form = AchievementActionForm
    actions = ["verify_selected", "reject_selected"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("specialist", "reviewed_by")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def _review(self, request, queryset, review, done_message):
        done, refused = 0, []
        for achievement in queryset:
            try:
                review(achievement)
            except DomainError as error:  # reviewed already (AchievementReviewed), or not this user's to review (NotAllowed)
                refused.append(f"{achievement.title}: {error.message}")
            except ValidationError as error:
                refused.append(f"{achievement.title}: {' '.join(error.messages)}")
            else:
                done += 1
        if done:
            self.message_user(request, done_message % {"count": done}, messages.SUCCESS)
        for line in refused:
            self.message_user(request, line, messages.ERROR)

    @admin.action(description=_("Verify the selected achievements"))
    def verify_selected(self, request, queryset):
        self._review(
            request, queryset, lambda achievement: achievement_verify(achievement=achievement, reviewer=request.user),
            _("Achievements verified: %(count)s."),
        )

    @admin.action(description=_("Reject the selected achievements, with the reason given"))
    def reject_selected(self, request, queryset):
        reason = request.POST.get("reason", "").strip()
        if not reason:
            self.message_user(request, _("Give the reason for the rejection in the box beside the action."), messages.ERROR)
            return
        self._review(
            request, queryset, lambda achievement: achievement_reject(achievement=achievement, reviewer=request.user, reason=reason),
            _("Achievements rejected: %(count)s."),
        )


@admin.register(AchievementEvidence)
class AchievementEvidenceAdmin(admin.ModelAdmin):
    list_display = ["uuid", "achievement", "content_type", "size_bytes", "original_name", "created_at"]
    list_filter = ["content_type"]
    search_fields = ["achievement__title", "achievement__specialist__name", "=uuid"]
    list_select_related = ["achievement__specialist"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("achievement__specialist")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
