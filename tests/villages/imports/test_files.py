"""Hostile and mislabelled files are refused before anything parses them, with a message naming the file."""

import io
import zipfile

import pytest

from villages.imports.files import CSV, GEOJSON, GPKG, SHAPEFILE_ZIP, XLSX, open_upload
from villages.imports.plans import ImportRefused

pytestmark = pytest.mark.usefixtures("english_messages")


def _zip(members):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def _refused(name, data, **kwargs):
    with pytest.raises(ImportRefused) as caught:
        open_upload(name, data, **kwargs)
    return str(caught.value)


def _xlsx():
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["姓名"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_each_format_is_recognised_by_its_name_and_content():
    assert open_upload("名单.CSV", "姓名\n张三\n".encode("gbk")).format == CSV
    assert open_upload("名单.xlsx", _xlsx()).format == XLSX
    assert open_upload("b.geojson", b'{"type": "FeatureCollection", "features": []}').format == GEOJSON
    assert open_upload("b.gpkg", b"SQLite format 3\x00" + b"\x00" * 100).format == GPKG
    assert open_upload("b.zip", _zip({"towns/towns.shp": b"x", "towns/towns.dbf": b"y"})).format == SHAPEFILE_ZIP


def test_a_file_over_the_limit_is_refused_before_it_is_read():
    message = _refused("big.csv", b"a" * 2048, max_bytes=1024)
    assert "big.csv" in message and "limit" in message


def test_an_empty_file_is_refused():
    assert "empty" in _refused("a.csv", b"")


def test_a_file_that_is_not_what_its_name_says_is_refused():
    assert "not what its name says" in _refused("roster.xlsx", "姓名,手机\n".encode())
    assert "not what its name says" in _refused("roster.csv", _xlsx())
    assert "not what its name says" in _refused("b.geojson", b"PK\x03\x04garbage")
    # An ordinary zip is not a workbook, however it is named.
    assert "not what its name says" in _refused("roster.xlsx", _zip({"a.txt": b"x"}))


def test_a_kind_refuses_formats_it_does_not_read():
    message = _refused("b.geojson", b'{"type": "FeatureCollection"}', formats=(XLSX, CSV))
    assert ".xlsx" in message and ".csv" in message


def test_an_archive_that_expands_past_the_limit_is_refused(settings):
    settings.TEPAI_IMPORT_MAX_EXPANDED_BYTES = 1_000_000
    bomb = _zip({"x.shp": b"\0" * 5_000_000})
    assert len(bomb) < 50_000  # a small file...
    assert "would expand" in _refused("b.zip", bomb)  # ...refused for what it would become


def test_an_archive_with_too_many_members_is_refused(settings):
    settings.TEPAI_IMPORT_MAX_MEMBERS = 5
    assert "holds 7 files" in _refused("b.zip", _zip({f"{i}.shp": b"x" for i in range(7)}))


@pytest.mark.parametrize("path", ["../evil.shp", "/etc/evil.shp", "a/../../evil.shp", "C:/evil.shp", "a\\..\\..\\evil.shp"])
def test_an_archive_with_paths_that_leave_its_folder_is_refused(path):
    assert "leaves its folder" in _refused("b.zip", _zip({path: b"x", "ok.shp": b"x"}))


def test_a_zip_without_a_shapefile_is_refused():
    assert "no .shp" in _refused("b.zip", _zip({"readme.txt": b"x"}))


def test_a_corrupt_zip_is_refused():
    assert "not a readable zip" in _refused("b.zip", b"PK\x03\x04" + b"\xff" * 100)
