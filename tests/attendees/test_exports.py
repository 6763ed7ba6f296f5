"""People lists (attendees.exports.people_table, drawn by core.documents.tables) —
nominee/enrollment lists as xlsx and as official PDF lists.

Each test reads the produced file back: openpyxl for the workbook, poppler for the PDF.
"""

import datetime
import io
import re
import subprocess
import unicodedata

import openpyxl
import pytest

from attendees.exports import people_table
from core.documents.tables import Col, Signer, table_pdf, table_xlsx
from tests.core.test_header import (
    page_count,
    pdffonts,
    pdftotext,
    top_margin_texts,
    vietnamese_words,
)

NAMES = [
    "Nguyễn Thị Hường",
    "Lò Văn Pành",
    "Đặng Thị Ánh",
    "Vừ A Dính",
    "Hoàng Thị Ửng",
    "Phạm Quỳnh Anh",
    "Giàng Thị Dợ",
]

COLUMNS = [
    Col("STT", "int", 0.6),
    Col("Họ và tên", "text", 3),
    Col("Ngày sinh", "date", 1.4),
    Col("Chức vụ, đơn vị công tác", "text", 4),
]
STT, NAME, DOB, UNIT = range(4)


def rows_for(names):
    return [
        [
            i,
            name,
            datetime.date(1980 + i % 20, 1 + i % 12, 1 + i % 28),
            "UBND xã Mù Cả, huyện Mường Tè",
        ]
        for i, name in enumerate(names, start=1)
    ]


def _table(title, subtitle, rows, columns, signers=()):
    # Columns added after the four of rows_for stay empty.
    rows = [row + [None] * (len(columns) - len(row)) for row in rows]
    return people_table(title=title, subtitle=subtitle, columns=columns, rows=rows, signers=signers)


def make_pdf(rows, columns=COLUMNS, signers=()):
    table = _table(
        "DANH SÁCH HỌC VIÊN LỚP TTDN-2023-L3",
        "(Kèm theo Quyết định số 45/QĐ-STTTT ngày 05/6/2023)",
        rows,
        columns,
        signers,
    )
    return table_pdf(
        table,
        parent_body="UBND tỉnh Lai Châu",
        issuing_body="Sở Thông tin và Truyền thông",
        place="Lai Châu",
        on=datetime.date(2023, 12, 5),
    )


def make_xlsx(rows, columns=COLUMNS):
    table = _table(
        "DANH SÁCH HỌC VIÊN LỚP TTDN-2023-L3",
        "Lớp bồi dưỡng nghiệp vụ thông tin đối ngoại",
        rows,
        columns,
    )
    return openpyxl.load_workbook(io.BytesIO(table_xlsx(table))).active


def header_row_of(ws) -> int:
    return next(row[0].row for row in ws.iter_rows() if row[0].value == "STT")


# ---------------------------------------------------------------------------- PDF


def test_pdf_names_with_every_kind_of_diacritic_come_out_exactly(tmp_path):
    text = pdftotext(make_pdf(rows_for(NAMES)), tmp_path)
    for number, name in enumerate(NAMES, start=1):
        assert re.search(rf"^\s*{number}\s+{name}\s+\d\d/\d\d/\d{{4}}\s", text, re.MULTILINE), name


def test_pdf_every_vietnamese_letter_survives_in_table_cells(tmp_path):
    words = vietnamese_words()
    text = pdftotext(make_pdf(rows_for(words)), tmp_path)
    for number, word in enumerate(words, start=1):
        assert re.search(rf"^\s*{number}\s+{word}\s", text, re.MULTILINE), word


def test_pdf_nfd_input_is_printed_nfc(tmp_path):
    nfd = [unicodedata.normalize("NFD", name) for name in NAMES]
    assert nfd != NAMES
    text = pdftotext(make_pdf(rows_for(nfd)), tmp_path)
    for name in NAMES:
        assert name in text
    assert unicodedata.normalize("NFC", text) == text


def test_pdf_header_block_title_and_subtitle(tmp_path):
    text = pdftotext(make_pdf(rows_for(NAMES)), tmp_path)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    assert re.fullmatch(r"UBND TỈNH LAI CHÂU\s+CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", lines[0])
    assert re.fullmatch(r"SỞ THÔNG TIN VÀ TRUYỀN THÔNG\s+Độc lập - Tự do - Hạnh phúc", lines[1])
    assert lines[2] == "Lai Châu, ngày 05 tháng 12 năm 2023"
    assert lines[3] == "DANH SÁCH HỌC VIÊN LỚP TTDN-2023-L3"
    assert lines[4] == "(Kèm theo Quyết định số 45/QĐ-STTTT ngày 05/6/2023)"
    assert re.fullmatch(r"STT\s+Họ và tên\s+Ngày sinh\s+Chức vụ, đơn vị công tác", lines[5])


def test_pdf_dates_are_dd_mm_yyyy(tmp_path):
    rows = rows_for(NAMES[:1])
    rows[0][DOB] = datetime.date(1985, 3, 7)
    text = pdftotext(make_pdf(rows), tmp_path)
    assert re.search(r"Nguyễn Thị Hường\s+07/03/1985\s", text)


def test_pdf_narrow_columns_are_widened_so_no_word_or_date_is_broken(tmp_path):
    columns = [
        Col("STT", "int", 0.1),
        Col("Họ và tên", "text", 1),
        Col("Ngày sinh", "date", 0.2),
        Col("Chức vụ, đơn vị công tác", "text", 8),
    ]
    rows = rows_for(["Giàng Thị Dợ"])
    rows[0][DOB] = datetime.date(1985, 3, 7)
    text = pdftotext(make_pdf(rows, columns=columns), tmp_path)
    # Cells may wrap between words, never inside one.
    assert {"STT", "Họ", "tên", "Ngày", "sinh", "Giàng", "Dợ", "07/03/1985"} <= set(text.split())
    assert re.search(r"^\s*1\s+\S+.*07/03/1985\s+UBND", text, re.M)


def test_pdf_fonts_are_all_embedded_and_none_is_base14(tmp_path):
    rows = rows_for(NAMES)
    rows[0][UNIT] = None  # an empty cell
    signers = (Signer("Giám đốc", name="Lò Văn Pành"),)
    fonts = pdffonts(make_pdf(rows, signers=signers), tmp_path)
    assert fonts
    for row in fonts:
        assert row[-5] == "yes", row  # the "emb" column
        assert not re.search(r"Helvetica|Times|Courier|Symbol|ZapfDingbats", row[0]), row


def test_pdf_long_list_repeats_the_header_row_and_numbers_pages(tmp_path):
    names = [f"{NAMES[i % len(NAMES)]} {i:03d}" for i in range(1, 201)]
    pdf = make_pdf(rows_for(names))
    pages = pdftotext(pdf, tmp_path).split("\f")[:-1]
    total = page_count(pdf, tmp_path)
    assert total == len(pages) > 1
    for number, page in enumerate(pages, start=1):
        header = re.search(
            r"^\s*STT\s+Họ và tên\s+Ngày sinh\s+Chức vụ, đơn vị công tác", page, re.M
        )
        first_row = re.search(r"^\s*\d+\s+\S.* \d{3}\s", page, re.M)
        assert header and first_row and header.start() < first_row.start(), number
        assert "Trang" not in page, number
    # Decree 30: page numbers at the top centre from page 2, none on page 1.
    assert top_margin_texts(pdf, tmp_path) == [("", "")] + [
        (str(n), str(n)) for n in range(2, total + 1)
    ]
    # Every row, once, in the caller's order.
    found = re.findall(r"^\s*(\d+)\s+\S.*? (\d{3})\s", "".join(pages), re.M)
    assert [(int(a), int(b)) for a, b in found] == [(i, i) for i in range(1, 201)]


def test_pdf_signature_block_follows_the_table(tmp_path):
    text = pdftotext(
        make_pdf(
            rows_for(NAMES), signers=(Signer("KT. Giám đốc\nPhó Giám đốc", name="Lò Văn Pành"),)
        ),
        tmp_path,
    )
    tail = text[text.index("Giàng Thị Dợ") :]
    lines = [line.strip() for line in tail.splitlines() if line.strip()]
    assert lines[1:4] == ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "Lò Văn Pành"]


def test_pdf_is_a4_portrait_up_to_six_columns_and_landscape_above(tmp_path):
    wide = [*COLUMNS, *(Col(f"Cột {i}") for i in range(3))]
    for columns, size in [(COLUMNS, "595.276 x 841.89"), (wide, "841.89 x 595.276")]:
        path = tmp_path / f"{len(columns)}.pdf"
        path.write_bytes(make_pdf(rows_for(NAMES), columns=columns))
        info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True)
        assert re.search(rf"Page size:\s+{re.escape(size)} pts", info.stdout), len(columns)


def test_pdf_markup_characters_in_values_are_printed_literally(tmp_path):
    rows = rows_for(["Lò Văn <b>Pành</b> & con"])
    assert "Lò Văn <b>Pành</b> & con" in pdftotext(make_pdf(rows), tmp_path)


# ---------------------------------------------------------------------------- XLSX


def test_xlsx_title_subtitle_and_header_texts():
    ws = make_xlsx(rows_for(NAMES))
    assert ws["A1"].value == "DANH SÁCH HỌC VIÊN LỚP TTDN-2023-L3"
    assert ws["A2"].value == "Lớp bồi dưỡng nghiệp vụ thông tin đối ngoại"
    assert {str(r) for r in ws.merged_cells.ranges} >= {"A1:D1", "A2:D2"}
    row = header_row_of(ws)
    assert [c.value for c in ws[row]] == [
        "STT",
        "Họ và tên",
        "Ngày sinh",
        "Chức vụ, đơn vị công tác",
    ]
    assert all(c.font.b and c.fill.fgColor.rgb.endswith("D9E1F2") for c in ws[row])
    assert all(c.border.left.style == "thin" for c in ws[row])


def test_xlsx_header_is_frozen_and_filterable():
    ws = make_xlsx(rows_for(NAMES))
    row = header_row_of(ws)
    assert ws.freeze_panes == f"A{row + 1}"
    assert ws.auto_filter.ref == f"A{row}:D{row + len(NAMES)}"


def test_xlsx_dates_are_real_dates_formatted_dd_mm_yyyy():
    ws = make_xlsx(rows_for(NAMES))
    cell = ws.cell(row=header_row_of(ws) + 1, column=3)
    assert cell.is_date
    assert cell.value == datetime.datetime(1981, 2, 2)
    assert cell.number_format == "dd/mm/yyyy"


def test_xlsx_ints_are_numbers():
    ws = make_xlsx(rows_for(NAMES))
    first = header_row_of(ws) + 1
    values = [ws.cell(row=r, column=1).value for r in range(first, first + len(NAMES))]
    assert values == list(range(1, len(NAMES) + 1))
    assert all(type(v) is int for v in values)


def test_xlsx_row_order_is_preserved_and_text_is_nfc():
    names = list(reversed(NAMES))
    ws = make_xlsx(rows_for([unicodedata.normalize("NFD", n) for n in names]))
    first = header_row_of(ws) + 1
    assert [ws.cell(row=r, column=2).value for r in range(first, first + len(names))] == names
    assert ws.max_row == first + len(names) - 1


def test_xlsx_text_that_looks_like_a_formula_stays_text():
    ws = make_xlsx(rows_for(['=HYPERLINK("http://x","Pành")']))
    cell = ws.cell(row=header_row_of(ws) + 1, column=2)
    assert cell.data_type == "s"
    assert cell.value == '=HYPERLINK("http://x","Pành")'


@pytest.mark.parametrize("extra", [0, 3])
def test_xlsx_print_setup(extra):
    # Landscape whatever the number of columns, like every workbook (issue 14).
    columns = [*COLUMNS, *(Col(f"Cột {i}") for i in range(extra))]
    ws = make_xlsx(rows_for(NAMES), columns=columns)
    row = header_row_of(ws)
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.print_title_rows == f"${row}:${row}"


def test_xlsx_column_widths_follow_relative_widths_and_content():
    ws = make_xlsx(rows_for(NAMES))
    widths = {c: ws.column_dimensions[c].width for c in "ABCD"}
    assert widths["A"] < widths["C"] < widths["B"] < widths["D"]
    assert widths["B"] >= len("Nguyễn Thị Hường")
    assert widths["C"] >= len("dd/mm/yyyy")


# ------------------------------------------------- text that starts like a formula


FORMULA = '=HYPERLINK("http://evil.example/x","Bấm vào đây")'


@pytest.mark.django_db
def test_a_class_title_starting_with_equals_is_text_in_enrollments_xlsx(client, world):
    """The case of the issue: the class title reaches the subtitle row of the list."""
    from django.urls import reverse

    from courses.models import TrainingClass
    from tests import factories as f

    TrainingClass.objects.filter(pk=world.class_a.pk).update(title=FORMULA)
    f.enrollment(world.class_a, world.unit_a, f.participant(world.unit_a, full_name="Lò Văn Ánh"))
    client.force_login(world.coordinator)

    response = client.get(
        reverse("attendees:enrollments-export", args=[world.class_a.code, "xlsx"])
    )

    ws = openpyxl.load_workbook(io.BytesIO(response.content)).active
    cells = [c for row in ws.iter_rows() for c in row if str(c.value or "").startswith("=")]
    # The subtitle row, under the issuing body and the title.
    assert [(c.column, c.row < header_row_of(ws)) for c in cells] == [(1, True)]
    assert cells[0].data_type == "s" and cells[0].value.startswith(FORMULA)
    assert cells[0].quotePrefix  # stays text when a clerk edits the cell, too


@pytest.mark.parametrize("text", ["=1+1", "+84 912 345 678", "-2+3", "@SUM(A1:A9)", "\tx"])
def test_xlsx_text_starting_like_a_formula_is_quoted_text(text):
    ws = make_xlsx(rows_for([text, "Lò Văn Pành"]))
    first = header_row_of(ws) + 1
    cell, plain = ws.cell(row=first, column=2), ws.cell(row=first + 1, column=2)

    assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True)
    assert (plain.value, plain.data_type, plain.quotePrefix) == ("Lò Văn Pành", "s", False)
    # Numbers and dates keep their types.
    assert ws.cell(row=first, column=1).data_type == "n"
    assert ws.cell(row=first, column=3).is_date


def test_xlsx_titles_starting_like_a_formula_are_text():
    data = table_xlsx(people_table(title="=1+2", subtitle="@x", columns=COLUMNS, rows=[]))
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    assert [(ws[c].value, ws[c].data_type, ws[c].quotePrefix) for c in ("A1", "A2")] == [
        ("=1+2", "s", True),
        ("@x", "s", True),
    ]


def test_pdf_signature_block_never_stands_alone_on_the_last_page(tmp_path):
    """Whatever the length of the list, the page with the signer also has the last rows."""
    for count in range(20, 50):
        names = [f"{NAMES[i % len(NAMES)]} {i:03d}" for i in range(1, count + 1)]
        pdf = make_pdf(rows_for(names), signers=(Signer("Giám đốc", name="Trần Văn Hùng"),))
        last = pdftotext(pdf, tmp_path).split("\f")[:-1][-1]
        assert "GIÁM ĐỐC" in last and "Trần Văn Hùng" in last, count
        rows = re.findall(r"^\s*(\d+)\s+\S.*? (\d{3})\s", last, re.M)
        assert rows and int(rows[-1][0]) == count, (count, last)


def _issuer_lines(content: bytes, fmt: str) -> str:
    """The document's header: everything before its title ("DANH SÁCH …")."""
    if fmt == "xlsx":
        ws = openpyxl.load_workbook(io.BytesIO(content)).active
        rows = ws.iter_rows(max_row=header_row_of(ws) - 1, values_only=True)
        text = " ".join(str(v) for row in rows for v in row if v)
    else:
        from pypdf import PdfReader

        text = PdfReader(io.BytesIO(content)).pages[0].extract_text()
    return text.upper().split("DANH SÁCH")[0]


@pytest.mark.parametrize("fmt", ["xlsx", "pdf"])
def test_both_formats_of_a_list_name_the_same_issuer(client, world, fmt):
    """A unit's nomination list is the unit's document, its enrollment list the
    organiser's: the workbook and the PDF of each say the same."""
    from django.urls import reverse

    from tests import factories as f

    person = f.participant(world.unit_a, full_name="Lò Văn Ánh")
    f.enrollment(world.class_a, world.unit_a, person)
    client.force_login(world.nominator_a)
    organiser = world.class_a.organiser.name.upper()
    unit = world.unit_a.name.upper()

    own = client.get(reverse("attendees:unit-nominations-export", args=[world.class_a.code, fmt]))
    enrolled = client.get(reverse("attendees:enrollments-export", args=[world.class_a.code, fmt]))

    assert unit in _issuer_lines(own.content, fmt)
    assert organiser not in _issuer_lines(own.content, fmt)
    assert organiser in _issuer_lines(enrolled.content, fmt)
    assert unit not in _issuer_lines(enrolled.content, fmt)


def test_people_lists_as_csv_hold_the_same_rows_for_the_unit_only(client, world):
    """CSV beside Excel and PDF: UTF-8 with a BOM, the same columns, Vietnamese order, and
    for a unit officer only the unit's own people."""
    import csv

    from django.urls import reverse

    from tests import factories as f

    for name in ("Lò Văn Ánh", "Đỗ Thị Bình"):
        f.enrollment(world.class_a, world.unit_a, f.participant(world.unit_a, full_name=name))
    other = f.participant(world.unit_b, full_name="Hờ A Chử")
    f.enrollment(world.class_a, world.unit_b, other)
    client.force_login(world.nominator_a)
    response = client.get(reverse("attendees:enrollments-export", args=[world.class_a.code, "csv"]))
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:2] == ["STT", "Họ và tên"]
    names = [r[1] for r in rows[1:]]
    assert names == ["Lò Văn Ánh", "Đỗ Thị Bình"]  # by given name: Ánh before Bình
    assert "Hờ A Chử" not in text

    f.nomination(
        world.class_a,
        world.unit_a,
        "a",
        person=f.participant(world.unit_a, full_name="Vàng A Sùng"),
    )
    nominations = client.get(
        reverse("attendees:unit-nominations-export", args=[world.class_a.code, "csv"])
    ).content.decode("utf-8")
    assert "Vàng A Sùng" in nominations and "Trạng thái" in nominations
