"""Fixtures the roster imports' tests share: sheets built in the test, and a small division tree
with specialists to name in them."""

import csv
import dataclasses
import io

import pytest

from tests import factories as f
from villages.imports.files import open_upload
from villages.places import Place


def xlsx(rows, name="roster.xlsx"):
    """An upload of an .xlsx workbook whose first sheet holds `rows` (the header first)."""
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return open_upload(name, out.getvalue())


def csv_upload(rows, encoding="utf-8", name="roster.csv"):
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return open_upload(name, text.getvalue().encode(encoding))


@dataclasses.dataclass
class Tree:
    city: object
    huaiyuan: object
    wuhe: object
    town: object
    wuhe_town: object
    villages: dict
    organisation: object
    people: list

    @property
    def city_place(self):
        return Place(self.city)

    @property
    def huaiyuan_place(self):
        return Place(self.huaiyuan)


@pytest.fixture
def tree():
    """蚌埠市 with 怀远县 (白莲坡镇: 张庄村, 李庄村, 王湖村) and 五河县 (城关镇: 东风村), one
    organisation, and four specialists with ID numbers and mobiles."""
    city = f.default_city()
    huaiyuan = f.make_county(name="怀远县", code="349321", city=city)
    wuhe = f.make_county(name="五河县", code="349322", city=city)
    town = f.make_town(county=huaiyuan, name="白莲坡镇", code="349321100")
    wuhe_town = f.make_town(county=wuhe, name="城关镇", code="349322100")
    villages = {
        "张庄村": f.make_village(town=town, name="张庄村", code="349321100201"),
        "李庄村": f.make_village(town=town, name="李庄村", code="349321100202"),
        "王湖村": f.make_village(town=town, name="王湖村", code="349321100203"),
        "东风村": f.make_village(town=wuhe_town, name="东风村", code="349322100201"),
    }
    organisation = f.make_organisation(name="安徽科技学院")
    people = [
        f.make_specialist(name=name, organisation=organisation, mobile=f"1380000000{i}", id_number=f.valid_id_number(serial=i))
        for i, name in enumerate(["张三", "李四", "王五", "赵六"], start=1)
    ]
    return Tree(city, huaiyuan, wuhe, town, wuhe_town, villages, organisation, people)
