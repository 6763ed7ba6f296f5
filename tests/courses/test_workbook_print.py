"""Workbooks print cleanly (issue 14, item 5): every workbook the site writes has its
issuing body and title above the table, a header row as tall as its wrapped titles (or
LibreOffice prints the header over the first data row), A4 landscape one page wide with
the header rows repeated on every page, and one font family, Times New Roman.

Each test reads the file back with openpyxl."""

import datetime
import io

import openpyxl
import pytest

from attendees.exports import people_table
from attendees.template import build_template
from core.documents.spreadsheet import FONT_FAMILY, row_height, wrapped_lines
from core.documents.tables import Col, table_xlsx

pytestmark = pytest.mark.django_db

COLUMNS = [
    Col("STT", "int", 0.6),
    Col("Họ và tên", "text", 3),
    Col("Chức vụ, đơn vị công tác", "text", 1.5),
    Col("Đối tượng bồi dưỡng theo kế hoạch", "text", 1),
]


def fonts_of(wb) -> set[str]:
    """Every font name a cell with a value uses, plus the workbook's default font."""
    names = {wb._fonts[0].name}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            names |= {cell.font.name for cell in row if cell.value is not None}
    return names


def assert_prints_cleanly(
    ws, header_row: int, header_rows: str | None = None, *, wraps: bool = True
) -> None:
    header = [c.value for c in ws[header_row] if c.value]
    widths = [
        ws.column_dimensions[openpyxl.utils.get_column_letter(c.column)].width
        for c in ws[header_row]
        if c.value
    ]
    if wraps:
        assert any(wrapped_lines(t, w - 1) > 1 for t, w in zip(header, widths, strict=True)), (
            "the test needs a header that wraps"
        )
        assert ws.row_dimensions[header_row].height > 20  # taller than one line of text
    height = ws.row_dimensions[header_row].height
    assert height is not None and height >= row_height(header, widths) - 0.01
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.fitToWidth == 1
    assert ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == (header_rows or f"${header_row}:${header_row}")


def test_wrapped_lines_counts_whole_words():
    assert wrapped_lines("Chức vụ, đơn vị công tác", 10) == 3
    assert wrapped_lines("STT", 6) == 1
    assert wrapped_lines("a\nb", 60) == 2
    assert row_height(["Chức vụ, đơn vị công tác"], [11]) > row_height(["STT"], [11])


def test_people_list_workbook_has_issuing_body_title_and_prints_cleanly():
    rows = [
        [1, "Lường Thị Ún", "UBND xã Mù Cả", "a"],
        [2, "Lò Văn Pành", "UBND xã Tà Tổng", "b"],
    ]
    wb = openpyxl.load_workbook(
        io.BytesIO(
            table_xlsx(
                people_table(
                    title="DANH SÁCH HỌC VIÊN LỚP L3",
                    subtitle="Lớp bồi dưỡng",
                    columns=COLUMNS,
                    rows=rows,
                    issuer=("UBND tỉnh Lai Châu", "Sở Thông tin và Truyền thông"),
                )
            )
        )
    )
    ws = wb.active
    assert [ws.cell(row=r, column=1).value for r in (1, 2, 3, 4)] == [
        "UBND TỈNH LAI CHÂU",
        "SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
        "DANH SÁCH HỌC VIÊN LỚP L3",
        "Lớp bồi dưỡng",
    ]
    header_row = next(r[0].row for r in ws.iter_rows() if r[0].value == "STT")
    assert ws.cell(row=header_row + 1, column=2).value == "Lường Thị Ún"
    assert_prints_cleanly(ws, header_row)
    assert fonts_of(wb) == {FONT_FAMILY}


def test_nomination_template_prints_cleanly_in_one_font():
    wb = openpyxl.load_workbook(io.BytesIO(build_template()))
    assert_prints_cleanly(wb.worksheets[0], 3)
    assert fonts_of(wb) == {FONT_FAMILY}  # the template was Calibri throughout


def header_row_of(ws) -> int:
    return next(r[0].row for r in ws.iter_rows(max_col=1) if r[0].value == "STT")


def test_class_workbook_sheets_carry_the_organiser_and_print_landscape(world):
    from reports.exports import class_workbook
    from tests import factories as f

    f.enrollment(world.class_a, world.unit_a, f.participant(world.unit_a, full_name="Lò Văn Ánh"))
    wb = openpyxl.load_workbook(io.BytesIO(class_workbook(world.class_a, world.coordinator)))
    organiser = world.class_a.organiser
    for ws in wb:
        top = [ws.cell(row=r, column=1).value for r in range(1, 4)]
        assert organiser.name.upper() in top, ws.title
        assert_prints_cleanly(ws, header_row_of(ws), wraps=False)
    assert fonts_of(wb) == {FONT_FAMILY}


def test_payment_workbook_prints_in_one_font_with_both_header_rows_repeated(world):
    from reports import payments as pay

    wb = openpyxl.load_workbook(
        io.BytesIO(
            pay.payment_list_xlsx(pay.payment_list(world.class_a), on=datetime.date(2023, 6, 9))
        )
    )
    ws = wb.active
    h = header_row_of(ws)
    assert_prints_cleanly(ws, h, f"${h}:${h + 1}", wraps=False)
    assert fonts_of(wb) == {FONT_FAMILY}


def test_year_workbook_sheets_carry_the_organiser_and_print_landscape(world):
    from courses.models import TrainingClass
    from reports.exports import year_workbook
    from tests import factories as f

    # The year's organiser is not the first department on record (the demo has five; the
    # workbook once took whichever was entered first).
    organiser = f.organisation(name="Sở Thông tin và Truyền thông", kind="department")
    year = world.class_a.start_date.year
    TrainingClass.objects.filter(year=year).update(organiser=organiser)
    f.enrollment(world.class_a, world.unit_a, f.participant(world.unit_a, full_name="Lò Văn Ánh"))
    out = io.BytesIO()
    year_workbook(year, world.coordinator, out)
    wb = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
    department = organiser.name
    for ws in wb:
        top = [ws.cell(row=r, column=1).value for r in range(1, 4)]
        assert department.upper() in top, ws.title
        assert_prints_cleanly(ws, header_row_of(ws), wraps=False)
