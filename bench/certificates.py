"""Benchmark: a class's 360 certificates as one merged, print-ready PDF.

Measured: what the print job does after issuing — read the class's valid certificates from
the register (in print order), build each one's content and draw them all on one canvas
with `certificates.pdf.merged_pdf`.
Floor: `bench/certificates_floor.py`, a bare reportlab script drawing the same strings,
fonts and QR modules on one canvas from data already in memory (no database, no layout
fitting, no frame ornaments).
Targets: ≤ 1.3× the floor per certificate, ≤ 6 KB per page of the merged file.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

N = 360
TIME_TARGET = 1.3
BYTES_TARGET = 6 * 1024


def _issue_class(n: int):
    """A held class with `n` enrollments, all sessions closed, everyone present, issued
    through the real service (setup, not timed)."""
    from accounts.models import Role, User
    from attendees.models import (
        Attendance,
        Enrollment,
        Nomination,
        NominationState,
        Participant,
    )
    from bench.certificates_floor import sample_contents
    from certificates.services import certificate_issue
    from courses.models import Organisation, ParticipantCategory, Session, TrainingClass

    klass = TrainingClass.objects.order_by("code").first()
    unit = Organisation.objects.filter(can_nominate=True).order_by("pk").first()
    category = ParticipantCategory.objects.get(code="a")
    actor = User.objects.filter(role=Role.COORDINATOR).first()
    samples = sample_contents(n)
    people = Participant.objects.bulk_create(
        [
            Participant(
                full_name=s.full_name,
                search_name=s.full_name.lower(),
                gender="female" if s.honorific == "Bà" else "male",
                date_of_birth=s.date_of_birth,
                organisation=unit,
            )
            for s in samples
        ]
    )
    nominations = Nomination.objects.bulk_create(
        [
            Nomination(
                training_class=klass,
                organisation=unit,
                category=category,
                participant=p,
                state=NominationState.APPROVED,
            )
            for p in people
        ]
    )
    enrollments = Enrollment.objects.bulk_create(
        [
            Enrollment(
                nomination=nom,
                training_class=klass,
                participant=nom.participant,
                organisation=unit,
                category=category,
            )
            for nom in nominations
        ]
    )
    sessions = list(klass.sessions.all())
    if not sessions:
        sessions = [
            Session.objects.create(
                training_class=klass,
                date=klass.start_date,
                start_time=datetime.time(7, 30),
                end_time=datetime.time(11, 0),
                topic="Chuyên đề",
                venue=klass.venue,
            )
        ]
    now = timezone.now()
    Attendance.objects.bulk_create(
        [
            Attendance(enrollment=e, session=s, status="present", first_scan_at=now)
            for e in enrollments
            for s in sessions
        ]
    )
    Session.objects.filter(training_class=klass).update(closed_at=now)
    for e in enrollments:
        certificate_issue(actor=actor, enrollment=e)
    return klass


def run(median, report) -> bool:
    from bench.certificates_floor import floor_merged_pdf
    from certificates.models import Certificate
    from certificates.pdf import merged_pdf

    klass = _issue_class(N)

    def measured() -> bytes:
        certificates = Certificate.objects.valid().filter(training_class=klass).in_print_order()
        return merged_pdf([c.content() for c in certificates])

    contents = [
        c.content()
        for c in Certificate.objects.valid().filter(training_class=klass).in_print_order()
    ]
    assert len(contents) == N

    def floor() -> bytes:
        return floor_merged_pdf(contents)

    t = median(measured, repeat=3)
    f = median(floor, repeat=3)
    ok = report(f"certificates: {N} in one PDF, per certificate", t / N, f / N, TIME_TARGET)
    size = len(measured())
    per_page = size / N
    size_ok = per_page <= BYTES_TARGET
    print(
        f"{'certificates: merged PDF size':<42} {size / 1024:7.0f}KB"
        f" {per_page / 1024:7.2f}KB/page (target ≤ {BYTES_TARGET // 1024} KB/page)"
        f" {'ok' if size_ok else 'FAIL'}"
    )
    return ok and size_ok
