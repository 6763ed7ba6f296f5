"""The check-in hot path in plain SQL.

A trainer's phone uploads each scan as it happens; at the door of a hall that is dozens a
minute from several phones, and the ORM spent most of a scan compiling its six queries
(bench/checkin.py measured about 1 ms of SQL compilation per scan against 0.2 ms of
database work). These statements do the same work with values prepared by the model
fields themselves: portable ones for SQLite (3.35+) and PostgreSQL, and on PostgreSQL a
first or repeat scan as one data-modifying CTE (one round trip, atomic by itself).
The decisions stay in attendees/checkin.py, and the rules these statements apply are
built from their Python homes, not copied: who may run a session is the SQL of
courses.models.classes_a_trainer_runs, the window is Session.checkin_times, the column
lists are the models' (a field added with a default needs nothing here) and the statuses
the enums'. record() hides the split between the engines. tests/attendees/test_checkin*.py
and test_window_rule.py cover both engines and hold them to the ORM rules.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
from dataclasses import dataclass

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone

from attendees.models import Attendance, AttendanceStatus, Enrollment, ScanEvent, ScanResult
from courses.models import Session, TrainingClass, classes_a_trainer_runs

# An attendance a scan upgrades (the person came after all, seen by an offline phone);
# any other is kept, with the earliest scan time.
UPGRADABLE = (AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED)


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

    def phase(self, *, at: datetime.datetime) -> str:
        return Session.window_phase(opens=self.opens, closes=self.closes, at=at)

    def is_open_for_checkin(self, *, at: datetime.datetime) -> bool:
        return self.phase(at=at) == "open"

    def accepts_scans(self, *, received_at: datetime.datetime) -> bool:
        # The rule itself lives on the model; this only feeds it what the query read.
        return Session.scans_still_count(
            closed_at=self.closed_at,
            certificates_issued=self.certificates_issued,
            received_at=received_at,
        )


@functools.cache
def _trainer_runs_sql(vendor: str) -> str:
    """Who may run a session, as SQL: the ORM's rule (classes_a_trainer_runs) compiled once
    per database engine (compiling it per scan would cost more than the query), its one
    parameter the user's id."""
    sql, params = classes_a_trainer_runs(_USER_ID).query.sql_with_params()
    if list(params) != [_USER_ID]:
        raise AssertionError(f"classes_a_trainer_runs grew parameters: {params!r}")
    return sql


_USER_ID = -7_654_321  # a placeholder while compiling, never an id


def load_session(
    session_id: int, user_id: int, token: str | None = None
) -> tuple[SessionWindow | None, Badge | None]:
    """The session's check-in window, whether `user_id` teaches a session of its class
    (the same rule as SessionQuerySet.run_by for trainers) and, in the same round trip,
    the badge `token` belongs to (a phone online uploads one scan per request). Once the
    session is closed it also reads whether a certificate of the class was issued, the
    other input of Session.scans_still_count."""
    from attendees.models import Participant
    from courses.models import Organisation

    # Looked up by name as courses.models.class_has_issued_certificates does (the rule's
    # home): certificates build on attendees, and this query only reads their table.
    certificate = apps.get_model("certificates", "Certificate")

    session, klass = _table(Session), _table(TrainingClass)
    enrollment, participant, organisation = (
        _table(Enrollment),
        _table(Participant),
        _table(Organisation),
    )
    runs_sql = _trainer_runs_sql(connection.vendor)
    sql = (
        f"SELECT s.id, s.training_class_id, s.date, s.start_time, s.end_time, "  # noqa: S608 -- names from the models, values are parameters
        f"c.late_grace_minutes, c.checkin_opens_before, c.checkin_closes_after, "
        f"CASE WHEN s.training_class_id IN ({runs_sql}) THEN 1 ELSE 0 END, "
        f"s.closed_at, CASE WHEN s.closed_at IS NULL THEN 0 ELSE (SELECT COUNT(*) FROM "
        f"(SELECT 1 FROM {_table(certificate)} WHERE training_class_id = s.training_class_id "
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
    # (SQLite returns text; converting through the fields costs more than the query.)
    day = day if isinstance(day, datetime.date) else datetime.date.fromisoformat(day)
    start = start if isinstance(start, datetime.time) else datetime.time.fromisoformat(start)
    end = end if isinstance(end, datetime.time) else datetime.time.fromisoformat(end)
    times = Session.checkin_times(
        day=day,
        start=start,
        end=end,
        opens_before=before,
        closes_after=after,
        late_grace=grace,
    )
    window = SessionWindow(
        id=sid,
        training_class_id=class_id,
        opens=times.opens,
        closes=times.closes,
        late_after=times.late_after,
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


@functools.cache
def _insert_fields(model, vendor: str) -> tuple[tuple[object, str, str], ...]:
    """(field, attname, quoted column) of every concrete column of `model` but the key, in
    the model's order: read from _meta once per engine, not per scan."""
    return tuple(
        (field, field.attname, connection.ops.quote_name(field.column))
        for field in model._meta.concrete_fields
        if not field.primary_key
    )


def _row(model, values: dict, expressions: dict | None = None) -> tuple[str, str, list]:
    """(columns, placeholders, params) to insert one row of `model`: every concrete column
    but the key, from the model's own field list, valued from `values` (by attname) or
    else the field's default, prepared by the field itself. `expressions` gives a column
    SQL of its own instead of a placeholder: ``{attname: (sql, params)}``."""
    db = connections[DEFAULT_DB_ALIAS]
    expressions = expressions or {}
    columns, placeholders, params = [], [], []
    for field, name, column in _insert_fields(model, db.vendor):
        if name in expressions:
            sql, extra = expressions[name]
            placeholders.append(sql)
            params.extend(extra)
        elif name in values:
            placeholders.append("%s")
            params.append(field.get_db_prep_save(values[name], db))
        elif field.has_default() or not field.has_db_default():
            placeholders.append("%s")
            params.append(field.get_db_prep_save(field.get_default(), db))
        else:
            continue  # the database fills it in
        columns.append(column)
    return ", ".join(columns), ", ".join(placeholders), params


def _scan_values(record: ScanRecord, result: str | None) -> dict:
    values = {
        "nonce": record.nonce,
        "token": record.token,
        "session_id": record.session_id,
        "enrollment_id": record.enrollment_id,
        "device": record.device,
        "operator_id": record.operator_id,
        "scanned_at": record.scanned_at,
        "received_at": record.received_at,
        "clock_skew_seconds": record.skew_seconds,
        "clock_flagged": record.flagged,
    }
    if result is not None:
        values["result"] = result
    return values


def _attendance_values(record: ScanRecord, status: str) -> dict:
    return {
        "enrollment_id": record.enrollment_id,
        "session_id": record.session_id,
        "status": status,
        "first_scan_at": record.scanned_at,
        "reason": "",
        "updated_at": timezone.now(),
        "updated_by_id": record.operator_id,
    }


def record(scan: ScanRecord, *, status: str) -> tuple[str, str]:
    """Record a scan that counts, with the attendance it makes: the person's first (with
    `status`), or a repeat merged into theirs (merge_repeat_scan). Returns (result, the
    person's status afterwards). A replayed nonce raises IntegrityError and changes
    nothing. On PostgreSQL each case is one statement (one round trip); elsewhere a
    transaction of a few portable ones."""
    if connection.vendor == "postgresql":
        with _one_statement():
            if _insert_first_scan(scan, status=status):
                return status, status
        with _one_statement():
            repeat = _record_repeat_scan(scan, status=status)
        if repeat is not None:
            return repeat
        # No attendance row after all (it was removed in between): the portable way.
    with transaction.atomic():
        if _insert_attendance_if_new(scan, status=status):
            result, current = status, status
        else:
            upgraded, current = merge_repeat_scan(scan, status=status)
            result = status if upgraded else ScanResult.ALREADY_RECORDED
        insert_scan(scan, result=result)
    return result, current


def record_refusal(scan: ScanRecord, *, result: str) -> None:
    """Record a scan that changes nothing (its `result` says why). A replayed nonce
    raises IntegrityError."""
    with _one_statement():
        insert_scan(scan, result=result)


def _one_statement():
    """A single statement is atomic by itself; inside an outer transaction (a test, or a
    caller's atomic block) it still needs a savepoint to fail cleanly."""
    return transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext()


def insert_scan(record: ScanRecord, *, result: str) -> None:
    """Record the scan. Its nonce is unique: a replay raises IntegrityError here."""
    columns, values, params = _row(ScanEvent, _scan_values(record, result))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_table(ScanEvent)} ({columns}) VALUES ({values})",  # noqa: S608 -- names from the models, values are parameters
            params,
        )


def _insert_attendance_if_new(record: ScanRecord, *, status: str) -> bool:
    """Insert the first attendance of a person at a session; False if one exists already
    (the unique constraint decides, so two devices racing cannot both insert)."""
    columns, values, params = _row(Attendance, _attendance_values(record, status))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_table(Attendance)} ({columns}) VALUES ({values}) "  # noqa: S608 -- names from the models, values are parameters
            "ON CONFLICT (enrollment_id, session_id) DO NOTHING RETURNING id",
            params,
        )
        return cursor.fetchone() is not None


def _insert_first_scan(record: ScanRecord, *, status: str) -> bool:
    """PostgreSQL only: a person's first attendance and its scan in one statement (a
    data-modifying CTE). False, with nothing written, if the person is already recorded."""
    a_columns, a_values, a_params = _row(Attendance, _attendance_values(record, status))
    s_columns, s_values, s_params = _row(ScanEvent, _scan_values(record, status))
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH a AS (INSERT INTO {_table(Attendance)} ({a_columns}) "  # noqa: S608 -- names from the models, values are parameters
            f"VALUES ({a_values}) ON CONFLICT (enrollment_id, session_id) DO NOTHING RETURNING id) "
            f"INSERT INTO {_table(ScanEvent)} ({s_columns}) SELECT {s_values} FROM a RETURNING id",
            a_params + s_params,
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
        upgraded = current in UPGRADABLE
        if upgraded or later:
            cursor.execute(
                f"UPDATE {table} SET status = %s, first_scan_at = %s, "  # noqa: S608
                "reason = CASE WHEN %s THEN '' ELSE reason END, updated_at = %s "
                "WHERE enrollment_id = %s AND session_id = %s",
                [status, at, upgraded, _prep(Attendance, "updated_at", timezone.now()), *key],
            )
            current = status
    return upgraded, current


def _record_repeat_scan(record: ScanRecord, *, status: str) -> tuple[str, str] | None:
    """PostgreSQL only: merge_repeat_scan and insert_scan as one statement (and one round
    trip). Returns (result, status afterwards), or None if the person has no attendance
    row after all. A replayed nonce fails the whole statement: nothing changes."""
    attendance, scan = _table(Attendance), _table(ScanEvent)
    at = _prep(Attendance, "first_scan_at", record.scanned_at)
    upgradable = ", ".join(["%s"] * len(UPGRADABLE))
    columns, values, params = _row(
        ScanEvent,
        _scan_values(record, None),
        {
            "result": (
                f"CASE WHEN old.status IN ({upgradable}) THEN %s ELSE %s END",
                [*UPGRADABLE, status, ScanResult.ALREADY_RECORDED],
            )
        },
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH old AS (SELECT id, status, first_scan_at FROM {attendance} "  # noqa: S608 -- names from the models, values are parameters
            "WHERE enrollment_id = %s AND session_id = %s FOR UPDATE), "
            f"upd AS (UPDATE {attendance} a SET status = %s, first_scan_at = %s, updated_at = %s, "
            f"reason = CASE WHEN old.status IN ({upgradable}) THEN '' ELSE a.reason END "
            f"FROM old WHERE a.id = old.id AND (old.status IN ({upgradable}) OR old.first_scan_at > %s) "
            "RETURNING a.status) "
            f"INSERT INTO {scan} ({columns}) SELECT {values} FROM old "
            "RETURNING result, COALESCE((SELECT status FROM upd), (SELECT status FROM old))",
            [
                record.enrollment_id,
                record.session_id,
                status,
                at,
                _prep(Attendance, "updated_at", timezone.now()),
                *UPGRADABLE,
                *UPGRADABLE,
                at,
                *params,
            ],
        )
        row = cursor.fetchone()
    return (row[0], row[1]) if row else None
