"""Lists as files: `GET <list>/export/?<the list's own filters>&format=csv|xlsx`, for the offices that work in Excel.

An export is the list's whole filtered answer in one file, not a page of it: the viewset's own
`filter_queryset(get_queryset())`, so the scope (specialists.access.scope), the filters, the search
and the ordering are exactly the list's, and each row is the list serializer's own row (mobile
and ID numbers masked as in the list). A viewset declares which columns to write, each a
translated header and a path into that serialized row (`village.name`); enumerated values
(kinds, statuses) are written as their labels in the request's language.

Formats. `csv` (the default) is UTF-8 with a byte order mark, so that Excel reads the Chinese,
streamed a chunk of rows at a time; a cell that starts with = + - @ gets a leading apostrophe so
that a spreadsheet does not run it as a formula. Every value is kept exactly, so a spreadsheet
that guesses types turns 12-digit codes and 18-digit ID numbers into rounded numbers: `xlsx` is
the format for Excel. `xlsx` is an openpyxl write-only workbook (codes and numbers as text, dates
as dates, times in TIME_ZONE), built into a temporary file and then sent.

Errors. `format` is the export's own parameter, not DRF's renderer override (URL_FORMAT_OVERRIDE):
the route negotiates nothing (ExportNegotiation ignores `format` and the Accept header alike), so
the success body is always the file asked for and every error is JSON in the API's one shape,
whatever the client accepts: 400 for a bad filter or format, 401, 403, and 422 (`too_many_rows`,
naming the count) when more rows match than TEPAI_EXPORT_MAX_ROWS. The count is checked before
anything is written; a database failure after the first CSV bytes have gone can only cut the file.

Queries: the user's role, a COUNT(*) for the cap, the rows, and each prefetch of the list once per
2,000 rows: the same for 1 row as for 2,000.
"""

import csv
import dataclasses
import datetime
import tempfile
from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.text import capfirst, slugify
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer

from api.negotiation import activate_request_language
from villages.spreadsheets import csv_text, sheet_title, xlsx_value

CSV, XLSX = "csv", "xlsx"
CONTENT_TYPES = {CSV: "text/csv", XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
# Rows are read, serialized and written this many at a time (and each prefetch runs once per chunk).
CHUNK_ROWS = 2000
# An Excel sheet holds 1,048,576 rows, the header included.
XLSX_MAX_ROWS = 1_048_575

# How a column's value is written.
VALUE, DATE, DATETIME, BOOLEAN, COUNT, JOINED = "value", "date", "datetime", "boolean", "count", "joined"



@dataclasses.dataclass(frozen=True)
class Column:
    """One column of an export: its header, and where its value is in the list serializer's row."""

    label: str  # a lazy translation
    path: str  # dotted, into the serialized row: "village.name"
    kind: str = VALUE
    choices: tuple = ()  # (value, lazy label) pairs: the value is written as its label
    blank: str = ""  # written for a missing value or an empty list, such as _("Whole city")


def place_columns(village="village", town="town", county="county"):
    """The code and name of a row's village, town and county-level unit, as the list nests them."""
    columns = []
    if village:
        columns += [Column(_("Village code"), f"{village}.code"), Column(_("Village"), f"{village}.name")]
    return (
        *columns,
        Column(_("Town code"), f"{town}.code"), Column(_("Town"), f"{town}.name"),
        Column(_("County-level unit code"), f"{county}.code"), Column(_("County-level unit"), f"{county}.name"),
    )


# --- request and refusal ------------------------------------------------------------------------------------

class ExportParams(serializers.Serializer):
    format = serializers.ChoiceField(
        choices=[(CSV, "CSV"), (XLSX, "Excel (xlsx)")], required=False, default=CSV,
        help_text=_("The file: csv (UTF-8 with a byte order mark; the default) or xlsx (an Excel workbook)."),
    )


class TooManyRows(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = _("Too many rows to export; narrow the filters.")
    default_code = "too_many_rows"


class ExportNegotiation(DefaultContentNegotiation):
    """The language from Accept-Language, as LanguageContentNegotiation picks it everywhere in the API,
    and always the view's one renderer (JSON) for whatever error it raises: `format` names the file,
    not a renderer, and no Accept header can refuse the file (406)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        activate_request_language(request)
        return renderers[0], renderers[0].media_type


def export_format(request):
    """The format asked for; 400 naming `format` for anything but csv or xlsx."""
    params = ExportParams(data=request.query_params)
    params.is_valid(raise_exception=True)
    return params.validated_data["format"]


def check_row_count(count, fmt):
    """422 when more rows match than an export may hold."""
    limit = settings.TEPAI_EXPORT_MAX_ROWS if fmt == CSV else min(settings.TEPAI_EXPORT_MAX_ROWS, XLSX_MAX_ROWS)
    if count > limit:
        raise TooManyRows(
            _("%(count)d rows match, more than the %(limit)d an export may hold; narrow the filters.") % {"count": count, "limit": limit}
        )


_FILE = OpenApiResponse(
    OpenApiTypes.BINARY,
    description=_("The file: CSV for format=csv (UTF-8 with a byte order mark), an Excel workbook for format=xlsx; "
                  "an attachment named in the request's language."),
)
EXPORT_RESPONSES = {
    (200, CONTENT_TYPES[CSV]): _FILE,
    (200, CONTENT_TYPES[XLSX]): _FILE,
    # In the one error shape that api.schema adds to every operation.
    422: OpenApiResponse(
        {"$ref": "#/components/schemas/Error"},
        description=_("More rows match than TEPAI_EXPORT_MAX_ROWS; the message says how many."),
    ),
}
EXPORT_DESCRIPTION = _(
    "The whole filtered list as one file (not a page): the list's own filters, search and ordering, and its scope. "
    "Errors answer JSON whatever the format."
)


# --- writing -------------------------------------------------------------------------------------------------

def _at(row, path):
    for key in path.split("."):
        if row is None:
            return None
        row = row.get(key)
    return row


def _converter(column):
    """The column's header in the active language and a function from a serialized row to its cell's value.

    Everything translated is read here, once, in the request's language: the rows of a CSV are
    written after the view has returned, when the language may be another.
    """
    blank = str(column.blank) if column.blank else None
    labels = {value: str(label) for value, label in column.choices}
    yes, no = str(_("Yes")), str(_("No"))
    path, kind = column.path, column.kind

    def value(row):
        found = _at(row, path)
        if kind == COUNT:
            return len(found or ())
        if kind == JOINED:
            found = ", ".join(str(item) for item in found) if found else None
        if found is None or found == "":
            return blank
        if labels:
            return labels.get(found, found)
        if kind == BOOLEAN:
            return yes if found else no
        if kind == DATE:
            return datetime.date.fromisoformat(found)
        if kind == DATETIME:
            # The serializer writes the current time zone's offset; Excel has no time zones.
            return datetime.datetime.fromisoformat(found).replace(tzinfo=None)
        return found

    return str(column.label), value


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, str):
        return csv_text(value)
    return value


class _Line:
    """csv.writer's file: hands back each line instead of keeping it."""

    def write(self, line):
        return line


def _csv_body(headers, lines):
    writer = csv.writer(_Line())
    yield ("\ufeff" + writer.writerow(headers)).encode()
    chunk = []
    for line in lines:
        chunk.append(writer.writerow([_csv_cell(value) for value in line]))
        if len(chunk) == CHUNK_ROWS:
            yield "".join(chunk).encode()
            chunk = []
    if chunk:
        yield "".join(chunk).encode()


def _width(text):
    # CJK characters take about two columns.
    return sum(2 if ord(char) > 0x2E80 else 1 for char in text)


def _xlsx_file(title, headers, kinds, lines):
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_title(title))
    sheet.freeze_panes = "A2"
    # Widths and the frozen header must be set before the first row is written.
    for index, (header, kind) in enumerate(zip(headers, kinds, strict=True), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(_width(header) + 2, 20 if kind == DATETIME else 12)
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for line in lines:
        sheet.append([xlsx_value(sheet, value) for value in line])
    out = tempfile.TemporaryFile()
    book.save(out)
    out.seek(0)
    return out


def _content_disposition(title, day, fmt):
    """An ASCII file name for old clients and the translated one (RFC 5987) for the rest; `title` is lazy."""
    with translation.override("en"):
        ascii_name = slugify(str(title)) or "export"
    name = f"{title}-{day.isoformat()}.{fmt}"
    return f"attachment; filename=\"{ascii_name}-{day.isoformat()}.{fmt}\"; filename*=UTF-8''{quote(name)}"


def export_response(*, fmt, title, day, columns, rows, serializer):
    """The file of `rows` (objects, or dicts, that `serializer` reads), one line per row with `columns`.

    A CSV is streamed: the rows are read and serialized while it is sent. A workbook is written in full first.
    """
    bound = [_converter(column) for column in columns]
    headers = [header for header, _value in bound]
    values = [value for _header, value in bound]

    def lines():
        for row in rows:
            data = serializer.to_representation(row)
            yield [value(data) for value in values]

    if fmt == XLSX:
        response = FileResponse(_xlsx_file(str(title), headers, [column.kind for column in columns], lines()), content_type=CONTENT_TYPES[XLSX])
    else:
        response = StreamingHttpResponse(_csv_body(headers, lines()), content_type=f"{CONTENT_TYPES[CSV]}; charset=utf-8")
    response["Content-Disposition"] = _content_disposition(title, day, fmt)
    return response


def chunked(queryset):
    """The rows of a queryset a chunk at a time, its prefetches made once per chunk."""
    return queryset.iterator(chunk_size=CHUNK_ROWS)


# --- the viewset mixin ---------------------------------------------------------------------------------------

class ExportMixin:
    """`GET export/`: the list as a CSV or Excel file. Set `export_columns`; the file is named after the model."""

    export_columns = ()

    @extend_schema(parameters=[ExportParams], responses=EXPORT_RESPONSES, filters=True, description=EXPORT_DESCRIPTION)
    @action(detail=False, methods=["get"], renderer_classes=[JSONRenderer], content_negotiation_class=ExportNegotiation)
    def export(self, request, *args, **kwargs):
        fmt = export_format(request)
        rows = self.filter_queryset(self.get_queryset())
        check_row_count(rows.count(), fmt)
        limit = settings.TEPAI_EXPORT_MAX_ROWS
        return export_response(
            fmt=fmt, title=capfirst(rows.model._meta.verbose_name_plural), day=timezone.localdate(),
            columns=self.export_columns, rows=chunked(rows[:limit]), serializer=self.get_serializer(),
        )
