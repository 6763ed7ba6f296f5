"""The check-in hot path in plain SQL.

A trainer's phone uploads each scan as it happens; at the door of a hall that is dozens a
minute from several phones, and the ORM spent most of a scan compiling its six queries
(bench/checkin.py measured about 1 ms of SQL compilation per scan against 0.2 ms of
database work). These statements do the same work with values prepared by the model
fields themselves: portable ones for SQLite (3.35+) and PostgreSQL, and on PostgreSQL a
first or repeat scan as one data-modifying CTE (one round trip, atomic by itself).
The decisions stay in attendees/checkin.py; tests/attendees/test_checkin*.py cover both
engines and check the permission and window rules against the ORM ones.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from attendees.models import Attendance, Enrollment, ScanEvent
from courses.models import Session, Trainer, TrainingClass


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _prep(model, field: str, value):
    return model._meta.get_field(field).get_db_prep_save(value, connection)


@dataclass(frozen=True)
class Badge:
    enrollment_id: int
    training_class_id: int
    name: str
    unit: str


@dataclass(frozen=True)
class SessionWindow:
    """What a scan is judged against."""

    id: int
    training_class_id: int
    opens: datetime.datetime
    closes: datetime.datetime
    late_after: datetime.datetime
    may_run: bool
    closed_at: datetime.datetime | None
    certificates_issued: bool  # read only once the session is closed (else False)

    def is_open_for_checkin(self, *, at: datetime.datetime) -> bool:
        return Session.window_phase(opens=self.opens, closes=self.closes, at=at) == "open"

    def accepts_scans(self, *, received_at: datetime.datetime) -> bool:
        # The rule itself lives on the model; this only feeds it what the query read.
        return Session.scans_still_count(
            closed_at=self.closed_at,
            certificates_issued=self.certificates_issued,
            received_at=received_at,
        )


def load_session(
    session_id: int, user_id: int, token: str | None = None
) -> tuple[SessionWindow | None, Badge | None]:
    """The session's check-in window, whether `user_id` teaches a session of its class
    (the same rule as SessionQuerySet.run_by for trainers) and, in the same round trip,
    the badge `token` belongs to (a phone online uploads one scan per request). Once the
    session is closed it also reads whether a certificate of the class was issued, the
    other input of Session.scans_still_count."""
    from attendees.models import Participant
    from certificates.models import Certificate
    from courses.models import Organisation

    session, klass = _table(Session), _table(TrainingClass)
    through = connection.ops.quote_name(Session.trainers.through._meta.db_table)
    trainer = _table(Trainer)
    enrollment, participant, organisation = (
        _table(Enrollment),
        _table(Participant),
        _table(Organisation),
    )
    sql = (
        f"SELECT s.id, s.training_class_id, s.date, s.start_time, s.end_time, "  # noqa: S608 -- names from the models, values are parameters
        f"c.late_grace_minutes, c.checkin_opens_before, c.checkin_closes_after, "
        f"EXISTS (SELECT 1 FROM {through} st JOIN {session} s2 ON s2.id = st.session_id "
        f"JOIN {trainer} t ON t.id = st.trainer_id "
        f"WHERE s2.training_class_id = s.training_class_id AND t.user_id = %s), "
        f"s.closed_at, CASE WHEN s.closed_at IS NULL THEN 0 ELSE (SELECT COUNT(*) FROM "
        f"(SELECT 1 FROM {_table(Certificate)} WHERE training_class_id = s.training_class_id "
        f"LIMIT 1) x) END, "
        f"b.id, b.training_class_id, b.full_name, b.name "
        f"FROM {session} s JOIN {klass} c ON c.id = s.training_class_id "
        f"LEFT JOIN (SELECT e.id, e.training_class_id, p.full_name, o.name FROM {enrollment} e "
        f"JOIN {participant} p ON p.id = e.participant_id JOIN {organisation} o ON o.id = e.organisation_id "
        f"WHERE e.badge_token = %s) b ON 1 = 1 "
        f"WHERE s.id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id, token or "", session_id])
        row = cursor.fetchone()
    if row is None:
        return None, None
    sid, class_id, day, start, end, grace, before, after, may_run, closed_at, issued, *badge = row
    day = day if isinstance(day, datetime.date) else datetime.date.fromisoformat(day)
    start = start if isinstance(start, datetime.time) else datetime.time.fromisoformat(start)
    end = end if isinstance(end, datetime.time) else datetime.time.fromisoformat(end)
    starts = timezone.make_aware(datetime.datetime.combine(day, start))
    ends = timezone.make_aware(datetime.datetime.combine(day, end))
    window = SessionWindow(
        id=sid,
        training_class_id=class_id,
        opens=starts - datetime.timedelta(minutes=before),
        closes=ends + datetime.timedelta(minutes=after),
        late_after=starts + datetime.timedelta(minutes=grace),
        may_run=bool(may_run),
        closed_at=_from_db(Session, "closed_at", closed_at),
        certificates_issued=bool(issued),
    )
    return window, (Badge(*badge) if badge[0] is not None else None)


def _from_db(model, field: str, value):
    """A value read by a raw cursor as the ORM would give it (SQLite returns text)."""
    if value is None:
        return None
    col = model._meta.get_field(field).get_col(model._meta.db_table)
    for converter in connection.ops.get_db_converters(col):
        value = converter(value, col, connection)
    return value


def attendance_now(
    enrollment_id: int, session_id: int
) -> tuple[str, datetime.datetime | None] | None:
    """(status, first scan) of a person at a session, if recorded."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT status, first_scan_at FROM {_table(Attendance)} "  # noqa: S608 -- names from the models, values are parameters
            "WHERE enrollment_id = %s AND session_id = %s",
            [enrollment_id, session_id],
        )
        row = cursor.fetchone()
    return (row[0], _from_db(Attendance, "first_scan_at", row[1])) if row else None


def find_badge(token: str) -> Badge | None:
    from attendees.models import Participant
    from courses.models import Organisation

    enrollment, participant, organisation = (
        _table(Enrollment),
        _table(Participant),
        _table(Organisation),
    )
    sql = (
        f"SELECT e.id, e.training_class_id, p.full_name, o.name FROM {enrollment} e "  # noqa: S608 -- names from the models, values are parameters
        f"JOIN {participant} p ON p.id = e.participant_id "
        f"JOIN {organisation} o ON o.id = e.organisation_id WHERE e.badge_token = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [token])
        row = cursor.fetchone()
    return Badge(*row) if row else None


@dataclass(frozen=True)
class ScanRecord:
    nonce: object
    token: str
    session_id: int
    enrollment_id: int | None
    device: str
    operator_id: int
    scanned_at: datetime.datetime
    received_at: datetime.datetime
    skew_seconds: int
    flagged: bool


_SCAN_COLUMNS = (
    "nonce, token, session_id, enrollment_id, device, operator_id, scanned_at, received_at, "
    "result, clock_skew_seconds, clock_flagged"
)
_ATTENDANCE_COLUMNS = (
    "enrollment_id, session_id, status, first_scan_at, reason, updated_at, updated_by_id"
)


def _scan_params(record: ScanRecord, result: str) -> list:
    return [
        _prep(ScanEvent, "nonce", record.nonce),
        record.token,
        record.session_id,
        record.enrollment_id,
        record.device,
        record.operator_id,
        _prep(ScanEvent, "scanned_at", record.scanned_at),
        _prep(ScanEvent, "received_at", record.received_at),
        result,
        record.skew_seconds,
        record.flagged,
    ]


def _attendance_params(record: ScanRecord, status: str) -> list:
    return [
        record.enrollment_id,
        record.session_id,
        status,
        _prep(Attendance, "first_scan_at", record.scanned_at),
        "",
        _prep(Attendance, "updated_at", timezone.now()),
        record.operator_id,
    ]


def insert_scan(record: ScanRecord, *, result: str) -> None:
    """Record the scan. Its nonce is unique: a replay raises IntegrityError here."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_table(ScanEvent)} ({_SCAN_COLUMNS}) VALUES ({', '.join(['%s'] * 11)})",  # noqa: S608 -- names from the models, values are parameters
            _scan_params(record, result),
        )


def insert_attendance_if_new(record: ScanRecord, *, status: str) -> bool:
    """Insert the first attendance of a person at a session; False if one exists already
    (the unique constraint decides, so two devices racing cannot both insert)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_table(Attendance)} ({_ATTENDANCE_COLUMNS}) VALUES ({', '.join(['%s'] * 7)}) "  # noqa: S608 -- names from the models, values are parameters
            "ON CONFLICT (enrollment_id, session_id) DO NOTHING RETURNING id",
            _attendance_params(record, status),
        )
        return cursor.fetchone() is not None


def insert_first_scan(record: ScanRecord, *, status: str) -> bool:
    """PostgreSQL only: a person's first attendance and its scan in one statement (a
    data-modifying CTE). False, with nothing written, if the person is already recorded."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH a AS (INSERT INTO {_table(Attendance)} ({_ATTENDANCE_COLUMNS}) "  # noqa: S608 -- names from the models, values are parameters
            f"VALUES ({', '.join(['%s'] * 7)}) ON CONFLICT (enrollment_id, session_id) DO NOTHING RETURNING id) "
            f"INSERT INTO {_table(ScanEvent)} ({_SCAN_COLUMNS}) SELECT {', '.join(['%s'] * 11)} FROM a RETURNING id",
            _attendance_params(record, status) + _scan_params(record, status),
        )
        return cursor.fetchone() is not None


def merge_repeat_scan(record: ScanRecord, *, status: str) -> tuple[bool, str]:
    """A person already has an attendance row. If it says absent or excused, the scan
    proves they came (returns upgraded=True); if this scan is earlier than the recorded
    one, the earlier time wins. Returns (upgraded, the row's status afterwards)."""
    table = _table(Attendance)
    at = _prep(Attendance, "first_scan_at", record.scanned_at)
    key = [record.enrollment_id, record.session_id]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT status, CASE WHEN first_scan_at > %s THEN 1 ELSE 0 END FROM {table} "  # noqa: S608 -- names from the models, values are parameters
            "WHERE enrollment_id = %s AND session_id = %s",
            [at, *key],
        )
        current, later = cursor.fetchone()
        upgraded = current in ("absent", "excused")
        if upgraded or later:
            cursor.execute(
                f"UPDATE {table} SET status = %s, first_scan_at = %s, "  # noqa: S608
                "reason = CASE WHEN %s THEN '' ELSE reason END, updated_at = %s "
                "WHERE enrollment_id = %s AND session_id = %s",
                [status, at, upgraded, _prep(Attendance, "updated_at", timezone.now()), *key],
            )
            current = status
    return upgraded, current


def record_repeat_scan(record: ScanRecord, *, status: str) -> tuple[str, str] | None:
    """PostgreSQL only: merge_repeat_scan and insert_scan as one statement (and one round
    trip). Returns (result, status afterwards), or None if the person has no attendance
    row after all. A replayed nonce fails the whole statement: nothing changes."""
    attendance, scan = _table(Attendance), _table(ScanEvent)
    at = _prep(Attendance, "first_scan_at", record.scanned_at)
    params = _scan_params(record, "")
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH old AS (SELECT id, status, first_scan_at FROM {attendance} "  # noqa: S608 -- names from the models, values are parameters
            "WHERE enrollment_id = %s AND session_id = %s FOR UPDATE), "
            f"upd AS (UPDATE {attendance} a SET status = %s, first_scan_at = %s, updated_at = %s, "
            "reason = CASE WHEN old.status IN ('absent', 'excused') THEN '' ELSE a.reason END "
            "FROM old WHERE a.id = old.id AND (old.status IN ('absent', 'excused') OR old.first_scan_at > %s) "
            "RETURNING a.status) "
            f"INSERT INTO {scan} ({_SCAN_COLUMNS}) "
            "SELECT %s, %s, %s, %s, %s, %s, %s, %s, "
            "CASE WHEN old.status IN ('absent', 'excused') THEN %s ELSE 'already_recorded' END, %s, %s FROM old "
            "RETURNING result, COALESCE((SELECT status FROM upd), (SELECT status FROM old))",
            [
                record.enrollment_id,
                record.session_id,
                status,
                at,
                _prep(Attendance, "updated_at", timezone.now()),
                at,
                *params[:8],
                status,
                *params[9:],
            ],
        )
        row = cursor.fetchone()
    return (row[0], row[1]) if row else None
