"""A sheet kind's template and its export: the same columns, in the same order, with the same
headers, so that export, edit, import changes exactly what was edited.

The template is an .xlsx workbook: the header row (required columns marked in the explanation, not
in the header, so that the header reads back as itself), a drop-down list on every column with a
fixed set of values, and a second sheet that explains each column: what it holds, whether it is
required, and the other headers it is recognised by.
"""

import io

from django.utils.translation import gettext as _

from villages.spreadsheets import clean_text, sheet_title

_FIRST_DATA_ROW, _LAST_DATA_ROW = 2, 5000


def _workbook(kind, rows):
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title(str(kind.label))
    sheet.append([column.header for column in kind.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, column in enumerate(kind.columns, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = max(10, len(column.header) * 2 + 4)
        # Text columns stay text: an ID number typed into a number cell would lose its last digits.
        sheet.column_dimensions[letter].number_format = "@"
        if column.choices:
            listed = ",".join(str(choice) for choice in column.choices)
            if len(listed) <= 255:  # Excel's limit on an inline list
                check = DataValidation(type="list", formula1=f'"{listed}"', allow_blank=not column.required)
                check.error = _("Choose one of: %(choices)s") % {"choices": "、".join(map(str, column.choices))}
                check.showErrorMessage = True
                sheet.add_data_validation(check)
                check.add(f"{letter}{_FIRST_DATA_ROW}:{letter}{_LAST_DATA_ROW}")
    for values in rows:
        sheet.append([_value(values.get(column.key)) for column in kind.columns])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text typed by people is never written as a formula
    sheet.freeze_panes = "A2"

    notes = book.create_sheet(sheet_title(_("Columns")))
    notes.append([_("Column"), _("Required"), _("What it holds"), _("Also recognised as"), _("Allowed values")])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for column in kind.columns:
        notes.append([column.header, _("yes") if column.required else _("no"), str(column.help),
                      "、".join(column.aliases), "、".join(map(str, column.choices))])
    for letter, width in zip("ABCDE", (16, 8, 60, 30, 30)):
        notes.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _value(value):
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return clean_text(str(value))


def template_workbook(kind) -> bytes:
    """The kind's empty template, as .xlsx bytes."""
    return _workbook(kind, [])


def export_workbook(kind, rows) -> bytes:
    """Rows ({column key: value}) in the kind's columns, as .xlsx bytes that import back unchanged."""
    return _workbook(kind, rows)

