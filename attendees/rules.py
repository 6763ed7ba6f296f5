"""The attendance rules: what the words in every figure mean. The dashboard, the class and
year workbooks, the CSV/PDF exports, the results report, certificate eligibility and the
payment lists all read through this module; nothing else defines these words.

* **attended** — a mark that counts: present or late (:data:`ATTENDED`), and excused too in
  a class whose certificate settings say so (:func:`counted_statuses`). Payment lists pay
  for :data:`ATTENDED` only: an excused absence is counted, not fed.
* **held** — a session has taken place once it is closed or attendance was recorded for it
  (:func:`held_sessions`, :func:`is_held`). A class is held once one of its sessions is.
* **missed** — a held session that is over (closed, or past its end) without the person
  being there (:func:`can_be_missed`): what the absentee lists tell the units.
* **due** — every held session is due from every person enrolled in its class: one *lượt*.
* **a person's rate** — sessions attended / sessions held of the class
  (:func:`person_rate`); a rate below the threshold is never printed rounded up to it.
* **a group's rate** (class, unit, category, year) — Σ attended / Σ due of its people
  (:attr:`Tally.rate`). Nothing due, no rate: it reads "chưa tổ chức", never 0 %.
* **final** — a class's attendance is final when it has sessions and every one is closed;
  certificates are issued only then (:func:`is_final`, :func:`final_classes`).
* **eligible** — attended × 100 ≥ threshold × all sessions of the class, compared in
  integers, and — in a class whose certificate settings ask for it — the final assessment
  met: "passed", or a score ≥ the class minimum (:class:`Requirement`). One function
  decides it (:func:`eligible`), once attendance is final.
* **certificate rate** — valid certificates / people enrolled, over the classes whose
  attendance is final (:attr:`Tally.certificate_rate`).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, fields
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django.db import models
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from attendees.models import Attendance, AttendanceStatus, Enrollment
from core.documents.wording import vn_pct

#: Marks that count as attending a session, whatever the class.
ATTENDED: tuple[str, ...] = (AttendanceStatus.PRESENT, AttendanceStatus.LATE)

#: How a figure with nothing behind it reads (a class not held yet, nobody enrolled).
NOT_HELD = "chưa tổ chức"
#: How eligibility reads before a class's attendance is final.
NOT_DECIDED = "chưa xét"


def counted_statuses(excused_counts: bool) -> tuple[str, ...]:
    """The marks that count in a class: excused too if its certificate settings say so."""
    return (*ATTENDED, AttendanceStatus.EXCUSED) if excused_counts else ATTENDED


def excused_counting(classes: QuerySet | Iterable[int]) -> set[int]:
    """Ids of the classes (of ``classes``, a queryset or ids) in which an excused absence
    counts."""
    from courses.models import TrainingClass

    # The switch is one of the class's certificate settings, read through their relation:
    # certificates build on attendees, never the other way round.
    return set(
        TrainingClass.objects.filter(
            pk__in=classes, certificate_settings__excused_counts=True
        ).values_list("pk", flat=True)
    )


def counted_in(training_class) -> tuple[str, ...]:
    """The marks that count in one class (one small read of its settings)."""
    return counted_statuses(training_class.pk in excused_counting([training_class.pk]))


def counted_q(
    excused_classes: Iterable[int],
    *,
    status: str = "status",
    training_class: str = "session__training_class",
) -> Q:
    """The attendance rows that count, each by its own class's rule. ``status`` and
    ``training_class`` name the mark's status and its class from the queried model
    (from an enrollment: ``"attendances__status"`` and ``"training_class"``)."""
    q = Q(**{f"{status}__in": ATTENDED})
    excused = list(excused_classes)
    if excused:
        q |= Q(**{status: AttendanceStatus.EXCUSED, f"{training_class}__in": excused})
    return q


# ---------------------------------------------------------------------------- sessions


def with_recorded(sessions: QuerySet) -> QuerySet:
    """Annotate ``recorded``: whether anyone has a mark for the session (whoever reads: it
    says a roll was taken, nothing about a person)."""
    return sessions.annotate(recorded=Exists(Attendance.objects.filter(session=OuterRef("pk"))))


def held_q() -> Q:
    """A session (the queried model) that has taken place: closed, or with a mark."""
    return Q(closed_at__isnull=False) | Q(Exists(Attendance.objects.filter(session=OuterRef("pk"))))


def held_sessions(sessions: QuerySet) -> QuerySet:
    return sessions.filter(held_q())


def held_classes(classes: QuerySet) -> QuerySet:
    """The classes (of ``classes``) held so far: at least one session took place."""
    from courses.models import Session

    held = held_sessions(Session.objects.filter(training_class=OuterRef("pk")))
    return classes.filter(Exists(held))


def is_held(session, *, recorded: bool) -> bool:
    """The same rule for a session in hand; ``recorded``: whether anyone has a mark."""
    return session.closed_at is not None or recorded


def can_be_missed(session, now: datetime.datetime, *, recorded: bool) -> bool:
    """Whether "no mark" means absent: the session is closed (the missing were marked
    absent), or it is over and a roll was taken. A session still running, still to come,
    or whose roll was never taken says nothing about anybody — listing everyone as absent
    from it would send a unit a false list."""
    if session.closed_at is not None:
        return True
    return session.ends_at() <= now and recorded


def is_final(sessions: Iterable) -> bool:
    """Whether attendance is final: the class has sessions and every one is closed."""
    sessions = list(sessions)
    return bool(sessions) and all(s.closed_at is not None for s in sessions)


def final_classes(classes: QuerySet) -> set[int]:
    """Ids of the classes (of ``classes``) whose attendance is final, in one query."""
    from courses.models import Session

    open_session = Session.objects.filter(training_class=OuterRef("pk"), closed_at__isnull=True)
    any_session = Session.objects.filter(training_class=OuterRef("pk"))
    return set(
        classes.filter(Exists(any_session), ~Exists(open_session))
        .order_by()
        .values_list("pk", flat=True)
    )


# ---------------------------------------------------------------------------- rates


@dataclass(frozen=True, slots=True)
class Rate:
    """``part`` of ``whole`` as a percentage with one decimal, rounded as a reader rounds
    (half up). ``threshold``: a rate below it is truncated rather than rounded up to it, so
    a printed 80,0 % never stands beside "Không" (4 of 6 is 66,6 % against 66,7 %)."""

    part: int
    whole: int
    threshold: int | None = None

    @property
    def known(self) -> bool:
        return self.whole > 0

    @property
    def percent(self) -> Decimal | None:
        if not self.whole:
            return None
        exact = Decimal(self.part * 100) / Decimal(self.whole)
        value = exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        t = self.threshold
        if t is not None and self.part * 100 < t * self.whole and value >= t:
            value = exact.quantize(Decimal("0.1"), rounding=ROUND_DOWN)
        return value

    @property
    def value(self) -> float | None:
        """For a spreadsheet cell (a number, or empty when there is no rate)."""
        p = self.percent
        return None if p is None else float(p)

    @property
    def cell(self) -> float | str:
        """For a table cell: the number, or the words "chưa tổ chức"."""
        p = self.percent
        return NOT_HELD if p is None else float(p)

    def below(self, target: int) -> bool:
        """Known and below ``target`` percent (exactly, in integers)."""
        return self.whole > 0 and self.part * 100 < target * self.whole

    def __str__(self) -> str:
        """'89,8%', '100%', or 'chưa tổ chức' — as documents write it."""
        p = self.percent
        return NOT_HELD if p is None else vn_pct(p)


def person_rate(attended: int, held: int, threshold: int) -> Rate:
    return Rate(attended, held, threshold)


# ---------------------------------------------------------------------------- assessment

#: The trainer's final assessment of a learner (``Enrollment.assessment``).
PASSED, FAILED = "passed", "failed"


class AssessmentRequirement(models.TextChoices):
    """What a class's certificate asks of the final assessment on top of attendance
    (Circular 10/2017 evaluates the learners too). A certificate setting of the class."""

    NONE = "", gettext_lazy("Nothing: attendance only")
    PASSED = "passed", gettext_lazy("Passed the final assessment")
    SCORE = "score", gettext_lazy("A minimum score in the final assessment")


def vn_score(score: Decimal | None) -> str:
    """Decimal("4.5") → '4,5' (one decimal, as a score is written)."""
    return "" if score is None else f"{score:.1f}".replace(".", ",")


@dataclass(frozen=True, slots=True)
class Requirement:
    """A class's assessment requirement: ``kind`` one of :class:`AssessmentRequirement`,
    ``min_score`` (0–10, one decimal) for the "score" kind."""

    kind: str = AssessmentRequirement.NONE
    min_score: Decimal | None = None

    @property
    def enabled(self) -> bool:
        return self.kind != AssessmentRequirement.NONE

    def met(self, assessment: str, score: Decimal | None) -> bool:
        if self.kind == AssessmentRequirement.PASSED:
            return assessment == PASSED
        if self.kind == AssessmentRequirement.SCORE:
            # Decimals, not floats: 4.95 typed as "5,0" is stored 5.0 and passes 5.0.
            return score is not None and self.min_score is not None and score >= self.min_score
        return True

    def shortfall(self, assessment: str, score: Decimal | None) -> str:
        """Why the assessment falls short, as the preview says it ("" when met)."""
        if self.met(assessment, score):
            return ""
        if self.kind == AssessmentRequirement.PASSED:
            if assessment == FAILED:
                return _("Not passed the final assessment")
            return _("No final assessment yet")
        if score is None:
            return _("No score yet (%(min)s needed)") % {"min": vn_score(self.min_score)}
        return _("Score %(score)s, %(min)s needed") % {
            "score": vn_score(score),
            "min": vn_score(self.min_score),
        }

    def describe(self) -> str:
        """What the class needs, for a page or a note: "passed", "score ≥ 5,0"."""
        if self.kind == AssessmentRequirement.PASSED:
            return _("passed the final assessment")
        if self.kind == AssessmentRequirement.SCORE:
            return _("final score ≥ %(min)s") % {"min": vn_score(self.min_score)}
        return ""


NO_REQUIREMENT = Requirement()


def assessment_text(assessment: str, score: Decimal | None) -> str:
    """A learner's result as a cell reads it: 'Đạt', 'Không đạt', '6,5', 'Đạt · 6,5'."""
    words = {PASSED: "Đạt", FAILED: "Không đạt"}.get(assessment, "")
    return " · ".join(part for part in (words, vn_score(score)) if part)


def requirements(classes: QuerySet | Iterable[int]) -> dict[int, Requirement]:
    """The assessment requirement of each class (of ``classes``) that has one; the others
    need attendance only. Read through the settings' relation, as :func:`excused_counting`
    is: certificates build on attendees."""
    from courses.models import TrainingClass

    rows = (
        TrainingClass.objects.filter(pk__in=classes)
        .exclude(certificate_settings__assessment_required=AssessmentRequirement.NONE)
        .filter(certificate_settings__isnull=False)
        .values_list(
            "pk",
            "certificate_settings__assessment_required",
            "certificate_settings__assessment_min_score",
        )
    )
    return {pk: Requirement(kind, min_score) for pk, kind, min_score in rows}


def requirement_of(training_class) -> Requirement:
    """The one class's requirement (one small read of its settings)."""
    return requirements([training_class.pk]).get(training_class.pk, NO_REQUIREMENT)


def class_rules(training_class) -> tuple[tuple[str, ...], Requirement]:
    """The marks that count in one class and its assessment requirement, in one small read
    of its settings (a class without saved settings: the defaults)."""
    from courses.models import TrainingClass

    excused, kind, min_score = (
        TrainingClass.objects.filter(pk=training_class.pk)
        .values_list(
            "certificate_settings__excused_counts",
            "certificate_settings__assessment_required",
            "certificate_settings__assessment_min_score",
        )
        .get()
    )
    requirement = Requirement(kind, min_score) if kind else NO_REQUIREMENT
    return counted_statuses(bool(excused)), requirement


def eligible(
    attended: int,
    sessions: int,
    threshold: int,
    requirement: Requirement = NO_REQUIREMENT,
    assessment: str = "",
    score: Decimal | None = None,
) -> bool:
    """Integer comparison: no rounding can let 4 of 6 sessions (66.7 %) pass 67 %. Then
    the class's assessment requirement, if it has one."""
    return (
        sessions > 0
        and attended * 100 >= threshold * sessions
        and requirement.met(assessment, score)
    )


# ---------------------------------------------------------------------------- tallies


@dataclass
class Tally:
    """The attendance figures of a group of enrollments (a class, a unit, a category, a
    year). Every group figure in every output is one of these, added up."""

    enrolled: int = 0
    due_sessions: int = 0  # enrolled × held sessions of their class
    attended_sessions: int = 0  # marks that count, in held sessions
    participants: int = 0  # people who attended at least one session
    certified: int = 0  # valid certificates
    final_enrolled: int = 0  # enrolled in classes whose attendance is final
    final_certified: int = 0  # valid certificates of those classes

    @property
    def rate(self) -> Rate:
        return Rate(self.attended_sessions, self.due_sessions)

    @property
    def certificate_rate(self) -> Rate:
        return Rate(self.final_certified, self.final_enrolled)

    def add(self, other: Tally) -> None:
        for f in fields(Tally):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


def tallies(
    enrollments: QuerySet[Enrollment],
    classes: QuerySet,
    *,
    by: str,
    certified: QuerySet | None = None,
) -> dict[int, Tally]:
    """The :class:`Tally` of each value of the enrollment field ``by`` ("organisation",
    "category" or "training_class") over ``classes``, counting only ``enrollments`` (what
    the reader may see). Seven grouped queries, whatever the size of the year.

    ``certified`` is the valid certificates to count (``Certificate.objects.valid()``),
    passed by the caller because certificates build on attendees; without it the
    certificate figures stay 0."""
    from courses.models import Session

    result: dict[int, Tally] = {}

    def row(key: int) -> Tally:
        if key not in result:
            result[key] = Tally()
        return result[key]

    scoped = enrollments.filter(training_class__in=classes)
    held = dict(
        held_sessions(Session.objects.filter(training_class__in=classes))
        .values("training_class")
        .annotate(n=Count("pk"))
        .values_list("training_class", "n")
    )
    final = final_classes(classes)
    for r in scoped.values(by, "training_class").annotate(n=Count("pk")).order_by():
        t = row(r[by])
        t.enrolled += r["n"]
        t.due_sessions += r["n"] * held.get(r["training_class"], 0)
        if r["training_class"] in final:
            t.final_enrolled += r["n"]
    # From the enrollments, joined to their attendance (the filter's join is the one
    # counted): an `enrollment__in` subquery made SQLite build the year's ~100,000
    # enrollment ids and look each attendance row up in it (~1/3 slower at that size).
    counted = scoped.filter(
        counted_q(
            excused_counting(classes),
            status="attendances__status",
            training_class="training_class",
        )
    )
    for r in (
        counted.values(by)
        .annotate(sessions=Count("attendances"), people=Count("pk", distinct=True))
        .order_by()
    ):
        t = row(r[by])
        t.attended_sessions = r["sessions"]
        t.participants = r["people"]
    if certified is None:
        return result
    for r in (
        certified.filter(enrollment__in=scoped.values("pk"))
        .values(f"enrollment__{by}", "enrollment__training_class")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        t = row(r[f"enrollment__{by}"])
        t.certified += r["n"]
        if r["enrollment__training_class"] in final:
            t.final_certified += r["n"]
    return result
