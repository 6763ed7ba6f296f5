"""The coordinator's and the readers' panels on the landing page (courses/home.py): they
read across attendees, certificates and the report jobs, so they live here, above them.
Finished attendance through `attendees.rules.final_classes`, rates through
`attendees.rules.Tally` (via `reports.queries.class_rates`). Registered in
ReportsConfig.ready()."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q

from attendees.models import Enrollment, Nomination, NominationState
from attendees.rules import Tally, final_classes
from certificates.models import Certificate, CertificateBatch
from core.jobs import JobState
from courses.home import SHOWN
from courses.models import ClassState, Session, TrainingClass
from reports.models import ReportJob
from reports.queries import class_rates, classes_for_year


@dataclass
class ToReview:
    code: str
    unit_id: int
    unit: str
    count: int


def coordinator_home(user, now: datetime.datetime) -> dict:
    review = [
        ToReview(r["training_class__code"], r["organisation"], r["organisation__name"], r["n"])
        for r in Nomination.objects.filter(state=NominationState.SUBMITTED)
        .values("training_class__code", "training_class__start_date", "organisation")
        .annotate(n=Count("pk"))
        .values(
            "training_class__code",
            "training_class__start_date",
            "organisation",
            "organisation__name",
            "n",
        )
        .order_by("training_class__start_date", "training_class__code", "organisation__name")
    ]
    by_class: dict[str, int] = defaultdict(int)
    for r in review:
        by_class[r.code] += r.count
    # Past their scheduled end and still open: attendance is not final until closed.
    overdue = Session.objects.filter(closed_at__isnull=True).filter(
        Q(date__lt=now.date()) | Q(date=now.date(), end_time__lte=now.time())
    )
    to_close = list(overdue.select_related("training_class").order_by("date", "start_time")[:SHOWN])
    to_close_count = overdue.count() if len(to_close) == SHOWN else len(to_close)
    no_certificates = (
        TrainingClass.objects.official()
        .exclude(state=ClassState.PLANNING)
        .filter(~Exists(Certificate.objects.filter(training_class=OuterRef("pk"))))
    )
    ready = list(
        TrainingClass.objects.filter(pk__in=final_classes(no_certificates)).order_by(
            "start_date", "code"
        )
    )
    # A failed run that a later run of the same class replaced waits for nobody.
    newer = CertificateBatch.objects.filter(
        training_class=OuterRef("training_class"), created_at__gt=OuterRef("created_at")
    )
    failed_batches = list(
        CertificateBatch.objects.filter(state=JobState.FAILED)
        .filter(~Exists(newer))
        .select_related("training_class")[:SHOWN]
    )
    newer_job = ReportJob.objects.filter(
        kind=OuterRef("kind"), params=OuterRef("params"), created_at__gt=OuterRef("created_at")
    )
    failed_jobs = list(
        ReportJob.objects.filter(state=JobState.FAILED).filter(~Exists(newer_job))[:SHOWN]
    )
    return {
        "role": "coordinator",
        "review": review,
        "review_by_class": dict(by_class),
        "review_total": sum(by_class.values()),
        "to_close": to_close,
        "to_close_count": to_close_count,
        "ready": ready,
        "failed_batches": failed_batches,
        "failed_jobs": failed_jobs,
        "failed_count": len(failed_batches) + len(failed_jobs),
        "waiting": bool(review or to_close or ready or failed_batches or failed_jobs),
    }


def latest_year_with_data(user) -> int | None:
    """The latest year in which this reader can see someone enrolled, else the latest
    year with a class: a year of plans alone has no figures to show."""
    visible = TrainingClass.objects.visible_to(user).official()
    year = (
        visible.filter(Exists(Enrollment.objects.filter(training_class=OuterRef("pk"))))
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )
    return year or visible.order_by("-year").values_list("year", flat=True).first()


def viewer_home(user, year: int) -> dict:
    rates = class_rates(classes_for_year(year, user), user)
    total = Tally()
    for r in rates:
        total.add(r.tally)
    return {"role": "viewer", "year": year, "rates": rates, "total": total}
