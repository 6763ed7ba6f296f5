"""Issue #14: the certificate register is numbered in the order a clerk expects (it was
"005 Bùi Thu Ánh, 006 Đặng Văn Anh"), and the merged PDF prints in that order."""

import datetime
import unicodedata

import pytest
from django.utils import timezone
from pypdf import PdfReader

from attendees.models import Attendance
from certificates import services
from certificates.models import Certificate, CertificateBatch
from tests.name_order import EXPECTED, enrol

pytestmark = pytest.mark.django_db


def test_the_bulk_job_numbers_the_register_in_official_name_order(world):
    session = world.session_a
    at = timezone.make_aware(datetime.datetime.combine(session.date, session.start_time))
    for enrollment in enrol(world):
        Attendance.objects.create(
            enrollment=enrollment, session=session, status="present", first_scan_at=at
        )
    world.class_a.sessions.update(closed_at=timezone.now())
    batch = CertificateBatch.objects.create(
        training_class=world.class_a, requested_by=world.coordinator
    )

    services.batch_run(batch)

    register = Certificate.objects.order_by("number")
    assert [(c.number, c.full_name, c.enrollment.participant.date_of_birth) for c in register] == [
        (number, name, born) for number, (name, born) in enumerate(EXPECTED, start=1)
    ]
    assert [c.register_number[:3] for c in register][:2] == ["001", "002"]
    batch.refresh_from_db()
    pages = PdfReader(batch.merged_pdf.open("rb")).pages
    printed = [unicodedata.normalize("NFC", page.extract_text()) for page in pages]
    assert len(printed) == len(EXPECTED)
    for page, (name, _born) in zip(printed, EXPECTED, strict=True):
        assert name.upper() in page
