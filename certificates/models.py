"""Certificates ("Giấy chứng nhận"): the per-class settings, the register, the print jobs.

A certificate is a register entry: its number comes from a gap-free series per issuing
body and year, and its wording is a snapshot taken when it is issued, so a copy printed
later says what the original said. It is never deleted: revoking keeps the row (and its
number) with the date and reason, which is what the public verify page reports.
"""

from __future__ import annotations

import datetime
import secrets
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from attendees.models import Enrollment
from attendees.rules import AssessmentRequirement, Requirement
from certificates.content import CertificateContent
from core.jobs import BackgroundJob, JobState
from courses.models import NFCModel, Organisation, TrainingClass

# Crockford's base32: no I, L, O, U, so a code read aloud or typed from paper is not
# mistaken; 16 characters carry 80 random bits.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 16
_CODE_CONFUSABLES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_verification_code() -> str:
    """Random, not derived from the person, the number or a sequence: knowing one
    certificate tells nothing about another."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(raw: str) -> str:
    """What a person typed (lower case, dashes, spaces, O for 0) as a stored code."""
    cleaned = "".join(ch for ch in raw.upper() if ch.isalnum()).translate(_CODE_CONFUSABLES)
    return cleaned[: CODE_LENGTH + 4]


def display_code(code: str) -> str:
    """'7KQ2M9XD4TRAPW3E' → '7KQ2-M9XD-4TRA-PW3E'."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


# Decree 30: a letter always has "Nơi nhận"; this one when the settings leave it empty.
DEFAULT_INVITATION_RECIPIENTS = "- Như trên;\n- Lưu: VT."


class CertificateSettings(NFCModel):
    """How one class's certificates are worded and who signs them."""

    training_class = models.OneToOneField(
        TrainingClass,
        verbose_name=_("class"),
        on_delete=models.CASCADE,
        related_name="certificate_settings",
    )
    excused_counts = models.BooleanField(
        _("excused absences count as attended"),
        default=False,
        help_text=_("If ticked, a session missed with an accepted reason counts towards the rate."),
    )
    # Read by attendees.rules.requirements through the relation (certificates build on
    # attendees): the one eligibility rule sees it wherever it is applied.
    assessment_required = models.CharField(
        _("final assessment required"),
        max_length=10,
        blank=True,
        default=AssessmentRequirement.NONE,
        choices=AssessmentRequirement.choices,
        help_text=_(
            "On top of the attendance threshold, a certificate may also require the learner to "
            "have passed the trainer's final assessment, or to have reached a minimum score "
            "(0–10). The trainer enters the results on the class's “Final assessment” page; "
            "once a certificate of the class is issued they can no longer be changed."
        ),
    )
    assessment_min_score = models.DecimalField(
        _("minimum score"),
        max_digits=3,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("10"))],
        help_text=_("Only with “a minimum score”: e.g. 5,0 (out of 10)."),
    )
    issuer = models.ForeignKey(
        Organisation,
        verbose_name=_("issuing body"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Its register numbers certificates: one sequence per issuing body and year."),
    )
    parent_body = models.CharField(_("parent body (header line 1)"), max_length=200, blank=True)
    issuing_body = models.CharField(_("issuing body as printed (header line 2)"), max_length=200)
    issue_place = models.CharField(_("place of issue"), max_length=100)
    issued_on = models.DateField(
        _("date of issue"), null=True, blank=True, help_text=_("Empty: the last day of the class.")
    )
    signer_title = models.TextField(
        _("signer's title"),
        default="KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC",
        help_text=_("One or two lines, as printed above the signature."),
    )
    signer_name = models.CharField(_("signer's name"), max_length=150, blank=True)
    invitation_date = models.DateField(
        _("date on the invitation letters"),
        null=True,
        blank=True,
        help_text=_("Empty: the day each letter was first numbered."),
    )
    invitation_recipients = models.TextField(
        _("recipients of the invitation letters (Nơi nhận)"),
        default=DEFAULT_INVITATION_RECIPIENTS,
        blank=True,
        help_text=_("One line each, as printed under “Nơi nhận:”."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("certificate settings")
        verbose_name_plural = _("certificate settings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(assessment_required__in=AssessmentRequirement.values),
                name="certificate_settings_assessment_known",
            ),
            # A minimum score only with the "score" requirement, and then always one.
            models.CheckConstraint(
                condition=(
                    models.Q(assessment_required=AssessmentRequirement.SCORE)
                    & models.Q(assessment_min_score__gte=0, assessment_min_score__lte=10)
                )
                | (
                    ~models.Q(assessment_required=AssessmentRequirement.SCORE)
                    & models.Q(assessment_min_score__isnull=True)
                ),
                name="certificate_settings_min_score_with_score",
            ),
        ]

    def __str__(self) -> str:
        return str(self.training_class)

    def clean(self) -> None:
        super().clean()
        if self.assessment_required == AssessmentRequirement.SCORE:
            if self.assessment_min_score is None:
                raise ValidationError(
                    {"assessment_min_score": _("Enter the minimum score, e.g. 5,0.")}
                )
        else:
            # The score is meaningless without the "score" requirement: not kept.
            self.assessment_min_score = None

    @property
    def requirement(self) -> Requirement:
        """What the certificate asks of the final assessment (attendees.rules)."""
        return Requirement(self.assessment_required, self.assessment_min_score)

    def issue_date(self):
        return self.issued_on or self.training_class.end_date


class RegisterKind(models.TextChoices):
    """The kinds of numbered document a body issues; each has its own register."""

    CERTIFICATE = "GCN", _("certificates")
    INVITATION = "GM", _("invitation letters")


# Without a format of its own, an invitation is numbered "05/GM-STTTT" (Decree 30).
INVITATION_NUMBER_FORMAT = "{number:02d}/GM-{short_name}"


class RegisterSeries(models.Model):
    """The register of one issuing body for one year and one kind of document
    (certificates, invitation letters). `last_number` is read and bumped under a row lock
    inside the issuing transaction, so numbers are sequential and a failed issue leaves no
    gap (the bump rolls back with it)."""

    issuer = models.ForeignKey(
        Organisation, verbose_name=_("issuing body"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    kind = models.CharField(
        _("kind of document"),
        max_length=10,
        choices=RegisterKind.choices,
        default=RegisterKind.CERTIFICATE,
    )
    last_number = models.PositiveIntegerField(_("last number issued"), default=0)
    number_format = models.CharField(
        _("number format"),
        max_length=60,
        default="",
        blank=True,
        help_text=_(
            "Python format with {number} and {short_name}, e.g. {number:03d}/GCN-{short_name}."
            " Empty: the CERTIFICATE_NUMBER_FORMAT setting."
        ),
    )

    class Meta:
        verbose_name = _("certificate register")
        verbose_name_plural = _("certificate registers")
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "year", "kind"], name="register_one_per_issuer_year_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.issuer} {self.year}"

    def format_number(self, number: int) -> str:
        template = self.number_format or (
            INVITATION_NUMBER_FORMAT
            if self.kind == RegisterKind.INVITATION
            else settings.CERTIFICATE_NUMBER_FORMAT
        )
        short = self.issuer.short_name or self.issuer.code
        return template.format(number=number, short_name=short, year=self.year)


class Invitation(models.Model):
    """The number an enrollment's invitation letter (giấy mời) was given: taken once from
    the organiser's invitation register when the coordinator issues the letter (with the
    date of issue they set), the same on every re-print. Without one the letter prints as
    a draft."""

    # A withdrawn enrollment leaves its number in the register (gap-free), unattached.
    enrollment = models.OneToOneField(
        Enrollment,
        verbose_name=_("enrollment"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="invitation",
    )
    series = models.ForeignKey(
        RegisterSeries, verbose_name=_("register"), on_delete=models.PROTECT, related_name="+"
    )
    number = models.PositiveIntegerField(_("number in the register"))
    register_number = models.CharField(_("register number"), max_length=60)
    issued_on = models.DateField(_("date of issue"))

    class Meta:
        verbose_name = _("invitation letter")
        verbose_name_plural = _("invitation letters")
        constraints = [
            models.UniqueConstraint(fields=["series", "number"], name="invitation_number_unique")
        ]

    def __str__(self) -> str:
        return self.register_number


class CertificateQuerySet(models.QuerySet):
    def valid(self) -> CertificateQuerySet:
        return self.filter(revoked_at__isnull=True)

    def visible_to(self, user) -> CertificateQuerySet:
        """Same rule as enrollments: a unit sees its own people, a trainer their classes."""
        return self.filter(enrollment__in=Enrollment.objects.visible_to(user))

    def in_print_order(self) -> CertificateQuerySet:
        # Numbers are given in Vietnamese name order, so register order is print order.
        return self.order_by("series__year", "number")


class Certificate(models.Model):
    enrollment = models.ForeignKey(
        Enrollment,
        verbose_name=_("enrollment"),
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    training_class = models.ForeignKey(
        TrainingClass, verbose_name=_("class"), on_delete=models.PROTECT, related_name="+"
    )
    series = models.ForeignKey(
        RegisterSeries, verbose_name=_("register"), on_delete=models.PROTECT, related_name="+"
    )
    number = models.PositiveIntegerField(_("number in the register"))
    register_number = models.CharField(_("register number"), max_length=60)
    code = models.CharField(
        _("verification code"), max_length=CODE_LENGTH, unique=True, default=new_verification_code
    )

    # What the certificate says, as issued.
    honorific = models.CharField(max_length=10)
    full_name = models.CharField(_("full name"), max_length=150)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField(null=True, blank=True)
    unit_name = models.CharField(_("unit"), max_length=255)
    class_title = models.CharField(_("class"), max_length=300)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    venue = models.CharField(_("venue"), max_length=300)
    parent_body = models.CharField(max_length=200, blank=True)
    issuing_body = models.CharField(_("issuing body"), max_length=200)
    issue_place = models.CharField(max_length=100)
    issued_on = models.DateField(_("date of issue"))
    signer_title = models.CharField(max_length=200)
    signer_name = models.CharField(max_length=150, blank=True)

    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoke_reason = models.CharField(_("reason"), max_length=500, blank=True)
    replaces = models.OneToOneField(
        "self",
        verbose_name=_("replaces"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
    )

    objects = CertificateQuerySet.as_manager()

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        constraints = [
            models.UniqueConstraint(
                fields=["series", "number"], name="certificate_number_unique_in_register"
            ),
            # Issuing twice for one enrollment cannot create a second valid certificate,
            # even if two requests race past the service's check.
            models.UniqueConstraint(
                fields=["enrollment"],
                condition=Q(revoked_at__isnull=True),
                name="certificate_one_valid_per_enrollment",
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | ~Q(revoke_reason=""),
                name="certificate_revocation_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["training_class", "number"])]

    def __str__(self) -> str:
        return f"{self.register_number} {self.full_name}"

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None

    @property
    def display_code(self) -> str:
        return display_code(self.code)

    def verify_path(self) -> str:
        return reverse("certificate-verify", args=[self.code])

    def verify_url(self) -> str:
        return settings.PUBLIC_BASE_URL.rstrip("/") + self.verify_path()

    def content(self) -> CertificateContent:
        return CertificateContent(
            register_number=self.register_number,
            verify_url=self.verify_url(),
            verify_code=self.display_code,
            parent_body=self.parent_body,
            issuing_body=self.issuing_body,
            honorific=self.honorific,
            full_name=self.full_name,
            date_of_birth=self.date_of_birth,
            birth_year=self.birth_year,
            unit=self.unit_name,
            class_title=self.class_title,
            start_date=self.start_date,
            end_date=self.end_date,
            venue=self.venue,
            issue_place=self.issue_place,
            issued_on=self.issued_on,
            signer_title=self.signer_title,
            signer_name=self.signer_name,
        )


# A job still waiting for a worker this long after it was queued: no worker is running.
STALE_AFTER = datetime.timedelta(minutes=10)


def _batch_path(batch: CertificateBatch, filename: str) -> str:
    return f"private/certificates/{batch.training_class_id}/{batch.pk}-{filename}"


class CertificateBatch(BackgroundJob):
    """One "issue and print" run for a class: issues every eligible enrollment that has
    no valid certificate yet, then draws the merged PDF and the ZIP. Run by a background
    task (or the command); the page polls `done`/`total` for its progress bar. Files live
    under private/ in the file storage (MEDIA_ROOT or a private bucket) and are only
    handed out through a permission-checked view (core.media)."""

    training_class = models.ForeignKey(
        TrainingClass, verbose_name=_("class"), on_delete=models.CASCADE, related_name="+"
    )
    # Progress (done/total) counts steps: one per certificate issued, drawn in the merged
    # file, zipped; `certificates` (set when the run starts) is what the page counts them in.
    issued = models.PositiveIntegerField(_("newly issued"), default=0)
    certificates = models.PositiveIntegerField(_("certificates in the files"), default=0)
    merged_pdf = models.FileField(upload_to=_batch_path, blank=True)
    zip_file = models.FileField(upload_to=_batch_path, blank=True)

    # Queued for ten minutes: no worker is running; the page offers to start again.
    queued_stale_after = STALE_AFTER
    # Issuing is idempotent: a run claimed after a lost one carries on where it stopped.
    resumable = True

    class Meta(BackgroundJob.Meta):
        verbose_name = _("certificate print job")
        verbose_name_plural = _("certificate print jobs")

    def __str__(self) -> str:
        return f"{self.training_class.code} {self.created_at:%d/%m/%Y %H:%M}"

    @property
    def certificates_done(self) -> int:
        """Progress in the unit the coordinator thinks in: certificates, not steps. A run
        takes three steps per certificate (issue, draw, zip) — 231 for 77 — so the steps
        done are counted as the share of the certificates in the files."""
        if self.state == JobState.DONE:
            return self.certificates
        if not self.total:
            return 0
        return min(self.certificates, self.done * self.certificates // self.total)

    def counter(self) -> str:
        """ "23/77 certificates": beside the progress bar, on the page and in its poll."""
        from django.utils.translation import gettext

        return gettext("%(done)s/%(total)s certificates") % {
            "done": self.certificates_done,
            "total": self.certificates,
        }
