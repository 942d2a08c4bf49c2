"""Roster imports of people: dispatching organisations ("organisations") and specialists ("specialists").

Both follow villages.imports.kinds: `plan` reads the sheet and says what each row would do, writing
nothing; `commit` plans again and, when no row is refused, writes everything (the caller holds the
transaction). Everything either reads is loaded in bulk first (the specialists the file names, every
organisation, the key industries, the villages of each unit once), so a 975-row city roster costs a
fixed handful of queries, not some per row.

Cells. A column the sheet lacks leaves its field as stored; a blank cell in a column the sheet has
clears an optional field (title, political status, education, expertise) and leaves a required one
(kind, year selected) as stored. An organisation's credit code and kind are never cleared by a
blank: one specialist's row does not speak for everyone the organisation dispatches.

Specialists are matched by their natural key: the ID number for a person, else the mobile number (a
row with an ID number also finds a registered specialist of that mobile who has none yet). The ID
number decides the gender and the birth date (validators.identity): a 性别 or 出生日期 that disagrees
is a row error naming that column; left blank, they are read from it.

新派 / 延派 is checked, not stored: 延派 (an extension) needs the specialist registered already; 新派
of a registered specialist is only a note, since a specialist selected again after a gap is 新派 in
that year's roster.

The village columns (派驻县区, 派驻乡镇, 派驻村, 村代码) only place the row for scope: a county
coordinator's row must name a village of their own unit (a row of another unit is refused, never
skipped), a city's or province's rows that name a village must name one inside it. The assignment
to that village is the "village_assignments" kind's, which reads the same sheet.

A yearly roster (option `year`) is the whole list of that year's specialists of the place: an active
specialist of the place (assigned there on any date, as scope reads it) whom the file does not name
leaves at that year's end: committing ends their open assignments in the place on 31 December and,
unless they still serve elsewhere after it, marks them withdrawn from that day.
"""

import datetime
import re

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from specialists.access.scope import in_place
from specialists.assignments.models import VillageAssignment, running_q
from specialists.assignments.services import village_assignment_end
from specialists.people.models import Organisation, Specialist
from specialists.people.validators import identity, validate_credit_code, validate_id_number, validate_mobile
from villages.imports import kinds
from villages.imports.files import CSV, XLSX
from villages.imports.matching import VillageFinder, given_text, offer
from villages.imports.plans import CREATE, LEAVE, UNCHANGED, UPDATE, Change, Plan
from villages.imports.tables import Column, normal, read_table
from villages.models import Industry
from villages.places import CITY, COUNTY, TOWN

FORMULA_START = "="
_LIST_SPLIT = re.compile(r"[、,，;；/\s]+")
_BATCH = 500
# Headers of a sheet's own row numbers, which no import reads and no note need mention.
_ROW_NUMBERS = {"序号", "编号", "no", "no."}
# Expertise names listed in an "unknown industry" message; more are counted, not listed.
_LISTED_INDUSTRIES = 12

# The Chinese each enumeration is written in on rosters (the first is what exports and templates
# write), whatever the user's language; English labels and stored values are accepted too.
ORGANISATION_KINDS = {
    Organisation.Kind.UNIVERSITY: ("高等院校", "高校", "大学", "学院", "高等学校"),
    Organisation.Kind.INSTITUTE: ("科研院所", "科研院所（单位）", "研究所", "科研单位", "研究院"),
    Organisation.Kind.ENTERPRISE: ("企业", "公司"),
    Organisation.Kind.EXTENSION: ("农技推广机构", "农技推广", "农技站", "农技推广中心"),
    Organisation.Kind.OTHER: ("其他", "其它"),
}
SPECIALIST_KINDS = {
    Specialist.Kind.INDIVIDUAL: ("个人", "个人科技特派员", "自然人"),
    Specialist.Kind.CORPORATE: ("法人", "法人科技特派员", "单位"),
    Specialist.Kind.COLLEGE_STUDENT: ("大学生", "大学生科技特派员"),
}
GENDERS = {
    Specialist.Gender.MALE: ("男", "男性", "m"),
    Specialist.Gender.FEMALE: ("女", "女性", "f"),
}
POLITICAL_STATUSES = {
    Specialist.PoliticalStatus.CPC_MEMBER: ("中共党员", "党员", "中国共产党党员"),
    Specialist.PoliticalStatus.CPC_PROBATIONARY: ("中共预备党员", "预备党员"),
    Specialist.PoliticalStatus.CYL_MEMBER: ("共青团员", "团员"),
    Specialist.PoliticalStatus.DEMOCRATIC_PARTY: ("民主党派成员", "民主党派", "民革", "民盟", "民建", "民进", "农工党", "致公党", "九三学社", "台盟"),
    Specialist.PoliticalStatus.MASSES: ("群众", "无党派人士", "无党派"),
}
EDUCATIONS = {
    Specialist.Education.DOCTORATE: ("博士研究生", "博士", "博士研究生学历"),
    Specialist.Education.MASTER: ("硕士研究生", "硕士", "研究生"),
    Specialist.Education.BACHELOR: ("大学本科", "本科"),
    Specialist.Education.COLLEGE: ("大学专科", "专科", "大专"),
    Specialist.Education.SECONDARY: ("中专/高中", "中专", "高中", "中专及以下", "技校"),
    Specialist.Education.OTHER: ("其他", "其它", "初中", "初中及以下"),
}
NEW, EXTENDED = "新派", "延派"
DISPATCH_KINDS = {NEW: (NEW, "新选派", "new"), EXTENDED: (EXTENDED, "续派", "延续", "extended")}


def _first(names):
    return {value: texts[0] for value, texts in names.items()}


def _lookup(names, choices_class=None):
    """{normalised text: value} for a map of value -> Chinese texts, plus stored values and English labels."""
    table = {}
    for value, texts in names.items():
        for text in (*texts, value):
            table[normal(text)] = value
    if choices_class is not None:
        for value, label in choices_class.choices:
            table.setdefault(normal(label), value)
    return table


class _Enumeration:
    """One enumeration column: reads a cell into a stored value, or says which texts are allowed."""

    def __init__(self, names, choices_class=None):
        self.written = _first(names)
        self.table = _lookup(names, choices_class)

    @property
    def choices(self):
        return tuple(self.written.values())

    def read(self, text):
        return self.table.get(normal(text))

    def refusal(self, text):
        return _("%(value)s is not one of the allowed values: %(allowed)s.") % {"value": text, "allowed": "、".join(self.choices)}


ORGANISATION_KIND = _Enumeration(ORGANISATION_KINDS, Organisation.Kind)
SPECIALIST_KIND = _Enumeration(SPECIALIST_KINDS, Specialist.Kind)
GENDER = _Enumeration(GENDERS, Specialist.Gender)
POLITICAL_STATUS = _Enumeration(POLITICAL_STATUSES, Specialist.PoliticalStatus)
EDUCATION = _Enumeration(EDUCATIONS, Specialist.Education)
DISPATCH = _Enumeration(DISPATCH_KINDS)


def _not_a_value(text):
    return text.startswith(FORMULA_START)


def _formula_refusal():
    return _("This cell holds a formula, not a value: type the text itself.")


def _parse_date(text):
    text = text.strip()
    match = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+00:00(?::00)?)?", text) or re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text)
    if not match:
        return None
    try:
        return datetime.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def _year(text):
    match = re.fullmatch(r"(\d{4})\s*年?(度)?", text.strip())
    return int(match.group(1)) if match else None


def _mobile(text):
    digits = re.sub(r"[\s\-()（）]", "", text)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def _message(error):
    """A ValidationError's first message, in the user's language."""
    return next(iter(error.messages), str(error))


class _RowRefusals:
    """Collects a row's refusals so that one row can be refused for several columns at once."""

    def __init__(self, plan, number, headers, columns):
        self.plan, self.number, self.headers, self.columns, self.count = plan, number, headers, columns, 0

    def __call__(self, key, message):
        self.count += 1
        self.plan.refuse(self.number, self.headers.get(key) or self.columns[key].header, message)


class _Organisations:
    """Every dispatching organisation, by name and by credit code, and what this import asks of them.

    Organisations are few (one city's are a few hundred) and not scoped: a name is unique across the
    deployment, so a coordinator's roster must find another unit's 安徽农业大学 rather than make a second.
    """

    def __init__(self):
        self.stored = list(Organisation.objects.all())
        self.by_name = {o.name: o for o in self.stored}
        self.by_code = {o.credit_code: o for o in self.stored if o.credit_code}
        # key -> {"name", "credit_code", "kind", "row", "organisation" (stored or None), "rows" {field: row}}
        self.wanted = {}
        self._new_by_code = {}

    def resolve(self, refuse, *, name, code, kind, row, name_key, code_key, kind_key):
        """The key of the organisation a row names (matched by credit code, else by name), or None when refused."""
        if not name:
            refuse(name_key, _("A value is required."))
            return None
        if _not_a_value(name):
            refuse(name_key, _formula_refusal())
            return None
        if code:
            code = code.upper()
            try:
                validate_credit_code(code)
            except Exception as error:  # noqa: BLE001 (a ValidationError)
                refuse(code_key, _message(error))
                return None
        stored = self.by_code.get(code) if code else None
        if stored is None:
            stored = self.by_name.get(name)
            if stored is not None and code and stored.credit_code and stored.credit_code != code:
                refuse(code_key, _("%(name)s is registered with the credit code %(code)s.") % {"name": name, "code": stored.credit_code})
                return None
        elif stored.name != name and name in self.by_name:
            refuse(name_key, _("The credit code %(code)s is %(stored)s's, and another organisation is named %(name)s.") % {
                "code": code, "stored": stored.name, "name": name})
            return None
        if stored is None and code and self._new_by_code.setdefault(code, name) != name:
            refuse(code_key, _("The credit code %(code)s is given for %(other)s too.") % {"code": code, "other": self._new_by_code[code]})
            return None
        key = f"pk:{stored.pk}" if stored is not None else f"new:{name}"
        wanted = self.wanted.setdefault(key, {"organisation": stored, "name": name, "credit_code": None, "kind": None, "row": row, "rows": {}})
        if stored is not None and wanted["name"] != name:
            refuse(name_key, _("Row %(row)s names this organisation (credit code %(code)s) %(name)s.") % {
                "row": wanted["rows"].get("name", wanted["row"]), "code": code, "name": wanted["name"]})
            return None
        for field, value, column in (("credit_code", code, code_key), ("kind", kind, kind_key)):
            if not value:
                continue
            if wanted[field] is not None and wanted[field] != value:
                refuse(column, _("Row %(row)s gives this organisation another value here.") % {"row": wanted["rows"][field]})
                return None
            if wanted[field] is None:
                wanted[field], wanted["rows"][field] = value, row
        return key

    def changes(self, plan):
        """Adds a Change per organisation the import creates or changes (and counts the unchanged)."""
        for key, wanted in self.wanted.items():
            stored = wanted["organisation"]
            if stored is None:
                plan.add(Change(CREATE, "organisation", wanted["credit_code"] or wanted["name"], wanted["name"], wanted["row"],
                                {"name": [None, wanted["name"]], "credit_code": [None, wanted["credit_code"] or ""],
                                 "kind": [None, wanted["kind"] or Organisation.Kind.OTHER]}))
                continue
            fields = self.differences(key)
            plan.add(Change(UPDATE if fields else UNCHANGED, "organisation", stored.credit_code or stored.name, wanted["name"], wanted["row"], fields))

    def differences(self, key):
        wanted, stored = self.wanted[key], self.wanted[key]["organisation"]
        fields = {}
        for field in ("name", "credit_code", "kind"):
            if wanted[field] and wanted[field] != getattr(stored, field):
                fields[field] = [getattr(stored, field), wanted[field]]
        return fields

    def name_of(self, key):
        return self.wanted[key]["name"]

    def write(self):
        """Creates and updates the organisations; {key: Organisation}."""
        new = [Organisation(name=w["name"], credit_code=w["credit_code"] or "", kind=w["kind"] or Organisation.Kind.OTHER)
               for key, w in self.wanted.items() if w["organisation"] is None]
        for organisation in new:
            organisation.full_clean(validate_unique=False, validate_constraints=False)
        Organisation.objects.bulk_create(new)
        created = {f"new:{o.name}": o for o in new}
        out = {}
        for key, wanted in self.wanted.items():
            stored = wanted["organisation"]
            if stored is None:
                out[key] = created[key]
                continue
            fields = self.differences(key)
            if fields:
                for field, (_before, after) in fields.items():
                    setattr(stored, field, after)
                stored.full_clean(validate_unique=False, validate_constraints=False)
                stored.save(update_fields=list(fields))
            out[key] = stored
        return out


class _SheetKind:
    formats = (XLSX, CSV)
    columns = ()
    options = {"encoding": gettext_lazy("The CSV file's encoding (utf-8, gbk, gb18030), when Tepai should not guess it")}

    def allowed(self, place):
        # Coordinators of any place import rosters (the caller has checked the user is a coordinator):
        # rows outside the place are refused row by row.
        return True

    def _table(self, upload, plan, options):
        table = read_table(upload, self.columns, encoding=(options or {}).get("encoding") or None)
        plan.rows = len(table.rows)
        for problem in table.problems:
            plan.refuse(problem.row, problem.column, problem.message)
        ignored = [header for header in table.ignored if normal(header) not in _ROW_NUMBERS]
        if ignored:
            plan.note(_("Columns not read: %(headers)s.") % {"headers": "、".join(ignored)})
        return table

    def _columns(self):
        return {column.key: column for column in self.columns}


class OrganisationsKind(_SheetKind):
    """Dispatching organisations (派出单位): matched by credit code, else by name."""

    name = "organisations"
    label = gettext_lazy("Dispatching organisations")
    columns = (
        Column("name", "单位名称", ("派出单位", "名称", "单位"), required=True, help=gettext_lazy("The organisation's full registered name.")),
        Column("credit_code", "统一社会信用代码", ("信用代码", "社会信用代码"), help=gettext_lazy("18 characters; it identifies the organisation when given.")),
        Column("kind", "单位类型", ("类型", "单位性质"), help=gettext_lazy("What kind of organisation it is."), choices=ORGANISATION_KIND.choices),
    )

    def _plan(self, upload, place, options):
        plan = Plan(self.name)
        table = self._table(upload, plan, options)
        book = _Organisations()
        columns = self._columns()
        seen = {}
        for number, values in table.rows:
            refuse = _RowRefusals(plan, number, table.headers, columns)
            name = values.get("name", "")
            if name in seen:
                refuse("name", _("Row %(row)s names this organisation too.") % {"row": seen[name]})
                continue
            seen.setdefault(name, number)
            kind = ""
            if values.get("kind"):
                kind = ORGANISATION_KIND.read(values["kind"])
                if kind is None:
                    refuse("kind", ORGANISATION_KIND.refusal(values["kind"]))
                    continue
            book.resolve(refuse, name=name, code=values.get("credit_code", ""), kind=kind, row=number,
                         name_key="name", code_key="credit_code", kind_key="kind")
        book.changes(plan)
        return plan, book

    def plan(self, upload, *, place, options=None):
        return self._plan(upload, place, options)[0]

    def commit(self, upload, *, place, options=None, progress=None):
        plan, book = self._plan(upload, place, options)
        plan.raise_if_refused()
        book.write()
        if progress:
            progress(plan.rows, plan.rows)
        return plan

    def export_rows(self, place):
        rows = Organisation.objects.all() if place.is_everywhere else in_place(Organisation.objects.all(), place)
        for organisation in rows.order_by("name"):
            yield {"name": organisation.name, "credit_code": organisation.credit_code,
                   "kind": ORGANISATION_KIND.written.get(organisation.kind, "")}


def specialists_in(place):
    """The specialists of a place as scope reads it (assigned there on any date); all of them everywhere."""
    return in_place(Specialist.objects.all(), place)


class _Row:
    """A specialist row once read: the values to store, and where it came from."""

    __slots__ = ("number", "values", "specialist", "organisation", "expertise", "dispatch")

    def __init__(self, number):
        self.number = number
        self.values = {}
        self.specialist = None
        self.organisation = None
        self.expertise = None
        self.dispatch = ""


# Checked by the plan instead, in bulk: a ForeignKey's own check would cost a query per row, and the
# uniqueness of ID numbers and mobiles is checked against the file and the specialists loaded.
_NOT_CHECKED = ["expertise", "organisation"]
# The fields a specialist row sets directly, in the order a Change lists them.
_FIELDS = ("name", "kind", "id_number", "gender", "birth_date", "mobile", "title", "political_status", "education", "year_selected")


class SpecialistsKind(_SheetKind):
    """Specialists (科技特派员) from a bureau's roster sheet: see the module's docstring."""

    name = "specialists"
    label = gettext_lazy("Specialists")
    columns = (
        Column("name", "姓名", ("特派员姓名", "科技特派员姓名", "名称"), required=True, help=gettext_lazy("The specialist's name; a corporate specialist's is its organisation's.")),
        Column("id_number", "身份证号", ("证件号码", "身份证号码", "身份证"), help=gettext_lazy("18 characters; it identifies a person. Its gender and birth date are read from it.")),
        Column("gender", "性别", (), help=gettext_lazy("Read from the ID number when blank; blank for a corporate specialist."), choices=GENDER.choices),
        Column("birth_date", "出生日期", ("出生年月",), help=gettext_lazy("YYYY-MM-DD; read from the ID number when blank.")),
        Column("mobile", "手机", ("手机号", "手机号码", "联系电话", "电话", "联系方式"), required=True, help=gettext_lazy("11 digits; it identifies a specialist without an ID number.")),
        Column("organisation", "派出单位", ("工作单位", "单位", "单位名称"), required=True, help=gettext_lazy("The dispatching organisation's full name; a new name is created.")),
        Column("organisation_kind", "单位类型", ("单位性质",), help=gettext_lazy("The dispatching organisation's kind."), choices=ORGANISATION_KIND.choices),
        Column("credit_code", "统一社会信用代码", ("信用代码", "社会信用代码"), help=gettext_lazy("The dispatching organisation's code, when known.")),
        Column("title", "职称", ("专业技术职称", "职务/职称"), help=gettext_lazy("Professional title.")),
        Column("expertise", "专业", ("技术特长", "专业特长", "服务领域", "专业领域"), help=gettext_lazy("Key industries of the city, separated by 、")),
        Column("political_status", "政治面貌", (), choices=POLITICAL_STATUS.choices),
        Column("education", "学历", ("最高学历", "文化程度"), choices=EDUCATION.choices),
        Column("kind", "类型", ("特派员类型", "科技特派员类型"), help=gettext_lazy("Individual when blank for a new specialist."), choices=SPECIALIST_KIND.choices),
        Column("year_selected", "选派年度", ("年度", "年份", "选派年份"), help=gettext_lazy("The year first selected, e.g. 2023.")),
        Column("dispatch", "新派/延派", ("选派类型", "新派延派"), help=gettext_lazy("延派 needs the specialist registered already."), choices=DISPATCH.choices),
        Column("county", "派驻县区", ("县区", "派驻县", "县（区）", "县(市、区)")),
        Column("town", "派驻乡镇", ("乡镇", "乡镇（街道）")),
        Column("village", "派驻村", ("村", "服务村", "派驻村（社区）")),
        Column("village_code", "村代码", ("行政村代码", "区划代码", "统计用区划代码")),
    )
    options = {
        **_SheetKind.options,
        "year": gettext_lazy("The roster's year: active specialists of your place it does not list leave on 31 December of that year"),
        "villages": gettext_lazy("Villages confirmed among the suggestions: {text as given: village code}"),
    }

    # --- reading ----------------------------------------------------------------------------------

    def _plan(self, upload, place, options):
        options = options or {}
        plan = Plan(self.name)
        table = self._table(upload, plan, options)
        year = self._roster_year(plan, options)
        rows = [(number, values) for number, values in table.rows]
        registered = self._registered(rows)
        industries = _Industries(place)
        finder = VillageFinder(place, options.get("villages"))
        organisations = _Organisations()
        columns = self._columns()
        present = set(table.headers)
        read, seen_ids, seen_mobiles, new_but_registered = [], {}, {}, []
        for number, values in rows:
            refuse = _RowRefusals(plan, number, table.headers, columns)
            row = self._read_row(number, values, present, refuse, year)
            village = self._village(values, refuse, place, finder, plan, number)
            if row is None or refuse.count:
                continue
            id_number, mobile = row.values.get("id_number"), row.values["mobile"]
            if id_number and seen_ids.setdefault(id_number, number) != number:
                refuse("id_number", _("Row %(row)s has this ID number too.") % {"row": seen_ids[id_number]})
            if seen_mobiles.setdefault(mobile, number) != number:
                refuse("mobile", _("Row %(row)s has this mobile number too.") % {"row": seen_mobiles[mobile]})
            row.specialist = self._match(row, registered, refuse)
            self._check_identity(row, values, present, refuse)
            if "expertise" in present:
                row.expertise = industries.read(values.get("expertise", ""), village, refuse)
            row.organisation = organisations.resolve(
                refuse, name=values.get("organisation", ""), code=values.get("credit_code", ""),
                kind=self._organisation_kind(values, refuse), row=number,
                name_key="organisation", code_key="credit_code", kind_key="organisation_kind")
            if row.dispatch == EXTENDED and row.specialist is None and not refuse.count:
                refuse("dispatch", _("延派 (an extension) needs the specialist registered already; no specialist has this ID number or mobile."))
            if row.dispatch == NEW and row.specialist is not None:
                new_but_registered.append(number)
            if row.specialist is None and "year_selected" not in row.values and not refuse.count:
                refuse("year_selected", _("A value is required for a new specialist (or set the roster's year)."))
            if not refuse.count:
                read.append(row)
        if new_but_registered:
            plan.note(_("Rows marked 新派 name specialists registered already; they are updated: rows %(rows)s.") % {
                "rows": ", ".join(map(str, new_but_registered[:20])) + ("…" if len(new_but_registered) > 20 else "")})
        organisations.changes(plan)
        expertise_before = self._expertise_of([row.specialist for row in read if row.specialist is not None and row.expertise is not None])
        for row in read:
            self._change(plan, row, organisations, expertise_before)
        leavers = self._leavers(plan, place, year, read) if year else []
        return plan, _Work(read, organisations, leavers, year, expertise_before)

    def _roster_year(self, plan, options):
        raw = options.get("year")
        if raw in (None, ""):
            return None
        year = _year(str(raw))
        if year is None or not 2000 <= year <= 2100:
            plan.refuse(None, "", _("The roster's year %(year)s is not a year.") % {"year": raw})
            return None
        return year

    def _registered(self, rows):
        """The registered specialists the file's ID numbers and mobiles name: {"id:..."/"mobile:...": Specialist}."""
        ids = {values.get("id_number", "").strip().upper() for _n, values in rows} - {""}
        mobiles = {_mobile(values.get("mobile", "")) for _n, values in rows} - {""}
        found = {}
        for keys, lookup in ((sorted(ids), "id_number__in"), (sorted(mobiles), "mobile__in")):
            for start in range(0, len(keys), _BATCH):
                for specialist in Specialist.objects.select_related("organisation").filter(**{lookup: keys[start:start + _BATCH]}):
                    if specialist.id_number:
                        found[f"id:{specialist.id_number}"] = specialist
                    found[f"mobile:{specialist.mobile}"] = specialist
        return found

    def _read_row(self, number, values, present, refuse, year):
        row = _Row(number)
        for key in ("name", "id_number", "mobile", "organisation", "title"):
            if _not_a_value(values.get(key, "")):
                refuse(key, _formula_refusal())
        if refuse.count:
            return None
        name = values.get("name", "")
        if not name:
            refuse("name", _("A value is required."))
        else:
            row.values["name"] = name
        if "kind" in present and values.get("kind"):
            kind = SPECIALIST_KIND.read(values["kind"])
            if kind is None:
                refuse("kind", SPECIALIST_KIND.refusal(values["kind"]))
            else:
                row.values["kind"] = kind
        id_number = values.get("id_number", "").replace(" ", "").upper()
        if id_number:
            if re.fullmatch(r"\d(\.\d+)?E\+?\d+", id_number):
                refuse("id_number", _("The ID number was stored as a number and lost its last digits: format the column as text and type it again."))
            else:
                try:
                    validate_id_number(id_number)
                    row.values["id_number"] = id_number
                except Exception as error:  # noqa: BLE001 (a ValidationError)
                    refuse("id_number", _message(error))
        mobile = _mobile(values.get("mobile", ""))
        if not mobile:
            refuse("mobile", _("A value is required."))
        else:
            try:
                validate_mobile(mobile)
                row.values["mobile"] = mobile
            except Exception as error:  # noqa: BLE001 (a ValidationError)
                refuse("mobile", _message(error))
        if "title" in present:
            row.values["title"] = values.get("title", "")[:50]
        for key, enumeration in (("political_status", POLITICAL_STATUS), ("education", EDUCATION)):
            if key not in present:
                continue
            text = values.get(key, "")
            value = enumeration.read(text) if text else ""
            if value is None:
                refuse(key, enumeration.refusal(text))
            else:
                row.values[key] = value
        text = values.get("year_selected", "")
        if text:
            chosen = _year(text)
            if chosen is None or not 2000 <= chosen <= 2100:
                refuse("year_selected", _("%(value)s is not a year such as 2023.") % {"value": text})
            else:
                row.values["year_selected"] = chosen
        elif year:
            row.values["year_selected"] = year
        text = values.get("dispatch", "")
        if text:
            dispatch = DISPATCH.read(text)
            if dispatch is None:
                refuse("dispatch", DISPATCH.refusal(text))
            row.dispatch = dispatch or ""
        if not values.get("organisation"):
            refuse("organisation", _("A value is required."))
        return row

    def _organisation_kind(self, values, refuse):
        text = values.get("organisation_kind", "")
        if not text:
            return ""
        kind = ORGANISATION_KIND.read(text)
        if kind is None:
            refuse("organisation_kind", ORGANISATION_KIND.refusal(text))
            return ""
        return kind

    def _match(self, row, registered, refuse):
        """The registered specialist the row is: by ID number, else by mobile (one with no ID number yet)."""
        id_number, mobile = row.values.get("id_number"), row.values["mobile"]
        by_id = registered.get(f"id:{id_number}") if id_number else None
        by_mobile = registered.get(f"mobile:{mobile}")
        if by_id is not None:
            if by_mobile is not None and by_mobile.pk != by_id.pk:
                refuse("mobile", _("This mobile number is registered to another specialist, %(name)s.") % {"name": by_mobile.name})
            return by_id
        if by_mobile is not None and id_number and by_mobile.id_number:
            refuse("mobile", _("This mobile number is registered to another specialist, %(name)s.") % {"name": by_mobile.name})
            return None
        return by_mobile

    def _check_identity(self, row, values, present, refuse):
        """Gender and birth date: read from the ID number, and checked against the sheet's own."""
        kind = row.values.get("kind") or (row.specialist.kind if row.specialist else Specialist.Kind.INDIVIDUAL)
        gender_text, birth_text = values.get("gender", ""), values.get("birth_date", "")
        gender = GENDER.read(gender_text) if gender_text else ""
        if gender is None:
            refuse("gender", GENDER.refusal(gender_text))
        birth = _parse_date(birth_text) if birth_text else None
        if birth_text and birth is None:
            refuse("birth_date", _("%(value)s is not a date such as 1980-05-17.") % {"value": birth_text})
        id_number = row.values.get("id_number") if "id_number" in row.values else (row.specialist.id_number if row.specialist else "")
        known = identity(id_number) if id_number else None
        if kind == Specialist.Kind.CORPORATE:
            if gender:
                refuse("gender", _("A corporate specialist is an organisation and has no gender."))
            if "gender" in present or row.specialist is None:
                row.values["gender"] = ""
            if birth:
                row.values["birth_date"] = birth
            return
        if known is not None:
            if gender and gender != known.gender:
                refuse("gender", _("The ID number says %(gender)s.") % {"gender": GENDER.written[known.gender]})
            if birth and birth != known.birth_date:
                refuse("birth_date", _("The ID number says %(date)s.") % {"date": known.birth_date.isoformat()})
            row.values["gender"], row.values["birth_date"] = known.gender, known.birth_date
            return
        if gender:
            row.values["gender"] = gender
        elif row.specialist is None or not row.specialist.gender:
            refuse("gender", _("A value is required for a person without an ID number."))
        if birth:
            row.values["birth_date"] = birth
        elif "birth_date" in present:
            row.values["birth_date"] = None

    def _village(self, values, refuse, place, finder, plan, number):
        """The village the row names, checked to lie in the place; None when it names none (or is refused)."""
        code, county, town, village = (values.get(k, "") for k in ("village_code", "county", "town", "village"))
        if not (code or village):
            if place.level in (COUNTY, TOWN):
                refuse("village", _("Name the village the specialist serves in %(place)s.") % {"place": place.name})
            return None
        found = finder.find(code=code, county=county, town=town, village=village)
        if found.village is None:
            refuse("village_code" if code else "village", found.message)
            offer(plan, number, given_text(county, town, village), found)
            return None
        return found.village

    # --- what each row does -----------------------------------------------------------------------

    def _change(self, plan, row, organisations, expertise_before):
        specialist = row.specialist
        organisation_name = organisations.name_of(row.organisation)
        expertise_after = sorted(i.name for i in row.expertise) if row.expertise is not None else None
        key = row.values.get("id_number") or row.values["mobile"]
        if specialist is None:
            fields = {field: [None, _plain(row.values.get(field))] for field in _FIELDS if row.values.get(field) not in (None, "")}
            fields.setdefault("kind", [None, Specialist.Kind.INDIVIDUAL])
            fields["organisation"] = [None, organisation_name]
            if expertise_after:
                fields["expertise"] = [[], expertise_after]
            plan.add(Change(CREATE, "specialist", key, row.values["name"], row.number, fields))
            return
        fields = {}
        for field, after in row.values.items():
            before = _stored(specialist, field)
            if after != before:
                fields[field] = [_plain(before), _plain(after)]
        if specialist.organisation.name != organisation_name:
            fields["organisation"] = [specialist.organisation.name, organisation_name]
        if expertise_after is not None:
            before = expertise_before.get(specialist.pk, [])
            if before != expertise_after:
                fields["expertise"] = [before, expertise_after]
        plan.add(Change(UPDATE if fields else UNCHANGED, "specialist", key, row.values["name"], row.number, fields))

    def _expertise_of(self, specialists):
        """{specialist pk: [industry names, sorted]} for the registered specialists the rows name."""
        through = Specialist.expertise.through
        pks = sorted({s.pk for s in specialists})
        out = {pk: [] for pk in pks}
        for start in range(0, len(pks), _BATCH):
            for pk, name in through.objects.filter(specialist_id__in=pks[start:start + _BATCH]).values_list("specialist_id", "industry__name"):
                out[pk].append(name)
        return {pk: sorted(names) for pk, names in out.items()}

    def _leavers(self, plan, place, year, read):
        named = {row.specialist.pk for row in read if row.specialist is not None}
        last_day = datetime.date(year, 12, 31)
        leavers = [s for s in specialists_in(place).filter(status=Specialist.Status.ACTIVE).order_by("name", "pk") if s.pk not in named]
        for specialist in leavers:
            plan.add(Change(LEAVE, "specialist", specialist.id_number or specialist.mobile, specialist.name, None,
                            {"status": [Specialist.Status.ACTIVE, Specialist.Status.WITHDRAWN], "withdrawn_on": [None, last_day.isoformat()]}))
        return leavers

    def plan(self, upload, *, place, options=None):
        return self._plan(upload, place, options)[0]

    # --- writing ----------------------------------------------------------------------------------

    def commit(self, upload, *, place, options=None, progress=None):
        plan, work = self._plan(upload, place, options)
        plan.raise_if_refused()
        progress = progress or (lambda done, total: None)
        total = len(work.rows) + len(work.leavers)
        organisations = work.organisations.write()
        new, changed, changed_fields, expertise = [], [], set(), {}
        for row in work.rows:
            organisation = organisations[row.organisation]
            specialist = row.specialist
            if specialist is None:
                specialist = Specialist(organisation=organisation, **{k: v for k, v in row.values.items() if v is not None or k == "birth_date"})
                specialist.full_clean(exclude=_NOT_CHECKED, validate_unique=False, validate_constraints=False)
                new.append((row, specialist))
            else:
                fields = [field for field, after in row.values.items() if after != _stored(specialist, field)]
                if "birth_date" not in fields and row.values.get("birth_date") and specialist.birth_date is None:
                    fields.append("birth_date")  # filled from the ID number, not a change anyone sees
                for field in fields:
                    setattr(specialist, field, row.values[field])
                if specialist.organisation_id != organisation.pk:
                    specialist.organisation = organisation
                    fields.append("organisation")
                if fields:
                    specialist.full_clean(exclude=_NOT_CHECKED, validate_unique=False, validate_constraints=False)
                    changed.append(specialist)
                    changed_fields.update(fields)
            if row.expertise is not None:
                names = sorted(i.name for i in row.expertise)
                if specialist.pk is None or work.expertise_before.get(specialist.pk, []) != names:
                    expertise[id(specialist)] = (specialist, row.expertise)
        Specialist.objects.bulk_create([s for _row, s in new], batch_size=_BATCH)
        progress(len(new), total)
        if changed:
            Specialist.objects.bulk_update(changed, sorted(changed_fields), batch_size=_BATCH)
        progress(len(work.rows), total)
        self._write_expertise(expertise.values())
        self._write_leavers(work, place, progress, total)
        return plan

    def _write_expertise(self, pairs):
        pairs = list(pairs)
        if not pairs:
            return
        through = Specialist.expertise.through
        pks = [s.pk for s, _i in pairs]
        for start in range(0, len(pks), _BATCH):
            through.objects.filter(specialist_id__in=pks[start:start + _BATCH]).delete()
        through.objects.bulk_create([through(specialist_id=s.pk, industry_id=i.pk) for s, industries in pairs for i in industries], batch_size=_BATCH)

    def _write_leavers(self, work, place, progress, total):
        if not work.leavers:
            return
        last_day = datetime.date(work.year, 12, 31)
        pks = [s.pk for s in work.leavers]
        # Everywhere, every assignment is "here"; a unit's roster ends only its own unit's assignments.
        here = Q() if place.is_everywhere else Q(pk__in=in_place(VillageAssignment.objects.filter(specialist_id__in=pks), place).values("pk"))
        open_here = VillageAssignment.objects.filter(here, specialist_id__in=pks, end_date__isnull=True, start_date__lte=last_day)
        for assignment in open_here.select_related("specialist", "village"):
            village_assignment_end(assignment=assignment, end_date=last_day)
        # Still serving elsewhere after the year: not withdrawn, only gone from this place.
        staying = set(VillageAssignment.objects.filter(specialist_id__in=pks).exclude(here)
                      .filter(Q(end_date__isnull=True) | Q(end_date__gt=last_day)).values_list("specialist_id", flat=True))
        leaving = [s for s in work.leavers if s.pk not in staying]
        for specialist in leaving:
            specialist.status, specialist.withdrawn_on = Specialist.Status.WITHDRAWN, last_day
        Specialist.objects.bulk_update(leaving, ["status", "withdrawn_on"], batch_size=_BATCH)
        progress(total, total)

    # --- export -----------------------------------------------------------------------------------

    def export_rows(self, place):
        """The place's specialists in this kind's columns: imported back, they change nothing."""
        today = timezone.localdate()
        specialists = list(specialists_in(place).select_related("organisation").prefetch_related("expertise").order_by("name", "pk"))
        running = {}
        assignments = VillageAssignment.objects.filter(running_q(today), specialist__in=[s.pk for s in specialists]).select_related("village__town__county")
        for assignment in assignments:
            running.setdefault(assignment.specialist_id, []).append(assignment.village)
        for specialist in specialists:
            villages = running.get(specialist.pk, [])
            village = villages[0] if len(villages) == 1 else None
            birth = specialist.birth_date or (identity(specialist.id_number).birth_date if specialist.id_number and identity(specialist.id_number) else None)
            yield {
                "name": specialist.name, "id_number": specialist.id_number, "gender": GENDER.written.get(specialist.gender, ""),
                "birth_date": birth.isoformat() if birth else "", "mobile": specialist.mobile,
                "organisation": specialist.organisation.name,
                "organisation_kind": ORGANISATION_KIND.written.get(specialist.organisation.kind, ""),
                "credit_code": specialist.organisation.credit_code, "title": specialist.title,
                "expertise": "、".join(sorted(i.name for i in specialist.expertise.all())),
                "political_status": POLITICAL_STATUS.written.get(specialist.political_status, ""),
                "education": EDUCATION.written.get(specialist.education, ""),
                "kind": SPECIALIST_KIND.written.get(specialist.kind, ""), "year_selected": specialist.year_selected,
                "dispatch": "",
                "county": village.town.county.name if village else "", "town": village.town.name if village else "",
                "village": village.name if village else "", "village_code": village.code if village else "",
            }


class _Work:
    """What a plan found, kept for commit to write."""

    def __init__(self, rows, organisations, leavers, year, expertise_before):
        self.rows, self.organisations, self.leavers, self.year, self.expertise_before = rows, organisations, leavers, year, expertise_before


class _Industries:
    """Key industries by name: those of the place's city, or, for a wider place, of the row's village's city."""

    def __init__(self, place):
        city = place.ancestor(CITY) if not place.is_everywhere and place.level != "province" else None
        rows = Industry.objects.all()
        if city is not None:
            rows = rows.filter(city=city)
        elif not place.is_everywhere:
            rows = rows.filter(city__province=place.division)
        self.city = city
        self.by_name = {}
        for industry in rows.order_by("name"):
            self.by_name.setdefault(industry.name, []).append(industry)

    def read(self, text, village, refuse):
        names = [name for name in _LIST_SPLIT.split(text.strip()) if name]
        found, unknown = [], []
        for name in dict.fromkeys(names):
            candidates = self.by_name.get(name, [])
            if len(candidates) > 1 and village is not None:
                candidates = [i for i in candidates if i.city_id == village.town.county.city_id]
            if len(candidates) == 1:
                found.append(candidates[0])
            elif candidates:
                refuse("expertise", _("Several cities have a key industry named %(name)s: name the village, so its city decides.") % {"name": name})
                return None
            else:
                unknown.append(name)
        if unknown:
            known = list(self.by_name)
            listed = "、".join(known[:_LISTED_INDUSTRIES]) + (_("… (%(count)s in all)") % {"count": len(known)} if len(known) > _LISTED_INDUSTRIES else "")
            refuse("expertise", _("%(names)s is not a key industry here; known: %(known)s.") % {"names": "、".join(unknown), "known": listed or "-"})
            return None
        return found


def _stored(specialist, field):
    value = getattr(specialist, field)
    if field == "birth_date" and value is None and specialist.id_number:
        # Registered before birth dates were kept: the ID number's is theirs.
        known = identity(specialist.id_number)
        return known.birth_date if known else None
    return value


def _plain(value):
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


ORGANISATIONS = kinds.register(OrganisationsKind())
SPECIALISTS = kinds.register(SpecialistsKind())
