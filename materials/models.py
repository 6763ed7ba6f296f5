"""Course materials: the catalogue, the digital library, hand-outs to participants and
printed copies sent to border posts and cultural houses.

A *material* is the work (a handbook, an audio bulletin…); an *edition* is one version of
it in one or more languages (the Vietnamese handbook and its Hmong edition are two
editions of one material) with its files, and it is what is handed out, printed and
dispatched. Quantities that must agree (received ≤ dispatched) are database constraints.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from attendees.models import Enrollment
from courses.models import NFCModel, Organisation, Session, TrainingClass
from courses.vietnamese import clean_text, fold, nfc
from materials.files import Family


class LanguageKind(models.TextChoices):
    NATIONAL = "national", _("National language")
    ETHNIC = "ethnic", _("Ethnic-minority language")
    FOREIGN = "foreign", _("Foreign language")


class Language(NFCModel):
    """A managed list (data migration 0002, editable in the admin): Vietnamese, the
    ethnic-minority languages materials are written in, and Chinese for the border."""

    code = models.CharField(_("code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=LanguageKind.choices)
    sort_order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        verbose_name = _("language")
        verbose_name_plural = _("languages")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class MaterialKind(models.TextChoices):
    BULLETIN_AUDIO = "bulletin_audio", _("Bulletin — audio")
    BULLETIN_TEXT = "bulletin_text", _("Bulletin — text")
    BULLETIN_IMAGE = "bulletin_image", _("Bulletin — images")
    DOCUMENT = "document", _("Specialised document")
    HANDBOOK = "handbook", _("Professional handbook")
    ELIBRARY = "elibrary", _("E-library item")
    VIDEO = "video", _("Video clip")


# What each kind of material may contain, and how big one file may be (MB). A handbook is
# a document; a video clip is a video; the e-library takes anything that is not dangerous.
KIND_FAMILIES: dict[str, tuple[str, ...]] = {
    MaterialKind.BULLETIN_AUDIO: (Family.AUDIO,),
    MaterialKind.BULLETIN_TEXT: (Family.DOCUMENT,),
    MaterialKind.BULLETIN_IMAGE: (Family.IMAGE, Family.DOCUMENT),
    MaterialKind.DOCUMENT: (Family.DOCUMENT,),
    MaterialKind.HANDBOOK: (Family.DOCUMENT,),
    MaterialKind.ELIBRARY: (Family.DOCUMENT, Family.IMAGE, Family.AUDIO, Family.VIDEO),
    MaterialKind.VIDEO: (Family.VIDEO,),
}
KIND_LIMIT_MB: dict[str, int] = {
    MaterialKind.BULLETIN_AUDIO: 200,
    MaterialKind.BULLETIN_TEXT: 50,
    MaterialKind.BULLETIN_IMAGE: 50,
    MaterialKind.DOCUMENT: 100,
    MaterialKind.HANDBOOK: 100,
    MaterialKind.ELIBRARY: 500,
    MaterialKind.VIDEO: 1024,
}


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public: anyone may read and download")
    LOGIN = "login", _("Signed-in users only")


def edition_label_key(label: str) -> str:
    """What makes two edition names the same: case and spacing do not count, so
    "tiếng việt,  in lần 1 (2023) " and "Tiếng Việt, in lần 1 (2023)" are one name.
    Accents do count ("in lần 1" is not "in lan 1"). Kept in `Edition.label_key`, which
    is unique per material: the same on SQLite and PostgreSQL, whose LOWER() differ on
    Vietnamese capitals (SQLite's folds ASCII only)."""
    return nfc(clean_text(label).casefold())


class Withdrawable(models.Model):
    """A catalogue row that can be withdrawn (a wrong upload, a duplicate): it stays in
    the database with who withdrew it, when and why, so what was handed out or sent keeps
    its record; readers list `.current()` rows only. Withdrawing can be undone."""

    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True, editable=False)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("withdrawn by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    withdrawn_reason = models.CharField(
        _("reason for withdrawal"), max_length=300, blank=True, editable=False
    )

    class Meta:
        abstract = True

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class MaterialQuerySet(models.QuerySet):
    def current(self) -> MaterialQuerySet:
        """Materials a reader may still find: not every one of their editions withdrawn
        (a material with no edition yet stays, as before)."""
        editions = Edition.objects.filter(material=OuterRef("pk"))
        return self.filter(Exists(editions.current()) | ~Exists(editions))

    def visible_to(self, user) -> MaterialQuerySet:
        """The library: public materials for everyone, the rest for signed-in users."""
        if user.is_authenticated and user.is_active:
            return self
        return self.filter(visibility=Visibility.PUBLIC)

    def search(self, query: str) -> MaterialQuerySet:
        """Accent-insensitive: "so tay" finds "Sổ tay", "mong" finds "tiếng Mông"."""
        qs = self
        for word in fold(query).split():
            qs = qs.filter(search_text__contains=word)
        return qs


class Material(NFCModel):
    title = models.CharField(_("title"), max_length=300)
    kind = models.CharField(_("kind"), max_length=20, choices=MaterialKind.choices)
    description = models.TextField(_("description"), blank=True)
    year = models.PositiveSmallIntegerField(_("year"))
    visibility = models.CharField(
        _("who may see it"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    # Folded title, description and edition languages, kept in step by the services.
    search_text = models.TextField(editable=False, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = MaterialQuerySet.as_manager()

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        ordering = ["-year", "title"]

    def __str__(self) -> str:
        return self.title

    @property
    def allowed_families(self) -> tuple[str, ...]:
        return KIND_FAMILIES[self.kind]

    @property
    def max_bytes(self) -> int:
        return KIND_LIMIT_MB[self.kind] * 1024 * 1024


class EditionQuerySet(models.QuerySet):
    def current(self) -> EditionQuerySet:
        """Editions not withdrawn: the one home for that rule."""
        return self.filter(withdrawn_at__isnull=True)

    def in_totals(self) -> EditionQuerySet:
        """What the distribution totals and the year's report count: current editions,
        and withdrawn ones whose copies were already sent or handed out (history)."""
        return self.filter(
            Q(withdrawn_at__isnull=True)
            | Q(pk__in=Dispatch.objects.values("line__edition_id"))
            | Q(pk__in=Handover.objects.values("class_material__edition_id"))
        )

    def namesake(self, edition: Edition) -> Edition | None:
        """A current edition of the same material with the same name, case and spacing
        aside (not `edition` itself)."""
        return (
            self.current()
            .filter(material_id=edition.material_id, label_key=edition_label_key(edition.label))
            .exclude(pk=edition.pk)
            .first()
        )


class Edition(NFCModel, Withdrawable):
    material = models.ForeignKey(
        Material, verbose_name=_("material"), on_delete=models.CASCADE, related_name="editions"
    )
    label = models.CharField(
        _("edition"),
        max_length=120,
        help_text=_("For example “Tiếng Mông, in lần 1 (2023)”. Unique within the material."),
    )
    # `edition_label_key(label)`, set on save: the uniqueness of the name.
    label_key = models.CharField(max_length=120, editable=False, default="")
    languages = models.ManyToManyField(Language, verbose_name=_("languages"), related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    printed_copies = models.PositiveIntegerField(
        _("copies printed"), default=0, help_text=_("0 if it is only published digitally.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = EditionQuerySet.as_manager()

    class Meta:
        verbose_name = _("edition")
        verbose_name_plural = _("editions")
        ordering = ["material", "year", "label"]
        constraints = [
            # Among current editions only: a withdrawn wrong upload does not block the
            # corrected one under the same name.
            models.UniqueConstraint(
                fields=["material", "label_key"],
                condition=Q(withdrawn_at__isnull=True),
                name="edition_label_key_unique_in_material",
                violation_error_message=_("This material already has an edition with this name."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.material.title} — {self.label}"

    def normalise_text(self) -> None:
        super().normalise_text()
        self.label_key = edition_label_key(self.label)

    def language_names(self) -> str:
        return ", ".join(lang.name for lang in self.languages.all())


def _material_path(instance: MaterialFile, filename: str) -> str:
    # `filename` is the safe name made by materials.files, never the client's.
    return f"materials/{instance.edition.material_id}/{filename}"


class MaterialFileQuerySet(models.QuerySet):
    def current(self) -> MaterialFileQuerySet:
        """Files neither withdrawn nor in a withdrawn edition."""
        return self.filter(withdrawn_at__isnull=True, edition__withdrawn_at__isnull=True)


class MaterialFile(Withdrawable):
    edition = models.ForeignKey(
        Edition, verbose_name=_("edition"), on_delete=models.CASCADE, related_name="files"
    )
    file = models.FileField(_("file"), upload_to=_material_path, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    mime = models.CharField(_("type"), max_length=100)
    family = models.CharField(max_length=10, choices=Family.choices)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    objects = MaterialFileQuerySet.as_manager()

    class Meta:
        verbose_name = _("file")
        verbose_name_plural = _("files")
        ordering = ["edition", "original_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "sha256"],
                condition=Q(withdrawn_at__isnull=True),
                name="material_file_once_per_edition",
                violation_error_message=_("This file is already attached to this edition."),
            )
        ]

    def __str__(self) -> str:
        return self.original_name


class ClassMaterialQuerySet(models.QuerySet):
    def current(self) -> ClassMaterialQuerySet:
        """Attachments neither withdrawn nor of a withdrawn edition: what can still be
        handed out."""
        return self.filter(withdrawn_at__isnull=True, edition__withdrawn_at__isnull=True)


class ClassMaterial(Withdrawable):
    """An edition given out in a class (optionally at one session). Withdrawn, it is
    handed out no more; the hand-outs already recorded stay. Attaching the edition again
    restores the same row (one per class and edition)."""

    training_class = models.ForeignKey(
        TrainingClass, verbose_name=_("class"), on_delete=models.CASCADE, related_name="materials"
    )
    edition = models.ForeignKey(
        Edition, verbose_name=_("edition"), on_delete=models.PROTECT, related_name="class_uses"
    )
    session = models.ForeignKey(
        Session,
        verbose_name=_("session"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    objects = ClassMaterialQuerySet.as_manager()

    class Meta:
        verbose_name = _("class material")
        verbose_name_plural = _("class materials")
        constraints = [
            models.UniqueConstraint(
                fields=["training_class", "edition"],
                name="class_material_once",
                violation_error_message=_("This edition is already attached to the class."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.training_class.code}: {self.edition}"

    @property
    def withdrawn_since(self) -> datetime.datetime | None:
        """When it stopped being handed out: its own withdrawal or its edition's."""
        moments = [m for m in (self.withdrawn_at, self.edition.withdrawn_at) if m is not None]
        return min(moments, default=None)


class HandoverMethod(models.TextChoices):
    SCAN = "scan", _("Badge scanned")
    LIST = "list", _("Ticked on the list")


class Handover(models.Model):
    """A participant received a copy. One per enrollment and class material: scans from
    several offline devices merge, the earliest time wins (as for attendance)."""

    class_material = models.ForeignKey(
        ClassMaterial, on_delete=models.CASCADE, related_name="handovers"
    )
    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="+")
    handed_at = models.DateTimeField(_("handed over at"))
    method = models.CharField(max_length=10, choices=HandoverMethod.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    device = models.CharField(max_length=64, blank=True)
    # The scanner's nonce: a replayed upload finds its handover here and gets the same answer.
    nonce = models.UUIDField(null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("hand-over")
        verbose_name_plural = _("hand-overs")
        constraints = [
            models.UniqueConstraint(
                fields=["class_material", "enrollment"], name="handover_once_per_person"
            )
        ]

    def __str__(self) -> str:
        return f"{self.enrollment} ← {self.class_material.edition}"


class DistributionLine(models.Model):
    """Printed copies of an edition planned for one recipient organisation."""

    edition = models.ForeignKey(
        Edition, verbose_name=_("edition"), on_delete=models.PROTECT, related_name="distribution"
    )
    recipient = models.ForeignKey(
        Organisation, verbose_name=_("recipient"), on_delete=models.PROTECT, related_name="+"
    )
    planned = models.PositiveIntegerField(_("copies planned"), validators=[MinValueValidator(1)])
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("distribution line")
        verbose_name_plural = _("distribution lines")
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "recipient"],
                name="distribution_one_line_per_recipient",
                violation_error_message=_("This recipient is already in the plan."),
            ),
            models.CheckConstraint(
                condition=Q(planned__gte=1), name="distribution_planned_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.edition} → {self.recipient}"


def _receipt_path(instance: Dispatch, filename: str) -> str:
    return f"private/receipts/{instance.line.edition_id}/{filename}"


class Dispatch(models.Model):
    """One consignment to a recipient, and (once the signed receipt is back) what arrived."""

    line = models.ForeignKey(
        DistributionLine,
        verbose_name=_("distribution line"),
        on_delete=models.CASCADE,
        related_name="dispatches",
    )
    dispatched_on = models.DateField(_("dispatched on"))
    quantity = models.PositiveIntegerField(_("copies sent"), validators=[MinValueValidator(1)])
    carrier = models.CharField(_("carrier"), max_length=150)
    note = models.CharField(_("note"), max_length=300, blank=True)
    received_on = models.DateField(_("received on"), null=True, blank=True)
    received_by = models.CharField(_("received by"), max_length=150, blank=True)
    received_quantity = models.PositiveIntegerField(_("copies received"), null=True, blank=True)
    receipt_scan = models.FileField(
        _("signed receipt (scan or photo)"), upload_to=_receipt_path, blank=True, max_length=255
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("dispatch")
        verbose_name_plural = _("dispatches")
        ordering = ["dispatched_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="dispatch_quantity_positive"),
            models.CheckConstraint(
                condition=Q(received_quantity__isnull=True)
                | Q(received_quantity__lte=F("quantity")),
                name="dispatch_received_not_above_sent",
                violation_error_message=_("More copies cannot be received than were sent."),
            ),
            models.CheckConstraint(
                condition=Q(received_on__isnull=True, received_quantity__isnull=True)
                | Q(received_on__isnull=False, received_quantity__isnull=False),
                name="dispatch_receipt_complete",
            ),
            models.CheckConstraint(
                condition=Q(received_on__isnull=True) | Q(received_on__gte=F("dispatched_on")),
                name="dispatch_received_after_sent",
                violation_error_message=_("The receipt date cannot be before the dispatch date."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.line} · {self.quantity} · {self.dispatched_on:%d/%m/%Y}"

    @property
    def is_received(self) -> bool:
        return self.received_on is not None


class Download(models.Model):
    """One download (or the start of a stream) of a library file, for the counts and the
    chart: per material, and per unit when the reader is signed in."""

    material = models.ForeignKey(Material, on_delete=models.CASCADE, related_name="downloads")
    file = models.ForeignKey(MaterialFile, on_delete=models.SET_NULL, null=True, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["material", "at"])]

    def __str__(self) -> str:
        return f"{self.material_id} {self.at:%Y-%m-%d %H:%M}"
