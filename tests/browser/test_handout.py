"""Hand-out by badge scan in real Chromium: a trainer at the door of the commune hall gives
out the handbook, scanning badges printed by the app with the phone's (fake) camera, loses
the network, goes on scanning, reloads the page offline, and everything arrives once."""

import json

import pytest
from django.test import Client

from attendees.models import Enrollment
from courses.vietnamese import person_sort_key
from demo.seed import DEMO_PASSWORD
from materials import services
from materials.models import Edition, Handover, Language, Material
from tests import factories as f
from tests.browser.conftest import FAKE_CAMERA, login_with_form, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def handout(world):
    """Class A (taught by `world.trainer`) with four people, and a handbook to give them."""
    for name in ("Giàng Thị Dợ", "Lò Văn Ửng", "Đặng Thị Ánh", "Vàng A Sử"):
        f.enrollment(world.class_a, world.unit_a, f.participant(world.unit_a, full_name=name))
    material = services.material_save(
        actor=world.coordinator,
        material=Material(title="Sổ tay phòng chống mua bán người", kind="handbook", year=2023),
    )
    edition = services.edition_create(
        actor=world.coordinator,
        edition=Edition(material=material, label="Tiếng Việt", year=2023, printed_copies=100),
        languages=[Language.objects.get(code="vi")],
    )
    cm = services.class_material_add(
        actor=world.coordinator, training_class=world.class_a, edition=edition
    )
    # In badge-sheet order (Vietnamese name order), as the camera will see them.
    people = sorted(
        Enrollment.objects.filter(training_class=world.class_a).select_related("participant"),
        key=lambda e: person_sort_key(e.participant.full_name),
    )
    return cm, people


def _text(page, selector):
    return page.locator(selector).inner_text().strip()


def _wait_text(page, selector, value, timeout=15_000):
    page.wait_for_function(
        "([sel, value]) => document.querySelector(sel).textContent.trim() === value",
        arg=[selector, value],
        timeout=timeout,
    )


def _last_scan(page, previous):
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


def _camera_scan(page, pdf, badge_index, tmp_path, previous):
    """Put one badge of the printed sheet in front of the camera, start it, read the badge,
    stop it. (Chromium opens the fake camera's file each time the camera starts.)"""
    from tests.browser.camera import qr_png_from_badges_pdf, write_y4m

    png = qr_png_from_badges_pdf(
        pdf, tmp_path / f"badge-{badge_index}.png", badge_index=badge_index
    )
    write_y4m(png, FAKE_CAMERA)
    page.locator("#camera-toggle").click()
    page.wait_for_function("() => document.querySelector('#camera-toggle').dataset.state === 'on'")
    raw, last = _last_scan(page, previous)
    page.locator("#camera-toggle").click()
    page.wait_for_function("() => document.querySelector('#camera-toggle').dataset.state === 'off'")
    return raw, last


def test_handout_by_camera_and_offline(browser, live_server, world, handout, tmp_path):
    cm, people = handout
    client = Client()
    client.force_login(world.trainer)
    pdf = client.get(f"/classes/{world.class_a.code}/badges.pdf").content
    assert pdf.startswith(b"%PDF")
    world.trainer.set_password(DEMO_PASSWORD)
    world.trainer.save()

    context = browser.new_context(
        base_url=live_server.url, permissions=["camera"], viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    login_with_form(page, world.trainer.username)
    page.wait_for_url(lambda url: "/login/" not in url)
    page.goto(f"/scan/handout/{cm.pk}/")
    assert page.locator("#scanner").get_attribute("data-mode") == "handout"
    assert "Sổ tay phòng chống mua bán người" in _text(page, "h1")
    _wait_text(page, "#count-expected", "4")
    # The service worker must control the page (and have its copy of it) before the network
    # goes: on a first visit it takes over only after a reload.
    page.wait_for_function(
        "() => navigator.serviceWorker.controller !== null || (location.reload(), false)"
    )
    _wait_text(page, "#count-expected", "4")
    page.wait_for_function("() => document.body.dataset.offlineReady === 'yes'")

    # Online: two badges read by the camera.
    raw, last = _camera_scan(page, pdf, 0, tmp_path, None)
    assert last["result"] == "handed"
    assert people[0].participant.full_name in _text(page, "#feedback")
    raw, last = _camera_scan(page, pdf, 1, tmp_path, raw)
    assert last["result"] == "handed"
    assert people[1].participant.full_name in _text(page, "#feedback")
    _wait_text(page, "#pending-count", "0")
    assert Handover.objects.filter(class_material=cm).count() == 2
    screenshot(page, "handout-camera")

    # Offline: one more person, and someone who already has a copy (the scanner gun).
    context.set_offline(True)
    raw, last = _wedge(page, people[2].badge_token, raw)
    assert last["result"] == "handed"
    assert last["shownAt"] - last["decodedAt"] <= 100, last  # feedback at once, offline
    raw, last = _wedge(page, people[0].badge_token, raw)
    assert last["result"] == "already_handed"
    assert page.locator("#feedback").get_attribute("data-result") == "already_handed"
    _wait_text(page, "#pending-count", "2", timeout=5_000)
    _wait_text(page, "#count-handed", "3", timeout=5_000)
    assert Handover.objects.filter(class_material=cm).count() == 2

    page.reload()  # still offline: the service worker serves the page, IndexedDB the queue
    _wait_text(page, "#count-expected", "4")
    _wait_text(page, "#pending-count", "2", timeout=5_000)
    _wait_text(page, "#count-handed", "3", timeout=5_000)
    assert page.locator("#live-list li").count() == 3  # who has received it
    screenshot(page, "handout-offline")

    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    _wait_text(page, "#pending-count", "0", timeout=30_000)
    handovers = Handover.objects.filter(class_material=cm)
    assert handovers.count() == 3
    assert set(handovers.values_list("method", flat=True)) == {"scan"}
    assert set(handovers.values_list("enrollment", flat=True)) == {p.pk for p in people[:3]}
    assert set(handovers.values_list("recorded_by", flat=True)) == {world.trainer.pk}
    _wait_text(page, "#count-handed", "3")
    _wait_text(page, "#count-missing", "1")
    # The hand-out queue is its own database: nothing went into the attendance scanner's.
    databases = page.evaluate("indexedDB.databases().then((list) => list.map((d) => d.name))")
    assert "handout-scanner" in databases and "attendance-scanner" not in databases
    context.close()
