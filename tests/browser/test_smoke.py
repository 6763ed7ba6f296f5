"""A newcomer's first minutes, in a real browser: log in per role, open a class."""

import pytest
from django.core.management import call_command

from tests.browser.conftest import login_with_form, open_menu, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))


def _login(page, username):
    login_with_form(page, username)


def test_coordinator_logs_in_and_opens_a_class(page, demo):
    _login(page, "dieuphoi")
    page.wait_for_selector("[data-class-code]")
    codes = page.locator("[data-class-code]").evaluate_all(
        "els => els.map(e => e.dataset.classCode)"
    )
    assert codes == [
        "TTDN-2023-L1",
        "TTDN-2023-L2",
        "TTDN-2023-L3",
        "TTDN-2023-L4",
        "TTDN-THUCHANH",
    ]
    # The plan's 360 seats; the practice class is listed but not counted.
    main = page.locator("main").inner_text()
    assert "360/360" in main and "1 lớp thực hành không tính" in main
    screenshot(page, "dashboard-coordinator")

    page.get_by_role("link", name="TTDN-2023-L1").click()
    page.wait_for_selector("#sessions")
    assert page.locator("#sessions tbody tr").count() == 6
    assert "Báo Lai Châu" in page.locator("#quotas").inner_text()
    assert "Nguyễn Văn Hùng" in page.locator("#trainers").inner_text()
    screenshot(page, "class-detail-coordinator")


def test_nominator_sees_only_their_class_and_unit(page, demo):
    _login(page, "muongte")
    page.wait_for_selector("[data-class-code]")
    codes = page.locator("[data-class-code]").evaluate_all(
        "els => els.map(e => e.dataset.classCode)"
    )
    assert codes == ["TTDN-2023-L3"]
    page.get_by_role("link", name="TTDN-2023-L3").click()
    quotas = page.locator("#quotas").inner_text()
    assert "Mường Tè" in quotas and "Nậm Nhùn" not in quotas


def test_wrong_password_is_explained_in_vietnamese(page, demo):
    page.goto("/")
    page.get_by_label("Tên đăng nhập").fill("dieuphoi")
    page.get_by_label("Mật khẩu").fill("sai-mat-khau")
    page.get_by_role("button", name="Đăng nhập").click()
    assert "mật khẩu" in page.locator(".alert").inner_text().lower()


def test_phone_layout_and_language_switch(browser, live_server, demo):
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    _login(page, "giangvien")
    page.wait_for_selector("[data-class-code]")
    # The menu collapses behind the toggler on a phone.
    assert page.locator(".navbar-toggler").is_visible()
    assert page.locator("[data-class-code]").count() == 3  # L1, L2 and the practice class
    screenshot(page, "dashboard-trainer-phone")
    open_menu(page)
    page.get_by_role("button", name="English").click()
    page.wait_for_selector("text=Training classes")
    assert page.locator("html").get_attribute("lang") == "en"
    context.close()


def test_coordinator_edits_quotas_with_live_totals(page, demo):
    _login(page, "dieuphoi")
    page.wait_for_selector("[data-class-code]")
    page.goto("/classes/TTDN-2023-L2/quotas/")
    status = page.locator("#quota-status")
    assert status.inner_text() == "Còn lại: 0 chỗ"
    row = page.locator("tr", has=page.locator("th", has_text="UBND huyện Phong Thổ"))
    first = row.locator("input").first
    first.fill("40")  # was 30: ten over the capacity of 90
    assert status.inner_text() == "Vượt sĩ số tối đa 10 chỗ"
    page.get_by_role("button", name="Lưu chỉ tiêu").click()
    assert "100" in page.locator(".alert-danger").inner_text()
    # Nothing was saved; take the ten seats from Tam Đường instead.
    page.locator("tr", has=page.locator("th", has_text="UBND huyện Tam Đường")).locator(
        "input"
    ).first.fill("6")
    assert status.inner_text() == "Còn lại: 0 chỗ"
    page.get_by_role("button", name="Lưu chỉ tiêu").click()
    page.wait_for_selector("#quotas")
    quotas = page.locator("#quotas").inner_text()
    assert "UBND huyện Phong Thổ\t40" in quotas and "UBND huyện Tam Đường\t6" in quotas
    screenshot(page, "quota-saved")


def test_coordinator_adds_a_session_in_the_class_venue(page, demo):
    _login(page, "dieuphoi")
    page.wait_for_selector("[data-class-code]")
    page.goto("/classes/TTDN-2023-L2/sessions/new/")
    page.get_by_label("Ngày").fill("26/10/2023")
    page.get_by_label("Giờ bắt đầu").fill("17:00")
    page.get_by_label("Giờ kết thúc").fill("18:30")
    page.get_by_label("Nội dung").fill("Tổng kết lớp học")
    page.get_by_label("Tòng Thị Ánh").check()
    page.get_by_role("button", name="Lưu").click()
    page.wait_for_selector("#sessions")
    assert page.locator("#sessions tbody tr").count() == 7
    assert "Tổng kết lớp học" in page.locator("#sessions").inner_text()
