"""Map jobs through the API: asked for within scope by any role, polled, and fetched once made."""

import io
import json
import time

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from specialists.access.models import UserRole
from specialists.coverage.models import MapJob
from tests import factories as f
from tests.api import build_two_counties

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]
URL = "/api/v1/map-jobs/"


def _client(user):
    client = APIClient(headers={"Accept-Language": "en"})
    client.force_authenticate(user)
    return client


def _post(user, payload, status=201):
    response = _client(user).post(URL, payload, format="json")
    assert response.status_code == status, response.content
    return response.json()


def test_a_job_is_recorded_queued_with_what_was_asked(two_counties):
    body = _post(two_counties.users["city_coordinator"], {"kind": "villages", "format": "png", "as_of": "2023-06-15",
                                                          "town": two_counties.wuhe.town.code})

    job = MapJob.objects.get()
    assert body == {
        "id": job.pk, "kind": "villages", "format": "png", "as_of": "2023-06-15",
        "province": "34", "province_name": "安徽省", "city": "3403", "city_name": "蚌埠市",
        "county": two_counties.wuhe.county.code, "county_name": "五河县", "town": two_counties.wuhe.town.code, "town_name": "五河县镇",
        "status": "queued", "progress": 0, "error": None, "created_at": body["created_at"], "finished_at": None, "download_url": None,
    }
    assert job.requested_by == two_counties.users["city_coordinator"]


@pytest.mark.clock
def test_defaults_are_a_png_village_map_of_today_for_the_whole_city(two_counties):
    body = _post(two_counties.users["leader_city"], {})

    # Today in the site's zone, as the API reckons it; date.today() is the process's zone, which
    # is the site's only because Django sets TZ.
    assert (body["kind"], body["format"], body["as_of"], body["county"], body["town"]) == (
        "villages", "png", timezone.localdate().isoformat(), None, None)


def test_a_job_made_on_commit_is_polled_to_done_and_downloaded(two_counties, django_capture_on_commit_callbacks):
    user = two_counties.users["county_coordinator"]
    with django_capture_on_commit_callbacks(execute=True):
        created = _post(user, {"format": "geojson", "as_of": "2023-06-15"})

    client = _client(user)
    job = client.get(f"{URL}{created['id']}/").json()
    download = client.get(job["download_url"])

    assert (job["status"], job["progress"], job["error"]) == ("done", 100, None)
    assert job["download_url"] == f"http://testserver{URL}{created['id']}/download/"
    assert download.status_code == 200
    assert download["Content-Type"] == "application/geo+json"
    assert download["Content-Disposition"] == 'attachment; filename="village-coverage-349321-2023-06-15.geojson"'
    layer = json.loads(b"".join(download.streaming_content))
    # A county role's map is of its own unit.
    assert [feature["properties"]["code"] for feature in layer["features"]] == [two_counties.huaiyuan.village.code]


def test_a_png_map_is_downloaded_as_an_image(two_counties, django_capture_on_commit_callbacks):
    user = two_counties.users["leader_wuhe"]  # leaders ask for maps too: a map changes no data
    with django_capture_on_commit_callbacks(execute=True):
        created = _post(user, {"format": "png", "as_of": "2023-06-15"})

    download = _client(user).get(f"{URL}{created['id']}/download/")

    assert download["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(b"".join(download.streaming_content))).size[0] > 400


def test_a_done_job_whose_file_is_gone_answers_404(two_counties, django_capture_on_commit_callbacks):
    user = two_counties.users["leader_wuhe"]
    with django_capture_on_commit_callbacks(execute=True):
        created = _post(user, {"format": "png", "as_of": "2023-06-15"})
    job = MapJob.objects.get(pk=created["id"])
    job.result.storage.delete(job.result.name)  # a cleaned media folder

    response = _client(user).get(f"{URL}{created['id']}/download/")

    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_a_job_not_made_yet_answers_409_on_download(two_counties):
    user = two_counties.users["city_coordinator"]
    created = _post(user, {"format": "svg"})  # never committed in this test, so never run

    response = _client(user).get(f"{URL}{created['id']}/download/")

    assert response.status_code == 409
    assert response.json()["message"] == "This map is not made yet (0% done); try again shortly."


def test_a_failed_job_says_why_and_answers_409_on_download(two_counties):
    user = two_counties.users["city_coordinator"]
    job = f.make_map_job(requested_by=user, status=MapJob.Status.FAILED, error="no CJK font")

    client = _client(user)

    assert client.get(f"{URL}{job.pk}/").json()["error"] == "no CJK font"
    assert client.get(f"{URL}{job.pk}/download/").status_code == 409


# --- Scope --------------------------------------------------------------------------------------------------------

def test_a_county_role_cannot_name_another_unit_or_its_town(two_counties):
    user = two_counties.users["county_coordinator"]

    assert list(_post(user, {"county": two_counties.wuhe.county.code}, status=400)["fields"]) == ["county"]
    assert list(_post(user, {"town": two_counties.wuhe.town.code}, status=400)["fields"]) == ["town"]
    # The same answer as for a code that does not exist.
    assert list(_post(user, {"county": "999999"}, status=400)["fields"]) == ["county"]
    assert MapJob.objects.count() == 0
    assert _post(user, {"town": two_counties.huaiyuan.town.code})["county"] == two_counties.huaiyuan.county.code


def test_the_industry_map_of_the_whole_city_is_not_for_county_roles(two_counties):
    body = _post(two_counties.users["leader_wuhe"], {"kind": "industries"}, status=422)

    assert list(body["fields"]) == ["kind"]
    assert _post(two_counties.users["leader_city"], {"kind": "industries"})["county"] is None
    assert _post(two_counties.users["specialist"], {"kind": "industries"})["kind"] == "industries"


def test_the_industry_map_takes_no_unit_and_a_town_must_be_in_the_unit_named(two_counties):
    user = two_counties.users["city_coordinator"]

    # The map rules and the place resolver refuse these, as for the pages and the command: a rule (422),
    # a town not in the unit named (404, like one that does not exist).
    assert list(_post(user, {"kind": "industries", "county": two_counties.wuhe.county.code}, status=422)["fields"]) == ["kind"]
    assert list(_post(user, {"county": two_counties.huaiyuan.county.code, "town": two_counties.wuhe.town.code}, status=404)["fields"]) == ["town"]
    assert list(_post(user, {"format": "jpeg"}, status=400)["fields"]) == ["format"]
    assert list(_post(user, {"as_of": "9999-12-31"}, status=400)["fields"]) == ["as_of"]


def test_a_specialist_asks_for_maps_of_any_division(two_counties):
    body = _post(two_counties.users["specialist"], {"town": two_counties.wuhe.town.code})

    assert body["town"] == two_counties.wuhe.town.code


def test_each_user_sees_only_their_own_jobs(two_counties):
    mine = f.make_map_job(requested_by=two_counties.users["county_coordinator"], county=two_counties.huaiyuan.county)
    theirs = f.make_map_job(requested_by=two_counties.users["leader_wuhe"], county=two_counties.wuhe.county, town=two_counties.wuhe.town,
                            status=MapJob.Status.DONE, result="maps/job-x/village-coverage.png")
    client = _client(two_counties.users["county_coordinator"])

    listed = client.get(URL).json()

    assert [job["id"] for job in listed["results"]] == [mine.pk]
    assert client.get(f"{URL}{theirs.pk}/").status_code == 404
    assert client.get(f"{URL}{theirs.pk}/download/").status_code == 404
    assert [job["id"] for job in _client(two_counties.users["city_coordinator"]).get(URL).json()["results"]] == []


def test_a_user_moved_to_a_county_no_longer_reaches_their_city_maps(two_counties):
    user = two_counties.users["leader_city"]
    city_map = f.make_map_job(requested_by=user)
    role = UserRole.objects.get(user=user)
    role.county = two_counties.wuhe.county
    role.save()

    client = _client(get_user_model().objects.get(pk=user.pk))

    assert client.get(URL).json()["count"] == 0
    assert client.get(f"{URL}{city_map.pk}/").status_code == 404


def test_no_role_is_403_and_anonymous_401(two_counties):
    assert _client(two_counties.users["no_role"]).get(URL).status_code == 403
    assert _client(two_counties.users["no_role"]).post(URL, {}, format="json").status_code == 403
    assert APIClient().post(URL, {}, format="json").status_code == 401


def test_a_job_cannot_be_changed_or_deleted(two_counties):
    user = two_counties.users["city_coordinator"]
    job = f.make_map_job(requested_by=user)

    for method in ("put", "patch", "delete"):
        assert getattr(_client(user), method)(f"{URL}{job.pk}/", {}, format="json").status_code in (403, 405)
    assert MapJob.objects.filter(pk=job.pk).exists()


@pytest.mark.parametrize("rows", [1, 50])
def test_the_list_costs_the_same_queries_for_1_and_50_jobs(two_counties, rows):
    user = two_counties.users["county_coordinator"]
    for _ in range(rows):
        f.make_map_job(requested_by=user, county=two_counties.huaiyuan.county, town=two_counties.huaiyuan.town)
    client = APIClient()
    client.force_authenticate(get_user_model().objects.get(pk=user.pk))

    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL, {"page_size": 100})

    # The role, the count, the page (joined to unit and town).
    assert (len(captured), response.json()["count"]) == (3, rows)


# --- A real worker ------------------------------------------------------------------------------------------------------

@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_makes_the_map_that_the_api_polls_and_serves(live_celery_worker):
    two_counties = build_two_counties()
    user = two_counties.users["county_coordinator"]
    client = _client(user)

    created = client.post(URL, {"format": "png", "as_of": "2023-06-15"}, format="json").json()
    deadline, job = time.monotonic() + 60, created
    while job["status"] not in ("done", "failed") and time.monotonic() < deadline:
        time.sleep(0.2)
        job = client.get(f"{URL}{created['id']}/").json()
    download = client.get(job["download_url"])

    assert (created["status"], job["status"], job["progress"]) == ("queued", "done", 100)
    assert download.status_code == 200
    assert Image.open(io.BytesIO(b"".join(download.streaming_content))).size[0] > 400


def test_the_schema_names_the_content_type_of_every_map_format():
    from api.coverage.serializers import MAP_CONTENT_TYPES
    from villages.maps import CONTENT_TYPES

    assert sorted(MAP_CONTENT_TYPES) == sorted(set(CONTENT_TYPES.values()))
