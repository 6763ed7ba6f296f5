"""Background work of the certificates app (Django's Tasks API; the database backend by
default, run by `manage.py db_worker`)."""

from __future__ import annotations

import logging
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks.base import Task

from certificates.models import CertificateBatch

logger = logging.getLogger(__name__)


@task()
def run_certificate_batch(batch_id: int) -> int:
    """Issue and draw a class's certificates; returns how many are in the files. A job
    that is already finished, or held by a live worker, is left alone (see batch_run)."""
    from certificates.services import batch_run

    batch = CertificateBatch.objects.select_related("training_class", "requested_by").get(
        pk=batch_id
    )
    return batch_run(batch).certificates


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


def requeue_lost_job(job: models.Model, task_: Task, queued_state: str) -> models.Model:
    """Queue again, as the same job, a background job whose worker was killed (its
    heartbeat stopped): certificate batches and the year workbook share this. The job's
    own run is resumable, so the new task carries on where the dead one stopped; the
    dead task's result is marked failed for the record. A live job is returned as is."""
    with transaction.atomic():
        locked = type(job).objects.select_for_update().get(pk=job.pk)
        if not locked.is_stale:
            return locked
        logger.warning("%s %s lost its worker; queued again", type(job).__name__, locked.pk)
        mark_lost(task_, locked.pk)
        locked.state = queued_state
        locked.heartbeat_at = timezone.now()
        locked.save(update_fields=["state", "heartbeat_at"])
        transaction.on_commit(lambda: task_.enqueue(locked.pk))
    return locked
