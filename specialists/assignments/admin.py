"""Admin for village and industry assignments."""

from django import forms
from django.contrib import admin
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from specialists.assignments.models import IndustryAssignment, VillageAssignment
from specialists.assignments.services import industry_assignment_check, industry_assignment_create, village_assignment_create
from villages.admin import CountyListFilter, counties_without_boundaries

# Writes here go through the services, as the API's and the pages' do: a new assignment is made by
# its service, and a stored one is never edited in place (ending, handing over and extending are the
# desk's and the API's, under the row lock; an edited end date would rewrite reported coverage).


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

    def get_readonly_fields(self, request, obj=None):
        # A stored assignment keeps its specialist, village and days: only its note may change.
        return ["specialist", "village", "start_date", "end_date"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["note"])
        else:
            created = village_assignment_create(
                specialist=obj.specialist, village=obj.village, start_date=obj.start_date, end_date=obj.end_date, note=obj.note,
            )
            # The admin goes on with `obj` (its message and log name it): it is now the stored row.
            obj.pk, obj._state.adding, obj._state.db = created.pk, False, created._state.db

    @admin.display(description=_("town"), ordering="village__town__code")
    def town(self, obj):
        return obj.village.town


class IndustryAssignmentForm(forms.ModelForm):
    """A new industry assignment, checked by the service's rules so that a refusal shows beside its field."""

    class Meta:
        model = IndustryAssignment
        fields = ["team", "industry", "counties", "start_date", "end_date"]

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None and not self.errors:
            try:
                industry_assignment_check(
                    by=self.request.user, team=cleaned["team"], industry=cleaned["industry"],
                    counties=cleaned.get("counties") or [], start_date=cleaned["start_date"], end_date=cleaned.get("end_date"),
                )
            except forms.ValidationError as error:
                self._update_errors(error)
        return cleaned


@admin.register(IndustryAssignment)
class IndustryAssignmentAdmin(admin.ModelAdmin):
    form = IndustryAssignmentForm
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

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.request = request
        return form

    def get_readonly_fields(self, request, obj=None):
        # A stored assignment is ended in the desk or the API, never edited here.
        return ["team", "industry", "counties", "start_date", "end_date"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            return
        created = industry_assignment_create(
            by=request.user, team=obj.team, industry=obj.industry, counties=form.cleaned_data.get("counties") or [],
            start_date=obj.start_date, end_date=obj.end_date,
        )
        # The admin goes on with `obj` (its message and log name it): it is now the stored row.
        obj.pk, obj._state.adding, obj._state.db = created.pk, False, created._state.db

    def save_related(self, request, form, formsets, change):
        # The service wrote the units with the row.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    @admin.display(description=_("limited to county-level units"))
    def county_names(self, obj):
        return "、".join(county.name for county in obj.counties.all()) or _("city-wide")
