"""The background-job base (core.jobs) that certificate print jobs and report jobs share:
who may claim a job, what a claim keeps, when a job counts as stale."""

import ast
import datetime
from pathlib import Path

import pytest
from django.utils import timezone

from certificates.models import CertificateBatch
from core.jobs import JobState
from reports.models import ReportJob

ROOT = Path(__file__).resolve().parents[2]


def _report_job(**fields) -> ReportJob:
    return ReportJob.objects.create(kind="year", params={"year": 2023}, **fields)


def _ago(**delta) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(**delta)


@pytest.mark.django_db
def test_a_finished_job_or_one_a_live_worker_holds_is_not_claimed(db):
    done = _report_job(state=JobState.DONE)
    failed = _report_job(state=JobState.FAILED)
    live = _report_job(state=JobState.RUNNING, heartbeat_at=_ago(seconds=5))
    assert [job.claim() for job in (done, failed, live)] == [False, False, False]
    assert ReportJob.objects.get(pk=live.pk).state == JobState.RUNNING


@pytest.mark.django_db
def test_a_report_job_claimed_after_its_worker_died_starts_over(db):
    job = _report_job(state=JobState.RUNNING, started_at=_ago(hours=1), heartbeat_at=_ago(hours=1))
    job.done, job.total = 40, 100
    job.save()
    assert job.claim()
    job.refresh_from_db()
    assert (job.state, job.done, job.error) == (JobState.RUNNING, 0, "")
    assert job.started_at > _ago(minutes=1)


@pytest.mark.django_db
def test_a_certificate_batch_claimed_after_its_worker_died_carries_on(world):
    started = _ago(hours=1)
    batch = CertificateBatch.objects.create(
        training_class=world.class_a,
        state=JobState.RUNNING,
        started_at=started,
        heartbeat_at=started,
        done=40,
        total=100,
    )
    assert batch.claim()
    batch.refresh_from_db()
    assert (batch.state, batch.done, batch.started_at) == (JobState.RUNNING, 40, started)
    assert batch.heartbeat_at > _ago(minutes=1)


@pytest.mark.django_db
def test_only_a_print_job_left_waiting_goes_stale(world):
    waiting = {"state": JobState.QUEUED, "created_at": _ago(minutes=11)}
    assert CertificateBatch.objects.create(training_class=world.class_a, **waiting).is_stale
    assert not _report_job(**waiting).is_stale


@pytest.mark.django_db
def test_the_heartbeat_timeout_comes_from_the_settings(db, settings):
    job = _report_job(state=JobState.RUNNING, heartbeat_at=_ago(seconds=30))
    assert not job.is_stale and job.is_active
    settings.TASK_HEARTBEAT_TIMEOUT = 20
    assert job.is_stale and not job.is_active


def test_the_heartbeat_timeout_is_a_declared_setting():
    from config import settings as config

    assert config.TASK_HEARTBEAT_TIMEOUT == 120


def test_services_never_import_tasks():
    """Tasks own queueing: a service records a job and returns it; the caller queues it."""
    offenders = []
    for path in [*ROOT.glob("*/services.py"), *ROOT.glob("*/services/*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                modules = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            else:
                continue
            if any(m.split(".")[-1] == "tasks" for m in modules):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
