"""Every kind of import, by name: the division tree's (villages.imports) and the rosters' (here).

Importing this module imports each kind's module, which registers it (villages.imports.kinds)."""

import importlib

from villages.imports import kinds

_MODULES = (
    "villages.imports.divisions",
    "villages.imports.boundaries",
    "specialists.imports.people",
    "specialists.imports.teams",
    "specialists.imports.placements",
)
# The order kinds are offered in: the tree first, then the people, then who serves where.
ORDER = ("divisions", "boundaries", "organisations", "specialists", "teams", "village_assignments", "industry_assignments")


def _load():
    for module in _MODULES:
        importlib.import_module(module)


def all_kinds():
    _load()
    return sorted(kinds.KINDS.values(), key=lambda kind: ORDER.index(kind.name) if kind.name in ORDER else len(ORDER))


def get(name):
    _load()
    return kinds.get(name)
