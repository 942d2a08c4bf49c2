"""Every kind is registered, follows the contract, and its template reads back as its own columns."""

import pytest

from specialists.imports import registry
from villages.imports.files import open_upload
from villages.imports.tables import read_table
from villages.imports.templates import template_workbook
from villages.places import EVERYWHERE

KINDS = registry.all_kinds()


def test_every_kind_is_registered_in_the_order_offered():
    assert [kind.name for kind in KINDS] == list(registry.ORDER)


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.name)
def test_each_kind_follows_the_contract(kind):
    assert str(kind.label) and kind.formats
    assert all(callable(getattr(kind, name)) for name in ("allowed", "plan", "commit"))
    assert kind.allowed(EVERYWHERE)
    headers = [column.header for column in kind.columns]
    assert len(headers) == len(set(headers)), "two columns share a header"
    # No alias of one column is another column's header or alias: a header must mean one thing.
    names = [name for column in kind.columns for name in column.names()]
    assert len(names) == len(set(names)), "a header is recognised as two columns"


@pytest.mark.parametrize("kind", [kind for kind in KINDS if kind.columns], ids=lambda kind: kind.name)
def test_each_sheet_kinds_template_reads_back_as_its_columns(kind):
    upload = open_upload(f"{kind.name}.xlsx", template_workbook(kind))

    table = read_table(upload, kind.columns)

    assert table.headers == {column.key: column.header for column in kind.columns}
    assert table.rows == [] and table.problems == [] and table.ignored == []
