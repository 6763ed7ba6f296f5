"""The reports benchmark's hand-written SQL floors must give what the reports give, or the
benchmark measures a wrong answer. The national generator closes every session of every
class and no class counts excused absences, so `make bench` alone would not notice a
floor that ignores those rules: this tiny year bends them (a class still running, one
with sessions not held yet, one with nothing held, one counting excused absences, a
practice class) and asks the benchmark's own checks."""

import io

import pytest

from accounts.models import User
from attendees.models import Attendance, Enrollment
from bench import reports as bench
from bench.generate_national import generate_national
from certificates.models import CertificateSettings
from courses.models import Session, TrainingClass
from reports.exports import year_workbook
from reports.queries import category_summary, class_matrix, classes_for_year, unit_summary

YEAR = 2024


def _bend_the_rules() -> list[TrainingClass]:
    classes = list(TrainingClass.objects.filter(year=YEAR).order_by("code"))
    excused, running, half_held, not_held, practice = classes[:5]
    # Excused absences count in one class.
    CertificateSettings.objects.create(
        training_class=excused,
        excused_counts=True,
        issuer=excused.organiser,
        issuing_body="SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
        issue_place="Lai Châu",
    )
    someone = excused.enrollments.order_by("pk").first()
    Attendance.objects.filter(
        enrollment=someone, session=excused.sessions.order_by("date", "start_time").first()
    ).update(status="excused")
    # A class still running: its last session has marks but is not closed (held, not
    # final: eligibility is not decided yet).
    last = running.sessions.order_by("-date", "-start_time").first()
    Session.objects.filter(pk=last.pk).update(closed_at=None)
    # A class whose last two sessions have not taken place (open, no marks).
    later = list(half_held.sessions.order_by("-date", "-start_time")[:2])
    Session.objects.filter(pk__in=[s.pk for s in later]).update(closed_at=None)
    Attendance.objects.filter(session__in=later).delete()
    # A class with nothing held: its rates read "chưa tổ chức".
    not_held.sessions.update(closed_at=None)
    Attendance.objects.filter(session__training_class=not_held).delete()
    # A practice class counts in no official figure.
    TrainingClass.objects.filter(pk=practice.pk).update(is_practice=True)
    return [excused, running, half_held, not_held]


@pytest.mark.django_db(transaction=True)
def test_report_floors_follow_the_attendance_rules():
    generate_national(
        provinces=1,
        classes_per_province=6,
        participants_per_class=12,
        sessions_per_class=6,
        units_per_province=3,
        year=YEAR,
    )
    bent = _bend_the_rules()
    coordinator = User.objects.get(username="bench-coordinator")
    visible = Enrollment.objects.visible_to(coordinator)

    for klass in bent:
        matrix = class_matrix(klass, visible)
        floor = bench.matrix_floor(klass.pk)
        bench._check_matrix(matrix, floor)
    # The bent classes read what the rules say (the floors are not trivially equal).
    # A floor row: (id, name, unit, category, statuses, attended, held, rate, eligible, …).
    first = {k.code: bench.matrix_floor(k.pk) for k in bent}
    excused, running, half_held, not_held = (first[k.code] for k in bent)
    marked = next(r for r in excused if r[4][0] == "excused")
    assert marked[5] == sum(1 for s in marked[4] if s in ("present", "late", "excused"))
    assert marked[8] is not None  # final: decided
    assert running[0][6] == 6 and running[0][8] is None
    assert half_held[0][6] == 4 and half_held[0][8] is None
    assert (not_held[0][6], not_held[0][7], not_held[0][8]) == (0, bench.NOT_HELD, None)

    classes = classes_for_year(YEAR, coordinator)
    bench._check_units(unit_summary(classes, coordinator), bench.unit_floor(YEAR))
    categories = category_summary(classes, coordinator)
    floor = bench.category_floor(YEAR)
    assert [
        (r.key.pk, *(getattr(r, f) for f in bench.SUMMARY_FIELDS)) for r in categories.rows
    ] == [(r[0], *r[2:]) for r in floor]

    real, ours = io.BytesIO(), io.BytesIO()
    year_workbook(YEAR, coordinator, real)
    bench.export_floor(YEAR, ours)
    counts = bench._check_export(real.getvalue(), ours.getvalue())
    assert counts["Theo lớp"] == 5 + 1  # five official classes and the totals
    by_class = {row[1]: row for row in bench.data_rows(real.getvalue())["Theo lớp"]}
    assert bench.NOT_HELD in by_class[bent[3].code]
