"""The 2023 demo's documents read back as a clerk reads them on paper (issue 14 review):
the workbooks carry the same header lines as the PDFs, a long sheet's words are not cut
off, and the results report never breaks a table row or leaves a total row alone on a
page."""

from __future__ import annotations

import io
import itertools
import re
import subprocess
import zipfile

import docx
import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse
from docx.oxml.ns import qn
from pypdf import PdfReader

from accounts.models import User
from attendees.rules import NOT_HELD
from courses.models import TrainingClass

pytestmark = pytest.mark.django_db

DEPARTMENT_HEADER = ["UBND TỈNH LAI CHÂU", "SỞ THÔNG TIN VÀ TRUYỀN THÔNG"]


@pytest.fixture
def demo():
    call_command("seed_demo", stdout=io.StringIO())
    return User.objects.get(username="dieuphoi")


def _top_lines(ws) -> list[str]:
    return [ws.cell(row=r, column=1).value for r in (1, 2)]


def test_every_workbook_prints_the_header_lines_of_the_pdfs(demo, client):
    """ "UBND TỈNH LAI CHÂU" over "SỞ THÔNG TIN VÀ TRUYỀN THÔNG", as on every PDF — not the
    registered names ("ỦY BAN NHÂN DÂN TỈNH LAI CHÂU" over "SỞ … TỈNH LAI CHÂU")."""
    from reports import payments as pay
    from reports.exports import class_workbook, year_workbook

    l1 = TrainingClass.objects.get(code="TTDN-2023-L1")
    books = {"class": class_workbook(l1, demo)}
    out = io.BytesIO()
    year_workbook(2023, demo, out)
    books["year"] = out.getvalue()
    client.force_login(demo)
    response = client.get(reverse("attendees:enrollments-export", args=[l1.code, "xlsx"]))
    books["enrollments"] = response.content
    response = client.get(reverse("materials:ministry-package") + "?year=2023")
    package = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    books["catalogue"] = package.read("danh-muc-tai-lieu-2023.xlsx")
    for name, data in books.items():
        for ws in openpyxl.load_workbook(io.BytesIO(data)):
            assert _top_lines(ws) == DEPARTMENT_HEADER, (name, ws.title)

    wb = openpyxl.load_workbook(
        io.BytesIO(pay.payment_list_xlsx(pay.payment_list(l1), on=l1.end_date))
    )
    ws = wb.active
    assert [ws["A1"].value, ws["A2"].value] == DEPARTMENT_HEADER

    # A unit's own list: the unit's line alone (a People's Committee has no superior
    # line), written as the PDF writes it.
    client.force_login(User.objects.get(username="muongte"))
    l3 = TrainingClass.objects.get(code="TTDN-2023-L3")
    response = client.get(reverse("attendees:unit-nominations-export", args=[l3.code, "xlsx"]))
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert _top_lines(ws)[0] == "UBND HUYỆN MƯỜNG TÈ"
    assert "UBND TỈNH LAI CHÂU" not in _top_lines(ws)


def test_year_people_sheet_holds_the_words_of_a_class_not_yet_held(demo):
    """The rate of L2–L4 (not held) reads "chưa tổ chức": the column is wide enough for it,
    or the unwrapped cell is cut off by "chưa xét" beside it ("chưa tổ c")."""
    from reports.exports import year_workbook

    out = io.BytesIO()
    year_workbook(2023, demo, out)
    ws = openpyxl.load_workbook(io.BytesIO(out.getvalue()))["Danh sách học viên"]
    header = next(r for r in ws.iter_rows() if r[0].value == "STT")
    column = next(c for c in header if c.value == "Tỷ lệ (%)")
    rates = [
        ws.cell(row=r, column=column.column).value for r in range(header[0].row + 1, ws.max_row + 1)
    ]
    assert NOT_HELD in rates
    assert ws.column_dimensions[column.column_letter].width >= len(NOT_HELD) + 1


def _results(client, fmt: str) -> bytes:
    url = reverse("reports:results-export", args=[2023, fmt])
    return client.get(url + "?number=123/BC-STTTT&on=20/12/2023&signer_name=Nguyễn Văn A").content


def test_results_docx_never_splits_a_row_nor_leaves_a_total_alone(demo, client):
    client.force_login(demo)
    document = docx.Document(io.BytesIO(_results(client, "docx")))
    grids = [t for t in document.tables if t.rows[0].cells[0].text == "TT"]
    assert len(grids) >= 4
    for table in grids:
        for row in table.rows:
            tr_pr = row._tr.trPr
            assert tr_pr is not None and tr_pr.find(qn("w:cantSplit")) is not None
        if table.rows[-1].cells[1].text == "Tổng cộng":
            before = table.rows[-2]
            assert all(c.paragraphs[0].paragraph_format.keep_with_next for c in before.cells)


def test_results_pdf_total_row_goes_with_the_row_it_sums(demo, client, tmp_path):
    """On the demo, the attendance-by-class table (one class and its total) once broke
    after L1's row: page 3 opened with the repeated header and "Tổng cộng" alone."""
    client.force_login(demo)
    path = tmp_path / "results.pdf"
    path.write_bytes(_results(client, "pdf"))
    text = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    pages = text.split("\f")
    rows_seen = 0
    for page in pages:
        # The table's rows: "1 TTDN-2023-L1 6 90 485/540 89,8%", "Tổng cộng 6 90 485/540 89,8%".
        lines = [
            w
            for w in (line.split() for line in page.splitlines())
            if w[-2:] == ["485/540", "89,8%"]
        ]
        if not lines:
            continue
        rows_seen += len(lines)
        # The L1 row and the total row, on the same page.
        assert any(words[:2] == ["1", "TTDN-2023-L1"] for words in lines), page
        assert any(words[:2] == ["Tổng", "cộng"] for words in lines), page
    assert rows_seen == 2
    # "Tỷ lệ từng lớp:" announces the table: it is on the page of the table's rows, not
    # alone at the foot of the page before.
    [announced] = [page for page in pages if "Tỷ lệ từng lớp:" in page]
    assert "485/540 89,8%" in " ".join(announced.split()).replace("Tổng cộng ", "")


def _pdf_words(data: bytes, tmp_path, page: int | None = None) -> list[tuple[float, float, str]]:
    """(x, y, word) of every word, from pdftotext's boxes (of one page, if given)."""
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    pages = ["-f", str(page), "-l", str(page)] if page else []
    html = subprocess.run(
        ["pdftotext", "-bbox", *pages, "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    pattern = r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]*)</word>'
    return [(float(x), float(y), w) for x, y, w in re.findall(pattern, html)]


def _pdf_text(data: bytes, tmp_path) -> str:
    return " ".join(w for _, _, w in _pdf_words(data, tmp_path))


def test_receipt_list_has_rows_to_sign_in_and_a_signer(demo, client, tmp_path):
    """ "Ký nhận" on a one-line row (about 6 mm) leaves no room to sign: the rows are as
    tall as the payment voucher's, and whoever drew up the list signs it."""
    from materials.models import ClassMaterial

    cm = ClassMaterial.objects.select_related("training_class").first()
    client.force_login(demo)
    url = reverse("materials:class-material-receipts", args=[cm.training_class.code, cm.pk])
    data = client.get(url).content
    words = _pdf_words(data, tmp_path, page=1)
    stt_x = next(x for x, _, w in words if w == "STT")
    numbers = sorted(y for x, y, w in words if w.isdigit() and abs(x - stt_x) < 15)
    assert len(numbers) >= 5
    pitches = [b - a for a, b in itertools.pairwise(numbers)]
    assert min(pitches) >= 24  # points: 8.5 mm from one row's number to the next
    text = _pdf_text(data, tmp_path)
    assert "NGƯỜI LẬP DANH SÁCH" in text and "(Ký, ghi rõ họ tên)" in text


def test_departments_enrollment_list_is_signed(demo, client, tmp_path):
    client.force_login(demo)
    url = reverse("attendees:enrollments-export", args=["TTDN-2023-L1", "pdf"])
    text = _pdf_text(client.get(url).content, tmp_path)
    assert "DANH SÁCH HỌC VIÊN" in text
    assert "NGƯỜI LẬP DANH SÁCH" in text and "(Ký, ghi rõ họ tên)" in text


def test_absentee_pdf_tells_namesakes_apart_by_birth_year(demo, client, tmp_path):
    """L1's two "Lường Thị Ún" of the Department both missed 12/10 07:30: the list sent to
    the unit says which is which, as the attendance matrix does."""
    client.force_login(demo)
    url = reverse("reports:class-export", args=["TTDN-2023-L1", "pdf"]) + "?view=absentees"
    data = client.get(url).content
    years = set()
    for page in range(1, len(PdfReader(io.BytesIO(data)).pages) + 1):
        words = _pdf_words(data, tmp_path, page=page)
        # The year is printed after the name, on its line or wrapped under it.
        years |= {
            w
            for x, y, _ in (word for word in words if word[2] == "Ún")
            for x2, y2, w in words
            if re.fullmatch(r"\(\d{4}\)", w) and -1 < y2 - y < 20 and abs(x2 - x) < 120
        }
    assert years == {"(1968)", "(1989)"}


def test_workbooks_number_their_pages_at_the_top_from_page_two(demo, client):
    """As the PDFs do (Decree 30): the number at the top, centred, none on page 1 —
    not "Trang x/y" at the foot of every page."""
    from reports import payments as pay
    from reports.exports import class_workbook, year_workbook

    l1 = TrainingClass.objects.get(code="TTDN-2023-L1")
    out = io.BytesIO()
    year_workbook(2023, demo, out)
    client.force_login(demo)
    books = [
        class_workbook(l1, demo),
        out.getvalue(),
        pay.payment_list_xlsx(pay.payment_list(l1), on=l1.end_date),
        client.get(reverse("attendees:enrollments-export", args=[l1.code, "xlsx"])).content,
    ]
    for data in books:
        for ws in openpyxl.load_workbook(io.BytesIO(data)):
            assert ws.HeaderFooter.differentFirst, ws.title
            assert ws.oddHeader.center.text == "&P", ws.title
            assert not ws.firstHeader.center.text and not ws.firstFooter.center.text
            assert not ws.oddFooter.center.text, ws.title


def test_results_report_names_the_language_as_running_text(demo, client):
    """One language, written as a sentence writes it: "bằng tiếng Việt" — not "bằng các
    thứ tiếng: Tiếng Việt"."""
    client.force_login(demo)
    document = docx.Document(io.BytesIO(_results(client, "docx")))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "phiên bản, bằng tiếng Việt); in 500 bản." in text
    assert "các thứ tiếng" not in text
