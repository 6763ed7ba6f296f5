import datetime

import pytest
from django.utils import timezone

from attendees.models import Attendance
from tests import factories as f


def mark(enrollment, session, status):
    at = None
    if status in ("present", "late"):
        at = timezone.make_aware(datetime.datetime.combine(session.date, session.start_time))
    return Attendance.objects.create(
        enrollment=enrollment, session=session, status=status, first_scan_at=at
    )


@pytest.fixture
def year(world):
    """class_a (2023) with 3 sessions; unit_a: Ánh (3/3), Hường (2/3, one late);
    unit_b (has a quota too): Dơ (1/3, one excused)."""
    klass = world.class_a
    s1 = world.session_a
    s2 = f.session(klass, start_time=datetime.time(13, 30), end_time=datetime.time(17, 0))
    s3 = f.session(klass, date=klass.start_date + datetime.timedelta(days=1))
    f.quota(klass, world.unit_b, "b", seats=5)
    anh = f.enrollment(klass, world.unit_a, f.participant(world.unit_a, full_name="Lò Văn Ánh"))
    huong = f.enrollment(
        klass, world.unit_a, f.participant(world.unit_a, full_name="Nguyễn Thị Hường")
    )
    do = f.enrollment(klass, world.unit_b, f.participant(world.unit_b, full_name="Vàng A Dơ"), "b")
    for s in (s1, s2, s3):
        mark(anh, s, "present")
    mark(huong, s1, "late")
    mark(huong, s2, "present")
    mark(huong, s3, "absent")
    mark(do, s1, "present")
    mark(do, s2, "excused")
    return {"klass": klass, "sessions": [s1, s2, s3], "anh": anh, "huong": huong, "do": do}
