"""The participant's page on a phone, from the paper: render the invitation letter, read
its second QR code as a phone camera would, open that address at 390 × 844 and see the
schedule, the attendance, the materials and (once issued) the certificate."""

from __future__ import annotations

import subprocess

import pytest

from certificates.invitations import invitation_pdf
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_accessibility import AXE, _axe_violations
from tests.portal.conftest import portal  # noqa: F401 -- the participant's world
from tests.portal.test_page import _close_and_issue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def _no_horizontal_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide on a 390 px phone"


def test_from_the_letter_to_the_page_on_a_phone(browser, live_server, portal, settings, tmp_path):
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    settings.PUBLIC_BASE_URL = live_server.url
    e = portal.enrollment
    (tmp_path / "letter.pdf").write_bytes(invitation_pdf(e))
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", "letter.pdf", "letter"],
        cwd=tmp_path,
        check=True,
    )
    codes = [r.text for r in zxingcpp.read_barcodes(Image.open(tmp_path / "letter.png"))]
    links = [c for c in codes if c.startswith(live_server.url + "/p/")]
    assert len(links) == 1 and e.badge_token in codes

    context = browser.new_context(**PHONE, locale="vi-VN", base_url=live_server.url)
    page = context.new_page()
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    page.goto(links[0])
    assert page.locator("h1").inner_text() == "Giàng Thị Dinh"
    assert page.locator("#schedule").is_visible()
    statuses = page.locator("[data-status]").evaluate_all("els => els.map(e => e.dataset.status)")
    assert statuses == ["present", "late", "excused", "absent", "not_held_yet"]
    assert page.locator("[data-status=present]").inner_text() == "Có mặt"
    assert "Đã dự 2 trên 4" in page.locator("#attendance-summary").inner_text()
    materials = page.locator("#materials")
    assert materials.locator("a", has_text="so-tay-hmong.pdf").is_visible()
    assert page.locator("#calendar").is_visible()
    assert page.locator("#certificate").count() == 0
    _no_horizontal_scroll(page)
    page.screenshot(path=str(ARTIFACTS / "portal-phone.png"), full_page=True)
    if AXE.exists():
        violations = _axe_violations(page)
        assert violations == [], "\n".join(violations)

    calendar = page.request.get(page.locator("#calendar").get_attribute("href"))
    assert calendar.ok and calendar.body().startswith(b"BEGIN:VCALENDAR\r\n")
    download = page.request.get(
        materials.locator("a", has_text="so-tay-hmong.pdf").get_attribute("href")
    )
    assert download.ok and download.body().startswith(b"%PDF")

    _close_and_issue(portal)
    page.reload()
    link = page.locator("#certificate-pdf")
    assert link.is_visible()
    pdf = page.request.get(link.get_attribute("href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    _no_horizontal_scroll(page)
    page.screenshot(path=str(ARTIFACTS / "portal-phone-certificate.png"), full_page=True)

    page.get_by_role("link", name="EN").click()
    page.wait_for_url("**?lang=en")
    assert page.locator("[data-status=present]").first.inner_text() == "Present"
    _no_horizontal_scroll(page)
    assert refused == []
    context.close()


def test_coordinator_shows_the_link_as_a_qr_code(browser, live_server, portal, settings, tmp_path):
    """The QR the coordinator shows on screen (to be photographed, or to re-send) reads as
    the same link the letter prints."""
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    from portal.views import page_url

    settings.PUBLIC_BASE_URL = live_server.url
    context = browser.new_context(base_url=live_server.url, locale="vi-VN")
    context.add_cookies(_session_cookie(portal.world.coordinator, live_server.url))
    page = context.new_page()
    page.goto(f"/enrollments/{portal.enrollment.pk}/personal-link/")
    page.locator("#personal-link-qr").screenshot(path=str(tmp_path / "qr.png"))
    page.screenshot(path=str(ARTIFACTS / "portal-coordinator-link.png"), full_page=True)
    codes = [r.text for r in zxingcpp.read_barcodes(Image.open(tmp_path / "qr.png"))]
    assert codes == [page_url(portal.enrollment)]
    assert page.locator("#personal-link-url").inner_text() == page_url(portal.enrollment)
    context.close()


def _session_cookie(user, url: str) -> list[dict]:
    from django.conf import settings as django_settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    value = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    return [{"name": django_settings.SESSION_COOKIE_NAME, "value": value, "url": url}]
