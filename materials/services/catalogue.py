"""Writes on the catalogue: materials, editions and their files, withdrawing and
restoring them, and attaching an edition to a class.

Files are checked by content (`materials.files.validate_upload`) before anything is
written, and each service runs in one transaction: a refused file or a duplicate edition
leaves nothing behind (a stored file whose row fails is deleted again)."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.audit import audit
from courses.models import TrainingClass
from courses.vietnamese import fold
from materials.files import validate_upload
from materials.models import (
    ClassMaterial,
    Dispatch,
    Download,
    Edition,
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


# --- Withdrawal and restoring --------------------------------------------------------


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


def download_record(*, material: Material, file: MaterialFile, user: User | None) -> Download:
    """Count one download of ``file`` (the library's figures per month and per unit): by
    the reader's unit when logged in, anonymously on the public library. Not audited: a
    download changes nothing."""
    return Download.objects.create(
        material=material,
        file=file,
        user=user,
        organisation_id=user.organisation_id if user else None,
    )
