"""Issue 15's journey "review and approve a class in bulk, return with and without a
reason", in a real browser at an office screen (1366×768) and a phone (390×844).

The demo's Tam Đường unit has 30 nominations in class L2 put back to "submitted", one
with the 2030 birth date of the issue. The coordinator opens the review (submitted first),
sees the flag, tries to return two people without a reason (the error stands beside the
reason, the action stays "Trả lại đơn vị", the ticks stay), gives the reason, then
approves the rest of the class with one "select all" tick."""

import datetime
import io

import pytest
from django.core.management import call_command

from attendees.models import Enrollment, Nomination
from tests.browser.conftest import login_with_form, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"office": (1366, 768), "phone": (390, 844)}
CLASS = "TTDN-2023-L2"
UNIT = "106"  # UBND huyện Tam Đường


def _unit_back_to_submitted() -> list[Nomination]:
    nominations = list(
        Nomination.objects.filter(
            training_class__code=CLASS, organisation__code=UNIT, state="approved"
        ).select_related("participant")
    )
    Enrollment.objects.filter(nomination__in=nominations).delete()
    Nomination.objects.filter(pk__in=[n.pk for n in nominations]).update(
        state="submitted", decided_at=None
    )
    young = nominations[0].participant
    young.date_of_birth = datetime.date(2030, 3, 15)
    young.citizen_id = ""
    young.save()
    return nominations


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_review_and_approve_a_class_in_bulk_return_with_and_without_reason(
    browser, live_server, viewport
):
    call_command("seed_demo", stdout=io.StringIO())
    nominations = _unit_back_to_submitted()
    young = nominations[0]
    other = next(n for n in nominations[1:])
    width, height = VIEWPORTS[viewport]
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": height}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    shot = iter(range(1, 10))

    def step(name: str) -> None:
        screenshot(page, f"review-{viewport}-{next(shot)}-{name}")

    login_with_form(page, "dieuphoi")
    page.wait_for_url("**/")

    # 1. The review opens on what waits: "Đã gửi", the one class with submitted rows.
    page.goto("/nominations/review/")
    assert page.locator("#id_state").input_value() == "submitted"
    assert page.locator("#review-count").inner_text().startswith("30 ")
    unit = page.locator(".review-unit")
    assert unit.count() == 1
    assert "UBND huyện Tam Đường" in unit.locator("h3").inner_text()
    assert "đã duyệt 0/16" in unit.locator(".quota-use").inner_text()
    flagged = page.locator(f'tr[data-nomination="{young.pk}"] [data-flag="age"]')
    assert "ngoài khoảng 16–80" in flagged.inner_text()
    step("opens-on-submitted")

    # 2. Return two people without a reason: refused beside the reason, nothing lost.
    page.get_by_role("checkbox", name=young.participant.full_name).check()
    page.get_by_role("checkbox", name=other.participant.full_name).check()
    page.locator("#id_action").select_option("return")
    step("return-ticked")
    page.get_by_role("button", name="Thực hiện").click()
    page.wait_for_load_state("load")
    assert "Vui lòng nêu lý do" in page.locator("#reason-errors").inner_text()
    assert page.locator("#id_action").input_value() == "return"
    assert page.get_by_role("checkbox", name=young.participant.full_name).is_checked()
    assert page.get_by_role("checkbox", name=other.participant.full_name).is_checked()
    assert page.locator("input[name=ids]:checked").count() == 2
    assert set(
        Nomination.objects.filter(pk__in=[young.pk, other.pk]).values_list("state", flat=True)
    ) == {"submitted"}
    step("return-without-reason")

    # 3. With the reason: both returned, the unit will read why.
    page.locator("#id_reason").fill("Ngày sinh chưa đúng, đề nghị kiểm tra lại")
    page.get_by_role("button", name="Thực hiện").click()
    page.wait_for_load_state("load")
    assert "2 lượt cử" in page.locator(".alert-success").inner_text()
    assert set(
        Nomination.objects.filter(pk__in=[young.pk, other.pk]).values_list("state", "return_reason")
    ) == {("returned", "Ngày sinh chưa đúng, đề nghị kiểm tra lại")}
    assert page.locator("#review-count").inner_text().startswith("28 ")
    step("returned-with-reason")

    # 4. Approve the rest of the class: one tick, one click.
    page.get_by_label(f"Chọn cả 28 lượt Đã gửi của lớp {CLASS}").check()
    assert page.locator("input[name=ids]:checked").count() == 28  # the local helper
    assert page.locator("#id_action").input_value() == "approve"
    step("class-selected")
    page.get_by_role("button", name="Thực hiện").click()
    page.wait_for_load_state("load")
    rest = [n.pk for n in nominations if n.pk not in (young.pk, other.pk)]
    assert Enrollment.objects.filter(nomination_id__in=rest).count() == 28
    assert set(Nomination.objects.filter(pk__in=rest).values_list("state", flat=True)) == {
        "approved"
    }
    assert page.locator("#review-empty").is_visible()
    step("class-approved")
    context.close()
