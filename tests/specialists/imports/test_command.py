"""`manage.py import KIND FILE [--dry-run]`: the preview printed, everything written or nothing, and
the run recorded in the history of imports."""

import io

import pytest
from django.core.management import CommandError, call_command

from specialists.imports.models import ImportJob
from specialists.people.models import Organisation
from tests.specialists.imports.kinds import test_kind  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media", "english_messages", "test_kind")]


def _file(tmp_path, text, name="orgs.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode("gbk"))
    return str(path)


def _run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_dry_run_prints_the_preview_and_writes_nothing(tmp_path):
    out, _ = _run("test_organisations", _file(tmp_path, "单位名称,单位类型\n安徽农业大学,大学\n"), "--dry-run")
    assert "Rows read: 1; organisation create 1" in out
    assert "Dry run: nothing was written." in out
    assert not Organisation.objects.filter(name="安徽农业大学").exists()
    assert ImportJob.objects.get().status == ImportJob.Status.READY


def test_an_import_writes_and_is_recorded(tmp_path):
    out, _ = _run("test_organisations", _file(tmp_path, "单位名称,单位类型\n安徽农业大学,大学\n"))
    job = ImportJob.objects.get()
    assert f"Imported: organisation create 1 (import {job.pk})." in out
    assert job.status == ImportJob.Status.DONE and job.requested_by is None and len(job.sha256) == 64
    assert Organisation.objects.get(name="安徽农业大学").kind == Organisation.Kind.UNIVERSITY


def test_refused_rows_are_printed_by_row_and_column_and_nothing_is_written(tmp_path):
    path = _file(tmp_path, "单位名称,单位类型\n安徽农业大学,大学\n某所,研究所\n")
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import", "test_organisations", path, stdout=io.StringIO(), stderr=err)
    assert "row 3, column 单位类型: Not a kind: 研究所" in err.getvalue()
    assert not Organisation.objects.filter(name="安徽农业大学").exists()


def test_an_option_is_passed_to_the_kind(tmp_path):
    path = _file(tmp_path, "单位名称,单位类型\n安徽农业大学,大学\n")
    with pytest.raises(CommandError):
        _run("test_organisations", path, "--option", "encoding=utf-8")
    _run("test_organisations", path, "--option", "encoding=gbk")
    assert Organisation.objects.filter(name="安徽农业大学").exists()


@pytest.mark.parametrize(("args", "message"), [
    (["nosuchkind", "x.csv"], "Cannot read"),
    (["nosuchkind", "__FILE__"], "no import of kind nosuchkind"),
    (["test_organisations", "__FILE__", "--option", "colour"], "NAME=VALUE"),
    (["test_organisations", "__FILE__", "--county", "999999"], "--county"),
])
def test_mistakes_are_named(tmp_path, args, message):
    path = _file(tmp_path, "单位名称,单位类型\n安徽农业大学,大学\n")
    with pytest.raises(CommandError, match=message):
        _run(*[path if a == "__FILE__" else a for a in args])
