"""Sheets read by column, whatever the encoding, the headers' wording or the cells' types."""

import codecs
import datetime
import io

import pytest

from villages.imports.files import open_upload
from villages.imports.plans import ImportRefused
from villages.imports.tables import Column, read_table

pytestmark = pytest.mark.usefixtures("english_messages")

COLUMNS = [
    Column("name", "姓名", required=True),
    Column("id_number", "身份证号", ("证件号码", "身份证号码")),
    Column("mobile", "手机", ("联系电话", "手机号")),
    Column("start", "开始日期"),
]
ROWS = [["序号", "姓名", "证件号码", "联系电话"], ["1", "张三", "340302199001011234", "13900000001"],
        ["2", "李四", "34030219900202123X", "13900000002"]]


def _csv(rows, encoding):
    text = "\r\n".join(",".join(row) for row in rows) + "\r\n"
    return text.encode(encoding)


def _xlsx(rows, *, title=None):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    if title:
        sheet.append([title])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_in_every_encoding_excel_writes_here_reads_the_same(encoding):
    table = read_table(open_upload("r.csv", _csv(ROWS, encoding)), COLUMNS)
    assert table.rows == [(2, {"name": "张三", "id_number": "340302199001011234", "mobile": "13900000001"}),
                          (3, {"name": "李四", "id_number": "34030219900202123X", "mobile": "13900000002"})]
    assert table.headers == {"name": "姓名", "id_number": "证件号码", "mobile": "联系电话"}
    assert table.ignored == ["序号"]
    assert table.encoding == ("gb18030" if encoding in ("gbk", "gb18030") else "utf-8")


def test_an_encoding_the_user_names_is_used():
    data = _csv(ROWS, "gbk")
    assert read_table(open_upload("r.csv", data), COLUMNS, encoding="gbk").rows[0][1]["name"] == "张三"
    with pytest.raises(ImportRefused, match="cannot be read as utf-8"):
        read_table(open_upload("r.csv", data), COLUMNS, encoding="utf-8")
    with pytest.raises(ImportRefused, match="not an encoding"):
        read_table(open_upload("r.csv", data), COLUMNS, encoding="klingon")


def test_bom_with_gbk_bytes_after_it_is_refused_not_misread():
    with pytest.raises(ImportRefused, match="cannot be read"):
        read_table(open_upload("r.csv", codecs.BOM_UTF8 + _csv(ROWS, "gbk")), COLUMNS)


def test_headers_with_notes_stars_and_spaces_match_their_column():
    rows = [["姓 名*", "身份证号（必填）", "手机号:"], ["张三", "340302199001011234", "13900000001"]]
    table = read_table(open_upload("r.csv", _csv(rows, "utf-8")), COLUMNS)
    assert set(table.headers) == {"name", "id_number", "mobile"}


def test_a_title_row_above_the_header_is_skipped_and_row_numbers_are_the_files():
    table = read_table(open_upload("r.xlsx", _xlsx(ROWS, title="2023年蚌埠市科技特派员名单")), COLUMNS)
    assert [number for number, _ in table.rows] == [3, 4]


def test_a_missing_required_column_is_a_problem_naming_it():
    table = read_table(open_upload("r.csv", _csv([["手机", "身份证号"], ["13900000001", "x"]], "utf-8")), COLUMNS)
    assert [(p.row, p.column) for p in table.problems] == [(1, "姓名")]
    assert "姓名" in table.problems[0].message


def test_a_sheet_without_a_header_row_is_refused_naming_the_headers_it_needs():
    with pytest.raises(ImportRefused, match="姓名"):
        read_table(open_upload("r.csv", _csv([["a", "b"], ["1", "2"]], "utf-8")), COLUMNS)


def test_xlsx_cells_keep_what_was_typed_and_formulas_stay_text():
    rows = [["姓名", "身份证号", "手机", "开始日期"],
            ["=HYPERLINK(\"http://x\",\"张三\")", "34030219900101123X", 13900000001, datetime.date(2023, 1, 1)]]
    table = read_table(open_upload("r.xlsx", _xlsx(rows)), COLUMNS)
    values = table.rows[0][1]
    assert values["name"] == '=HYPERLINK("http://x","张三")'  # the formula's text, never its value
    assert values["mobile"] == "13900000001"  # no ".0"
    assert values["start"] == "2023-01-01"


def test_blank_rows_are_skipped():
    table = read_table(open_upload("r.csv", _csv([ROWS[0], ["", "", "", ""], ROWS[1]], "utf-8")), COLUMNS)
    assert [number for number, _ in table.rows] == [3]


def test_a_sheet_over_the_row_limit_is_refused(settings):
    rows = [ROWS[0]] + [[str(i), f"人{i}", "", ""] for i in range(30)]
    with pytest.raises(ImportRefused, match="limit"):
        read_table(open_upload("r.csv", _csv(rows, "utf-8")), COLUMNS, max_rows=20)
    with pytest.raises(ImportRefused, match="limit"):
        read_table(open_upload("r.xlsx", _xlsx(rows)), COLUMNS, max_rows=5)


def test_a_binary_file_named_csv_is_refused():
    with pytest.raises(ImportRefused):
        read_table(open_upload("r.csv", b"\x00\x01\x02" * 50), COLUMNS)
