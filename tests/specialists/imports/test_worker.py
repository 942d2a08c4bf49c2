"""An import through the API with a real Celery worker: the preview and the commit run in another
process, on committed rows, and the API is polled until each is done."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from specialists.assignments.models import VillageAssignment
from specialists.imports.models import ImportJob
from tests import factories as f
from tests.api import build_two_counties

URL = "/api/v1/imports/"


def _wait(client, job_id, until):
    deadline, job = time.monotonic() + 60, None
    while time.monotonic() < deadline:
        job = client.get(f"{URL}{job_id}/").json()
        if job["status"] in until:
            return job
        time.sleep(0.2)
    raise AssertionError(f"the import stayed {job['status']}")


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_previews_and_commits_an_import(live_celery_worker):
    sides = build_two_counties()
    village = f.make_village(town=sides.huaiyuan.town, name="新庄村")
    specialist = sides.huaiyuan.specialist
    client = APIClient(headers={"Accept-Language": "en"})
    client.force_authenticate(sides.users["county_coordinator"])
    sheet = f"姓名,身份证号,村代码,开始日期\n{specialist.name},{specialist.id_number},{village.code},2023-03-01\n"

    created = client.post(URL, {"kind": "village_assignments", "file": SimpleUploadedFile("派驻.csv", sheet.encode("gbk"))},
                          format="multipart")
    assert created.status_code == 201, created.content
    job = _wait(client, created.json()["id"], ("ready", "refused", "failed"))
    assert job["status"] == "ready", job
    assert job["preview"]["summary"] == {"village assignment": {"create": 1}}
    assert not VillageAssignment.objects.filter(village=village).exists()

    assert client.post(f"{URL}{job['id']}/confirm/").status_code == 202
    job = _wait(client, job["id"], ("done", "refused", "failed"))

    assert (job["status"], job["progress"]) == ("done", 100), job
    assignment = VillageAssignment.objects.get(village=village)
    assert (assignment.specialist_id, assignment.start_date.isoformat()) == (specialist.pk, "2023-03-01")
    assert ImportJob.objects.get().outcome["summary"] == job["preview"]["summary"]
