"""The one guard for every cell Tepai writes to a CSV file or an Excel workbook.

A cell that starts with = + - @ (or a tab or carriage return) is run as a formula by a
spreadsheet that opens the file (CSV injection): names, descriptions and notes typed by people can
start that way. In a CSV such text gets a leading apostrophe, which spreadsheets hide; in a
workbook it is written as a string cell, never a formula. Control characters an xlsx file cannot
hold are dropped from both. Every writer (the API's exports, the coverage command's files) writes
text through here.
"""

import re

# Control characters other than tab and line breaks, which an xlsx file cannot hold.
_ILLEGAL = re.compile(r"[\000-\010\013\014\016-\037]")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_XLSX_ERROR_CODES = {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"}


def clean_text(value: str) -> str:
    return _ILLEGAL.sub("", value)


def csv_text(value: str) -> str:
    """Text as a CSV cell: cleaned, and with an apostrophe before anything a spreadsheet would run."""
    value = clean_text(value)
    return f"'{value}" if value.startswith(FORMULA_START) else value


def xlsx_value(sheet, value):
    """A value as an openpyxl (write-only) cell: text that would be read as a formula or an error code
    becomes an explicit string cell; numbers, dates and None pass as they are."""
    if not isinstance(value, str):
        return value
    value = clean_text(value)
    if value.startswith("=") or value in _XLSX_ERROR_CODES:
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value


def sheet_title(title: str) -> str:
    """A worksheet's name: without the characters Excel refuses there, at most 31 characters."""
    return re.sub(r"[\[\]:*?/\\]", " ", clean_text(str(title)))[:31] or "Sheet1"
