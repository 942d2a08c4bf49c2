"""A small kind of import for testing the job around any kind: organisations by name, with their kind.

The real kinds are tested in their own modules; this one keeps the job's tests independent of them,
and can be told to fail in the middle of its commit, after it has written rows."""

import pytest
from django.utils.translation import gettext as _

from specialists.people.models import Organisation
from villages.imports import kinds
from villages.imports.files import CSV, XLSX
from villages.imports.plans import CREATE, UNCHANGED, UPDATE, Change, Plan
from villages.imports.tables import Column, read_table
from villages.places import COUNTY

KIND_LABELS = {"大学": Organisation.Kind.UNIVERSITY, "企业": Organisation.Kind.ENTERPRISE, "其他": Organisation.Kind.OTHER}


class TestOrganisations:
    name = "test_organisations"
    label = "Test organisations"
    formats = (CSV, XLSX)
    columns = (Column("name", "单位名称", ("派出单位",), required=True, help="the name"),
               Column("kind", "单位类型", (), required=True, help="the kind", choices=tuple(KIND_LABELS)))
    options = {"encoding": "Encoding", "fail_after": "Fail after this many rows are written"}

    def allowed(self, place):
        return place.level != COUNTY

    def _plan(self, upload, options):
        plan = Plan(self.name)
        table = read_table(upload, self.columns, encoding=options.get("encoding"))
        plan.problems.extend(table.problems)
        existing = {o.name: o for o in Organisation.objects.all()}
        rows = []
        for number, values in table.rows:
            plan.rows += 1
            kind = KIND_LABELS.get(values["kind"])
            if kind is None:
                plan.refuse(number, "单位类型", _("Not a kind: %(value)s") % {"value": values["kind"]})
                continue
            found = existing.get(values["name"])
            if found is None:
                plan.add(Change(CREATE, "organisation", values["name"], values["name"], number))
            elif found.kind != kind:
                plan.add(Change(UPDATE, "organisation", values["name"], values["name"], number, {"kind": [found.kind, kind]}))
            else:
                plan.add(Change(UNCHANGED, "organisation", values["name"], values["name"], number))
            rows.append((values["name"], kind))
        return plan, rows

    def plan(self, upload, *, place, options):
        return self._plan(upload, options)[0]

    def commit(self, upload, *, place, options, progress):
        plan, rows = self._plan(upload, options)
        if not plan.ok:
            return plan
        for done, (name, kind) in enumerate(rows, start=1):
            if options.get("fail_after") and done > int(options["fail_after"]):
                raise RuntimeError("the disk is full")
            Organisation.objects.update_or_create(name=name, defaults={"kind": kind})
            progress(done, len(rows))
        return plan

    def export_rows(self, place):
        labels = {kind: label for label, kind in KIND_LABELS.items()}
        return [{"name": o.name, "kind": labels.get(o.kind, "其他")} for o in Organisation.objects.all()]


@pytest.fixture
def test_kind(monkeypatch):
    """The test kind, registered for one test (test modules import this fixture)."""
    kind = TestOrganisations()
    monkeypatch.setitem(kinds.KINDS, kind.name, kind)
    return kind
