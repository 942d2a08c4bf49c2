"""The coverage routes' query parameters, and the place a request is about."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from api import exports
from specialists.access import scope as access
from villages.dates import FIRST_DAY, LAST_DAY

COVERED, AT_RISK, UNCOVERED, COMMUNITY = "covered", "at_risk", "uncovered", "community"


# Larger tolerances would merge a village into a few straight lines; county outlines at city zoom
# need no more than this either.
MAX_TOLERANCE_M = 1000.0


MAX_SUGGESTIONS = 50


class AsOfField(serializers.DateField):
    """A day from 2000 to 2100: coverage looks ahead from it, which the last days of the calendar cannot."""

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        if not FIRST_DAY <= day <= LAST_DAY:
            raise serializers.ValidationError(_("Give a day from %(first)s to %(last)s.") % {"first": FIRST_DAY, "last": LAST_DAY})
        return day


class AsOfParams(serializers.Serializer):
    as_of = AsOfField(required=False, help_text=_("The day (YYYY-MM-DD, 2000 to 2100); today when not given."))


class CountyParams(AsOfParams):
    county = serializers.RegexField(
        r"^[0-9]{6}$", required=False,
        help_text=_("Six-digit code of a county-level unit in your scope; a county role gets its own unit without it."),
    )


class PlaceParams(CountyParams):
    town = serializers.RegexField(r"^[0-9]{9}$", required=False, help_text=_("Nine-digit code of a town in your scope."))


class ToleranceParams(serializers.Serializer):
    tolerance = serializers.FloatField(
        required=False, default=0.0,
        help_text=_("Simplification tolerance in metres (0 to 1000, applied in EPSG:4548); 0 keeps every vertex."),
    )


TOLERANCE_REFUSED = OpenApiResponse(
    {"$ref": "#/components/schemas/Error"}, description=_("The tolerance is a number, but outside 0 to 1000 metres."),
)


def _tolerance(params):
    """The tolerance asked for, in metres. A number out of range is refused as a value (422), after the
    serializer has refused what is not a number at all (400): DRF would turn any error of its own into a 400."""
    value = params["tolerance"]
    if not 0 <= value <= MAX_TOLERANCE_M:
        raise DjangoValidationError({"tolerance": _("The tolerance must be between 0 and %(max)d metres.") % {"max": MAX_TOLERANCE_M}})
    return value


class OutlineParams(PlaceParams, ToleranceParams):
    as_of = None  # outlines do not change with the day


class VillageGeoJSONParams(PlaceParams, ToleranceParams):
    kind = serializers.ChoiceField(
        choices=[("village", _("Administrative villages")), ("community", _("Communities")), ("all", _("Both"))],
        required=False, default="all", help_text=_("Administrative villages, communities, or both."),
    )


class SummaryParams(CountyParams):
    by = serializers.ChoiceField(
        choices=[("county", _("County-level unit")), ("town", _("Town"))], required=False, default="county",
        help_text=_("`town` adds a row per town; given `county` (or a county role), town rows come anyway."),
    )


GAP_KINDS = [(UNCOVERED, _("Uncovered villages")), (AT_RISK, _("Villages at risk")), ("industry", _("Uncovered key industries"))]


class GapParams(PlaceParams):
    kind = serializers.ChoiceField(
        choices=GAP_KINDS, required=False, default=UNCOVERED,
        help_text=_("Which gaps: uncovered or at-risk villages, or key industries no team covers (by county-level unit)."),
    )


class GapExportParams(GapParams, exports.ExportParams):
    pass


class SuggestionParams(AsOfParams):
    limit = serializers.IntegerField(required=False, default=10, min_value=1, max_value=MAX_SUGGESTIONS)


def _params(serializer_class, request):
    params = serializer_class(data=request.query_params)
    params.is_valid(raise_exception=True)
    return params.validated_data


def _as_of(params):
    return params.get("as_of") or timezone.localdate()


def _place(request, params):
    """(county, town) a request names, limited to the user's scope; a county role's own unit by default.

    A code outside the scope answers 404, as one that does not exist: nothing tells them apart.
    """
    user, scope = request.user, access.scope_for(request.user)
    county = town = None
    if params.get("county"):
        county = access.counties_for(user).filter(code=params["county"]).first()
        if county is None:
            raise Http404
    elif scope.is_county:
        county = scope.county
    if params.get("town"):
        towns = access.towns_for(user)
        if county is not None:
            towns = towns.filter(county=county)
        town = towns.filter(code=params["town"]).first()
        if town is None:
            raise Http404
        county = town.county
    return county, town
