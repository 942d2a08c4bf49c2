"""The coverage routes' query parameters, and the place a request is about.

Every route resolves its place through specialists.access.places (the one resolver the pages and
map jobs use too): the division codes a request names must be inside the user's scope, or it
answers 404, exactly as for a code that does not exist. A parameter that is not valid answers 400
with a message that names it in the user's words ("Coverage day: ..."), never by its raw name.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers

from api import exports
from specialists.access.places import PLACE_PARAMETERS, place_for
from villages.dates import check_day
from villages.palette import AT_RISK, UNCOVERED

# Larger tolerances would merge a village into a few straight lines; county outlines at city zoom
# need no more than this either.
MAX_TOLERANCE_M = 1000.0
MAX_SUGGESTIONS = 50


class DayField(serializers.DateField):
    """A day Tepai records (villages.dates: 2000 to 2100): coverage looks ahead from it, which the last
    days of the calendar cannot."""

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        try:
            check_day(day, self.field_name)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None
        return day


class AsOfParams(serializers.Serializer):
    as_of = DayField(required=False, label=_("Coverage day"), help_text=_("The day (YYYY-MM-DD, 2000 to 2100); today when not given."))


class CountyParams(AsOfParams):
    province = serializers.RegexField(
        r"^[0-9]{2}$", required=False, label=_("Province"), help_text=_("Two-digit code of a province in your scope."),
    )
    city = serializers.RegexField(
        r"^[0-9]{4}$", required=False, label=_("Prefecture-level city"),
        help_text=_("Four-digit code of a prefecture-level city in your scope."),
    )
    county = serializers.RegexField(
        r"^[0-9]{6}$", required=False, label=_("County-level unit"),
        help_text=_("Six-digit code of a county-level unit in your scope; a county role gets its own unit without it."),
    )


class PlaceParams(CountyParams):
    town = serializers.RegexField(r"^[0-9]{9}$", required=False, label=_("Town"), help_text=_("Nine-digit code of a town in your scope."))


class ToleranceParams(serializers.Serializer):
    tolerance = serializers.FloatField(
        required=False, default=0.0, label=_("Simplification tolerance"),
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
        raise DjangoValidationError({"tolerance": _("Simplification tolerance: it must be between 0 and %(max)d metres.")
                                     % {"max": MAX_TOLERANCE_M}})
    return value


class OutlineParams(PlaceParams, ToleranceParams):
    as_of = None  # outlines do not change with the day


class CountyOutlineParams(OutlineParams):
    as_of = DayField(required=False, label=_("Coverage day"),
                     help_text=_("The day of the village tallies (YYYY-MM-DD, 2000 to 2100); today when not given."))
    coverage = serializers.BooleanField(
        required=False, default=False, label=_("With coverage"),
        help_text=_("Add each unit's village tallies and coverage rate on the day, for maps too wide to draw village by village."),
    )


class VillageGeoJSONParams(PlaceParams, ToleranceParams):
    kind = serializers.ChoiceField(
        choices=[("village", _("Administrative villages")), ("community", _("Communities")), ("all", _("Both"))],
        required=False, default="all", label=_("Kind of village"), help_text=_("Administrative villages, communities, or both."),
    )


class SummaryParams(CountyParams):
    by = serializers.ChoiceField(
        choices=[("county", _("County-level unit")), ("town", _("Town"))], required=False, default="county", label=_("Rows by"),
        help_text=_("`town` adds a row per town; given `county` (or a county role), town rows come anyway."),
    )


GAP_KINDS = [(UNCOVERED, _("Uncovered villages")), (AT_RISK, _("Villages at risk")), ("industry", _("Uncovered key industries"))]


class GapParams(PlaceParams):
    kind = serializers.ChoiceField(
        choices=GAP_KINDS, required=False, default=UNCOVERED, label=_("Kind of gap"),
        help_text=_("Which gaps: uncovered or at-risk villages, or key industries no team covers (by county-level unit)."),
    )


class GapExportParams(GapParams, exports.ExportParams):
    pass


class SuggestionParams(AsOfParams):
    limit = serializers.IntegerField(required=False, default=10, min_value=1, max_value=MAX_SUGGESTIONS, label=_("Number of suggestions"))


def _params(serializer_class, request):
    """The query's parameters, checked: 400 with each message led by the parameter's name in words."""
    params = serializer_class(data=request.query_params)
    if not params.is_valid():
        raise exceptions.ValidationError({
            name: [f"{params.fields[name].label}: {message}" if name in params.fields else str(message) for message in messages]
            for name, messages in params.errors.items()
        })
    return params.validated_data


def _as_of(params):
    return params.get("as_of") or timezone.localdate()


def _place(request, params):
    """The place a request names, within the user's scope: its own node by default (specialists.access.places)."""
    return place_for(request.user, **{level: params.get(level) for level in PLACE_PARAMETERS})
