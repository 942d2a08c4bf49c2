"""The coordinators' desk: the coverage gaps with "assign" on the spot, the running assignments with
"end" and "reassign", the review queue of submitted achievements, and the coverage map beside them.

The page itself carries only its frame, the choices of county-level unit and town, and the labels
the script needs; the rows come from the API (static/frontend/js/desk.js), which applies the same
scope, so that an assignment made here shows in the gaps, the list and the map at once.
"""

from django import forms
from django.conf import settings
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from frontend.pages import page
from specialists.access import scope as access
from specialists.access.models import UserRole
from specialists.fieldwork.models import Achievement, Enterprise

Role = UserRole.Role


class NamesSelect(forms.Select):
    """A select whose options are place names: data, which the browser must not translate (the blank choice is a label)."""

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        if value:
            option["attrs"]["translate"] = "no"
        return option


class DeskForm(forms.Form):
    """A city-wide coordinator's choice of one county-level unit (or the whole city)."""

    county = forms.ChoiceField(label=_("County-level unit"), required=False, widget=NamesSelect)

    def __init__(self, *args, counties=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._counties = {county.code: county for county in counties}
        self.fields["county"].choices = [("", _("Whole city"))] + [(county.code, county.name) for county in counties]

    def clean_county(self):
        code = self.cleaned_data["county"]
        return self._counties.get(code) if code else None


@page(Role.COORDINATOR)
def desk(request):
    """The coordinators' desk, for the coordinator's scope: a county coordinator's own unit always
    (a `county` in the address is not even read), a city coordinator's whole city or the unit chosen.

    An unknown unit answers 400 with the field's error, the page still shown for the whole city.
    """
    scope = request.scope
    form = None
    if scope.is_county:
        county = scope.county
    else:
        counties = list(access.counties_for(request.user).order_by("code"))
        form = DeskForm(request.GET, counties=counties)
        county = form.cleaned_data["county"] if form.is_valid() else None
    towns = access.towns_for(request.user).order_by("code")
    if county is not None:
        towns = towns.filter(county=county)
    config = {
        "today": timezone.localdate().isoformat(),
        "county": county.code if county else "",
        "cityWide": scope.is_city_wide,
        "tileUrl": settings.TEPAI_MAP_TILE_URL,
        "tileAttribution": settings.TEPAI_MAP_TILE_ATTRIBUTION,
        # Labels of the API's enum values, in the page's language, from the models' own choices.
        "achievementKinds": dict(Achievement.Kind.choices),
        "awardLevels": dict(Achievement.AwardLevel.choices),
        "enterpriseKinds": dict(Enterprise.Kind.choices),
        "enterpriseRelations": dict(Enterprise.Relation.choices),
    }
    context = {
        "form": form,
        "county": county,
        "towns": list(towns.values_list("code", "name")),
        "synthetic": access.villages_for(request.user).filter(synthetic=True).exists(),
        "at_risk_days": settings.TEPAI_AT_RISK_DAYS,
        "max_villages": settings.TEPAI_MAX_VILLAGES_PER_SPECIALIST,
        "desk_config": config,
    }
    return render(request, "frontend/desk.html", context, status=400 if form is not None and form.errors else 200)
