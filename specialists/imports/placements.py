"""Imports of placements: specialists to villages ("village_assignments") and teams to key industries
("industry_assignments"), one row per assignment, and what both share with the teams' import: finding
the specialists a row names, reading days, and running the writes a plan decided on.

Both kinds find what rows name and never create it: a specialist by ID number or mobile (import the
specialists first), a team by name (import the teams first). Every write goes through the
assignments' services (specialists.assignments.services), so that an import obeys the rules the
API, the pages and the admin obey; a service's refusal becomes a row error naming the column.

A place limited to a division (a coordinator's city or county-level unit) names only the
specialists and teams it already manages, as the API's assignments do
(specialists.assignments.selectors.assignable_specialists_for): a specialist's first assignment in a
division is made by a coordinator above it.
"""

import dataclasses
import datetime
import re

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from specialists.access.scope import in_place
from specialists.assignments.models import IndustryAssignment, VillageAssignment
from specialists.assignments.services import (
    check_may_end_industry_assignment,
    industry_assignment_check,
    industry_assignment_create,
    industry_assignment_end,
    village_assignment_create,
    village_assignment_end,
)
from specialists.people.models import Specialist, Team
from villages.errors import DomainError
from villages.imports import kinds
from villages.imports.files import CSV, XLSX
from villages.imports.matching import VillageFinder, core, given_text, offer
from villages.imports.plans import CREATE, UNCHANGED, UPDATE, Change, Plan
from villages.imports.tables import Column, read_table
from villages.models import County, Industry
from villages.places import ALL, CITY, COUNTY, PROVINCE, within

PROGRESS_EVERY = 50
# Places whose coordinators import assignments: the whole deployment, a province, a city, a unit.
ASSIGNING_LEVELS = (ALL, PROVINCE, CITY, COUNTY)


# --- what the kinds share -------------------------------------------------------------------------

NAME = Column("name", "姓名", aliases=("成员姓名", "特派员姓名", "科技特派员"), help=gettext_lazy("The specialist's name, checked against the one stored."))
ID_NUMBER = Column("id_number", "身份证号", aliases=("身份证号码", "身份证", "公民身份号码"),
                   help=gettext_lazy("The specialist's 18-character ID number: give it or the mobile."))
MOBILE = Column("mobile", "手机", aliases=("手机号", "手机号码", "联系电话", "电话"), help=gettext_lazy("The specialist's mobile: give it or the ID number."))


class Table:
    """A read table with the file's own headers, for problems that name the column as the user sees it."""

    def __init__(self, upload, columns, options):
        self.columns = {column.key: column for column in columns}
        self.table = read_table(upload, columns, encoding=(options or {}).get("encoding") or None)
        self.rows = self.table.rows

    def header(self, key):
        return self.table.headers.get(key) or self.columns[key].header

    def start(self, plan):
        """The plan with the file's own problems, and a note on the headers no column takes."""
        plan.rows = len(self.rows)
        for problem in self.table.problems:
            plan.refuse(problem.row, problem.column, problem.message)
        if self.table.ignored:
            plan.note(_("Columns this import does not read were left as they are: %(headers)s.") % {"headers": "、".join(self.table.ignored)})
        return plan


def normal_id_number(text):
    return re.sub(r"\s+", "", text or "").upper()


def normal_mobile(text):
    digits = re.sub(r"[\s\-]", "", text or "")
    return digits[3:] if digits.startswith("+86") else digits


class Specialists:
    """The specialists the rows of one import name, by ID number or mobile, loaded in one query (two
    where the place is limited: which of them it manages)."""

    def __init__(self, rows, place):
        ids = {normal_id_number(values.get("id_number")) for _number, values in rows} - {""}
        mobiles = {normal_mobile(values.get("mobile")) for _number, values in rows} - {""}
        found = list(Specialist.objects.filter(Q(id_number__in=ids) | Q(mobile__in=mobiles))) if ids or mobiles else []
        self.by_id = {s.id_number: s for s in found if s.id_number}
        self.by_mobile = {s.mobile: s for s in found}
        self.place = place
        if place.is_everywhere or not found:
            self.managed = {s.pk for s in found}
        else:
            self.managed = set(in_place(Specialist.objects.filter(pk__in=[s.pk for s in found]), place).values_list("pk", flat=True))

    def find(self, values, plan, number, table):
        """The specialist the row names, or None with the row refused."""
        id_number, mobile = normal_id_number(values.get("id_number")), normal_mobile(values.get("mobile"))
        name = (values.get("name") or "").strip()
        if not id_number and not mobile:
            plan.refuse(number, table.header("id_number") if "id_number" in table.columns else "",
                        _("Give the specialist's ID number or mobile."))
            return None
        by_id = self.by_id.get(id_number) if id_number else None
        by_mobile = self.by_mobile.get(mobile) if mobile else None
        if by_id and by_mobile and by_id != by_mobile:
            plan.refuse(number, table.header("mobile"), _("The ID number is %(first)s's and the mobile %(second)s's.") % {
                "first": by_id.name, "second": by_mobile.name})
            return None
        specialist = by_id or by_mobile
        if specialist is None:
            column = table.header("id_number") if id_number else table.header("mobile")
            plan.refuse(number, column, _("No specialist has the ID number or mobile %(given)s: import the specialists first.") % {
                "given": id_number or mobile})
            return None
        if name and name != specialist.name:
            plan.refuse(number, table.header("name"), _("The ID number or mobile is %(stored)s's, not %(given)s's.") % {
                "stored": specialist.name, "given": name})
            return None
        if specialist.pk not in self.managed:
            plan.refuse(number, table.header("name"), _(
                "%(name)s is not yet assigned in %(place)s: a specialist's first assignment here is made by a coordinator above it.")
                % {"name": specialist.name, "place": self.place.name})
            return None
        return specialist


_DAY = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")


def parse_day(text):
    """A day as people type it (2023-03-01, 2023/3/1, 2023.3.1, 2023年3月1日); None for blank; ValueError otherwise."""
    text = (text or "").strip()
    if not text:
        return None
    if " " in text and _DAY.match(text.split(" ")[0]):
        text = text.split(" ")[0]  # a date-time cell at midnight
    match = _DAY.match(text)
    if match is None:
        raise ValueError(text)
    return datetime.date(*(int(part) for part in match.groups()))


def read_day(values, key, plan, number, table):
    """(day, ok): the row's day in `key` (None when blank); a day that cannot be read refuses the row."""
    try:
        return parse_day(values.get(key)), True
    except ValueError:
        plan.refuse(number, table.header(key), _("%(text)s is not a day: write it as 2023-03-01.") % {"text": values.get(key)})
        return None, False


def refusal_messages(error):
    """{field: [messages]} of a service's refusal (ValidationError by field, or a DomainError)."""
    if isinstance(error, ValidationError):
        if hasattr(error, "error_dict"):
            return {field: [str(m) for e in errors for m in e.messages] for field, errors in error.error_dict.items()}
        return {NON_FIELD_ERRORS: [str(m) for m in error.messages]}
    return {getattr(error, "field", None) or NON_FIELD_ERRORS: [str(error)]}


def refuse_error(plan, number, error, columns):
    """Each message of a service's refusal as a problem of the row, in the column its field reads from
    (`columns`: {field: header}, with NON_FIELD_ERRORS for a rule of the whole row)."""
    for field, messages in refusal_messages(error).items():
        column = columns.get(field) or columns.get(NON_FIELD_ERRORS, "")
        for message in messages:
            plan.refuse(number, column, message)


@dataclasses.dataclass
class Write:
    """A write a plan decided on, run by commit: `run()` through a service; `columns` map its refusal."""

    row: int
    run: object
    columns: dict


def run_writes(plan, writes, progress):
    """Run the writes (the caller holds the transaction); any refusal is a row error and the whole
    import is refused (ImportRefused), so that the caller's transaction writes nothing."""
    total = len(writes)
    for done, write in enumerate(writes, start=1):
        try:
            write.run()
        except (ValidationError, DomainError) as error:
            refuse_error(plan, write.row, error, write.columns)
        if progress is not None and (done % PROGRESS_EVERY == 0 or done == total):
            progress(done, total)
    if progress is not None and not total:
        progress(0, 0)
    plan.raise_if_refused()
    return plan


def _options(options):
    return dict(options or {})


# --- village assignments --------------------------------------------------------------------------


def _default_start(options, plan):
    """The start of rows that give none: the start_date option, or 1 January of this year."""
    given = options.get("start_date")
    if isinstance(given, datetime.date):
        return given
    if given:
        try:
            day = parse_day(str(given))
        except ValueError:
            day = None
        if day is None:
            plan.refuse(None, "start_date", _("The start_date option %(text)s is not a day: write it as 2023-03-01.") % {"text": given})
        else:
            return day
    return datetime.date(timezone.localdate().year, 1, 1)


class ReadThenWrite:
    """A kind whose `_read(upload, place, options)` gives both the plan and the writes it would make:
    plan shows the one, commit runs the other when nothing is refused."""

    def plan(self, upload, *, place, options=None):
        return self._read(upload, place, options)[0]

    def commit(self, upload, *, place, options=None, progress=None):
        plan, writes = self._read(upload, place, options)
        plan.raise_if_refused()
        return run_writes(plan, writes, progress)


class Placements(ReadThenWrite):
    """Who serves where: any coordinator, at their place (the services keep a county coordinator to their unit)."""

    def allowed(self, place):
        return place.level in ASSIGNING_LEVELS

    def _begin(self, upload, options):
        """The options read, the sheet, and the plan its header problems start."""
        options = _options(options)
        table = Table(upload, self.columns, options)
        return options, table, table.start(Plan(self.name))


class VillageAssignments(Placements):
    """Specialists to villages: one row per assignment. The bureau's roster sheet, which the
    "specialists" kind reads too, imports here as its assignments: only these columns are read."""

    name = "village_assignments"
    label = gettext_lazy("Village assignments")
    formats = (XLSX, CSV)
    columns = (
        NAME, ID_NUMBER, MOBILE,
        Column("county", "派驻县区", aliases=("县区", "服务县区", "县（区）"), help=gettext_lazy("The village's county-level unit.")),
        Column("town", "派驻乡镇", aliases=("乡镇", "乡镇（街道）", "服务乡镇"), help=gettext_lazy("The village's town.")),
        Column("village", "派驻村", aliases=("村", "服务村", "行政村"), help=gettext_lazy("The village's name: give it with its unit and town, or give the code.")),
        Column("code", "村代码", aliases=("行政村代码", "村级代码", "区划代码"), help=gettext_lazy("The village's 12-digit division code; when given, the names are not read.")),
        Column("start_date", "开始日期", aliases=("派驻日期", "起始日期", "派驻时间"), help=gettext_lazy("The first day (2023-03-01); blank: the start_date option, or 1 January of this year.")),
        Column("end_date", "结束日期", aliases=("截止日期",), help=gettext_lazy("The last day: given for a running assignment, it ends it.")),
        Column("note", "备注", help=gettext_lazy("A note on the assignment.")),
    )
    options = {
        "encoding": gettext_lazy("The CSV file's encoding (read from the file when not given)"),
        "start_date": gettext_lazy("The start date of rows without one (default: 1 January of this year)"),
        "villages": gettext_lazy("Villages confirmed for names that matched none exactly: {given text: village code}"),
    }

    def _read(self, upload, place, options):
        options, table, plan = self._begin(upload, options)
        writes = []
        if not table.rows:
            return plan, writes
        default_start = _default_start(options, plan)
        specialists = Specialists(table.rows, place)
        finder = VillageFinder(place, options.get("villages"))
        # Every stored assignment of the specialists the file names, in one query.
        stored = {}
        known = list({s.pk for s in [*specialists.by_id.values(), *specialists.by_mobile.values()]})
        for assignment in VillageAssignment.objects.filter(specialist_id__in=known).order_by("start_date", "id"):
            stored.setdefault((assignment.specialist_id, assignment.village_id), []).append(assignment)
        planned = {}  # (specialist, village) -> [(row, start, end)] new in this file
        columns = {"specialist": table.header("name"), "village": table.header("village") if "village" in table.table.headers else table.header("code"),
                   "start_date": table.header("start_date"), "end_date": table.header("end_date"), "note": table.header("note")}
        columns[NON_FIELD_ERRORS] = columns["start_date"]
        for number, values in table.rows:
            specialist = specialists.find(values, plan, number, table)
            village = self._village(finder, values, plan, number, table)
            start, start_ok = read_day(values, "start_date", plan, number, table)
            end, end_ok = read_day(values, "end_date", plan, number, table)
            if specialist is None or village is None or not (start_ok and end_ok):
                continue
            note = (values.get("note") or "").strip()
            key = (specialist.pk, village.pk)
            label = f"{specialist.name} → {village.name}"
            change_key = f"{specialist.id_number or specialist.mobile}/{village.code}"
            current = self._match(stored.get(key, []), start, end)
            if current is not None:
                self._against_stored(plan, writes, number, current, start, end, note, label, change_key, columns, table)
                continue
            start = start or default_start
            if end is not None and end < start:
                plan.refuse(number, columns["end_date"], _("The end date must not be before the start date."))
                continue
            clash = next(((row, s, e) for row, s, e in planned.get(key, []) if _meets(s, e, start, end)), None)
            if clash is not None:
                plan.refuse(number, columns["start_date"], _("Row %(row)s assigns %(name)s to %(village)s on overlapping days.") % {
                    "row": clash[0], "name": specialist.name, "village": village.name})
                continue
            candidate = VillageAssignment(specialist=specialist, village=village, start_date=start, end_date=end, note=note)
            try:
                # The model's own rules (days, order, overlap with the stored ones), as the service runs them.
                candidate.full_clean(exclude=["specialist", "village"])
            except ValidationError as error:
                refuse_error(plan, number, error, columns)
                continue
            planned.setdefault(key, []).append((number, start, end))
            plan.add(Change(CREATE, "village assignment", change_key, label, number,
                            {"start_date": [None, start], "end_date": [None, end]}))
            writes.append(Write(number, _creator(specialist, village, start, end, note), columns))
        return plan, writes

    @staticmethod
    def _village(finder, values, plan, number, table):
        code = values.get("code") or ""
        county, town, name = values.get("county") or "", values.get("town") or "", values.get("village") or ""
        found = finder.find(code=code, county=county, town=town, village=name)
        if found.village is not None:
            return found.village
        column = table.header("code") if code.strip() or not name.strip() and "code" in table.table.headers else table.header("village")
        plan.refuse(number, column, found.message)
        offer(plan, number, given_text(county, town, name), found)
        return None

    @staticmethod
    def _match(assignments, start, end):
        """The stored assignment a row means: the one starting on its start date, else one running
        over its days (a row without a start date: the one running now, or the latest)."""
        if start is not None:
            same = next((a for a in assignments if a.start_date == start), None)
            if same is not None:
                return same
            return next((a for a in assignments if _meets(a.start_date, a.end_date, start, end)), None)
        today = timezone.localdate()
        running = [a for a in assignments if a.end_date is None or a.end_date >= today]
        return running[-1] if running else None

    @staticmethod
    def _against_stored(plan, writes, number, current, start, end, note, label, change_key, columns, table):
        fields = {}
        if end is not None and end != current.end_date:
            if current.end_date is not None:
                plan.refuse(number, columns["end_date"], _(
                    "This assignment already ends on %(day)s: move its end in Tepai (extend it), not by an import.")
                    % {"day": current.end_date.isoformat()})
                return
            if end < current.start_date:
                plan.refuse(number, columns["end_date"], _("The end date must not be before the start date (%(day)s).") % {
                    "day": current.start_date.isoformat()})
                return
            fields["end_date"] = [None, end]
            writes.append(Write(number, _ender(current, end), columns))
        if note and note != current.note:
            fields["note"] = [current.note, note]
            writes.append(Write(number, _noter(current, note), columns))
        plan.add(Change(UPDATE if fields else UNCHANGED, "village assignment", change_key, label, number, fields))

    def export_rows(self, place):
        rows = in_place(VillageAssignment.objects.select_related("specialist", "village__town__county"), place).defer(
            "village__boundary", "village__town__boundary", "village__town__county__boundary",
        ).order_by("specialist__name", "specialist_id", "start_date", "id")
        for a in rows:
            village = a.village
            yield {"name": a.specialist.name, "id_number": a.specialist.id_number, "mobile": a.specialist.mobile,
                   "county": village.town.county.name, "town": village.town.name, "village": village.name, "code": village.code,
                   "start_date": a.start_date.isoformat(), "end_date": a.end_date.isoformat() if a.end_date else "", "note": a.note}


def _meets(start, end, other_start, other_end):
    """Whether [start, end] and [other_start, other_end] share a day (None: open; other_start None: any)."""
    if other_start is None:
        return end is None
    return (end is None or end >= other_start) and (other_end is None or start <= other_end)


def _creator(specialist, village, start, end, note):
    return lambda: village_assignment_create(specialist=specialist, village=village, start_date=start, end_date=end, note=note)


def _ender(assignment, end):
    return lambda: village_assignment_end(assignment=assignment, end_date=end)


def _noter(assignment, note):
    def write():
        # A note is the assignment's own field, without a rule: saved as it is.
        assignment.note = note
        assignment.full_clean(exclude=["specialist", "village"])
        assignment.save(update_fields=["note"])
    return write


# --- industry assignments -------------------------------------------------------------------------


_SEPARATORS = re.compile(r"[、,，;；/\s]+")


class IndustryAssignments(Placements):
    """Teams to key industries: one row per assignment, city-wide (no units) or in named units."""

    name = "industry_assignments"
    label = gettext_lazy("Industry assignments")
    formats = (XLSX, CSV)
    columns = (
        Column("team", "特派团名称", aliases=("所属特派团", "团队名称", "特派团"), required=True, help=gettext_lazy("The team's name, as stored.")),
        Column("industry", "服务产业", aliases=("重点产业", "产业"), required=True, help=gettext_lazy("The key industry's name in its city.")),
        Column("counties", "服务县区", aliases=("县区",), help=gettext_lazy("County-level units separated by 、 or a comma; blank: the whole city.")),
        Column("start_date", "开始日期", aliases=("起始日期",), help=gettext_lazy("The first day (2023-03-01); blank: the start_date option, or 1 January of this year.")),
        Column("end_date", "结束日期", aliases=("截止日期",), help=gettext_lazy("The last day: given for a running assignment, it ends it.")),
    )
    options = {key: label for key, label in VillageAssignments.options.items() if key != "villages"}

    def _read(self, upload, place, options):
        options, table, plan = self._begin(upload, options)
        writes = []
        if not table.rows:
            return plan, writes
        default_start = _default_start(options, plan)
        by = place  # the services' county-coordinator limits hold at the import's place
        names = {(values.get("team") or "").strip() for _n, values in table.rows}
        teams = Team.objects.filter(name__in=names)
        if not place.is_everywhere:
            teams = in_place(teams, place)
        teams = {team.name: team for team in teams}
        unseen = set(Team.objects.filter(name__in=names - set(teams)).values_list("name", flat=True)) if len(teams) < len(names) else set()
        industries = {}
        for industry in (Industry.objects.filter(within("city", CITY, place, wider_rows=True)).select_related("city")
                         .prefetch_related(Prefetch("key_counties", queryset=County.objects.only("pk")))):
            industries.setdefault(industry.name, []).append(industry)
        counties = {}
        for county in County.objects.filter(city_id__in={i.city_id for found in industries.values() for i in found}).defer("boundary"):
            counties.setdefault(county.city_id, []).append(county)
        stored = {}
        for assignment in (IndustryAssignment.objects.filter(team__in=teams.values()).order_by("start_date", "id")
                           .prefetch_related(Prefetch("counties", queryset=County.objects.only("pk", "name", "code")))):
            stored.setdefault((assignment.team_id, assignment.industry_id), []).append(assignment)
        columns = {"team": table.header("team"), "industry": table.header("industry"), "counties": table.header("counties"),
                   "start_date": table.header("start_date"), "end_date": table.header("end_date")}
        columns[NON_FIELD_ERRORS] = columns["team"]
        planned = {}
        for number, values in table.rows:
            team_name = (values.get("team") or "").strip()
            team = teams.get(team_name)
            if team is None:
                plan.refuse(number, columns["team"], (
                    _("The team %(name)s is outside %(place)s.") % {"name": team_name, "place": place.name} if team_name in unseen
                    else _("No team is named %(name)s: import the teams first.") % {"name": team_name}))
            industry, units = self._industry(industries, counties, values, plan, number, columns)
            start, start_ok = read_day(values, "start_date", plan, number, table)
            end, end_ok = read_day(values, "end_date", plan, number, table)
            if team is None or industry is None or not (start_ok and end_ok):
                continue
            label = f"{team.name} → {industry.name}"
            change_key = f"{team.name}/{industry.name}"
            current = VillageAssignments._match(stored.get((team.pk, industry.pk), []), start, end)
            if current is not None:
                stored_units = {c.pk for c in current.counties.all()}
                if stored_units != {c.pk for c in units}:
                    plan.refuse(number, columns["counties"], _(
                        "%(team)s already serves %(industry)s from %(day)s in %(units)s: end that assignment first.") % {
                        "team": team.name, "industry": industry.name, "day": current.start_date.isoformat(),
                        "units": "、".join(c.name for c in current.counties.all()) or _("the whole city")})
                    continue
                if end is None or end == current.end_date:
                    plan.add(Change(UNCHANGED, "industry assignment", change_key, label, number))
                    continue
                if current.end_date is not None:
                    plan.refuse(number, columns["end_date"], _(
                        "This assignment already ends on %(day)s: move its end in Tepai, not by an import.") % {"day": current.end_date.isoformat()})
                    continue
                try:
                    check_may_end_industry_assignment(by=by, assignment=current)
                    ended = IndustryAssignment(team=team, industry=industry, start_date=current.start_date, end_date=end)
                    ended.clean()
                except (ValidationError, DomainError) as error:
                    refuse_error(plan, number, error, columns)
                    continue
                plan.add(Change(UPDATE, "industry assignment", change_key, label, number, {"end_date": [None, end]}))
                writes.append(Write(number, _industry_ender(by, current, end), columns))
                continue
            start = start or default_start
            key = (team.pk, industry.pk)
            clash = next((row for row, s, e in planned.get(key, []) if _meets(s, e, start, end)), None)
            if clash is not None:
                plan.refuse(number, columns["start_date"], _("Row %(row)s assigns %(team)s to %(industry)s on overlapping days.") % {
                    "row": clash, "team": team.name, "industry": industry.name})
                continue
            try:
                industry_assignment_check(by=by, team=team, industry=industry, counties=units, start_date=start, end_date=end)
            except (ValidationError, DomainError) as error:
                refuse_error(plan, number, error, columns)
                continue
            planned.setdefault(key, []).append((number, start, end))
            plan.add(Change(CREATE, "industry assignment", change_key, label, number, {
                "counties": [None, "、".join(c.name for c in units) or str(_("the whole city"))],
                "start_date": [None, start], "end_date": [None, end]}))
            writes.append(Write(number, _industry_creator(by, team, industry, units, start, end), columns))
        return plan, writes

    @staticmethod
    def _industry(industries, counties, values, plan, number, columns):
        """(industry, [county-level units]) the row names, or (None, []) with the row refused."""
        name = (values.get("industry") or "").strip()
        given = [part for part in _SEPARATORS.split(values.get("counties") or "") if part]
        found = industries.get(name, [])
        if not found:
            plan.refuse(number, columns["industry"], _("No key industry is named %(name)s here.") % {"name": name})
            return None, []
        if len(found) > 1:
            # The same name in several cities (a province's import): the units named tell which.
            found = [i for i in found if given and all(_unit(counties.get(i.city_id, []), part) for part in given)]
            if len(found) != 1:
                plan.refuse(number, columns["industry"], _("Several cities have a key industry named %(name)s: name its county-level units.")
                            % {"name": name})
                return None, []
        industry = found[0]
        units, unknown = [], []
        for part in given:
            unit = _unit(counties.get(industry.city_id, []), part)
            if unit is None:
                unknown.append(part)
            elif unit not in units:
                units.append(unit)
        if unknown:
            plan.refuse(number, columns["counties"], _("%(city)s has no county-level unit named %(names)s.") % {
                "city": industry.city.name, "names": "、".join(unknown)})
            return None, []
        return industry, units

    def export_rows(self, place):
        rows = in_place(IndustryAssignment.objects.select_related("team", "industry"), place).prefetch_related(
            Prefetch("counties", queryset=County.objects.only("pk", "name", "code").order_by("code")),
        ).order_by("team__name", "industry__name", "start_date", "id")
        for a in rows:
            yield {"team": a.team.name, "industry": a.industry.name, "counties": "、".join(c.name for c in a.counties.all()),
                   "start_date": a.start_date.isoformat(), "end_date": a.end_date.isoformat() if a.end_date else ""}


def _unit(units, text):
    """The county-level unit `text` names among `units`: by code, name, or name without its suffix."""
    return next((u for u in units if text in (u.code, u.name)), None) or next((u for u in units if core(u.name) == core(text)), None)


def _industry_creator(by, team, industry, units, start, end):
    return lambda: industry_assignment_create(by=by, team=team, industry=industry, counties=units, start_date=start, end_date=end)


def _industry_ender(by, assignment, end):
    return lambda: industry_assignment_end(by=by, assignment=assignment, end_date=end)


VILLAGE_ASSIGNMENTS = kinds.register(VillageAssignments())
INDUSTRY_ASSIGNMENTS = kinds.register(IndustryAssignments())
