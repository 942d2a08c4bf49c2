"""Map jobs: committed before queued, rendered once, safe to run twice, and completed on redelivery."""

import io
import os
import signal
import time

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from specialists.coverage import map_jobs as services
from specialists.coverage.models import MapJob
from villages.places import Place
from tests.factories import START, make_specialist, make_town, make_user, make_village, make_village_assignment

# Job ids restart with each test's database; each test gets its own files too (but for the real
# worker's tests: see `media`).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


@pytest.fixture
def town():
    town = make_town()
    covered = make_village(town=town)
    make_village(town=town)
    make_village_assignment(village=covered, specialist=make_specialist())
    return town


def _png_size(job):
    with job.result.open("rb") as handle:
        return Image.open(io.BytesIO(handle.read())).size


def _files_of(job):
    folder = os.path.dirname(job.result.path)
    return sorted(os.listdir(folder))


def test_a_job_is_queued_only_once_its_row_is_committed(town, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = services.map_job_create(requested_by=make_user(), kind=MapJob.Kind.VILLAGES, fmt="png", as_of=START, place=Place(town))

    assert len(callbacks) == 1
    job.refresh_from_db()
    assert (job.status, job.attempts, job.result.name) == (MapJob.Status.QUEUED, 0, "")


def test_a_job_renders_and_stores_its_file(town, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.map_job_create(requested_by=make_user(), kind=MapJob.Kind.VILLAGES, fmt="png", as_of=START, place=Place(town))

    job.refresh_from_db()
    assert (job.status, job.progress, job.attempts, job.error) == (MapJob.Status.DONE, 100, 1, "")
    assert job.county == town.county  # a town's job records its county too
    assert job.result.name.startswith(f"maps/job-{job.pk}/village-coverage-{town.code}-")
    assert _png_size(job)[0] > 400
    assert job.finished_at >= job.started_at


def test_running_a_done_job_again_changes_nothing(town):
    job = MapJob.objects.create(kind=MapJob.Kind.VILLAGES, format="png", as_of=START, town=town, county=town.county)
    services.map_job_run(job_id=job.pk)
    first = MapJob.objects.get(pk=job.pk)

    services.map_job_run(job_id=job.pk)

    again = MapJob.objects.get(pk=job.pk)
    assert (again.attempts, again.result.name, again.finished_at) == (1, first.result.name, first.finished_at)
    assert _files_of(again) == [os.path.basename(first.result.name)]


def test_an_attempt_that_died_mid_render_is_completed_by_the_next(town, monkeypatch):
    job = MapJob.objects.create(kind=MapJob.Kind.VILLAGES, format="png", as_of=START, town=town, county=town.county)
    from specialists.coverage import maps as coverage_maps

    real = coverage_maps.coverage_map

    def dies(**kwargs):
        raise SystemExit("worker killed")  # not an Exception: nothing marks the job failed

    monkeypatch.setattr(coverage_maps, "coverage_map", dies)
    with pytest.raises(SystemExit):
        services.map_job_run(job_id=job.pk)
    assert MapJob.objects.get(pk=job.pk).status == MapJob.Status.RUNNING

    monkeypatch.setattr(coverage_maps, "coverage_map", real)
    services.map_job_run(job_id=job.pk)

    done = MapJob.objects.get(pk=job.pk)
    assert (done.status, done.attempts) == (MapJob.Status.DONE, 2)
    assert len(_files_of(done)) == 1


def test_a_failed_render_records_its_error(town, monkeypatch):
    from specialists.coverage import maps as coverage_maps

    def broken(**kwargs):
        raise RuntimeError("no CJK font")

    monkeypatch.setattr(coverage_maps, "coverage_map", broken)
    job = MapJob.objects.create(kind=MapJob.Kind.VILLAGES, format="png", as_of=START, town=town, county=town.county)

    with pytest.raises(RuntimeError):
        services.map_job_run(job_id=job.pk)

    failed = MapJob.objects.get(pk=job.pk)
    assert (failed.status, failed.error, failed.result.name) == (MapJob.Status.FAILED, "no CJK font", "")


def test_a_job_names_its_place_and_every_division_above_it(town):
    job = services.map_job_create(requested_by=None, kind=MapJob.Kind.VILLAGES, fmt="geojson", place=Place(town))

    assert (job.town, job.county, job.city, job.province) == (town, town.county, town.county.city, town.county.city.province)


def test_an_industry_map_of_a_town_is_refused_by_the_map_rules_and_nothing_is_recorded(town):
    with pytest.raises(ValidationError) as refused:
        services.map_job_create(requested_by=None, kind=MapJob.Kind.INDUSTRIES, fmt="png", place=Place(town))

    assert list(refused.value.message_dict) == ["kind"]
    assert not MapJob.objects.exists()


def _wait_for(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_renders_a_queued_job(town, live_celery_worker):
    job = services.map_job_create(requested_by=make_user(), kind=MapJob.Kind.VILLAGES, fmt="png", as_of=START, place=Place(town))

    _wait_for(lambda: MapJob.objects.get(pk=job.pk).status == MapJob.Status.DONE, 60, "the worker to finish the job")
    done = MapJob.objects.get(pk=job.pk)
    assert (done.attempts, done.progress) == (1, 100)
    assert _png_size(done)[0] > 400


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_render_leaves_a_job_that_completes_once_on_redelivery(town, live_celery_worker):
    hook_dir = live_celery_worker.hook_dir
    hold = hook_dir / "hold"
    hold.write_text("")
    try:
        job = services.map_job_create(requested_by=make_user(), kind=MapJob.Kind.VILLAGES, fmt="png", as_of=START, place=Place(town))
        marker = _wait_for(lambda: next(hook_dir.glob("rendering-*"), None), 60, "the worker to start rendering")
        child = int(marker.name.removeprefix("rendering-"))
        marker.unlink()
        assert MapJob.objects.get(pk=job.pk).status == MapJob.Status.RUNNING

        os.kill(child, signal.SIGKILL)  # the pool process dies mid-render; its message was not acked
    finally:
        hold.unlink()

    _wait_for(lambda: MapJob.objects.get(pk=job.pk).status == MapJob.Status.DONE, 60, "the redelivered job to finish")
    done = MapJob.objects.get(pk=job.pk)
    assert done.attempts == 2
    assert len(_files_of(done)) == 1
    assert _png_size(done)[0] > 400
    time.sleep(1)  # nothing runs it a third time
    assert MapJob.objects.get(pk=job.pk).attempts == 2
