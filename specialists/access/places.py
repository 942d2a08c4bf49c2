"""The place a request is about: the one resolver for the API, the pages, map jobs and commands.

A request may name divisions by code (`province`, `city`, `county`, `town`); without any, it is
about the user's own node (a county role's unit; everywhere for a role of the whole deployment
and for a specialist, who reads divisions and coverage everywhere). Each code must name a
division inside the user's scope and inside the wider ones named with it: anything else is
NotFound, exactly like a code that does not exist, so that nothing tells the two apart.
"""

from django.utils.translation import gettext_lazy as _

from specialists.access.scope import scope_for, scoped
from villages.errors import NotFound
from villages.places import CITY, COUNTY, MODELS, PROVINCE, TOWN, Place, is_wider, within

# What each level's division loads with it, so that a place's ancestors cost no query; boundaries are not read.
_RELATED = {
    PROVINCE: ((), ("boundary",)),
    CITY: (("province",), ("boundary", "province__boundary")),
    COUNTY: (("city__province",), ("boundary", "city__boundary", "city__province__boundary")),
    TOWN: (("county__city__province",), ("boundary", "county__boundary", "county__city__boundary", "county__city__province__boundary")),
}
# The parameters that name a place, widest first: the API's, the pages' and the commands' alike.
PLACE_PARAMETERS = (PROVINCE, CITY, COUNTY, TOWN)
LABELS = {PROVINCE: _("province"), CITY: _("prefecture-level city"), COUNTY: _("county-level unit"), TOWN: _("town")}


def divisions_of(level, user):
    """The user's divisions of one level (every one for user None: the operator's commands), with
    their ancestors loaded and no boundary read."""
    related, deferred = _RELATED[level]
    rows = MODELS[level].objects.select_related(*related).defer(*deferred)
    return rows if user is None else scoped(user, rows)


def place_for(user, *, province=None, city=None, county=None, town=None) -> Place:
    """The place the user's request names (codes as given), within the user's scope (user None: the
    operator's commands, limited by nothing): one query per code named, none otherwise. NotFound
    names the parameter of the first code that is not there."""
    place = scope_for(user).place if user is not None else Place()
    codes = {PROVINCE: province, CITY: city, COUNTY: county, TOWN: town}
    for level in PLACE_PARAMETERS:
        code = codes[level]
        if not code:
            continue
        division = None
        if not is_wider(level, place.level):
            division = divisions_of(level, user).filter(within("", level, place), code=code).first()
        if division is None:
            # The code is not repeated: the answer is the same for one outside the scope as for one that does not exist.
            raise NotFound(_("No such %(division)s in your scope.") % {"division": LABELS[level]}, field=level)
        place = Place(division)
    return place
