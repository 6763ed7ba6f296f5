from django.core.management.base import BaseCommand, CommandError

from core.jobs import JobState, requeue_stale_jobs


class Command(BaseCommand):
    help = (
        "Queue again every background job (certificate print jobs, year workbooks) whose "
        "worker died or that no worker took, so that none waits for someone to open its "
        "page. Run it when the task worker starts and every few minutes (a systemd timer; "
        "docs/deployment.md). Safe to run at any time, on any number of machines."
    )

    def handle(self, *args, **options):
        requeued = requeue_stale_jobs()
        for job in requeued:
            outcome = "queued again" if job.state == JobState.QUEUED else f"failed: {job.error}"
            self.stdout.write(f"{type(job)._meta.label} {job.pk}: {outcome}")
        failed = sum(job.state == JobState.FAILED for job in requeued)
        self.stdout.write(
            f"{len(requeued)} stale job(s) found, {len(requeued) - failed} queued again."
        )
        if failed:
            # Exit 1: the timer's unit shows failed, someone notices the queue is down.
            raise CommandError(f"{failed} job(s) could not be queued: the task queue is down.")
