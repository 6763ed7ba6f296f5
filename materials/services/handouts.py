"""Writes on hand-outs: a badge scanned in hand-out mode, the coordinator's tick list and
undoing a hand-over."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from attendees.models import Enrollment
from attendees.scanning import earlier_answer
from core.audit import audit
from courses.vietnamese import sorted_by_participant
from materials.models import ClassMaterial, Handover, HandoverMethod


class HandoutResult:
    HANDED = "handed"
    ALREADY = "already_handed"
    UNKNOWN_TOKEN = "unknown_token"  # noqa: S105 (a result name, not a secret)
    NOT_ENROLLED = "not_enrolled"


@dataclass
class HandoutOutcome:
    nonce: str
    result: str
    name: str = ""
    handed_at: datetime.datetime | None = None

    def as_json(self) -> dict:
        return {
            "nonce": self.nonce,
            "result": self.result,
            "name": self.name,
            "handed_at": self.handed_at.isoformat() if self.handed_at else None,
        }


@transaction.atomic
def handover_scan(
    *,
    actor: User,
    class_material: ClassMaterial,
    token: str,
    nonce: uuid.UUID,
    scanned_at: datetime.datetime,
    device: str = "",
) -> HandoutOutcome:
    """A badge scanned in hand-out mode. Idempotent by nonce (a replayed upload gets the
    same answer); a second scan of the same person is "already handed", and the earliest
    scan time is kept when offline devices upload out of order."""
    previous = earlier_answer(
        Handover.objects.filter(class_material=class_material).select_related(
            "enrollment__participant"
        ),
        nonce,
    )
    if previous:
        return HandoutOutcome(
            str(nonce),
            HandoutResult.HANDED,
            previous.enrollment.participant.full_name,
            previous.handed_at,
        )
    enrollment = (
        Enrollment.objects.filter(badge_token=token.strip()).select_related("participant").first()
    )
    if enrollment is None:
        return HandoutOutcome(str(nonce), HandoutResult.UNKNOWN_TOKEN)
    name = enrollment.participant.full_name
    if enrollment.training_class_id != class_material.training_class_id:
        return HandoutOutcome(str(nonce), HandoutResult.NOT_ENROLLED, name)
    now = timezone.now()
    # A device clock in the future is not trusted: the server's time is used instead.
    when = min(scanned_at, now)
    existing = (
        Handover.objects.select_for_update()
        .filter(class_material=class_material, enrollment=enrollment)
        .first()
    )
    if existing:
        if when < existing.handed_at:
            existing.handed_at = when
            existing.save(update_fields=["handed_at"])
        return HandoutOutcome(str(nonce), HandoutResult.ALREADY, name, existing.handed_at)
    try:
        with transaction.atomic():
            row = Handover.objects.create(
                class_material=class_material,
                enrollment=enrollment,
                handed_at=when,
                method=HandoverMethod.SCAN,
                recorded_by=actor,
                device=device[:64],
                nonce=nonce,
            )
    except IntegrityError:
        # The same upload replayed from a second tab (same nonce): the same answer. Or
        # another device recorded this person a moment ago: already handed.
        row = Handover.objects.filter(nonce=nonce).first() or Handover.objects.get(
            class_material=class_material, enrollment=enrollment
        )
        result = HandoutResult.HANDED if row.nonce == nonce else HandoutResult.ALREADY
        return HandoutOutcome(str(nonce), result, name, row.handed_at)
    return HandoutOutcome(str(nonce), HandoutResult.HANDED, name, row.handed_at)


def _refuse_withdrawn(class_material: ClassMaterial) -> None:
    if not ClassMaterial.objects.current().filter(pk=class_material.pk).exists():
        raise ValidationError(
            _("This material has been withdrawn: it can no longer be handed out.")
        )


@dataclass
class HandoverListSave:
    """What a save of the tick list did: how many were added and removed, and who was
    unticked but kept because a badge scan recorded their copy."""

    added: int
    removed: int
    kept_scanned: list[str]


@transaction.atomic
def handovers_update(
    *,
    actor: User,
    class_material: ClassMaterial,
    ticked: Iterable[int],
    unticked: Iterable[int],
) -> HandoverListSave:
    """A save of the tick list: only the rows the user changed. ``ticked`` are the
    enrollments ticked on the page that were not ticked when it was shown, ``unticked``
    the reverse; the page sends both, never "the whole list", because the list may be
    stale: while it was open a colleague at the door may have scanned badges, and a save
    must not undo what it never showed.

    A ticked person who has a hand-over by now keeps it. An unticked hand-over is
    removed only if it was ticked on a list: one recorded by the scanner stays (its name
    is returned); it takes an explicit `handover_undo`, with a reason, to remove it.
    A withdrawn class material is handed out no more."""
    _refuse_withdrawn(class_material)
    in_class = Enrollment.objects.filter(training_class_id=class_material.training_class_id)
    ticked = set(in_class.filter(pk__in=list(ticked)).values_list("pk", flat=True))
    unticked = set(in_class.filter(pk__in=list(unticked)).values_list("pk", flat=True))
    ticked -= unticked  # both at once cannot come from the page: no change
    current = dict(
        class_material.handovers.select_for_update()
        .filter(enrollment_id__in=ticked | unticked)
        .values_list("enrollment_id", "method")
    )
    now = timezone.now()
    to_add = sorted(ticked - current.keys())
    # A badge scanned this very moment may win the race for a row: it stays, and the
    # person counts as not added by the list.
    Handover.objects.bulk_create(
        [
            Handover(
                class_material=class_material,
                enrollment_id=pk,
                handed_at=now,
                method=HandoverMethod.LIST,
                recorded_by=actor,
            )
            for pk in to_add
        ],
        ignore_conflicts=True,
    )
    added = sorted(
        class_material.handovers.filter(
            enrollment_id__in=to_add, method=HandoverMethod.LIST, handed_at=now
        ).values_list("enrollment_id", flat=True)
    )
    removed = sorted(pk for pk in unticked if current.get(pk) == HandoverMethod.LIST)
    kept = sorted(pk for pk in unticked if current.get(pk) == HandoverMethod.SCAN)
    class_material.handovers.filter(enrollment_id__in=removed, method=HandoverMethod.LIST).delete()
    if added or removed or kept:
        audit(
            actor=actor,
            action="material.handover",
            target=class_material.training_class,
            changes={
                "edition": str(class_material.edition),
                "added": added,
                "removed": removed,
                "kept_scanned": kept,
            },
        )
    kept_names = [
        e.participant.full_name
        for e in sorted_by_participant(in_class.filter(pk__in=kept).select_related("participant"))
    ]
    return HandoverListSave(len(added), len(removed), kept_names)


@transaction.atomic
def handover_undo(
    *, actor: User, class_material: ClassMaterial, enrollment: Enrollment, reason: str
) -> Handover:
    """Remove one hand-over on purpose — a badge scanned for the wrong material or the
    wrong person — with the reason, audited with what was removed (how, when, by whom,
    on which device). The tick list never removes a scanned hand-over; this does."""
    reason = " ".join(reason.split())[:300]
    if not reason:
        raise ValidationError({"reason": _("Give the reason for undoing this hand-over.")})
    row = (
        Handover.objects.select_for_update()
        .filter(class_material=class_material, enrollment=enrollment)
        .first()
    )
    if row is None:
        raise ValidationError(
            _("%(name)s has no hand-over of this material to undo.")
            % {"name": enrollment.participant.full_name}
        )
    changes = {
        "edition": str(class_material.edition),
        "enrollment": enrollment.pk,
        "method": row.method,
        "handed_at": row.handed_at.isoformat(),
        "recorded_by": row.recorded_by_id,
        "device": row.device,
        "reason": reason,
    }
    row.delete()
    audit(
        actor=actor,
        action="material.handover_undo",
        target=class_material.training_class,
        changes=changes,
    )
    return row
