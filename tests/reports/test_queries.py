"""The numbers behind the reports, checked against counts made by hand."""

import pytest

from attendees.models import Enrollment
from courses.models import TrainingClass
from reports.queries import (
    absentees,
    category_summary,
    class_matrix,
    class_rates,
    classes_for_year,
    unit_summary,
)

pytestmark = pytest.mark.django_db


def test_matrix_has_every_status_in_session_order_and_name_order(world, year):
    m = class_matrix(year["klass"], Enrollment.objects.visible_to(world.coordinator))
    names = [r.enrollment.participant.full_name for r in m.rows]
    assert names == ["Lò Văn Ánh", "Vàng A Dơ", "Nguyễn Thị Hường"]  # Ánh, Dơ, Hường
    by_name = dict(zip(names, m.rows, strict=True))
    assert by_name["Nguyễn Thị Hường"].statuses == ["late", "present", "absent"]
    assert by_name["Vàng A Dơ"].statuses == ["present", "excused", None]
    assert (by_name["Lò Văn Ánh"].rate, by_name["Lò Văn Ánh"].eligible) == (100, True)
    assert (by_name["Nguyễn Thị Hường"].rate, by_name["Nguyễn Thị Hường"].eligible) == (66, False)
    assert m.present_per_session == [3, 2, 1]


def test_a_unit_sees_only_its_own_people_and_numbers(world, year):
    m = class_matrix(year["klass"], Enrollment.objects.visible_to(world.nominator_a))
    assert {r.enrollment.organisation for r in m.rows} == {world.unit_a}
    classes = classes_for_year(2023, world.nominator_a)
    units = unit_summary(classes, world.nominator_a)
    assert [r.key for r in units.rows] == [world.unit_a]
    categories = category_summary(classes, world.nominator_a)
    assert sum(r.approved for r in categories.rows) == 2
    assert set(absentees(classes, world.nominator_a)) == {world.unit_a}


def test_unit_summary_numbers(world, year):
    classes = TrainingClass.objects.filter(pk=year["klass"].pk)
    units = {r.key: r for r in unit_summary(classes, world.coordinator).rows}
    a, b = units[world.unit_a], units[world.unit_b]
    assert (a.approved, a.attended, a.sessions_expected, a.sessions_attended) == (2, 2, 6, 5)
    assert a.rate == round(5 * 100 / 6, 1)
    # 5 seats in category c from the world, 5 in b from this year.
    assert (b.seats, b.approved, b.attended, b.sessions_attended, b.rate) == (10, 1, 1, 1, 33.3)
    total = unit_summary(classes, world.coordinator).total
    assert (total.approved, total.sessions_attended, total.sessions_expected) == (3, 6, 9)


def test_category_summary_numbers(world, year):
    classes = TrainingClass.objects.filter(pk=year["klass"].pk)
    rows = {r.key.code: r for r in category_summary(classes, world.coordinator).rows}
    assert (rows["a"].approved, rows["b"].approved) == (2, 1)
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
    with django_assert_max_num_queries(4):
        rates = {r.training_class.code: r for r in class_rates(classes, world.coordinator)}
    r = rates[year["klass"].code]
    assert (r.enrolled, r.sessions, r.sessions_attended, r.rate) == (3, 3, 6, round(600 / 9, 1))
