"""#15 items 4 and 7: ending a session asks first and says what will happen; the
coordinator can reopen it (audited, with a reason) until certificates are issued; the
counters match the rows after closing; the scanner says when check-in opens or closed."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from attendees import checkin
from attendees.models import Attendance
from courses.models import AuditLog
from tests import factories as f

# world.session_a: 10/10/2023 07:30–11:00; check-in from 06:30 to 12:00 (60 min either side).
DURING = "2023-10-10 08:40:00+07:00"  # 2 h 20 min before the scheduled end
BEFORE = "2023-10-10 05:00:00+07:00"
AFTER = "2023-10-10 13:15:00+07:00"


def at(hour: int, minute: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(2023, 10, 10, hour, minute))


@pytest.fixture
def class_of_20(world):
    """20 people in class A; three scanned in, one excused with a reason."""
    world.class_a.state = "running"
    world.class_a.save(update_fields=["state"])
    people = [f.enrollment(world.class_a, world.unit_a) for _ in range(20)]
    for e in people[:3]:
        Attendance.objects.create(
            enrollment=e, session=world.session_a, status="present", first_scan_at=at(7, 35)
        )
    Attendance.objects.create(
        enrollment=people[3], session=world.session_a, status="excused", reason="Đi công tác"
    )
    return people


def _counts(body: str) -> dict[str, str]:
    import re

    return dict(re.findall(r'data-count="(\w+)">(\d+)<', body))


# --- services ----------------------------------------------------------------------------


def test_close_preview_names_who_will_be_absent_and_how_early(world, class_of_20):
    preview = checkin.session_close_preview(world.session_a, now=at(8, 40))
    assert len(preview.absent) == 16
    assert {e.pk for e in preview.absent} == {e.pk for e in class_of_20[4:]}
    assert preview.early_by == datetime.timedelta(hours=2, minutes=20)
    assert preview.early_text == "2 giờ 20 phút"
    assert checkin.session_close_preview(world.session_a, now=at(11, 5)).early_by is None
    assert not Attendance.objects.filter(status="absent").exists()  # a preview writes nothing


def test_reopen_clears_what_closing_wrote_and_is_audited(world, class_of_20):
    checkin.session_close(actor=world.trainer, session=world.session_a)
    assert Attendance.objects.filter(session=world.session_a, status="absent").count() == 16
    # A correction with a reason is the trainer's word, not the closing's: it stays.
    checkin.attendance_set(
        actor=world.trainer,
        enrollment=class_of_20[4],
        session=world.session_a,
        status="absent",
        reason="Ốm",
    )
    cleared = checkin.session_reopen(
        actor=world.coordinator, session=world.session_a, reason="Kết thúc nhầm, còn 2 tiết"
    )
    assert cleared == 15
    world.session_a.refresh_from_db()
    assert world.session_a.closed_at is None
    rows = dict(
        Attendance.objects.filter(session=world.session_a).values_list("enrollment_id", "status")
    )
    assert rows == {
        **{e.pk: "present" for e in class_of_20[:3]},
        class_of_20[3].pk: "excused",
        class_of_20[4].pk: "absent",
    }
    entry = AuditLog.objects.get(action="session.reopen")
    assert entry.actor == world.coordinator and entry.target_id == str(world.session_a.pk)
    assert entry.changes["reason"] == "Kết thúc nhầm, còn 2 tiết"
    assert entry.changes["absences_cleared"] == sorted(e.pk for e in class_of_20[5:])
    # Open again: a scan counts, and closing again marks the missing absent once more.
    assert checkin.session_close(actor=world.trainer, session=world.session_a) == 15


def test_reopen_needs_a_reason_and_the_coordinator(world, class_of_20):
    checkin.session_close(actor=world.trainer, session=world.session_a)
    with pytest.raises(ValidationError) as exc:
        checkin.session_reopen(actor=world.coordinator, session=world.session_a, reason="  ")
    assert "lý do" in str(exc.value)
    with pytest.raises(PermissionDenied):
        checkin.session_reopen(actor=world.trainer, session=world.session_a, reason="Nhầm")
    world.session_a.refresh_from_db()
    assert world.session_a.closed_at is not None
    assert Attendance.objects.filter(status="absent").count() == 16
    assert not AuditLog.objects.filter(action="session.reopen").exists()


def test_closing_a_closed_session_again_is_refused(world, class_of_20):
    checkin.session_close(actor=world.trainer, session=world.session_a)
    first = world.session_a.__class__.objects.get(pk=world.session_a.pk).closed_at
    with pytest.raises(ValidationError):
        checkin.session_close(actor=world.trainer, session=world.session_a)
    assert world.session_a.__class__.objects.get(pk=world.session_a.pk).closed_at == first
    assert AuditLog.objects.filter(action="session.close").count() == 1


def _issue_a_certificate(world, enrollment):
    from certificates.services import certificate_issue

    certificate, _created = certificate_issue(actor=world.coordinator, enrollment=enrollment)
    return certificate


def test_reopen_is_refused_once_certificates_are_issued(world, class_of_20):
    checkin.session_close(actor=world.trainer, session=world.session_a)
    _issue_a_certificate(world, class_of_20[0])
    with pytest.raises(ValidationError) as exc:
        checkin.session_reopen(actor=world.coordinator, session=world.session_a, reason="Nhầm")
    assert "đã được cấp giấy chứng nhận" in " ".join(exc.value.messages)
    world.session_a.refresh_from_db()
    assert world.session_a.closed_at is not None
    assert Attendance.objects.filter(status="absent").count() == 16


# --- pages -------------------------------------------------------------------------------


@freeze_time(DURING)
def test_ending_a_session_asks_first_and_says_what_will_happen(client, world, class_of_20):
    client.force_login(world.trainer)
    url = reverse("attendees:session-close", args=[world.session_a.pk])
    body = client.get(url).content.decode()
    assert "16 người sẽ bị ghi vắng." in body
    assert "kết thúc lúc 11:00" in body and "sớm 2 giờ 20 phút" in body
    assert class_of_20[10].participant.full_name in body  # who, by name
    assert 'name="confirm" value="yes"' in body
    # A POST without the confirmation (an old page, a double tap) changes nothing.
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == url
    world.session_a.refresh_from_db()
    assert world.session_a.closed_at is None
    assert not Attendance.objects.filter(status="absent").exists()
    assert not AuditLog.objects.filter(action="session.close").exists()


def test_after_ending_the_counters_match_the_rows(client, world, class_of_20):
    client.force_login(world.trainer)
    panel = reverse("attendees:attendance-panel", args=[world.session_a.pk])
    before = _counts(client.get(panel).content.decode())
    assert before == {
        "expected": "20",
        "present": "3",
        "late": "0",
        "excused": "1",
        "absent": "0",
        "missing": "16",
    }
    client.post(reverse("attendees:session-close", args=[world.session_a.pk]), {"confirm": "yes"})
    assert Attendance.objects.filter(session=world.session_a, status="absent").count() == 16
    body = client.get(panel).content.decode()
    assert _counts(body) == {**before, "absent": "16", "missing": "0"}
    assert "Đã kết thúc buổi học: 16 học viên vắng." in body


def test_the_end_button_is_not_under_scan(client, world, class_of_20):
    """The panel's top row holds "Quét mã" alone; ending the session is a link to the
    confirmation, at the bottom of the page."""
    client.force_login(world.trainer)
    body = client.get(
        reverse("attendees:attendance-panel", args=[world.session_a.pk])
    ).content.decode()
    close_url = reverse("attendees:session-close", args=[world.session_a.pk])
    assert f'action="{close_url}"' not in body  # no one-click form anywhere
    assert body.index(f'href="{close_url}"') > body.index('id="attendance"')  # after the list
    assert "16 người chưa điểm danh sẽ bị ghi vắng." in body


def test_coordinator_reopens_a_session_from_the_page(client, world, class_of_20):
    checkin.session_close(actor=world.trainer, session=world.session_a)
    url = reverse("attendees:session-reopen", args=[world.session_a.pk])
    client.force_login(world.trainer)
    assert client.get(url).status_code == 403  # the coordinator's decision
    client.force_login(world.coordinator)
    panel = client.get(reverse("attendees:attendance-panel", args=[world.session_a.pk]))
    assert f'href="{url}"' in panel.content.decode()
    body = client.get(url).content.decode()
    assert "16 người đang bị ghi vắng sẽ trở lại “chưa có mặt”." in body
    body = client.post(url, {"confirm": "yes", "reason": ""}).content.decode()
    assert "Hãy ghi lý do mở lại." in body
    world.session_a.refresh_from_db()
    assert world.session_a.closed_at is not None
    response = client.post(url, {"confirm": "yes", "reason": "Kết thúc nhầm"})
    assert response.status_code == 302
    world.session_a.refresh_from_db()
    assert world.session_a.closed_at is None
    assert not Attendance.objects.filter(status="absent").exists()
    assert AuditLog.objects.get(action="session.reopen").changes["reason"] == "Kết thúc nhầm"


def test_reopen_page_refuses_once_certificates_are_issued(client, world, class_of_20):
    checkin.session_close(actor=world.trainer, session=world.session_a)
    _issue_a_certificate(world, class_of_20[0])
    client.force_login(world.coordinator)
    url = reverse("attendees:session-reopen", args=[world.session_a.pk])
    body = client.get(url).content.decode()
    assert "đã được cấp giấy chứng nhận: điểm danh đã chốt, không thể mở lại nữa." in body
    assert 'id="confirm-button"' not in body
    client.post(url, {"confirm": "yes", "reason": "Nhầm"})
    world.session_a.refresh_from_db()
    assert world.session_a.closed_at is not None


# --- the scanner's words -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "words"),
    [
        (BEFORE, "Điểm danh mở lúc 06:30"),
        (DURING, "Sẵn sàng quét mã"),
        (AFTER, "Đã hết giờ điểm danh (đóng lúc 12:00)"),
        ("2023-10-09 16:00:00+07:00", "Điểm danh mở lúc 06:30 10/10/2023"),
    ],
)
def test_scanner_says_when_check_in_opens_or_closed(client, world, now, words):
    client.force_login(world.trainer)
    with freeze_time(now):
        body = client.get(reverse("attendees:scanner", args=[world.session_a.pk])).content.decode()
    assert f'<div id="feedback-result" class="feedback-result">{words}</div>' in body
    # The script says the same as time passes, from the same msgids.
    assert 'data-not-open-early="Điểm danh mở lúc {time}"' in body
    assert 'data-not-open-over="Đã hết giờ điểm danh (đóng lúc {time})"' in body


def test_scanner_leads_to_the_list_and_to_ending_the_session(client, world):
    client.force_login(world.trainer)
    body = client.get(reverse("attendees:scanner", args=[world.session_a.pk])).content.decode()
    panel = reverse("attendees:attendance-panel", args=[world.session_a.pk])
    close = reverse("attendees:session-close", args=[world.session_a.pk])
    assert f'id="attendance-list-link" href="{panel}"' in body
    assert f'id="end-session-link" href="{close}"' in body
    # Below the camera, the typed code and the live panel: not where a thumb scans.
    assert body.index('id="end-session-link"') > body.index('id="live-panel"')


def test_erasing_a_person_asks_first_and_says_what_goes(client, world, class_of_20):
    from attendees.models import Participant

    person = class_of_20[0].participant
    client.force_login(world.coordinator)
    detail = client.get(reverse("attendees:person-detail", args=[person.pk])).content.decode()
    url = reverse("attendees:person-erase", args=[person.pk])
    assert f'id="erase-person" href="{url}"' in detail
    body = client.get(url).content.decode()
    assert f"nơi công tác của {person.full_name} sẽ bị xóa vĩnh viễn." in body
    client.post(url)  # without the confirmation: nothing
    assert Participant.objects.get(pk=person.pk).erased_at is None
    assert not AuditLog.objects.filter(action="participant.erase").exists()
    client.post(url, {"confirm": "yes"})
    assert Participant.objects.get(pk=person.pk).erased_at is not None
    assert AuditLog.objects.filter(action="participant.erase").count() == 1
