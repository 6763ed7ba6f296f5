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
from decimal import Decimal

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
    Enrollment,
    Nomination,
)
from attendees.rules import (
    ATTENDED,
    NO_REQUIREMENT,
    NOT_DECIDED,
    Rate,
    Requirement,
    Tally,
    assessment_text,
    class_rules,
    eligible,
    held_sessions,
    is_final,
    is_held,
    person_rate,
    tallies,
)
from certificates.models import Certificate
from courses.models import Organisation, ParticipantCategory, Quota, Session, TrainingClass
from courses.vietnamese import collation_key, sorted_by_name, sorted_by_text

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
    attended: int  # sessions that count (attendees.rules.counted_statuses)
    total: int  # sessions of the class
    threshold: int
    certificate_number: str | None = None  # register number of the valid certificate
    date_of_birth: datetime.date | None = None  # orders namesakes
    held: int = 0  # sessions held so far (the rate's base)
    final: bool = False  # the class's attendance is final: eligibility is decided
    counted: frozenset[str] = frozenset(ATTENDED)
    held_flags: tuple[bool, ...] = ()
    # The trainer's final assessment, and what the class's certificate asks of it.
    assessment: str = ""
    score: Decimal | None = None
    requirement: Requirement = NO_REQUIREMENT

    @property
    def rate(self) -> Rate:
        return person_rate(self.attended, self.held, self.threshold)

    @property
    def eligible(self) -> bool | None:
        """None until the class's attendance is final (see attendees.rules)."""
        if not self.final:
            return None
        return eligible(
            self.attended,
            self.total,
            self.threshold,
            self.requirement,
            self.assessment,
            self.score,
        )

    @property
    def assessment_text(self) -> str:
        return assessment_text(self.assessment, self.score)

    @property
    def assessment_met(self) -> bool:
        return self.requirement.met(self.assessment, self.score)

    @property
    def short_of_attendance(self) -> bool:
        """Decided, and below the attendance threshold (whatever the assessment says)."""
        return self.final and not eligible(self.attended, self.total, self.threshold)

    @property
    def eligible_text(self) -> str:
        return NOT_DECIDED if self.eligible is None else ("Có" if self.eligible else "Không")

    @property
    def missed(self) -> int:
        """Held sessions without a mark that counts."""
        return sum(
            1
            for s, was_held in zip(self.statuses, self.held_flags, strict=True)
            if was_held and s not in self.counted
        )


@dataclass
class Matrix:
    training_class: TrainingClass
    sessions: list[Session]
    rows: list[MatrixRow]
    held: list[bool] = field(default_factory=list)  # per session: has it taken place?
    final: bool = False
    requirement: Requirement = NO_REQUIREMENT

    def count(self, session_index: int, status: str) -> int:
        return sum(1 for row in self.rows if row.statuses[session_index] == status)

    @property
    def present_per_session(self) -> list[int]:
        return [
            sum(1 for row in self.rows if row.statuses[i] in ATTENDED)
            for i in range(len(self.sessions))
        ]

    @property
    def tally(self) -> Tally:
        """The class's figures, added up from its rows (the same as
        ``attendees.rules.tallies`` gives for the class)."""
        t = Tally()
        for row in self.rows:
            t.enrolled += 1
            t.due_sessions += row.held
            t.attended_sessions += row.attended
            t.participants += row.attended > 0
            t.certified += row.certificate_number is not None
            if self.final:
                t.final_enrolled += 1
                t.final_certified += row.certificate_number is not None
        return t


def class_matrix(training_class: TrainingClass, enrollments: QuerySet[Enrollment]) -> Matrix:
    """Participants × sessions with each status, the rate and certificate eligibility
    (the same rule as the certificates: the class threshold, excused as configured)."""
    sessions = list(
        training_class.sessions.annotate(
            recorded=Exists(Attendance.objects.filter(session=OuterRef("pk")))
        ).order_by("date", "start_time")
    )
    index = {s.pk: i for i, s in enumerate(sessions)}
    held = [is_held(s, recorded=s.recorded) for s in sessions]
    final = is_final(sessions)
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
            "assessment",
            "score",
        )
    )
    marks, requirement = class_rules(training_class)
    counted = frozenset(marks)
    total, threshold = len(sessions), training_class.certificate_threshold
    n_held, flags = sum(held), tuple(held)
    people: dict[int, MatrixRow] = {}
    for pk, name, unit, category, number, session_id, status, born, assessed, score in rows:
        row = people.get(pk)
        if row is None:
            row = people[pk] = MatrixRow(
                pk,
                name,
                unit,
                category,
                [None] * total,
                0,
                total,
                threshold,
                number,
                born,
                n_held,
                final,
                counted,
                flags,
                assessed,
                score,
                requirement,
            )
        i = index.get(session_id)
        if i is not None:  # None: nothing recorded for this person yet
            row.statuses[i] = status
            if status in counted:
                row.attended += 1
    result = sorted_by_name(people.values(), then=lambda r: r.enrollment_id)
    return Matrix(training_class, sessions, result, held, final, requirement)


# ---------------------------------------------------------------------------- summaries


@dataclass
class SummaryRow(Tally):
    """One unit (or category): seats and nominations beside its attendance tally."""

    key: object = ""  # an Organisation or a ParticipantCategory
    seats: int = 0
    nominated: int = 0  # live nominations (submitted, approved…)

    @property
    def label(self) -> str:
        return str(self.key)

    def add(self, other: SummaryRow) -> None:
        super().add(other)
        self.seats += other.seats
        self.nominated += other.nominated


@dataclass
class Summary:
    rows: list[SummaryRow]
    total: SummaryRow = field(default_factory=SummaryRow)


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
    for key_id, tally in tallies(
        enrollments, classes, by=by, certified=Certificate.objects.valid()
    ).items():
        Tally.add(row(key_id), tally)

    ordered = sorted_by_text(rows.values(), lambda r: r.label)
    total = SummaryRow()
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
    held = held_sessions(Session.objects.filter(training_class__in=classes))
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
    tally: Tally

    @property
    def rate(self) -> Rate:
        return self.tally.rate


def class_rates(classes: QuerySet[TrainingClass], user) -> list[ClassRate]:
    """Each class's tally (of the people the reader may see), in the order of ``classes``:
    one set of grouped queries for the whole year, not one pass per class."""
    by_class = tallies(
        Enrollment.objects.visible_to(user),
        classes,
        by="training_class",
        certified=Certificate.objects.valid(),
    )
    return [ClassRate(k, by_class.get(k.pk) or Tally()) for k in classes]
