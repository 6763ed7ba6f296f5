"""Allowance payment lists: the rule, the totals, the voucher files, who may see them."""

import datetime
import io
import re

import openpyxl
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from attendees.models import Attendance
from core.documents.wording import vn_int
from courses.models import AuditLog
from reports import payments as pay
from reports.models import ClassAllowance
from reports.payments import parse_amount, payment_list, session_summaries
from tests import factories as f

MEAL, LODGING, TRAVEL = 150_000, 250_000, 300_000
GRAND_TOTAL = 2_550_000
GRAND_TOTAL_WORDS = "Hai triệu năm trăm năm mươi nghìn đồng"


def attend(enrollment, session, status="present"):
    scanned = timezone.now() if status in ("present", "late") else None
    return Attendance.objects.create(
        enrollment=enrollment, session=session, status=status, first_scan_at=scanned
    )


@pytest.fixture
def paid(world):
    """Class A over three days: two sessions on the first, one on each of the others.

    Hường     s1 s2 s3 s4   3 days, 2 nights, travel   1.250.000
    Sử           s2    s4   2 days (10th and 12th), 1 night, travel   850.000
    Dính      s1            1 day, no night, travel   450.000
    Ánh       everywhere, but on the state payroll: not paid
    Bình      excused, then absent: not paid
    """
    k = world.class_a
    d1, d2, d3 = k.start_date, k.start_date.replace(day=11), k.start_date.replace(day=12)
    s1 = world.session_a  # d1 07:30
    s2 = f.session(
        k, date=d1, start_time=datetime.time(13, 30), end_time=datetime.time(17, 0), topic="Chiều"
    )
    s3 = f.session(k, date=d2, topic="Ngày hai")
    s4 = f.session(k, date=d3, topic="Ngày ba")
    people = {}
    for key, name, unit, payroll in [
        ("huong", "Nguyễn Thị Hường", world.unit_a, False),
        ("su", "Vàng A Sử", world.unit_b, False),
        ("dinh", "Giàng A Dính", world.unit_a, False),
        ("anh", "Đặng Văn Ánh", world.unit_a, True),
        ("binh", "Hoàng Thị Bình", world.unit_b, False),
    ]:
        person = f.participant(unit, full_name=name, on_state_payroll=payroll)
        people[key] = f.enrollment(k, unit, person)
    e = people
    for s in (s1, s2, s3, s4):
        attend(e["huong"], s, "late" if s == s2 else "present")
        attend(e["anh"], s)
    attend(e["su"], s2, "late")
    attend(e["su"], s3, "absent")
    attend(e["su"], s4)
    attend(e["dinh"], s1)
    attend(e["binh"], s1, "excused")
    attend(e["binh"], s2, "absent")
    ClassAllowance.objects.create(
        training_class=k, meal_per_day=MEAL, lodging_per_night=LODGING, travel_per_person=TRAVEL
    )
    return {"class": k, "sessions": [s1, s2, s3, s4], **people}


def by_name(plist):
    return {row.name: row for row in plist.rows}


# ---------------------------------------------------------------------------- the rule


def test_class_list_pays_per_day_night_and_person(paid):
    plist = payment_list(paid["class"])
    rows = by_name(plist)
    assert [r.name for r in plist.rows] == ["Giàng A Dính", "Nguyễn Thị Hường", "Vàng A Sử"]
    huong = rows["Nguyễn Thị Hường"]  # two sessions on the 10th are one day
    assert (huong.days, huong.nights) == (3, 2)
    assert (huong.meals, huong.lodging, huong.travel) == (3 * MEAL, 2 * LODGING, TRAVEL)
    assert huong.total == 1_250_000
    su = rows["Vàng A Sử"]  # the 10th and the 12th: days − 1 = one night
    assert (su.days, su.nights, su.meals, su.lodging, su.travel) == (
        2,
        1,
        2 * MEAL,
        LODGING,
        TRAVEL,
    )
    dinh = rows["Giàng A Dính"]
    assert (dinh.days, dinh.nights, dinh.lodging, dinh.total) == (1, 0, 0, MEAL + TRAVEL)
    assert plist.payroll_excluded == 1
    for row in plist.rows:
        assert all(isinstance(v, int) for v in (row.meals, row.lodging, row.travel, row.total))


def test_payroll_and_non_attending_people_are_left_out(paid):
    names = {r.name for r in payment_list(paid["class"]).rows}
    assert "Đặng Văn Ánh" not in names  # on the state payroll
    assert "Hoàng Thị Bình" not in names  # excused and absent are not days attended


def test_totals_are_the_column_sums(paid):
    plist = payment_list(paid["class"])
    t = plist.totals
    assert t.days == sum(r.days for r in plist.rows) == 6
    assert t.nights == sum(r.nights for r in plist.rows) == 3
    assert t.meals == sum(r.meals for r in plist.rows)
    assert t.lodging == sum(r.lodging for r in plist.rows)
    assert t.travel == sum(r.travel for r in plist.rows) == 3 * TRAVEL
    assert plist.total == t.meals + t.lodging + t.travel == GRAND_TOTAL
    assert plist.total_in_words == GRAND_TOTAL_WORDS


def test_session_lists_share_the_class_list_without_paying_twice(paid):
    s1, s2, _, s4 = paid["sessions"]
    morning = by_name(payment_list(paid["class"], session=s1))
    # Hường's first session: the day's meal and travel; Dính likewise.
    assert set(morning) == {"Nguyễn Thị Hường", "Giàng A Dính"}
    assert (morning["Nguyễn Thị Hường"].meals, morning["Nguyễn Thị Hường"].travel) == (MEAL, TRAVEL)
    afternoon = payment_list(paid["class"], session=s2)
    # Hường already had the 10th's meal in the morning; Sử came first in the afternoon.
    assert [r.name for r in afternoon.rows] == ["Vàng A Sử"]
    su = afternoon.rows[0]
    assert (su.days, su.meals, su.nights, su.lodging, su.travel) == (1, MEAL, 0, 0, TRAVEL)
    assert afternoon.payroll_excluded == 1
    last_day = by_name(payment_list(paid["class"], session=s4))
    # A later day: its meal and the night before, no travel.
    assert {n: (r.meals, r.lodging, r.travel) for n, r in last_day.items()} == {
        "Nguyễn Thị Hường": (MEAL, LODGING, 0),
        "Vàng A Sử": (MEAL, LODGING, 0),
    }
    lists = [payment_list(paid["class"], session=s) for s in paid["sessions"]]
    assert sum(p.total for p in lists) == GRAND_TOTAL
    assert [s.total for s in session_summaries(paid["class"])] == [p.total for p in lists]
    assert [s.people for s in session_summaries(paid["class"])] == [2, 1, 1, 2]


def test_a_session_of_another_class_is_refused(paid, world):
    other = world.class_b.sessions.get()
    with pytest.raises(ValueError):
        payment_list(paid["class"], session=other)


def test_without_rates_everything_is_zero(paid):
    ClassAllowance.objects.all().delete()
    plist = payment_list(paid["class"])
    assert not plist.rates.configured
    assert len(plist.rows) == 3 and plist.totals.days == 6
    assert plist.total == 0 and all(r.total == 0 for r in plist.rows)
    assert plist.total_in_words == "Không đồng"


def test_amounts_are_written_the_vietnamese_way():
    assert vn_int(1_250_000) == "1.250.000"
    assert vn_int(0) == "0"
    assert vn_int(999) == "999"
    assert parse_amount("1.250.000") == 1_250_000
    assert parse_amount("1 250 000 đ") == 1_250_000
    assert parse_amount("150000") == 150_000
    assert parse_amount("-50.000") == -50_000
    assert parse_amount("1.5") is None
    assert parse_amount("150,5") is None
    assert parse_amount("abc") is None


# ---------------------------------------------------------------------------- files


def export(client, user, klass, fmt, session=None):
    client.force_login(user)
    url = reverse("reports:payments-export", args=[klass.code, fmt])
    if session is not None:
        url += f"?session={session.pk}"
    response = client.get(url)
    assert response.status_code == 200
    return response


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_pdf_is_a_voucher_to_sign(client, world, paid):
    response = export(client, world.viewer, paid["class"], "pdf")
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="danh-sach-chi-tra-TTDN-2023-L3.pdf"' in response["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.content))
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert width > height  # A4 landscape: nine columns and room to sign
    text = re.sub(r"[ \t]+", " ", pdf_text(response.content))
    assert "DANH SÁCH CHI TRẢ TIỀN HỖ TRỢ HỌC VIÊN" in text
    for name in ("Giàng A Dính", "Nguyễn Thị Hường", "Vàng A Sử"):
        assert name in text
    assert "Đặng Văn Ánh" not in text
    for header in ("STT", "Họ và tên", "Đơn vị", "Số ngày", "Tiền ăn", "Tiền ngủ", "Ký nhận"):
        assert header in text
    assert "1.250.000" in text and "2.550.000" in text and "Tổng cộng" in text
    assert f"Số tiền bằng chữ: {GRAND_TOTAL_WORDS}" in " ".join(text.split())
    for signer in ("NGƯỜI LẬP BIỂU", "KẾ TOÁN TRƯỞNG", "THỦ TRƯỞNG ĐƠN VỊ", "(Ký, ghi rõ họ tên)"):
        assert signer in text
    # Names come in Vietnamese order (given name first): Dính, Hường, Sử.
    assert text.index("Giàng A Dính") < text.index("Nguyễn Thị Hường") < text.index("Vàng A Sử")


def test_pdf_uses_only_embedded_document_fonts(client, world, paid):
    content = export(client, world.coordinator, paid["class"], "pdf").content
    fonts = set()
    for page in PdfReader(io.BytesIO(content)).pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert fonts and all("IBMPlexSerif" in name for name in fonts), fonts


def test_long_list_repeats_the_header_on_every_page(client, world, paid):
    s1 = paid["sessions"][0]
    for i in range(40):
        person = f.participant(world.unit_a, full_name=f"Lò Văn Người {i}", on_state_payroll=False)
        attend(f.enrollment(paid["class"], world.unit_a, person), s1)
    content = export(client, world.coordinator, paid["class"], "pdf").content
    pages = PdfReader(io.BytesIO(content)).pages
    assert len(pages) > 1
    for page in pages:
        text = page.extract_text()
        assert "Họ và tên" in text and "Ký nhận" in text


def test_xlsx_amounts_are_integers_and_the_total_row_is_their_sum(client, world, paid):
    response = export(client, world.viewer, paid["class"], "xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).active
    cells = [[c.value for c in row] for row in ws.iter_rows()]
    header = next(i for i, row in enumerate(cells) if row[0] == "STT")
    assert cells[header][:9] == list(pay.HEADERS)
    assert ws.freeze_panes == f"A{header + 3}"  # the header and the column-key row stay
    data = []
    r = header + 2
    while cells[r][0] != "Tổng cộng":
        data.append(cells[r])
        r += 1
    total = cells[r]
    # With the birth year, as on every signature list (issue 14).
    assert [row[1] for row in data] == [
        "Giàng A Dính (1990)",
        "Nguyễn Thị Hường (1990)",
        "Vàng A Sử (1990)",
    ]
    for row in data:
        assert all(type(v) is int for v in row[3:8]), row
        assert row[7] == row[4] + row[5] + row[6]
    for c in range(3, 8):
        assert type(total[c]) is int and total[c] == sum(row[c] for row in data)
    assert total[7] == GRAND_TOTAL
    assert ws.cell(row=r + 1, column=8).number_format == "#,##0"
    flat = [str(v) for row in cells for v in row if v is not None]
    assert f"Số tiền bằng chữ: {GRAND_TOTAL_WORDS}." in flat
    assert {"NGƯỜI LẬP BIỂU", "KẾ TOÁN TRƯỞNG", "THỦ TRƯỞNG ĐƠN VỊ"} <= set(flat)
    assert ws.page_setup.orientation == "landscape"


def test_session_files_hold_the_session_list(client, world, paid):
    s2 = paid["sessions"][1]
    response = export(client, world.coordinator, paid["class"], "xlsx", session=s2)
    assert "buoi-20231010-1330.xlsx" in response["Content-Disposition"]
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).active
    flat = [v for row in ws.iter_rows(values_only=True) for v in row if v is not None]
    assert "Vàng A Sử (1990)" in flat and "Nguyễn Thị Hường (1990)" not in flat
    assert any(isinstance(v, str) and v.startswith("Buổi học: 13:30–17:00") for v in flat)
    text = pdf_text(export(client, world.coordinator, paid["class"], "pdf", session=s2).content)
    assert "Vàng A Sử" in text and "Nguyễn Thị Hường" not in text and "450.000" in text


def test_bad_format_unknown_session_or_class_is_404(client, world, paid):
    client.force_login(world.coordinator)
    k = paid["class"].code
    other = world.class_b.sessions.get()
    assert client.get(reverse("reports:payments-export", args=[k, "csv"])).status_code == 404
    url = reverse("reports:payments-export", args=[k, "pdf"])
    assert client.get(f"{url}?session={other.pk}").status_code == 404
    assert client.get(f"{url}?session=abc").status_code == 404
    assert client.get(reverse("reports:payments", args=["NO-SUCH"])).status_code == 404
    page = reverse("reports:payments", args=[k])
    assert client.get(f"{page}?session={other.pk}").status_code == 404


# ---------------------------------------------------------------------------- the page


def test_page_shows_the_preview_totals_words_and_links(client, world, paid):
    client.force_login(world.viewer)
    response = client.get(reverse("reports:payments", args=[paid["class"].code]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "1.250.000" in html and "2.550.000" in html
    assert GRAND_TOTAL_WORDS in html
    assert "Đặng Văn Ánh" not in html
    export_url = reverse("reports:payments-export", args=[paid["class"].code, "pdf"])
    assert f'href="{export_url}"' in html
    for s in paid["sessions"]:
        assert f"{export_url}?session={s.pk}" in html
    assert 'name="meal_per_day"' not in html  # a viewer reads the rates, cannot change them
    assert "150.000 đ" in html


def test_page_for_one_session(client, world, paid):
    client.force_login(world.coordinator)
    s2 = paid["sessions"][1]
    url = reverse("reports:payments", args=[paid["class"].code]) + f"?session={s2.pk}"
    html = client.get(url).content.decode()
    table = html[html.index('id="payments-table"') :]
    assert "Vàng A Sử" in table and "Nguyễn Thị Hường" not in table
    assert "Bốn trăm năm mươi nghìn đồng" in html


def test_page_says_when_no_rates_are_set(client, world, paid):
    ClassAllowance.objects.all().delete()
    client.force_login(world.coordinator)
    html = client.get(reverse("reports:payments", args=[paid["class"].code])).content.decode()
    assert 'id="no-rates"' in html
    assert "Không đồng" in html


def test_coordinator_sets_the_rates_with_thousands_separators(client, world):
    client.force_login(world.coordinator)
    url = reverse("reports:payments", args=[world.class_a.code])
    form = client.get(url).content.decode()
    assert 'name="meal_per_day"' in form and 'value="0"' in form
    response = client.post(
        url,
        {"meal_per_day": "1.250.000", "lodging_per_night": "200 000", "travel_per_person": "0"},
    )
    assert response.status_code == 302
    rates = ClassAllowance.objects.get(training_class=world.class_a)
    assert (rates.meal_per_day, rates.lodging_per_night, rates.travel_per_person) == (
        1_250_000,
        200_000,
        0,
    )
    assert 'value="1.250.000"' in client.get(url).content.decode()
    log = AuditLog.objects.get(action="allowance.create")
    assert log.actor == world.coordinator
    assert log.changes["meal_per_day"] == [None, 1_250_000]
    client.post(
        url, {"meal_per_day": "100.000", "lodging_per_night": "200.000", "travel_per_person": "0"}
    )
    log = AuditLog.objects.get(action="allowance.update")
    assert log.changes == {"meal_per_day": [1_250_000, 100_000]}


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("-50.000", "min_value"),
        ("abc", "invalid"),
        ("1,5", "invalid"),
        ("999.000.000", "max_value"),
    ],
)
def test_rates_form_refuses_bad_amounts(client, world, value, code):
    client.force_login(world.coordinator)
    url = reverse("reports:payments", args=[world.class_a.code])
    data = {"meal_per_day": value, "lodging_per_night": "0", "travel_per_person": "0"}
    response = client.post(url, data)
    assert response.status_code == 200
    errors = response.context["form"].errors.as_data()
    assert [e.code for e in errors["meal_per_day"]] == [code]
    assert set(errors) == {"meal_per_day"}
    assert not ClassAllowance.objects.filter(training_class=world.class_a).exists()


def test_negative_rate_is_refused_in_vietnamese(client, world):
    client.force_login(world.coordinator)
    url = reverse("reports:payments", args=[world.class_a.code])
    data = {"meal_per_day": "-50.000", "lodging_per_night": "0", "travel_per_person": "0"}
    html = client.post(url, data).content.decode()
    assert "Số tiền không được là số âm." in html
    assert not ClassAllowance.objects.exists()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "An amount cannot be negative." in client.post(url, data).content.decode()


# ---------------------------------------------------------------------------- access

PERSONAS = ["anonymous", "outsider", "nominator_a", "trainer", "viewer", "coordinator"]
# 302 for anonymous: to the login page; for the coordinator's POST: back to the page.
EXPECTED = {
    #                 anon outsider nomA trainer viewer coord
    "page": (302, 403, 403, 403, 200, 200),
    "page_post": (302, 403, 403, 403, 403, 302),
    "pdf": (302, 403, 403, 403, 200, 200),
    "xlsx": (302, 403, 403, 403, 200, 200),
    "session_pdf": (302, 403, 403, 403, 200, 200),
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_access_matrix(client, world, paid, persona):
    if persona != "anonymous":
        client.force_login(getattr(world, persona))
    k = paid["class"].code
    s1 = paid["sessions"][0]
    page = reverse("reports:payments", args=[k])
    rates = {"meal_per_day": "1", "lodging_per_night": "2", "travel_per_person": "3"}
    requests = {
        "page": lambda: client.get(page),
        "page_post": lambda: client.post(page, rates),
        "pdf": lambda: client.get(reverse("reports:payments-export", args=[k, "pdf"])),
        "xlsx": lambda: client.get(reverse("reports:payments-export", args=[k, "xlsx"])),
        "session_pdf": lambda: client.get(
            reverse("reports:payments-export", args=[k, "pdf"]) + f"?session={s1.pk}"
        ),
    }
    index = PERSONAS.index(persona)
    for name, request in requests.items():
        response = request()
        assert response.status_code == EXPECTED[name][index], (name, persona)
        if response.status_code == 302 and persona == "anonymous":
            assert response["Location"].startswith(reverse(settings.LOGIN_URL))
    rate = ClassAllowance.objects.get(training_class=paid["class"]).meal_per_day
    assert rate == (1 if persona == "coordinator" else MEAL)


def test_xlsx_names_starting_like_a_formula_stay_quoted_text(client, world, paid):
    person = paid["huong"].participant
    type(person).objects.filter(pk=person.pk).update(full_name='=HYPERLINK("http://x","Hường")')
    response = export(client, world.viewer, paid["class"], "xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).active

    cells = [c for row in ws.iter_rows() for c in row if str(c.value or "").startswith("=")]

    assert [c.value for c in cells] == ['=HYPERLINK("http://x","Hường") (1990)']
    assert cells[0].data_type == "s" and cells[0].quotePrefix
