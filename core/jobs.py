"""Background jobs: what every long job run by the task worker keeps, in one place.

A job is a row the page polls for its progress bar (certificate print jobs, the year's
workbook). The task worker claims it, writes its progress and a heartbeat as it goes, and
records the end. django_tasks_db claims a task by setting it RUNNING and never retries it:
a worker killed mid-task (a restart, a power cut, the OOM killer) leaves it RUNNING for
good. So the job keeps its own heartbeat; a running job whose heartbeat went silent for
``settings.TASK_HEARTBEAT_TIMEOUT`` seconds lost its worker, and the status poll queues it
again as the same job (:meth:`BackgroundJob.requeue_if_lost`). Nobody has to watch:
:func:`requeue_stale_jobs` does the same for every kind of job, run by
``manage.py requeue_stale_jobs`` when the worker starts and from a timer.

Queueing belongs to each app's ``tasks.py``; services record jobs and never import tasks.
Each app registers its job model with the task that runs it (:func:`register_job_task`,
from its AppConfig.ready), so the core finds every job without importing the apps.
"""

from __future__ import annotations

import datetime
import logging
import sys
from typing import Any, ClassVar, Self

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django_tasks import TaskResultStatus
from django_tasks.base import Task

logger = logging.getLogger(__name__)


class JobState(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("background job", "Waiting to start")
    RUNNING = "running", pgettext_lazy("background job", "Running")
    DONE = "done", pgettext_lazy("background job", "Done")
    FAILED = "failed", pgettext_lazy("background job", "Failed")


FINISHED = (JobState.DONE, JobState.FAILED)


def heartbeat_timeout() -> datetime.timedelta:
    """How long a running job may stay silent before its worker is taken for dead. A job
    writes a heartbeat at least every second while it works, so two minutes of silence
    means the process was killed."""
    return datetime.timedelta(seconds=settings.TASK_HEARTBEAT_TIMEOUT)


class BackgroundJob(models.Model):
    """State, progress and heartbeat of a job run by the task worker."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Written as the job progresses (and when it is queued again): a running job whose
    # heartbeat stopped lost its worker and is queued again (see requeue_if_lost).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=JobState.choices, default=JobState.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    #: A job still waiting this long after it was queued has no worker running; None: it
    #: waits for one however long it takes.
    queued_stale_after: ClassVar[datetime.timedelta | None] = None
    #: True: a claimed run carries on where a lost one stopped (it keeps its start time and
    #: progress). False: each run starts over.
    resumable: ClassVar[bool] = False

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    @property
    def percent(self) -> int:
        if self.state == JobState.DONE:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0

    @property
    def is_stale(self) -> bool:
        """Unfinished and no longer moving: running with a silent heartbeat (its worker was
        killed), or queued for longer than ``queued_stale_after`` (no worker is running)."""
        now = timezone.now()
        if self.state == JobState.RUNNING:
            last_sign = self.heartbeat_at or self.started_at or self.created_at
            return now - last_sign > heartbeat_timeout()
        if self.state == JobState.QUEUED and self.queued_stale_after is not None:
            return now - (self.heartbeat_at or self.created_at) > self.queued_stale_after
        return False

    @property
    def is_active(self) -> bool:
        return self.state in (JobState.QUEUED, JobState.RUNNING) and not self.is_stale

    def progress(self) -> dict[str, Any]:
        """What the page's progress bar polls: the state (and its label), the steps
        done out of the total, the percentage and the error of a failed job."""
        return {
            "state": self.state,
            "state_label": self.get_state_display(),
            "done": self.done,
            "total": self.total,
            "percent": self.percent,
            "error": self.error,
        }

    def _rows(self) -> models.QuerySet:
        return type(self).objects.filter(pk=self.pk)

    def claim(self) -> bool:
        """Mark the job running for this worker, unless it is finished or a live worker
        has it (the same job may be queued twice: queued again while its first task was
        still waiting). Returns whether this worker should run it."""
        with transaction.atomic():
            locked = type(self).objects.select_for_update().get(pk=self.pk)
            if locked.state in FINISHED:
                return False
            if locked.state == JobState.RUNNING and not locked.is_stale:
                return False
            now = timezone.now()
            fields: dict[str, Any] = {"state": JobState.RUNNING, "heartbeat_at": now, "error": ""}
            if self.resumable:
                fields["started_at"] = locked.started_at or now
            else:
                fields.update(started_at=now, done=0)
            self._rows().update(**fields)
        return True

    def beat(self, done: int, total: int | None = None, **counters: Any) -> None:
        """Write the progress and the heartbeat in the database (one UPDATE; this object
        is left as it is). ``counters`` are the job's own columns to update with them."""
        fields = {"done": done, "heartbeat_at": timezone.now(), **counters}
        if total is not None:
            fields["total"] = total
        self._rows().update(**fields)

    def fail(self, message: str) -> None:
        """Record the job as failed with a message the page shows."""
        self._rows().update(state=JobState.FAILED, finished_at=timezone.now(), error=message[:2000])

    def requeue_if_lost(self, task_: Task) -> Self:
        """Queue the job again, as the same job, if its worker was killed (it is stale):
        ``task_(pk)`` runs it, and its run must be safe to repeat. The dead task's result
        is marked failed for the record. Returns the job as it now is."""
        return self._requeue_if_lost(task_)[0]

    def _requeue_if_lost(self, task_: Task) -> tuple[Self, bool]:
        with transaction.atomic():
            locked = type(self).objects.select_for_update().get(pk=self.pk)
            if not locked.is_stale:
                return locked, False
            logger.warning("%s %s lost its worker; queued again", type(self).__name__, locked.pk)
            mark_lost(task_, locked.pk)
            locked.state = JobState.QUEUED
            locked.heartbeat_at = timezone.now()
            locked.save(update_fields=["state", "heartbeat_at"])
            transaction.on_commit(lambda: enqueue_job(locked, task_))
        return locked, True


def enqueue_job(job: BackgroundJob, task_: Task) -> bool:
    """Queue ``task_(job.pk)``, the job's run. If the queue cannot take it (the Redis of
    the RQ backend is down or unreachable), the job is recorded as failed with a message
    its page shows — not left "waiting to start" for a task that was never queued — and
    the request goes on (no 500); ``job`` itself then shows the failure too. Returns
    whether the task was queued.

    Call it after the job's row is committed (``transaction.on_commit``), as the worker
    may pick the task up at once."""
    try:
        task_.enqueue(job.pk)
    except Exception:
        logger.exception("%s %s could not be queued", type(job).__name__, job.pk)
        job.fail(
            gettext(
                "The job queue is not working, so this job could not be started. Try again "
                "in a few minutes; if it keeps failing, tell the system administrator."
            )
        )
        job.refresh_from_db(fields=["state", "finished_at", "error"])
        return False
    return True


#: Every concrete job model and the task that runs one job of it (register_job_task).
_job_tasks: dict[type[BackgroundJob], Task] = {}


def register_job_task(model: type[BackgroundJob], task_: Task) -> None:
    """Say which task runs a job of ``model`` (``task_(job.pk)``), so that
    :func:`requeue_stale_jobs` can queue its lost jobs again. Called from the app's
    ``AppConfig.ready``."""
    _job_tasks[model] = task_


def registered_job_tasks() -> dict[type[BackgroundJob], Task]:
    return dict(_job_tasks)


def requeue_stale_jobs() -> list[BackgroundJob]:
    """Queue again every unfinished job whose worker died (running with a silent
    heartbeat) or that no worker took (queued too long, for the kinds that say so), of
    every registered kind — what the status poll does for one job while someone watches,
    for all of them without anyone watching. Run by ``manage.py requeue_stale_jobs`` when
    the worker starts and from a timer (docs/deployment.md). Returns the jobs queued again
    (as they now are: failed, if the queue itself is down)."""
    requeued = []
    for model, task_ in _job_tasks.items():
        unfinished = model.objects.filter(state__in=(JobState.QUEUED, JobState.RUNNING))
        for job in unfinished.order_by("pk"):
            if job.is_stale:
                job, done = job._requeue_if_lost(task_)
                if done:
                    requeued.append(job)
    return requeued


def mark_lost(task_: Task, *args: Any) -> int:
    """Record as failed the RUNNING results of `task_(*args)` whose worker died.

    django_tasks_db claims a task by setting it RUNNING and only ever picks READY ones: a
    worker killed mid-task leaves its result RUNNING for good, with no lease, heartbeat
    or retry. The job models keep their own heartbeat and re-enqueue themselves; this only
    keeps the task list honest. A no-op with another task backend."""
    from django_tasks_db.models import DBTaskResult

    lost = [
        result.pk
        for result in DBTaskResult.objects.filter(
            task_path=task_.module_path, status=TaskResultStatus.RUNNING
        ).only("pk", "args_kwargs")
        if list(result.args_kwargs.get("args", [])) == list(args)
    ]
    return DBTaskResult.objects.filter(pk__in=lost).update(
        status=TaskResultStatus.FAILED,
        finished_at=timezone.now(),
        exception_class_path="django_tasks_db.WorkerLost",
        traceback="The worker running this task stopped (killed or restarted); "
        "the job was queued again.",
    )


def terminal_progress(done: int, total: int) -> None:
    """A job's progress as a bar on the terminal of a management command (stderr); a log
    file gets the final line only."""
    if not sys.stderr.isatty() and done < total:
        return
    width = 30
    filled = int(width * done / total) if total else width
    bar = "█" * filled + "░" * (width - filled)
    end = "\n" if done >= total else ""
    sys.stderr.write(f"\r[{bar}] {done}/{total}{end}")
    sys.stderr.flush()
