"""Reports read what the other apps recorded; the only rows they own are the allowance
rates of a class (for the payment list) and the background export jobs."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from courses.models import TrainingClass


class ClassAllowance(models.Model):
    """Allowance rates of one class, in đồng, for participants not on a state payroll
    (salaried officials are paid by their own agency). Meals are paid per day attended,
    lodging per night between days attended (days − 1), travel once per person who came."""

    training_class = models.OneToOneField(
        TrainingClass, verbose_name=_("class"), on_delete=models.CASCADE, related_name="allowance"
    )
    meal_per_day = models.PositiveIntegerField(_("meals, per day (đ)"), default=0)
    lodging_per_night = models.PositiveIntegerField(_("lodging, per night (đ)"), default=0)
    travel_per_person = models.PositiveIntegerField(_("travel, per person (đ)"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("allowance rates")
        verbose_name_plural = _("allowance rates")

    def __str__(self) -> str:
        return str(self.training_class)


class JobState(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("report job", "Waiting to start")
    RUNNING = "running", pgettext_lazy("report job", "Running")
    DONE = "done", pgettext_lazy("report job", "Done")
    FAILED = "failed", pgettext_lazy("report job", "Failed")


def _job_path(job: ReportJob, filename: str) -> str:
    return f"private/reports/{job.pk or 'new'}-{filename}"


class ReportJob(models.Model):
    """A large export run by the task worker (the full-year workbook): the page polls
    `done`/`total` for its progress bar and offers the file when it is ready."""

    kind = models.CharField(max_length=30)
    params = models.JSONField(default=dict)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Written as the job progresses; a running job whose heartbeat stopped lost its worker
    # (django_tasks_db leaves that task RUNNING for good) and is queued again.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=JobState.choices, default=JobState.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to=_job_path, blank=True, max_length=255)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.params}"

    @property
    def percent(self) -> int:
        if self.state == JobState.DONE:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0

    @property
    def is_stale(self) -> bool:
        """Running with a silent heartbeat (the workbook reports progress many times a
        second): its worker was killed. See reports.tasks.job_resume."""
        if self.state != JobState.RUNNING:
            return False
        timeout = datetime.timedelta(seconds=getattr(settings, "TASK_HEARTBEAT_TIMEOUT", 120))
        last_sign = self.heartbeat_at or self.started_at or self.created_at
        return timezone.now() - last_sign > timeout
