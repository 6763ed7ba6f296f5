"""Issue #14: the attendance matrix (PDF and workbook) and the payment list in the order a
clerk expects, read back from the files. Namesakes are of different units, so the unit on
their row tells which one came first."""

import datetime
import io
import subprocess

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from attendees.models import Attendance
from reports.exports import class_pdf, class_workbook
from reports.payments import payment_list
from tests.name_order import EXPECTED, PEOPLE, enrol

pytestmark = pytest.mark.django_db

UNIT = {"a": "UBND huyện Mường Tè", "b": "UBND huyện Phong Thổ"}
# (name, unit) as each row reads: the namesakes' units follow from their dates of birth.
ROWS = [
    (name, UNIT[next(u for n, b, u in PEOPLE if (n, b) == (name, born))]) for name, born in EXPECTED
]


@pytest.fixture
def held(world):
    session = world.session_a
    at = timezone.make_aware(datetime.datetime.combine(session.date, session.start_time))
    for enrollment in enrol(world):
        Attendance.objects.create(
            enrollment=enrollment, session=session, status="present", first_scan_at=at
        )
    world.class_a.sessions.update(closed_at=timezone.now())
    return world.class_a


def test_attendance_matrix_pdf_lists_people_in_official_order(held, world, tmp_path):
    path = tmp_path / "matrix.pdf"
    path.write_bytes(class_pdf(held, world.coordinator, "matrix"))
    text = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    lines = [line for line in text.splitlines() if any(name in line for name, _ in ROWS)]
    found = [
        (name, unit) for line in lines for name, unit in set(ROWS) if name in line and unit in line
    ]
    assert found == ROWS


def test_attendance_matrix_sheet_lists_people_in_official_order(held, world):
    ws = load_workbook(io.BytesIO(class_workbook(held, world.coordinator)))["Điểm danh"]
    rows = [
        (row[1], row[2])
        for row in ws.iter_rows(values_only=True)
        if isinstance(row[0], int) and row[1]
    ]
    assert rows == ROWS


def test_payment_list_is_in_official_order(held, world):
    from attendees.models import Participant

    Participant.objects.update(on_state_payroll=False)
    rows = payment_list(held).rows
    assert [(r.name, r.unit) for r in rows] == ROWS
