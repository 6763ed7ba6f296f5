"""Writes on printed distribution: the plan per recipient, dispatches and signed receipts.
A receipt above what was sent, or a plan below it, leaves nothing behind; reads are in
`materials.distribution`."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Case, F, Sum, When
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.audit import audit
from courses.models import Organisation
from materials.files import validate_upload
from materials.models import Dispatch, DistributionLine, Edition
from materials.services.catalogue import _is_withdrawn


@transaction.atomic
def distribution_plan(
    *, actor: User, edition: Edition, quantities: dict[Organisation, int]
) -> list[DistributionLine]:
    """Set the planned copies per recipient (0 removes a recipient not yet sent to)."""
    if _is_withdrawn(edition):
        raise ValidationError(_("This edition is withdrawn: its plan can no longer change."))
    lines = []
    for recipient, planned in quantities.items():
        line = DistributionLine.objects.filter(edition=edition, recipient=recipient).first()
        if planned <= 0:
            if line and not line.dispatches.exists():
                line.delete()
            elif line:
                raise ValidationError(
                    _("%(unit)s already has copies on the way; its plan cannot be removed.")
                    % {"unit": recipient}
                )
            continue
        sent = _committed(line) if line else 0
        if planned < sent:
            raise ValidationError(
                _("%(unit)s: %(sent)s copies were already sent; the plan cannot be %(planned)s.")
                % {"unit": recipient, "sent": sent, "planned": planned}
            )
        if line is None:
            line = DistributionLine(edition=edition, recipient=recipient, created_by=actor)
        line.planned = planned
        line.save()
        lines.append(line)
    audit(
        actor=actor,
        action="material.plan",
        target=edition.material,
        changes={
            "edition": edition.label,
            "recipients": {str(o.pk): q for o, q in quantities.items()},
        },
    )
    return lines


def _committed(line: DistributionLine) -> int:
    """Copies received, plus copies still on the way: what counts against the plan. A
    receipt short of what was sent frees the lost copies to be sent again."""
    total = line.dispatches.aggregate(
        n=Sum(
            Case(
                When(received_on__isnull=True, then=F("quantity")),
                default=F("received_quantity"),
            )
        )
    )["n"]
    return total or 0


@transaction.atomic
def dispatch_record(
    *,
    actor: User,
    line: DistributionLine,
    dispatched_on: datetime.date,
    quantity: int,
    carrier: str,
    note: str = "",
) -> Dispatch:
    line = DistributionLine.objects.select_for_update().select_related("edition").get(pk=line.pk)
    if line.edition.is_withdrawn:
        raise ValidationError(_("This edition is withdrawn: no more copies are sent."))
    if dispatched_on > timezone.localdate():
        raise ValidationError({"dispatched_on": _("The dispatch date cannot be in the future.")})
    sent = _committed(line)
    if sent + quantity > line.planned:
        raise ValidationError(
            {
                "quantity": _(
                    "Only %(left)s of the %(planned)s planned copies are left to send to this"
                    " recipient; raise the plan first."
                )
                % {"left": line.planned - sent, "planned": line.planned}
            }
        )
    dispatch = Dispatch(
        line=line,
        dispatched_on=dispatched_on,
        quantity=quantity,
        carrier=carrier,
        note=note,
        recorded_by=actor,
    )
    dispatch.full_clean()
    dispatch.save()
    audit(
        actor=actor,
        action="material.dispatch",
        target=line.edition.material,
        changes={"recipient": str(line.recipient), "quantity": quantity, "carrier": carrier},
    )
    return dispatch


@transaction.atomic
def receipt_record(
    *,
    actor: User,
    dispatch: Dispatch,
    received_on: datetime.date,
    received_by: str,
    received_quantity: int,
    scan: UploadedFile | None = None,
) -> Dispatch:
    from materials.files import Family

    dispatch = Dispatch.objects.select_for_update().get(pk=dispatch.pk)
    errors = {}
    if received_quantity > dispatch.quantity:
        errors["received_quantity"] = _(
            "%(received)s copies cannot have been received: only %(sent)s were sent."
        ) % {"received": received_quantity, "sent": dispatch.quantity}
    if received_on > timezone.localdate():
        errors["received_on"] = _("The receipt date cannot be in the future.")
    elif received_on < dispatch.dispatched_on:
        errors["received_on"] = _(
            "The receipt date cannot be before the dispatch date (%(d)s)."
        ) % {"d": dispatch.dispatched_on.strftime("%d/%m/%Y")}
    if not received_by.strip():
        errors["received_by"] = _("Enter who signed the receipt.")
    if errors:
        raise ValidationError(errors)
    info = None
    if scan is not None:
        info = validate_upload(
            scan, allowed=(Family.IMAGE, Family.DOCUMENT), max_bytes=20 * 1024 * 1024
        )
    dispatch.received_on = received_on
    dispatch.received_by = received_by.strip()
    dispatch.received_quantity = received_quantity
    replaced = dispatch.receipt_scan.name if info is not None else ""
    if info is not None:
        dispatch.receipt_scan.save(info.safe_name, scan, save=False)
        new_name, storage = dispatch.receipt_scan.name, dispatch.receipt_scan.storage
        # The new scan is removed if anything below rolls the receipt back; the one it
        # replaces only once the new receipt is committed.
        transaction.on_commit(lambda: replaced and storage.delete(replaced))
    try:
        dispatch.save()
    except Exception:
        if info is not None:
            storage.delete(new_name)
        raise
    audit(
        actor=actor,
        action="material.receipt",
        target=dispatch.line.edition.material,
        changes={
            "recipient": str(dispatch.line.recipient),
            "received": received_quantity,
            "by": dispatch.received_by,
        },
    )
    return dispatch
