"""Lost jobs are queued again without anyone watching: `manage.py requeue_stale_jobs`
(run when the worker starts and from a timer) does for every kind of job what the status
poll does for the one someone is watching."""

import datetime
import io

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from certificates.models import CertificateBatch
from core.jobs import BackgroundJob, JobState, registered_job_tasks
from reports.models import ReportJob

pytestmark = pytest.mark.django_db

# The database backend: the tasks stay queued as rows to look at (tests run them at once).
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
RQ_DOWN = {
    "TASKS": {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}},
    "RQ_QUEUES": {"default": {"URL": "redis://127.0.0.1:1/0"}},
    "RQ": {"JOB_CLASS": "django_tasks_rq.Job"},
}


def _ago(**delta) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(**delta)


def _report(state, at) -> ReportJob:
    return ReportJob.objects.create(
        kind="year", params={"year": 2023}, state=state, started_at=at, heartbeat_at=at
    )


def _queued(task_name: str) -> list[list]:
    return [
        r.args_kwargs["args"]
        for r in DBTaskResult.objects.filter(task_path__endswith=task_name, status="READY")
    ]


def test_every_kind_of_job_is_registered_with_its_task():
    kinds = {model for model in apps.get_models() if issubclass(model, BackgroundJob)}
    assert kinds == set(registered_job_tasks()) == {CertificateBatch, ReportJob}


def test_stale_jobs_are_queued_again_and_live_ones_left_alone(
    world, django_capture_on_commit_callbacks
):
    dead = _report(JobState.RUNNING, _ago(minutes=5))  # worker killed at night
    moving = _report(JobState.RUNNING, _ago(seconds=5))
    waiting = _report(JobState.QUEUED, _ago(days=1))  # report jobs wait for a worker
    finished = _report(JobState.DONE, _ago(days=1))
    unclaimed = CertificateBatch.objects.create(
        training_class=world.class_a, created_at=_ago(hours=1)
    )  # queued an hour ago: no worker took it
    out = io.StringIO()
    with override_settings(TASKS=DB_TASKS), django_capture_on_commit_callbacks(execute=True):
        call_command("requeue_stale_jobs", stdout=out)

    for job in (dead, moving, waiting, finished, unclaimed):
        job.refresh_from_db()
    assert dead.state == JobState.QUEUED and dead.heartbeat_at > _ago(minutes=1)
    assert unclaimed.state == JobState.QUEUED and not unclaimed.is_stale
    assert (moving.state, waiting.state, finished.state) == (
        JobState.RUNNING,
        JobState.QUEUED,
        JobState.DONE,
    )
    assert _queued("run_report_job") == [[dead.pk]]
    assert _queued("run_certificate_batch") == [[unclaimed.pk]]
    assert "2 stale job(s) found, 2 queued again." in out.getvalue()


def test_nothing_stale_queues_nothing(world, django_capture_on_commit_callbacks):
    _report(JobState.RUNNING, _ago(seconds=5))
    with override_settings(TASKS=DB_TASKS), django_capture_on_commit_callbacks(execute=True):
        call_command("requeue_stale_jobs", stdout=io.StringIO())
    assert DBTaskResult.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_with_the_queue_down_the_lost_job_fails_and_the_command_says_so():
    dead = _report(JobState.RUNNING, _ago(minutes=5))
    with override_settings(**RQ_DOWN), pytest.raises(CommandError, match="could not be queued"):
        call_command("requeue_stale_jobs", stdout=io.StringIO())
    dead.refresh_from_db()
    assert dead.state == JobState.FAILED and dead.error
