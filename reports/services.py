"""Writes of the reports app. Reports read what the other apps recorded; what they write
is their own: the allowance rates of a class."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction

from accounts.models import User
from core.audit import audit
from courses.models import TrainingClass
from reports.models import ClassAllowance

RATE_FIELDS = ("meal_per_day", "lodging_per_night", "travel_per_person")


@transaction.atomic
def allowance_save(
    *, actor: User, training_class: TrainingClass, rates: Mapping[str, int]
) -> ClassAllowance:
    """Set the allowance rates of a class (in đồng), creating them the first time; the
    audit log keeps each rate that changed as [before, after]."""
    allowance = (
        ClassAllowance.objects.select_for_update().filter(training_class=training_class).first()
    )
    created = allowance is None
    if created:
        allowance = ClassAllowance(training_class=training_class)
    before = {} if created else {f: getattr(allowance, f) for f in RATE_FIELDS}
    for name in RATE_FIELDS:
        setattr(allowance, name, rates[name])
    allowance.full_clean()
    allowance.save()
    after = {f: getattr(allowance, f) for f in RATE_FIELDS}
    audit(
        actor=actor,
        action="allowance.create" if created else "allowance.update",
        target=allowance,
        changes={k: [before.get(k), v] for k, v in after.items() if before.get(k) != v},
    )
    return allowance
