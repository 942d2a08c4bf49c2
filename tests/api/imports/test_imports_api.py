"""Imports through the API: upload, preview, confirm; all or nothing; scoped; hostile files refused."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from specialists.imports.models import ImportJob
from specialists.people.models import Organisation
from tests.specialists.imports.kinds import test_kind  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media", "test_kind")]
URL = "/api/v1/imports/"
GOOD = "单位名称,单位类型\n安徽农业大学,大学\n丰原集团,企业\n"


class _Client(APIClient):
    """Runs what a request queues on commit (the preview, the commit) before answering, as a worker would."""

    capture = None

    def generic(self, *args, **kwargs):
        with self.capture(execute=True):
            return super().generic(*args, **kwargs)


@pytest.fixture(autouse=True)
def _run_queued_tasks(django_capture_on_commit_callbacks):
    _Client.capture = staticmethod(django_capture_on_commit_callbacks)


def _client(user):
    client = _Client(headers={"Accept-Language": "en"})
    client.force_authenticate(user)
    return client


def _upload(user, text=GOOD, *, name="orgs.csv", encoding="gbk", options=None, status=201):
    payload = {"kind": "test_organisations", "file": SimpleUploadedFile(name, text.encode(encoding) if isinstance(text, str) else text)}
    if options is not None:
        payload["options"] = json.dumps(options)
    response = _client(user).post(URL, payload, format="multipart")
    assert response.status_code == status, response.content
    if status != 201:
        return response.json()
    assert response.json()["status"] == "previewing"  # the preview is a job: poll it
    return _client(user).get(f"{URL}{response.json()['id']}/").json()


def test_an_upload_is_previewed_and_writes_nothing_until_confirmed(two_counties):
    coordinator = two_counties.users["city_coordinator"]
    before = Organisation.objects.count()

    job = _upload(coordinator)

    assert job["status"] == "ready" and job["rows"] == 2
    assert job["preview"]["summary"] == {"organisation": {"create": 2}}
    assert [c["key"] for c in job["preview"]["changes"]] == ["安徽农业大学", "丰原集团"]
    assert job["sha256"] == ImportJob.objects.get().sha256 and len(job["sha256"]) == 64
    assert Organisation.objects.count() == before

    done = _client(coordinator).post(f"{URL}{job['id']}/confirm/")
    assert done.status_code == 202
    job = _client(coordinator).get(f"{URL}{job['id']}/").json()
    assert job["status"] == "done" and job["outcome"]["summary"] == {"organisation": {"create": 2}}
    assert job["confirmed_by"] == coordinator.username
    assert Organisation.objects.get(name="丰原集团").kind == Organisation.Kind.ENTERPRISE


def test_the_same_file_twice_changes_nothing_the_second_time(two_counties):
    coordinator = two_counties.users["city_coordinator"]
    first = _upload(coordinator)
    _client(coordinator).post(f"{URL}{first['id']}/confirm/")
    count = Organisation.objects.count()

    second = _upload(coordinator)

    assert second["preview"]["summary"] == {"organisation": {"unchanged": 2}}
    assert second["preview"]["changes"] == []
    _client(coordinator).post(f"{URL}{second['id']}/confirm/")
    assert Organisation.objects.count() == count


def test_refused_rows_are_listed_and_the_job_cannot_be_confirmed(two_counties):
    coordinator = two_counties.users["city_coordinator"]
    job = _upload(coordinator, GOOD + "某研究所,研究所\n")

    assert job["status"] == "refused"
    assert job["preview"]["problems"] == [{"row": 4, "column": "单位类型", "message": "Not a kind: 研究所"}]
    response = _client(coordinator).post(f"{URL}{job['id']}/confirm/")
    assert response.status_code == 409
    assert not Organisation.objects.filter(name="安徽农业大学").exists()


def test_a_crash_in_the_middle_of_a_commit_leaves_nothing_written(two_counties):
    coordinator = two_counties.users["city_coordinator"]
    job = _upload(coordinator, options={"fail_after": 1})

    with pytest.raises(RuntimeError):  # eager tasks propagate the worker's error
        _client(coordinator).post(f"{URL}{job['id']}/confirm/")

    assert not Organisation.objects.filter(name="安徽农业大学").exists()  # the first row was rolled back
    assert ImportJob.objects.get().status == ImportJob.Status.FAILED


def test_a_confirmed_job_is_written_once(two_counties):
    coordinator = two_counties.users["city_coordinator"]
    job = _upload(coordinator)
    assert _client(coordinator).post(f"{URL}{job['id']}/confirm/").status_code == 202
    again = _client(coordinator).post(f"{URL}{job['id']}/confirm/")
    assert again.status_code == 409 and "Imported" in again.json()["message"]


def test_new_options_preview_the_file_again(two_counties):
    coordinator = two_counties.users["city_coordinator"]
    job = _upload(coordinator, options={"encoding": "utf-8"})
    assert job["status"] == "refused"
    assert "cannot be read as utf-8" in job["preview"]["problems"][0]["message"]

    response = _client(coordinator).post(f"{URL}{job['id']}/options/", {"options": {"encoding": "gbk"}}, format="json")

    assert response.status_code == 200 and response.json()["status"] == "previewing"
    job = _client(coordinator).get(f"{URL}{job['id']}/").json()
    assert job["status"] == "ready" and job["options"] == {"encoding": "gbk"}


def test_an_unknown_option_names_the_field(two_counties):
    body = _upload(two_counties.users["city_coordinator"], options={"colour": "red"}, status=422)
    assert "colour" in body["fields"]["options"][0]


@pytest.mark.parametrize(("name", "data", "message"), [
    ("orgs.xlsx", b"not a workbook", "not what its name says"),
    ("orgs.exe", b"MZ", "not a file this import reads"),
])
def test_a_hostile_or_mislabelled_file_is_refused_at_once_and_nothing_is_kept(two_counties, name, data, message):
    body = _upload(two_counties.users["city_coordinator"], data, name=name, status=422)
    assert body["code"] == "import_refused" and message in body["message"]
    assert body["problems"][0]["row"] is None
    assert not ImportJob.objects.exists()


def test_an_empty_file_is_refused(two_counties):
    body = _upload(two_counties.users["city_coordinator"], b"", status=400)
    assert "empty" in body["fields"]["file"][0]


def test_a_file_over_the_limit_is_refused(two_counties, settings):
    settings.TEPAI_IMPORT_MAX_BYTES = 100
    body = _upload(two_counties.users["city_coordinator"], GOOD * 10, status=422)
    assert "limit" in body["message"]


def test_a_request_declaring_more_than_the_limit_is_refused_unread(two_counties, settings):
    settings.TEPAI_IMPORT_MAX_BYTES = 1000
    body = _upload(two_counties.users["city_coordinator"], "x" * 200_000, status=413)
    assert body["code"] == "too_large" and "1000 bytes" in body["message"]
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize("who", ["leader_city", "specialist", "no_role"])
def test_only_coordinators_import(two_counties, who):
    user = two_counties.users[who]
    assert _client(user).get(URL).status_code == 403
    assert _client(user).get(f"{URL}kinds/").status_code == 403
    _upload(user, status=403)


def test_a_kind_not_allowed_at_the_users_place_is_refused(two_counties):
    body = _upload(two_counties.users["county_coordinator"], status=403)
    assert "may not import" in body["message"]
    assert "test_organisations" not in [k["name"] for k in _client(two_counties.users["county_coordinator"]).get(f"{URL}kinds/").json()]


def test_the_history_is_scoped_to_the_place(two_counties):
    city_job = _upload(two_counties.users["city_coordinator"])
    county_user = two_counties.users["county_coordinator"]

    assert _client(county_user).get(URL).json()["count"] == 0
    assert _client(county_user).get(f"{URL}{city_job['id']}/").status_code == 404
    assert _client(two_counties.users["city_coordinator"]).get(URL).json()["count"] == 1


def test_the_uploaded_file_is_kept_and_can_be_fetched(two_counties):
    coordinator = two_counties.users["city_coordinator"]
    job = _upload(coordinator)
    response = _client(coordinator).get(f"{URL}{job['id']}/file/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == GOOD.encode("gbk")


def test_the_kinds_list_columns_and_the_template_reads_back_as_its_columns(two_counties):
    from openpyxl import load_workbook

    coordinator = two_counties.users["city_coordinator"]
    kinds = {k["name"]: k for k in _client(coordinator).get(f"{URL}kinds/").json()}
    kind = kinds["test_organisations"]
    assert [c["header"] for c in kind["columns"]] == ["单位名称", "单位类型"]

    response = _client(coordinator).get(kind["template_url"])

    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    first, notes = book.worksheets
    assert [c.value for c in first[1]] == ["单位名称", "单位类型"]
    assert first.data_validations.dataValidation[0].formula1 == '"大学,企业,其他"'
    assert [row[0] for row in notes.iter_rows(min_row=2, values_only=True)] == ["单位名称", "单位类型"]


def test_an_export_imports_back_unchanged(two_counties):
    coordinator = two_counties.users["city_coordinator"]
    Organisation.objects.create(name="=HYPERLINK(\"x\")", kind=Organisation.Kind.OTHER)
    exported = _client(coordinator).get(f"{URL}kinds/test_organisations/export/")
    assert exported.status_code == 200

    job = _upload(coordinator, exported.content, name="export.xlsx")

    assert job["status"] == "ready"
    assert set(job["preview"]["summary"]["organisation"]) == {"unchanged"}
    assert job["preview"]["summary"]["organisation"]["unchanged"] == Organisation.objects.count()
