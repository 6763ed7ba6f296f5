"""The evaluation's statistics pages in a browser, in Vietnamese: the figures and the
server-drawn charts are there, nothing overflows a phone's width (the wide tables scroll
in their own box)."""

import pytest

from demo.seed import DEMO_PASSWORD
from tests.browser.conftest import login_with_form, screenshot
from tests.evaluation.builders import build_year

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def year():
    data = build_year()
    data.coordinator.set_password(DEMO_PASSWORD)
    data.coordinator.save()
    return data


def test_class_and_year_statistics(page, year):
    login_with_form(page, year.coordinator.username)
    page.goto(f"/reports/classes/{year.class_a.code}/evaluation/")
    assert page.locator('[data-figure="mean"]').inner_text() == "3,97"
    assert page.get_by_role("heading", name="Thống kê đánh giá").count() == 1
    assert page.locator("#chart-sections svg").count() == 2
    assert page.locator("#section-1 tfoot [data-mean=section]").inner_text() == "3,78"
    screenshot(page, "evaluation-class-statistics")
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/reports/evaluation/2023/")
    assert page.locator('[data-figure="mean"]').inner_text() == "3,81"
    assert page.locator("#chart-lecturers li").first.get_attribute("data-value") == "4,13"
    screenshot(page, "evaluation-year-statistics")
