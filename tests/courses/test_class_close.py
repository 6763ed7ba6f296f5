"""#15 item 4: closing a class asks first and says what it will do; the coordinator can
reopen it (audited, with a reason) until certificates are issued."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from attendees import checkin
from attendees.models import Attendance
from courses import services
from courses.models import AuditLog, Session
from tests import factories as f


@pytest.fixture
def running(world):
    """Class A running: session_a (10/10 07:30) with 17 people not scanned and 3 present;
    a second session already ended by the trainer."""
    import datetime

    from django.utils import timezone

    klass = world.class_a
    klass.state = "running"
    klass.save(update_fields=["state"])
    people = [f.enrollment(klass, world.unit_a) for _ in range(20)]
    for e in people[:3]:
        Attendance.objects.create(
            enrollment=e,
            session=world.session_a,
            status="present",
            first_scan_at=timezone.make_aware(datetime.datetime(2023, 10, 10, 7, 40)),
        )
    ended = f.session(klass, date=klass.start_date + datetime.timedelta(days=1), topic="Buổi 2")
    checkin.session_close(actor=world.trainer, session=ended)
    return klass, people, ended


def _state(klass) -> str:
    klass.refresh_from_db()
    return klass.state


def test_the_one_click_state_change_no_longer_closes(client, world, running):
    klass, _people, _ended = running
    client.force_login(world.coordinator)
    response = client.post(
        reverse("courses:class-change-state", args=[klass.code]), {"state": "closed"}
    )
    assert response["Location"] == reverse("courses:class-close", args=[klass.code])
    assert _state(klass) == "running"
    world.session_a.refresh_from_db()
    assert world.session_a.closed_at is None
    assert Attendance.objects.filter(session=world.session_a).count() == 3


def test_closing_a_class_asks_first_with_the_consequence(client, world, running):
    klass, _people, _ended = running
    client.force_login(world.coordinator)
    detail = client.get(reverse("courses:class-detail", args=[klass.code])).content.decode()
    url = reverse("courses:class-close", args=[klass.code])
    assert f'id="close-class" href="{url}"' in detail
    body = client.get(url).content.decode()
    assert "Sẽ ghi 17 lượt vắng." in body
    assert "1 buổi học chưa kết thúc sẽ được kết thúc:" in body
    assert "10/10 07:30 Chuyên đề thử — ghi vắng 17 người" in body
    client.post(url)  # without the confirmation: nothing
    assert _state(klass) == "running"
    assert not Attendance.objects.filter(status="absent", session=world.session_a).exists()
    client.post(url, {"confirm": "yes"})
    assert _state(klass) == "closed"
    world.session_a.refresh_from_db()
    assert world.session_a.closed_at is not None
    assert Attendance.objects.filter(status="absent", session=world.session_a).count() == 17
    entry = AuditLog.objects.filter(action="class.state").latest("pk")
    assert entry.changes == {
        "state": ["running", "closed"],
        "sessions_closed": [world.session_a.pk],
    }


def test_reopening_a_class_undoes_its_closing_only(world, running):
    klass, _people, ended = running
    services.training_class_change_state(
        actor=world.coordinator, training_class=klass, state="closed"
    )
    with pytest.raises(ValidationError):
        services.training_class_reopen(actor=world.coordinator, training_class=klass, reason="")
    assert _state(klass) == "closed"
    n = services.training_class_reopen(
        actor=world.coordinator, training_class=klass, reason="Đóng nhầm lớp L3"
    )
    assert n == 1 and _state(klass) == "running"
    world.session_a.refresh_from_db()
    ended.refresh_from_db()
    assert world.session_a.closed_at is None  # closed by the class: reopened
    assert ended.closed_at is not None  # ended by its trainer: stays ended
    assert not Attendance.objects.filter(session=world.session_a, status="absent").exists()
    assert Attendance.objects.filter(session=ended, status="absent").count() == 20
    entry = AuditLog.objects.get(action="class.reopen")
    assert entry.actor == world.coordinator
    assert entry.changes == {
        "state": ["closed", "running"],
        "reason": "Đóng nhầm lớp L3",
        "sessions_reopened": [world.session_a.pk],
    }
    assert AuditLog.objects.get(action="session.reopen").changes["reason"] == "Đóng nhầm lớp L3"


def test_coordinator_reopens_a_class_from_the_page(client, world, running):
    klass, _people, _ended = running
    services.training_class_change_state(
        actor=world.coordinator, training_class=klass, state="closed"
    )
    client.force_login(world.coordinator)
    detail = client.get(reverse("courses:class-detail", args=[klass.code])).content.decode()
    url = reverse("courses:class-reopen", args=[klass.code])
    assert f'href="{url}"' in detail
    body = client.get(url).content.decode()
    assert "Lớp sẽ trở lại trạng thái “Đang học”." in body
    body = client.post(url, {"confirm": "yes", "reason": " "}).content.decode()
    assert "Hãy ghi lý do mở lại." in body
    assert _state(klass) == "closed"
    client.post(url, {"confirm": "yes", "reason": "Đóng nhầm"})
    assert _state(klass) == "running"
    client.force_login(world.viewer)
    assert client.post(url, {"confirm": "yes", "reason": "x"}).status_code == 403


def test_reopening_a_class_is_refused_once_certificates_are_issued(client, world, running):
    from certificates.services import certificate_issue

    klass, people, ended = running
    services.training_class_change_state(
        actor=world.coordinator, training_class=klass, state="closed"
    )
    checkin.attendance_set(
        actor=world.coordinator, enrollment=people[0], session=ended, status="present"
    )
    certificate_issue(actor=world.coordinator, enrollment=people[0])
    with pytest.raises(ValidationError) as exc:
        services.training_class_reopen(actor=world.coordinator, training_class=klass, reason="Nhầm")
    assert "đã được cấp giấy chứng nhận" in " ".join(exc.value.messages)
    client.force_login(world.coordinator)
    url = reverse("courses:class-reopen", args=[klass.code])
    body = client.get(url).content.decode()
    assert "Lớp TTDN-2023-L3 đã được cấp giấy chứng nhận: điểm danh đã chốt" in body
    client.post(url, {"confirm": "yes", "reason": "Nhầm"})
    assert _state(klass) == "closed"
    assert not AuditLog.objects.filter(action="class.reopen").exists()


def test_deleting_a_session_asks_and_counts_what_goes_with_it(client, world, running):
    _klass, _people, _ended = running
    client.force_login(world.coordinator)
    edit = client.get(reverse("courses:session-edit", args=[world.session_a.pk])).content.decode()
    url = reverse("courses:session-delete", args=[world.session_a.pk])
    assert f'id="delete-session" href="{url}"' in edit
    body = client.get(url).content.decode()
    assert "3 bản ghi điểm danh sẽ bị xóa theo." in body
    client.post(url)  # without the confirmation: nothing
    assert Session.objects.filter(pk=world.session_a.pk).exists()
    assert Attendance.objects.filter(session=world.session_a).count() == 3
    client.post(url, {"confirm": "yes"})
    assert not Session.objects.filter(pk=world.session_a.pk).exists()
    assert AuditLog.objects.filter(action="session.delete").count() == 1
