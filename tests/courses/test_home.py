"""Issue 15 item 1: the page each role lands on says what to do next, in a bounded
number of queries, and a unit learns nothing about another unit's people."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from certificates.models import CertificateBatch
from core.jobs import JobState
from courses.models import Session
from reports.models import ReportJob
from tests import factories as f

HOME = reverse("courses:dashboard")

# The landing page's whole cost, next action included: a handful of queries, the same
# for one class or forty (no query per class).
MAX_QUERIES = 18


def _get(client, user, django_assert_max_num_queries) -> str:
    client.force_login(user)
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(HOME)
    assert response.status_code == 200
    return response.content.decode()


def _returned(klass, unit, reason: str, name: str):
    from attendees.models import Nomination

    return Nomination.objects.create(
        training_class=klass,
        organisation=unit,
        category=f.category("a"),
        participant=f.participant(unit, full_name=name),
        state="returned",
        return_reason=reason,
        decided_at=timezone.now(),
    )


def test_nominator_sees_free_seats_drafts_returned_reasons_and_nominate(
    client, world, django_assert_max_num_queries
):
    # Unit A: quota 30 of category a in class A; 2 submitted + 1 draft + 1 returned = 4 live.
    f.nomination(world.class_a, world.unit_a, state="submitted")
    f.nomination(world.class_a, world.unit_a, state="submitted")
    f.nomination(world.class_a, world.unit_a, state="draft")
    f.nomination(world.class_a, world.unit_a, state="withdrawn")  # holds no seat
    _returned(world.class_a, world.unit_a, "Sai năm sinh theo CCCD", "Lò Thị Trả")
    # Other classes in which unit A has seats fill the page; none costs a query of its own.
    for i in range(6):
        extra = f.training_class(code=f"TTDN-2023-X{i}", start_date=world.class_a.start_date)
        f.quota(extra, world.unit_a, "a", 10)
        f.nomination(extra, world.unit_a, state="draft")

    body = _get(client, world.nominator_a, django_assert_max_num_queries)

    assert 'id="next-action"' in body
    assert "Đơn vị còn 26 chỗ trống" in body  # 30 − 4 live, not the class's 35/90
    assert "<strong>26</strong>/30 còn trống" in body
    assert "1 người đang ở bản nháp, chưa gửi" in body
    assert "1 lượt cử bị trả lại đơn vị" in body
    assert "Lò Thị Trả" in body and "Sai năm sinh theo CCCD" in body
    nominate = reverse("attendees:unit-nominations", args=[world.class_a.code])
    assert f'<a class="btn btn-primary btn-lg" href="{nominate}">' in body
    assert "Cử học viên" in body
    # The class's allocation ("35/90 (39%)") reads as "class full" to a unit: not shown.
    assert "35/90" not in body
    assert "đã phân bổ cho các đơn vị" not in body


def test_a_unit_learns_nothing_of_another_units_people(
    client, world, django_assert_max_num_queries
):
    _returned(world.class_a, world.unit_a, "Thiếu ảnh", "Lò Văn Mình")
    _returned(world.class_a, world.unit_b, "Trùng người đã cử", "Tòng Văn Khác")
    for _ in range(3):  # unit B fills its category c quota in class A
        f.nomination(world.class_a, world.unit_b, "c", state="submitted")

    body = _get(client, world.nominator_a, django_assert_max_num_queries)

    assert "Lò Văn Mình" in body and "Thiếu ảnh" in body
    assert "Tòng Văn Khác" not in body and "Trùng người đã cử" not in body
    # Unit B's quota in class A (category c: 5, 2 free) is not shown as unit A's.
    assert "Đối tượng c)" not in body and "/5 còn trống" not in body
    assert "Đơn vị còn 29 chỗ trống" in body


def test_trainer_home_opens_on_todays_session_with_scan_and_list(
    client, world, django_assert_max_num_queries
):
    today = timezone.localdate()
    teacher = world.session_a.trainers.get()
    now_class = f.training_class(code=f"TTDN-{today.year}-H1", start_date=today)
    today_session = f.session(
        now_class,
        trainers=[teacher],
        start_time=datetime.time(0, 0),
        end_time=datetime.time(23, 59),
    )
    tomorrow = f.session(now_class, trainers=[teacher], date=today + datetime.timedelta(days=1))
    # A class of a later year taught by the same trainer: the page used to open on it.
    later = f.training_class(
        code=f"TTDN-{today.year + 1}-H2", start_date=today.replace(year=today.year + 1)
    )
    f.session(later, trainers=[teacher])
    # Another trainer's session today, in a class of theirs: not this trainer's to scan.
    other_class = f.training_class(code=f"TTDN-{today.year}-H3", start_date=today)
    other = f.session(
        other_class,
        trainers=[world.other_trainer.trainer],
        start_time=datetime.time(0, 0),
        end_time=datetime.time(1, 0),
    )

    body = _get(client, world.trainer, django_assert_max_num_queries)

    scan = reverse("attendees:scanner", args=[today_session.pk])
    listing = reverse("attendees:attendance-panel", args=[today_session.pk])
    assert f'<a class="btn btn-primary btn-lg" href="{scan}">' in body
    assert f'href="{listing}"' in body
    assert reverse("attendees:scanner", args=[tomorrow.pk]) in body
    assert reverse("attendees:scanner", args=[other.pk]) not in body
    # The year shown is today's session's, not the later one.
    assert f'data-class-code="{now_class.code}"' in body
    assert f'data-class-code="{later.code}"' not in body


def test_coordinator_sees_what_waits_with_counts_and_filtered_links(
    client, world, django_assert_max_num_queries
):
    now = timezone.localtime()
    for _ in range(3):
        f.nomination(world.class_a, world.unit_a, state="submitted")
    for _ in range(2):
        f.nomination(world.class_a, world.unit_b, "c", state="submitted")
    f.nomination(world.class_b, world.unit_b, state="approved")  # nothing to review
    # A session that ended yesterday and was never closed.
    running = f.training_class(
        code="TTDN-NOW-L1", state="running", start_date=now.date() - datetime.timedelta(days=1)
    )
    yesterday = f.session(running)
    # A class whose every session is closed and has no certificate yet.
    done = f.training_class(code="TTDN-2023-L4", state="running")
    Session.objects.filter(pk=f.session(done).pk).update(closed_at=now)
    # Failed background jobs, and one failure a later run replaced.
    CertificateBatch.objects.create(training_class=done, state=JobState.FAILED)
    old = CertificateBatch.objects.create(
        training_class=world.class_b,
        state=JobState.FAILED,
        created_at=now - datetime.timedelta(days=1),
    )
    CertificateBatch.objects.create(training_class=world.class_b, state=JobState.DONE)
    ReportJob.objects.create(kind="year", params={"year": 2023}, state=JobState.FAILED)

    body = _get(client, world.coordinator, django_assert_max_num_queries)

    review = reverse("attendees:review")
    assert "5 lượt cử chờ duyệt" in body
    code = world.class_a.code
    assert (
        f'href="{review}?training_class={code}&amp;unit={world.unit_a.pk}&amp;state=submitted"'
        in body
    )
    assert f"{world.unit_a.name}</a>: <strong>3</strong>" in body
    assert f"{world.unit_b.name}</a>: <strong>2</strong>" in body
    assert "3 buổi học đã quá giờ kết thúc nhưng chưa đóng" in body  # + the world's two
    assert reverse("attendees:attendance-panel", args=[yesterday.pk]) in body
    assert "1 lớp đã chốt điểm danh, sẵn sàng cấp giấy chứng nhận" in body
    assert reverse("certificates:class", args=[done.code]) in body
    assert "2 tác vụ nền bị lỗi" in body  # the replaced failure is not counted
    assert old.created_at.strftime("%d/%m/%Y %H:%M") not in body


def test_viewer_sees_the_figures_of_the_latest_year_with_data(
    client, world, django_assert_max_num_queries
):
    # 2024 has a class being planned but nobody enrolled: the figures are 2023's.
    for _ in range(3):
        f.enrollment(world.class_a, world.unit_a)

    body = _get(client, world.viewer, django_assert_max_num_queries)

    assert "Số liệu năm 2023" in body
    assert f'href="{reverse("reports:dashboard")}?year=2023"' in body
    assert 'figure-enrolled">3<' in body
    assert f'data-class-code="{world.class_a.code}"' in body  # the list follows the year


@pytest.mark.parametrize("who", ["nominator_a", "trainer", "coordinator", "viewer"])
def test_every_role_lands_on_its_next_action_after_login(client, world, who):
    from demo.seed import DEMO_PASSWORD

    user = getattr(world, who)
    user.set_password(DEMO_PASSWORD)
    user.save()
    response = client.post(
        reverse("login"), {"username": user.username, "password": DEMO_PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == HOME
    assert 'id="next-action"' in response.content.decode()
