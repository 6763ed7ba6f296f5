"""A task worker killed (SIGKILL: the OOM killer, a power cut) in the middle of issuing a
class's certificates: a real `manage.py db_worker` process on the test's database.

django_tasks_db leaves the killed task RUNNING for good and never picks it up again; the
job's own heartbeat goes silent, the status poll (the page's progress bar) queues the
same job again and a new worker finishes it without a gap or a duplicate in the register.
"""

import datetime
import signal
import zipfile

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from pypdf import PdfReader

from attendees.models import Attendance, Enrollment
from certificates import tasks
from certificates.models import Certificate, RegisterSeries
from core.jobs import JobState
from courses.models import Session
from tests import factories as f
from tests.shared_db import manage, shared_database, stop, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

PEOPLE = 60
DB_TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]},
}


@pytest.fixture
def held_class(world):
    """world.class_a: two closed sessions, 60 people present at both, 2 absent at both."""
    klass = world.class_a
    klass.sessions.all().delete()
    sessions = [
        f.session(
            klass,
            date=klass.start_date + datetime.timedelta(days=i),
            trainers=[world.trainer.trainer],
        )
        for i in range(2)
    ]
    enrollments = [
        f.enrollment(klass, world.unit_a, f.participant(world.unit_a, full_name=f"Lò Văn A{i:02d}"))
        for i in range(PEOPLE + 2)
    ]
    at = timezone.now() - datetime.timedelta(days=1)
    Attendance.objects.bulk_create(
        Attendance(
            enrollment=e,
            session=s,
            status="present" if i < PEOPLE else "absent",
            first_scan_at=at if i < PEOPLE else None,
        )
        for i, e in enumerate(enrollments)
        for s in sessions
    )
    Session.objects.filter(training_class=klass).update(closed_at=timezone.now())
    return klass


def _slow_down_issuing(on: bool) -> None:
    """Make each certificate insert take some 50 ms, in the database itself (the worker is
    another process), so the kill lands while some but not all certificates exist."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            if on:
                cursor.execute(
                    "CREATE FUNCTION test_slow_insert() RETURNS trigger AS $$ "
                    "BEGIN PERFORM pg_sleep(0.05); RETURN NEW; END $$ LANGUAGE plpgsql"
                )
                cursor.execute(
                    "CREATE TRIGGER test_slow BEFORE INSERT ON certificates_certificate "
                    "FOR EACH ROW EXECUTE FUNCTION test_slow_insert()"
                )
            else:
                cursor.execute("DROP TRIGGER IF EXISTS test_slow ON certificates_certificate")
                cursor.execute("DROP FUNCTION IF EXISTS test_slow_insert()")
        elif on:
            # SQLite cannot sleep: a trigger counting a million-row cross join takes as long.
            cursor.execute("CREATE TABLE test_slow (x INTEGER)")
            cursor.execute(
                "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 1000) "
                "INSERT INTO test_slow SELECT x FROM n"
            )
            cursor.execute(
                "CREATE TRIGGER test_slow BEFORE INSERT ON certificates_certificate "
                "BEGIN SELECT count(*) FROM test_slow a, test_slow b; END"
            )
        else:
            cursor.execute("DROP TRIGGER IF EXISTS test_slow")
            cursor.execute("DROP TABLE IF EXISTS test_slow")


def test_a_worker_killed_mid_batch_is_resumed_without_gap_or_duplicate(
    held_class, world, tmp_path, settings
):
    settings.TASKS = DB_TASKS
    settings.TASK_HEARTBEAT_TIMEOUT = 2  # seconds of silence before a job is taken for dead
    worker_args = ["db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.1"]
    log = tmp_path / "worker.log"
    with shared_database(tmp_path) as env:
        _slow_down_issuing(True)
        first = manage(env, *worker_args, log=log)
        second = None
        try:
            batch = tasks.batch_start(actor=world.coordinator, training_class=held_class)
            issued = Certificate.objects.filter(training_class=held_class)
            wait_for(issued.exists, timeout=60, what=f"a first certificate; {log.read_text()}")
            stop(first, signal.SIGKILL)
            _slow_down_issuing(False)
            halfway = issued.count()
            assert 0 < halfway < PEOPLE

            # What django_tasks_db does with it: nothing. The task stays RUNNING.
            lost = DBTaskResult.objects.get()
            assert lost.status == TaskResultStatus.RUNNING
            batch.refresh_from_db()
            assert batch.state == JobState.RUNNING and batch.issued == issued.count()

            second = manage(env, *worker_args, log=log)
            coordinator = Client()
            coordinator.force_login(world.coordinator)
            url = reverse("certificates:batch-status", args=[batch.pk])

            def finished():
                state = coordinator.get(url).json()["state"]
                return state if state in (JobState.DONE, JobState.FAILED) else None

            assert wait_for(finished, timeout=90, what=f"the job; {log.read_text()}") == "done"
        finally:
            for worker in (first, second):
                if worker is not None:
                    stop(worker)
            _slow_down_issuing(False)

        batch.refresh_from_db()
        eligible = Enrollment.objects.filter(training_class=held_class).order_by("pk")[:PEOPLE]
        certificates = list(Certificate.objects.filter(training_class=held_class))
        assert sorted(c.enrollment_id for c in certificates) == [e.pk for e in eligible]
        assert all(c.revoked_at is None for c in certificates)
        assert sorted(c.number for c in certificates) == list(range(1, PEOPLE + 1))
        assert RegisterSeries.objects.get().last_number == PEOPLE
        assert (batch.state, batch.certificates, batch.issued) == ("done", PEOPLE, PEOPLE)
        assert len(PdfReader(batch.merged_pdf.open("rb")).pages) == PEOPLE
        with zipfile.ZipFile(batch.zip_file.open("rb")) as archive:
            assert len(archive.namelist()) == PEOPLE
        lost.refresh_from_db()
        assert lost.status == TaskResultStatus.FAILED
        assert "WorkerLost" in lost.exception_class_path
        assert DBTaskResult.objects.filter(status=TaskResultStatus.SUCCESSFUL).exists()


@pytest.mark.django_db  # no processes here: the test's transaction will do
def test_the_status_poll_resumes_a_silent_batch_as_the_same_job(
    held_class, world, django_capture_on_commit_callbacks
):
    """The same mechanism without processes: a batch RUNNING with an old heartbeat."""
    from certificates.models import CertificateBatch

    old = timezone.now() - datetime.timedelta(minutes=5)
    batch = CertificateBatch.objects.create(
        training_class=held_class, state=JobState.RUNNING, started_at=old, heartbeat_at=old
    )
    fresh = CertificateBatch.objects.create(
        training_class=held_class,
        state=JobState.RUNNING,
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),
    )
    client = Client()
    client.force_login(world.coordinator)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client.get(reverse("certificates:batch-status", args=[fresh.pk]))
    assert callbacks == []
    fresh.refresh_from_db()
    assert fresh.state == JobState.RUNNING
    fresh.delete()  # so the resumed run is the only one
    with django_capture_on_commit_callbacks(execute=True):
        status = client.get(reverse("certificates:batch-status", args=[batch.pk])).json()
    batch.refresh_from_db()
    assert (batch.state, batch.certificates, batch.issued) == ("done", PEOPLE, PEOPLE)
    assert status["state"] == "queued"  # the poll answered before the job ran
    assert Certificate.objects.filter(training_class=held_class).count() == PEOPLE
