"""The coordinators' import page: choose a kind, download its template, upload a file, read the
preview (refused rows, changes, choices to make), confirm, follow the progress; the history below.

The page carries only its frame, the kinds the coordinator may import (so that the choice is there
before any script runs) and the labels the script needs; the kinds' columns, the jobs and their
previews come from the API (static/frontend/js/imports.js), which applies the same rules.
"""

import re

from django.apps import apps
from django.shortcuts import render

from frontend.pages import page
from specialists.access.models import UserRole
from specialists.imports import registry
from specialists.imports.models import ImportJob

Role = UserRole.Role

# The apps whose rows an import writes: a preview names them by model ("specialist", "village", ...).
_IMPORTED_APPS = ("villages", "specialists")


def _snake(name):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _model_labels():
    """{model: {"label", "fields": {field: label}}} in the page's language, under both the names a
    plan may give a model ("village_assignment" and Django's "villageassignment"), so that a preview's
    summary and changes read in words rather than code names."""
    labels = {}
    for model in apps.get_models():
        if not model.__module__.startswith(_IMPORTED_APPS):
            continue
        fields = {field.name: str(field.verbose_name) for field in model._meta.concrete_fields}
        entry = {"label": str(model._meta.verbose_name_plural), "fields": fields}
        labels.setdefault(model._meta.model_name, entry)
        labels.setdefault(_snake(model.__name__), entry)
    return labels


@page(Role.COORDINATOR)
def imports(request):
    """The import page, for a coordinator: the kinds their place may import (the API says the same)."""
    place = request.scope.place
    kinds = [{"name": kind.name, "label": str(kind.label)} for kind in registry.all_kinds() if kind.allowed(place)]
    config = {
        "statuses": {value: str(label) for value, label in ImportJob.Status.choices},
        "models": _model_labels(),
    }
    context = {"kinds": kinds, "place": place.name, "imports_config": config}
    return render(request, "frontend/imports.html", context)
