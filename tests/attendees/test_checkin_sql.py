"""The check-in hot path's SQL takes its columns from the models and its statuses from the
enums (attendees/checkin_sql.py), so a field added to a scan or an attendance (with a
default) needs no edit there, and a renamed status cannot leave a stale literal behind."""

from __future__ import annotations

import datetime
import re
import uuid
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from attendees import checkin_sql
from attendees.models import Attendance, AttendanceStatus, ScanEvent, ScanResult


def _record() -> checkin_sql.ScanRecord:
    now = timezone.now()
    return checkin_sql.ScanRecord(
        nonce=uuid.uuid4(),
        token="t",
        session_id=1,
        enrollment_id=2,
        device="d",
        operator_id=3,
        scanned_at=now - datetime.timedelta(minutes=1),
        received_at=now,
        skew_seconds=0,
        flagged=False,
    )


def _columns(model) -> list[str]:
    return [f.column for f in model._meta.concrete_fields if not f.primary_key]


def test_inserts_name_every_column_of_the_models():
    record = _record()
    for model, values in (
        (ScanEvent, checkin_sql._scan_values(record, ScanResult.PRESENT)),
        (Attendance, checkin_sql._attendance_values(record, AttendanceStatus.PRESENT)),
    ):
        columns, placeholders, params = checkin_sql._row(model, values)
        named = [c.strip().strip('"') for c in columns.split(",")]
        assert named == _columns(model), model
        assert placeholders.count("%s") == len(params) == len(named)


def test_no_status_is_spelled_in_the_sql_module():
    source = (Path(settings.BASE_DIR) / "attendees" / "checkin_sql.py").read_text()
    for value in [*AttendanceStatus.values, *ScanResult.values]:
        assert not re.search(rf"['\"]{value}['\"]", source), value
