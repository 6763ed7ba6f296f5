"""#15 item 8 in real Chromium: on a trainer's phone (390×844) the attendance list, the
review and the people / nomination lists fit the screen with their actions in view, and
attendance is corrected with one control per person and a single save. The office
screen (1366×768) keeps its tables. Screenshots: test-artifacts/phone-*.png."""

import datetime

import pytest
from django.test import Client

from attendees.models import Attendance, Enrollment
from courses.models import AuditLog
from tests import factories as f
from tests.browser.conftest import screenshot
from tests.browser.test_accessibility import AXE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
OFFICE = {"width": 1366, "height": 768}

# Long names and a long unit name: what wrapped one word a line in the issue.
NAMES = [
    "Giàng Thị Dợ",
    "Lò Văn Ửng",
    "Đặng Thị Ánh",
    "Vàng A Sử",
    "Nguyễn Thị Hường",
    "Tòng Văn Khiêm",
    "Lý Thị Mai",
    "Pờ Xuân Hải",
    "Chang A Lò",
    "Hoàng Thị Thanh Thủy",
    "Phàn Văn Thắng",
    "Tẩn Thị Sỉ",
    "Bùi Quang Huy",
    "Sùng A Páo",
    "Lường Thị Hiền",
    "Mào Văn Chương",
    "Khoàng Thị Na",
    "Điêu Chính Tươi",
    "Cứ A Dề",
    "Hờ Thị Mỷ",
]


def _context(browser, live_server, user, viewport):
    phone = viewport == PHONE
    context = browser.new_context(
        base_url=live_server.url, viewport=viewport, is_mobile=phone, has_touch=phone
    )
    client = Client()
    client.force_login(user)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    return context, page


def _no_horizontal_overflow(page, width: int) -> None:
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"page is {scroll_width} px wide on a {width} px screen"


def _in_viewport(page, locator) -> None:
    box = locator.bounding_box()
    assert box is not None, "not rendered"
    width = page.viewport_size["width"]
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, f"off to the side: {box}"


def _axe_violations(page, selector: str) -> list[str]:
    """Serious and critical axe violations inside the list (the pages around it are
    test_accessibility's business), one line per element."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    results = page.evaluate(
        "(s) => axe.run(document.querySelector(s), {resultTypes: ['violations']})", selector
    )
    return [
        f"{v['impact']} {v['id']}: {v['help']} — {node['target']} {node['failureSummary']}"
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
        for node in v["nodes"]
    ]


def _height(page) -> int:
    return page.evaluate("document.documentElement.scrollHeight")


@pytest.fixture
def class_of_twenty(world):
    """Twenty people of a unit with a long name in class L3, their session taken by the
    trainer: twelve present, two late, one excused, two absent, three not recorded."""
    unit = world.unit_a
    unit.name = "Ủy ban nhân dân huyện Mường Tè tỉnh Lai Châu"
    unit.save()
    people = []
    for name in NAMES:
        p = f.participant(unit, full_name=name, position="Chuyên viên Phòng Văn hóa và Thông tin")
        n = f.nomination(world.class_a, unit, person=p, state="approved")
        people.append(
            Enrollment.objects.create(
                nomination=n,
                training_class=world.class_a,
                participant=p,
                organisation=unit,
                category=n.category,
            )
        )
    statuses = ["present"] * 12 + ["late"] * 2 + ["excused"] + ["absent"] * 2 + [None] * 3
    for e, status in zip(people, statuses, strict=True):
        if status:
            Attendance.objects.create(
                enrollment=e,
                session=world.session_a,
                status=status,
                reason="Đi công tác" if status == "excused" else "",
                first_scan_at=(
                    datetime.datetime.now(datetime.UTC) if status in ("present", "late") else None
                ),
            )
    return people


def _by_name(people, name):
    return next(e for e in people if e.participant.full_name == name)


def test_attendance_list_on_a_phone_one_control_per_person_one_save(
    browser, live_server, world, class_of_twenty
):
    people = class_of_twenty
    absent = _by_name(people, "Mào Văn Chương")  # the 16th: absent
    assert Attendance.objects.get(enrollment=absent).status == "absent"
    unrecorded = _by_name(people, "Hờ Thị Mỷ")
    late = _by_name(people, "Bùi Quang Huy")
    present = _by_name(people, "Giàng Thị Dợ")
    context, page = _context(browser, live_server, world.trainer, PHONE)
    page.goto(f"/sessions/{world.session_a.pk}/attendance/")
    height = _height(page)
    print(f"attendance list at 390 px: {height} px")
    screenshot(page, "phone-attendance-1-list")

    # Twenty people in well under the 2,800 px of one open form a row, none off to the side.
    assert height < 2000, height
    _no_horizontal_overflow(page, 390)
    first = page.locator("#attendance [data-enrollment]").first
    _in_viewport(page, first.locator("select"))
    save = page.locator("#attendance-save")
    assert save.is_visible()
    _in_viewport(page, save)

    # Each control shows the current status: absent stays absent, no mark is "chưa ghi".
    def status_of(e):
        return page.locator(f'[data-enrollment="{e.pk}"] select')

    assert status_of(absent).input_value() == "absent"
    assert status_of(late).input_value() == "late"
    assert status_of(unrecorded).input_value() == ""
    violations = _axe_violations(page, "#attendance-form")
    assert violations == [], "\n".join(violations)
    assert "chưa ghi" in status_of(unrecorded).locator("option:checked").inner_text().lower()
    assert page.locator('[data-count="absent"]').inner_text() == "2"
    assert page.locator('[data-count="missing"]').inner_text() == "3"

    # Two changes, one "Lưu".
    status_of(absent).select_option("excused")
    page.locator(f'[data-enrollment="{absent.pk}"] input[name^="reason-"]').fill("Ốm, có giấy")
    status_of(unrecorded).select_option("present")
    screenshot(page, "phone-attendance-2-changed")
    save.click()
    page.wait_for_selector(".alert-success")
    screenshot(page, "phone-attendance-3-saved")

    got = {a.enrollment_id: (a.status, a.reason) for a in Attendance.objects.all()}
    assert got[absent.pk] == ("excused", "Ốm, có giấy")
    assert got[unrecorded.pk][0] == "present"
    assert got[present.pk] == ("present", "")
    corrected = AuditLog.objects.filter(action="attendance.correct")
    assert corrected.count() == 2
    # The counters count the rows as they now are.
    assert page.locator('[data-count="absent"]').inner_text() == "1"
    assert page.locator('[data-count="excused"]').inner_text() == "2"
    assert page.locator('[data-count="missing"]').inner_text() == "2"
    assert page.locator('[data-count="present"]').inner_text() == "13"
    assert status_of(absent).input_value() == "excused"
    assert status_of(unrecorded).input_value() == "present"

    # An excuse without a reason: refused beside that person, the other change kept,
    # nothing saved.
    no_reason, other = _by_name(people, "Cứ A Dề"), _by_name(people, "Khoàng Thị Na")
    status_of(no_reason).select_option("excused")
    status_of(other).select_option("late")
    page.locator("#attendance-save").click()
    refused = page.locator(f'[data-enrollment="{no_reason.pk}"] .row-errors')
    refused.wait_for()
    assert "lý do" in refused.inner_text()
    _in_viewport(page, refused)
    assert "Cứ A Dề" in page.locator(".alert-danger").inner_text()
    assert status_of(other).input_value() == "late"
    assert status_of(no_reason).input_value() == "excused"
    assert page.locator(f'[data-enrollment="{no_reason.pk}"] input[name^="reason-"]').is_visible()
    screenshot(page, "phone-attendance-4-refused")
    assert Attendance.objects.get(enrollment=other).status == "absent"
    assert not Attendance.objects.filter(enrollment=no_reason).exists()
    assert AuditLog.objects.filter(action="attendance.correct").count() == 2
    context.close()


def test_attendance_list_at_the_office_stays_a_table(browser, live_server, world, class_of_twenty):
    context, page = _context(browser, live_server, world.trainer, OFFICE)
    page.goto(f"/sessions/{world.session_a.pk}/attendance/")
    screenshot(page, "phone-attendance-office")
    violations = _axe_violations(page, "#attendance-form")
    assert violations == [], "\n".join(violations)
    header = page.locator("#attendance thead")
    assert header.is_visible()
    assert header.locator("th").count() >= 4
    # The unit has its own column at the office.
    assert page.locator("#attendance tbody tr").first.locator("td").nth(1).is_visible()
    _no_horizontal_overflow(page, 1366)
    context.close()


def test_review_on_a_phone_fits_with_ticks_and_action_in_view(
    browser, live_server, world, class_of_twenty
):
    unit = world.unit_a
    submitted = [
        f.nomination(
            world.class_a,
            unit,
            person=f.participant(unit, full_name=name, position="Phó Trưởng phòng"),
            state="submitted",
        )
        for name in ("Vừ A Dính", "Lầu Thị Dua", "Giàng Seo Phủ")
    ]
    context, page = _context(browser, live_server, world.coordinator, PHONE)
    page.goto("/nominations/review/")
    print(f"review at 390 px: {_height(page)} px")
    screenshot(page, "phone-review-1")
    _no_horizontal_overflow(page, 390)
    apply = page.get_by_role("button", name="Thực hiện")
    _in_viewport(page, apply)
    first = page.locator(f'tr[data-nomination="{submitted[0].pk}"]')
    _in_viewport(page, first.locator('input[name="ids"]'))
    # Select all of the unit, on the phone as at the office.
    page.locator('input[name="all_unit"]').check()
    ticked = page.locator('input[name="ids"]:checked')
    assert ticked.count() == 3
    screenshot(page, "phone-review-2-all-ticked")
    context.close()


def test_unit_nominations_on_a_phone_substitute_and_withdraw_in_view(
    browser, live_server, world, class_of_twenty
):
    world.class_a.state = "nominating"
    world.class_a.save()
    context, page = _context(browser, live_server, world.nominator_a, PHONE)
    page.goto(f"/classes/{world.class_a.code}/nominations/")
    print(f"unit nominations at 390 px: {_height(page)} px")
    screenshot(page, "phone-nominations")
    _no_horizontal_overflow(page, 390)
    row = page.locator("#nominations tbody tr").first
    _in_viewport(page, row.get_by_role("link", name="Thay người"))
    _in_viewport(page, row.get_by_role("button", name="Rút"))
    violations = _axe_violations(page, "#nominations")
    assert violations == [], "\n".join(violations)
    context.close()


@pytest.mark.parametrize(
    ("name", "url"), [("enrollments", "/classes/TTDN-2023-L3/enrollments/"), ("people", "/people/")]
)
def test_people_lists_on_a_phone_fit(browser, live_server, world, class_of_twenty, name, url):
    context, page = _context(browser, live_server, world.coordinator, PHONE)
    page.goto(url)
    print(f"{name} at 390 px: {_height(page)} px")
    screenshot(page, f"phone-{name}")
    _no_horizontal_overflow(page, 390)
    # Each person is one card: the name on its first line, the column headings hidden.
    first = page.locator("table.table-cards tbody tr").first
    _in_viewport(page, first.locator(".tc-main"))
    # (kept for screen readers, one pixel high)
    assert page.locator("table.table-cards thead").first.bounding_box()["height"] <= 1
    context.close()


@pytest.mark.parametrize(
    ("name", "url"),
    [
        ("review", "/nominations/review/?state="),
        ("enrollments", "/classes/TTDN-2023-L3/enrollments/"),
        ("people", "/people/"),
        ("nominations", "/classes/TTDN-2023-L3/nominations/?unit={unit}"),
    ],
)
def test_office_layout_keeps_its_tables(browser, live_server, world, class_of_twenty, name, url):
    context, page = _context(browser, live_server, world.coordinator, OFFICE)
    page.goto(url.format(unit=world.unit_a.pk))
    screenshot(page, f"phone-office-{name}")
    # The column headings are shown: a table, not cards.
    assert page.locator(
        "#nominations thead, #enrollments thead, #people thead, .review-table thead"
    ).first.is_visible()
    _no_horizontal_overflow(page, 1366)
    context.close()
