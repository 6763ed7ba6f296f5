"""#15 items 4 and 7 in real Chromium, at an office screen (1366×768) and a trainer's
phone (390×844): scan and end a session, close and reopen a class. Each step's
screenshot is saved in test-artifacts/safe-*.png."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from attendees.models import Attendance, Enrollment
from courses.models import AuditLog, Session, TrainingClass
from tests import factories as f
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENS = {"office": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


def _enrol(klass, unit, name):
    p = f.participant(unit, full_name=name)
    n = f.nomination(klass, unit, person=p, state="approved")
    return Enrollment.objects.create(
        nomination=n, training_class=klass, participant=p, organisation=unit, category=n.category
    )


@pytest.fixture
def running_now(world):
    """A class of five with a session running now (whatever the time of day) and one
    tomorrow; a person of another class whose badge turns up at the door."""
    now = timezone.localtime()
    start = max(
        datetime.datetime.combine(now.date(), datetime.time(0, 0)),
        now.replace(tzinfo=None) - datetime.timedelta(minutes=30),
    )
    end = min(
        datetime.datetime.combine(now.date(), datetime.time(23, 59)),
        now.replace(tzinfo=None) + datetime.timedelta(minutes=30),
    )
    klass = f.training_class(code="TTDN-NOW", start_date=now.date(), state="running")
    t = world.trainer.trainer
    session = f.session(
        klass, date=now.date(), start_time=start.time(), end_time=end.time(), trainers=[t]
    )
    tomorrow = f.session(
        klass, date=now.date() + datetime.timedelta(days=1), topic="Buổi mai", trainers=[t]
    )
    names = ("Giàng Thị Dợ", "Lò Văn Ửng", "Đặng Thị Ánh", "Vàng A Sử", "Nguyễn Thị Hường")
    people = [_enrol(klass, world.unit_a, name) for name in names]
    stranger = _enrol(world.class_b, world.unit_b, "Hờ Thị Mỷ")
    return klass, session, tomorrow, people, stranger


def _context(browser, live_server, user, screen):
    context = browser.new_context(
        base_url=live_server.url,
        viewport=SCREENS[screen],
        is_mobile=screen == "phone",
        has_touch=screen == "phone",
    )
    client = Client()
    client.force_login(user)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    return context, page


def _ready(page):
    page.wait_for_function(
        "() => /^[1-9][0-9]*$/.test(document.querySelector('#count-expected').textContent.trim())"
    )


def _wedge(page, token):
    previous = page.evaluate("document.body.dataset.lastScan || null")
    page.locator("#scan-input").fill(token)
    page.locator("#scan-input").press("Enter")
    page.wait_for_function(
        "prev => document.body.dataset.lastScan && document.body.dataset.lastScan !== prev",
        arg=previous,
    )


def _uploaded(page):
    page.wait_for_function(
        "() => document.querySelector('#pending-count').textContent.trim() === '0'"
    )


@pytest.mark.parametrize("screen", list(SCREENS))
def test_scan_and_end_a_session(browser, live_server, world, running_now, screen):
    _klass, session, tomorrow, people, stranger = running_now
    context, page = _context(browser, live_server, world.trainer, screen)
    shot = lambda step: screenshot(page, f"safe-session-{screen}-{step}")  # noqa: E731

    # Tomorrow's session: the banner says when check-in opens, before and after a scan.
    page.goto(f"/scan/{tomorrow.pk}/")
    _ready(page)
    feedback = page.locator("#feedback")
    opens = f"06:30 {tomorrow.date:%d/%m/%Y}"
    assert feedback.inner_text().strip() == f"Điểm danh mở lúc {opens}"
    _wedge(page, people[0].badge_token)
    assert feedback.get_attribute("data-result") == "session_not_open"
    assert f"Điểm danh mở lúc {opens}" in feedback.inner_text()
    shot("1-not-open-yet")
    _uploaded(page)

    # Today's session: one person scanned in, another class's badge, a forged code.
    page.goto(f"/scan/{session.pk}/")
    _ready(page)
    assert "Sẵn sàng quét mã" in feedback.inner_text()
    shot("2-scanner")
    _wedge(page, people[0].badge_token)
    assert feedback.get_attribute("data-result") in ("present", "late")
    assert "Giàng Thị Dợ" in feedback.inner_text()
    _wedge(page, stranger.badge_token)
    # This phone does not know the badge; the server does: "not in this class", and
    # whose badge it is (the name printed on it), on the banner itself.
    page.wait_for_function(
        "() => document.querySelector('#feedback').dataset.result === 'not_enrolled'"
    )
    text = feedback.inner_text()
    assert "Không thuộc lớp này" in text and "Hờ Thị Mỷ" in text
    shot("3-other-class")
    _wedge(page, "forged-" + "x" * 20)
    _uploaded(page)
    assert feedback.get_attribute("data-result") == "unknown_token"
    text = feedback.inner_text()
    assert "Thẻ không hợp lệ" in text and "Hờ Thị Mỷ" not in text
    assert "Mã thẻ: forged-" in text  # only what was read, nothing from the server

    # The way on: the attendance list, and ending the session (which asks first).
    assert page.locator("#attendance-list-link").is_visible()
    end = page.locator("#end-session-link")
    end.scroll_into_view_if_needed()
    shot("4-scanner-bottom")
    # Not under the thumb that scans: below the camera button and the live panel.
    camera = page.locator("#camera-toggle").bounding_box()
    assert end.bounding_box()["y"] > camera["y"] + camera["height"] + 200
    end.click()
    page.wait_for_url(f"**/sessions/{session.pk}/close/")
    consequences = page.locator("#consequences").inner_text()
    assert "4 người sẽ bị ghi vắng." in consequences
    assert "Buổi học theo lịch kết thúc lúc" in consequences
    shot("5-confirm")
    assert Session.objects.get(pk=session.pk).closed_at is None  # asking changed nothing
    page.get_by_role("button", name="Kết thúc buổi học và ghi vắng 4 người").click()
    page.wait_for_url(f"**/sessions/{session.pk}/attendance/")
    assert "Đã kết thúc buổi học: 4 học viên vắng." in page.content()
    counts = {
        key: page.locator(f'[data-count="{key}"]').inner_text()
        for key in ("expected", "present", "late", "absent", "missing")
    }
    assert counts["absent"] == "4" and counts["missing"] == "0"
    assert int(counts["present"]) + int(counts["late"]) == 1
    shot("6-ended")
    # Back on the scanner, its own panel agrees with the rows: 4 absent, none "missing".
    page.goto(f"/scan/{session.pk}/")
    _ready(page)
    page.wait_for_function("() => document.querySelector('#label-missing').textContent === 'Vắng'")
    assert page.locator("#count-missing").inner_text() == "4"
    assert page.locator("#heading-missing").inner_text() == "Đã ghi vắng khi kết thúc buổi học"
    assert page.locator("#live-list li").count() == 4
    shot("7-scanner-after-end")
    context.close()
    assert Session.objects.get(pk=session.pk).closed_at is not None
    assert Attendance.objects.filter(session=session, status="absent").count() == 4


@pytest.mark.parametrize("screen", list(SCREENS))
def test_close_and_reopen_a_class(browser, live_server, world, running_now, screen):
    klass, _session, _tomorrow, _people, _stranger = running_now
    context, page = _context(browser, live_server, world.coordinator, screen)
    shot = lambda step: screenshot(page, f"safe-class-{screen}-{step}")  # noqa: E731

    page.goto(f"/classes/{klass.code}/")
    shot("1-class")
    page.get_by_role("link", name="Chuyển sang “Đã kết thúc”…").click()
    page.wait_for_url(f"**/classes/{klass.code}/close/")
    consequences = page.locator("#consequences").inner_text()
    assert "Sẽ ghi 10 lượt vắng." in consequences  # 5 people × 2 sessions not ended
    assert "2 buổi học chưa kết thúc sẽ được kết thúc:" in consequences
    shot("2-confirm-close")
    assert TrainingClass.objects.get(pk=klass.pk).state == "running"  # asking changed nothing
    page.get_by_role("button", name="Kết thúc lớp").click()
    page.wait_for_url(f"**/classes/{klass.code}/")
    assert "Đã kết thúc" in page.locator("h1").inner_text()
    shot("3-closed")
    assert Attendance.objects.filter(session__training_class=klass, status="absent").count() == 10

    page.get_by_role("link", name="Mở lại lớp…").click()
    page.wait_for_url(f"**/classes/{klass.code}/reopen/")
    page.get_by_role("button", name="Mở lại lớp").click()  # no reason yet
    assert "Hãy ghi lý do mở lại." in page.content()
    assert TrainingClass.objects.get(pk=klass.pk).state == "closed"
    shot("4-reopen-needs-a-reason")
    page.get_by_label("Lý do mở lại").fill("Đóng nhầm lớp, còn buổi ngày mai")
    shot("5-reopen-with-reason")
    page.get_by_role("button", name="Mở lại lớp").click()
    page.wait_for_url(f"**/classes/{klass.code}/")
    assert "Đang học" in page.locator("h1").inner_text()
    assert "mở lại 2 buổi học" in page.content()
    shot("6-reopened")
    context.close()
    assert TrainingClass.objects.get(pk=klass.pk).state == "running"
    assert not Attendance.objects.filter(session__training_class=klass, status="absent").exists()
    assert AuditLog.objects.get(action="class.reopen").changes["reason"] == (
        "Đóng nhầm lớp, còn buổi ngày mai"
    )
