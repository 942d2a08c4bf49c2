"""Admin for specialists, teams, assignments and what they achieve.

Every list page loads the rows it shows in a fixed number of queries: foreign keys through
select_related (with the joined villages' and counties' boundaries deferred), many-to-many columns
through one prefetch, counts through annotations. The forms save through full_clean(), so the
admin obeys the same model rules (clean(), Meta.constraints) as the API and the importers.

Who may use it: superusers, and city coordinators with the permissions their role carries
(specialists/auth_backends.py). A coordinator manages users and their roles here, but only users
whose every power comes from a role (users_coordinators_manage), and never sets a user's superuser
flag, permissions, groups or staff flag: staff follows the role (specialists/signals.py).
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, OuterRef, Prefetch
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from specialists.login_throttle import ThrottledAdminAuthenticationForm
from specialists.achievements import AchievementConflict, achievement_reject, achievement_verify
from specialists.models import (
    Achievement,
    AchievementEvidence,
    Countermeasure,
    Enterprise,
    Honour,
    IncomeIncrease,
    IndustryAssignment,
    IndustryProblem,
    MapJob,
    ServiceLog,
    ServiceLogPhoto,
    Organisation,
    Specialist,
    Team,
    TeamMembership,
    UserRole,
    VillageAssignment,
)
from villages.admin import CountyListFilter, counties_without_boundaries

admin.site.site_header = _("Tepai: science and technology specialists")
admin.site.site_title = _("Tepai administration")
# Django's own message, so that it reads 站点管理 from Django's catalogue.
admin.site.index_title = _("Site administration")
# The admin's sign-in obeys the same failure limits as the pages and the API.
admin.site.login_form = ThrottledAdminAuthenticationForm


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "specialist_count"]
    list_filter = ["kind"]
    search_fields = ["name"]
    # Explicit, because a GROUP BY query (the count) drops Meta.ordering; autocomplete pages need one.
    ordering = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(specialist_count=Count("specialists"))

    @admin.display(description=_("specialists"), ordering="specialist_count")
    def specialist_count(self, obj):
        return obj.specialist_count


@admin.register(Specialist)
class SpecialistAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "gender", "masked_mobile", "organisation", "title", "year_selected", "status"]
    list_filter = ["status", "kind", "gender", "year_selected", "organisation__kind"]
    # "=id_number": an ID number is looked up whole, never by a fragment of it.
    search_fields = ["name", "mobile", "=id_number", "organisation__name"]
    autocomplete_fields = ["organisation", "expertise"]
    list_select_related = ["organisation"]
    readonly_fields = ["created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("organisation")

    # Lists are seen over shoulders and in screenshots: the full number is only on the change form,
    # which the coordinator who manages the specialist opens.
    @admin.display(description=_("mobile phone"), ordering="mobile")
    def masked_mobile(self, obj):
        return obj.masked_mobile


@admin.register(Honour)
class HonourAdmin(admin.ModelAdmin):
    list_display = ["specialist", "year", "kind", "note"]
    list_filter = ["kind", "year"]
    search_fields = ["specialist__name", "note"]
    autocomplete_fields = ["specialist"]
    list_select_related = ["specialist"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("specialist")


class TeamMembershipFormSet(BaseInlineFormSet):
    """Refuses two leaders among the forms.

    The model cannot: an inline form leaves its team out of validation, so the conditional
    team_one_leader constraint is skipped there, and the formset's own uniqueness check covers
    unconditional constraints only. Without this the database would answer with an error page.
    """

    def clean(self):
        super().clean()
        leaders = [
            form for form in self.forms
            if getattr(form, "cleaned_data", None) and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("role") == TeamMembership.Role.LEADER
        ]
        if len(leaders) > 1:
            raise ValidationError(
                _("A team has one leader, but %(count)s members are marked as leader."),
                code="team_one_leader", params={"count": len(leaders)},
            )


class TeamMembershipInline(admin.TabularInline):
    model = TeamMembership
    formset = TeamMembershipFormSet
    autocomplete_fields = ["specialist"]
    extra = 1

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("specialist")


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "level", "lead_organisation", "leader", "year_selected", "member_count"]
    list_filter = ["level", "year_selected", "lead_organisation__kind"]
    search_fields = ["name", "lead_organisation__name", "leader__name"]
    autocomplete_fields = ["lead_organisation", "leader"]
    list_select_related = ["lead_organisation", "leader"]
    ordering = ["name"]  # see OrganisationAdmin.ordering
    inlines = [TeamMembershipInline]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("lead_organisation", "leader")
            .annotate(member_count=Count("memberships"))
        )

    def save_formset(self, request, form, formset, change):
        if formset.model is not TeamMembership:
            return super().save_formset(request, form, formset, change)
        memberships = formset.save(commit=False)
        for membership in formset.deleted_objects:
            membership.delete()
        # Demotions first: the database allows one leader at every moment, not only at the end, so
        # handing the lead from one member to another must not save the new leader first.
        for membership in sorted(memberships, key=lambda m: m.role == TeamMembership.Role.LEADER):
            membership.save()
        formset.save_m2m()

    @admin.display(description=_("members"), ordering="member_count")
    def member_count(self, obj):
        return obj.member_count


@admin.register(VillageAssignment)
class VillageAssignmentAdmin(admin.ModelAdmin):
    list_display = ["specialist", "village", "town", "start_date", "end_date", "note"]
    # end_date as a date filter offers "no date" (open-ended) and "has date" as well.
    list_filter = [("village__town__county", CountyListFilter), "end_date", "village__kind"]
    search_fields = ["specialist__name", "specialist__mobile", "village__name", "village__code"]
    autocomplete_fields = ["specialist", "village"]
    list_select_related = ["specialist", "village__town"]
    date_hierarchy = "start_date"

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("specialist", "village__town")
            .defer("village__boundary", "village__town__boundary")
        )

    @admin.display(description=_("town"), ordering="village__town__code")
    def town(self, obj):
        return obj.village.town


@admin.register(IndustryAssignment)
class IndustryAssignmentAdmin(admin.ModelAdmin):
    list_display = ["team", "industry", "county_names", "start_date", "end_date"]
    list_filter = ["industry", "end_date"]
    search_fields = ["team__name", "industry__name"]
    autocomplete_fields = ["team", "industry", "counties"]
    list_select_related = ["team", "industry"]
    date_hierarchy = "start_date"

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("team", "industry")
            .prefetch_related(Prefetch("counties", queryset=counties_without_boundaries()))
        )

    @admin.display(description=_("limited to county-level units"))
    def county_names(self, obj):
        return "、".join(county.name for county in obj.counties.all()) or _("city-wide")


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


User = get_user_model()


def users_coordinators_manage():
    """The users a coordinator (a non-superuser) may see, edit and give a role to in the admin.

    Not superusers, and not users holding Django permissions or groups of their own, which only a
    superuser gives: a coordinator may set the password of any user they manage, and must not reach
    a power beyond their own role by signing in as one.
    """
    return User.objects.filter(is_superuser=False).exclude(
        Exists(User.user_permissions.through.objects.filter(user=OuterRef("pk")))
    ).exclude(Exists(User.groups.through.objects.filter(user=OuterRef("pk"))))


@admin.register(UserRole)
class UserRoleAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "county", "specialist"]
    list_filter = ["role", ("county", CountyListFilter)]
    search_fields = ["user__username", "user__first_name", "user__last_name", "specialist__name", "county__name"]
    autocomplete_fields = ["user", "county", "specialist"]
    list_select_related = ["user", "county", "specialist"]

    def get_queryset(self, request):
        rows = super().get_queryset(request).select_related("user", "county", "specialist").defer("county__boundary")
        if not request.user.is_superuser:
            rows = rows.filter(user__in=users_coordinators_manage().values("pk"))
        return rows

    def get_readonly_fields(self, request, obj=None):
        # A role belongs to its user: it is changed or taken away, never handed to someone else.
        return ["user"] if obj is not None else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user" and not request.user.is_superuser:
            kwargs["queryset"] = users_coordinators_manage()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class UserRoleInline(admin.StackedInline):
    """The user's role on the user's own page: what they are in Tepai, and where."""

    model = UserRole
    fields = ["role", "county", "specialist"]
    autocomplete_fields = ["county", "specialist"]


admin.site.unregister(User)


@admin.register(User)
class TepaiUserAdmin(UserAdmin):
    """Django's user admin, with each user's role, and closed to escalation for coordinators."""

    list_display = ["username", "first_name", "last_name", "role", "is_staff", "is_active"]
    list_select_related = ["tepai_role__county"]
    inlines = [UserRoleInline]

    def get_queryset(self, request):
        rows = super().get_queryset(request).select_related("tepai_role__county").defer("tepai_role__county__boundary")
        if not request.user.is_superuser:
            # Superusers, and users with powers beyond a role, are not there for a coordinator: not in
            # the list, the search or the autocomplete, and their pages (password included) answer
            # as for a user that does not exist.
            rows = rows.filter(pk__in=users_coordinators_manage().values("pk"))
        return rows

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            # is_staff follows the role (specialists/signals.py); the rest would outrank any role.
            fields += ["is_staff", "is_superuser", "groups", "user_permissions"]
        return fields

    def get_inlines(self, request, obj):
        # The add page is Django's two-step one (username and password, then the rest); the role
        # is given on the second.
        return self.inlines if obj is not None else []

    @admin.display(description=_("role"), ordering="tepai_role__role")
    def role(self, obj):
        role = getattr(obj, "tepai_role", None)  # a missing reverse one-to-one raises AttributeError
        if role is None:
            return None  # shown as the admin's empty value
        return f"{role.get_role_display()} · {role.county.name if role.county_id else _('city-wide')}"


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
            except AchievementConflict as error:
                refused.append(f"{achievement.title}: {error.message}")
            except (PermissionDenied, ValidationError) as error:
                refused.append(f"{achievement.title}: {' '.join(error.messages) if isinstance(error, ValidationError) else error}")
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
