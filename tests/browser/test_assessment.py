"""#18 in real Chromium, on a trainer's phone (390×844): the final assessment list marks a
changed row and counts it, one "Lưu" saves it, and the certificate preview then says why
a learner who attended enough does not qualify. Screenshots: test-artifacts/assessment-*.png."""

from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from attendees.models import Attendance, Enrollment
from certificates.eligibility import settings_for
from courses.models import Session
from tests import factories as f
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _context(browser, live_server, user):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, is_mobile=True
    )
    client = Client()
    client.force_login(user)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    return context, page


def test_the_trainer_enters_results_and_the_preview_follows(browser, live_server, world):
    klass = world.class_a
    people = [
        f.enrollment(klass, world.unit_a, f.participant(world.unit_a, full_name=name))
        for name in ("Giàng Thị Dợ", "Lò Văn Ửng")
    ]
    for e in people:
        Attendance.objects.create(
            enrollment=e, session=world.session_a, status="present", first_scan_at=timezone.now()
        )
    Session.objects.filter(pk=world.session_a.pk).update(closed_at=timezone.now())
    settings = settings_for(klass)
    settings.assessment_required = "score"
    settings.assessment_min_score = Decimal("5.0")
    settings.save()

    context, page = _context(browser, live_server, world.trainer)
    page.goto(f"/classes/{klass.code}/")
    page.locator("#assessment-link").click()
    page.wait_for_url(f"**/classes/{klass.code}/assessment/")
    assert (
        "điểm đánh giá cuối khóa từ 5,0 trở lên"
        in page.locator("#assessment-requirement").inner_text()
    )
    dợ, ửng = (page.locator(f'tr[data-enrollment="{e.pk}"]') for e in people)
    dợ.locator("select").select_option("passed")
    dợ.locator("input[type=text]").fill("7,5")
    ửng.locator("input[type=text]").fill("4,5")
    assert page.locator("[data-changed-count]").inner_text() == "Đã sửa, chưa lưu: 2"
    screenshot(page, "assessment-1-changed")
    page.locator("#assessment-save").click()
    page.wait_for_load_state()
    assert "Đã lưu kết quả của 2 học viên." in page.locator(".alert").first.inner_text()
    screenshot(page, "assessment-2-saved")
    saved = {e.pk: (e.assessment, e.score) for e in Enrollment.objects.filter(training_class=klass)}
    assert saved == {people[0].pk: ("passed", Decimal("7.5")), people[1].pk: ("", Decimal("4.5"))}
    context.close()

    context, page = _context(browser, live_server, world.coordinator)
    page.goto(f"/classes/{klass.code}/certificates/")
    assert "Lò Văn Ửng" in page.locator("#ineligible").inner_text()
    assert "Điểm 4,5, cần 5,0." in page.locator("#ineligible").inner_text()
    assert page.locator('[data-count="eligible"]').inner_text() == "1"
    screenshot(page, "assessment-3-preview")
    context.close()
