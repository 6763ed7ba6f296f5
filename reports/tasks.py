"""Background exports (Django's Tasks API; `manage.py db_worker` runs them). Queueing
lives here: views ask these functions, which record the job and queue its task."""

from __future__ import annotations

import logging
import tempfile

from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from accounts.models import User
from core.jobs import JobState, enqueue_job
from reports.models import ReportJob

logger = logging.getLogger(__name__)


@task()
def run_report_job(job_id: int) -> int:
    """Write the year's workbook for the user who asked (their scope), with progress.
    The workbook is written from scratch each time, so a job whose worker died is simply
    run again (see :func:`job_resume`)."""
    from reports.exports import year_workbook

    job = ReportJob.objects.select_related("requested_by").get(pk=job_id)
    if not job.claim():
        return 0

    def progress(done: int, total: int) -> None:
        # Also the heartbeat: the workbook reports about a hundred times.
        job.beat(done, total)

    try:
        with tempfile.TemporaryFile() as spool:
            rows = year_workbook(job.params["year"], job.requested_by, spool, on_progress=progress)
            spool.seek(0)
            job.file.save(f"nam-{job.params['year']}.xlsx", File(spool), save=False)
        job.refresh_from_db(fields=["total"])
        job.state = JobState.DONE
        job.finished_at = job.heartbeat_at = timezone.now()
        job.done = job.total = max(job.total, 1)
        job.save(update_fields=["file", "state", "finished_at", "heartbeat_at", "done", "total"])
        return rows
    except Exception as exc:
        logger.exception("report job %s failed", job.pk)
        job.fail(str(exc))
        raise


def year_export_start(*, actor: User, year: int) -> ReportJob:
    """Record a job writing the year's workbook for `actor` (their scope) and queue it
    for the worker once it is saved; a queue that is down fails the job with a message
    (core.jobs.enqueue_job)."""
    with transaction.atomic():
        job = ReportJob.objects.create(kind="year", params={"year": year}, requested_by=actor)
        transaction.on_commit(lambda: enqueue_job(job, run_report_job))
    return job


def job_resume(job: ReportJob) -> ReportJob:
    """Queue a job again whose worker was killed (its heartbeat stopped); the status poll
    calls this while someone watches the progress bar."""
    return job.requeue_if_lost(run_report_job)
