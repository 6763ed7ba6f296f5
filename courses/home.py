"""What each role should do next, shown at the top of the page a user lands on after
logging in (issue 15 item 1).

Every figure is read through the module that owns its rule: free seats through
`attendees.services.quota_use`, finished attendance through `attendees.rules.final_classes`,
rates through `attendees.rules.Tally` (via `reports.queries.class_rates`). Each role's panel
costs a fixed handful of queries whatever the number of classes: no query inside a loop.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q

from courses.models import ClassState, ParticipantCategory, Session, TrainingClass

# Enough to act on from a phone; the full lists are one click away.
SHOWN = 8


@dataclass
class UnitClass:
    """One open class as a unit sees it: what is left for *this unit*, not the class."""

    klass: TrainingClass
    free: list[tuple[ParticipantCategory, int, int]] = field(
        default_factory=list
    )  # cat, free, quota
    drafts: int = 0

    @property
    def free_total(self) -> int:
        return sum(free for _c, free, _q in self.free)


def nominator_home(user) -> dict:
    from attendees.models import LIVE_STATES, Nomination, NominationState
    from attendees.services import quota_use

    unit_id = user.organisation_id
    classes = list(
        TrainingClass.objects.visible_to(user)
        .filter(state=ClassState.NOMINATING)
        .order_by("start_date", "code")
    )
    ids = [k.pk for k in classes]
    # A unit's free seats count every live nomination (a draft holds its place in the
    # unit's list too), as the unit's own seat table does.
    use = quota_use(ids, LIVE_STATES)
    categories = {c.pk: c for c in ParticipantCategory.objects.all()}
    drafts = dict(
        Nomination.objects.filter(
            training_class__in=ids, organisation=unit_id, state=NominationState.DRAFT
        )
        .values_list("training_class")
        .annotate(n=Count("pk"))
    )
    rows = {k.pk: UnitClass(k, drafts=drafts.get(k.pk, 0)) for k in classes}
    for (class_id, org_id, cat_id), u in sorted(
        use.items(), key=lambda kv: categories[kv[0][2]].code
    ):
        # Another unit's quota is none of this unit's business: only its own keys.
        if org_id == unit_id and u.seats:
            rows[class_id].free.append((categories[cat_id], u.free, u.seats))
    returned = list(
        Nomination.objects.filter(organisation=unit_id, state=NominationState.RETURNED)
        .filter(training_class__in=TrainingClass.objects.visible_to(user))
        .select_related("participant", "training_class", "category")
        .order_by("-decided_at", "pk")[: SHOWN + 1]
    )
    return {
        "role": "nominator",
        "unit": user.organisation,
        "open_classes": list(rows.values()),
        "returned": returned[:SHOWN],
        "more_returned": len(returned) > SHOWN,
    }


def trainer_home(user, now: datetime.datetime) -> dict:
    today = now.date()
    coming = list(
        Session.objects.run_by(user)
        .filter(date__gte=today)
        .select_related("training_class", "venue")
        .order_by("date", "start_time")[:SHOWN]
    )
    return {
        "role": "trainer",
        "today": [s for s in coming if s.date == today],
        "next": [s for s in coming if s.date != today][:3],
        "year": coming[0].training_class.year if coming else None,
    }


@dataclass
class ToReview:
    code: str
    unit_id: int
    unit: str
    count: int


def coordinator_home(user, now: datetime.datetime) -> dict:
    from attendees.models import Nomination, NominationState
    from attendees.rules import final_classes
    from certificates.models import Certificate, CertificateBatch
    from core.jobs import JobState
    from reports.models import ReportJob

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
    from attendees.models import Enrollment

    visible = TrainingClass.objects.visible_to(user).official()
    year = (
        visible.filter(Exists(Enrollment.objects.filter(training_class=OuterRef("pk"))))
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )
    return year or visible.order_by("-year").values_list("year", flat=True).first()


def viewer_home(user, year: int) -> dict:
    from attendees.rules import Tally
    from reports.queries import class_rates, classes_for_year

    rates = class_rates(classes_for_year(year, user), user)
    total = Tally()
    for r in rates:
        total.add(r.tally)
    return {"role": "viewer", "year": year, "rates": rates, "total": total}
