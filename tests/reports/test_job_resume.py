"""A year export whose worker was killed is queued again by the status poll (the
dashboard's progress bar) and finishes; one that is still moving is left alone."""

import datetime

from django.urls import reverse
from django.utils import timezone

from core.jobs import JobState
from reports.models import ReportJob


def _running(world, *, silent_for: datetime.timedelta) -> ReportJob:
    return ReportJob.objects.create(
        kind="year",
        params={"year": 2023},
        requested_by=world.coordinator,
        state=JobState.RUNNING,
        started_at=timezone.now() - silent_for,
        heartbeat_at=timezone.now() - silent_for,
        done=1,
        total=3,
    )


def test_a_job_whose_worker_died_is_resumed_by_the_status_poll(
    client, world, year, django_capture_on_commit_callbacks
):
    job = _running(world, silent_for=datetime.timedelta(minutes=5))
    assert job.is_stale
    client.force_login(world.coordinator)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client.get(reverse("reports:job-status", args=[job.pk]))
    assert len(callbacks) == 1
    job.refresh_from_db()
    assert job.state == JobState.DONE and job.file
    assert client.get(reverse("reports:job-file", args=[job.pk])).status_code == 200


def test_a_job_that_is_still_moving_is_left_alone(
    client, world, year, django_capture_on_commit_callbacks
):
    job = _running(world, silent_for=datetime.timedelta(seconds=5))
    client.force_login(world.coordinator)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        status = client.get(reverse("reports:job-status", args=[job.pk])).json()
    assert callbacks == [] and status["state"] == "running"
    job.refresh_from_db()
    assert job.state == JobState.RUNNING and not job.file
