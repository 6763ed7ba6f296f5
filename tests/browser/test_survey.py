"""Issue 18 in real Chromium: a participant answers the class's evaluation on a 390 px
phone from their personal link, sees their form number, corrects an answer; then staff
type a paper form in on the data-entry page. Screenshots: test-artifacts/survey-*.png."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import Role
from evaluation import services
from evaluation.models import EvaluationResponse
from tests import factories as f
from tests.browser.conftest import screenshot
from tests.browser.test_phone_layouts import _axe_violations
from tests.evaluation.conftest import default_template

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
OFFICE = {"width": 1366, "height": 768}


def _setup():
    klass = f.training_class(code="TTDN-2023-L4", state="running")
    f.session(klass, trainers=[f.trainer(full_name="Lò Văn Pành")])
    unit = f.organisation(name="UBND huyện Mường Tè")
    enrollment = f.enrollment(klass, unit)
    coordinator = f.user(Role.COORDINATOR, username="dieuphoi")
    evaluation = services.evaluation_open(
        actor=coordinator, training_class=klass, template=default_template()
    )
    return klass, enrollment, coordinator, evaluation


def _choose(page, indicator_pk: int, value: int) -> None:
    # The radio itself is hidden (btn-check): a person taps its label, the big button.
    page.locator(f'label[for="id_i{indicator_pk}_{value - 1}"]').click()


def test_participant_answers_on_a_phone_and_staff_enter_a_paper_form(browser, live_server):
    klass, enrollment, coordinator, evaluation = _setup()
    indicators = list(evaluation.indicators().values_list("pk", flat=True))

    phone = browser.new_context(
        base_url=live_server.url, viewport=PHONE, is_mobile=True, has_touch=True
    )
    page = phone.new_page()
    page.set_default_timeout(20_000)
    url = f"/p/{enrollment.page_token}/danh-gia/"
    response = page.goto(url)
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "same-origin"
    # Five tap targets per indicator, each large enough for a thumb, none off the screen.
    first = page.locator(f'label[for="id_i{indicators[0]}_0"]').bounding_box()
    last = page.locator(f'label[for="id_i{indicators[0]}_4"]').bounding_box()
    assert first["height"] >= 44 and first["width"] >= 44
    assert last["x"] + last["width"] <= PHONE["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert "Rất tốt" in page.locator("#scale-legend").inner_text()
    screenshot(page, "survey-phone-form")
    assert _axe_violations(page, "#evaluation-answer") == []

    for pk in indicators:
        _choose(page, pk, 4)
    section = evaluation.sections.first()
    page.locator(f"#id_c{section.pk}").fill("Cần thêm thời gian thực hành")
    page.locator("#save-answers").click()
    page.locator("#form-number").wait_for()
    saved = EvaluationResponse.objects.get()
    assert page.locator("#form-number").inner_text() == saved.label
    assert saved.answered == len(indicators) and saved.is_valid
    screenshot(page, "survey-phone-saved")

    # Correcting: the form shows the previous answers; one changes, the number stays.
    assert page.locator(f"#id_i{indicators[0]}_3").is_checked()
    _choose(page, indicators[0], 2)
    page.locator("#save-answers").click()
    page.locator("#form-number").wait_for()
    saved.refresh_from_db()
    assert saved.answers.get(indicator_id=indicators[0]).value == 2
    assert EvaluationResponse.objects.count() == 1
    assert page.locator("#form-number").inner_text() == saved.label
    screenshot(page, "survey-phone-corrected")
    phone.close()

    # Staff type in paper form 2 (1 went to the online form).
    batch = services.paper_forms_reserve(actor=coordinator, evaluation=evaluation, count=2)
    assert batch.first_number == 2
    office = browser.new_context(base_url=live_server.url, viewport=OFFICE)
    client = Client()
    client.force_login(coordinator)
    office.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = office.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"/classes/{klass.code}/evaluation/enter/")
    # A number never printed is refused, naming the form.
    page.locator("#id_number").fill("9")
    page.locator("#check-number").click()
    assert "TTDN-2023-L4 · 009" in page.locator("#number-problem").inner_text()
    page.locator("#id_number").fill("2")
    page.keyboard.press("Enter")
    page.locator("#entry-form").wait_for()
    assert "TTDN-2023-L4 · 002" in page.locator("#entry-label").inner_text()
    # The quick field: one digit per indicator, 0 for a blank, spaces between groups.
    digits = "0" + "5" * (len(indicators) - 1)
    page.locator("#id_quick").fill(" ".join(digits[i : i + 5] for i in range(0, len(digits), 5)))
    screenshot(page, "survey-entry-form")
    assert _axe_violations(page, "#entry-form") == []
    page.locator("#save-form").click()
    page.wait_for_url("**?next=3")
    paper = EvaluationResponse.objects.get(number=2)
    assert paper.source == "paper" and paper.answered == len(indicators) - 1
    assert paper.is_valid  # 1 blank of 23 is under 5 %
    assert page.locator("#id_number").input_value() == "3"
    screenshot(page, "survey-entry-next")
    # The class's evaluation page: counts only.
    page.goto(f"/classes/{klass.code}/evaluation/")
    assert page.locator("#count-total").inner_text() == "2"
    assert page.locator("#count-enrolled").inner_text() == "1"
    assert "Cần thêm thời gian thực hành" not in page.content()
    screenshot(page, "survey-class-evaluation")
    # The coordinator's templates: the list, and a template's sections.
    page.goto("/evaluation/templates/")
    page.locator("#templates a").first.click()
    page.locator("#sections").wait_for()
    assert page.locator("#sections li.list-group-item").count() == 5
    screenshot(page, "survey-template-edit")
    office.close()
