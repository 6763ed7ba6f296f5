"""Issue 15 item 1 in a real browser: each demo role logs in at an office screen
(1366×768) and a trainer's phone (390×844) and sees its next action without scrolling
or opening a menu. The demo is put in the state the issue describes: a unit with a
returned nomination and a draft in an open class, nominations waiting for review."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from attendees.models import Enrollment, Nomination
from courses.models import TrainingClass
from tests.browser.conftest import login_with_form, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"office": (1366, 768), "phone": (390, 844)}
CLASS = "TTDN-2023-L3"
UNIT = "107"  # UBND huyện Mường Tè


def _demo_in_the_issues_state() -> None:
    """Class L3 taking nominations again; two of Mường Tè's people put back: one returned
    with a reason, one a draft; two submitted people wait for the department."""
    TrainingClass.objects.filter(code=CLASS).update(state="nominating")
    rows = list(
        Nomination.objects.filter(
            training_class__code=CLASS, organisation__code=UNIT, state="approved"
        ).order_by("pk")[:4]
    )
    Nomination.objects.filter(pk=rows[0].pk).update(
        state="returned", return_reason="Sai ngày sinh so với CCCD", decided_at=timezone.now()
    )
    Nomination.objects.filter(pk=rows[1].pk).update(state="draft", decided_at=None)
    Nomination.objects.filter(pk__in=[r.pk for r in rows[2:]]).update(
        state="submitted", decided_at=None
    )
    Enrollment.objects.filter(nomination__in=rows).delete()


def _in_view(page, locator) -> bool:
    """Visible within the first screen, not below the fold."""
    box = locator.bounding_box()
    return box is not None and box["y"] + box["height"] <= page.viewport_size["height"]


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_each_role_sees_its_next_action_on_landing(browser, live_server, viewport):
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    _demo_in_the_issues_state()
    width, height = VIEWPORTS[viewport]
    checks = {
        # username: (the next action, what it must say)
        "muongte": ("#next-action a.btn-primary", "Cử học viên"),
        "giangvien": ("#next-action .today a.btn-primary", "Quét mã"),
        "dieuphoi": ("#next-action .waiting-review a", "lượt cử chờ duyệt"),
        "xem": ("#next-action a.btn-primary", "Mở báo cáo"),
    }
    for username, (selector, text) in checks.items():
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": width, "height": height}
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        login_with_form(page, username)
        page.wait_for_selector("#next-action")
        action = page.locator(selector).first
        assert action.is_visible(), username
        assert text in action.inner_text(), username
        assert _in_view(page, action), f"{username}: next action below the fold"
        section = page.locator("#next-action").inner_text()
        if username == "muongte":
            assert "Sai ngày sinh so với CCCD" in section
            assert "1 người đang ở bản nháp, chưa gửi" in section
            assert "chỗ trống" in section
        if username == "dieuphoi":
            assert "2 lượt cử chờ duyệt" in section
        # The whole page, and the first screen as the user sees it on arrival.
        full = screenshot(page, f"home-{viewport}-{username}")
        page.screenshot(path=str(full.with_name(f"home-{viewport}-{username}-top.png")))
        # One click to the next action.
        action.click()
        page.wait_for_load_state()
        assert page.url != live_server.url + "/", username
        context.close()
