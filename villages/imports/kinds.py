"""The contract of a kind of import, and the registry of kinds by name.

A kind (one per thing a file brings: "divisions", "boundaries", "specialists", ...) is an object with
    name, label        its name in URLs and the command, and its label for people;
    formats            the file formats it reads (villages.imports.files);
    columns            for a sheet, its Columns (villages.imports.tables), the order of its template
                       and its export; () for a boundary file;
    options            {option: label} the user may set (e.g. "encoding", "crs", "code_column");
    allowed(place)     whether a user of that place (villages.places.Place; everywhere for the whole
                       deployment) may import this kind at all;
    plan(upload, *, place, options) -> Plan
                       reads the upload, refuses rows outside `place` or otherwise wrong, and says what
                       each row would do; writes nothing;
    commit(upload, *, place, options, progress) -> Plan
                       plans again and, when nothing is refused, writes everything; the caller holds
                       the transaction. `progress(done, total)` may be called as rows are written.
A kind registers itself with `register` when its module is imported; specialists.imports imports
all of them.
"""

KINDS = {}


def register(kind):
    KINDS[kind.name] = kind
    return kind


def get(name):
    return KINDS.get(name)
