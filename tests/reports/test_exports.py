"""The attendance exports read back: the workbook as a recipient's spreadsheet program sees
it (sheets, frozen header, typed cells, Vietnamese order, totals), the CSV through the csv
module, the PDF's text and page, the scope of a unit's officer, the year's workbook and the
command."""

from __future__ import annotations

import csv
import datetime
import io
import itertools
import unicodedata
from dataclasses import dataclass

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4, landscape

from attendees.models import Attendance, Enrollment
from attendees.rules import person_rate
from certificates.services import certificate_issue
from core.documents import tables
from core.documents.header import frame_width
from courses.models import Session, TrainingClass
from reports import exports
from reports.exports import class_csv, class_pdf, class_workbook, year_workbook
from tests import factories as f

pytestmark = pytest.mark.django_db

SHEETS = ["Điểm danh", "Theo đơn vị", "Theo đối tượng", "Vắng"]
MATRIX_HEADER = [
    "STT",
    "Họ và tên",
    "Đơn vị",
    "Đối tượng",
    "10/10 07:30",
    "10/10 13:30",
    "11/10 07:30",
    "Số buổi dự",
    "Tỷ lệ (%)",
    "Đủ điều kiện cấp GCN",
    "Số GCN",
]
SUMMARY_TAIL = [
    "Chỉ tiêu",
    "Đã cử",
    "Được duyệt",
    "Có tham dự",
    "Được cấp GCN",
    "Tỷ lệ chuyên cần (%)",
]
# Given name first: Ánh < Dơ < Đào (d before đ) < Hường — not the family-name order
# (Lò, Lò, Nguyễn, Vàng) a plain sort would give.
NAME_ORDER = ["Lò Văn Ánh", "Vàng A Dơ", "Lò Thị Đào", "Nguyễn Thị Hường"]


def mark(enrollment, session, status):
    at = None
    if status in ("present", "late"):
        at = timezone.make_aware(datetime.datetime.combine(session.date, session.start_time))
    Attendance.objects.create(
        enrollment=enrollment, session=session, status=status, first_scan_at=at
    )


@dataclass
class Held:
    klass: TrainingClass
    sessions: list[Session]
    anh: Enrollment
    huong: Enrollment
    dao: Enrollment
    do: Enrollment


@pytest.fixture
def held(world) -> Held:
    """world.class_a held: three closed sessions; unit_a (Mường Tè): Ánh 3/3 with a
    certificate, Hường 2/3 (one late), Đào 1/3 (one excused, one never recorded); unit_b
    (Phong Thổ, category c): Dơ 2/3."""
    klass = world.class_a
    s1 = world.session_a
    s2 = f.session(klass, start_time=datetime.time(13, 30), end_time=datetime.time(17, 0))
    s3 = f.session(klass, date=klass.start_date + datetime.timedelta(days=1))
    a, b = world.unit_a, world.unit_b
    anh = f.enrollment(klass, a, f.participant(a, full_name="Lò Văn Ánh"))
    # Typed on a Mac: decomposed. Stored, sorted and printed composed.
    huong = f.enrollment(
        klass, a, f.participant(a, full_name=unicodedata.normalize("NFD", "Nguyễn Thị Hường"))
    )
    dao = f.enrollment(klass, a, f.participant(a, full_name="Lò Thị Đào"))
    do = f.enrollment(klass, b, f.participant(b, full_name="Vàng A Dơ"), "c")
    for s in (s1, s2, s3):
        mark(anh, s, "present")
    mark(huong, s1, "late")
    mark(huong, s2, "present")
    mark(huong, s3, "absent")
    mark(dao, s1, "present")
    mark(dao, s2, "excused")
    mark(do, s1, "present")
    mark(do, s2, "absent")
    mark(do, s3, "present")
    Session.objects.filter(training_class=klass).update(closed_at=timezone.now())
    certificate_issue(actor=world.coordinator, enrollment=anh)
    return Held(klass, [s1, s2, s3], anh, huong, dao, do)


# ---------------------------------------------------------------------------- helpers


def workbook(content: bytes):
    return load_workbook(io.BytesIO(content))


def header_row(ws) -> int:
    for row in ws.iter_rows(min_col=1, max_col=1):
        if row[0].value == "STT":
            return row[0].row
    raise AssertionError(f"no header row in {ws.title}")


def table(ws) -> tuple[list, list[list], list[list]]:
    """(header, data rows, rows after the data up to the first blank one)."""
    h = header_row(ws)
    header = [c.value for c in ws[h]]
    data, after = [], []
    for row in ws.iter_rows(min_row=h + 1):
        values = [c.value for c in row]
        if all(v is None for v in values):
            break
        (data if isinstance(values[0], int) else after).append(values)
    return header, data, after


def cells_of(ws) -> list[list]:
    return [[c.value for c in row] for row in ws.iter_rows()]


def all_text(content: bytes) -> str:
    wb = workbook(content)
    return " ".join(str(v) for ws in wb for row in cells_of(ws) for v in row if v is not None)


def parse_csv(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    text = " ".join(page.extract_text() for page in reader.pages)
    return " ".join(unicodedata.normalize("NFC", text).split())


# ---------------------------------------------------------------------------- workbook


def test_class_workbook_has_a_sheet_per_view_with_a_frozen_styled_header(held, world):
    wb = workbook(class_workbook(held.klass, world.coordinator))
    assert wb.sheetnames == SHEETS
    for ws in wb:
        h = header_row(ws)
        assert ws.freeze_panes == f"A{h + 1}"
        assert ws.print_title_rows == f"${h}:${h}"
        first = ws.cell(row=h, column=1)
        assert first.font.b and first.fill.fgColor.rgb.endswith("D9E1F2")
        assert first.border.bottom.style == "thin" and first.alignment.wrap_text
        assert ws.cell(row=1, column=1).value.isupper()  # the title block comes first
    ws = wb["Điểm danh"]
    assert table(ws)[0] == MATRIX_HEADER
    assert ws.column_dimensions["B"].width >= len("Nguyễn Thị Hường")
    assert [c.value for c in wb["Theo đơn vị"][header_row(wb["Theo đơn vị"])]] == [
        "STT",
        "Đơn vị",
        *SUMMARY_TAIL,
    ]
    assert [c.value for c in wb["Theo đối tượng"][header_row(wb["Theo đối tượng"])]] == [
        "STT",
        "Đối tượng",
        *SUMMARY_TAIL,
    ]
    assert table(wb["Vắng"])[0] == [
        "STT",
        "Đơn vị",
        "Họ và tên",
        "Buổi vắng",
        "Số buổi vắng",
        "Tổng số buổi",
    ]


def test_matrix_rows_are_typed_in_name_order_with_each_status(held, world):
    wb = workbook(class_workbook(held.klass, world.coordinator))
    ws = wb["Điểm danh"]
    _header, rows, after = table(ws)
    assert [r[1] for r in rows] == NAME_ORDER
    assert [r[0] for r in rows] == [1, 2, 3, 4]
    by_name = {r[1]: r for r in rows}
    number = held.anh.certificates.get().register_number
    assert by_name["Lò Văn Ánh"][2:] == [
        "UBND huyện Mường Tè",
        "a",
        "x",
        "x",
        "x",
        3,
        100,
        "Có",
        number,
    ]
    assert by_name["Nguyễn Thị Hường"][4:10] == ["M", "x", "V", 2, pytest.approx(66.7), "Không"]
    assert by_name["Lò Thị Đào"][4:7] == ["x", "P", None]  # nothing recorded: empty
    assert by_name["Vàng A Dơ"][2:4] == ["UBND huyện Phong Thổ", "c"]
    # Numbers are numbers: ints for counts, a float formatted 0.0 for the rate.
    h = header_row(ws)
    for r in range(h + 1, h + 5):
        assert type(ws.cell(row=r, column=8).value) is int
        assert ws.cell(row=r, column=8).data_type == "n"
        assert ws.cell(row=r, column=9).number_format == "0.0"
        assert isinstance(ws.cell(row=r, column=9).value, (int, float))
    assert isinstance(ws.cell(row=h + 4, column=9).value, float)  # Hường, 66.7
    # Under the table: how many came to each session, then the legend and the topics.
    assert after[0][1:] == [None, None, None, 4, 2, 2, None, None, 1, 1]
    assert after[0][0] == "Số người có mặt (x, M)"
    text = " ".join(str(v) for row in cells_of(ws) for v in row if v)
    assert "x – có mặt" in text and "P – vắng có phép" in text and "V – vắng" in text
    assert "1. 10/10/2023, 07:30–11:00: Chuyên đề thử" in text
    assert ws.cell(row=h, column=5).comment.text == "Chuyên đề thử"


def test_rate_below_the_threshold_is_never_printed_as_reaching_it(held, world):
    # 17 of 21 sessions is 80.95 %: 81.0 when rounded, yet short of a threshold of 81.
    assert person_rate(17, 21, 81).cell == 80.9
    assert person_rate(17, 21, 80).cell == 81.0
    assert person_rate(4, 6, 80).cell == 66.7
    # Nothing held: no rate at all, in words, never 0 %.
    assert person_rate(0, 0, 80).cell == "chưa tổ chức"


def test_summaries_are_typed_in_vietnamese_order_with_totals(held, world):
    wb = workbook(class_workbook(held.klass, world.coordinator))
    _header, rows, after = table(wb["Theo đơn vị"])
    assert [r[1] for r in rows] == ["UBND huyện Mường Tè", "UBND huyện Phong Thổ"]
    # seats, nominated, approved, attended, certified, rate
    assert rows[0][2:] == [30, 3, 3, 3, 1, pytest.approx(round(6 * 100 / 9, 1))]
    assert rows[1][2:] == [5, 1, 1, 1, 0, pytest.approx(66.7)]
    [total] = after
    assert total[0] == "Tổng cộng"
    for i in range(2, 7):
        assert total[i] == sum(r[i] for r in rows)
        assert all(type(r[i]) is int for r in [*rows, total])
    assert total[7] == pytest.approx(round(8 * 100 / 12, 1))  # sessions, not a mean of rates

    _header, rows, after = table(wb["Theo đối tượng"])
    assert [r[1][:2] for r in rows] == ["a)", "c)"]
    assert rows[0][1].startswith("a) Cán bộ")  # Vietnamese whatever the reader's language
    assert [r[4] for r in rows] == [3, 1]
    assert after[0][0] == "Tổng cộng" and after[0][4] == 4


def test_absentee_sheet_lists_sessions_missed_by_unit_then_name(held, world):
    wb = workbook(class_workbook(held.klass, world.coordinator))
    _header, rows, _after = table(wb["Vắng"])
    assert [r[1:] for r in rows] == [
        ["UBND huyện Mường Tè", "Lò Thị Đào", "10/10 13:30 (P), 11/10 07:30", 2, 3],
        ["UBND huyện Mường Tè", "Nguyễn Thị Hường", "11/10 07:30", 1, 3],
        ["UBND huyện Phong Thổ", "Vàng A Dơ", "10/10 13:30", 1, 3],
    ]


def test_sessions_to_come_or_without_a_roll_call_are_not_absences(world):
    klass = world.class_a
    a = world.unit_a
    person = f.enrollment(klass, a, f.participant(a, full_name="Lò Văn Ánh"))
    # session_a (2023) is over but nobody's attendance was taken: nobody is listed.
    wb = workbook(class_workbook(klass, world.coordinator))
    assert table(wb["Vắng"])[1] == []
    # Once attendance is taken for it, the missing are.
    other = f.enrollment(klass, a, f.participant(a, full_name="Vàng A Dơ"))
    mark(other, world.session_a, "present")
    wb = workbook(class_workbook(klass, world.coordinator))
    assert [r[2] for r in table(wb["Vắng"])[1]] == ["Lò Văn Ánh"]
    assert person.pk


def test_text_that_looks_like_a_formula_stays_text(held, world):
    unit = world.unit_a
    person = f.participant(unit, full_name="=cmd|' /C calc'!A0")
    f.enrollment(held.klass, unit, person)
    ws = workbook(class_workbook(held.klass, world.coordinator))["Điểm danh"]
    names = [c for c in ws["B"] if c.value and str(c.value).startswith("=")]
    assert names and all(c.data_type == "s" for c in names)
    rows = parse_csv(class_csv(held.klass, world.coordinator, "matrix"))
    assert "'" + person.full_name in [r[1] for r in rows]


# ---------------------------------------------------------------------------- csv


def test_csv_has_a_bom_and_the_sheets_columns_and_rows(held, world):
    wb = workbook(class_workbook(held.klass, world.coordinator))
    for view, sheet in zip(exports.VIEWS, SHEETS, strict=True):
        rows = parse_csv(class_csv(held.klass, world.coordinator, view))
        header, data, _after = table(wb[sheet])
        assert rows[0] == header
        assert [r[1] for r in rows[1 : 1 + len(data)]] == [str(r[1]) for r in data]
    matrix = parse_csv(class_csv(held.klass, world.coordinator, "matrix"))
    assert [r[1] for r in matrix[1:]] == NAME_ORDER  # no per-session count row in CSV
    huong = next(r for r in matrix if r[1] == "Nguyễn Thị Hường")
    assert huong[4:10] == ["M", "x", "V", "2", "66.7", "Không"]
    units = parse_csv(class_csv(held.klass, world.coordinator, "units"))
    assert units[-1][:7] == ["", "Tổng cộng", "35", "4", "4", "4", "1"]


def test_unknown_view_is_refused(held, world):
    with pytest.raises(ValueError):
        class_csv(held.klass, world.coordinator, "everything")
    with pytest.raises(ValueError):
        class_pdf(held.klass, world.coordinator, "../etc")


# ---------------------------------------------------------------------------- pdf


def test_pdf_has_the_header_title_names_and_legend(held, world):
    organiser = held.klass.organiser
    organiser.place = "Lai Châu"
    organiser.save()
    content = class_pdf(held.klass, world.coordinator, "matrix")
    reader = PdfReader(io.BytesIO(content))
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)  # the matrix is landscape
    text = pdf_text(content)
    assert "BẢNG ĐIỂM DANH" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert organiser.name.upper() in text
    assert "Lai Châu, ngày" in text
    for name in NAME_ORDER:
        assert name in text
    assert text.index("Lò Văn Ánh") < text.index("Vàng A Dơ") < text.index("Nguyễn Thị Hường")
    assert "x – có mặt" in text and "66,7" in text
    assert "Helvetica" not in content.decode("latin-1")

    units = class_pdf(held.klass, world.coordinator, "units")
    box = PdfReader(io.BytesIO(units)).pages[0].mediabox
    assert float(box.width) < float(box.height)
    text = pdf_text(units)
    assert "TỔNG HỢP KẾT QUẢ THEO ĐƠN VỊ" in text and "Tổng cộng" in text
    assert "UBND huyện Phong Thổ" in text
    assert "DANH SÁCH HỌC VIÊN VẮNG MẶT" in pdf_text(
        class_pdf(held.klass, world.coordinator, "absentees")
    )
    assert "THEO ĐỐI TƯỢNG" in pdf_text(class_pdf(held.klass, world.coordinator, "categories"))


def test_a_wide_matrix_fits_the_page(held, world):
    klass = held.klass
    klass.end_date = klass.start_date + datetime.timedelta(days=13)
    klass.save()
    for day in range(2, 14):
        for start in (7, 13):
            f.session(
                klass,
                date=klass.start_date + datetime.timedelta(days=day),
                start_time=datetime.time(start, 30),
                end_time=datetime.time(start + 3, 30),
                topic="Một chuyên đề có tên rất dài về thông tin đối ngoại",
            )
    t = exports._class_table(klass, world.coordinator, "matrix")
    assert len(t.columns) == 8 + 27
    cells = [[tables._pdf_text(v) for v in row] for row in t.rows + t.footer]
    width = frame_width(landscape(A4))
    size, widths, _heads = tables._pdf_layout(t, cells, width)
    assert sum(widths) <= width + 0.01
    assert size >= 6.5
    text = pdf_text(class_pdf(klass, world.coordinator, "matrix"))
    for name in NAME_ORDER:
        assert name in text
    assert "27. " in text  # the sessions, listed under the table


def test_an_empty_class_still_exports(world):
    content = class_pdf(world.class_b, world.coordinator, "matrix")
    assert "Không có dữ liệu" in pdf_text(content)
    wb = workbook(class_workbook(world.class_b, world.coordinator))
    assert wb.sheetnames == SHEETS
    assert parse_csv(class_csv(world.class_b, world.coordinator, "absentees")) == [
        ["STT", "Đơn vị", "Họ và tên", "Buổi vắng", "Số buổi vắng", "Tổng số buổi"]
    ]


# ---------------------------------------------------------------------------- scope


def test_a_units_officer_gets_only_its_own_people_in_every_format(held, world):
    user = world.nominator_a
    content = class_workbook(held.klass, user)
    text = all_text(content)
    assert "Vàng A Dơ" not in text and "Phong Thổ" not in text
    assert "Lò Văn Ánh" in text and "chỉ gồm học viên của đơn vị" in text
    wb = workbook(content)
    assert [r[1] for r in table(wb["Theo đơn vị"])[1]] == ["UBND huyện Mường Tè"]
    assert [r[1][:2] for r in table(wb["Theo đối tượng"])[1]] == ["a)"]
    assert table(wb["Theo đối tượng"])[2][0][4] == 3  # total approved: its own three
    for view in exports.VIEWS:
        csv_text = class_csv(held.klass, user, view)
        pdf = pdf_text(class_pdf(held.klass, user, view))
        for other in ("Vàng A Dơ", "Phong Thổ"):
            assert other not in csv_text
            assert other not in pdf


# ---------------------------------------------------------------------------- the year


def year_people(content_or_path) -> list[list]:
    wb = load_workbook(content_or_path, read_only=False)
    return table(wb["Danh sách học viên"])[1]


def test_year_workbook_has_every_enrollment_and_reports_progress(
    held, world, tmp_path, django_assert_max_num_queries
):
    other = world.class_b
    b = world.unit_b
    s = Session.objects.get(training_class=other)
    late_comer = f.enrollment(other, b, f.participant(b, full_name="Giàng A Páo"))
    mark(late_comer, s, "late")
    calls = []
    path = tmp_path / "nam.xlsx"
    with open(path, "wb") as out, django_assert_max_num_queries(30):
        rows = year_workbook(
            2023, world.coordinator, out, on_progress=lambda d, t: calls.append((d, t))
        )
    assert rows == 5
    assert calls[0] == (0, 5) and calls[-1] == (5, 5)
    assert all(a[0] <= b[0] for a, b in itertools.pairwise(calls))

    wb = load_workbook(path)
    assert wb.sheetnames == [
        "Theo lớp",
        "Theo đơn vị",
        "Theo đối tượng",
        "Danh sách học viên",
        "Vắng",
    ]
    for ws in wb:
        assert ws.freeze_panes == f"A{header_row(ws) + 1}"

    header, classes, after = table(wb["Theo lớp"])
    assert header[:5] == ["STT", "Mã lớp", "Tên lớp", "Từ ngày", "Đến ngày"]
    by_code = {r[1]: r for r in classes}
    assert set(by_code) == {"TTDN-2023-L3", "TTDN-2023-L2"}
    l3 = by_code["TTDN-2023-L3"]
    assert l3[3] == datetime.datetime(2023, 10, 10)  # a date cell, not text
    h = header_row(wb["Theo lớp"])
    assert wb["Theo lớp"].cell(row=h + 1, column=4).number_format == "dd/mm/yyyy"
    assert wb["Theo lớp"].cell(row=h + 1, column=4).is_date
    # Sessions, held, people, rate, certificates.
    assert l3[5:] == [3, 3, 4, pytest.approx(round(8 * 100 / 12, 1)), 1]
    assert by_code["TTDN-2023-L2"][5:] == [1, 1, 1, 100, 0]
    assert after[0][0] == "Tổng cộng" and after[0][5:8] == [4, 4, 5] and after[0][9] == 1

    people = table(wb["Danh sách học viên"])[1]
    l3_people = [r for r in people if r[1] == "TTDN-2023-L3"]
    assert [r[2] for r in l3_people] == NAME_ORDER
    anh = l3_people[0]
    number = held.anh.certificates.get().register_number
    assert anh[3:] == ["UBND huyện Mường Tè", "a", 3, 3, 100, "Có", number]
    assert [r[0] for r in people] == [1, 2, 3, 4, 5]
    assert all(type(r[5]) is int and type(r[6]) is int for r in people)
    ws = wb["Danh sách học viên"]
    first = header_row(ws) + 1
    # A long sheet's cells are bare but in the documents' font, the rate still formatted.
    assert ws.cell(row=first, column=3).font.name == "Times New Roman"
    assert ws.cell(row=first, column=8).number_format == "0.0"

    # The same numbers as the class's own workbook.
    matrix = table(workbook(class_workbook(held.klass, world.coordinator))["Điểm danh"])[1]
    assert [[r[2], r[3], r[4], r[7]] for r in l3_people] == [
        [m[1], m[2], m[3], m[8]] for m in matrix
    ]

    absent = table(wb["Vắng"])[1]
    assert [r[1:] for r in absent] == [
        ["TTDN-2023-L3", "UBND huyện Mường Tè", "Lò Thị Đào", "10/10 13:30 (P), 11/10 07:30", 2, 3],
        ["TTDN-2023-L3", "UBND huyện Mường Tè", "Nguyễn Thị Hường", "11/10 07:30", 1, 3],
        ["TTDN-2023-L3", "UBND huyện Phong Thổ", "Vàng A Dơ", "10/10 13:30", 1, 3],
    ]


def test_year_workbook_queries_do_not_grow_with_the_classes(held, world):
    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as run:
            rows = year_workbook(2023, world.coordinator, io.BytesIO())
        return rows, len(run.captured_queries)

    rows, before = queries()
    assert rows == 4
    for n in range(6):
        klass = f.training_class(code=f"TTDN-2023-X{n}", organiser=held.klass.organiser)
        f.quota(klass, world.unit_a, "a", 5)
        s = f.session(klass)
        for i in range(3):
            e = f.enrollment(klass, world.unit_a, f.participant(world.unit_a))
            mark(e, s, "present" if i else "absent")
    rows, after = queries()
    assert rows == 4 + 18
    assert after == before <= 30


def test_year_workbook_in_a_units_scope(held, world):
    out = io.BytesIO()
    rows = year_workbook(2023, world.nominator_a, out)
    assert rows == 3
    out.seek(0)
    text = all_text(out.getvalue())
    assert "Vàng A Dơ" not in text and "Phong Thổ" not in text
    wb = workbook(out.getvalue())
    assert [r[1] for r in table(wb["Theo đơn vị"])[1]] == ["UBND huyện Mường Tè"]
    assert [r[1] for r in table(wb["Theo lớp"])[1]] == ["TTDN-2023-L3"]


# ---------------------------------------------------------------------------- command


def sheets_content(content_or_path) -> dict[str, list[list]]:
    wb = load_workbook(content_or_path)
    return {ws.title: cells_of(ws) for ws in wb}


def test_command_writes_the_coordinators_workbook_and_no_part_file(held, world, tmp_path):
    path = tmp_path / "diem-danh.xlsx"
    out = io.StringIO()
    call_command("export_attendance", "--class", held.klass.code, "-o", str(path), stdout=out)
    assert path.exists()
    assert list(tmp_path.iterdir()) == [path]
    expected = sheets_content(io.BytesIO(class_workbook(held.klass, world.coordinator)))
    assert sheets_content(path) == expected
    assert "Vàng A Dơ" in str(expected["Điểm danh"])  # every unit


def test_command_writes_the_year(held, world, tmp_path):
    path = tmp_path / "nam-2023.xlsx"
    out = io.StringIO()
    call_command("export_attendance", "--year", "2023", "-o", str(path), stdout=out, stderr=out)
    assert len(year_people(path)) == 4
    assert list(tmp_path.iterdir()) == [path]
    assert "4 học viên" in out.getvalue()


def test_command_refuses_an_unknown_class_or_year(world, tmp_path):
    path = tmp_path / "x.xlsx"
    with pytest.raises(CommandError, match="Không có lớp mã 'KHONG-CO'"):
        call_command("export_attendance", "--class", "KHONG-CO", "-o", str(path))
    with pytest.raises(CommandError, match="năm 1999"):
        call_command("export_attendance", "--year", "1999", "-o", str(path))
    assert list(tmp_path.iterdir()) == []


def test_a_crash_leaves_no_file_behind(held, world, tmp_path, monkeypatch):
    from reports.management.commands import export_attendance

    def broken(year, user, fileobj, *, on_progress=None):
        fileobj.write(b"PK half a workbook")
        raise RuntimeError("disk full")

    monkeypatch.setattr(export_attendance, "year_workbook", broken)
    path = tmp_path / "nam.xlsx"
    path.write_bytes(b"yesterday's complete file")
    with pytest.raises(RuntimeError):
        call_command("export_attendance", "--year", "2023", "-o", str(path))
    assert list(tmp_path.iterdir()) == [path]
    assert path.read_bytes() == b"yesterday's complete file"


# ------------------------------------------------- text that starts like a formula

FORMULA_TITLE = '=HYPERLINK("http://evil.example/x","Bấm vào đây")'


def _formula_like_cells(wb) -> list:
    return [
        c
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str) and c.value.startswith(("=", "+", "-", "@"))
    ]


def test_formula_like_names_and_titles_are_text_in_the_class_workbook(held, world):
    TrainingClass.objects.filter(pk=held.klass.pk).update(title=FORMULA_TITLE)
    held.klass.refresh_from_db()
    unit = world.unit_a
    at = f.enrollment(held.klass, unit, f.participant(unit, full_name="@SUM(A1:A9)"))
    f.enrollment(held.klass, unit, f.participant(unit, full_name="=1+2"))
    at.participant.refresh_from_db()  # names are cleaned when saved

    wb = workbook(class_workbook(held.klass, world.coordinator))

    cells = _formula_like_cells(wb)
    assert {c.value for c in cells} == {at.participant.full_name, "=1+2"}
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)
    titles = [c for ws in wb.worksheets for c in ws["A"] if FORMULA_TITLE in str(c.value)]
    assert len(titles) == len(wb.worksheets) and all(c.data_type == "s" for c in titles)


def test_the_year_workbook_keeps_formula_like_text_as_text(held, world, tmp_path):
    TrainingClass.objects.filter(pk=held.klass.pk).update(title=FORMULA_TITLE)
    unit = world.unit_a
    f.enrollment(held.klass, unit, f.participant(unit, full_name="=1+2"))
    out = tmp_path / "nam.xlsx"
    with out.open("wb") as handle:
        year_workbook(held.klass.start_date.year, world.coordinator, handle)

    cells = _formula_like_cells(load_workbook(out))

    assert {c.value for c in cells} >= {FORMULA_TITLE, "=1+2"}
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)


@pytest.mark.parametrize("name", ["=1+2", "+1", "-1", "@x"])
def test_csv_puts_an_apostrophe_before_formula_like_text(held, world, name):
    unit = world.unit_a
    f.enrollment(held.klass, unit, f.participant(unit, full_name=f"{name} Lò"))
    rows = parse_csv(class_csv(held.klass, world.coordinator, "matrix"))
    names = [r[1] for r in rows]
    assert f"'{name} Lò" in names
    assert "Lò Văn Ánh" in names  # ordinary names unchanged
