"""The plan's core: organisations, the four classes, their sessions and quotas.

Invariants that span rows (a session inside its class dates, no two sessions in one venue
at once, quotas not above capacity) are enforced by database triggers (migration 0002)
as well as by `clean()`, which gives the user a Vietnamese message naming the field.
"""

from __future__ import annotations

import datetime
from typing import NamedTuple

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from courses.vietnamese import clean_person_name, clean_text, nfc


class NFCModel(models.Model):
    """Every text field is NFC-normalised (and single-line fields trimmed) on save, so
    the admin, forms, commands and imports cannot store decomposed Vietnamese."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.normalise_text()
        super().save(*args, **kwargs)

    def clean_fields(self, exclude=None):
        self.normalise_text()
        super().clean_fields(exclude=exclude)

    def normalise_text(self) -> None:
        for field in self._meta.concrete_fields:
            value = getattr(self, field.attname)
            if not isinstance(value, str):
                continue
            if isinstance(field, models.TextField):
                setattr(self, field.attname, nfc(value).strip())
            elif isinstance(field, models.CharField):
                setattr(self, field.attname, clean_text(value))


# --- Organisations ---------------------------------------------------------------------


class OrganisationKind(models.TextChoices):
    PROVINCE_UBND = "province_ubnd", _("Provincial People's Committee")
    DEPARTMENT = "department", _("Provincial department")
    DISTRICT_UBND = "district_ubnd", _("District People's Committee")
    COMMUNE_UBND = "commune_ubnd", _("Commune/ward People's Committee")
    PRESS = "press", _("Press agency")
    RADIO_TV = "radio_tv", _("Radio and television station")
    BORDER_POST = "border_post", _("Border post")
    CULTURAL_HOUSE = "cultural_house", _("Cultural house")
    MINISTRY = "ministry", _("Ministry")


class OrganisationQuerySet(models.QuerySet):
    def valid_on(self, day: datetime.date) -> OrganisationQuerySet:
        """Units that existed on `day`: the 2025 reform abolished districts, so a 2023
        class must list the 2023 districts and a 2026 class the communes."""
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=day)
        )

    def nominating(self) -> OrganisationQuerySet:
        return self.filter(can_nominate=True)

    def by_code(self, code: str, on: datetime.date) -> Organisation:
        """Codes are reused across the reform: a code names a unit only with a date."""
        return self.valid_on(on).get(code=code)


class Organisation(NFCModel):
    name = models.CharField(_("name"), max_length=255)
    short_name = models.CharField(
        _("abbreviation"),
        max_length=40,
        blank=True,
        help_text=_("Used in document numbers, e.g. STTTT in “Số: 001/GCN-STTTT”."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    code = models.CharField(
        _("unit code"),
        max_length=30,
        help_text=_("Code used in imports and commands; unique within a validity period."),
    )
    gso_code = models.CharField(_("GSO code"), max_length=10, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    place = models.CharField(
        _("place name"),
        max_length=60,
        blank=True,
        help_text=_(
            "Written before the date on its documents, e.g. “Lai Châu, ngày 05 tháng 12 năm 2023”."
        ),
    )
    can_nominate = models.BooleanField(_("nominates participants"), default=False)
    is_border = models.BooleanField(_("border area"), default=False)
    is_region_iii = models.BooleanField(_("Region III commune"), default=False)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "valid_from"],
                name="organisation_code_unique_per_period",
                violation_error_message=_(
                    "Another unit already uses this code from the same date."
                ),
            ),
            # NULLs are distinct in a unique index, so an open-ended start needs its own.
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(valid_from__isnull=True),
                name="organisation_code_unique_without_start",
                violation_error_message=_("Another unit already uses this code."),
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=F("valid_from")),
                name="organisation_validity_ordered",
                violation_error_message=_("“Valid to” must not be before “valid from”."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("“Valid to” must not be before “valid from”.")})


class Venue(NFCModel):
    name = models.CharField(_("name"), max_length=255)
    address = models.CharField(_("address"), max_length=255, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("host organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="venues",
    )
    seats = models.PositiveIntegerField(_("seats"), null=True, blank=True)

    class Meta:
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# --- The plan and its participant categories ---------------------------------------------


class Plan(NFCModel):
    number = models.CharField(_("document number"), max_length=50, blank=True)
    title = models.CharField(_("title"), max_length=500)
    year = models.PositiveSmallIntegerField(_("year"))
    issued_by = models.ForeignKey(
        Organisation, verbose_name=_("issued by"), on_delete=models.PROTECT, related_name="plans"
    )
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    budget_vnd = models.PositiveBigIntegerField(_("budget (VND)"), null=True, blank=True)

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["-year", "title"]

    def __str__(self) -> str:
        return f"{self.title} ({self.year})"


class ParticipantCategory(models.Model):
    """Section 2.1 a–d of the plan. Created by a data migration; the same person may be
    nominated under a different category in another class, so the category belongs to
    the nomination, not to the person."""

    code = models.CharField(_("code"), max_length=2, unique=True)
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=300)
    name_en = models.CharField(_("name (English)"), max_length=300)

    class Meta:
        verbose_name = _("participant category")
        verbose_name_plural = _("participant categories")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code}) {self.name}"

    @property
    def name(self) -> str:
        return self.name_en if get_language() == "en" else self.name_vi


class Trainer(NFCModel):
    full_name = models.CharField(_("full name"), max_length=150)
    title = models.CharField(_("title/position"), max_length=150, blank=True)
    affiliation = models.CharField(_("affiliation"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="trainer",
    )

    class Meta:
        verbose_name = _("trainer")
        verbose_name_plural = _("trainers")
        ordering = ["full_name"]

    def __str__(self) -> str:
        return f"{self.title} {self.full_name}".strip()

    def save(self, *args, **kwargs):
        self.full_name = clean_person_name(self.full_name)
        super().save(*args, **kwargs)


# --- Classes ---------------------------------------------------------------------------


class ClassState(models.TextChoices):
    PLANNING = "planning", _("Planning")
    NOMINATING = "nominating", _("Nominating")
    RUNNING = "running", _("Running")
    CLOSED = "closed", _("Closed")


# A class moves forward through its life; it may step back from nominating to planning
# (to fix quotas). A closed class is not moved back by a state change: the coordinator
# reopens it with a reason (courses.services.training_class_reopen), and only until
# certificates are issued.
STATE_TRANSITIONS: dict[str, tuple[str, ...]] = {
    ClassState.PLANNING: (ClassState.NOMINATING,),
    ClassState.NOMINATING: (ClassState.PLANNING, ClassState.RUNNING),
    ClassState.RUNNING: (ClassState.CLOSED,),
    ClassState.CLOSED: (),
}


def class_has_issued_certificates(class_id: int | None) -> bool:
    """Whether the register holds any certificate of the class, even one revoked since.
    certificates builds on courses, hence the lookup by name."""
    from django.apps import apps

    certificate = apps.get_model("certificates", "Certificate")
    return certificate.objects.filter(training_class_id=class_id).exists()


class TrainingClassQuerySet(models.QuerySet):
    def visible_to(self, user) -> TrainingClassQuerySet:
        """The one place that decides which classes a user may see."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.can_view_all_classes:
            return self
        # Filter through subqueries, not joins: a join would multiply the rows that
        # aggregate annotations (seats, later enrolments) are computed over.
        if user.is_nominator:
            # A unit sees the classes it has seats in, and nothing while they are being planned.
            with_seats = Quota.objects.filter(organisation=user.organisation_id)
            return self.filter(pk__in=with_seats.values("training_class")).exclude(
                state=ClassState.PLANNING
            )
        if user.is_trainer:
            return self.filter(pk__in=classes_a_trainer_runs(user.pk))
        return self.none()

    def official(self) -> TrainingClassQuerySet:
        """Classes of the plan proper: the one filter every official figure, report and
        register reads through. A practice class (for trying the tool, e.g. the demo's
        scanner class) is real data for the people who use it, but the province did not
        plan it, so it must not count as one of "the 04 classes" nor issue numbered
        certificates."""
        return self.filter(is_practice=False)

    def practice(self) -> TrainingClassQuerySet:
        """What official() leaves out, for pages that say so."""
        return self.filter(is_practice=True)

    def main_organiser(self) -> Organisation | None:
        """The organiser of most of these classes (the lowest id on a tie): who issues
        the documents about them as a whole — a year's results report, workbook and
        Ministry package."""
        top = (
            self.order_by().values("organiser").annotate(n=Count("pk")).order_by("-n", "organiser")
        )
        return (
            Organisation.objects.select_related("parent")
            .filter(pk=Subquery(top.values("organiser")[:1]))
            .first()
        )

    def with_seats(self) -> TrainingClassQuerySet:
        seats = (
            Quota.objects.filter(training_class=OuterRef("pk"))
            .values("training_class")
            .annotate(total=Sum("seats"))
            .values("total")
        )
        return self.annotate(allocated_seats=Coalesce(Subquery(seats), 0))


class TrainingClass(NFCModel):
    code = models.CharField(
        _("class code"),
        max_length=30,
        unique=True,
        help_text=_("For example TTDN-2023-L1."),
        error_messages={"unique": _("Another class already has this code.")},
    )
    title = models.CharField(_("title"), max_length=300)
    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="classes"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    venue = models.ForeignKey(
        Venue, verbose_name=_("venue"), on_delete=models.PROTECT, related_name="classes"
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    capacity = models.PositiveIntegerField(_("capacity"), validators=[MinValueValidator(1)])
    organiser = models.ForeignKey(
        Organisation,
        verbose_name=_("organiser"),
        on_delete=models.PROTECT,
        related_name="organised_classes",
    )
    certificate_threshold = models.PositiveSmallIntegerField(
        _("attendance needed for a certificate (%)"),
        default=80,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    late_grace_minutes = models.PositiveSmallIntegerField(
        _("late after (minutes)"),
        default=15,
        validators=[MaxValueValidator(240)],
        help_text=_("A participant scanned this many minutes after the start is late."),
    )
    checkin_opens_before = models.PositiveSmallIntegerField(
        _("check-in opens (minutes before a session)"),
        default=60,
        validators=[MaxValueValidator(600)],
    )
    checkin_closes_after = models.PositiveSmallIntegerField(
        _("check-in closes (minutes after a session ends)"),
        default=60,
        validators=[MaxValueValidator(600)],
    )
    state = models.CharField(
        _("state"), max_length=20, choices=ClassState.choices, default=ClassState.PLANNING
    )
    is_practice = models.BooleanField(
        _("practice class"),
        default=False,
        help_text=_(
            "For trying the tool (badges, scanning): left out of every report, figure and "
            "certificate register."
        ),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = TrainingClassQuerySet.as_manager()

    class Meta:
        verbose_name = _("training class")
        verbose_name_plural = _("training classes")
        ordering = ["start_date", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="class_end_not_before_start",
                violation_error_message=_("The end date must not be before the start date."),
            ),
            models.CheckConstraint(
                condition=Q(capacity__gte=1),
                name="class_capacity_positive",
            ),
            models.CheckConstraint(
                condition=Q(certificate_threshold__gte=1, certificate_threshold__lte=100),
                name="class_threshold_is_percentage",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.title}"

    def clean(self):
        errors: dict[str, str] = {}
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = _("The end date must not be before the start date.")
        elif self.pk and self.start_date and self.end_date:
            outside = self.sessions.exclude(date__range=(self.start_date, self.end_date))
            if outside.exists():
                dates = ", ".join(sorted({s.date.strftime("%d/%m/%Y") for s in outside}))
                errors["start_date"] = _(
                    "Sessions on %(dates)s would fall outside the class dates; move them first."
                ) % {"dates": dates}
        if self.pk and self.capacity:
            allocated = self.allocated_seats()
            if allocated > self.capacity:
                errors["capacity"] = _(
                    "Quotas already allocate %(allocated)s seats; the capacity cannot be lower."
                ) % {"allocated": allocated}
        if self.pk and self.is_practice and self.has_issued_certificates():
            # Its numbers are in the official register: the class stays official.
            errors["is_practice"] = _(
                "Certificates of this class were issued from the register; it cannot become a "
                "practice class."
            )
        if errors:
            raise ValidationError(errors)

    def has_issued_certificates(self) -> bool:
        """Whether the register holds any certificate of this class (even a revoked one)."""
        return class_has_issued_certificates(self.pk)

    def allocated_seats(self) -> int:
        return self.quotas.aggregate(total=Sum("seats", default=0))["total"]

    def can_change_state_to(self, state: str) -> bool:
        return state in STATE_TRANSITIONS[self.state]

    def next_session(self, now: datetime.datetime | None = None) -> Session | None:
        now = timezone.localtime(now)
        return (
            self.sessions.filter(
                Q(date__gt=now.date()) | Q(date=now.date(), end_time__gte=now.time())
            )
            .order_by("date", "start_time")
            .first()
        )

    def trainers(self) -> models.QuerySet[Trainer]:
        return Trainer.objects.filter(sessions__training_class=self).distinct()


class CheckinTimes(NamedTuple):
    opens: datetime.datetime
    closes: datetime.datetime
    late_after: datetime.datetime


def classes_a_trainer_runs(user_id: int) -> models.QuerySet:
    """Ids of the classes whose sessions the trainer `user_id` may run (take attendance
    for): those they teach at least one session of. The one home of "who may run a
    session", with the coordinator, who runs all: SessionQuerySet.run_by,
    Session.can_be_run_by, the classes a trainer sees (TrainingClassQuerySet.visible_to)
    and the check-in hot path, whose SQL is compiled from this queryset
    (attendees/checkin_sql.load_session)."""
    return Session.objects.filter(trainers__user_id=user_id).values("training_class_id")


class SessionQuerySet(models.QuerySet):
    def run_by(self, user) -> SessionQuerySet:
        """Sessions whose attendance this user may take: a trainer's own classes, or all
        for the coordinator."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_coordinator:
            return self
        if user.is_trainer:
            return self.filter(training_class_id__in=classes_a_trainer_runs(user.pk))
        return self.none()


class Session(NFCModel):
    training_class = models.ForeignKey(
        TrainingClass, verbose_name=_("class"), on_delete=models.CASCADE, related_name="sessions"
    )
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("start time"))
    end_time = models.TimeField(_("end time"))
    topic = models.CharField(_("topic"), max_length=300)
    venue = models.ForeignKey(
        Venue, verbose_name=_("venue"), on_delete=models.PROTECT, related_name="sessions"
    )
    trainers = models.ManyToManyField(
        Trainer, verbose_name=_("trainers"), related_name="sessions", blank=True
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)

    objects = SessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["date", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")),
                name="session_ends_after_start",
                violation_error_message=_("The session must end after it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.start_time:%H:%M}–{self.end_time:%H:%M} {self.topic}"

    def clean(self):
        errors: dict[str, str] = {}
        if self.start_time and self.end_time and self.end_time <= self.start_time:
            errors["end_time"] = _("The session must end after it starts.")
        klass = self.training_class if self.training_class_id else None
        if klass and self.date and not (klass.start_date <= self.date <= klass.end_date):
            errors["date"] = _("The date must be within the class dates (%(start)s – %(end)s).") % {
                "start": klass.start_date.strftime("%d/%m/%Y"),
                "end": klass.end_date.strftime("%d/%m/%Y"),
            }
        if not errors and self.venue_id and self.date and self.start_time and self.end_time:
            clash = self.overlapping_sessions().select_related("training_class").first()
            if clash:
                errors["start_time"] = _(
                    "%(venue)s is already used from %(start)s to %(end)s by class %(code)s."
                ) % {
                    "venue": self.venue,
                    "start": clash.start_time.strftime("%H:%M"),
                    "end": clash.end_time.strftime("%H:%M"),
                    "code": clash.training_class.code,
                }
        if errors:
            raise ValidationError(errors)

    def can_be_run_by(self, user) -> bool:
        """The per-object form of SessionQuerySet.run_by, for the check-in path where one
        simple query matters (bench/checkin.py)."""
        if not user.is_authenticated or not user.is_active:
            return False
        if user.is_coordinator:
            return True
        return (
            user.is_trainer
            and classes_a_trainer_runs(user.pk)
            .filter(training_class_id=self.training_class_id)
            .exists()
        )

    @staticmethod
    def moment(day: datetime.date, time: datetime.time) -> datetime.datetime:
        """A session's wall-clock time on its day, in the server's time zone."""
        return timezone.make_aware(datetime.datetime.combine(day, time))

    def starts_at(self) -> datetime.datetime:
        return Session.moment(self.date, self.start_time)

    def ends_at(self) -> datetime.datetime:
        return Session.moment(self.date, self.end_time)

    @staticmethod
    def checkin_times(
        *,
        day: datetime.date,
        start: datetime.time,
        end: datetime.time,
        opens_before: int,
        closes_after: int,
        late_grace: int,
    ) -> CheckinTimes:
        """When check-in opens and closes and when a scan becomes late, from a session's
        times and its class's minutes. The one home of these sums: the ORM
        (checkin_window, late_after) and the check-in hot path (attendees/checkin_sql.py,
        from the columns its one query read) both call it."""
        starts, ends = Session.moment(day, start), Session.moment(day, end)
        return CheckinTimes(
            opens=starts - datetime.timedelta(minutes=opens_before),
            closes=ends + datetime.timedelta(minutes=closes_after),
            late_after=starts + datetime.timedelta(minutes=late_grace),
        )

    def _checkin_times(self) -> CheckinTimes:
        klass = self.training_class
        return Session.checkin_times(
            day=self.date,
            start=self.start_time,
            end=self.end_time,
            opens_before=klass.checkin_opens_before,
            closes_after=klass.checkin_closes_after,
            late_grace=klass.late_grace_minutes,
        )

    def checkin_window(self) -> tuple[datetime.datetime, datetime.datetime]:
        times = self._checkin_times()
        return times.opens, times.closes

    def late_after(self) -> datetime.datetime:
        return self._checkin_times().late_after

    @staticmethod
    def window_phase(
        *, opens: datetime.datetime, closes: datetime.datetime, at: datetime.datetime
    ) -> str:
        """ "early" before check-in opens, "open" within the window (both ends included),
        "over" after it. The one home of the window rule: the ORM (checkin_phase) and the
        check-in hot path (attendees/checkin_sql.SessionWindow) feed it; the scanner's
        copy (phase() in static/js/scanner.js, which decides offline) is held to it by
        tests/attendees/test_window_rule.py."""
        if at < opens:
            return "early"
        return "open" if at <= closes else "over"

    def checkin_phase(self, *, at: datetime.datetime) -> str:
        opens, closes = self.checkin_window()
        return Session.window_phase(opens=opens, closes=closes, at=at)

    def is_open_for_checkin(self, *, at: datetime.datetime) -> bool:
        return self.checkin_phase(at=at) == "open"

    @staticmethod
    def scans_still_count(
        *,
        closed_at: datetime.datetime | None,
        certificates_issued: bool,
        received_at: datetime.datetime,
    ) -> bool:
        """May a scan that reaches the server at `received_at` still change a session's
        attendance by itself? The one home of this rule: Session.accepts_scans feeds it
        from the ORM, and the check-in hot path (attendees/checkin_sql.SessionWindow) from
        its one query. Until the session is closed, yes (a phone offline for days still
        counts); after, only within LATE_UPLOAD_GRACE_HOURS of closing and while no
        certificate of the class has been issued, because certificates are issued from
        final attendance. Any other scan is held for the coordinator to accept or reject."""
        if closed_at is None:
            return True
        if certificates_issued:
            return False
        return received_at <= closed_at + datetime.timedelta(hours=settings.LATE_UPLOAD_GRACE_HOURS)

    def has_issued_certificates(self) -> bool:
        """Whether any certificate of the class was issued (even one revoked since): the
        register was drawn from this attendance."""
        return class_has_issued_certificates(self.training_class_id)

    def accepts_scans(self, *, received_at: datetime.datetime) -> bool:
        return Session.scans_still_count(
            closed_at=self.closed_at,
            certificates_issued=self.closed_at is not None and self.has_issued_certificates(),
            received_at=received_at,
        )

    def overlapping_sessions(self) -> models.QuerySet[Session]:
        return Session.objects.filter(
            venue_id=self.venue_id,
            date=self.date,
            start_time__lt=self.end_time,
            end_time__gt=self.start_time,
        ).exclude(pk=self.pk)


class QuotaQuerySet(models.QuerySet):
    def visible_to(self, user) -> QuotaQuerySet:
        """Coordinators and viewers see every unit's seats, a nominator only their own
        unit's; trainers see the class total, not the split."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.can_view_all_classes:
            return self
        if user.is_nominator:
            return self.filter(organisation_id=user.organisation_id)
        return self.none()


class Quota(models.Model):
    """Seats a nominating unit may fill in one category of one class."""

    training_class = models.ForeignKey(
        TrainingClass, verbose_name=_("class"), on_delete=models.CASCADE, related_name="quotas"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("nominating unit"),
        on_delete=models.PROTECT,
        related_name="quotas",
    )
    category = models.ForeignKey(
        ParticipantCategory,
        verbose_name=_("participant category"),
        on_delete=models.PROTECT,
        related_name="quotas",
    )
    seats = models.PositiveIntegerField(_("seats"), validators=[MinValueValidator(1)])

    objects = QuotaQuerySet.as_manager()

    class Meta:
        verbose_name = _("quota")
        verbose_name_plural = _("quotas")
        constraints = [
            models.UniqueConstraint(
                fields=["training_class", "organisation", "category"],
                name="quota_unique_per_unit_and_category",
            ),
            models.CheckConstraint(condition=Q(seats__gte=1), name="quota_seats_positive"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.training_class.code} · {self.organisation} · {self.category.code}: {self.seats}"
        )


# --- Audit log -------------------------------------------------------------------------


class AuditLogImmutableError(Exception):
    """Raised when code tries to change or remove recorded audit history."""


class AuditLogQuerySet(models.QuerySet):
    # The log is evidence: bulk changes are refused here as single ones are in the model.
    # (The database refuses UPDATE too, see migration 0006, for code that bypasses the ORM.)
    def update(self, **kwargs):
        raise AuditLogImmutableError("Audit log entries cannot be changed.")

    def delete(self):
        raise AuditLogImmutableError("Audit log entries cannot be deleted.")

    # bulk_update() goes through update(); kept explicit for a clearer message.
    def bulk_update(self, objs, fields, batch_size=None):
        raise AuditLogImmutableError("Audit log entries cannot be changed.")


class AuditLog(models.Model):
    """Who did what to which object, when. Rows are written by `core.audit.audit`
    and never changed afterwards: the model, its QuerySet, the admin and a database
    trigger (migration 0006) all refuse changes."""

    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    # PROTECT, not SET_NULL: nulling the actor would rewrite history (and the UPDATE
    # trigger refuses it anyway). Accounts that leave are deactivated, not deleted.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=60)
    target_type = models.ForeignKey(
        ContentType, verbose_name=_("object type"), on_delete=models.PROTECT, null=True
    )
    target_id = models.CharField(_("object id"), max_length=64, blank=True)
    target_repr = models.CharField(_("object"), max_length=300, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%d/%m/%Y %H:%M} {self.actor} {self.action} {self.target_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AuditLogImmutableError("Audit log entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogImmutableError("Audit log entries cannot be deleted.")
