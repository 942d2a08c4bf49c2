"""The coordinators' desk: the coverage gaps with "assign" on the spot, the running assignments with
"end" and "reassign", the review queue of submitted achievements, and the coverage map beside them.

The page itself carries only its frame, the choices of county-level unit and town, and the labels
the script needs; the rows come from the API (static/frontend/js/desk.js), which applies the same
scope, so that an assignment made here shows in the gaps, the list and the map at once.
"""

from django.conf import settings
from django.shortcuts import render
from django.utils import timezone

from frontend.forms import CountyChoiceForm
from frontend.pages import page
from specialists.access.places import place_for
from specialists.access.models import UserRole
from specialists.fieldwork.models import Achievement, Enterprise
from villages.places import COUNTY, within
from specialists.access.divisions import counties_for, towns_for, villages_for

Role = UserRole.Role


@page(Role.COORDINATOR)
def desk(request):
    """The coordinators' desk, for the coordinator's scope: a county coordinator's own unit always
    (a `county` in the address is not even read), a city coordinator's whole city or the unit chosen.

    An unknown unit answers 400 with the field's error, the page still shown for the whole city.
    """
    scope = request.scope
    form = None
    chosen = None
    if scope.is_city_wide:
        form = CountyChoiceForm(request.GET, counties=list(counties_for(request.user).order_by("code")))
        chosen = form.cleaned_data["county"] if form.is_valid() else None
    place = place_for(request.user, county=chosen.code if chosen else None)
    county = place.county
    towns = towns_for(request.user).filter(within("county", COUNTY, place)).order_by("code")
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
        "synthetic": villages_for(request.user).filter(synthetic=True).exists(),
        "at_risk_days": settings.TEPAI_AT_RISK_DAYS,
        "max_villages": settings.TEPAI_MAX_VILLAGES_PER_SPECIALIST,
        "desk_config": config,
    }
    return render(request, "frontend/desk.html", context, status=400 if form is not None and form.errors else 200)
