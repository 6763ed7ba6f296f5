"""The benchmark's data generators write every column of their tables themselves (COPY /
executemany), so a new model field breaks them only when `make bench` runs. A tiny year
here catches that in the suite instead."""

import pytest

from attendees.models import Attendance, Enrollment, Participant
from bench.generate_national import generate_national


@pytest.mark.django_db(transaction=True)
def test_national_generator_fills_every_column_at_a_tiny_size():
    counts = generate_national(
        provinces=1,
        classes_per_province=2,
        participants_per_class=4,
        sessions_per_class=2,
        units_per_province=2,
        year=2024,
    )
    assert counts["participants"] == Participant.objects.count() > 0
    assert counts["enrollments"] == Enrollment.objects.count() > 0
    assert counts["attendance"] == Attendance.objects.count() > 0
    # Not one of the generated people is held as a possible duplicate.
    assert not Participant.objects.filter(possible_duplicate_of__isnull=False).exists()
