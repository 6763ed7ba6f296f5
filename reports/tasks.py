"""Background exports (Django's Tasks API; `manage.py db_worker` runs them)."""

from __future__ import annotations

import logging
import tempfile

from django.core.files import File
from django.utils import timezone
from django_tasks import task

from reports.models import JobState, ReportJob

logger = logging.getLogger(__name__)


@task()
def run_report_job(job_id: int) -> int:
    """Write the year's workbook for the user who asked (their scope), with progress."""
    from reports.exports import year_workbook

    job = ReportJob.objects.select_related("requested_by").get(pk=job_id)
    ReportJob.objects.filter(pk=job.pk).update(state=JobState.RUNNING, started_at=timezone.now())

    def progress(done: int, total: int) -> None:
        ReportJob.objects.filter(pk=job.pk).update(done=done, total=total)

    try:
        with tempfile.TemporaryFile() as spool:
            rows = year_workbook(job.params["year"], job.requested_by, spool, on_progress=progress)
            spool.seek(0)
            job.file.save(f"nam-{job.params['year']}.xlsx", File(spool), save=False)
        job.state = JobState.DONE
        job.finished_at = timezone.now()
        job.done = job.total = max(job.total, 1)
        job.save(update_fields=["file", "state", "finished_at", "done", "total"])
        return rows
    except Exception as exc:
        logger.exception("report job %s failed", job.pk)
        ReportJob.objects.filter(pk=job.pk).update(
            state=JobState.FAILED, finished_at=timezone.now(), error=str(exc)[:2000]
        )
        raise
