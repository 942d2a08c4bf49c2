"""Organisations, specialists and teams in the user's scope."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from api.exports import (
    Column,
    ExportMixin,
)
from api.people.filters import OrganisationFilter, SpecialistFilter, TeamFilter
from api.people.serializers import OrganisationSerializer, SpecialistSerializer, TeamSerializer
from api.viewsets import ScopedViewSet
from specialists.people.models import Specialist
from specialists.people.selectors import organisations_for, specialists_for, teams_for


class OrganisationViewSet(ScopedViewSet):
    """Dispatching organisations (派出单位) of the specialists and teams in your scope."""

    serializer_class = OrganisationSerializer
    filterset_class = OrganisationFilter
    search_fields = ["name"]
    ordering_fields = ["name", "kind"]

    scoped = staticmethod(organisations_for)


class SpecialistViewSet(ExportMixin, ScopedViewSet):
    """Specialists (科技特派员) in your scope; mobile and ID number masked unless you manage them."""

    serializer_class = SpecialistSerializer
    filterset_class = SpecialistFilter
    # Not searchable by mobile or ID number: a search would reveal what the mask hides.
    search_fields = ["name", "organisation__name"]
    ordering_fields = ["name", "year_selected", "id"]

    scoped = staticmethod(specialists_for)
    # `mobile` and `id_number` as the list serializer writes them: masked unless you manage the specialist.
    export_columns = (
        Column(_("ID"), "id"), Column(pgettext_lazy("person", "Name"), "name"),
        Column(_("Kind"), "kind", choices=Specialist.Kind.choices), Column(_("Gender"), "gender", choices=Specialist.Gender.choices),
        Column(_("Mobile"), "mobile"), Column(_("ID number"), "id_number"),
        Column(_("Dispatching organisation"), "organisation.name"), Column(_("Professional title"), "title"),
        Column(_("Year selected"), "year_selected"), Column(_("Status"), "status", choices=Specialist.Status.choices),
    )


class TeamViewSet(ScopedViewSet):
    """Specialist teams (科技特派团) with their members."""

    serializer_class = TeamSerializer
    filterset_class = TeamFilter
    search_fields = ["name", "lead_organisation__name"]
    ordering_fields = ["name", "year_selected"]

    scoped = staticmethod(teams_for)
