import datetime
import unicodedata
from dataclasses import dataclass

import pytest
from django.utils import timezone

from attendees.models import Attendance, Enrollment
from courses.models import Session, TrainingClass
from tests import factories as f


@dataclass
class Held:
    klass: TrainingClass
    sessions: list[Session]
    full: Enrollment  # 5/5
    four: Enrollment  # 4/5 = 80 %: qualifies exactly at the threshold
    excused: Enrollment  # 3 present + 1 excused + 1 absent: 60 %, 80 % if excused counts
    low: Enrollment  # 2/5


def _mark(enrollment, sessions, statuses):
    for session, status in zip(sessions, statuses, strict=True):
        at = None
        if status in ("present", "late"):
            at = timezone.make_aware(datetime.datetime.combine(session.date, session.start_time))
        Attendance.objects.create(
            enrollment=enrollment,
            session=session,
            status=status,
            first_scan_at=at,
            reason="Ốm" if status == "excused" else "",
        )


@pytest.fixture
def held(world) -> Held:
    """world.class_a with five closed sessions and four people of unit_a."""
    klass = world.class_a
    klass.sessions.all().delete()
    times = [(7, 30, 11, 0), (13, 30, 17, 0)]
    sessions = []
    for i in range(5):
        h1, m1, h2, m2 = times[i % 2]
        sessions.append(
            f.session(
                klass,
                date=klass.start_date + datetime.timedelta(days=i // 2),
                start_time=datetime.time(h1, m1),
                end_time=datetime.time(h2, m2),
                trainers=[world.trainer.trainer],
            )
        )
    org = world.unit_a
    people = {
        # Arrives decomposed (NFD), as some keyboards and old files send it: stored NFC.
        "full": f.participant(org, full_name=unicodedata.normalize("NFD", "Nguyễn Thị Hường")),
        "four": f.participant(org, full_name="Lò Văn Ánh", date_of_birth=None),
        "excused": f.participant(org, full_name="Đặng Quốc Bảo", gender="male"),
        "low": f.participant(org, full_name="Vàng A Dơ"),
    }
    enrollments = {key: f.enrollment(klass, org, person) for key, person in people.items()}
    P, A, E, L = "present", "absent", "excused", "late"
    _mark(enrollments["full"], sessions, [P, P, L, P, P])
    _mark(enrollments["four"], sessions, [P, P, P, A, P])
    _mark(enrollments["excused"], sessions, [P, E, P, A, P])
    _mark(enrollments["low"], sessions, [A, P, A, A, P])
    Session.objects.filter(pk__in=[s.pk for s in sessions]).update(closed_at=timezone.now())
    for s in sessions:
        s.refresh_from_db()
    return Held(klass=klass, sessions=sessions, **enrollments)
