"""Celery: eager in-process tasks without a broker, real round trips through Redis and a worker
with one, and the gate that keeps CI from passing by skipping the latter."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from celery.result import EagerResult
from django.db import connection

from config.celery import database_ping, ping

BASE_DIR = Path(__file__).resolve().parent.parent


def test_tasks_run_eagerly_in_process_outside_services_tests():
    result = ping.delay("村")

    assert isinstance(result, EagerResult)
    assert result.get() == {"pong": "村"}


@pytest.mark.django_db
def test_eager_task_reads_the_callers_database(django_user_model):
    django_user_model.objects.create_user(username="coordinator", password="unused")

    assert database_ping.delay().get() == {"database": connection.settings_dict["NAME"], "users": 1}


@pytest.mark.services("redis")
def test_ping_round_trip_through_broker_and_worker(live_celery_worker):
    result = ping.delay("特派")

    assert not isinstance(result, EagerResult)
    assert result.get(timeout=30) == {"pong": "特派"}
    assert result.state == "SUCCESS"


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_worker_reads_the_test_database(live_celery_worker, django_user_model):
    django_user_model.objects.create_user(username="leader", password="unused")
    django_user_model.objects.create_user(username="specialist", password="unused")

    answer = database_ping.delay().get(timeout=30)

    assert answer == {"database": connection.settings_dict["NAME"], "users": 2}
    assert answer["database"].startswith("test_")


def _run_services_test_without_services(**flags):
    """Run one services test in a child pytest with no broker and no PostgreSQL configured."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"DATABASE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "CI", "TEPAI_REQUIRE_SERVICES"}
    }
    env.update(flags)
    return subprocess.run(
        [
            sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rs",
            "tests/test_celery.py::test_worker_reads_the_test_database",
        ],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


# slow: runs pytest again in a fresh process (3 to 5 s here); the whole suite (scripts/test.sh) runs it.
@pytest.mark.slow
@pytest.mark.parametrize("flags", [{"CI": "true"}, {"TEPAI_REQUIRE_SERVICES": "1"}], ids=["CI=true", "TEPAI_REQUIRE_SERVICES=1"])
def test_services_test_fails_when_services_are_required_but_missing(flags):
    run = _run_services_test_without_services(**flags)

    assert run.returncode == 1, run.stdout + run.stderr
    assert "1 error" in run.stdout
    assert "Redis: no CELERY_BROKER_URL configured" in run.stdout
    assert "PostgreSQL: DATABASE_URL is not a postgresql:// URL" in run.stdout


# slow: runs pytest again in a fresh process (3 to 5 s here); the whole suite (scripts/test.sh) runs it.
@pytest.mark.slow
def test_services_test_is_skipped_with_the_missing_service_named_on_a_bare_machine():
    run = _run_services_test_without_services(CI="true", TEPAI_REQUIRE_SERVICES="0")

    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 skipped" in run.stdout
    assert (
        "needs services: PostgreSQL: DATABASE_URL is not a postgresql:// URL; Redis: no CELERY_BROKER_URL configured"
        in run.stdout
    )
