"""Forms of the pages. Business rules stay in models and services; these only read and check input."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DataSelect(forms.Select):
    """A list of data (years, names of places): its options are marked translate="no", the empty choice is not."""

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        if value not in ("", None):
            option["attrs"]["translate"] = "no"
        return option


class DashboardForm(forms.Form):
    """The dashboard's choices: the coverage day and, for city-wide people, the figures' year and a county-level unit."""

    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None, widget=DataSelect)
    as_of = forms.DateField(label=_("Coverage on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    county = forms.ChoiceField(label=_("County-level unit"), required=False, widget=DataSelect)

    def __init__(self, *args, years=(), counties=(), city_wide=True, **kwargs):
        super().__init__(*args, **kwargs)
        self._counties = {county.code: county for county in counties}
        if city_wide:
            self.fields["year"].choices = [("", _("All years"))] + [(year, year) for year in years]
            self.fields["county"].choices = [("", _("Whole city"))] + [(c.code, c.name) for c in counties]
        else:
            # A county-level person sees their own unit's coverage, and no city-wide figures to pick a year for.
            del self.fields["year"], self.fields["county"]

    def clean_as_of(self):
        return self.cleaned_data["as_of"] or timezone.localdate()

    def clean_county(self):
        code = self.cleaned_data["county"]
        return self._counties.get(code) if code else None

    def choices(self):
        """The cleaned choices, with the default for any that is missing or not valid."""
        cleaned = getattr(self, "cleaned_data", {})
        return {
            "year": cleaned.get("year"),
            "as_of": cleaned.get("as_of") or timezone.localdate(),
            "county": cleaned.get("county"),
        }
