"""Background exports (Django's Tasks API; `manage.py db_worker` runs them)."""

from __future__ import annotations

import logging
import tempfile

from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from certificates.tasks import requeue_lost_job
from reports.models import JobState, ReportJob

logger = logging.getLogger(__name__)


def _job_claim(job: ReportJob) -> bool:
    """Mark the job running, unless it is finished or a live worker has it (a resumed job
    may also still have its first task waiting in the queue)."""
    with transaction.atomic():
        locked = ReportJob.objects.select_for_update().get(pk=job.pk)
        if locked.state in (JobState.DONE, JobState.FAILED):
            return False
        if locked.state == JobState.RUNNING and not locked.is_stale:
            return False
        now = timezone.now()
        ReportJob.objects.filter(pk=job.pk).update(
            state=JobState.RUNNING, started_at=now, heartbeat_at=now, done=0, error=""
        )
    return True


@task()
def run_report_job(job_id: int) -> int:
    """Write the year's workbook for the user who asked (their scope), with progress.
    The workbook is written from scratch each time, so a job whose worker died is simply
    run again (see :func:`job_resume`)."""
    from reports.exports import year_workbook

    job = ReportJob.objects.select_related("requested_by").get(pk=job_id)
    if not _job_claim(job):
        return 0

    def progress(done: int, total: int) -> None:
        # Also the heartbeat: the workbook reports about a hundred times.
        ReportJob.objects.filter(pk=job.pk).update(
            done=done, total=total, heartbeat_at=timezone.now()
        )

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
        ReportJob.objects.filter(pk=job.pk).update(
            state=JobState.FAILED, finished_at=timezone.now(), error=str(exc)[:2000]
        )
        raise


def job_resume(job: ReportJob) -> ReportJob:
    """Queue a job again whose worker was killed (its heartbeat stopped); the status poll
    calls this while someone watches the progress bar."""
    return requeue_lost_job(job, run_report_job, JobState.QUEUED)
