"""The certificate "done when", in Chromium: close the demo class that was held, preview
who qualifies, issue and print, scan a printed QR code with a phone-size browser and see
"valid"; revoke it and see "revoked"."""

import subprocess

import pytest
from django.core.management import call_command

from certificates.eligibility import class_eligibility
from certificates.models import Certificate
from courses.models import TrainingClass
from tests.browser.conftest import ARTIFACTS, login_with_form, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))


def test_close_preview_issue_print_verify_revoke(
    page, browser, live_server, demo, settings, tmp_path
):
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    # The QR codes must lead to this server, as they lead to the public site in production.
    settings.PUBLIC_BASE_URL = live_server.url
    klass = TrainingClass.objects.get(code="TTDN-2023-L1")
    expected = class_eligibility(klass)
    eligible = sum(1 for r in expected if r.eligible)
    assert 0 < eligible < len(expected)  # the demo has people who missed too much

    login_with_form(page, "dieuphoi")
    page.goto(f"/classes/{klass.code}/")
    page.locator("#close-class").click()  # closing asks first (#15): then confirm
    page.wait_for_url(f"**/classes/{klass.code}/close/")
    page.locator("#confirm-button").click()
    page.wait_for_url(f"**/classes/{klass.code}/")
    klass.refresh_from_db()
    assert klass.state == "closed"

    page.locator(f"a[href='/classes/{klass.code}/certificates/']").first.click()
    page.wait_for_selector("#eligibility")
    assert page.locator("tr[data-eligible='1']").count() == eligible
    assert page.locator("tr[data-eligible='0']").count() == len(expected) - eligible
    assert page.locator("[data-count=eligible]").inner_text() == str(eligible)
    screenshot(page, "certificates-preview")

    page.locator("#print form button").click()
    page.wait_for_selector("#merged-pdf")
    assert Certificate.objects.valid().filter(training_class=klass).count() == eligible
    assert page.locator("[data-count=issued]").inner_text() == str(eligible)
    screenshot(page, "certificates-issued")

    href = page.locator("#merged-pdf").get_attribute("href")
    response = page.request.get(href)
    assert response.ok and response.headers["content-type"] == "application/pdf"
    (tmp_path / "merged.pdf").write_bytes(response.body())
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", "-singlefile", "merged.pdf", "p1"],
        cwd=tmp_path,
        check=True,
    )
    image = Image.open(tmp_path / "p1.png")
    image.save(ARTIFACTS / "certificate-page-1.png")
    urls = [r.text for r in zxingcpp.read_barcodes(image)]
    first = Certificate.objects.valid().filter(training_class=klass).order_by("number").first()
    assert urls == [first.verify_url()]

    phone = browser.new_context(**PHONE, locale="vi-VN")
    scan = phone.new_page()
    scan.goto(urls[0])
    assert scan.locator("[data-status=valid]").is_visible()
    assert first.full_name in scan.locator("#verify-name").inner_text()
    scan.screenshot(path=str(ARTIFACTS / "verify-valid-phone.png"))

    page.goto(f"/certificates/{first.pk}/revoke/")
    page.locator("textarea[name=reason]").fill("Cấp nhầm: người này vắng buổi cuối")
    page.locator("form:has(textarea[name=reason]) button[type=submit]").click()
    page.wait_for_selector("#revoked")
    assert first.register_number in page.locator("#revoked").inner_text()

    scan.reload()
    assert scan.locator("[data-status=revoked]").is_visible()
    assert scan.locator("[data-status=valid]").count() == 0
    scan.screenshot(path=str(ARTIFACTS / "verify-revoked-phone.png"))
    phone.close()
