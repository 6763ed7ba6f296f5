"""Coordinator pages: what gets saved, what gets refused and how the refusal reads."""

import pytest
from django.urls import reverse

from certificates.models import Certificate, RegisterSeries
from courses.models import AuditLog, Quota, Session, TrainingClass
from tests import factories as f


@pytest.fixture
def coord(client, world):
    client.force_login(world.coordinator)
    return client


def _class_form(world, **overrides):
    data = {
        "code": "TTDN-2023-L9",
        "title": "Lớp bồi dưỡng thử",
        "plan": world.class_a.plan_id,
        "organiser": world.class_a.organiser_id,
        "venue": world.class_a.venue_id,
        "start_date": "05/12/2023",
        "end_date": "07/12/2023",
        "capacity": "90",
        "certificate_threshold": "80",
        "late_grace_minutes": "15",
    }
    return {**data, **overrides}


def test_coordinator_creates_a_class_with_vietnamese_dates(coord, world):
    response = coord.post(reverse("courses:class-create"), _class_form(world))
    assert response.status_code == 302
    klass = TrainingClass.objects.get(code="TTDN-2023-L9")
    assert (klass.start_date.day, klass.start_date.month, klass.year) == (5, 12, 2023)
    log = AuditLog.objects.get(action="class.create")
    assert log.actor == world.coordinator and log.target_id == str(klass.pk)


def test_class_ending_before_start_shows_vietnamese_error_on_end_date(coord, world):
    response = coord.post(
        reverse("courses:class-create"), _class_form(world, end_date="01/12/2023")
    )
    assert response.status_code == 200
    assert "end_date" in response.context["form"].errors
    assert "Ngày kết thúc" in response.context["form"].errors["end_date"][0]
    assert not TrainingClass.objects.filter(code="TTDN-2023-L9").exists()


def test_unreadable_date_is_explained(coord, world):
    response = coord.post(
        reverse("courses:class-create"), _class_form(world, start_date="12/31/2023")
    )
    assert "start_date" in response.context["form"].errors
    assert not TrainingClass.objects.filter(code="TTDN-2023-L9").exists()


def test_session_outside_class_dates_is_refused_with_the_dates(coord, world):
    url = reverse("courses:session-create", args=[world.class_a.code])
    before = Session.objects.count()
    response = coord.post(
        url,
        {
            "date": "01/01/2023",
            "start_time": "07:30",
            "end_time": "11:00",
            "topic": "X",
            "venue": world.class_a.venue_id,
        },
    )
    errors = response.context["form"].errors
    assert "date" in errors and world.class_a.start_date.strftime("%d/%m/%Y") in errors["date"][0]
    assert Session.objects.count() == before


def test_session_ending_before_it_starts_is_refused_on_end_time(coord, world):
    url = reverse("courses:session-create", args=[world.class_a.code])
    response = coord.post(
        url,
        {
            "date": world.class_a.start_date.strftime("%d/%m/%Y"),
            "start_time": "13:30",
            "end_time": "11:00",
            "topic": "X",
            "venue": world.class_a.venue_id,
        },
    )
    assert "end_time" in response.context["form"].errors


def test_overlapping_session_in_same_venue_is_refused(coord, world):
    url = reverse("courses:session-create", args=[world.class_a.code])
    day = world.session_a.date.strftime("%d/%m/%Y")
    response = coord.post(
        url,
        {
            "date": day,
            "start_time": "09:00",
            "end_time": "10:00",
            "topic": "Trùng giờ",
            "venue": world.class_a.venue_id,
        },
    )
    assert "start_time" in response.context["form"].errors
    assert not Session.objects.filter(topic="Trùng giờ").exists()


def test_session_is_added_with_trainers_and_audited(coord, world):
    t = f.trainer(full_name="Đặng Thị Mai")
    url = reverse("courses:session-create", args=[world.class_a.code])
    day = world.class_a.end_date.strftime("%d/%m/%Y")
    response = coord.post(
        url,
        {
            "date": day,
            "start_time": "13:30",
            "end_time": "17:00",
            "topic": "Thực hành",
            "venue": world.class_a.venue_id,
            "trainers": [t.pk],
        },
    )
    assert response.status_code == 302
    s = Session.objects.get(topic="Thực hành")
    assert list(s.trainers.all()) == [t]
    assert AuditLog.objects.filter(
        action="session.create", target_id=str(s.pk), actor=world.coordinator
    ).exists()


def test_session_delete_is_audited(coord, world):
    pk = world.session_a.pk
    coord.post(reverse("courses:session-delete", args=[pk]), {"confirm": "yes"})
    assert not Session.objects.filter(pk=pk).exists()
    assert AuditLog.objects.filter(action="session.delete", target_id=str(pk)).exists()


def _grid(world, klass, values):
    form_url = reverse("courses:quota-edit", args=[klass.code])
    return form_url, {f"q_{org.pk}_{f.category(code).pk}": n for (org, code), n in values.items()}


def test_quota_grid_moves_seats_between_units(coord, world):
    url, data = _grid(world, world.class_a, {(world.unit_a, "a"): 10, (world.unit_b, "c"): 80})
    response = coord.post(url, data)
    assert response.status_code == 302
    seats = {
        (q.organisation_id, q.category.code): q.seats
        for q in Quota.objects.filter(training_class=world.class_a)
    }
    assert seats == {(world.unit_a.pk, "a"): 10, (world.unit_b.pk, "c"): 80}
    assert AuditLog.objects.filter(action="quota.update", actor=world.coordinator).count() == 1


def test_quota_grid_above_capacity_names_the_total_and_saves_nothing(coord, world):
    url, data = _grid(world, world.class_a, {(world.unit_a, "a"): 60, (world.unit_b, "c"): 31})
    response = coord.post(url, data)
    assert response.status_code == 200
    error = str(response.context["form"].non_field_errors())
    assert "91" in error and "90" in error
    assert Quota.objects.get(training_class=world.class_a, organisation=world.unit_a).seats == 30


def test_zero_removes_a_quota(coord, world):
    url, data = _grid(world, world.class_a, {(world.unit_b, "c"): 0})
    coord.post(url, data)
    assert not Quota.objects.filter(
        training_class=world.class_a, organisation=world.unit_b
    ).exists()


def test_negative_quota_is_refused(coord, world):
    url, data = _grid(world, world.class_a, {(world.unit_a, "a"): -1})
    response = coord.post(url, data)
    assert response.status_code == 200
    assert Quota.objects.get(training_class=world.class_a, organisation=world.unit_a).seats == 30


def test_capacity_below_allocated_quotas_is_refused_on_capacity(coord, world):
    data = _class_form(
        world,
        code=world.class_a.code,
        capacity="20",
        start_date=world.class_a.start_date.strftime("%d/%m/%Y"),
        end_date=world.class_a.end_date.strftime("%d/%m/%Y"),
    )
    response = coord.post(reverse("courses:class-edit", args=[world.class_a.code]), data)
    assert "capacity" in response.context["form"].errors
    world.class_a.refresh_from_db()
    assert world.class_a.capacity == 90


def test_state_moves_forward_and_is_audited(coord, world):
    url = reverse("courses:class-change-state", args=[world.class_a.code])
    coord.post(url, {"state": "running"})
    world.class_a.refresh_from_db()
    assert world.class_a.state == "running"
    assert AuditLog.objects.get(action="class.state").changes == {
        "state": ["nominating", "running"]
    }
    coord.post(url, {"state": "planning"})  # running cannot go back to planning
    world.class_a.refresh_from_db()
    assert world.class_a.state == "running"


def test_dashboard_shows_fill_rate_and_next_session(coord, world):
    body = coord.get(reverse("courses:dashboard") + "?year=2023").content.decode()
    assert "35/90" in body  # unit A 30 + unit B 5 in class A


def test_dashboard_shows_the_latest_year_and_offers_the_others(coord, world):
    # The class cards, not the whole page: "waiting for you" above them spans the years.
    def card(k):
        return f'data-class-code="{k.code}"'

    body = coord.get(reverse("courses:dashboard")).content.decode()
    assert card(world.class_planning) in body  # 2024 is the latest year
    assert card(world.class_a) not in body
    assert "?year=2023" in body
    body = coord.get(reverse("courses:dashboard") + "?year=2023").content.decode()
    assert card(world.class_a) in body and card(world.class_planning) not in body


def test_dashboard_pages_through_many_classes(coord, world):
    from courses.views import DASHBOARD_PAGE_SIZE

    for i in range(DASHBOARD_PAGE_SIZE + 1):
        f.training_class(
            code=f"X-{i:02d}", venue=world.class_a.venue, start_date=world.class_a.start_date
        )
    first = coord.get(reverse("courses:dashboard") + "?year=2023")
    assert len(first.context["rows"]) == DASHBOARD_PAGE_SIZE
    assert first.context["totals"]["classes"] == DASHBOARD_PAGE_SIZE + 3
    second = coord.get(reverse("courses:dashboard") + "?year=2023&page=2")
    assert len(second.context["rows"]) == 3


def test_dashboard_ignores_a_mangled_year(coord, world):
    assert coord.get(reverse("courses:dashboard") + "?year=abc").status_code == 200


def test_coordinator_marks_a_class_as_practice_on_its_form(coord, world):
    klass = world.class_a
    data = _class_form(
        world,
        code=klass.code,
        start_date=klass.start_date.strftime("%d/%m/%Y"),
        end_date=klass.end_date.strftime("%d/%m/%Y"),
        is_practice="on",
    )
    response = coord.post(reverse("courses:class-edit", args=[klass.code]), data)
    assert response.status_code == 302
    klass.refresh_from_db()
    assert klass.is_practice
    assert AuditLog.objects.get(action="class.update").changes["is_practice"] == [False, True]
    page = coord.get(reverse("courses:class-detail", args=[klass.code])).content.decode()
    assert "Lớp thực hành" in page and "không tính vào báo cáo" in page


def test_a_class_with_certificates_cannot_become_practice(coord, world):
    klass = world.class_a
    data = _class_form(
        world,
        code=klass.code,
        start_date=klass.start_date.strftime("%d/%m/%Y"),
        end_date=klass.end_date.strftime("%d/%m/%Y"),
        is_practice="on",
    )
    # One certificate in the register (written directly: issuing needs final attendance).
    enrollment = f.enrollment(klass, world.unit_a)
    series = RegisterSeries.objects.create(issuer=klass.organiser, year=2023, last_number=1)
    Certificate.objects.create(
        enrollment=enrollment,
        training_class=klass,
        series=series,
        number=1,
        register_number="001/GCN",
        full_name=enrollment.participant.full_name,
        unit_name=world.unit_a.name,
        class_title=klass.title,
        start_date=klass.start_date,
        end_date=klass.end_date,
        issued_on=klass.end_date,
    )
    response = coord.post(reverse("courses:class-edit", args=[klass.code]), data)
    errors = response.context["form"].errors
    assert "sổ đăng ký" in " ".join(errors["is_practice"])
    klass.refresh_from_db()
    assert not klass.is_practice
