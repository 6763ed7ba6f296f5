"""The numbers behind every report: the attendance matrix of a class, summaries per unit
and per category, absentees. Reads only; each is a handful of aggregate queries whatever
the size of the year (see bench/reports.py), and each takes the enrollments the reader
may see (`Enrollment.objects.visible_to(user)`), so a unit's officer gets only its own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum

from attendees.models import (
    LIVE_STATES,
    Attendance,
    AttendanceStatus,
    Enrollment,
    Nomination,
)
from certificates.eligibility import counted_statuses
from certificates.models import Certificate, CertificateSettings
from courses.models import Organisation, ParticipantCategory, Quota, Session, TrainingClass
from courses.vietnamese import collation_key, person_sort_key, sorted_by_text

ATTENDED = (AttendanceStatus.PRESENT, AttendanceStatus.LATE)


# ---------------------------------------------------------------------------- one class


@dataclass
class MatrixRow:
    enrollment: Enrollment
    statuses: list[str | None]  # per session, in session order; None: nothing recorded
    attended: int  # sessions that count for the certificate (present, late, maybe excused)
    total: int
    threshold: int
    certificate: Certificate | None = None

    @property
    def rate(self) -> int:
        return self.attended * 100 // self.total if self.total else 0

    @property
    def eligible(self) -> bool:
        return self.total > 0 and self.attended * 100 >= self.threshold * self.total

    @property
    def missed(self) -> int:
        return sum(1 for s in self.statuses if s not in ATTENDED)


@dataclass
class Matrix:
    training_class: TrainingClass
    sessions: list[Session]
    rows: list[MatrixRow]

    def count(self, session_index: int, status: str) -> int:
        return sum(1 for row in self.rows if row.statuses[session_index] == status)

    @property
    def present_per_session(self) -> list[int]:
        return [
            sum(1 for row in self.rows if row.statuses[i] in ATTENDED)
            for i in range(len(self.sessions))
        ]


def class_matrix(training_class: TrainingClass, enrollments: QuerySet[Enrollment]) -> Matrix:
    """Participants × sessions with each status, the rate and certificate eligibility
    (the same rule as the certificates: the class threshold, excused as configured)."""
    sessions = list(training_class.sessions.order_by("date", "start_time"))
    index = {s.pk: i for i, s in enumerate(sessions)}
    people = list(
        enrollments.filter(training_class=training_class).select_related(
            "participant", "organisation", "category"
        )
    )
    statuses: dict[int, list[str | None]] = {e.pk: [None] * len(sessions) for e in people}
    rows = Attendance.objects.filter(
        session__training_class=training_class, enrollment__in=[e.pk for e in people]
    ).values_list("enrollment_id", "session_id", "status")
    for enrollment_id, session_id, status in rows:
        statuses[enrollment_id][index[session_id]] = status
    # One small read (not settings_for, which builds defaults from the organiser): the
    # matrix only needs to know whether excused absences count.
    excused_counts = bool(
        CertificateSettings.objects.filter(training_class=training_class)
        .values_list("excused_counts", flat=True)
        .first()
    )
    counted = set(counted_statuses(excused_counts))
    certificates = {
        c.enrollment_id: c
        for c in Certificate.objects.valid().filter(training_class=training_class)
    }
    result = [
        MatrixRow(
            enrollment=e,
            statuses=statuses[e.pk],
            attended=sum(1 for s in statuses[e.pk] if s in counted),
            total=len(sessions),
            threshold=training_class.certificate_threshold,
            certificate=certificates.get(e.pk),
        )
        for e in people
    ]
    result.sort(key=lambda r: person_sort_key(r.enrollment.participant.full_name))
    return Matrix(training_class, sessions, result)


# ---------------------------------------------------------------------------- summaries


def held_sessions(classes: QuerySet[TrainingClass]) -> QuerySet[Session]:
    """Sessions that have taken place — closed by the trainer, or with attendance
    recorded: rates are measured against these, so a class not held yet does not show up
    as 0 % attendance."""
    recorded = Attendance.objects.filter(session=OuterRef("pk"))
    return Session.objects.filter(training_class__in=classes).filter(
        Q(closed_at__isnull=False) | Exists(recorded)
    )


@dataclass
class SummaryRow:
    """One unit (or category): seats, people and sessions, over the classes asked for."""

    key: object  # an Organisation or a ParticipantCategory
    seats: int = 0
    nominated: int = 0  # live nominations (submitted, approved…)
    approved: int = 0  # enrollments
    attended: int = 0  # enrolled people present at least once
    certified: int = 0  # valid certificates
    sessions_expected: int = 0  # enrollments × their class's sessions
    sessions_attended: int = 0  # present or late

    @property
    def label(self) -> str:
        return str(self.key)

    @property
    def rate(self) -> float:
        """Attendance rate in percent, one decimal: sessions attended / sessions due."""
        if not self.sessions_expected:
            return 0.0
        return round(self.sessions_attended * 100 / self.sessions_expected, 1)

    def add(self, other: SummaryRow) -> None:
        for name in (
            "seats",
            "nominated",
            "approved",
            "attended",
            "certified",
            "sessions_expected",
            "sessions_attended",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Summary:
    rows: list[SummaryRow]
    total: SummaryRow = field(default_factory=lambda: SummaryRow(key=""))


def _summary(
    classes: QuerySet[TrainingClass],
    enrollments: QuerySet[Enrollment],
    *,
    by: str,
    quota_key: str,
    keys: dict[int, object],
    units: Iterable[int] | None,
) -> Summary:
    """`by` is the enrollment/nomination field to group on ("organisation" or "category");
    `units` limits quotas and nominations to a unit's own (None: all)."""
    rows: dict[int, SummaryRow] = {}

    def row(key_id: int) -> SummaryRow:
        if key_id not in rows:
            rows[key_id] = SummaryRow(key=keys[key_id])
        return rows[key_id]

    quotas = Quota.objects.filter(training_class__in=classes)
    nominations = Nomination.objects.filter(training_class__in=classes, state__in=LIVE_STATES)
    if units is not None:
        quotas = quotas.filter(organisation__in=units)
        nominations = nominations.filter(organisation__in=units)
    for r in quotas.values(quota_key).annotate(n=Sum("seats")):
        row(r[quota_key]).seats = r["n"] or 0
    for r in nominations.values(by).annotate(n=Count("pk")):
        row(r[by]).nominated = r["n"]

    scoped = enrollments.filter(training_class__in=classes)
    session_counts = dict(
        held_sessions(classes)
        .values("training_class")
        .annotate(n=Count("pk"))
        .values_list("training_class", "n")
    )
    for r in scoped.values(by, "training_class").annotate(n=Count("pk")):
        target = row(r[by])
        target.approved += r["n"]
        target.sessions_expected += r["n"] * session_counts.get(r["training_class"], 0)
    present = Attendance.objects.filter(enrollment__in=scoped.values("pk"), status__in=ATTENDED)
    for r in present.values(f"enrollment__{by}").annotate(
        sessions=Count("pk"), people=Count("enrollment", distinct=True)
    ):
        target = row(r[f"enrollment__{by}"])
        target.sessions_attended = r["sessions"]
        target.attended = r["people"]
    certified = Certificate.objects.valid().filter(enrollment__in=scoped.values("pk"))
    for r in certified.values(f"enrollment__{by}").annotate(n=Count("pk")):
        row(r[f"enrollment__{by}"]).certified = r["n"]

    ordered = sorted_by_text(rows.values(), lambda r: r.label)
    total = SummaryRow(key="")
    for r in ordered:
        total.add(r)
    return Summary(ordered, total)


def _units_of(user) -> list[int] | None:
    """A unit's officer sees its own quotas and nominations; everyone else all of them."""
    if user.is_nominator and not user.can_view_all_classes:
        return [user.organisation_id]
    return None


def unit_summary(classes: QuerySet[TrainingClass], user) -> Summary:
    enrollments = Enrollment.objects.visible_to(user)
    units = _units_of(user)
    # Every unit with a quota, a live nomination or an enrollment in these classes.
    ids = (
        set(
            Quota.objects.filter(training_class__in=classes)
            .values_list("organisation", flat=True)
            .distinct()
        )
        | set(
            Nomination.objects.filter(training_class__in=classes, state__in=LIVE_STATES)
            .values_list("organisation", flat=True)
            .distinct()
        )
        | set(
            enrollments.filter(training_class__in=classes)
            .values_list("organisation", flat=True)
            .distinct()
        )
    )
    if units is not None:
        ids &= set(units)
    keys = {o.pk: o for o in Organisation.objects.filter(pk__in=ids)}
    summary = _summary(
        classes, enrollments, by="organisation", quota_key="organisation", keys=keys, units=units
    )
    summary.rows = [r for r in summary.rows if r.key.pk in keys]
    return summary


def category_summary(classes: QuerySet[TrainingClass], user) -> Summary:
    keys = {c.pk: c for c in ParticipantCategory.objects.all()}
    summary = _summary(
        classes,
        Enrollment.objects.visible_to(user),
        by="category",
        quota_key="category",
        keys=keys,
        units=_units_of(user),
    )
    summary.rows.sort(key=lambda r: r.key.code)  # a, b, c, d as in the plan
    return summary


# ---------------------------------------------------------------------------- absentees


@dataclass
class Absentee:
    enrollment: Enrollment
    missed: list[tuple[Session, str | None]]  # the session and its status (absent, excused, none)
    total: int

    @property
    def unit(self) -> Organisation:
        return self.enrollment.organisation


def absentees(classes: QuerySet[TrainingClass], user) -> dict[Organisation, list[Absentee]]:
    """Per unit, the nominees who missed at least one session, with which, in Vietnamese
    name order; units in Vietnamese order. What each unit is told after a class."""
    scoped = Enrollment.objects.visible_to(user).filter(training_class__in=classes)
    enrollments = list(scoped.select_related("participant", "organisation", "training_class"))
    # Only sessions that took place can have been missed (not next week's).
    sessions: dict[int, list[Session]] = defaultdict(list)
    for s in held_sessions(classes).order_by("date", "start_time"):
        sessions[s.training_class_id].append(s)
    # A subquery, not a list of ids: a national year has ~100,000 enrollments.
    status: dict[tuple[int, int], str] = {
        (e, s): st
        for e, s, st in Attendance.objects.filter(enrollment__in=scoped.values("pk")).values_list(
            "enrollment_id", "session_id", "status"
        )
    }
    by_unit: dict[Organisation, list[Absentee]] = defaultdict(list)
    for e in enrollments:
        class_sessions = sessions[e.training_class_id]
        missed = [
            (s, status.get((e.pk, s.pk)))
            for s in class_sessions
            if status.get((e.pk, s.pk)) not in ATTENDED
        ]
        if missed:
            by_unit[e.organisation].append(Absentee(e, missed, len(class_sessions)))
    return {
        unit: sorted(people, key=lambda a: person_sort_key(a.enrollment.participant.full_name))
        for unit, people in sorted(by_unit.items(), key=lambda kv: collation_key(kv[0].name))
    }


def classes_for_year(year: int, user) -> QuerySet[TrainingClass]:
    return TrainingClass.objects.visible_to(user).filter(year=year).order_by("start_date", "code")


@dataclass
class ClassRate:
    training_class: TrainingClass
    enrolled: int
    sessions: int
    sessions_attended: int

    @property
    def rate(self) -> float:
        expected = self.enrolled * self.sessions
        return round(self.sessions_attended * 100 / expected, 1) if expected else 0.0


def class_rates(classes: QuerySet[TrainingClass], user) -> list[ClassRate]:
    """Attendance rate of each class (of the people the reader may see): three grouped
    queries for the whole year, not one pass per class."""
    enrollments = Enrollment.objects.visible_to(user).filter(training_class__in=classes)
    enrolled = dict(
        enrollments.values("training_class")
        .annotate(n=Count("pk"))
        .values_list("training_class", "n")
    )
    sessions = dict(
        held_sessions(classes)
        .values("training_class")
        .annotate(n=Count("pk"))
        .values_list("training_class", "n")
    )
    attended = dict(
        Attendance.objects.filter(enrollment__in=enrollments.values("pk"), status__in=ATTENDED)
        .values("session__training_class")
        .annotate(n=Count("pk"))
        .values_list("session__training_class", "n")
    )
    return [
        ClassRate(k, enrolled.get(k.pk, 0), sessions.get(k.pk, 0), attended.get(k.pk, 0))
        for k in classes
    ]
