"""Divisions (county-level units, towns, villages) and key industries in the user's scope."""

from django.utils.translation import gettext_lazy as _

from api.divisions.filters import CountyFilter, IndustryFilter, TownFilter, VillageFilter
from api.divisions.serializers import CountySerializer, IndustrySerializer, TownSerializer, VillageSerializer
from api.exports import (
    Column,
    ExportMixin,
    place_columns,
)
from api.viewsets import CODE, ScopedViewSet, ValuesList
from villages.models import Village
from specialists.access.divisions import counties_for, industries_for, towns_for, villages_for


class CountyViewSet(ScopedViewSet):
    """County-level units (县区) in your scope, by their six-digit code."""

    serializer_class = CountySerializer
    filterset_class = CountyFilter
    search_fields = ["name", "code"]
    ordering_fields = ["code", "name"]
    lookup_field = "code"
    lookup_value_regex = CODE

    scoped = staticmethod(counties_for)


class TownViewSet(ScopedViewSet):
    """Towns and subdistricts (乡镇/街道) in your scope, by their nine-digit code."""

    serializer_class = TownSerializer
    filterset_class = TownFilter
    search_fields = ["name", "code"]
    ordering_fields = ["code", "name"]
    lookup_field = "code"
    lookup_value_regex = CODE

    scoped = staticmethod(towns_for)


class VillageViewSet(ValuesList, ExportMixin, ScopedViewSet):
    """Villages and communities in your scope, by their twelve-digit code."""

    serializer_class = VillageSerializer
    filterset_class = VillageFilter
    search_fields = ["name", "code"]
    ordering_fields = ["code", "name"]
    lookup_field = "code"
    lookup_value_regex = CODE

    scoped = staticmethod(villages_for)
    list_values = (
        "code", "name", "kind", "town__code", "town__name", "town__county__code", "town__county__name", "lon", "lat", "synthetic",
    )
    export_columns = (
        Column(_("Code"), "code"), Column(_("Name"), "name"), Column(_("Kind"), "kind", choices=Village.Kind.choices),
        *place_columns(village=None), Column(_("Longitude"), "lon"), Column(_("Latitude"), "lat"),
    )

    def list_row(self, row):
        # VillageSerializer's row, from .values() (api.viewsets.ValuesList).
        return {
            "code": row["code"], "name": row["name"], "kind": row["kind"],
            "town": {"code": row["town__code"], "name": row["town__name"]},
            "county": {"code": row["town__county__code"], "name": row["town__county__name"]},
            "lon": row["lon"], "lat": row["lat"], "synthetic": row["synthetic"],
        }


class IndustryViewSet(ScopedViewSet):
    """Key industries (重点产业): every role sees them all."""

    serializer_class = IndustrySerializer
    filterset_class = IndustryFilter
    search_fields = ["name"]
    ordering_fields = ["name", "category"]

    scoped = staticmethod(industries_for)
