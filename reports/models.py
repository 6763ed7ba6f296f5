"""Reports read what the other apps recorded; the only rows they own are the allowance
rates of a class (for the payment list) and the background export jobs."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.jobs import BackgroundJob
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


def _job_path(job: ReportJob, filename: str) -> str:
    return f"private/reports/{job.pk or 'new'}-{filename}"


class ReportJob(BackgroundJob):
    """A large export run by the task worker (the full-year workbook): the page polls
    `done`/`total` for its progress bar and offers the file when it is ready. A run
    writes the workbook from scratch: one claimed after a lost one starts over."""

    kind = models.CharField(max_length=30)
    params = models.JSONField(default=dict)
    file = models.FileField(upload_to=_job_path, blank=True, max_length=255)

    def __str__(self) -> str:
        return f"{self.kind} {self.params}"
