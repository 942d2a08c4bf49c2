"""What an import would do, row by row: the one shape every kind of import returns.

A Plan counts the rows each action applies to (create, update, unchanged, leave) and keeps, up to
`MAX_LISTED`, the changes themselves (an update names each field with its value before and after)
and every refused row (a Problem: the row's number as the user sees it in the file, the column's
header, and a reason in the user's language). A plan with problems cannot be committed.
"""

import collections
import dataclasses

from django.utils.translation import gettext_lazy

from villages.errors import DomainError

CREATE, UPDATE, UNCHANGED, LEAVE = "create", "update", "unchanged", "leave"
ACTIONS = (CREATE, UPDATE, UNCHANGED, LEAVE)
# Changes listed in a plan beyond which only their counts are kept (a national division list has
# 650,000 rows); problems are always listed, up to MAX_PROBLEMS.
MAX_LISTED = 2000
MAX_PROBLEMS = 1000


@dataclasses.dataclass(frozen=True)
class Problem:
    """A refused row: `row` is its number in the file (the header is row 1), None for the whole file."""

    row: int | None
    column: str
    message: str

    def as_dict(self):
        return {"row": self.row, "column": self.column, "message": str(self.message)}

    def __str__(self):
        where = []
        if self.row is not None:
            where.append(str(gettext_lazy("row %(row)s") % {"row": self.row}))
        if self.column:
            where.append(str(gettext_lazy("column %(column)s") % {"column": self.column}))
        return (", ".join(where) + ": " if where else "") + str(self.message)


@dataclasses.dataclass
class Change:
    """One row's effect: `model` is what it writes ("specialist", "village", ...), `key` its natural
    key (an ID number, a division code), `fields` for an update {field: [before, after]}."""

    action: str
    model: str
    key: str
    name: str = ""
    row: int | None = None
    fields: dict = dataclasses.field(default_factory=dict)

    def as_dict(self):
        return {"action": self.action, "model": self.model, "key": self.key, "name": self.name,
                "row": self.row, "fields": {k: [_plain(a), _plain(b)] for k, (a, b) in self.fields.items()}}


def _plain(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


class Plan:
    """The changes an import would make, its refused rows, and notes on choices it made (e.g. how it
    told villages from communities, which column it matched codes by)."""

    def __init__(self, kind: str):
        self.kind = kind
        self.rows = 0
        self.counts = collections.Counter()
        self.changes: list[Change] = []
        self.problems: list[Problem] = []
        self.notes: list[str] = []
        # Choices the user may make before confirming (e.g. {"code_column": ["CODE", "XZQDM"]}).
        self.choices: dict = {}

    def add(self, change: Change):
        self.counts[(change.model, change.action)] += 1
        if change.action != UNCHANGED and len(self.changes) < MAX_LISTED:
            self.changes.append(change)

    def refuse(self, row, column, message):
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(row, str(column), str(message)))
        else:
            self.counts[("problem", "more")] += 1

    def note(self, message):
        self.notes.append(str(message))

    @property
    def ok(self):
        return not self.problems

    def count(self, action, model=None):
        return sum(n for (m, a), n in self.counts.items() if a == action and (model is None or m == model))

    def summary(self):
        """{model: {action: count}}."""
        out = {}
        for (model, action), n in sorted(self.counts.items()):
            if model != "problem":
                out.setdefault(model, {})[action] = n
        return out

    def as_dict(self):
        return {"kind": self.kind, "rows": self.rows, "summary": self.summary(),
                "changes": [c.as_dict() for c in self.changes],
                "listed_changes_limit": MAX_LISTED,
                "problems": [p.as_dict() for p in self.problems],
                "more_problems": self.counts[("problem", "more")],
                "notes": list(self.notes), "choices": self.choices}

    def raise_if_refused(self):
        if self.problems:
            raise ImportRefused(self.problems)


class ImportRefused(DomainError):
    """The file or some of its rows were refused: nothing was written. `problems` lists them all."""

    code = "import_refused"

    def __init__(self, problems):
        self.problems = list(problems)
        first = str(self.problems[0]) if self.problems else ""
        message = first if len(self.problems) == 1 else gettext_lazy("%(count)s rows were refused; the first: %(first)s") % {
            "count": len(self.problems), "first": first}
        super().__init__(message)
