"""Forms of the pages. Business rules stay in models and services; these only read and check input."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from villages.dates import check_day


class DataSelect(forms.Select):
    """A list of data (years, names of places): its options are marked translate="no", the empty choice is not."""

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        if value not in ("", None):
            option["attrs"]["translate"] = "no"
        return option


class CountyChoiceForm(forms.Form):
    """One county-level unit of the person's place to narrow a page to, or none (the whole place)."""

    county = forms.ChoiceField(label=_("County-level unit"), required=False, widget=DataSelect)

    def __init__(self, *args, counties=(), city_wide=True, **kwargs):
        super().__init__(*args, **kwargs)
        self._counties = {county.code: county for county in counties}
        if city_wide:
            self.fields["county"].choices = [("", _("Whole city"))] + [(c.code, c.name) for c in counties]
        else:
            # A county-level person sees their own unit: there is no other to choose.
            del self.fields["county"]

    def clean_county(self):
        code = self.cleaned_data["county"]
        return self._counties.get(code) if code else None


class DashboardForm(CountyChoiceForm):
    """The dashboard's choices: the figures' year, the coverage day and, for people wider than one unit, a county-level unit."""

    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None, widget=DataSelect)
    as_of = forms.DateField(label=_("Coverage on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    field_order = ["year", "as_of", "county"]

    def __init__(self, *args, years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("All years"))] + [(year, year) for year in years]

    def clean_as_of(self):
        day = self.cleaned_data["as_of"] or timezone.localdate()
        try:
            check_day(day, "as_of")
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from None
        return day

    def choices(self):
        """The cleaned choices, with the default for any that is missing or not valid."""
        cleaned = getattr(self, "cleaned_data", {})
        return {
            "year": cleaned.get("year"),
            "as_of": cleaned.get("as_of") or timezone.localdate(),
            "county": cleaned.get("county"),
        }
