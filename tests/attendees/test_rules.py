"""The attendance rules (attendees.rules): the words every figure is made of, and the
census that keeps them in one home."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
from django.utils import timezone

from attendees.models import Attendance, Enrollment
from attendees.rules import (
    ATTENDED,
    NOT_HELD,
    Rate,
    Tally,
    counted_q,
    counted_statuses,
    eligible,
    final_classes,
    held_classes,
    held_sessions,
    person_rate,
    tallies,
)
from certificates.eligibility import settings_for
from courses.models import Session, TrainingClass
from tests import factories as f

ROOT = Path(__file__).resolve().parents[2]
APPS = ("accounts", "attendees", "certificates", "courses", "materials", "reports")


# ---------------------------------------------------------------------------- rates


@pytest.mark.parametrize(
    ("part", "whole", "text"),
    [
        (5, 6, "83,3%"),
        (2, 3, "66,7%"),
        (1, 8, "12,5%"),  # half up, as a reader rounds (not to even: 12,5 stays)
        (1, 16, "6,3%"),  # 6.25 → 6,3 (a float would give 6,2)
        (15, 22, "68,2%"),
        (9, 9, "100%"),
        (0, 4, "0%"),
        (0, 0, NOT_HELD),
    ],
)
def test_a_rate_reads_as_documents_write_it(part, whole, text):
    assert str(Rate(part, whole)) == text


def test_a_rate_below_the_threshold_is_never_rounded_up_to_it():
    # 17 of 21 is 80.95 %: 81,0 rounded, yet short of 81 — shown as 80,9.
    assert person_rate(17, 21, 81).cell == 80.9
    assert person_rate(17, 21, 80).cell == 81.0
    assert not eligible(17, 21, 81) and eligible(17, 21, 80)
    # Integers decide: 4 of 6 (66.67 %) does not reach 67 %.
    assert not eligible(4, 6, 67) and eligible(4, 6, 66)
    assert not eligible(0, 0, 0)


def test_nothing_due_is_no_rate_not_zero():
    assert Rate(0, 0).percent is None and Rate(0, 0).cell == NOT_HELD
    assert Rate(0, 0).value is None
    assert not Rate(0, 0).below(80)  # a class not held is not "below target"
    assert Rate(3, 4).below(80) and not Rate(4, 5).below(80)


def test_tallies_add_up():
    t = Tally(enrolled=2, due_sessions=6, attended_sessions=5)
    t.add(Tally(enrolled=1, due_sessions=3, attended_sessions=1, certified=1))
    assert (t.enrolled, t.due_sessions, t.attended_sessions, t.certified) == (3, 9, 6, 1)
    assert str(t.rate) == "66,7%"


def test_excused_counts_only_where_the_class_says_so():
    assert counted_statuses(False) == ATTENDED
    assert counted_statuses(True) == (*ATTENDED, "excused")


# ---------------------------------------------------------------------------- database


@pytest.mark.django_db
def test_held_final_and_counted_by_the_database(world):
    """class_a: s1 closed, s2 with a mark only, s3 nothing → two held, not final.
    class_b: its one session closed → held and final. Excused counts in class_b only."""
    a = world.class_a
    s1 = world.session_a
    s2 = f.session(a, start_time=datetime.time(13, 30), end_time=datetime.time(17, 0))
    f.session(a, date=a.start_date + datetime.timedelta(days=1))
    b_session = Session.objects.get(training_class=world.class_b)
    ea = f.enrollment(a, world.unit_a, f.participant(world.unit_a))
    eb = f.enrollment(world.class_b, world.unit_b, f.participant(world.unit_b))
    Attendance.objects.create(enrollment=ea, session=s2, status="excused")
    Attendance.objects.create(enrollment=eb, session=b_session, status="excused")
    Session.objects.filter(pk__in=[s1.pk, b_session.pk]).update(closed_at=timezone.now())
    settings = settings_for(world.class_b)
    settings.excused_counts = True
    settings.save()

    classes = TrainingClass.objects.filter(pk__in=[a.pk, world.class_b.pk, world.class_planning.pk])
    held = held_sessions(Session.objects.filter(training_class__in=classes))
    assert set(held) == {s1, s2, b_session}
    assert set(held_classes(classes)) == {a, world.class_b}
    assert final_classes(classes) == {world.class_b.pk}
    counted = Attendance.objects.filter(counted_q({world.class_b.pk}))
    assert list(counted.values_list("enrollment", flat=True)) == [eb.pk]

    by_class = tallies(Enrollment.objects.all(), classes, by="training_class")
    assert (by_class[a.pk].due_sessions, by_class[a.pk].attended_sessions) == (2, 0)
    assert str(by_class[a.pk].rate) == "0%"  # held, nobody counted: a real 0 %
    assert (by_class[world.class_b.pk].due_sessions, by_class[world.class_b.pk].rate.cell) == (
        1,
        100.0,
    )
    assert by_class[world.class_b.pk].final_enrolled == 1
    assert world.class_planning.pk not in by_class


# ---------------------------------------------------------------------------- census


def _sources():
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts or path.name == "rules.py":
                continue
            yield path, path.read_text(encoding="utf-8")


CENSUS = {
    # Which marks count: ATTENDED and counted_statuses live in attendees.rules.
    "a status tuple": re.compile(r"\(\s*AttendanceStatus\.PRESENT\s*,\s*AttendanceStatus\.LATE"),
    "an ATTENDED constant": re.compile(r"^\s*ATTENDED\s*=", re.M),
    "a literal status list": re.compile(r"status__in=\(?\[?\s*[\"']present[\"']"),
    # When a session is held: held_q / held_sessions / is_held.
    "a held-session query": re.compile(r"closed_at__isnull=False\)\s*\|"),
    "a class-state notion of held": re.compile(r"HELD_STATES"),
    # How a rate is computed: Rate / person_rate / Tally.rate.
    "a hand-made percentage": re.compile(r"\*\s*100\s*/\s*\w+|\*\s*100\s*//"),
    "a hand-made eligibility": re.compile(r"\*\s*100\s*>=\s*\w+\s*\*"),
}
# Progress bars of background jobs are a percentage of work done, not an attendance rate.
ALLOWED = {
    ("certificates/models.py", "a hand-made percentage"),
    ("reports/models.py", "a hand-made percentage"),
    ("materials/stats.py", "a hand-made percentage"),
    # A database constraint (a scan time for every present/late mark) must spell its
    # values out for its migration; it says what a scan stores, not what counts.
    ("attendees/models.py", "a literal status list"),
}


def test_no_other_module_defines_the_attendance_words():
    found = []
    for path, text in _sources():
        rel = path.relative_to(ROOT).as_posix()
        for what, pattern in CENSUS.items():
            if pattern.search(text) and (rel, what) not in ALLOWED:
                found.append(f"{rel}: {what}")
    assert found == []
