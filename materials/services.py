"""Writes on materials: the catalogue, files, hand-outs and printed distribution.

Files are checked by content (`materials.files.validate_upload`) before anything is
written, and each service runs in one transaction: a refused file, a duplicate edition or
a receipt above what was sent leaves nothing behind (a stored file whose row fails is
deleted again).
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Sum, When
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from attendees.models import Enrollment
from core.audit import audit
from courses.models import Organisation, TrainingClass
from courses.vietnamese import fold, sorted_by_name
from materials.files import validate_upload
from materials.models import (
    ClassMaterial,
    Dispatch,
    DistributionLine,
    Edition,
    Handover,
    HandoverMethod,
    Language,
    Material,
    MaterialFile,
    Withdrawable,
)


def refresh_search_text(material: Material) -> None:
    languages = Language.objects.filter(
        pk__in=Edition.languages.through.objects.filter(edition__material=material).values(
            "language_id"
        )
    )
    text = " ".join([material.title, material.description, *(lang.name for lang in languages)])
    Material.objects.filter(pk=material.pk).update(search_text=fold(text))


@transaction.atomic
def material_save(*, actor: User, material: Material) -> Material:
    creating = material.pk is None
    if creating:
        material.created_by = actor
    material.full_clean()
    material.save()
    refresh_search_text(material)
    audit(
        actor=actor,
        action="material.create" if creating else "material.update",
        target=material,
        changes={"title": material.title, "kind": material.kind},
    )
    return material


def _store_files(
    *, actor: User, edition: Edition, uploads: Iterable[UploadedFile]
) -> list[MaterialFile]:
    """Check every upload first; only when all pass is any of them written."""
    material = edition.material
    checked = [
        (
            upload,
            validate_upload(
                upload, allowed=material.allowed_families, max_bytes=material.max_bytes
            ),
        )
        for upload in uploads
    ]
    seen: set[str] = set()
    for _upload, info in checked:
        if info.sha256 in seen or edition.files.current().filter(sha256=info.sha256).exists():
            raise ValidationError(
                _("“%(name)s” is already attached to this edition.") % {"name": info.original_name}
            )
        seen.add(info.sha256)
    stored: list[MaterialFile] = []
    try:
        for upload, info in checked:
            row = MaterialFile(
                edition=edition,
                original_name=info.original_name,
                mime=info.mime,
                family=info.family,
                size=info.size,
                sha256=info.sha256,
                uploaded_by=actor,
            )
            row.file.save(info.safe_name, upload, save=False)
            stored.append(row)
            row.save()
    except Exception:
        # The transaction rolls the rows back; the files on disk must go too.
        for row in stored:
            row.file.delete(save=False)
        raise
    return stored


@transaction.atomic
def edition_create(
    *,
    actor: User,
    edition: Edition,
    languages: Iterable[Language],
    uploads: Iterable[UploadedFile] = (),
) -> Edition:
    languages = list(languages)
    if not languages:
        raise ValidationError({"languages": _("Choose at least one language.")})
    edition.normalise_text()
    _refuse_namesake(edition)
    edition.full_clean(exclude=["languages"])
    stored: list[MaterialFile] = []
    try:
        with transaction.atomic():
            edition.save()
            edition.languages.set(languages)
            stored = _store_files(actor=actor, edition=edition, uploads=uploads)
    except IntegrityError as exc:
        for row in stored:
            row.file.delete(save=False)
        raise ValidationError(
            {"label": _("This material already has an edition with this name.")}
        ) from exc
    except ValidationError:
        for row in stored:
            row.file.delete(save=False)
        raise
    refresh_search_text(edition.material)
    audit(
        actor=actor,
        action="material.edition",
        target=edition.material,
        changes={
            "edition": edition.label,
            "languages": [lang.code for lang in languages],
            "files": [row.original_name for row in stored],
        },
    )
    return edition


def _refuse_namesake(edition: Edition) -> None:
    """Two current editions of a material may not share a name, case and spacing aside;
    the message names the one already there."""
    existing = Edition.objects.namesake(edition)
    if existing is not None:
        raise ValidationError(
            {
                "label": _(
                    "This material already has the edition “%(label)s” (names are compared "
                    "without regard to capitals and spaces)."
                )
                % {"label": existing.label}
            }
        )


def _edition_values(edition: Edition) -> dict:
    return {
        "label": edition.label,
        "year": edition.year,
        "printed_copies": edition.printed_copies,
        "languages": sorted(edition.languages.values_list("code", flat=True)),
    }


@transaction.atomic
def edition_update(*, actor: User, edition: Edition, languages: Iterable[Language]) -> Edition:
    """Correct an edition: its name, languages, year or copies printed (audited with what
    changed). The copies printed cannot fall below the copies already sent out."""
    languages = list(languages)
    if not languages:
        raise ValidationError({"languages": _("Choose at least one language.")})
    stored = Edition.objects.select_for_update().get(pk=edition.pk)
    before = _edition_values(stored)
    edition.normalise_text()
    _refuse_namesake(edition)
    sent = Dispatch.objects.filter(line__edition=edition).aggregate(n=Sum("quantity"))["n"] or 0
    if edition.printed_copies < sent:
        raise ValidationError(
            {
                "printed_copies": _(
                    "%(sent)s copies of this edition were already sent: the copies printed "
                    "cannot be fewer."
                )
                % {"sent": sent}
            }
        )
    edition.full_clean(exclude=["languages"])
    try:
        with transaction.atomic():
            edition.save()
    except IntegrityError as exc:  # a namesake saved a moment ago
        raise ValidationError(
            {"label": _("This material already has an edition with this name.")}
        ) from exc
    edition.languages.set(languages)
    refresh_search_text(edition.material)
    after = _edition_values(edition)
    changes = {k: [before[k], v] for k, v in after.items() if before[k] != v}
    if changes:
        audit(
            actor=actor,
            action="material.edition_update",
            target=edition.material,
            changes={"edition": edition.pk, **changes},
        )
    return edition


# ---------------------------------------------------------------------------- withdrawal


def _is_withdrawn(edition: Edition) -> bool:
    """From the database, not the caller's copy (it may predate the withdrawal)."""
    return not Edition.objects.current().filter(pk=edition.pk).exists()


def _clean_reason(reason: str) -> str:
    reason = " ".join(reason.split())[:300]
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the withdrawal.")})
    return reason


def _withdraw(row: Withdrawable, *, actor: User, reason: str) -> None:
    if row.is_withdrawn:
        raise ValidationError(_("This has already been withdrawn."))
    row.withdrawn_at = timezone.now()
    row.withdrawn_by = actor
    row.withdrawn_reason = _clean_reason(reason)
    row.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawn_reason"])


def _restore(row: Withdrawable) -> dict:
    """Clear the withdrawal; return what it was, for the audit log."""
    if not row.is_withdrawn:
        raise ValidationError(_("This is not withdrawn."))
    was = {
        "withdrawn_at": row.withdrawn_at.isoformat(),
        "withdrawn_by": row.withdrawn_by_id,
        "reason": row.withdrawn_reason,
    }
    row.withdrawn_at, row.withdrawn_by, row.withdrawn_reason = None, None, ""
    row.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawn_reason"])
    return was


@transaction.atomic
def edition_withdraw(*, actor: User, edition: Edition, reason: str) -> Edition:
    """Withdraw an edition (a wrong or duplicate one): it leaves the library, the
    Ministry package, the lists to attach and hand out, and the totals; its files can no
    longer be downloaded except by the coordinator. Hand-outs and dispatches already
    recorded are kept, and counted as history."""
    edition = Edition.objects.select_for_update().select_related("material").get(pk=edition.pk)
    _withdraw(edition, actor=actor, reason=reason)
    audit(
        actor=actor,
        action="material.edition_withdraw",
        target=edition.material,
        changes={"edition": edition.pk, "label": edition.label, "reason": edition.withdrawn_reason},
    )
    return edition


@transaction.atomic
def edition_restore(*, actor: User, edition: Edition) -> Edition:
    edition = Edition.objects.select_for_update().select_related("material").get(pk=edition.pk)
    _refuse_namesake(edition)
    was = _restore(edition)
    audit(
        actor=actor,
        action="material.edition_restore",
        target=edition.material,
        changes={"edition": edition.pk, "label": edition.label, **was},
    )
    return edition


@transaction.atomic
def file_withdraw(*, actor: User, file: MaterialFile, reason: str) -> MaterialFile:
    file = (
        MaterialFile.objects.select_for_update().select_related("edition__material").get(pk=file.pk)
    )
    _withdraw(file, actor=actor, reason=reason)
    audit(
        actor=actor,
        action="material.file_withdraw",
        target=file.edition.material,
        changes={
            "edition": file.edition.label,
            "file": file.pk,
            "name": file.original_name,
            "reason": file.withdrawn_reason,
        },
    )
    return file


@transaction.atomic
def file_restore(*, actor: User, file: MaterialFile) -> MaterialFile:
    file = (
        MaterialFile.objects.select_for_update().select_related("edition__material").get(pk=file.pk)
    )
    twin = file.edition.files.current().filter(sha256=file.sha256).exclude(pk=file.pk).first()
    if twin is not None:
        raise ValidationError(
            _("The same file is already in this edition as “%(name)s”.")
            % {"name": twin.original_name}
        )
    was = _restore(file)
    audit(
        actor=actor,
        action="material.file_restore",
        target=file.edition.material,
        changes={"edition": file.edition.label, "file": file.pk, "name": file.original_name, **was},
    )
    return file


@transaction.atomic
def class_material_withdraw(
    *, actor: User, class_material: ClassMaterial, reason: str
) -> ClassMaterial:
    """Take an edition off a class: no more hand-outs of it there; those recorded stay."""
    cm = (
        ClassMaterial.objects.select_for_update()
        .select_related("edition__material", "training_class")
        .get(pk=class_material.pk)
    )
    _withdraw(cm, actor=actor, reason=reason)
    audit(
        actor=actor,
        action="material.detach",
        target=cm.training_class,
        changes={
            "edition": str(cm.edition),
            "handed_out": cm.handovers.count(),
            "reason": cm.withdrawn_reason,
        },
    )
    return cm


@transaction.atomic
def class_material_restore(*, actor: User, class_material: ClassMaterial) -> ClassMaterial:
    cm = (
        ClassMaterial.objects.select_for_update()
        .select_related("edition__material", "training_class")
        .get(pk=class_material.pk)
    )
    if cm.edition.is_withdrawn:
        raise ValidationError(
            _("The edition “%(label)s” is withdrawn from the catalogue: restore it there first.")
            % {"label": cm.edition.label}
        )
    was = _restore(cm)
    audit(
        actor=actor,
        action="material.attach",
        target=cm.training_class,
        changes={"edition": str(cm.edition), "restored": was},
    )
    return cm


@transaction.atomic
def files_add(
    *, actor: User, edition: Edition, uploads: Iterable[UploadedFile]
) -> list[MaterialFile]:
    if _is_withdrawn(edition):
        raise ValidationError(_("This edition is withdrawn: restore it before adding files."))
    stored = _store_files(actor=actor, edition=edition, uploads=uploads)
    audit(
        actor=actor,
        action="material.files",
        target=edition.material,
        changes={"edition": edition.label, "files": [row.original_name for row in stored]},
    )
    return stored


@transaction.atomic
def class_material_add(
    *, actor: User, training_class: TrainingClass, edition: Edition, session=None
) -> ClassMaterial:
    if session is not None and session.training_class_id != training_class.pk:
        raise ValidationError({"session": _("The session belongs to another class.")})
    if _is_withdrawn(edition):
        raise ValidationError({"edition": _("This edition is withdrawn from the catalogue.")})
    existing = ClassMaterial.objects.filter(training_class=training_class, edition=edition).first()
    if existing is not None and not existing.is_withdrawn:
        raise ValidationError({"edition": _("This edition is already attached to the class.")})
    if existing is not None:
        # Attached again after a withdrawal: the same row, with its hand-outs.
        return class_material_restore(actor=actor, class_material=existing)
    row = ClassMaterial.objects.create(
        training_class=training_class, edition=edition, session=session, added_by=actor
    )
    audit(
        actor=actor,
        action="material.attach",
        target=training_class,
        changes={"edition": str(edition)},
    )
    return row


# ---------------------------------------------------------------------------- hand-outs


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
    previous = (
        Handover.objects.filter(nonce=nonce, class_material=class_material)
        .select_related("enrollment__participant")
        .first()
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
        for e in sorted_by_name(
            in_class.filter(pk__in=kept).select_related("participant"),
            name=lambda e: e.participant.full_name,
            born=lambda e: e.participant.date_of_birth,
        )
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


# ---------------------------------------------------------------------------- distribution


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
