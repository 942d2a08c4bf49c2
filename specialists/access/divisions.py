"""Selectors of the division tree and the key industries, in the user's scope.

Divisions and key industries say nothing about any person: specialists see them all, a role
limited to a node sees its node's (and the city above a county-level unit, with its key industries).
Boundaries are never read here: they are hundreds of kilobytes each, and only the map code loads them.
"""

from django.db.models import Prefetch

from specialists.access.scope import scoped
from villages.models import City, County, Industry, Province, Town, Village


def provinces_for(user):
    return scoped(user, Province.objects.defer("boundary"))


def cities_for(user):
    return scoped(user, City.objects.select_related("province").defer("boundary", "province__boundary"))


def counties_for(user):
    return scoped(user, County.objects.select_related("city").defer("boundary", "city__boundary"))


def towns_for(user):
    return scoped(user, Town.objects.select_related("county").defer("boundary", "county__boundary"))


def villages_for(user):
    return scoped(user, Village.objects.select_related("town__county").defer("boundary", "town__boundary", "town__county__boundary"))


def industries_for(user):
    """Key industries with their city and key county-level units: those of the cities in the user's scope."""
    rows = Industry.objects.select_related("city").defer("city__boundary").prefetch_related(
        Prefetch("key_counties", queryset=County.objects.defer("boundary"))
    )
    return scoped(user, rows)
