"""The division list import: both published layouts, villages told from communities, re-imports that
change nothing, refused rows by number and column, all-or-nothing commits, and the importer's place.

Files are built here from Bengbu's real codes (villages/data/bengbu): its 7 civil county-level units
and 77 towns; village-level codes are made up under real towns, as no village list is public.
"""

import csv
import io
import json
from pathlib import Path

import openpyxl
import pytest

from villages.imports import divisions, files, kinds
from villages.imports.plans import CREATE, LEAVE, UNCHANGED, UPDATE, ImportRefused
from villages.models import City, County, Province, Town, Village
from villages.places import EVERYWHERE, Place

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]

DATA = Path(divisions.__file__).resolve().parent.parent / "data" / "bengbu"
KIND = kinds.get("divisions")
NBS_HEADER = ["统计用区划代码", "名称", "级别", "上级代码", "城乡分类代码"]


def bengbu_counties():
    features = json.loads((DATA / "counties.geojson").read_text(encoding="utf-8"))["features"]
    return [(f["properties"]["code"], f["properties"]["name"]) for f in features]


def bengbu_towns():
    with open(DATA / "towns.csv", encoding="utf-8", newline="") as source:
        return [(row["code"], row["name"]) for row in csv.DictReader(source)]


def pad(code):
    return code.ljust(12, "0")


# Made-up village-level units under two real towns of 怀远县 (荆山镇 340321100, 榴城镇 340321113):
# (code, published name, classification code)
VILLAGES = [
    ("340321100001", "荆山社区居委会", "111"),
    ("340321100201", "涂山村委会", "220"),
    ("340321100202", "白乳泉村民委员会", "220"),
    ("340321113001", "榴园社区", ""),
    ("340321113201", "东岗村", ""),
    ("340321113202", "西岗居委会", "210"),
]


def nbs_rows(villages=VILLAGES):
    """The NBS layout: 12-digit padded codes, level, parent, classification; the header on row 1."""
    rows = [NBS_HEADER, [pad("34"), "安徽省", "1", "", ""], [pad("3403"), "蚌埠市", "2", pad("34"), ""]]
    rows += [[pad(code), name, "3", pad("3403"), ""] for code, name in bengbu_counties()]
    rows += [[pad(code), name, "4", pad(code[:6]), ""] for code, name in bengbu_towns()]
    rows += [[code, name, "5", pad(code[:9]), classification] for code, name, classification in villages]
    return rows


def csv_upload(rows, *, encoding="utf-8", name="divisions.csv"):
    text = io.StringIO(newline="")
    csv.writer(text).writerows(rows)
    return files.open_upload(name, text.getvalue().encode(encoding))


def xlsx_upload(rows):
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return files.open_upload("divisions.xlsx", out.getvalue())


def commit(upload, place=EVERYWHERE, **kwargs):
    return KIND.commit(upload, place=place, options={}, progress=kwargs.get("progress"))


def problems(plan_or_error):
    return [(p.row, p.column, p.message) for p in plan_or_error.problems]


def test_the_kind_is_registered_with_its_contract():
    assert KIND.name == "divisions" and str(KIND.label) == "Division list"
    assert KIND.formats == (files.CSV, files.XLSX)
    assert [c.header for c in KIND.columns] == NBS_HEADER
    assert "encoding" in KIND.options


def test_nbs_layout_builds_the_tree_with_parents_kinds_and_village_names():
    seen = []
    plan = commit(csv_upload(nbs_rows()), progress=lambda done, total: seen.append((done, total)))

    assert plan.ok and plan.rows == 2 + 7 + 77 + 6
    assert plan.summary() == {"province": {CREATE: 1}, "city": {CREATE: 1}, "county": {CREATE: 7},
                              "town": {CREATE: 77}, "village": {CREATE: 6}}
    assert seen[-1] == (92, 92)
    city = City.objects.get(code="3403")
    assert (city.name, city.kind, city.province.code) == ("蚌埠市", City.Kind.CITY, "34")
    assert dict(County.objects.values_list("code", "kind")) == {
        "340302": "district", "340303": "district", "340304": "district", "340311": "district",
        "340321": "county", "340322": "county", "340323": "county"}
    assert Town.objects.count() == 77 and not Town.objects.exclude(county__city=city).exists()
    assert Town.objects.get(code="340302001").kind == Town.Kind.SUBDISTRICT  # 解放街道
    assert Town.objects.get(code="340321100").kind == Town.Kind.TOWN  # 荆山镇
    assert Town.objects.get(code="340321100").county.code == "340321"
    villages = {v.code: (v.name, v.kind, v.town.code, v.synthetic) for v in Village.objects.select_related("town")}
    assert villages == {
        "340321100001": ("荆山社区", "community", "340321100", False),
        "340321100201": ("涂山村", "village", "340321100", False),
        "340321100202": ("白乳泉村", "village", "340321100", False),
        "340321113001": ("榴园社区", "community", "340321113", False),
        "340321113201": ("东岗村", "village", "340321113", False),
        "340321113202": ("西岗社区", "community", "340321113", False),
    }


def test_township_kind_comes_from_the_name():
    commit(csv_upload(nbs_rows()))
    townships = set(Town.objects.filter(kind=Town.Kind.TOWNSHIP).values_list("name", flat=True))
    assert townships == {name for _code, name in bengbu_towns() if name.endswith("乡")} and townships


def test_the_notes_say_how_villages_were_told_from_communities():
    plan = KIND.plan(csv_upload(nbs_rows()), place=EVERYWHERE, options={})

    by_code, by_name = plan.notes[1], plan.notes[2]
    assert by_code.startswith("3 village-level units were told apart as villages or communities by the urban-rural classification code, e.g. ")
    assert "340321100001 荆山社区居委会 (111) → community" in by_code
    assert by_name.startswith("3 village-level units were told apart as villages or communities by the name, e.g. ")
    # 210 (a township centre) is decided by the name.
    assert "340321113202 西岗居委会 (210) → community" in by_name
    assert "340321113201 东岗村 → administrative village" in by_name
    assert "4 village-level names ended with a committee's name" in plan.notes[3]
    assert Village.objects.count() == 0  # a plan writes nothing


def test_gbt_2260_layout_reads_six_digit_codes():
    rows = [["行政区划代码", "单位名称"], ["340000", "安徽省"], ["340300", "蚌埠市"]]
    rows += [[code, name] for code, name in bengbu_counties()]
    rows.append(["340371", "蚌埠高新技术产业开发区"])

    plan = commit(csv_upload(rows))

    assert plan.summary() == {"province": {CREATE: 1}, "city": {CREATE: 1}, "county": {CREATE: 8}}
    assert Province.objects.get().name == "安徽省"
    assert County.objects.get(code="340371").kind == County.Kind.ZONE
    assert County.objects.get(code="340321").city.code == "3403"


def test_order_does_not_matter_children_may_come_before_parents():
    rows = nbs_rows()
    reversed_rows = [rows[0]] + rows[:0:-1]

    plan = commit(csv_upload(reversed_rows))

    assert plan.ok and Village.objects.get(code="340321100201").town.county.city.province.code == "34"


@pytest.mark.parametrize("make", [
    lambda rows: csv_upload(rows, encoding="gbk"),
    lambda rows: csv_upload(rows, encoding="utf-8-sig"),
    xlsx_upload,
], ids=["gbk", "utf-8-bom", "xlsx"])
def test_gbk_bom_and_xlsx_files_read_alike(make):
    plan = KIND.plan(make(nbs_rows()), place=EVERYWHERE, options={})

    assert plan.ok and plan.count(CREATE) == 92 and plan.count(CREATE, "village") == 6
    assert {c.name for c in plan.changes if c.model == "village"} >= {"荆山社区", "白乳泉村"}


def test_the_same_file_twice_changes_nothing_the_second_time():
    commit(csv_upload(nbs_rows()))

    plan = commit(csv_upload(nbs_rows()))

    assert plan.ok and plan.count(CREATE) == 0 and plan.count(UPDATE) == 0
    assert plan.count(UNCHANGED) == 92 and plan.changes == []
    assert Village.objects.count() == 6


def test_updates_name_each_field_before_and_after():
    commit(csv_upload(nbs_rows()))
    villages = [("340321100001", "荆山社区居委会", "111"),
                ("340321100201", "涂山新村村委会", "111")]  # renamed, and now a community
    rows = nbs_rows(villages)
    town_row = next(r for r in rows if r[0] == pad("340321100"))
    town_row[1] = "荆山街道"

    plan = commit(csv_upload(rows))

    changed = {(c.model, c.key): c.fields for c in plan.changes if c.action == UPDATE}
    assert changed == {
        ("town", "340321100"): {"name": ["荆山镇", "荆山街道"], "kind": ["town", "subdistrict"]},
        ("village", "340321100201"): {"name": ["涂山村", "涂山新村"], "kind": ["village", "community"]},
    }
    assert Village.objects.get(code="340321100201").kind == Village.Kind.COMMUNITY
    # The four villages the second file leaves out are kept, and the plan counts them.
    assert plan.count(LEAVE, "village") == 4 and Village.objects.count() == 6
    assert "village 4" in plan.notes[-1]


def test_a_synthetic_village_matched_by_code_becomes_real():
    commit(csv_upload(nbs_rows()))
    Village.objects.filter(code="340321100201").update(synthetic=True)

    plan = commit(csv_upload(nbs_rows()))

    assert [c.fields for c in plan.changes] == [{"synthetic": [True, False]}]
    assert not Village.objects.filter(synthetic=True).exists()


def test_refused_rows_name_their_row_and_column():
    rows = nbs_rows()[:3] + [
        [pad("340321"), "怀远县", "3", pad("3403"), ""],       # row 4
        ["34032110020", "某村", "", "", ""],                    # row 5: 11 digits
        [pad("340321"), "怀远县", "3", pad("3403"), ""],       # row 6: duplicate of row 4
        [pad("340321102"), "", "4", "", ""],                   # row 7: no name
        [pad("340322100"), "城关镇", "4", "", ""],              # row 8: county 340322 nowhere
        [pad("340321101"), "某镇", "4", pad("340322"), ""],     # row 9: parent is not its prefix
        ["340321100201", "涂山村", "5", "", "999"],             # row 10: classification
        ["340321100201", "涂山村", "5", "", "220"],             # row 11: its town comes on row 14
        ["340321100201", "涂山村", "5", "", "220"],             # row 12: duplicate
        ["340321100202", "白乳泉村", "9", "", ""],              # row 13: level
        [pad("340321100"), "荆山镇", "4", pad("340321"), ""],   # row 14
    ]

    plan = KIND.plan(csv_upload(rows), place=EVERYWHERE, options={})

    assert problems(plan) == [
        (5, "统计用区划代码", "34032110020 is not a division code: give 2, 4, 6, 9 or 12 digits."),
        (6, "统计用区划代码", "The code 340321 is also on row 4."),
        (7, "名称", "The name is missing."),
        (8, "统计用区划代码", "Its county-level unit 340322 is neither in the file nor in Tepai."),
        (9, "上级代码", "The parent 340322 does not match the code 340321101, which lies under 340321."),
        (10, "城乡分类代码", "999 is not an urban-rural classification code (111, 112, 121, 122, 123, 210 or 220)."),
        (12, "统计用区划代码", "The code 340321100201 is also on an earlier row."),
        (13, "级别", "9 is not a level: give 1 (province) to 5 (village)."),
    ]


def test_one_bad_row_writes_nothing_even_after_chunks_were_written(monkeypatch):
    # Chunks of 2: four villages are written before the bad one at the end is read.
    monkeypatch.setattr(divisions, "CHUNK", 2)
    rows = nbs_rows() + [["340321199201", "某村", "5", "", ""]]  # town 340321199 exists nowhere
    progress = []

    with pytest.raises(ImportRefused) as refused:
        commit(csv_upload(rows), progress=lambda done, total: progress.append(done))

    assert problems(refused.value) == [(len(rows), "统计用区划代码", "Its town 340321199 is neither in the file nor in Tepai.")]
    # Every chunk was written before the bad row was read, and all of it was undone.
    assert progress == [86, 88, 90, 92]
    assert (Province.objects.count(), City.objects.count(), County.objects.count(), Village.objects.count()) == (0, 0, 0, 0)


def test_writes_in_chunks_and_reports_progress(monkeypatch):
    monkeypatch.setattr(divisions, "CHUNK", 2)
    progress = []

    commit(csv_upload(nbs_rows()), progress=lambda done, total: progress.append((done, total)))

    assert progress == [(86, 92), (88, 92), (90, 92), (92, 92)]
    assert Village.objects.count() == 6


@pytest.fixture
def bengbu_stored():
    commit(csv_upload(nbs_rows()))
    return Place(City.objects.get(code="3403"))


def test_a_city_refuses_another_citys_rows_and_accepts_its_province_unchanged(bengbu_stored):
    rows = nbs_rows() + [
        [pad("3402"), "芜湖市", "2", pad("34"), ""],
        ["340221100201", "某村", "5", "", "220"],
    ]

    plan = KIND.plan(csv_upload(rows), place=bengbu_stored, options={})

    assert problems(plan) == [
        (len(rows) - 1, "统计用区划代码", "3402 芜湖市 is outside 蚌埠市, where you import."),
        (len(rows), "统计用区划代码", "340221100201 某村 is outside 蚌埠市, where you import."),
    ]
    assert plan.count(UNCHANGED, "province") == 1


def test_a_city_may_not_rename_its_province(bengbu_stored):
    rows = nbs_rows()
    rows[1][1] = "安徽"

    plan = KIND.plan(csv_upload(rows), place=bengbu_stored, options={})

    assert problems(plan) == [(2, "统计用区划代码", "34 安徽 is above 蚌埠市, where you import: it may be listed only as it is stored.")]


def test_allowed_everywhere_a_province_or_a_city_only(bengbu_stored):
    county = County.objects.get(code="340321")
    assert KIND.allowed(EVERYWHERE) and KIND.allowed(Place(county.city.province)) and KIND.allowed(bengbu_stored)
    assert not KIND.allowed(Place(county)) and not KIND.allowed(Place(Town.objects.get(code="340321100")))


def test_a_town_a_zone_manages_stays_with_the_zone(bengbu_stored):
    zone = County.objects.create(code="340371", name="蚌埠高新技术产业开发区", kind=County.Kind.ZONE, city=bengbu_stored.division)
    Town.objects.filter(code="340303201").update(county=zone)

    plan = commit(csv_upload(nbs_rows()), place=bengbu_stored)

    assert plan.count(UPDATE) == 0 and Town.objects.get(code="340303201").county == zone
    assert plan.count(LEAVE, "county") == 1


def test_municipality_placeholders_take_the_province_name():
    rows = [NBS_HEADER, [pad("50"), "重庆市", "1", "", ""], [pad("5001"), "市辖区", "2", "", ""],
            [pad("5002"), "县", "2", "", ""]]

    commit(csv_upload(rows))

    assert dict(City.objects.values_list("code", "name")) == {"5001": "重庆市", "5002": "重庆市（县）"}
    assert set(City.objects.values_list("kind", flat=True)) == {City.Kind.DIRECT}


def test_the_division_row_limit_applies(settings):
    settings.TEPAI_IMPORT_MAX_DIVISION_ROWS = 10

    with pytest.raises(ImportRefused) as refused:
        KIND.plan(csv_upload(nbs_rows()), place=EVERYWHERE, options={})

    assert str(refused.value) == "The sheet has more than 10 rows, the limit."


@pytest.mark.parametrize(("text", "expected"), [
    ("34", ("34", "province")), ("340000", ("34", "province")), ("340300000000", ("3403", "city")),
    ("340321000000", ("340321", "county")), ("340321100000", ("340321100", "town")),
    ("340321100201", ("340321100201", "village")), ("340321100", ("340321100", "town")),
])
def test_codes_short_or_padded(text, expected):
    assert divisions.parse_code(text) == expected


@pytest.mark.parametrize("text", ["3", "34032", "094032100201", "340021000000", "34032110020a"])
def test_malformed_codes_are_refused(text):
    with pytest.raises(divisions.RowError):
        divisions.parse_code(text)


def test_a_city_without_county_level_units_stands_as_its_own():
    """东莞市 runs its towns itself (their codes' county part is 00), as the published list has it."""
    rows = [NBS_HEADER, [pad("44"), "广东省", "1", "", ""], [pad("4419"), "东莞市", "2", pad("44"), ""],
            [pad("441900003"), "东城街道", "4", pad("4419"), ""],
            ["441900003001", "东城社区居委会", "5", pad("441900003"), "111"],
            ["441900003201", "温塘村委会", "5", pad("441900003"), "220"]]

    plan = commit(csv_upload(rows))

    unit = County.objects.get(code="441900")
    assert (unit.name, unit.city.name) == ("东莞市", "东莞市")
    assert Town.objects.get(code="441900003").county == unit
    assert Village.objects.get(code="441900003201").kind == Village.Kind.VILLAGE
    assert any("441900 东莞市" in note for note in plan.notes)
    assert KIND.plan(csv_upload(rows), place=EVERYWHERE, options={}).summary() == {
        "province": {UNCHANGED: 1}, "city": {UNCHANGED: 1}, "county": {UNCHANGED: 1}, "town": {UNCHANGED: 1}, "village": {UNCHANGED: 2}}
