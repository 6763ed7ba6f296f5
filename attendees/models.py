"""People, their nominations into classes, and enrollments (approved nominations).

A Participant is a person, reused across classes and years; the category a–d and the
nominating unit belong to the Nomination. An approved nomination gets an Enrollment, which
is what attendance and certificates hang on.
"""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from attendees.validators import CITIZEN_ID_PATTERN, citizen_id_mismatch, display_phone, mask
from courses.models import NFCModel, Organisation, ParticipantCategory, Session, TrainingClass
from courses.vietnamese import clean_person_name, fold, person_sort_key


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class Ethnicity(models.Model):
    """The 54 officially recognised ethnic groups (GSO list), loaded from
    attendees/data/ethnicities.json by a data migration."""

    code = models.CharField(_("code"), max_length=2, unique=True)
    name = models.CharField(_("name"), max_length=60)
    aliases = models.JSONField(_("other spellings"), default=list, blank=True)

    class Meta:
        verbose_name = _("ethnic group")
        verbose_name_plural = _("ethnic groups")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class ParticipantQuerySet(models.QuerySet):
    def visible_to(self, user) -> ParticipantQuerySet:
        """Who may see which people: the coordinator and viewers everyone, a nominator the
        people their unit manages, a trainer the people enrolled in classes they teach."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.can_view_all_classes:
            return self
        if user.is_nominator:
            # The unit's own people, and anyone it has nominated. A unit can nominate
            # only people it already sees; someone of another unit joins this set only
            # when the coordinator merges the unit's record into theirs (identity.py).
            nominated = Nomination.objects.filter(organisation_id=user.organisation_id)
            return self.filter(
                Q(organisation_id=user.organisation_id) | Q(pk__in=nominated.values("participant"))
            )
        if user.is_trainer:
            taught = TrainingClass.objects.visible_to(user)
            return self.filter(
                pk__in=Enrollment.objects.filter(training_class__in=taught).values("participant")
            )
        return self.none()

    def search(self, query: str) -> ParticipantQuerySet:
        """Accent-insensitive: "huong" finds "Hường", "dang" finds "Đặng"."""
        words = fold(query).split()
        qs = self
        for word in words:
            qs = qs.filter(search_name__contains=word)
        return qs

    def active(self) -> ParticipantQuerySet:
        return self.filter(erased_at__isnull=True)

    def matching(
        self, *, full_name: str, date_of_birth: datetime.date | None, citizen_id: str = ""
    ) -> ParticipantQuerySet:
        """Records that are probably this person: same CCCD, or same name (ignoring accents
        and case) and date of birth. Whoever they belong to: callers that answer a unit
        filter by what the unit may see (attendees/identity.py)."""
        match = Q(search_name=fold(full_name), date_of_birth=date_of_birth)
        if citizen_id:
            match |= Q(citizen_id=citizen_id)
        return self.active().filter(match)

    def held(self) -> ParticipantQuerySet:
        """Records waiting for the coordinator to say whether they are the same person as
        the record they resemble."""
        return self.filter(possible_duplicate_of__isnull=False)


class Participant(NFCModel):
    full_name = models.CharField(_("full name"), max_length=150)
    # Folded (accent-free, lower-case) name, kept in step by save(): searching and
    # duplicate detection must not depend on how the name was typed.
    search_name = models.CharField(max_length=150, db_index=True, editable=False)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices)
    date_of_birth = models.DateField(_("date of birth"), null=True)
    ethnicity = models.ForeignKey(
        Ethnicity, verbose_name=_("ethnic group"), on_delete=models.PROTECT, null=True, blank=True
    )
    citizen_id = models.CharField(_("citizen ID (CCCD)"), max_length=12, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=16, blank=True)
    position = models.CharField(_("position"), max_length=150, blank=True)
    workplace = models.CharField(_("workplace"), max_length=255, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("managing unit"),
        on_delete=models.PROTECT,
        related_name="participants",
        help_text=_("The unit that nominated this person and may edit their record."),
    )
    on_state_payroll = models.BooleanField(
        _("on the state payroll"),
        default=True,
        help_text=_(
            "Salaried staff are paid by their own agency; others get allowances from the class budget."
        ),
    )
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, editable=False)
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True, editable=False)
    # Set when a unit typed someone who matches a person it may not see (another unit's):
    # the unit gets its own record, exactly as typed, and learns nothing; the coordinator
    # decides whether the two are one person (attendees/identity.py). Always points at a
    # record that is not itself held, so holds never chain.
    possible_duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("possibly the same person as"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="possible_duplicates",
    )
    held_at = models.DateTimeField(_("held for checking at"), null=True, blank=True, editable=False)
    held_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            # A held record may carry the CCCD of the person it resembles: that is
            # often why it is held. Among the others a CCCD is unique.
            models.UniqueConstraint(
                fields=["citizen_id"],
                condition=~Q(citizen_id="") & Q(possible_duplicate_of__isnull=True),
                name="participant_citizen_id_unique",
                violation_error_message=_("Another person already has this citizen ID."),
            ),
            models.CheckConstraint(
                condition=Q(citizen_id="") | Q(citizen_id__regex=CITIZEN_ID_PATTERN),
                name="participant_citizen_id_12_digits",
            ),
        ]
        indexes = [models.Index(fields=["search_name", "date_of_birth"])]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args, **kwargs):
        if not self.erased_at:
            self.full_name = clean_person_name(self.full_name)
        self.search_name = fold(self.full_name)
        if self.date_of_birth:
            self.birth_year = self.date_of_birth.year
        super().save(*args, **kwargs)

    def clean(self):
        mismatch = citizen_id_mismatch(self.citizen_id, self.gender, self.date_of_birth)
        if mismatch:
            raise ValidationError({"citizen_id": mismatch})

    @property
    def sort_key(self) -> tuple:
        return person_sort_key(self.full_name, self.date_of_birth)

    @property
    def masked_citizen_id(self) -> str:
        return mask(self.citizen_id)

    @property
    def phone_display(self) -> str:
        """The mobile number as people write it: 0355 410 130 (stored +84355410130)."""
        return display_phone(self.phone)

    def duplicates(self) -> models.QuerySet[Participant]:
        """Existing people who are probably this person, whoever they belong to (never show
        these to a unit as they are: attendees/identity.py decides what a unit may see)."""
        return Participant.objects.matching(
            full_name=self.full_name, date_of_birth=self.date_of_birth, citizen_id=self.citizen_id
        ).exclude(pk=self.pk)


class NominationState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    SUBSTITUTED = "substituted", _("Replaced by a substitute")


# States that hold a seat against the unit's quota.
SEAT_HOLDING = (NominationState.SUBMITTED, NominationState.APPROVED)
# States in which a person counts as nominated into the class (one of them per person).
LIVE_STATES = (
    NominationState.DRAFT,
    NominationState.SUBMITTED,
    NominationState.APPROVED,
    NominationState.RETURNED,
)


class NominationQuerySet(models.QuerySet):
    def visible_to(self, user) -> NominationQuerySet:
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.can_view_all_classes:
            return self
        if user.is_nominator:
            return self.filter(organisation_id=user.organisation_id)
        return self.none()

    def live(self) -> NominationQuerySet:
        return self.filter(state__in=LIVE_STATES)


class Nomination(models.Model):
    # Indexes cost every insert (a unit imports thousands of rows at once), so FKs that
    # are never searched alone go without: training_class and category are covered by
    # the composite index below, created_by and decided_by are only displayed.
    training_class = models.ForeignKey(
        TrainingClass,
        verbose_name=_("class"),
        on_delete=models.PROTECT,
        related_name="nominations",
        db_index=False,
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("nominating unit"),
        on_delete=models.PROTECT,
        related_name="nominations",
    )
    category = models.ForeignKey(
        ParticipantCategory,
        verbose_name=_("participant category"),
        on_delete=models.PROTECT,
        db_index=False,
    )
    participant = models.ForeignKey(
        Participant,
        verbose_name=_("participant"),
        on_delete=models.PROTECT,
        related_name="nominations",
    )
    state = models.CharField(
        _("state"), max_length=12, choices=NominationState.choices, default=NominationState.DRAFT
    )
    return_reason = models.CharField(_("reason for return"), max_length=500, blank=True)
    substitute_for = models.OneToOneField(
        "self",
        verbose_name=_("replaces"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="substituted_by",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )

    objects = NominationQuerySet.as_manager()

    class Meta:
        verbose_name = _("nomination")
        verbose_name_plural = _("nominations")
        constraints = [
            models.UniqueConstraint(
                fields=["training_class", "participant"],
                condition=Q(state__in=LIVE_STATES),
                name="nomination_one_live_per_person_and_class",
                violation_error_message=_("This person is already nominated to this class."),
            ),
            models.CheckConstraint(
                condition=~Q(state=NominationState.RETURNED) | ~Q(return_reason=""),
                name="nomination_returned_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["training_class", "organisation", "category", "state"])]

    def __str__(self) -> str:
        return f"{self.participant} → {self.training_class.code} ({self.category.code})"

    @property
    def is_editable_by_unit(self) -> bool:
        return self.state in (NominationState.DRAFT, NominationState.RETURNED)


class EnrollmentQuerySet(models.QuerySet):
    def visible_to(self, user) -> EnrollmentQuerySet:
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.can_view_all_classes:
            return self
        if user.is_nominator:
            return self.filter(organisation_id=user.organisation_id)
        if user.is_trainer:
            return self.filter(training_class__in=TrainingClass.objects.visible_to(user))
        return self.none()


def new_badge_token() -> str:
    """128 random bits, URL-safe: printed in the QR badge. Never derived from the CCCD or
    a sequential id, so a badge cannot be guessed or forged from another."""
    return secrets.token_urlsafe(16)


def new_page_token() -> str:
    """128 random bits for the participant's own page (the personal link printed as the
    invitation letter's second QR). Drawn apart from the badge code: a badge photographed
    at the door must not open the page, and revoking one leaves the other working."""
    return secrets.token_urlsafe(16)


class Enrollment(models.Model):
    """An approved nomination: this person takes part in this class."""

    nomination = models.OneToOneField(
        Nomination,
        verbose_name=_("nomination"),
        on_delete=models.PROTECT,
        related_name="enrollment",
    )
    training_class = models.ForeignKey(
        TrainingClass, verbose_name=_("class"), on_delete=models.PROTECT, related_name="enrollments"
    )
    participant = models.ForeignKey(
        Participant,
        verbose_name=_("participant"),
        on_delete=models.PROTECT,
        related_name="enrollments",
    )
    # Copied from the nomination so that reports group without joining through it.
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("nominating unit"), on_delete=models.PROTECT, related_name="+"
    )
    category = models.ForeignKey(
        ParticipantCategory,
        verbose_name=_("participant category"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("enrolled at"), default=timezone.now)
    badge_token = models.CharField(
        _("badge code"), max_length=64, unique=True, default=new_badge_token
    )
    # Empty once revoked: the link answers like one never issued until a new one is.
    page_token = models.CharField(
        _("personal link code"), max_length=64, blank=True, default=new_page_token
    )
    # A trainer's final assessment of the learner (optional per class; certificate
    # eligibility may require "passed", see attendees.rules).
    assessment = models.CharField(
        _("final assessment"),
        max_length=10,
        blank=True,
        default="",
        choices=[("passed", _("Passed")), ("failed", _("Not passed"))],
    )
    score = models.DecimalField(
        _("score"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
    )

    objects = EnrollmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        constraints = [
            models.UniqueConstraint(
                fields=["training_class", "participant"], name="enrollment_one_per_person_and_class"
            ),
            models.UniqueConstraint(
                fields=["page_token"],
                condition=~Q(page_token=""),
                name="enrollment_page_token_unique",
            ),
            models.CheckConstraint(
                condition=Q(assessment__in=["", "passed", "failed"]),
                name="enrollment_assessment_known",
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=10),
                name="enrollment_score_0_10",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant} @ {self.training_class.code}"

    @classmethod
    def for_nomination(cls, nomination: Nomination, **fields) -> Enrollment:
        """The enrollment an approved nomination becomes, not yet saved: its class, person,
        unit and category are the nomination's."""
        return cls(
            nomination=nomination,
            training_class_id=nomination.training_class_id,
            participant_id=nomination.participant_id,
            organisation_id=nomination.organisation_id,
            category_id=nomination.category_id,
            **fields,
        )


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Not checked yet")
    READY = "ready", _("Checked, ready to import")
    REFUSED = "refused", _("Refused")
    IMPORTED = "imported", _("Imported")


class ImportBatch(models.Model):
    """An uploaded spreadsheet, kept from the preview to the confirmation (and as a record
    of what was imported by whom).

    The file is parsed once when it is stored and the outcome kept: a refused file keeps
    only its problems (`errors`), not its content, so its preview never parses it again;
    an imported one is marked in the same transaction as its rows."""

    training_class = models.ForeignKey(TrainingClass, on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    filename = models.CharField(max_length=255)
    content = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)
    imported_at = models.DateTimeField(null=True, blank=True)
    imported_rows = models.PositiveIntegerField(default=0)
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    # [row number or None, column, message] of each problem of a refused file.
    errors = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.filename} ({self.created_at:%d/%m/%Y %H:%M})"


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    LATE = "late", _("Late")
    EXCUSED = "excused", _("Excused")
    ABSENT = "absent", _("Absent")


class Attendance(models.Model):
    """One row per (enrollment, session): attendance is a set, so scans from several
    offline devices merge instead of conflicting. The earliest scan time wins."""

    enrollment = models.ForeignKey(
        Enrollment,
        verbose_name=_("enrollment"),
        on_delete=models.CASCADE,
        related_name="attendances",
    )
    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="attendances"
    )
    status = models.CharField(_("status"), max_length=10, choices=AttendanceStatus.choices)
    first_scan_at = models.DateTimeField(_("first scan"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "session"], name="attendance_one_per_session"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["present", "late"]) | Q(first_scan_at__isnull=False),
                name="attendance_present_has_scan_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrollment.participant} · {self.session}: {self.status}"


class ScanResult(models.TextChoices):
    PRESENT = "present", _("Present")
    LATE = "late", _("Late")
    ALREADY_RECORDED = "already_recorded", _("Already recorded")
    UNKNOWN_TOKEN = "unknown_token", _("Unknown badge")
    NOT_ENROLLED = "not_enrolled", _("Not in this class")
    SESSION_NOT_OPEN = "session_not_open", _("Session not open")
    # Uploaded after the session was closed and its grace period passed (or once the
    # class's certificates were issued): kept, changes nothing until the coordinator
    # accepts it (Session.scans_still_count).
    SESSION_CLOSED = "session_closed", _("Session closed: waits for the coordinator")


class ScanReview(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class ScanEventQuerySet(models.QuerySet):
    def awaiting_review(self) -> ScanEventQuerySet:
        """Held late scans nobody has accepted or rejected yet."""
        return self.filter(result=ScanResult.SESSION_CLOSED, review="")


class ScanEvent(models.Model):
    """Every scan as it arrived, accepted or refused: the audit trail of attendance.
    The client's nonce makes uploads idempotent: a replayed scan finds its event here."""

    nonce = models.UUIDField(_("nonce"), unique=True)
    token = models.CharField(_("code as scanned"), max_length=200)
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="scan_events")
    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    device = models.CharField(_("device"), max_length=64)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    scanned_at = models.DateTimeField(_("scan time (device)"))
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    result = models.CharField(_("result"), max_length=20, choices=ScanResult.choices)
    # 64 bits: a phone whose clock says 1900 is 126 years (4e9 s) off, beyond a 32-bit
    # integer, and its scans are still corrected by that skew.
    clock_skew_seconds = models.BigIntegerField(_("device clock skew (s)"), null=True, blank=True)
    clock_flagged = models.BooleanField(_("clock not trusted"), default=False)
    # The coordinator's decision on a held scan (result "session_closed"); the check-in
    # hot path inserts rows without naming these columns, hence the database default.
    review = models.CharField(
        _("review"),
        max_length=10,
        choices=ScanReview.choices,
        blank=True,
        default="",
        db_default="",
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    objects = ScanEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("scan")
        verbose_name_plural = _("scans")
        indexes = [models.Index(fields=["session", "received_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(review="") | Q(result="session_closed"),
                name="scanevent_only_held_scans_are_reviewed",
            ),
            models.CheckConstraint(
                condition=Q(review="", reviewed_at__isnull=True)
                | (~Q(review="") & Q(reviewed_at__isnull=False)),
                name="scanevent_review_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scanned_at:%H:%M:%S} {self.device} {self.result}"
