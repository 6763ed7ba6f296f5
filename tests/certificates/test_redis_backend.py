"""The multi-server set-up on real engines: jobs go through Redis (django-tasks-rq) and a
separate `manage.py rqworker` process, started with the production settings, runs them
against the shared PostgreSQL database and the shared media folder.

PostgreSQL only: the worker is another process and needs the test database, which on
SQLite lives in this process's memory. Redis at TEST_REDIS_URL (db 5 by default); the test
skips without it unless REQUIRE_REDIS=1 (CI), where it fails instead.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection
from django.test import override_settings
from pypdf import PdfReader

from certificates import tasks
from certificates.models import Certificate, RegisterSeries
from config.settings import env_bool
from core.jobs import JobState
from reports.models import ReportJob
from tests import factories as f

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/5")
RQ_SETTINGS = {
    "TASKS": {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}},
    "RQ_QUEUES": {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 600}},
    "RQ": {"JOB_CLASS": "django_tasks_rq.Job"},
}


@pytest.fixture
def rq_queue():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL): the worker is another process")
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        if env_bool("REQUIRE_REDIS"):
            pytest.fail(f"Redis at {REDIS_URL} is required (REQUIRE_REDIS=1): {exc}")
        pytest.skip(f"no Redis at {REDIS_URL}")
    with override_settings(**RQ_SETTINGS):
        import django_rq

        queue = django_rq.get_queue("default")
        _empty(queue)  # jobs left by an interrupted run point at rows of another database
        yield queue
        _empty(queue)


def _empty(queue) -> None:
    queue.empty()
    for registry in (queue.finished_job_registry, queue.failed_job_registry):
        for job_id in registry.get_job_ids():
            registry.remove(job_id, delete_job=True)


@pytest.fixture
def worker(rq_queue, tmp_path):
    """`manage.py rqworker default` as an operator starts it: production settings
    (DEBUG off), the configuration only from the environment."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": "worker-test-" + "k" * 40,
        "ALLOWED_HOSTS": "localhost",
        "TASKS_BACKEND": "django_tasks_rq.RQBackend",
        "REDIS_URL": REDIS_URL,
        "DATABASE_URL": (
            f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    log = (tmp_path / "worker.log").open("w+")
    process = subprocess.Popen(
        [sys.executable, "manage.py", "rqworker", "default", "--name", f"test-{os.getpid()}"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )

    def output() -> str:
        log.flush()
        log.seek(0)
        return log.read()

    process.output = output
    yield process
    process.send_signal(signal.SIGTERM)  # warm shutdown: finishes the current job
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    log.close()


def _wait_for(worker, queue, done, what: str, timeout: float = 120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = done()
        if result:
            return result
        if queue.failed_job_registry.count:
            pytest.fail(f"RQ failed {what}:\n{worker.output()}")
        if worker.poll() is not None:
            pytest.fail(
                f"the worker exited ({worker.returncode}) before {what}:\n{worker.output()}"
            )
        time.sleep(0.2)
    pytest.fail(f"{what} did not finish in {timeout} s; worker log:\n{worker.output()}")


def _recorded(queue, state) -> bool:
    """The job marks its row done before it returns; RQ files it as finished only after.
    Waiting for both keeps the registry assertions from racing the worker."""
    if state == JobState.FAILED:
        return True
    return state == JobState.DONE and queue.finished_job_registry.count > 0


def test_bulk_certificate_job_runs_in_a_redis_worker(held, world, rq_queue, worker):
    more = [f.enrollment(held.klass, world.unit_a) for _ in range(18)]
    for e in more:  # full attendance: all of them qualify
        for s in held.sessions:
            e.attendances.create(session=s, status="present", first_scan_at=s.closed_at)
    expected = 2 + len(more)  # held.full and held.four qualify, the other two do not

    batch = tasks.batch_start(actor=world.coordinator, training_class=held.klass)

    def finished():
        batch.refresh_from_db()
        return _recorded(rq_queue, batch.state)

    _wait_for(worker, rq_queue, finished, "the certificate job")
    assert batch.state == JobState.DONE, (batch.error, worker.output())
    assert (batch.issued, batch.certificates) == (expected, expected)
    assert batch.done == batch.total > 0

    # The register: one number each, 1..N with no gap, the series at N.
    certificates = list(Certificate.objects.filter(training_class=held.klass))
    assert len(certificates) == expected
    assert sorted(c.number for c in certificates) == list(range(1, expected + 1))
    assert len({c.register_number for c in certificates}) == expected
    assert len({c.enrollment_id for c in certificates}) == expected
    assert RegisterSeries.objects.get().last_number == expected
    assert not Certificate.objects.filter(enrollment__in=[held.excused, held.low]).exists()

    # The files the worker wrote are where the web servers look (the shared storage).
    assert default_storage.size(batch.merged_pdf.name) > 0
    assert len(PdfReader(batch.merged_pdf.open("rb")).pages) == expected
    with zipfile.ZipFile(batch.zip_file.open("rb")) as archive:
        names = archive.namelist()
        assert len(names) == expected
        assert len(PdfReader(io.BytesIO(archive.read(names[0]))).pages) == 1

    # It went through Redis and that worker: RQ recorded the finished job.
    finished_ids = rq_queue.finished_job_registry.get_job_ids()
    jobs = [rq_queue.fetch_job(job_id) for job_id in finished_ids]
    assert [j.func_name for j in jobs] == ["certificates.tasks.run_certificate_batch"]
    assert list(jobs[0].args) == [batch.pk]


def test_year_workbook_job_runs_in_a_redis_worker(held, world, rq_queue, worker):
    from reports.tasks import run_report_job

    job = ReportJob.objects.create(
        kind="year", params={"year": held.klass.year}, requested_by=world.coordinator
    )
    run_report_job.enqueue(job.pk)

    def finished():
        job.refresh_from_db()
        return _recorded(rq_queue, job.state)

    _wait_for(worker, rq_queue, finished, "the workbook job")
    assert job.state == JobState.DONE, (job.error, worker.output())
    with zipfile.ZipFile(job.file.open("rb")) as workbook:  # .xlsx is a zip
        assert "xl/workbook.xml" in workbook.namelist()
    finished_ids = rq_queue.finished_job_registry.get_job_ids()
    assert [rq_queue.fetch_job(i).func_name for i in finished_ids] == [
        "reports.tasks.run_report_job"
    ]
