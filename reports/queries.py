"""The numbers behind every report: the attendance matrix of a class, summaries per unit
and per category, absentees. Reads only; each is a handful of aggregate queries whatever
the size of the year (see bench/reports.py), and each takes the enrollments the reader
may see (`Enrollment.objects.visible_to(user)`), so a unit's officer gets only its own.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import (
    Count,
    Exists,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)

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
from courses.vietnamese import collation_key, sorted_by_name, sorted_by_text

ATTENDED = (AttendanceStatus.PRESENT, AttendanceStatus.LATE)


# ---------------------------------------------------------------------------- one class


@dataclass(slots=True)
class MatrixRow:
    """One person's line of the matrix, as plain values: the matrix is read with one
    values_list query (no model instances), since a class report is opened often and a
    class has up to ~100 people × their sessions."""

    enrollment_id: int
    full_name: str
    unit: str  # the nominating unit's name
    category: str  # the participant category's code ("a", "b"…)
    statuses: list[str | None]  # per session, in session order; None: nothing recorded
    attended: int  # sessions that count for the certificate (present, late, maybe excused)
    total: int
    threshold: int
    certificate_number: str | None = None  # register number of the valid certificate
    date_of_birth: datetime.date | None = None  # orders namesakes

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
    # One query for people, units, categories, valid certificates and attendance: one row
    # per (enrollment, recorded session), or one with no session if nothing is recorded.
    # The valid certificate is a LEFT JOIN too: at most one per enrollment (a constraint),
    # so it does not multiply the rows.
    rows = (
        enrollments.filter(training_class=training_class)
        .annotate(
            valid_certificate=FilteredRelation(
                "certificates", condition=Q(certificates__revoked_at__isnull=True)
            )
        )
        .order_by()
        .values_list(
            "pk",
            "participant__full_name",
            "organisation__name",
            "category__code",
            "valid_certificate__register_number",
            "attendances__session_id",
            "attendances__status",
            "participant__date_of_birth",
        )
    )
    # One small read (not settings_for, which builds defaults from the organiser): the
    # matrix only needs to know whether excused absences count.
    excused_counts = bool(
        CertificateSettings.objects.filter(training_class=training_class)
        .values_list("excused_counts", flat=True)
        .first()
    )
    counted = set(counted_statuses(excused_counts))
    total, threshold = len(sessions), training_class.certificate_threshold
    people: dict[int, MatrixRow] = {}
    for pk, name, unit, category, number, session_id, status, born in rows:
        row = people.get(pk)
        if row is None:
            row = people[pk] = MatrixRow(
                pk, name, unit, category, [None] * total, 0, total, threshold, number, born
            )
        i = index.get(session_id)
        if i is not None:  # None: nothing recorded for this person yet
            row.statuses[i] = status
            if status in counted:
                row.attended += 1
    result = sorted_by_name(people.values(), then=lambda r: r.enrollment_id)
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
    # From the enrollments, joined to their attendance (the filter's join is the one
    # counted): the scope then filters the enrollment rows of the join itself. An
    # `enrollment__in` subquery made SQLite also build the list of the year's ~100,000
    # enrollment ids and look each attendance row up in it (~1/3 slower at that size).
    present = scoped.filter(attendances__status__in=ATTENDED)
    for r in present.values(by).annotate(
        sessions=Count("attendances"), people=Count("pk", distinct=True)
    ):
        target = row(r[by])
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
    name order; units in Vietnamese order. What each unit is told after a class.

    The database pairs each enrollment with the held sessions of its class and keeps only
    the pairs with no present/late record, so a year's ~650,000 attendance rows are never
    loaded: only the misses, and the people who have any. The enrollments are read with
    only the person's name and the unit (all that the lists show)."""
    scoped = Enrollment.objects.visible_to(user).filter(training_class__in=classes)
    # Only sessions that took place can have been missed (not next week's).
    held = held_sessions(classes)
    sessions = {s.pk: s for s in held.order_by("date", "start_time")}
    per_class: dict[int, int] = defaultdict(int)
    for s in sessions.values():
        per_class[s.training_class_id] += 1
    attended = Attendance.objects.filter(
        enrollment=OuterRef("pk"), session=OuterRef("missed_session"), status__in=ATTENDED
    )
    recorded = Attendance.objects.filter(
        enrollment=OuterRef("pk"), session=OuterRef("missed_session")
    ).values("status")[:1]
    missed_pairs = (
        scoped.filter(training_class__sessions__in=held)
        .annotate(missed_session=F("training_class__sessions"))
        .filter(~Exists(attended))
    )
    missed: dict[int, list[tuple[Session, str | None]]] = defaultdict(list)
    for enrollment_id, session_id, status in (
        missed_pairs.annotate(missed_status=Subquery(recorded))
        .order_by()
        .values_list("pk", "missed_session", "missed_status")
    ):
        missed[enrollment_id].append((sessions[session_id], status))
    absent_people = (
        scoped.filter(pk__in=missed_pairs.values("pk"))
        .select_related("participant", "organisation")
        .only(
            "training_class_id",
            "participant__full_name",
            "participant__date_of_birth",
            "organisation__name",
        )
    )
    order = {s.pk: i for i, s in enumerate(sessions.values())}
    by_unit: dict[Organisation, list[Absentee]] = defaultdict(list)
    for e in absent_people:
        # In session order, as the sessions were read (the pairs come in any order).
        lost = sorted(missed[e.pk], key=lambda pair: order[pair[0].pk])
        by_unit[e.organisation].append(Absentee(e, lost, per_class[e.training_class_id]))
    return {
        unit: sorted_by_name(
            people,
            name=lambda a: a.enrollment.participant.full_name,
            born=lambda a: a.enrollment.participant.date_of_birth,
            then=lambda a: a.enrollment.pk,
        )
        for unit, people in sorted(by_unit.items(), key=lambda kv: collation_key(kv[0].name))
    }


def classes_for_year(year: int, user) -> QuerySet[TrainingClass]:
    """The year's classes as every official output counts them: practice classes left out
    (TrainingClassQuerySet.official)."""
    return (
        TrainingClass.objects.visible_to(user)
        .official()
        .filter(year=year)
        .order_by("start_date", "code")
    )


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
