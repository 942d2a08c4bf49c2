"""Coverage in the forms people take away: a text summary, CSV and an Excel workbook.

Each reads the one shape of coverage (`Coverage.as_dict()`), which the API's summary and the
command's JSON are too, so every channel says the same thing; every cell goes through the one
spreadsheet guard (villages.spreadsheets).
"""

import csv
import io

from django.utils.translation import gettext as _

from villages.spreadsheets import csv_text, sheet_title, xlsx_value


def _pct(rate):
    return f"{rate * 100:.1f}%"


def coverage_text(coverage) -> str:
    data = coverage.as_dict()
    villages, industries = data["villages"], data["industries"]
    lines = [_("Dual coverage of %(scope)s as of %(date)s") % {"scope": data["place"]["name"] or _("all divisions"), "date": data["as_of"]}, ""]
    lines.append(
        _("Administrative villages: %(covered)d of %(total)d covered (%(rate)s), %(uncovered)d uncovered, %(at_risk)d at risk")
        % {"covered": villages["covered"], "total": villages["total"], "rate": _pct(villages["rate"]),
           "uncovered": villages["uncovered"], "at_risk": villages["at_risk"]}
    )
    lines.append(
        _("Key industries: %(covered)d of %(total)d fully covered by teams (%(rate)s)")
        % {"covered": industries["covered"], "total": industries["total"], "rate": _pct(industries["rate"])}
    )
    lines.append(_("Dual coverage holds.") if data["dual_coverage"] else _("Dual coverage does NOT hold: see the gaps below."))
    lines.append("")
    header = [_("Code"), _("County-level unit"), _("Villages"), _("Covered"), _("Uncovered"), _("At risk"), _("Rate"), _("Industries covered")]
    rows = [header] + [
        [c["code"], c["name"], str(c["villages"]["total"]), str(c["villages"]["covered"]), str(c["villages"]["uncovered"]),
         str(c["villages"]["at_risk"]), _pct(c["villages"]["rate"]), f"{c['industries']['covered']}/{c['industries']['total']}"]
        for c in data["counties"]
    ]
    lines.extend(_table(rows))
    if data["uncovered_villages"]:
        lines.append("")
        lines.append(_("Uncovered villages (%(count)d):") % {"count": len(data["uncovered_villages"])})
        lines.extend(f"  {v['code']} {v['county']} {v['town']} {v['name']}" for v in data["uncovered_villages"])
    if data["uncovered_industries"]:
        lines.append("")
        lines.append(_("Uncovered key industries (%(count)d):") % {"count": len(data["uncovered_industries"])})
        lines.extend(f"  {p['industry']} · {p['county'] or _('city-wide')}" for p in data["uncovered_industries"])
    if data["at_risk_villages"]:
        lines.append("")
        lines.append(_("Villages at risk: every serving assignment ends within %(days)d days (%(count)d):")
                     % {"days": data["at_risk_days"], "count": len(data["at_risk_villages"])})
        lines.extend(f"  {v['code']} {v['county']} {v['town']} {v['name']} · {v['last_end_date']}" for v in data["at_risk_villages"])
    if data["overloaded_specialists"]:
        lines.append("")
        lines.append(_("Specialists serving more than %(max)d villages (%(count)d):")
                     % {"max": data["max_villages_per_specialist"], "count": len(data["overloaded_specialists"])})
        lines.extend(f"  {s['name']} · {s['villages']}" for s in data["overloaded_specialists"])
    return "\n".join(lines) + "\n"


def _width(text):
    # CJK characters take two columns in a terminal.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _table(rows):
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell + " " * (w - _width(cell)) for cell, w in zip(row, widths)).rstrip() for row in rows]


AREA_COLUMNS = ["level", "code", "name", "parent_code", "villages_total", "villages_covered", "villages_uncovered",
                "villages_at_risk", "village_rate", "industries_total", "industries_covered", "industry_rate"]


def _area(level, code, name, parent, villages, industries=None):
    industries = industries or {"total": "", "covered": "", "rate": ""}
    return {"level": level, "code": code, "name": name, "parent_code": parent,
            "villages_total": villages["total"], "villages_covered": villages["covered"], "villages_uncovered": villages["uncovered"],
            "villages_at_risk": villages["at_risk"], "village_rate": villages["rate"],
            "industries_total": industries["total"], "industries_covered": industries["covered"], "industry_rate": industries["rate"]}


def _area_rows(data):
    place = data["place"]
    yield _area(place["level"], place["code"], place["name"], "", data["villages"], data["industries"])
    for city in data["cities"]:
        yield _area("city", city["code"], city["name"], "", city["villages"], city["industries"])
    for county in data["counties"]:
        yield _area("county", county["code"], county["name"], county["city"], county["villages"], county["industries"])
    for town in data["towns"]:
        yield _area("town", town["code"], town["name"], town["county"], town["villages"])


def coverage_csv(coverage) -> str:
    """One row for the place, one per city (of a province or wider), per county-level unit and per town."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(AREA_COLUMNS)
    for row in _area_rows(coverage.as_dict()):
        writer.writerow([csv_text(value) if isinstance(value, str) else value for value in (row[c] for c in AREA_COLUMNS)])
    return out.getvalue()


def coverage_xlsx(coverage) -> bytes:
    """A workbook: the area table, then one sheet per gap list."""
    from openpyxl import Workbook

    data = coverage.as_dict()
    book = Workbook(write_only=True)
    sheets = [
        (_("Coverage"), AREA_COLUMNS, list(_area_rows(data))),
        (_("Uncovered villages"), ["code", "name", "town", "county"], data["uncovered_villages"]),
        (_("Uncovered industries"), ["industry", "county", "county_code"], data["uncovered_industries"]),
        (_("Villages at risk"), ["code", "name", "town", "county", "last_end_date"], data["at_risk_villages"]),
        (_("Overloaded specialists"), ["name", "villages"], data["overloaded_specialists"]),
    ]
    for title, columns, rows in sheets:
        sheet = book.create_sheet(sheet_title(title))
        sheet.append(columns)
        for row in rows:
            sheet.append([xlsx_value(sheet, row[c]) for c in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
