"""With the task queue down (the RQ backend's Redis gone), asking for the year's workbook
answers the dashboard with the reason, not a 500, and the job is failed — not left
"waiting to start" for a task that was never queued."""

import pytest
from django.test import override_settings
from django.urls import reverse

from core.jobs import JobState
from reports.models import ReportJob

# A closed port: the connection is refused at once.
DOWN = "redis://127.0.0.1:1/0"
RQ_DOWN = {
    "TASKS": {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}},
    "RQ_QUEUES": {"default": {"URL": DOWN}},
    "RQ": {"JOB_CLASS": "django_tasks_rq.Job"},
}
MESSAGE_VI = "Hàng đợi công việc không hoạt động"

# Committed for real: the job is queued (or not) when its row commits, inside the request.
pytestmark = pytest.mark.django_db(transaction=True)


def test_year_export_with_the_queue_down_fails_the_job_with_a_message(client, world, year):
    client.force_login(world.coordinator)
    client.raise_request_exception = False
    with override_settings(**RQ_DOWN):
        response = client.post(reverse("reports:year-export", args=[2023]), follow=True)
    assert response.status_code == 200
    job = ReportJob.objects.get()
    assert job.state == JobState.FAILED and job.finished_at is not None
    assert job.error.startswith(MESSAGE_VI)
    assert MESSAGE_VI in response.content.decode()


def test_status_poll_with_the_queue_down_fails_the_lost_job(client, world):
    import datetime

    from django.utils import timezone

    long_ago = timezone.now() - datetime.timedelta(hours=1)
    job = ReportJob.objects.create(
        kind="year",
        params={"year": 2023},
        requested_by=world.coordinator,
        state=JobState.RUNNING,
        started_at=long_ago,
        heartbeat_at=long_ago,
    )
    client.force_login(world.coordinator)
    client.raise_request_exception = False
    with override_settings(**RQ_DOWN):
        response = client.get(reverse("reports:job-status", args=[job.pk]))
    assert response.status_code == 200
    assert response.json()["state"] == "failed"
    assert response.json()["error"].startswith(MESSAGE_VI)
    job.refresh_from_db()
    assert job.state == JobState.FAILED
