"""The numbers behind the reports, checked against counts made by hand."""

import datetime
import random

import pytest
from django.utils import timezone

from attendees.models import Enrollment
from certificates import services as certificate_services
from courses.models import Session, TrainingClass
from courses.vietnamese import collation_key, person_sort_key
from reports.queries import (
    ATTENDED,
    absentees,
    category_summary,
    class_matrix,
    class_rates,
    classes_for_year,
    unit_summary,
)
from tests import factories as f
from tests.reports.conftest import mark

pytestmark = pytest.mark.django_db

NAMES = ("Lò Văn Ánh", "Nguyễn Thị Hường", "Vàng A Dơ", "Đặng Thị Ân", "Lý Seo Chà")


def test_matrix_has_every_status_in_session_order_and_name_order(world, year):
    m = class_matrix(year["klass"], Enrollment.objects.visible_to(world.coordinator))
    names = [r.full_name for r in m.rows]
    assert names == ["Lò Văn Ánh", "Vàng A Dơ", "Nguyễn Thị Hường"]  # Ánh, Dơ, Hường
    by_name = dict(zip(names, m.rows, strict=True))
    assert by_name["Nguyễn Thị Hường"].statuses == ["late", "present", "absent"]
    assert by_name["Vàng A Dơ"].statuses == ["present", "excused", None]
    # Every session has marks, so all three are held; none is closed, so eligibility is
    # not decided yet (attendees.rules).
    assert (str(by_name["Lò Văn Ánh"].rate), by_name["Lò Văn Ánh"].eligible) == ("100%", None)
    assert str(by_name["Nguyễn Thị Hường"].rate) == "66,7%"
    assert m.present_per_session == [3, 2, 1]
    Session.objects.filter(training_class=year["klass"]).update(closed_at=timezone.now())
    m = class_matrix(year["klass"], Enrollment.objects.visible_to(world.coordinator))
    by_name = {r.full_name: r for r in m.rows}
    assert by_name["Lò Văn Ánh"].eligible is True
    assert by_name["Nguyễn Thị Hường"].eligible is False


def test_matrix_shows_the_valid_certificate_in_three_queries(
    world, year, django_assert_num_queries
):
    """Ánh's first certificate was replaced: the matrix shows the new number (one row for
    her, not one per certificate); nobody else holds one."""
    Session.objects.filter(training_class=year["klass"]).update(closed_at=timezone.now())
    first, _ = certificate_services.certificate_issue(
        actor=world.coordinator, enrollment=year["anh"]
    )
    second = certificate_services.certificate_reissue(
        actor=world.coordinator, certificate=first, reason="Sai chính tả họ tên"
    )
    # A replacement takes its number from the register of the year it is issued in, so
    # the printed number may repeat an earlier year's; the register entry never does.
    assert (first.series_id, first.number) != (second.series_id, second.number)
    klass = TrainingClass.objects.get(pk=year["klass"].pk)
    with django_assert_num_queries(3):  # sessions, whether excused counts, the rows
        m = class_matrix(klass, Enrollment.objects.visible_to(world.coordinator))
    assert [(r.enrollment_id, r.certificate_number) for r in m.rows] == [
        (year["anh"].pk, second.register_number),
        (year["do"].pk, None),
        (year["huong"].pk, None),
    ]
    assert [(r.unit, r.category, r.attended, r.total) for r in m.rows] == [
        (world.unit_a.name, "a", 3, 3),
        (world.unit_b.name, "b", 1, 3),
        (world.unit_a.name, "a", 2, 3),
    ]


def test_a_unit_sees_only_its_own_people_and_numbers(world, year):
    m = class_matrix(year["klass"], Enrollment.objects.visible_to(world.nominator_a))
    assert {r.unit for r in m.rows} == {world.unit_a.name}
    classes = classes_for_year(2023, world.nominator_a)
    units = unit_summary(classes, world.nominator_a)
    assert [r.key for r in units.rows] == [world.unit_a]
    categories = category_summary(classes, world.nominator_a)
    assert sum(r.enrolled for r in categories.rows) == 2
    assert set(absentees(classes, world.nominator_a)) == {world.unit_a}


def test_unit_summary_numbers(world, year):
    classes = TrainingClass.objects.filter(pk=year["klass"].pk)
    units = {r.key: r for r in unit_summary(classes, world.coordinator).rows}
    a, b = units[world.unit_a], units[world.unit_b]
    assert (a.enrolled, a.participants, a.due_sessions, a.attended_sessions) == (2, 2, 6, 5)
    assert str(a.rate) == "83,3%"
    # 5 seats in category c from the world, 5 in b from this year.
    assert (b.seats, b.enrolled, b.participants, b.attended_sessions) == (10, 1, 1, 1)
    assert str(b.rate) == "33,3%"
    total = unit_summary(classes, world.coordinator).total
    assert (total.enrolled, total.attended_sessions, total.due_sessions) == (3, 6, 9)


def test_category_summary_numbers(world, year):
    classes = TrainingClass.objects.filter(pk=year["klass"].pk)
    rows = {r.key.code: r for r in category_summary(classes, world.coordinator).rows}
    assert (rows["a"].enrolled, rows["b"].enrolled) == (2, 1)
    assert rows["b"].seats == 5


def test_absentees_list_who_missed_what(world, year):
    classes = TrainingClass.objects.filter(pk=year["klass"].pk)
    result = absentees(classes, world.coordinator)
    assert list(result) == [world.unit_a, world.unit_b]  # Mường Tè before Phong Thổ
    [huong] = result[world.unit_a]
    assert huong.enrollment == year["huong"]
    assert [st for _s, st in huong.missed] == ["absent"]
    [do] = result[world.unit_b]
    assert [st for _s, st in do.missed] == ["excused", None]


def test_class_rates_in_one_pass(world, year, django_assert_max_num_queries):
    classes = classes_for_year(2023, world.coordinator)
    with django_assert_max_num_queries(7):  # grouped queries, whatever the number of classes
        rates = {r.training_class.code: r for r in class_rates(classes, world.coordinator)}
    t = rates[year["klass"].code].tally
    assert (t.enrolled, t.due_sessions, t.attended_sessions) == (3, 9, 6)
    assert str(rates[year["klass"].code].rate) == "66,7%"


STATUSES = ("present", "late", "excused", "absent", None)


@pytest.mark.parametrize("seed", [7, 2024])
def test_absentees_over_a_year_match_a_count_by_hand(world, seed, django_assert_max_num_queries):
    """Two classes, people of both units with random statuses (or nothing recorded), a
    session closed with nobody recorded and one not held yet: the absentees, worked out
    by the database, are exactly who a plain walk over every (person, session) finds —
    for the coordinator and for a unit, in a bounded number of queries."""
    rng = random.Random(seed)
    day = datetime.timedelta(days=1)
    grid = {}  # enrollment → {session: status}
    held, sessions_of = set(), {}
    f.quota(world.class_b, world.unit_a, "a", 10)  # both units have seats in both classes
    for klass in (world.class_a, world.class_b):
        ss = list(klass.sessions.all())
        afternoon = {"start_time": datetime.time(13, 30), "end_time": datetime.time(17)}
        ss.append(f.session(klass, **afternoon))
        ss.append(f.session(klass, date=klass.start_date + day))
        closed = f.session(klass, date=klass.start_date + day, **afternoon)
        Session.objects.filter(pk=closed.pk).update(closed_at=timezone.now())
        ss.append(closed)
        # Nothing recorded and not closed: not held yet, so nobody missed it.
        f.session(klass, date=klass.start_date + 2 * day)
        sessions_of[klass.pk] = ss
        for n in range(6):
            unit = (world.unit_a, world.unit_b)[n % 2]
            person = f.participant(unit, full_name=f"{rng.choice(NAMES)} {n} {klass.pk}")
            e = f.enrollment(klass, unit, person)
            grid[e] = {}
            for s in ss[:-1]:  # the closed session: nobody recorded
                status = rng.choice(STATUSES)
                grid[e][s] = status
                if status:
                    mark(e, s, status)
                    held.add(s)
        held.add(closed)

    for user in (world.coordinator, world.nominator_a):
        expected = {}
        for e, statuses in grid.items():
            if user == world.nominator_a and e.organisation != world.unit_a:
                continue
            ss = [s for s in sessions_of[e.training_class_id] if s in held]
            missed = [(s.pk, statuses.get(s)) for s in ss if statuses.get(s) not in ATTENDED]
            if missed:
                expected[e.pk] = (e.organisation.name, missed, len(ss))
        with django_assert_max_num_queries(3):  # held sessions, the misses, the people
            result = absentees(classes_for_year(2023, user), user)
            got = {
                a.enrollment.pk: (unit.name, [(s.pk, st) for s, st in a.missed], a.total)
                for unit, people in result.items()
                for a in people
            }
            names = {
                unit.name: [a.enrollment.participant.full_name for a in people]
                for unit, people in result.items()
            }
        assert got == expected
        assert expected  # the random grid has absentees to find
        for people in names.values():
            assert people == sorted(people, key=person_sort_key)
        assert list(names) == sorted(names, key=collation_key)


def test_absentees_leave_out_who_attended_everything_held(world, year):
    """Ánh attended all three sessions: not listed, however many sessions are planned."""
    f.session(year["klass"], date=year["klass"].start_date + datetime.timedelta(days=2))
    result = absentees(TrainingClass.objects.filter(pk=year["klass"].pk), world.coordinator)
    listed = {a.enrollment.pk: a for people in result.values() for a in people}
    assert set(listed) == {year["huong"].pk, year["do"].pk}
    assert {a.total for a in listed.values()} == {3}  # the planned fourth was not held
