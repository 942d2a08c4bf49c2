"""Coverage in the forms people take away: a Chinese text summary, CSV and an Excel workbook.

The command and, later, the API's exports share these, so every channel says the same thing.
"""

import csv
import io

from django.utils.translation import gettext as _


def _pct(rate):
    return f"{rate * 100:.1f}%"


def coverage_text(coverage) -> str:
    city = coverage.city
    lines = []
    scope = coverage.county.name if coverage.county else _("the whole city")
    lines.append(_("Dual coverage of %(scope)s as of %(date)s") % {"scope": scope, "date": coverage.as_of.isoformat()})
    lines.append("")
    lines.append(
        _("Administrative villages: %(covered)d of %(total)d covered (%(rate)s), %(uncovered)d uncovered, %(at_risk)d at risk")
        % {"covered": city.villages_covered, "total": city.villages_total, "rate": _pct(city.village_rate),
           "uncovered": city.villages_uncovered, "at_risk": city.villages_at_risk}
    )
    lines.append(
        _("Key industries: %(covered)d of %(total)d fully covered by teams (%(rate)s)")
        % {"covered": city.industries_covered, "total": city.industries_total, "rate": _pct(city.industry_rate)}
    )
    lines.append(_("Dual coverage holds.") if not coverage.has_gap else _("Dual coverage does NOT hold: see the gaps below."))
    lines.append("")
    header = [_("Code"), _("County-level unit"), _("Villages"), _("Covered"), _("Uncovered"), _("At risk"), _("Rate"), _("Industries covered")]
    rows = [header] + [
        [t.code, t.name, str(t.villages_total), str(t.villages_covered), str(t.villages_uncovered), str(t.villages_at_risk),
         _pct(t.village_rate), f"{t.industries_covered}/{t.industries_total}"]
        for t in coverage.counties
    ]
    lines.extend(_table(rows))
    if coverage.uncovered_villages:
        lines.append("")
        lines.append(_("Uncovered villages (%(count)d):") % {"count": len(coverage.uncovered_villages)})
        lines.extend(f"  {v['code']} {v['county']} {v['town']} {v['name']}" for v in coverage.uncovered_villages)
    if coverage.uncovered_industries:
        lines.append("")
        lines.append(_("Uncovered key industries (%(count)d):") % {"count": len(coverage.uncovered_industries)})
        lines.extend(f"  {p['industry']} · {p['county'] or _('city-wide')}" for p in coverage.uncovered_industries)
    if coverage.at_risk_villages:
        lines.append("")
        lines.append(_("Villages at risk: every serving assignment ends within %(days)d days (%(count)d):")
                     % {"days": coverage.at_risk_days, "count": len(coverage.at_risk_villages)})
        lines.extend(f"  {v['code']} {v['county']} {v['town']} {v['name']} · {v['last_end_date']}" for v in coverage.at_risk_villages)
    if coverage.overloaded_specialists:
        lines.append("")
        lines.append(_("Specialists serving more than %(max)d villages (%(count)d):")
                     % {"max": coverage.max_villages, "count": len(coverage.overloaded_specialists)})
        lines.extend(f"  {s['name']} · {s['villages']}" for s in coverage.overloaded_specialists)
    return "\n".join(lines) + "\n"


def _width(text):
    # CJK characters take two columns in a terminal.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _table(rows):
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell + " " * (w - _width(cell)) for cell, w in zip(row, widths)).rstrip() for row in rows]


AREA_COLUMNS = ["level", "code", "name", "county_code", "villages_total", "villages_covered", "villages_uncovered",
                "villages_at_risk", "village_rate", "industries_total", "industries_covered", "industry_rate"]


def _area_rows(coverage):
    data = coverage.as_dict()
    yield dict({"level": "total", "county_code": ""}, **{k: data[k] for k in ("villages_total", "villages_covered",
               "villages_uncovered", "village_rate", "industries_total", "industries_covered", "industry_rate")},
               code=coverage.city.code, name=coverage.city.name, villages_at_risk=coverage.city.villages_at_risk)
    for county in data["counties"]:
        yield dict(county, level="county", county_code=county["code"])
    for town in data["towns"]:
        yield dict(town, level="town")


def coverage_csv(coverage) -> str:
    """One row for the whole scope, one per county-level unit and one per town."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=AREA_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(_area_rows(coverage))
    return out.getvalue()


def coverage_xlsx(coverage) -> bytes:
    """A workbook: the area table, then one sheet per gap list."""
    from openpyxl import Workbook

    book = Workbook()
    areas = book.active
    areas.title = _("Coverage")
    areas.append(AREA_COLUMNS)
    for row in _area_rows(coverage):
        areas.append([row.get(column, "") for column in AREA_COLUMNS])
    sheets = [
        (_("Uncovered villages"), ["code", "name", "town", "county"], coverage.uncovered_villages),
        (_("Uncovered industries"), ["industry", "county", "county_code"], coverage.uncovered_industries),
        (_("Villages at risk"), ["code", "name", "town", "county", "last_end_date"], coverage.at_risk_villages),
        (_("Overloaded specialists"), ["name", "villages"], coverage.overloaded_specialists),
    ]
    for title, columns, rows in sheets:
        sheet = book.create_sheet(title)
        sheet.append(columns)
        for row in rows:
            sheet.append([row[c] for c in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
