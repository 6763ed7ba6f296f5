"""A paper form typed in wrongly, taken back from the data-entry page and typed in again
(in Vietnamese, through the shared confirmation page); and the evaluation report's form,
which lets a deputy sign."""

import pytest

from demo.seed import DEMO_PASSWORD
from evaluation.models import EvaluationResponse
from tests.browser.conftest import login_with_form, screenshot
from tests.evaluation.builders import build_year

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def year():
    data = build_year()
    data.coordinator.set_password(DEMO_PASSWORD)
    data.coordinator.save()
    return data


def test_withdraw_a_typed_paper_form_and_type_it_again(page, year):
    code = year.class_a.code
    login_with_form(page, year.coordinator.username)
    page.goto(f"/classes/{code}/evaluation/enter/?number=1")
    assert "đã được nhập" in page.locator("#number-problem").inner_text()
    page.locator("#withdraw-link").click()
    assert page.locator("#id_number").input_value() == "1"
    page.get_by_label("Lý do rút phiếu").fill("Nhập nhầm cột 3")
    screenshot(page, "evaluation-paper-withdraw")
    page.locator("#confirm-button").click()
    page.locator("#entry-form").wait_for()
    assert page.locator("#entry-label").inner_text() == f"{code} · 001"
    assert not EvaluationResponse.objects.filter(evaluation__training_class=year.class_a, number=1)


def test_the_report_form_asks_the_signers_title_and_recipients(page, year):
    login_with_form(page, year.coordinator.username)
    page.goto(f"/reports/classes/{year.class_a.code}/evaluation/")
    form = page.locator("#report-form")
    assert form.get_by_label("Chức vụ người ký").input_value() == "GIÁM ĐỐC"
    assert "Lãnh đạo Sở" in form.locator("textarea[name=recipients]").input_value()
    screenshot(page, "evaluation-report-form")
