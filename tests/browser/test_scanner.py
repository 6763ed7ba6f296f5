"""The scanner in real Chromium: a fake camera showing a badge printed by the app, a
keyboard-wedge scanner, and a phone that loses its network in the middle of a session."""

import datetime
import json
import os

import pytest
from django.test import Client
from django.utils import timezone

from attendees.models import Attendance, Enrollment, ScanEvent
from courses.vietnamese import person_sort_key
from tests import factories as f
from tests.browser.conftest import ARTIFACTS, FAKE_CAMERA, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def open_session(world):
    """A class of five with a session running now (whatever the time of day)."""
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
    enrollments = []
    for name in ("Giàng Thị Dợ", "Lò Văn Ửng", "Đặng Thị Ánh", "Vàng A Sử", "Nguyễn Thị Hường"):
        p = f.participant(world.unit_a, full_name=name)
        n = f.nomination(klass, world.unit_a, person=p, state="approved")
        enrollments.append(
            Enrollment.objects.create(
                nomination=n,
                training_class=klass,
                participant=p,
                organisation=world.unit_a,
                category=n.category,
            )
        )
    return session, enrollments


def _login(page, live_server, user):
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def _ready(page):
    """The page is usable once the roster is in (from the network or the local copy)."""
    page.wait_for_selector("#live-panel")
    page.wait_for_function(
        "() => /^[1-9][0-9]*$/.test(document.querySelector('#count-expected').textContent.trim())"
    )


def _last_scan(page, previous=None):
    page.wait_for_function(
        "prev => document.body.dataset.lastScan && document.body.dataset.lastScan !== prev",
        arg=previous,
    )
    raw = page.evaluate("document.body.dataset.lastScan")
    return raw, json.loads(raw)


def _wedge(page, token, previous):
    """A USB/Bluetooth scanner types the code and Enter into the focused field."""
    page.locator("#scan-input").fill(token)
    page.locator("#scan-input").press("Enter")
    return _last_scan(page, previous)


def test_keyboard_scanner_records_attendance(page, live_server, world, open_session):
    session, enrollments = open_session
    _login(page, live_server, world.trainer)
    page.goto(f"/scan/{session.pk}/")
    _ready(page)
    raw, last = _wedge(page, enrollments[0].badge_token, None)
    assert last["result"] in ("present", "late")
    assert "Giàng Thị Dợ" in page.locator("#feedback").inner_text()
    raw, last = _wedge(page, enrollments[0].badge_token, raw)
    assert last["result"] == "already_recorded"
    raw, last = _wedge(page, "forged-" + "x" * 20, raw)
    assert last["result"] == "unknown_token"
    assert page.locator("#feedback").get_attribute("data-result") == "unknown_token"
    page.wait_for_function(
        "() => document.querySelector('#pending-count').textContent.trim() === '0'"
    )
    assert Attendance.objects.filter(session=session).count() == 1
    assert ScanEvent.objects.filter(session=session).count() == 3
    screenshot(page, "scanner-keyboard")


def test_offline_scans_survive_a_reload_and_upload_once(browser, live_server, world, open_session):
    session, enrollments = open_session
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, is_mobile=True
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    _login(page, live_server, world.trainer)
    page.goto(f"/scan/{session.pk}/")
    _ready(page)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function(
        "() => navigator.serviceWorker.controller !== null || (location.reload(), false)",
        timeout=20_000,
    )

    context.set_offline(True)
    raw = None
    for e in (enrollments[1], enrollments[2], enrollments[3], enrollments[1]):  # one twice
        raw, last = _wedge(page, e.badge_token, raw)
        assert last["shownAt"] - last["decodedAt"] <= 100, last  # offline feedback within 100 ms
    # The counter is redrawn just after the feedback; give it that moment.
    page.wait_for_function(
        "() => document.querySelector('#pending-count').textContent.trim() === '4'", timeout=5_000
    )
    assert ScanEvent.objects.filter(session=session).count() == 0

    page.reload()  # still offline: the service worker serves the page, IndexedDB the queue
    _ready(page)
    page.wait_for_function(
        "() => document.querySelector('#pending-count').textContent.trim() === '4'", timeout=5_000
    )
    screenshot(page, "scanner-offline-phone")

    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_function(
        "() => document.querySelector('#pending-count').textContent.trim() === '0'", timeout=30_000
    )
    assert Attendance.objects.filter(session=session).count() == 3
    assert ScanEvent.objects.filter(session=session).count() == 4
    context.close()


def test_first_visit_downloads_the_page_and_roster_once_and_keeps_them_offline(
    browser, live_server, world, open_session
):
    """The service worker keeps the very URLs the page loaded (the icon font included) and
    takes the page and the roster from the page instead of downloading them again."""
    session, _enrollments = open_session
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    # What went to the server: the page's requests and the worker's (Chromium reports both),
    # less the page's requests the worker answered (its own fetch, if any, is in the list).
    requested = []

    def finished(request):
        response = request.response()
        if response is not None and not response.from_service_worker:
            requested.append(request.url)

    context.on("requestfinished", finished)
    page = context.new_page()
    page.set_default_timeout(20_000)
    _login(page, live_server, world.trainer)
    page.goto(f"/scan/{session.pk}/")
    _ready(page)
    page.wait_for_function("() => document.body.dataset.offlineReady === 'yes'")

    page_url = f"{live_server.url}/scan/{session.pk}/"
    roster_url = f"{live_server.url}/api/v1/sessions/{session.pk}/roster"
    assert requested.count(page_url) == 1
    assert requested.count(roster_url) == 1
    cached = page.evaluate(
        "() => caches.open('scanner-v2').then((c) => c.keys()).then((ks) => ks.map((r) => r.url))"
    )
    loaded = page.evaluate(
        "() => performance.getEntriesByType('resource').map((e) => e.name)"
        ".filter((u) => /[.](css|js|woff2)$/.test(u))"
    )
    assert any(url.endswith(".woff2") for url in loaded)
    assert set(loaded) <= set(cached)
    assert {page_url, roster_url} <= set(cached)

    context.set_offline(True)
    page.reload()  # the page's own copy, kept by the worker, with the roster from IndexedDB
    _ready(page)
    assert page.locator("#count-expected").text_content().strip() == "5"
    context.close()


def test_camera_scans_a_printed_badge(browser, live_server, world, open_session, tmp_path):
    from tests.browser.camera import qr_png_from_badges_pdf, write_y4m

    session, enrollments = open_session
    # The badges PDF exactly as the app prints it; the first badge is the first name in
    # Vietnamese order. Its QR goes in front of the fake camera.
    client = Client()
    client.force_login(world.trainer)
    pdf = client.get(f"/classes/{session.training_class.code}/badges.pdf").content
    first = min(enrollments, key=lambda e: person_sort_key(e.participant.full_name))
    png = qr_png_from_badges_pdf(pdf, tmp_path / "badge.png", badge_index=0)
    write_y4m(png, FAKE_CAMERA)
    context = browser.new_context(
        base_url=live_server.url, permissions=["camera"], viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    _login(page, live_server, world.trainer)
    page.goto(f"/scan/{session.pk}/")
    _ready(page)
    if page.locator("#camera-toggle").get_attribute("aria-pressed") != "true":
        page.locator("#camera-toggle").click()
    _raw, last = _last_scan(page, None)
    assert last["result"] in ("present", "late")
    assert first.participant.full_name in page.locator("#feedback").inner_text()
    screenshot(page, "scanner-camera")
    page.wait_for_function(
        "() => document.querySelector('#pending-count').textContent.trim() === '0'"
    )
    context.close()
    assert Attendance.objects.get(session=session).enrollment == first
    os.replace(png, ARTIFACTS / "camera-badge.png")


def _pending(page, n: int):
    page.wait_for_function(
        f"() => document.querySelector('#pending-count').textContent.trim() === '{n}'",
        timeout=30_000,
    )


def test_a_closed_session_past_its_grace_period_says_the_scan_is_held(
    page, live_server, world, open_session
):
    """#13: the roster tells the phone that scans are now held for the coordinator, so the
    banner says so at once (red), and the server agrees."""
    from attendees import checkin
    from courses.models import Session

    session, enrollments = open_session
    checkin.session_close(actor=world.trainer, session=session)
    Session.objects.filter(pk=session.pk).update(
        closed_at=timezone.now() - datetime.timedelta(hours=49)
    )
    _login(page, live_server, world.trainer)
    page.goto(f"/scan/{session.pk}/")
    _ready(page)
    _raw, last = _wedge(page, enrollments[0].badge_token, None)
    assert last["result"] == "session_closed"
    feedback = page.locator("#feedback")
    assert feedback.get_attribute("data-result") == "session_closed"
    assert "chờ Cán bộ điều phối chấp nhận" in feedback.inner_text()
    _pending(page, 0)
    assert ScanEvent.objects.get(session=session).result == "session_closed"
    assert Attendance.objects.get(enrollment=enrollments[0], session=session).status == "absent"
    screenshot(page, "scanner-session-closed")


def test_a_scan_the_server_refuses_leaves_the_queue_with_its_reason(
    page, live_server, world, open_session
):
    """#13: a scan the server cannot store (NUL, which this page strips already, or a lone
    UTF-16 surrogate, which it does not) used to refuse or fail the whole upload, so the
    queue stopped behind it. Its own refusal is final: the scan leaves the queue, the
    reason is shown, and the good scan after it is recorded."""
    session, enrollments = open_session
    _login(page, live_server, world.trainer)
    page.goto(f"/scan/{session.pk}/")
    _ready(page)
    context = page.context
    context.set_offline(True)  # both scans queue, then go up in one batch
    page.evaluate("document.querySelector('#scan-input').value = 'WIFI:S:cafe\\ud800;;'")
    page.locator("#scan-input").press("Enter")
    raw, last = _last_scan(page, None)
    assert last["result"] == "unknown_token"
    _wedge(page, enrollments[1].badge_token, raw)
    _pending(page, 2)
    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    _pending(page, 0)
    notice = page.locator("#scan-notice")
    notice.get_by_text("không phải văn bản hợp lệ").wait_for()
    assert "Không ghi nhận được lượt quét" in notice.inner_text()
    event = ScanEvent.objects.get(session=session)
    assert event.enrollment_id == enrollments[1].pk
    # Refused for good: a later upload round sends nothing more.
    page.evaluate("window.dispatchEvent(new Event('online'))")
    _pending(page, 0)
    assert ScanEvent.objects.filter(session=session).count() == 1
    screenshot(page, "scanner-refused-scan")
