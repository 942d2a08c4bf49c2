"""The division list import ("divisions"): the division tree from a published code list.

Two published layouts are read, recognised by their headers (tables.Column aliases):
- the National Bureau of Statistics' list (统计用区划代码和城乡划分代码): 12-digit codes down to the
  village, with the name, and where given the level (1-5), the parent's code and the village-level
  unit's urban-rural classification code (城乡分类代码);
- the plain GB/T 2260 list: 6-digit codes and names of provinces, cities and county-level units.
Codes may be written short (2/4/6/9/12 digits) or padded with zeros to 12; the level is the code's
own length once trailing zero segments are dropped (340300000000 is the city 3403), unless a level
column says otherwise. A row's parent is always its code's prefix; a parent column must agree, and
the parent must be in the file (anywhere: order does not matter) or already stored.

Rows are matched by code, so the same file imported twice changes nothing the second time; stored
divisions missing from the file are kept (deleting a village would drop its assignments), and the
plan says how many. Names are kept as published except where the published form is a committee's
name or a placeholder:
- 村民委员会/村委会 become 村, and 居民委员会/居委会 become 社区 (the village is 张庄村, the
  committee is its 村委会), so that a bureau's own lists and the NBS list name villages alike;
- the NBS placeholders of municipalities' city level (市辖区, 县) take the province's name, as
  villages/data/china/divisions.csv does (北京市, 重庆市（县）).
Kinds come from names (区 district, 县/旗/市 county-level, 开发区/高新区... zone; 街道 subdistrict,
乡/苏木 township, 镇 town); a stored row whose name says nothing keeps its kind. Administrative
villages and communities are told apart by the classification code (220 village, 1xx community),
else by name (村 / 社区, 居委会), else by the code's sequence (001-199 communities, 200-399
villages); the plan's notes count each way with examples, so the preview shows the choice.

A town that a development zone manages keeps its civil code (villages.models.Town): a list that
places it under the district its code starts with leaves it with the zone; a parent column naming a
zone of the same city moves it there.

A city without county-level units (东莞市, 中山市, 儋州市, 嘉峪关市: its towns' codes have 00 for the
county) stands as its own county-level unit, coded <city>00.

Scale: the national list has about 650,000 rows. Only the upper levels (provinces to towns, about
45,000) are held; village rows are streamed from the file twice (once to collect the upper levels,
once to check and write villages in chunks of CHUNK), duplicates among them found with a bitmap.
`commit` writes inside a savepoint of the caller's transaction, so that a refused row found after
some chunks were written still leaves nothing behind.
"""

import dataclasses
import re

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from villages.errors import NotAllowed
from villages.imports import files, kinds, tables
from villages.imports.plans import CREATE, LEAVE, UNCHANGED, UPDATE, Change, Plan
from villages.models import City, County, Province, Town, Village
from villages.places import ALL, CITY, PROVINCE

CHUNK = 2000
LEVELS = ("province", "city", "county", "town", "village")
LENGTHS = {"province": 2, "city": 4, "county": 6, "town": 9, "village": 12}
PARENT = {"city": "province", "county": "city", "town": "county", "village": "town"}
MODELS = {"province": Province, "city": City, "county": County, "town": Town, "village": Village}
PARENT_FIELD = {"city": "province", "county": "city", "town": "county", "village": "town"}
# The level column: NBS numbers, and the words villages/data/china/divisions.csv uses.
LEVEL_VALUES = {
    "1": "province", "2": "city", "3": "county", "4": "town", "5": "village",
    "省": "province", "市": "city", "县": "county", "乡": "town", "村": "village",
    **{level: level for level in LEVELS},
}
CLASSIFICATIONS = {"111", "112", "121", "122", "123", "210", "220"}
BY_CODE, BY_NAME, BY_SEQUENCE = "code", "name", "sequence"
EXAMPLES = 3

COLUMNS = (
    tables.Column("code", "统计用区划代码", aliases=("区划代码", "行政区划代码", "代码", "code", "区划码"), required=True,
                  help=gettext_lazy("2 to 12 digits; 12-digit codes padded with zeros are read as the shorter code.")),
    tables.Column("name", "名称", aliases=("单位名称", "区划名称", "name"), required=True),
    tables.Column("level", "级别", aliases=("层级", "level"), help=gettext_lazy("1 province to 5 village; optional.")),
    tables.Column("parent", "上级代码", aliases=("上级区划代码", "parent", "parent_code"),
                  help=gettext_lazy("Optional: must be the start of the row's own code.")),
    tables.Column("classification", "城乡分类代码", aliases=("城乡分类", "分类代码"),
                  help=gettext_lazy("3 digits for a village-level unit: 1xx community, 220 village, 210 by name.")),
)

_ZONE_WORDS = ("开发区", "高新区", "高新技术", "经济技术", "园区", "新区", "管理区", "示范区", "试验区", "工业区", "管委会")
_COMMITTEE = (("村民委员会", "村"), ("村委会", "村"), ("居民委员会", "社区"), ("居委会", "社区"))
_DIGITS = re.compile(r"^\d+$")


class RowError(Exception):
    """A row's value that cannot be read: the column key and a message for people."""

    def __init__(self, key, message):
        super().__init__(message)
        self.key, self.message = key, message


def parse_code(text, level=None):
    """(code, level) of a division code as people write it; RowError on anything else.

    `level`, from a level column, says how long the code is; otherwise the shortest of 2/4/6/9/12
    digits after which only zeros follow (340300000000 -> 3403, a city).
    """
    digits = text.replace(" ", "")
    if not _DIGITS.match(digits) or len(digits) not in LENGTHS.values():
        raise RowError("code", _("%(code)s is not a division code: give 2, 4, 6, 9 or 12 digits.") % {"code": text})
    if digits[0] not in "12345678":
        raise RowError("code", _("%(code)s is not a division code: it starts with a province code, 11 to 82.") % {"code": text})
    if level is None:
        level = next(lv for lv in LEVELS if set(digits[LENGTHS[lv]:]) <= {"0"})
    length = LENGTHS[level]
    if len(digits) < length or set(digits[length:]) - {"0"}:
        raise RowError("code", _("%(code)s is not the code of a %(level)s.") % {"code": text, "level": _level_label(level)})
    code = digits[:length]
    # Every segment below the province names a division: a zero segment names none. (A town under
    # a city without counties, 441900003 in 东莞市, has county segment 00: its parent 441900 must
    # then be stored, as no list has a row for it.)
    for segment_level in LEVELS[1:LEVELS.index(level) + 1]:
        start, end = LENGTHS[PARENT[segment_level]], LENGTHS[segment_level]
        if set(code[start:end]) == {"0"} and not (segment_level == "county" and level in ("town", "village")):
            raise RowError("code", _("%(code)s is not a division code: its %(level)s part is zeros.") % {
                "code": text, "level": _level_label(segment_level)})
    return code, level


def _level_label(level):
    return {"province": _("province"), "city": _("prefecture-level city"), "county": _("county-level unit"),
            "town": _("town"), "village": _("village")}[level]


def clean_name(name, level):
    """The name to store: the published name, with a village committee's name made the village's."""
    name = name.strip().replace("\u3000", "")
    if level == "village":
        for suffix, replacement in _COMMITTEE:
            if name.endswith(suffix) and len(name) > len(suffix):
                stem = name[: -len(suffix)]
                return stem if stem.endswith(replacement) else stem + replacement
    return name


def city_kind(name):
    if "直辖县级" in name or name in ("市辖区", "县"):
        return City.Kind.DIRECT
    if name.endswith("自治州"):
        return City.Kind.AUTONOMOUS_PREFECTURE
    if name.endswith("地区"):
        return City.Kind.PREFECTURE
    if name.endswith("盟"):
        return City.Kind.LEAGUE
    if name.endswith("市"):
        return City.Kind.CITY
    return None


def county_kind(name):
    if any(word in name for word in _ZONE_WORDS):
        return County.Kind.ZONE
    if name.endswith(("林区", "特区")):
        return County.Kind.COUNTY
    if name.endswith("区"):
        return County.Kind.DISTRICT
    # A county-level city (县级市) is a county-level unit the model files with the counties.
    if name.endswith(("县", "旗", "市")):
        return County.Kind.COUNTY
    return None


def town_kind(name):
    if name.endswith(("街道", "街道办事处")):
        return Town.Kind.SUBDISTRICT
    if name.endswith(("乡", "苏木")):
        return Town.Kind.TOWNSHIP
    if name.endswith("镇"):
        return Town.Kind.TOWN
    return None


KIND_OF_NAME = {"city": city_kind, "county": county_kind, "town": town_kind}
DEFAULT_KIND = {"province": "", "city": City.Kind.CITY, "county": County.Kind.COUNTY, "town": Town.Kind.TOWN}


def village_kind(classification, published_name, code):
    """(kind, how it was decided) of a village-level unit."""
    if classification == "220":
        return Village.Kind.VILLAGE, BY_CODE
    if classification.startswith("1"):
        return Village.Kind.COMMUNITY, BY_CODE
    if published_name.endswith(("社区", "居委会", "居民委员会")):
        return Village.Kind.COMMUNITY, BY_NAME
    if published_name.endswith(("村", "村委会", "村民委员会")):
        return Village.Kind.VILLAGE, BY_NAME
    return (Village.Kind.COMMUNITY if int(code[9:]) < 200 else Village.Kind.VILLAGE), BY_SEQUENCE


@dataclasses.dataclass
class Stored:
    id: int
    name: str
    kind: str
    parent: str  # the parent's code


@dataclasses.dataclass
class Entry:
    """An upper-level row of the file, once read."""

    row: int
    code: str
    level: str
    name: str
    published: str
    parent_given: str | None
    parent: str = ""
    kind: str = ""
    action: str = ""


class _Import:
    """One reading of an upload: `run()` plans, and writes too when `write` is set."""

    def __init__(self, upload, place, options, *, write=False, progress=None):
        self.upload, self.place, self.options = upload, place, options or {}
        self.write, self.progress = write, progress or (lambda done, total: None)
        self.plan = Plan(DivisionList.name)
        self.entries = {level: {} for level in LEVELS[:-1]}
        self.total = 0

    # Reading -----------------------------------------------------------------------------

    def header(self, key):
        return self.table.headers.get(key) or next(c.header for c in COLUMNS if c.key == key)

    def refuse(self, row, key, message):
        self.plan.refuse(row, self.header(key), message)

    def read(self, values):
        """(code, level) of a row, or RowError."""
        level = None
        if values.get("level"):
            level = LEVEL_VALUES.get(values["level"].strip().lower())
            if level is None:
                raise RowError("level", _("%(value)s is not a level: give 1 (province) to 5 (village).") % {"value": values["level"]})
        if not values.get("code"):
            raise RowError("code", _("The division code is missing."))
        return parse_code(values["code"], level)

    def read_parent(self, values, code, level):
        """The parent's code the parent column gives (None when there is none); RowError when unreadable."""
        text = values.get("parent", "")
        if not text or level == "province":
            return None
        try:
            parent, parent_level = parse_code(text)
        except RowError as error:
            raise RowError("parent", error.message) from None
        if level == "town" and parent_level == "city" and code[4:6] == "00" and parent == code[:4]:
            return code[:6]  # a city that runs its towns: they lie under its own unit (imply_direct_units)
        return parent

    def name_and_parent(self, number, values, code, level):
        """The row's name and the parent its parent column gives; None, the row refused, when either is wrong."""
        name = values.get("name", "")
        if not name:
            self.refuse(number, "name", _("The name is missing."))
            return None
        try:
            return name, self.read_parent(values, code, level)
        except RowError as error:
            self.refuse(number, error.key, error.message)
            return None

    def in_place(self, code):
        return self.place.is_everywhere or code.startswith(self.place.code)

    def above_place(self, code):
        return not self.place.is_everywhere and self.place.code.startswith(code) and code != self.place.code

    # The stored tree ---------------------------------------------------------------------

    def load_stored(self):
        """The stored upper levels a file for this place can touch: every province and city (a few
        hundred), the counties and towns inside the place."""
        prefix = self.place.code
        # Counted before anything is written, for the note on what the file leaves out.
        self.stored_villages = Village.objects.filter(code__startswith=prefix).count()
        self.stored = {"province": {
            code: Stored(pk, name, "", "") for code, pk, name in Province.objects.values_list("code", "id", "name")}}
        for level in LEVELS[1:-1]:
            queryset = MODELS[level].objects.all()
            if level in ("county", "town") and prefix:
                queryset = queryset.filter(code__startswith=prefix)
            rows = queryset.values_list("code", "id", "name", "kind", f"{PARENT_FIELD[level]}__code")
            self.stored[level] = {code: Stored(pk, name, kind, parent) for code, pk, name, kind, parent in rows.iterator(chunk_size=5000)}

    def known(self, level, code):
        return code in self.entries[level] or code in self.stored[level]

    def kind_of(self, level, code):
        if code in self.entries[level]:
            return self.entries[level][code].kind
        stored = self.stored[level].get(code)
        return stored.kind if stored else None

    # Pass 1: the upper levels -------------------------------------------------------------

    def first_pass(self):
        for number, values in self.table.rows():
            self.total += 1
            try:
                code, level = self.read(values)
            except RowError as error:
                self.refuse(number, error.key, error.message)
                continue
            if level == "village":
                continue
            read = self.name_and_parent(number, values, code, level)
            if read is None:
                continue
            name, parent_given = read
            if code in self.entries[level]:
                self.refuse(number, "code", _("The code %(code)s is also on row %(row)s.") % {
                    "code": code, "row": self.entries[level][code].row})
                continue
            self.entries[level][code] = Entry(number, code, level, clean_name(name, level), name, parent_given)

    def imply_direct_units(self):
        """A city without county-level units (东莞市 4419, 中山市 4420, 儋州市 4604, 嘉峪关市 6202) runs its
        towns itself: their codes' county part is 00. Tepai's tree has a county-level unit above
        every town, so the city stands as its own, coded <city>00 and named as the city; the notes
        say which."""
        implied = []
        for town in sorted(self.entries["town"].values(), key=lambda e: e.row):
            unit = town.code[:6]
            if unit[4:] != "00" or unit in self.entries["county"]:
                continue  # (a stored one is listed too, so that a second import leaves it unchanged)
            city = self.entries["city"].get(unit[:4]) or self.stored["city"].get(unit[:4])
            if city is None:
                continue  # refused in resolve: the town's unit is unknown
            self.entries["county"][unit] = Entry(town.row, unit, "county", city.name, city.name, None)
            implied.append(f"{unit} {city.name}")
        if implied:
            self.plan.note(_("%(count)s cities run their towns without county-level units; each stands as its own county-level unit: %(units)s.") % {
                "count": len(implied), "units": "、".join(implied)})

    def resolve(self):
        """Each upper-level row's parent, kind and action, widest level first."""
        for level in LEVELS[:-1]:
            for entry in sorted(self.entries[level].values(), key=lambda e: e.row):
                self.resolve_entry(entry)
        self.check_unique_names()

    def resolve_entry(self, entry):
        level, code = entry.level, entry.code
        inside, above = self.in_place(code), self.above_place(code)
        if not inside and not above:
            self.refuse(entry.row, "code", _("%(code)s %(name)s is outside %(place)s, where you import.") % {
                "code": code, "name": entry.name, "place": self.place.name})
            entry.action = ""
            return
        stored = self.stored[level].get(code)
        # The placeholders' kind comes from their published name, before they take the province's.
        named_kind = KIND_OF_NAME[level](entry.name) if level != "province" else ""
        if level == "city" and entry.published in ("市辖区", "县"):
            province = self.entries["province"].get(code[:2]) or self.stored["province"].get(code[:2])
            if province is not None:
                entry.name = province.name + ("（县）" if entry.published == "县" else "")
        if len(entry.name) > 50:
            self.refuse(entry.row, "name", _("The name %(name)s is longer than 50 characters.") % {"name": entry.name})
            return
        if level != "province":
            entry.kind = named_kind or (stored.kind if stored else DEFAULT_KIND[level])
            prefix = code[:LENGTHS[PARENT[level]]]
            parent = prefix
            if entry.parent_given and entry.parent_given != prefix:
                # Only a development zone of the same city may manage a town of another code.
                if not (level == "town" and entry.parent_given[:4] == code[:4]
                        and self.kind_of("county", entry.parent_given) == County.Kind.ZONE):
                    self.refuse(entry.row, "parent", _("The parent %(parent)s does not match the code %(code)s, which lies under %(prefix)s.") % {
                        "parent": entry.parent_given, "code": code, "prefix": prefix})
                    return
                parent = entry.parent_given
            elif level == "town" and stored is not None and stored.parent != prefix and stored.parent[:4] == code[:4] \
                    and self.kind_of("county", stored.parent) == County.Kind.ZONE:
                parent = stored.parent  # managed by a zone: the list cannot say so, and does not undo it
            if not self.known(PARENT[level], parent):
                self.refuse(entry.row, "parent" if entry.parent_given else "code",
                            _("Its %(level)s %(parent)s is neither in the file nor in Tepai.") % {
                                "level": _level_label(PARENT[level]), "parent": parent})
                return
            entry.parent = parent
        change = self.change_of(entry.level, code, entry.name, entry.kind, entry.parent, stored, entry.row)
        if above and change.action != UNCHANGED:
            self.refuse(entry.row, "code", _("%(code)s %(name)s is above %(place)s, where you import: it may be listed only as it is stored.") % {
                "code": code, "name": entry.name, "place": self.place.name})
            return
        entry.action = change.action
        self.plan.add(change)

    def change_of(self, level, code, name, kind, parent, stored, row):
        if stored is None:
            return Change(CREATE, level, code, name, row)
        fields = {}
        if stored.name != name:
            fields["name"] = [stored.name, name]
        if level != "province" and stored.kind != kind:
            fields["kind"] = [stored.kind, kind]
        if level != "province" and stored.parent != parent:
            fields["parent"] = [stored.parent, parent]
        return Change(UPDATE if fields else UNCHANGED, level, code, name, row, fields)

    def check_unique_names(self):
        """Province names are unique, and county-level names within a city (the models' constraints):
        a row that would break them is refused here rather than by the database in the middle of a write."""
        for level in ("province", "county"):
            final = {code: (s.parent, s.name) for code, s in self.stored[level].items()}
            final.update({code: (e.parent, e.name) for code, e in self.entries[level].items() if e.action})
            holders = {}
            for code, key in sorted(final.items()):
                holders.setdefault(key, []).append(code)
            for codes in holders.values():
                if len(codes) < 2:
                    continue
                for code in codes:
                    entry = self.entries[level].get(code)
                    if entry is not None and entry.action:
                        self.refuse(entry.row, "name", _("%(name)s is also the name of %(others)s.") % {
                            "name": entry.name, "others": "、".join(c for c in codes if c != code)})

    # Writing the upper levels ---------------------------------------------------------------

    def write_upper(self):
        self.ids = {level: {code: s.id for code, s in self.stored[level].items()} for level in LEVELS[:-1]}
        for level in LEVELS[:-1]:
            model = MODELS[level]
            creates, updates = [], []
            for entry in self.entries[level].values():
                if entry.action not in (CREATE, UPDATE):
                    continue
                fields = {"name": entry.name}
                if level != "province":
                    fields.update(kind=entry.kind, **{f"{PARENT_FIELD[level]}_id": self.ids[PARENT[level]][entry.parent]})
                if entry.action == CREATE:
                    creates.append(model(code=entry.code, **fields))
                else:
                    updates.append(model(id=self.stored[level][entry.code].id, **fields))
            model.objects.bulk_create(creates, batch_size=CHUNK)
            if any(obj.pk is None for obj in creates):  # a backend that returns no keys
                created = model.objects.filter(code__in=[obj.code for obj in creates]).values_list("code", "id")
                self.ids[level].update(created)
            else:
                self.ids[level].update((obj.code, obj.pk) for obj in creates)
            written = ["name"] if level == "province" else ["name", "kind", PARENT_FIELD[level]]
            model.objects.bulk_update(updates, written, batch_size=CHUNK)

    # Pass 2: the villages ------------------------------------------------------------------------

    def second_pass(self, writing):
        towns = {}  # town code -> index in the bitmap of its villages' sequence numbers
        seen = bytearray()
        chunk = []
        self.matched_villages = 0
        self.decided = {BY_CODE: [], BY_NAME: [], BY_SEQUENCE: []}
        self.decided_count = dict.fromkeys(self.decided, 0)
        self.renamed = 0
        done = sum(len(e) for e in self.entries.values())
        for number, values in self.table.rows():
            try:
                code, level = self.read(values)
            except RowError:
                continue  # refused in the first pass
            if level != "village":
                continue
            read = self.name_and_parent(number, values, code, level)
            if read is None:
                continue
            name, parent_given = read
            town = code[:9]
            if parent_given and parent_given != town:
                self.refuse(number, "parent", _("The parent %(parent)s does not match the code %(code)s, which lies under %(prefix)s.") % {
                    "parent": parent_given, "code": code, "prefix": town})
                continue
            classification = values.get("classification", "")
            if classification and classification not in CLASSIFICATIONS:
                self.refuse(number, "classification", _("%(value)s is not an urban-rural classification code (111, 112, 121, 122, 123, 210 or 220).") % {
                    "value": classification})
                continue
            if not self.in_place(code):
                self.refuse(number, "code", _("%(code)s %(name)s is outside %(place)s, where you import.") % {
                    "code": code, "name": name, "place": self.place.name})
                continue
            if not self.known("town", town):
                self.refuse(number, "code", _("Its %(level)s %(parent)s is neither in the file nor in Tepai.") % {
                    "level": _level_label("town"), "parent": town})
                continue
            if town not in towns:
                towns[town] = len(towns)
                seen.extend(bytes(125))
            bit = towns[town] * 1000 + int(code[9:])
            if seen[bit >> 3] & (1 << (bit & 7)):
                self.refuse(number, "code", _("The code %(code)s is also on an earlier row.") % {"code": code})
                continue
            seen[bit >> 3] |= 1 << (bit & 7)
            cleaned = clean_name(name, level)
            if len(cleaned) > 50:
                self.refuse(number, "name", _("The name %(name)s is longer than 50 characters.") % {"name": cleaned})
                continue
            self.renamed += cleaned != name
            kind, how = village_kind(classification, name, code)
            self.decided_count[how] += 1
            if len(self.decided[how]) < EXAMPLES:
                self.decided[how].append((code, name, classification, kind))
            chunk.append((number, code, cleaned, kind, town))
            if len(chunk) >= CHUNK:
                done += self.flush(chunk, writing and self.plan.ok)
                self.progress(done, self.total)
                chunk = []
        if chunk:
            done += self.flush(chunk, writing and self.plan.ok)
            self.progress(done, self.total)

    def flush(self, chunk, write):
        # Into a place with no villages yet (a first import) every row is new: no need to look.
        stored = {} if not self.stored_villages else {
            code: (pk, name, kind, town, synthetic)
            for code, pk, name, kind, town, synthetic in Village.objects.filter(code__in=[c for _n, c, *_rest in chunk])
            .values_list("code", "id", "name", "kind", "town__code", "synthetic")
        }
        creates, updates = [], []
        town_ids = self.ids["town"] if write else None
        for number, code, name, kind, town in chunk:
            before = stored.get(code)
            if before is None:
                self.plan.add(Change(CREATE, "village", code, name, number))
                if write:
                    creates.append(Village(code=code, name=name, kind=kind, town_id=town_ids[town]))
                continue
            self.matched_villages += 1
            pk, old_name, old_kind, old_town, synthetic = before
            fields = {}
            if old_name != name:
                fields["name"] = [old_name, name]
            if old_kind != kind:
                fields["kind"] = [old_kind, kind]
            if old_town != town:
                fields["parent"] = [old_town, town]
            if synthetic:
                fields["synthetic"] = [True, False]
            self.plan.add(Change(UPDATE if fields else UNCHANGED, "village", code, name, number, fields))
            if write and fields:
                updates.append(Village(id=pk, name=name, kind=kind, town_id=town_ids[town], synthetic=False))
        if creates:
            Village.objects.bulk_create(creates, batch_size=CHUNK)
        if updates:
            Village.objects.bulk_update(updates, ["name", "kind", "town", "synthetic"], batch_size=CHUNK)
        return len(chunk)

    # Notes ---------------------------------------------------------------------------------------

    def add_notes(self):
        plan = self.plan
        if self.table.encoding:
            plan.note(_("Read as %(encoding)s text.") % {"encoding": self.table.encoding})
        if self.table.ignored:
            plan.note(_("Columns not read: %(headers)s.") % {"headers": "、".join(self.table.ignored)})
        labels = {BY_CODE: _("by the urban-rural classification code"), BY_NAME: _("by the name"),
                  BY_SEQUENCE: _("by the code's sequence number (001-199 community, 200-399 village)")}
        kind_labels = {Village.Kind.VILLAGE: _("administrative village"), Village.Kind.COMMUNITY: _("community")}
        for how, count in self.decided_count.items():
            if not count:
                continue
            examples = "; ".join(
                f"{code} {name}{' (' + classification + ')' if classification else ''} → {kind_labels[kind]}"
                for code, name, classification, kind in self.decided[how])
            plan.note(_("%(count)s village-level units were told apart as villages or communities %(how)s, e.g. %(examples)s.") % {
                "count": count, "how": labels[how], "examples": examples})
        if self.renamed:
            plan.note(_("%(count)s village-level names ended with a committee's name (村民委员会, 居委会, ...): they are stored with 村 or 社区 instead.") % {
                "count": self.renamed})
        prefix = self.place.code
        left = []
        for level in LEVELS:
            if level == "village":
                in_place = self.stored_villages
                matched = self.matched_villages
            else:
                in_place = sum(1 for code in self.stored[level] if code.startswith(prefix))
                matched = sum(1 for code, e in self.entries[level].items()
                              if e.action in (UPDATE, UNCHANGED) and code.startswith(prefix))
            if in_place - matched > 0:
                plan.counts[(level, LEAVE)] += in_place - matched
                left.append(f"{_level_label(level)} {in_place - matched}")
        if left:
            plan.note(_("Divisions in Tepai that the file does not list are kept, not deleted: %(counts)s.") % {"counts": ", ".join(left)})

    # Running ---------------------------------------------------------------------------------------

    def run(self):
        self.table = tables.stream_table(self.upload, COLUMNS, encoding=self.options.get("encoding") or None,
                                         max_rows=settings.TEPAI_IMPORT_MAX_DIVISION_ROWS)
        for problem in self.table.problems:
            self.plan.refuse(problem.row, problem.column, problem.message)
        if not self.plan.ok:
            return self.plan
        self.load_stored()
        self.first_pass()
        self.imply_direct_units()
        self.plan.rows = self.total
        if not self.total:
            self.plan.refuse(None, "", _("The file %(name)s has no rows below its header.") % {"name": self.upload.name})
            return self.plan
        self.resolve()
        writing = self.write and self.plan.ok
        if writing:
            self.write_upper()
            self.progress(sum(len(e) for e in self.entries.values()), self.total)
        self.second_pass(writing)
        self.plan.problems.sort(key=lambda p: (p.row is not None, p.row or 0))
        self.add_notes()
        return self.plan


class DivisionList:
    """The "divisions" kind: see the module's docstring."""

    name = "divisions"
    label = gettext_lazy("Division list")
    formats = (files.CSV, files.XLSX)
    columns = COLUMNS
    options = {"encoding": gettext_lazy("Encoding of a CSV file (found by itself when empty: UTF-8 or GBK)")}

    def allowed(self, place):
        """Everywhere, a province or a city: below a city a file would bring a few towns' villages,
        which are better reviewed by the city that owns the list."""
        return place.level in (ALL, PROVINCE, CITY)

    def _check_place(self, place):
        if not self.allowed(place):
            raise NotAllowed(_("A division list is imported for the whole deployment, a province or a city, not for %(place)s.") % {
                "place": place.name})

    def plan(self, upload, *, place, options=None):
        """What the file would create and change; writes nothing."""
        self._check_place(place)
        return _Import(upload, place, options).run()

    def commit(self, upload, *, place, options=None, progress=None):
        """Plans again and writes everything, or raises ImportRefused having written nothing (its own
        savepoint inside the caller's transaction)."""
        self._check_place(place)
        with transaction.atomic():
            plan = _Import(upload, place, options, write=True, progress=progress).run()
            plan.raise_if_refused()
        return plan


DIVISIONS = kinds.register(DivisionList())
