"""The nominator's journey in a real browser, at an office screen (1366×768) and a phone
(390×844): one person added through the form, then the template downloaded, filled,
uploaded, the reported rows fixed; the unit confirms sending all four; the coordinator
approves; the enrollment list prints in the right order with correct diacritics."""

import datetime
import io
import subprocess

import openpyxl
import pytest
from django.core.management import call_command

from attendees.models import Enrollment, Nomination
from tests.browser.conftest import ARTIFACTS, login_with_form, logout_with_menu, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PEOPLE = [
    # name, date of birth (cell value), gender, ethnicity, CCCD (as a number: zero lost), phone, category
    ("Giàng Thị Dợ", datetime.date(1994, 7, 2), "Nữ", "H'Mông", 12194004321, "0987 654 321", "a"),
    ("Lò Văn Ửng", "12/11/1988", "Nam", "Thái", None, "912345678", "c"),
    ("Đặng Thị Ánh", "31/02/1991", "Nữ", "Dao", None, "01234567890", "d"),  # two mistakes
]


def _fill(template: bytes, people) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(template))
    ws = wb.worksheets[0]
    header_row = next(r for r in range(1, 20) if any(c.value == "Họ và tên" for c in ws[r]))
    columns = {c.value: c.column for c in ws[header_row] if c.value}
    for r in range(header_row + 1, ws.max_row + 1):  # remove the example row(s)
        for c in ws[r]:
            c.value = None
    for i, (name, born, gender, ethnicity, cccd, phone, category) in enumerate(people, start=1):
        row = header_row + i
        values = {
            "STT": i,
            "Họ và tên": name,
            "Ngày sinh": born,
            "Giới tính": gender,
            "Dân tộc": ethnicity,
            "Số CCCD": cccd,
            "Số điện thoại": phone,
            "Chức vụ": "Công chức Văn hóa - Xã hội",
            "Cơ quan/Đơn vị công tác": "UBND xã Mù Cả",
            "Đối tượng": category,
            "Hưởng lương NSNN": "Có",
        }
        for title, value in values.items():
            ws.cell(row=row, column=columns[title], value=value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _category_name(code: str) -> str:
    from courses.models import ParticipantCategory

    return ParticipantCategory.objects.get(code=code).name


def _login(page, username):
    login_with_form(page, username)
    page.wait_for_url("**/")


SCREENS = {"office": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


@pytest.mark.parametrize("screen", SCREENS)
def test_nominate_by_form_and_spreadsheet_then_approve_then_print(
    browser, live_server, tmp_path, screen
):
    call_command("seed_demo", stdout=io.StringIO())
    context = browser.new_context(
        base_url=live_server.url, accept_downloads=True, viewport=SCREENS[screen]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)

    # 1. The Mường Tè officer opens the class and downloads the template.
    _login(page, "muongte")
    # The home's own "Cử học viên" leads straight to the unit's list for the open class.
    page.locator("main").get_by_role("link", name="Cử học viên").first.click()
    list_url = page.url

    # 1a. One person through the form, as a clerk types them.
    page.get_by_role("link", name="Thêm người").click()
    page.fill("#id_full_name", "Vàng  A   Sùng")
    page.get_by_label("Nam", exact=True).check()
    page.fill("#id_date_of_birth", "05/09/1990")
    page.fill("#id_phone", "0912 000 111")
    page.select_option("#id_category", label="c) " + _category_name("c"))
    screenshot(page, f"nominate-form-{screen}")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(list_url)
    assert Nomination.objects.get(participant__full_name="Vàng A Sùng").state == "draft"

    with page.expect_download() as download:
        page.get_by_role("link", name="Mẫu").click()
    template = download.value.path().read_bytes()

    # 2. Fills it (as a spreadsheet program would) and uploads it: two mistakes in row 3.
    bad = tmp_path / "danh-sach-muong-te.xlsx"
    bad.write_bytes(_fill(template, PEOPLE))
    page.get_by_role("link", name="Nhập từ bảng tính").click()
    page.set_input_files("input[type=file]", str(bad))
    page.get_by_role("button", name="Kiểm tra tệp").click()
    errors = page.locator("#import-errors").inner_text()
    screenshot(page, f"import-errors-{screen}")
    assert "Ngày sinh" in errors and "Số điện thoại" in errors
    assert (
        Nomination.objects.filter(participant__full_name="Giàng Thị Dợ").count() == 0
    )  # nothing saved

    # 3. Fixes the reported cells and uploads again.
    fixed_people = [
        *PEOPLE[:2],
        ("Đặng Thị Ánh", "28/02/1991", "Nữ", "Dao", None, "0398765432", "d"),
    ]
    good = tmp_path / "danh-sach-muong-te-sua.xlsx"
    good.write_bytes(_fill(template, fixed_people))
    page.get_by_role("link", name="Tải lên tệp đã sửa").click()
    page.set_input_files("input[type=file]", str(good))
    page.get_by_role("button", name="Kiểm tra tệp").click()
    assert page.locator("#import-rows tbody tr").count() == 3
    page.get_by_role("button", name="Nhập thành bản nháp").click()
    # 3a. Sends all four, after a confirmation naming them; nothing is sent before.
    page.get_by_role("link", name="Gửi 4").click()
    assert Nomination.objects.filter(organisation__code="107", state="submitted").count() == 0
    confirm = page.locator("#confirm-action").inner_text()
    assert "4 người sẽ được gửi lên Sở để duyệt" in confirm
    assert "Vàng A Sùng" in confirm and "Giàng Thị Dợ" in confirm
    screenshot(page, f"nominate-confirm-{screen}")
    page.locator("#confirm-button").click()
    page.wait_for_url(list_url)
    assert Nomination.objects.get(participant__full_name="Vàng A Sùng").state == "submitted"
    assert set(
        Nomination.objects.filter(
            organisation__code="107", participant__full_name__in=[p[0] for p in PEOPLE]
        ).values_list("state", flat=True)
    ) == {"submitted"}
    dợ = Nomination.objects.get(participant__full_name="Giàng Thị Dợ").participant
    assert (
        dợ.citizen_id == "012194004321"
        and dợ.phone == "+84987654321"
        and dợ.ethnicity.name == "Mông"
    )

    # 4. The coordinator approves them.
    logout_with_menu(page)
    _login(page, "dieuphoi")
    page.goto("/nominations/review/?training_class=TTDN-2023-L3&state=submitted")
    page.get_by_label("Chọn cả 4 lượt Đã gửi của lớp TTDN-2023-L3").check()
    page.get_by_role("button", name="Thực hiện").click()
    assert (
        Enrollment.objects.filter(
            training_class__code="TTDN-2023-L3", participant__full_name__in=[p[0] for p in PEOPLE]
        ).count()
        == 3
    )
    assert Enrollment.objects.filter(participant__full_name="Vàng A Sùng").exists()

    # 5. The enrollment list, in Vietnamese order, printed to PDF with correct diacritics.
    page.goto("/classes/TTDN-2023-L3/enrollments/")
    names = page.locator("#enrollments tbody td:nth-child(2)").all_inner_texts()
    assert {"Giàng Thị Dợ", "Lò Văn Ửng", "Đặng Thị Ánh"} <= set(names)
    from courses.vietnamese import person_sort_key

    assert names == sorted(names, key=person_sort_key)
    screenshot(page, f"enrollments-L3-{screen}")
    with page.expect_download() as download:
        page.get_by_role("link", name="PDF").click()
    pdf = ARTIFACTS / "danh-sach-hoc-vien-L3.pdf"
    pdf.write_bytes(download.value.path().read_bytes())
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for name in ("Giàng Thị Dợ", "Lò Văn Ửng", "Đặng Thị Ánh", "DANH SÁCH HỌC VIÊN"):
        assert name in text
    context.close()
