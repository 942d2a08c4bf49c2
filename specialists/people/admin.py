"""Admin for people and teams: organisations, specialists, honours, teams and their members."""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from specialists.people.models import Honour, Organisation, Specialist, Team, TeamMembership


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
