"""Five phones' worth of the same service-log POST, sent at once over real HTTP to a threaded server
on PostgreSQL: one row, and every answer carries its id."""

import json
import threading
import urllib.request
import uuid

import pytest
from django.db import connection
from rest_framework_simplejwt.tokens import RefreshToken

from specialists.access.models import UserRole
from specialists.fieldwork.models import ServiceLog
from tests import factories as f
from villages import geometry
from shapely.geometry import box

pytestmark = [pytest.mark.services("postgresql"), pytest.mark.django_db(transaction=True)]


def _post(url, token, body):
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Accept-Language": "en"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, json.loads(response.read())


def test_five_identical_posts_at_once_store_one_log_and_answer_its_id(live_server):
    village = f.make_village(boundary=geometry.to_wkb(box(117.20, 32.95, 117.21, 32.96)))
    assignment = f.make_village_assignment(village=village)
    user = f.make_user_role(role=UserRole.Role.SPECIALIST, specialist=assignment.specialist).user
    token = str(RefreshToken.for_user(user).access_token)
    body = {
        "uuid": str(uuid.uuid4()), "village": village.code, "kind": "visit", "occurred_at": "2024-05-01T09:30:00+08:00",
        "description": "葡萄园病害巡查", "people_served": 6,
        "location": {"lon": 117.205, "lat": 32.955, "accuracy_m": 10, "crs": "WGS84"},
    }
    barrier = threading.Barrier(5)
    answers, failures = [], []

    def send():
        try:
            barrier.wait(timeout=10)
            answers.append(_post(f"{live_server.url}/api/v1/service-logs/", token, body))
        except Exception as error:  # an HTTP error or a timeout: reported below
            failures.append(error)

    threads = [threading.Thread(target=send) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert failures == []
    stored = ServiceLog.objects.get()  # exactly one row
    assert sorted(status for status, _ in answers) == [200, 200, 200, 200, 201]
    assert {answer["id"] for _, answer in answers} == {stored.pk}
    assert {answer["uuid"] for _, answer in answers} == {body["uuid"]}
    assert connection.vendor == "postgresql"
