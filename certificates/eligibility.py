"""Who has earned a certificate, and why not: the reads behind the preview, the issuing
service and the bulk job (one rule, in one place).

An enrollment qualifies when the sessions it attended reach the class threshold
(``TrainingClass.certificate_threshold``, default 80 %) of all the class's sessions and,
in a class whose settings ask for it, the trainer's final assessment is met ("passed", or
a minimum score). What counts and how it is compared are the attendance rules
(``attendees.rules.eligible``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from attendees.models import Attendance, Enrollment
from attendees.rules import (
    NO_REQUIREMENT,
    Requirement,
    assessment_text,
    counted_statuses,
    eligible,
    is_final,
    person_rate,
)
from certificates.models import Certificate, CertificateSettings
from core.documents.header import header_bodies
from courses.models import Session, TrainingClass
from courses.vietnamese import sorted_by_participant


@dataclass
class Eligibility:
    enrollment: Enrollment
    sessions: Sequence[Session]
    attended: int
    threshold: int
    missed: list[Session] = field(default_factory=list)
    certificate: Certificate | None = None
    requirement: Requirement = NO_REQUIREMENT

    @property
    def total(self) -> int:
        return len(self.sessions)

    @property
    def rate(self):
        """Of all the class's sessions (certificates are issued once all are held)."""
        return person_rate(self.attended, self.total, self.threshold)

    @property
    def eligible(self) -> bool:
        e = self.enrollment
        return eligible(
            self.attended, self.total, self.threshold, self.requirement, e.assessment, e.score
        )

    @property
    def attendance_met(self) -> bool:
        return eligible(self.attended, self.total, self.threshold)

    @property
    def assessment(self) -> str:
        """The learner's result as the preview shows it ('Đạt', '6,5'…), '' if none."""
        return assessment_text(self.enrollment.assessment, self.enrollment.score)

    @property
    def assessment_met(self) -> bool:
        return self.requirement.met(self.enrollment.assessment, self.enrollment.score)

    @property
    def reason(self) -> str:
        if self.eligible:
            return ""
        if not self.total:
            return _("The class has no sessions.")
        reasons = []
        if not self.attendance_met:
            reasons.append(
                _("Attended %(attended)s of %(total)s sessions (%(rate)s, %(threshold)s%% needed).")
                % {
                    "attended": self.attended,
                    "total": self.total,
                    "rate": self.rate,
                    "threshold": self.threshold,
                }
            )
        shortfall = self.requirement.shortfall(self.enrollment.assessment, self.enrollment.score)
        if shortfall:
            reasons.append(f"{shortfall}.")
        return " ".join(reasons)


def settings_for(training_class: TrainingClass) -> CertificateSettings:
    """The class's saved settings, or unsaved defaults taken from its organiser."""
    try:
        return training_class.certificate_settings
    except CertificateSettings.DoesNotExist:
        organiser = training_class.organiser
        parent = organiser.parent
        # As the Decree 30 header prints them: "UBND tỉnh Lai Châu" over "Sở Thông tin và
        # Truyền thông", each on one line (not "… tỉnh Lai Châu" again, which wraps).
        parent_body, issuing_body = header_bodies(parent.name if parent else "", organiser.name)
        return CertificateSettings(
            training_class=training_class,
            issuer=organiser,
            parent_body=parent_body,
            issuing_body=issuing_body,
            issue_place=organiser.place or (parent.place if parent else ""),
        )


def class_eligibility(
    training_class: TrainingClass, *, enrollments: Sequence[Enrollment] | None = None
) -> list[Eligibility]:
    """Every enrollment of the class (or the given ones) with its attendance and valid
    certificate, in Vietnamese name order. Three queries whatever the class size."""
    settings = settings_for(training_class)
    sessions = list(training_class.sessions.order_by("date", "start_time"))
    if enrollments is None:
        enrollments = list(
            Enrollment.objects.filter(training_class=training_class).select_related(
                "participant", "organisation", "category"
            )
        )
    ids = [e.pk for e in enrollments]
    attended: dict[int, set[int]] = defaultdict(set)
    rows = Attendance.objects.filter(
        enrollment_id__in=ids,
        session__training_class=training_class,
        status__in=counted_statuses(settings.excused_counts),
    ).values_list("enrollment_id", "session_id")
    for enrollment_id, session_id in rows:
        attended[enrollment_id].add(session_id)
    certificates = {
        c.enrollment_id: c for c in Certificate.objects.valid().filter(enrollment_id__in=ids)
    }
    result = [
        Eligibility(
            enrollment=e,
            sessions=sessions,
            attended=len(attended[e.pk]),
            threshold=training_class.certificate_threshold,
            missed=[s for s in sessions if s.pk not in attended[e.pk]],
            certificate=certificates.get(e.pk),
            requirement=settings.requirement,
        )
        for e in enrollments
    ]
    # This order numbers the certificate register (the bulk job issues in it).
    return sorted_by_participant(
        result,
        person=lambda row: row.enrollment.participant,
        then=lambda row: row.enrollment.pk,
    )


def enrollment_eligibility(enrollment: Enrollment) -> Eligibility:
    return class_eligibility(enrollment.training_class, enrollments=[enrollment])[0]


def not_ready_reason(training_class: TrainingClass) -> str:
    """Why certificates cannot be issued yet ("" when they can): attendance must be final,
    i.e. every session closed (closing the class closes them). A practice class never can:
    the register is official, and the class is not part of the plan."""
    if training_class.is_practice:
        return _(
            "%(code)s is a practice class (for trying the tool): it issues no certificates "
            "from the official register."
        ) % {"code": training_class.code}
    sessions = training_class.sessions.order_by("date", "start_time")
    if not sessions.exists():
        return _("The class has no sessions.")
    if not is_final(sessions):
        still_open = [s for s in sessions if s.closed_at is None]
        dates = ", ".join(f"{s.date:%d/%m} {s.start_time:%H:%M}" for s in still_open[:5])
        return _(
            "Attendance is not final: %(count)s session(s) still open (%(dates)s). Close them,"
            " or close the class, first."
        ) % {"count": len(still_open), "dates": dates}
    return ""
