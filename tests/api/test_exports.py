"""Exports of the lists (`<list>/export/`, api/exports.py): the list's scope, filters and masking, as CSV or xlsx.

怀远县 and 五河县 each hold one of everything (tests.api.build_two_counties), plus a service log, an
achievement and an uncovered village each. Files are read back as a spreadsheet user would: CSV
with the csv module (after its byte order mark), xlsx with openpyxl.
"""

import csv
import datetime
import io
from urllib.parse import quote

import openpyxl
import pytest
from django.http import StreamingHttpResponse
from django.utils import timezone
from rest_framework.test import APIClient

from api import exports
from specialists.fieldwork.models import Achievement
from tests import factories as f
from tests.api import build_two_counties

pytestmark = pytest.mark.django_db

H, W = "huaiyuan", "wuhe"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ["csv", "xlsx"]
AS_OF = "2024-06-30"


class ExportRows:
    """build_two_counties, with what the export routes need beside it on each side."""

    def __init__(self):
        two_counties = build_two_counties()
        self.users = two_counties.users
        self.sides = {H: two_counties.huaiyuan, W: two_counties.wuhe}
        self.logs, self.achievements, self.gaps = {}, {}, {}
        for key, side in self.sides.items():
            name = side.county.name
            self.logs[key] = f.make_service_log(specialist=side.specialist, village=side.village, description=f"{name}日志")
            self.achievements[key] = f.make_achievement(specialist=side.specialist, title=f"{name}成果")
            self.gaps[key] = f.make_village(town=side.town, name=f"{name}无人村")

    def marker(self, route, key):
        """A string that only a row of that side's carries in this export."""
        side = self.sides[key]
        return {
            "specialists": side.specialist.name, "village-assignments": side.village.name,
            "industry-assignments": side.team.name, "enterprises": side.enterprise.name,
            "service-logs": self.logs[key].description, "achievements": self.achievements[key].title,
            "villages": side.village.name, "coverage/gaps": self.gaps[key].name,
        }[route]


@pytest.fixture
def export_rows():
    return ExportRows()


def _client(user, language=None):
    client = APIClient(headers={"Accept-Language": language} if language else {})
    if user is not None:
        client.force_authenticate(user)
    return client


def _export(client, route, **params):
    if route == "coverage/gaps":
        params.setdefault("as_of", AS_OF)
    return client.get(f"/api/v1/{route}/export/", params)


def _body(response):
    return b"".join(response.streaming_content)


def _table(response):
    """The file's rows, header first, as strings ("" for an empty cell), whichever the format."""
    assert response.status_code == 200, response.content if not response.streaming else ""
    body = _body(response)
    if response["Content-Type"] == XLSX_TYPE:
        sheet = openpyxl.load_workbook(io.BytesIO(body)).worksheets[0]
        return [["" if value is None else str(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def _records(response):
    header, *rows = _table(response)
    return [dict(zip(header, row, strict=True)) for row in rows]


def _error(response, status):
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    return body


# --- scope ---------------------------------------------------------------------------------------------------

ROUTES = ["specialists", "village-assignments", "industry-assignments", "enterprises", "service-logs", "achievements", "villages", "coverage/gaps"]
# The sides whose rows each role's export holds; divisions and coverage are not personal for a specialist.
SEES = {
    "city_coordinator": {"default": {H, W}},
    "leader_city": {"default": {H, W}},
    "county_coordinator": {"default": {H}},
    "leader_wuhe": {"default": {W}},
    "specialist": {"default": {H}, "villages": {H, W}, "coverage/gaps": {H, W}},
}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("role", list(SEES))
def test_an_export_holds_exactly_the_rows_of_the_roles_scope(export_rows, role, route, fmt):
    response = _export(_client(export_rows.users[role]), route, format=fmt)

    text = "\n".join("\t".join(row) for row in _table(response))
    found = {key for key in (H, W) if export_rows.marker(route, key) in text}
    assert found == SEES[role].get(route, SEES[role]["default"])


def test_a_specialist_exports_only_their_own_logs_and_achievements_not_their_countys(export_rows):
    # Another specialist serving the same village of 怀远县: same county, not theirs.
    colleague = f.make_village_assignment(village=export_rows.sides[H].village).specialist
    f.make_service_log(specialist=colleague, village=export_rows.sides[H].village, description="同村同事日志")
    f.make_achievement(specialist=colleague, title="同村同事成果")
    client = _client(export_rows.users["specialist"], "en")

    logs = _records(_export(client, "service-logs", format="xlsx"))
    achievements = _records(_export(client, "achievements"))

    assert [row["What was done"] for row in logs] == ["怀远县日志"]
    assert [row["Title"] for row in achievements] == ["怀远县成果"]


def test_a_county_role_naming_another_units_gaps_gets_404_in_json(export_rows):
    response = _export(_client(export_rows.users["county_coordinator"], "en"), "coverage/gaps", county=export_rows.sides[W].county.code)

    assert _error(response, 404)["code"] == "not_found"


# --- masking -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("role", "whole"), [("city_coordinator", True), ("county_coordinator", True), ("leader_city", False), ("specialist", False)])
def test_mobile_and_id_number_are_masked_exactly_as_in_the_list(export_rows, role, whole, fmt):
    specialist = export_rows.sides[H].specialist
    client = _client(export_rows.users[role], "en")

    row = next(row for row in _records(_export(client, "specialists", format=fmt)) if row["Name"] == specialist.name)
    listed = next(item for item in client.get("/api/v1/specialists/").json()["results"] if item["id"] == specialist.pk)

    assert (row["Mobile"], row["ID number"]) == (listed["mobile"], listed["id_number"])
    if whole:
        assert (row["Mobile"], row["ID number"]) == (specialist.mobile, specialist.id_number)
    else:
        assert (row["Mobile"], row["ID number"]) == (specialist.masked_mobile, specialist.masked_id_number)
        assert specialist.mobile not in str(_table(_export(client, "specialists", format=fmt)))


def test_a_specialist_who_once_served_the_unit_is_whole_for_its_coordinator_and_masked_for_a_leader(export_rows):
    # 五河县's specialist served 怀远县 in 2020: 怀远县's coordinator manages them too.
    shared = export_rows.sides[W].specialist
    f.make_village_assignment(specialist=shared, village=export_rows.sides[H].village, start_date=datetime.date(2020, 1, 1),
                              end_date=datetime.date(2020, 12, 31))

    coordinator = _records(_export(_client(export_rows.users["county_coordinator"], "en"), "specialists", format="xlsx"))
    leader = _records(_export(_client(export_rows.users["leader_wuhe"], "en"), "specialists"))

    assert {(row["Name"], row["Mobile"], row["ID number"]) for row in coordinator} == {
        (side.specialist.name, side.specialist.mobile, side.specialist.id_number) for side in export_rows.sides.values()
    }
    assert [(row["Name"], row["Mobile"], row["ID number"]) for row in leader] == [
        (shared.name, shared.masked_mobile, shared.masked_id_number),
    ]


# --- the list's filters, search and ordering -----------------------------------------------------------------

def _more_specialists(export_rows):
    village = export_rows.sides[H].village
    for name, year, status in (("王甲", 2021, "active"), ("王乙", 2024, "suspended"), ("赵丙", 2022, "active")):
        f.make_village_assignment(specialist=f.make_specialist(name=name, year_selected=year, status=status), village=village)


@pytest.mark.parametrize(
    ("route", "params", "key", "column"),
    [
        ("specialists", {"ordering": "-year_selected"}, "id", "ID"),
        ("specialists", {"search": "王", "ordering": "name"}, "id", "ID"),
        ("specialists", {"status": "active", "county": "349321", "ordering": "-name"}, "id", "ID"),
        ("village-assignments", {"county": "349321", "ordering": "-start_date"}, "id", "ID"),
        ("village-assignments", {"search": "王"}, "id", "ID"),
        ("enterprises", {"search": "五河"}, "id", "ID"),
        ("villages", {"town": None, "ordering": "-code"}, "code", "Code"),
        ("service-logs", {"village": None}, "uuid", "UUID"),
        ("achievements", {"status": "submitted", "ordering": "submitted_at"}, "uuid", "UUID"),
    ],
)
def test_an_export_holds_the_lists_rows_in_the_lists_order(export_rows, route, params, key, column):
    _more_specialists(export_rows)
    # A None parameter names 怀远县's own.
    params = {name: value if value is not None else getattr(export_rows.sides[H], name).code for name, value in params.items()}
    client = _client(export_rows.users["city_coordinator"], "en")

    listed = [str(item[key]) for item in client.get(f"/api/v1/{route}/", {**params, "page_size": 1000}).json()["results"]]
    exported = [row[column] for row in _records(_export(client, route, **params))]

    assert exported == listed
    # The parameters changed something: fewer rows, or another order.
    assert exported and exported != [row[column] for row in _records(_export(client, route))]


def test_gap_exports_follow_the_gap_lists_parameters(export_rows):
    village = export_rows.sides[H].village
    f.make_village_assignment(village=f.make_village(town=export_rows.sides[H].town, name="将到期村"), start_date=datetime.date(2024, 1, 1),
                              end_date=datetime.date(2024, 7, 10))
    client = _client(export_rows.users["city_coordinator"], "en")

    uncovered = _records(_export(client, "coverage/gaps", county=export_rows.sides[H].county.code))
    at_risk = _records(_export(client, "coverage/gaps", kind="at_risk", format="xlsx"))
    industries = _records(_export(client, "coverage/gaps", kind="industry"))

    assert [(row["Kind"], row["Village"], row["Town"], row["County-level unit code"]) for row in uncovered] == [
        ("Uncovered villages", "怀远县无人村", export_rows.sides[H].town.name, "349321"),
    ]
    assert [(row["Village"], row["Last day served"]) for row in at_risk] == [("将到期村", "2024-07-10 00:00:00")]
    assert industries == []  # every key industry has its team
    assert village.name not in str(uncovered)


# --- languages and values ------------------------------------------------------------------------------------

VILLAGE_ASSIGNMENT_HEADERS = [
    "ID", "Specialist", "Village code", "Village", "Town code", "Town", "County-level unit code", "County-level unit",
    "Start date", "End date", "Note",
]


@pytest.mark.parametrize("fmt", FORMATS)
def test_headers_and_enumerated_values_are_in_the_requests_language_chinese_by_default(export_rows, fmt):
    user = export_rows.users["city_coordinator"]

    english = _table(_export(_client(user, "en"), "village-assignments", format=fmt))
    chinese = _table(_export(_client(user), "village-assignments", format=fmt))
    specialists_en = _table(_export(_client(user, "en"), "specialists", format=fmt))
    specialists_zh = _table(_export(_client(user, "zh-hans"), "specialists", format=fmt))

    assert english[0] == VILLAGE_ASSIGNMENT_HEADERS
    # The headers the Chinese catalogue already translates.
    assert {"科技特派员", "行政村代码", "行政村", "乡镇代码", "乡镇", "县区代码", "县区", "开始日期"} <= set(chinese[0])
    assert english[1:] == chinese[1:]
    # Kind, gender and status: the columns of the specialists' enumerated values.
    enumerated = [specialists_en[0].index(name) for name in ("Kind", "Gender", "Status")]
    assert {tuple(row[i] for i in enumerated) for row in specialists_en[1:]} == {("Individual", "Male", "Active")}
    assert {tuple(row[i] for i in enumerated) for row in specialists_zh[1:]} == {("个人", "男", "在岗")}
    assert "身份证号" in specialists_zh[0]


def test_csv_is_utf8_with_a_bom_streamed_in_chunks_and_guards_against_formulas(export_rows, monkeypatch):
    monkeypatch.setattr(exports, "CHUNK_ROWS", 1)
    f.make_service_log(specialist=export_rows.sides[H].specialist, village=export_rows.sides[H].village, description="=HYPERLINK(\"x\")\x07")

    response = _export(_client(export_rows.users["city_coordinator"], "en"), "service-logs")

    assert isinstance(response, StreamingHttpResponse)
    chunks = list(response.streaming_content)
    assert chunks[0].startswith(b"\xef\xbb\xbf") and len(chunks) == 1 + 3  # the header, then one chunk per row
    rows = list(csv.DictReader(io.StringIO(b"".join(chunks).decode("utf-8-sig"), newline="")))
    assert sorted(row["What was done"] for row in rows) == ["'=HYPERLINK(\"x\")", "五河县日志", "怀远县日志"]
    assert {row["Date and time"] for row in rows} == {"2023-06-01 17:00:00"}  # 09:00 UTC in Asia/Shanghai


def test_xlsx_has_a_bold_frozen_header_real_dates_and_formulas_kept_as_text(export_rows):
    f.make_achievement(specialist=export_rows.sides[H].specialist, title="=1+1", kind=Achievement.Kind.FARMER_INCOME, amount_yuan=52000)

    response = _export(_client(export_rows.users["city_coordinator"], "en"), "achievements", format="xlsx", kind="farmer_income")

    sheet = openpyxl.load_workbook(io.BytesIO(_body(response))).worksheets[0]
    header = [cell.value for cell in sheet[1]]
    first = dict(zip(header, [cell for cell in sheet[2]], strict=True))
    assert sheet.title == "Achievements"
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.bold for cell in sheet[1])
    assert (first["Title"].value, first["Title"].data_type) == ("=1+1", "s")
    assert first["Amount (yuan)"].value == 52000
    assert first["Date achieved"].value == datetime.datetime(2023, 3, 1)
    assert first["Kind of achievement"].value == "Income increase of farmers and new agricultural businesses"
    assert sheet.max_row == 2


def test_lists_are_joined_counted_and_an_empty_one_named(export_rows):
    city_wide = f.make_industry_assignment(team=export_rows.sides[H].team, counties=[])
    both = f.make_industry_assignment(team=export_rows.sides[W].team, counties=[export_rows.sides[H].county, export_rows.sides[W].county])
    f.make_service_log_photo(log=export_rows.logs[H])
    f.make_service_log_photo(log=export_rows.logs[H])
    client = _client(export_rows.users["city_coordinator"], "zh-hans")

    industries = {row[0]: row[3] for row in _table(_export(client, "industry-assignments", format="xlsx"))[1:]}
    photos = {row[0]: row[-1] for row in _table(_export(client, "service-logs"))[1:]}

    assert industries[str(city_wide.pk)] == "全市"
    assert industries[str(both.pk)] == "349321, 349322"
    assert (photos[str(export_rows.logs[H].uuid)], photos[str(export_rows.logs[W].uuid)]) == ("2", "0")


# --- file names ----------------------------------------------------------------------------------------------

@pytest.mark.clock
@pytest.mark.parametrize(
    ("route", "language", "fmt", "ascii_name", "name"),
    [
        ("specialists", None, "xlsx", "specialists", "科技特派员"),
        ("specialists", "en", "csv", "specialists", "Specialists"),
        ("village-assignments", "zh-hans", "csv", "village-assignments", "村级选派"),
        ("service-logs", "en", "xlsx", "service-logs", "Service logs"),
    ],
)
def test_the_file_is_named_in_the_requests_language_with_an_ascii_fallback(export_rows, route, language, fmt, ascii_name, name):
    response = _export(_client(export_rows.users["leader_city"], language), route, format=fmt)

    day = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == (
        f"attachment; filename=\"{ascii_name}-{day}.{fmt}\"; filename*=UTF-8''{quote(f'{name}-{day}.{fmt}')}"
    )
    assert response["Content-Type"].startswith("text/csv" if fmt == "csv" else XLSX_TYPE)


def test_a_gap_file_is_named_after_its_kind_and_day(export_rows):
    response = _export(_client(export_rows.users["leader_city"]), "coverage/gaps", kind="at_risk")

    assert response["Content-Disposition"].endswith(quote(f"有风险的行政村-{AS_OF}.csv"))
    assert f"filename=\"villages-at-risk-{AS_OF}.csv\"" in response["Content-Disposition"]


# --- refusals, always JSON -----------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("route", ["specialists", "coverage/gaps"])
def test_more_rows_than_the_cap_answer_422_naming_the_count(export_rows, settings, route, fmt):
    settings.TEPAI_EXPORT_MAX_ROWS = 1
    client = _client(export_rows.users["city_coordinator"], "en")

    body = _error(_export(client, route, format=fmt), 422)

    assert body["code"] == "too_many_rows"
    assert body["message"] == "2 rows match, more than the 1 an export may hold; narrow the filters."
    settings.TEPAI_EXPORT_MAX_ROWS = 2
    assert len(_table(_export(client, route, format=fmt))) == 3


@pytest.mark.parametrize(
    ("route", "params", "field"),
    [
        ("specialists", {"year_selected": "soon"}, "year_selected"),
        ("village-assignments", {"running_on": "2024-13-01"}, "running_on"),
        ("service-logs", {"format": "pdf"}, "format"),
        ("coverage/gaps", {"kind": "everything"}, "kind"),
        ("coverage/gaps", {"format": "json"}, "format"),
    ],
)
def test_a_bad_filter_or_format_is_400_json_whatever_the_client_accepts(export_rows, route, params, field):
    client = _client(export_rows.users["city_coordinator"], "en")

    response = client.get(f"/api/v1/{route}/export/", params, headers={"Accept": "text/csv"})

    body = _error(response, 400)
    assert (body["code"], list(body["fields"])) == ("invalid", [field])


def test_an_accept_header_never_refuses_the_file(export_rows):
    response = _client(export_rows.users["city_coordinator"]).get("/api/v1/specialists/export/", headers={"Accept": "application/json"})

    assert response["Content-Type"] == "text/csv; charset=utf-8"


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(("role", "status", "code"), [(None, 401, "not_authenticated"), ("no_role", 403, "permission_denied")])
def test_without_a_role_no_export_is_made(export_rows, route, role, status, code):
    body = _error(_export(_client(export_rows.users.get(role), "en"), route, format="xlsx"), status)

    assert body["code"] == code
