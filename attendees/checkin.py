"""Attendance by badge scan: the rules the server applies to every scan, online or uploaded
hours later from a phone that was offline.

Attendance is a set: one row per (enrollment, session) keeping the earliest scan, so scans
of the same person from several devices merge instead of conflicting. Every scan is kept as
a ScanEvent whose client nonce makes uploads idempotent: a replayed scan returns the answer
it got the first time and changes nothing.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from attendees import checkin_sql
from attendees.models import (
    Attendance,
    AttendanceStatus,
    Enrollment,
    ScanEvent,
    ScanResult,
    ScanReview,
)
from attendees.rules import ATTENDED
from attendees.scanning import MAX_CLOCK_SKEW, DeviceClock, Scan, earlier_answer
from core.audit import audit
from courses.models import ClassState, Session
from courses.services import clean_reopen_reason, reopen_refusal
from courses.vietnamese import sorted_by_participant


@dataclass(frozen=True)
class CheckinOutcome:
    nonce: uuid.UUID
    result: str
    participant: dict | None  # {"name", "unit"} of the badge's owner, if the badge is known
    status: str | None

    def as_json(self) -> dict:
        return {
            "nonce": str(self.nonce),
            "result": self.result,
            "participant": self.participant,
            "status": self.status,
        }


def may_take_attendance(user: User) -> bool:
    return user.is_coordinator or user.is_trainer


def no_such_session(session_id: int) -> str:
    # The same words for a session that does not exist and one of another trainer's
    # classes: the answer must not tell the second from the first.
    return _("There is no session %(id)s among the sessions you can take attendance for.") % {
        "id": session_id
    }


def session_for_operator(*, operator: User, session_id: int) -> Session:
    """Trainers act only on their own classes' sessions; the coordinator on any. A session
    that is not the operator's is "not found", exactly like one that does not exist."""
    if not may_take_attendance(operator):
        raise PermissionDenied(_("Only trainers and the department take attendance."))
    found = Session.objects.select_related("training_class").filter(pk=session_id)[:1]
    if not found or not found[0].can_be_run_by(operator):
        raise Http404(no_such_session(session_id))
    return found[0]


def checkin_record(
    *, operator: User, scans: list[Scan], clock: DeviceClock | None = None
) -> list[CheckinOutcome]:
    """Apply a batch of scans from one device. `clock`: the device's clock as measured at
    upload (attendees/scanning.DeviceClock); none sent, it is trusted. A scan for a
    session that is not the operator's is Http404 for the whole batch, as for one that
    does not exist."""
    if not may_take_attendance(operator):
        raise PermissionDenied(_("Only trainers and the department take attendance."))
    clock = clock or DeviceClock.at_upload(None)
    windows: dict[int, checkin_sql.SessionWindow] = {}
    outcomes = []
    for scan in scans:
        token = scan.token.strip()[:200]
        if scan.session_id in windows:
            # Read before the transaction: on SQLite a write transaction holds the
            # database's single write lock, so it should contain only the writes.
            badge = checkin_sql.find_badge(token)
        else:
            windows[scan.session_id], badge = _window_for_operator(
                operator=operator, session_id=scan.session_id, token=token
            )
        outcomes.append(
            _record_one(
                operator=operator,
                session=windows[scan.session_id],
                scan=scan,
                token=token,
                badge=badge,
                clock=clock,
            )
        )
    return outcomes


def _window_for_operator(
    *, operator: User, session_id: int, token: str
) -> tuple[checkin_sql.SessionWindow, checkin_sql.Badge | None]:
    """As session_for_operator, on the fast path (tested to agree with Session.run_by),
    with the first scan's badge fetched in the same query."""
    window, badge = checkin_sql.load_session(session_id, operator.pk, token)
    if window is None or not (operator.is_coordinator or window.may_run):
        raise Http404(no_such_session(session_id))
    return window, badge


def _previous_outcome(nonce: uuid.UUID) -> CheckinOutcome | None:
    event = earlier_answer(
        ScanEvent.objects.select_related("enrollment__participant", "enrollment__organisation"),
        nonce,
    )
    if event is None:
        return None
    participant, status = None, None
    if event.enrollment_id:
        participant = {
            "name": event.enrollment.participant.full_name,
            "unit": event.enrollment.organisation.name,
        }
    # A refused scan was answered without a status (it changed nothing); the others with
    # the person's status, read again.
    if event.enrollment_id and event.result in (*ATTENDED, ScanResult.ALREADY_RECORDED):
        status = (
            Attendance.objects.filter(
                enrollment_id=event.enrollment_id, session_id=event.session_id
            )
            .values_list("status", flat=True)
            .first()
        )
    return CheckinOutcome(event.nonce, event.result, participant, status)


def _record_one(
    *,
    operator: User,
    session: checkin_sql.SessionWindow,
    scan: Scan,
    token: str,
    badge: checkin_sql.Badge | None,
    clock: DeviceClock,
) -> CheckinOutcome:
    received_at, flagged = clock.received_at, clock.flagged
    scanned_at = clock.correct(scan.scanned_at)  # the device's clock is off: corrected, flagged
    if scanned_at > received_at + MAX_CLOCK_SKEW:
        flagged, scanned_at = True, received_at  # a scan from the future cannot be trusted
    record = checkin_sql.ScanRecord(
        nonce=scan.nonce,
        token=token,
        session_id=session.id,
        enrollment_id=badge.enrollment_id if badge else None,
        device=scan.device[:64],
        operator_id=operator.pk,
        scanned_at=scanned_at,
        received_at=received_at,
        skew_seconds=round(clock.skew.total_seconds()),
        flagged=flagged,
    )
    participant = {"name": badge.name, "unit": badge.unit} if badge else None
    # The scan's nonce is unique, and the scan is written last, in the same transaction
    # (or statement) as any attendance: a replayed upload fails on it and changes nothing.
    # Checking for the nonce first would cost every scan one more query.
    try:
        refusal = _refusal(
            session=session, badge=badge, scanned_at=scanned_at, received_at=received_at
        )
        if refusal:
            result, current = refusal
            checkin_sql.record_refusal(record, result=result)
            return CheckinOutcome(scan.nonce, result, participant, current)
        status = (
            AttendanceStatus.LATE if scanned_at > session.late_after else AttendanceStatus.PRESENT
        )
        result, current = checkin_sql.record(record, status=status)
    except IntegrityError:
        # A replay (an upload retried after a lost answer, or racing the original):
        # answer exactly as the first time, change nothing.
        previous = _previous_outcome(scan.nonce)
        if previous is None:
            raise
        return previous
    return CheckinOutcome(scan.nonce, result, participant, current)


def _refusal(
    *,
    session: checkin_sql.SessionWindow,
    badge: checkin_sql.Badge | None,
    scanned_at: datetime.datetime,
    received_at: datetime.datetime,
) -> tuple[str, str | None] | None:
    """(result, attendance status to report) of a scan that changes nothing; None for one
    that counts."""
    if badge is None:
        return ScanResult.UNKNOWN_TOKEN, None
    if badge.training_class_id != session.training_class_id:
        return ScanResult.NOT_ENROLLED, None
    if not session.is_open_for_checkin(at=scanned_at):
        return ScanResult.SESSION_NOT_OPEN, None
    if not session.accepts_scans(received_at=received_at):
        # Too late to count by itself. A scan that would change nothing (the person is
        # recorded in the room at this time or earlier) is only a repeat; any other waits
        # for the coordinator, so the list they judge holds only real changes.
        now = checkin_sql.attendance_now(badge.enrollment_id, session.id)
        if now and now[0] in ATTENDED and now[1] is not None and now[1] <= scanned_at:
            return ScanResult.ALREADY_RECORDED, now[0]
        return ScanResult.SESSION_CLOSED, None
    return None


def _wall_time(moment: datetime.datetime, now: datetime.datetime) -> str:
    """ "06:30" on the day, "06:30 10/10/2023" on another (as scanner.js writes it)."""
    moment, now = timezone.localtime(moment), timezone.localtime(now)
    return f"{moment:%H:%M}" if moment.date() == now.date() else f"{moment:%H:%M %d/%m/%Y}"


def scanner_banner(session: Session, *, now: datetime.datetime | None = None) -> tuple[str, str]:
    """(phase, words) the scanner's banner shows before a scan: "Ready to scan" within the
    check-in window, else when it opens or when it closed (Session.checkin_phase), or that
    the session is closed. scanner.js says the same from the roster as time passes; the
    {time} msgids are shared with it."""
    now = now or timezone.now()
    if not session.accepts_scans(received_at=now):
        return "closed", _("This session is closed.")
    phase = session.checkin_phase(at=now)
    opens, closes = session.checkin_window()
    if phase == "early":
        return phase, _("Check-in opens at {time}").format(time=_wall_time(opens, now))
    if phase == "over":
        return phase, _("Check-in is over (closed at {time})").format(time=_wall_time(closes, now))
    return phase, _("Ready to scan")


def _not_scanned(session: Session):
    """Everyone enrolled in the session's class with no attendance row for it: who closing
    the session marks absent."""
    return Enrollment.objects.filter(training_class_id=session.training_class_id).exclude(
        attendances__session=session
    )


@dataclass(frozen=True)
class ClosePreview:
    """What closing a session now would do, for the confirmation page."""

    session: Session
    absent: list[Enrollment]  # would be marked absent, in Vietnamese name order
    early_by: datetime.timedelta | None  # closing now is this long before the scheduled end

    @property
    def early_text(self) -> str:
        """ "2 giờ 20 phút" (rounded down to the minute)."""
        if not self.early_by:
            return ""
        minutes = int(self.early_by.total_seconds() // 60)
        hours, minutes = divmod(minutes, 60)
        if hours and minutes:
            return _("%(h)s h %(m)s min") % {"h": hours, "m": minutes}
        if hours:
            return _("%(h)s h") % {"h": hours}
        return _("%(m)s min") % {"m": minutes}


def session_close_preview(
    session: Session, *, now: datetime.datetime | None = None
) -> ClosePreview:
    now = now or timezone.now()
    absent = sorted_by_participant(
        _not_scanned(session).select_related("participant", "organisation")
    )
    ends = session.ends_at()
    early_by = ends - now if now < ends else None
    return ClosePreview(session=session, absent=absent, early_by=early_by)


@transaction.atomic
def session_close(*, actor: User, session: Session) -> int:
    """Close a session: everyone enrolled without an attendance row is absent. Returns how
    many were marked absent. Late uploads still count for a while (see
    Session.scans_still_count); later ones wait for the coordinator (held_scan_accept).
    The pages ask first (session_close_preview says what this will do)."""
    session = Session.objects.select_for_update().get(pk=session.pk)
    if session.closed_at is not None:
        raise ValidationError(_("This session is already closed."))
    rows = [
        Attendance(enrollment=e, session=session, status=AttendanceStatus.ABSENT, updated_by=actor)
        for e in _not_scanned(session)
    ]
    Attendance.objects.bulk_create(rows)
    session.closed_at = timezone.now()
    session.save(update_fields=["closed_at"])
    audit(actor=actor, action="session.close", target=session, changes={"absent": len(rows)})
    return len(rows)


def _unexplained_absences(session: Session):
    """Absent with no scan and no reason: what closing wrote (or a correction that says no
    more than that). On an open session such a person is simply not here yet."""
    return Attendance.objects.filter(
        session=session, status=AttendanceStatus.ABSENT, first_scan_at__isnull=True, reason=""
    )


def session_reopen_preview(session: Session) -> int:
    """How many absences reopening the session would clear."""
    return _unexplained_absences(session).count()


@transaction.atomic
def session_reopen(*, actor: User, session: Session, reason: str) -> int:
    """The coordinator takes back the closing of a session (ended by mistake, or too
    early): scans count again, and the absences closing wrote are cleared, so the people
    are "not here yet" until they are scanned or the session is closed again. Audited
    with the reason; refused once certificates of the class are issued (their attendance
    is final) and while the class itself is closed (reopen the class). Returns how many
    absences were cleared."""
    if not actor.is_coordinator:
        raise PermissionDenied(_("Only the department reopens a session."))
    reason = clean_reopen_reason(reason)
    session = (
        Session.objects.select_for_update().select_related("training_class").get(pk=session.pk)
    )
    if session.closed_at is None:
        raise ValidationError(_("This session is not closed."))
    refusal = reopen_refusal(session.training_class)
    if refusal:
        raise ValidationError(refusal)
    if session.training_class.state == ClassState.CLOSED:
        raise ValidationError(
            _("Class %(code)s is closed: reopen the class, which reopens its sessions.")
            % {"code": session.training_class.code}
        )
    cleared = _unexplained_absences(session)
    enrollments = sorted(cleared.values_list("enrollment_id", flat=True))
    cleared.delete()
    closed_at = session.closed_at
    session.closed_at = None
    session.save(update_fields=["closed_at"])
    audit(
        actor=actor,
        action="session.reopen",
        target=session,
        changes={
            "closed_at": [closed_at.isoformat(), None],
            "reason": reason,
            "absences_cleared": enrollments,
        },
    )
    return len(enrollments)


@transaction.atomic
def attendance_set(
    *,
    actor: User,
    enrollment: Enrollment,
    session: Session,
    status: str,
    reason: str = "",
    scanned_at: datetime.datetime | None = None,
) -> Attendance:
    """A manual correction by a trainer or the coordinator (excused with a reason, or a
    person who forgot their badge marked present), audited with the previous value.
    `scanned_at`: the scan a present/late status comes from (an accepted held scan), which
    becomes the first scan time unless an earlier one is recorded."""
    if status not in AttendanceStatus.values:
        raise ValidationError({"status": _("Unknown attendance status.")})
    if status == AttendanceStatus.EXCUSED and not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the excuse.")})
    attendance = (
        Attendance.objects.select_for_update()
        .filter(enrollment=enrollment, session=session)
        .first()
    )
    before = attendance.status if attendance else None
    if attendance is None:
        attendance = Attendance(enrollment=enrollment, session=session)
    attendance.status = status
    attendance.reason = reason.strip()[:300]
    attendance.updated_by = actor
    if status in ATTENDED and scanned_at is not None:
        if attendance.first_scan_at is None or scanned_at < attendance.first_scan_at:
            attendance.first_scan_at = scanned_at
    elif status in ATTENDED and attendance.first_scan_at is None:
        attendance.first_scan_at = timezone.now()
    attendance.save()
    audit(
        actor=actor,
        action="attendance.correct",
        target=attendance,
        changes={"status": [before, status], "reason": attendance.reason},
    )
    return attendance


@dataclass(frozen=True)
class AttendanceChange:
    """What a trainer chose for one person on the attendance list."""

    enrollment: Enrollment
    status: str  # "" only for a person still without a mark (nothing to save then)
    reason: str = ""


@transaction.atomic
def attendance_correct_many(
    *, actor: User, session: Session, changes: Sequence[AttendanceChange]
) -> list[Attendance]:
    """The attendance list's single "Save": every changed row through attendance_set (its
    rules, its audit), all or nothing. A row equal to what is recorded is not written (nor
    audited). Every refused row is reported, keyed by its enrollment's id, and then
    nothing is saved: a ValidationError whose error_dict maps str(enrollment id) to the
    row's messages."""
    recorded = {
        a.enrollment_id: a
        for a in Attendance.objects.select_for_update().filter(
            session=session, enrollment_id__in=[c.enrollment.pk for c in changes]
        )
    }
    errors: dict[str, list[str]] = {}
    saved: list[Attendance] = []
    for change in changes:
        enrollment = change.enrollment
        key = str(enrollment.pk)
        if enrollment.training_class_id != session.training_class_id:
            errors[key] = [_("This person is not enrolled in the class of this session.")]
            continue
        current = recorded.get(enrollment.pk)
        reason = change.reason.strip()[:300]
        if current and (current.status, current.reason) == (change.status, reason):
            continue
        if not change.status:
            if current is None and not reason:
                continue  # still without a mark: nothing to save
            errors[key] = [_("Choose a status.")]
            continue
        try:
            saved.append(
                attendance_set(
                    actor=actor,
                    enrollment=enrollment,
                    session=session,
                    status=change.status,
                    reason=reason,
                )
            )
        except ValidationError as exc:  # attendance_set's savepoint is rolled back
            errors[key] = exc.messages
    if errors:
        raise ValidationError(errors)  # and so is every row saved before
    return saved


def _held_scan_for_review(*, actor: User, event: ScanEvent) -> ScanEvent:
    if not actor.is_coordinator:
        raise PermissionDenied(_("Only the department decides on scans held after closing."))
    event = (
        ScanEvent.objects.select_for_update(of=("self",))
        .select_related("session__training_class", "enrollment__participant")
        .get(pk=event.pk)
    )
    if event.result != ScanResult.SESSION_CLOSED or event.review:
        raise ValidationError(_("This scan is not waiting for a decision (any more)."))
    if event.enrollment is None:
        raise ValidationError(_("The person of this scan is no longer enrolled."))
    return event


def _scan_summary(event: ScanEvent) -> dict:
    return {
        "nonce": str(event.nonce),
        "scanned_at": event.scanned_at.isoformat(),
        "received_at": event.received_at.isoformat(),
        "device": event.device,
    }


@transaction.atomic
def held_scan_accept(*, actor: User, event: ScanEvent) -> Attendance:
    """The coordinator counts a scan held after its session closed: the same correction a
    trainer makes by hand (attendance_set, audited as attendance.correct), from the scan's
    own time, and the decision audited on the scan."""
    event = _held_scan_for_review(actor=actor, event=event)
    session = event.session
    status = (
        AttendanceStatus.LATE
        if event.scanned_at > session.late_after()
        else AttendanceStatus.PRESENT
    )
    current = Attendance.objects.filter(enrollment=event.enrollment, session=session).first()
    if (
        current
        and current.status in ATTENDED
        and current.first_scan_at is not None
        and current.first_scan_at <= event.scanned_at
    ):
        attendance = current  # recorded in the room earlier since: nothing to correct
    else:
        attendance = attendance_set(
            actor=actor,
            enrollment=event.enrollment,
            session=session,
            status=status,
            scanned_at=event.scanned_at,
        )
    event.review, event.reviewed_by, event.reviewed_at = ScanReview.ACCEPTED, actor, timezone.now()
    event.save(update_fields=["review", "reviewed_by", "reviewed_at"])
    audit(
        actor=actor,
        action="scan.accept",
        target=event,
        changes={**_scan_summary(event), "status": attendance.status},
    )
    return attendance


@transaction.atomic
def held_scan_reject(*, actor: User, event: ScanEvent) -> ScanEvent:
    """The coordinator decides a scan held after its session closed does not count."""
    event = _held_scan_for_review(actor=actor, event=event)
    event.review, event.reviewed_by, event.reviewed_at = ScanReview.REJECTED, actor, timezone.now()
    event.save(update_fields=["review", "reviewed_by", "reviewed_at"])
    audit(actor=actor, action="scan.reject", target=event, changes=_scan_summary(event))
    return event


@transaction.atomic
def badge_reissue(*, actor: User, enrollment: Enrollment) -> Enrollment:
    """A lost or copied badge: issue a new code; the old one stops working at once."""
    from attendees.models import new_badge_token

    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    enrollment.badge_token = new_badge_token()
    enrollment.save(update_fields=["badge_token"])
    audit(actor=actor, action="badge.reissue", target=enrollment)
    return enrollment
