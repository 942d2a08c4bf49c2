"""Rows of a sheet (.xlsx, or CSV in UTF-8 with or without BOM, GBK or GB18030) by column key.

Headers are matched through each column's aliases, so that a bureau's own sheet reads without
retyping: whitespace, a "*" marking a required column and a note in brackets ("姓名（必填）") are
ignored. The header row is the first of the sheet's first rows in which at least two headers are
known, so a title row above it is fine. Row numbers are the file's own (the first row is 1), as the
user sees them in Excel. A formula cell is read as its text ("=A1+1"), never evaluated; numbers keep
the digits typed (a whole number has no ".0"); dates are written YYYY-MM-DD.
"""

import codecs
import csv
import dataclasses
import datetime
import io
import re

from django.conf import settings
from django.utils.translation import gettext as _

from villages.imports.files import CSV, XLSX, Upload, refuse
from villages.imports.plans import Problem

ENCODINGS = ("utf-8", "gb18030", "gbk")
_HEADER_ROWS_SEARCHED = 10
_NOISE = re.compile(r"[\s*＊:：]|[（(【\[].*?[)）】\]]")


@dataclasses.dataclass(frozen=True)
class Column:
    """A column of an import: `key` in code, `header` as the template and exports write it,
    `aliases` other headers that mean the same, `choices` the values a drop-down offers."""

    key: str
    header: str
    aliases: tuple = ()
    required: bool = False
    help: str = ""
    choices: tuple = ()

    def names(self):
        return {normal(self.header), *(normal(a) for a in self.aliases)}


def normal(header) -> str:
    return _NOISE.sub("", str(header or "")).lower()


@dataclasses.dataclass
class Table:
    headers: dict  # key -> the header as found in the file
    rows: list  # [(row number, {key: text})]
    encoding: str = ""
    problems: list = dataclasses.field(default_factory=list)
    ignored: list = dataclasses.field(default_factory=list)  # headers matched to no column


def read_table(upload: Upload, columns, *, encoding=None, max_rows=None) -> Table:
    """The upload's rows by column key; missing required columns are problems of the whole file."""
    max_rows = settings.TEPAI_IMPORT_MAX_ROWS if max_rows is None else max_rows
    if upload.format == XLSX:
        raw, used = _xlsx_rows(upload, max_rows), ""
    elif upload.format == CSV:
        raw, used = _csv_rows(upload, encoding, max_rows)
    else:
        refuse(_("%(name)s is not a sheet: give an .xlsx or .csv file.") % {"name": upload.name})
    return _by_column(raw, columns, used, max_rows)


def _by_column(raw, columns, encoding, max_rows):
    raw = list(raw)
    header_at, mapping = _find_header(raw, columns)
    table = Table({}, [], encoding)
    if header_at is None:
        wanted = "、".join(c.header for c in columns if c.required) or "、".join(c.header for c in columns[:3])
        refuse(_("No header row was found in the first %(count)s rows: the sheet needs headers such as %(headers)s.") % {
            "count": _HEADER_ROWS_SEARCHED, "headers": wanted})
    number, header_cells = raw[header_at]
    for index, key in mapping.items():
        table.headers[key] = str(header_cells[index]).strip()
    table.ignored = [str(c).strip() for i, c in enumerate(header_cells) if i not in mapping and str(c or "").strip()]
    for column in columns:
        if column.required and column.key not in table.headers:
            table.problems.append(Problem(number, column.header, _("The required column %(header)s is missing.") % {"header": column.header}))
    for number, cells in raw[header_at + 1:]:
        values = {key: (str(cells[i]).strip() if i < len(cells) and cells[i] is not None else "") for i, key in mapping.items()}
        if any(values.values()):
            table.rows.append((number, values))
    if len(table.rows) > max_rows:
        refuse(_("The sheet has %(count)s rows; the limit is %(limit)s.") % {"count": len(table.rows), "limit": max_rows})
    return table


def _find_header(raw, columns):
    names = [(column.key, column.names()) for column in columns]
    for at, (_number, cells) in enumerate(raw[:_HEADER_ROWS_SEARCHED]):
        mapping = {}
        for index, cell in enumerate(cells):
            text = normal(cell)
            if not text:
                continue
            for key, known in names:
                if text in known and key not in mapping.values():
                    mapping[index] = key
                    break
        if len(mapping) >= min(2, len(columns)):
            return at, mapping
    return None, {}


def _cell_text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    return str(value)


def _xlsx_rows(upload, max_rows):
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        # data_only=False: a formula cell gives its formula's text, never a value computed by anyone.
        book = openpyxl.load_workbook(upload.stream(), read_only=True, data_only=False)
    except (InvalidFileException, KeyError, OSError, ValueError, TypeError, Exception) as error:  # noqa: BLE001
        refuse(_("%(name)s is not a readable .xlsx workbook (%(error)s).") % {"name": upload.name, "error": type(error).__name__})
    try:
        sheet = book.worksheets[0]
        rows = []
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            if len(rows) > max_rows + _HEADER_ROWS_SEARCHED:
                refuse(_("The sheet has more than %(limit)s rows, the limit.") % {"limit": max_rows})
            rows.append((number, [_cell_text(c) for c in cells]))
        return rows
    finally:
        book.close()


def _csv_rows(upload, encoding, max_rows):
    used = _csv_encoding(upload, encoding)
    rows = []
    for number, cells in _csv_stream(upload, used):
        if len(rows) > max_rows + _HEADER_ROWS_SEARCHED:
            refuse(_("The sheet has more than %(limit)s rows, the limit.") % {"limit": max_rows})
        rows.append((number, cells))
    return rows, {"utf-8-sig": "utf-8"}.get(used, used)


@dataclasses.dataclass
class StreamedTable:
    """A sheet read row by row, as often as needed: `rows()` reads the file again on each call.

    For the imports whose files are too long to hold as rows (a national division list has
    650,000): only the upload's bytes stay in memory, never its rows nor its decoded text.
    """

    headers: dict
    encoding: str
    problems: list
    ignored: list
    header_row: int
    _reopen: object
    _mapping: dict
    _max_rows: int

    def rows(self):
        """(row number, {key: text}) for every non-empty row below the header; ImportRefused past the limit."""
        count = 0
        for number, cells in self._reopen():
            if number <= self.header_row:
                continue
            values = {key: (str(cells[i]).strip() if i < len(cells) and cells[i] is not None else "") for i, key in self._mapping.items()}
            if any(values.values()):
                count += 1
                if count > self._max_rows:
                    refuse(_("The sheet has more than %(limit)s rows, the limit.") % {"limit": self._max_rows})
                yield number, values


def stream_table(upload: Upload, columns, *, encoding=None, max_rows=None) -> StreamedTable:
    """Like read_table, but the rows are read lazily (and may be read again); missing required
    columns are problems of the whole file, as there."""
    max_rows = settings.TEPAI_IMPORT_MAX_ROWS if max_rows is None else max_rows
    if upload.format == XLSX:
        def reopen():
            return _xlsx_stream(upload)
        used = ""
    elif upload.format == CSV:
        used = _csv_encoding(upload, encoding)

        def reopen():
            return _csv_stream(upload, used)
    else:
        refuse(_("%(name)s is not a sheet: give an .xlsx or .csv file.") % {"name": upload.name})
    head = []
    for item in reopen():
        head.append(item)
        if len(head) >= _HEADER_ROWS_SEARCHED:
            break
    header_at, mapping = _find_header(head, columns)
    if header_at is None:
        wanted = "、".join(c.header for c in columns if c.required) or "、".join(c.header for c in columns[:3])
        refuse(_("No header row was found in the first %(count)s rows: the sheet needs headers such as %(headers)s.") % {
            "count": _HEADER_ROWS_SEARCHED, "headers": wanted})
    number, header_cells = head[header_at]
    headers = {key: str(header_cells[index]).strip() for index, key in mapping.items()}
    ignored = [str(c).strip() for i, c in enumerate(header_cells) if i not in mapping and str(c or "").strip()]
    problems = [
        Problem(number, column.header, _("The required column %(header)s is missing.") % {"header": column.header})
        for column in columns if column.required and column.key not in headers
    ]
    return StreamedTable(headers, {"utf-8-sig": "utf-8"}.get(used, used), problems, ignored, number, reopen, mapping, max_rows)


def _csv_encoding(upload, encoding):
    """The encoding the whole file decodes in, checked chunk by chunk so the text is never held."""
    data = upload.data
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            refuse(_("%(encoding)s is not an encoding Tepai knows.") % {"encoding": encoding})
        candidates = (encoding,)
    elif data.startswith(codecs.BOM_UTF8):
        candidates = ("utf-8-sig",)
    else:
        candidates = ("utf-8", "gb18030")
    view = memoryview(data)
    for candidate in candidates:
        decoder = codecs.getincrementaldecoder(candidate)()
        try:
            for start in range(0, len(data), 1 << 20):
                if "\x00" in decoder.decode(view[start:start + (1 << 20)]):
                    refuse(_("%(name)s is not a text file.") % {"name": upload.name})
            decoder.decode(b"", final=True)
            return candidate
        except UnicodeDecodeError:
            continue
    refuse(_("%(name)s cannot be read as %(encodings)s: save it as UTF-8 or GBK CSV, or name its encoding.") % {
        "name": upload.name, "encodings": " / ".join(candidates)})


def _csv_stream(upload, encoding):
    text = io.TextIOWrapper(upload.stream(), encoding=encoding, newline="")
    try:
        yield from enumerate(csv.reader(text), start=1)
    except csv.Error as error:
        refuse(_("%(name)s is not a readable CSV file: %(error)s") % {"name": upload.name, "error": error})


def _xlsx_stream(upload):
    import openpyxl

    try:
        book = openpyxl.load_workbook(upload.stream(), read_only=True, data_only=False)
    except Exception as error:  # noqa: BLE001
        refuse(_("%(name)s is not a readable .xlsx workbook (%(error)s).") % {"name": upload.name, "error": type(error).__name__})
    try:
        for number, cells in enumerate(book.worksheets[0].iter_rows(values_only=True), start=1):
            yield number, [_cell_text(c) for c in cells]
    finally:
        book.close()
