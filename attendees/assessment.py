"""The trainer's final assessment of the learners of a class (Circular 10/2017 evaluates
the learners too): who may enter it, when it is closed, and the list's one "Save".

What a certificate asks of it is a class setting read by the eligibility rule
(``attendees.rules.Requirement``); here the results are only recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from attendees.models import Enrollment
from attendees.rules import FAILED, PASSED
from core.audit import audit
from courses.models import Session, TrainingClass

if TYPE_CHECKING:
    from accounts.models import User

RESULTS = ("", PASSED, FAILED)
MAX_SCORE = Decimal("10")


def can_enter_assessment(user, training_class: TrainingClass) -> bool:
    """The coordinator, and the trainers who teach a session of the class (who run it:
    the same rule as taking its attendance, SessionQuerySet.run_by)."""
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_coordinator:
        return True
    return Session.objects.run_by(user).filter(training_class=training_class).exists()


def assessment_refusal(training_class: TrainingClass) -> str:
    """Why the results can no longer be changed ("" while they can): the certificates are
    issued from the final results, so once one is in the register (even revoked since)
    the results it was issued on stay as they were."""
    if training_class.has_issued_certificates():
        return _(
            "Certificates of this class have been issued from these results: they can no "
            "longer be changed."
        )
    return ""


@dataclass(frozen=True)
class AssessmentChange:
    """What the trainer chose for one learner on the list."""

    enrollment: Enrollment
    assessment: str  # "", "passed" or "failed"
    score: Decimal | None


def _problem(change: AssessmentChange) -> str:
    if change.assessment not in RESULTS:
        return _("Unknown result.")
    score = change.score
    if score is not None and not (0 <= score <= MAX_SCORE):
        return _("A score is from 0 to 10.")
    if score is not None and score != score.quantize(Decimal("0.1")):
        return _("A score has at most one decimal, e.g. 6,5.")
    return ""


@transaction.atomic
def assessment_record_many(
    *, actor: User, training_class: TrainingClass, changes: Sequence[AssessmentChange]
) -> list[Enrollment]:
    """The assessment list's single "Save": the changed rows, all or nothing, each audited
    with its previous value. A row equal to what is recorded is not written (nor audited).
    Every refused row is reported, keyed by its enrollment's id (a ValidationError whose
    error_dict maps str(enrollment id) to the row's messages), and then nothing is saved.
    Refused as a whole once a certificate of the class is issued."""
    if not can_enter_assessment(actor, training_class):
        raise PermissionDenied(_("Only the class's trainers and the department enter results."))
    # Lock the rows first: certificate_issue locks the enrollment it issues to, so a
    # certificate issued meanwhile is seen below, and one issued after sees these results.
    current = {
        e.pk: e
        for e in Enrollment.objects.select_for_update().filter(
            pk__in=[c.enrollment.pk for c in changes]
        )
    }
    refusal = assessment_refusal(training_class)
    if refusal:
        raise ValidationError(refusal)
    errors: dict[str, list[str]] = {}
    saved: list[Enrollment] = []
    for change in changes:
        key = str(change.enrollment.pk)
        enrollment = current.get(change.enrollment.pk)
        if enrollment is None or enrollment.training_class_id != training_class.pk:
            errors[key] = [_("This person is not enrolled in this class.")]
            continue
        problem = _problem(change)
        if problem:
            errors[key] = [problem]
            continue
        before = (enrollment.assessment, enrollment.score)
        if before == (change.assessment, change.score):
            continue
        enrollment.assessment, enrollment.score = change.assessment, change.score
        enrollment.save(update_fields=["assessment", "score"])
        audit(
            actor=actor,
            action="enrollment.assessment",
            target=enrollment,
            changes={
                "assessment": [before[0], change.assessment],
                "score": [
                    None if before[1] is None else str(before[1]),
                    None if change.score is None else str(change.score),
                ],
            },
        )
        saved.append(enrollment)
    if errors:
        raise ValidationError(errors)  # and every row saved before is rolled back
    return saved
