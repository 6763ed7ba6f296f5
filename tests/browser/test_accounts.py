"""#15 item 6 in real Chromium, at an office screen (1366×768) and a phone (390×844): the
coordinator creates a unit officer's account from the menu, logs out, and the new officer
logs in to their unit's home. Screenshots: test-artifacts/accounts-*.png."""

import pytest
from django.core.management import call_command

from accounts.models import Role, User
from courses.models import AuditLog
from tests.browser.conftest import login_with_form, logout_with_menu, open_menu, screenshot
from tests.browser.test_accessibility import AXE, _axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENS = {"1366": {"width": 1366, "height": 768}, "390": {"width": 390, "height": 844}}
UNIT = "Bộ Chỉ huy Bộ đội Biên phòng tỉnh Lai Châu"  # nominates, and exists today
PASSWORD = "Cao-nguyen-da-2026!"


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))


@pytest.fixture
def screen_page(browser, live_server):
    contexts = []

    def make(viewport):
        context = browser.new_context(base_url=live_server.url, locale="vi-VN", viewport=viewport)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield make
    for context in contexts:
        context.close()


def _menu(page, name: str) -> None:
    open_menu(page)
    page.get_by_role("navigation", name="Trình đơn chính").get_by_role(
        "link", name=name, exact=True
    ).click()


def _no_serious_axe_violation(page) -> None:
    assert AXE.exists(), "axe-core missing: run `make assets` (npm ci)"
    violations = _axe_violations(page)
    assert violations == [], "\n".join(violations)


@pytest.mark.parametrize("screen", SCREENS)
def test_coordinator_creates_a_unit_officer_who_then_logs_in(screen_page, demo, screen):
    page = screen_page(SCREENS[screen])
    username = f"bienphong{screen}"
    login_with_form(page, "dieuphoi")
    page.wait_for_url(lambda url: "/login/" not in url)

    _menu(page, "Tài khoản")
    page.get_by_role("heading", name="Tài khoản", exact=True).wait_for()
    rows = page.locator("#account-table tbody tr")
    assert rows.filter(has_text="muongte").count() == 1
    # Coordinators are listed but not editable here.
    assert rows.filter(has_text="dieuphoi").get_by_role("link").count() == 0
    _no_serious_axe_violation(page)
    screenshot(page, f"accounts-list-{screen}")

    page.get_by_role("link", name="Tạo tài khoản").click()
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Họ và tên").fill("Giàng A Páo")
    page.get_by_label("Cán bộ đơn vị (cử học viên)").check()
    # The form shows what the role is bound to: a unit, not a trainer record.
    assert not page.get_by_label("Hồ sơ giảng viên").is_visible()
    # Only units that exist today: the districts dissolved in 2025 are not offered.
    unit = page.get_by_label("Đơn vị", exact=True)
    options = unit.locator("option").all_inner_texts()
    assert UNIT in options
    assert "UBND huyện Mường Tè" not in options
    unit.select_option(label=UNIT)
    page.get_by_label("Mật khẩu ban đầu").fill(PASSWORD)
    _no_serious_axe_violation(page)
    screenshot(page, f"accounts-new-{screen}")
    page.get_by_role("button", name="Tạo tài khoản").click()

    page.get_by_text(f"Đã tạo tài khoản {username}.").wait_for()
    new_row = page.locator(f'#account-table tr[data-username="{username}"]')
    assert UNIT in new_row.inner_text()
    screenshot(page, f"accounts-created-{screen}")
    officer = User.objects.get(username=username)
    assert (officer.role, officer.organisation.name, officer.is_staff) == (
        Role.NOMINATOR,
        UNIT,
        False,
    )
    assert AuditLog.objects.filter(action="account.create", target_id=str(officer.pk)).exists()

    # Disabling asks first, saying nothing is deleted; cancelled here.
    new_row.get_by_role("link", name="Tạm khoá").click()
    page.get_by_role("heading", name="Tạm khoá tài khoản này?").wait_for()
    assert "Không xoá dữ liệu nào" in page.locator("#consequences").inner_text()
    _no_serious_axe_violation(page)
    screenshot(page, f"accounts-disable-confirm-{screen}")
    page.get_by_role("link", name="Hủy").click()
    page.wait_for_url("**/accounts/")

    logout_with_menu(page)
    page.goto("/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(lambda url: "/login/" not in url)

    home = page.locator("#next-action")
    home.wait_for()
    assert home.locator("#next-action-title").inner_text() == f"Việc cần làm của {UNIT}"
    assert home.locator(".unit-open-class").count() == 3  # L2, L3, L4 have seats for it
    assert home.get_by_role("link", name="Cử học viên").first.is_visible()
    # Not the coordinator's menu: no accounts, no review.
    nav = page.get_by_role("navigation", name="Trình đơn chính")
    assert nav.get_by_role("link", name="Tài khoản", exact=True).count() == 0
    screenshot(page, f"accounts-officer-home-{screen}")
    officer.refresh_from_db()
    assert officer.last_login is not None


def test_quota_grid_of_a_2026_class_explains_the_reform_and_adds_a_commune(screen_page, demo):
    """dieuphoi opens the quotas of a class held after the 2025 reform: two units, a note
    naming the dissolved districts, and a link to the admin, where they add a commune; back
    on the grid, the commune has its row."""
    import datetime

    from courses.models import Organisation, TrainingClass

    old = TrainingClass.objects.get(code="TTDN-2023-L2")
    klass = TrainingClass.objects.create(
        code="TTDN-2026-L1",
        title="Lớp bồi dưỡng năm 2026",
        plan=old.plan,
        year=2026,
        venue=old.venue,
        organiser=old.organiser,
        start_date=datetime.date(2026, 3, 10),
        end_date=datetime.date(2026, 3, 12),
        capacity=60,
        state="planning",
    )
    page = screen_page(SCREENS["1366"])
    login_with_form(page, "dieuphoi")
    page.wait_for_url(lambda url: "/login/" not in url)
    page.goto(f"/classes/{klass.code}/quotas/")
    note = page.locator("#units-not-valid")
    assert page.locator("table.table-quota tbody tr").count() == 2
    assert "13 đơn vị khác có trong danh mục nhưng không được liệt kê" in note.inner_text()
    assert "bỏ cấp huyện từ ngày 01/7/2025" in note.inner_text()
    note.locator("summary").click()  # more than ten: folded under its count
    assert "UBND huyện Mường Tè — hiệu lực đến ngày 30/06/2025" in note.inner_text()
    _no_serious_axe_violation(page)
    screenshot(page, "quota-2026-before")

    note.get_by_role("link", name="Thêm đơn vị").click()
    page.get_by_label("Tên:").fill("UBND xã Mường Tè")
    page.get_by_label("Loại hình:").select_option(label="Ủy ban nhân dân cấp xã")
    page.get_by_label("Mã đơn vị:").fill("XA-MUONGTE")
    page.get_by_label("Hiệu lực từ ngày:").fill("01/07/2025")
    assert page.get_by_label("Là đơn vị cử học viên").is_checked()  # prefilled by the link
    screenshot(page, "quota-2026-admin-add-unit")
    page.locator("input[name=_save]").click()
    page.wait_for_url("**/admin/courses/organisation/")
    unit = Organisation.objects.get(code="XA-MUONGTE")
    assert (unit.valid_from, unit.can_nominate) == (datetime.date(2025, 7, 1), True)

    page.goto(f"/classes/{klass.code}/quotas/")
    rows = page.locator("table.table-quota tbody tr")
    assert rows.count() == 3
    assert rows.filter(has_text="UBND xã Mường Tè").count() == 1
    screenshot(page, "quota-2026-after")
