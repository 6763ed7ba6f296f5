"""core.documents — the shelf every document takes its pieces from: wording of dates and
money, the one QR encoder, text fitting and the table writer (xlsx, CSV and PDF of the same
rows), plus the census that keeps those primitives on the shelf and nowhere else."""

from __future__ import annotations

import ast
import csv
import datetime
import io
import itertools
import re
import subprocess
import zlib
from pathlib import Path

import openpyxl
import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from core.documents.fitting import (
    clamp_lines,
    fit_lines,
    fit_name,
    fit_one_line,
    text_width,
    wrap_words,
)
from core.documents.header import register_fonts
from core.documents.qr import QUIET_MODULES, draw_qr_with_quiet_zone, qr_matrix
from core.documents.tables import (
    Col,
    Signer,
    SignerName,
    Table,
    new_workbook,
    save_workbook,
    table_csv,
    table_pdf,
    table_xlsx,
    write_sheet,
)
from core.documents.wording import (
    amount_in_words,
    cited_date,
    dmy,
    long_date,
    number_in_words,
    period,
    vietnamese_date,
    vn_int,
    vn_pct,
)
from tests.browser.camera import decode_qr_with_jsqr, render_pdf_page

ROOT = Path(__file__).resolve().parents[2]
APPS = [
    "accounts",
    "attendees",
    "certificates",
    "config",
    "core",
    "courses",
    "materials",
    "reports",
]
SHELF = ROOT / "core" / "documents"

# ---------------------------------------------------------------------------- wording


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (datetime.date(2023, 3, 5), "ngày 05 tháng 3 năm 2023"),
        (datetime.date(2023, 2, 1), "ngày 01 tháng 02 năm 2023"),
        (datetime.date(2023, 1, 31), "ngày 31 tháng 01 năm 2023"),
        (datetime.date(2023, 12, 15), "ngày 15 tháng 12 năm 2023"),
    ],
)
def test_a_date_in_words_pads_days_and_only_months_one_and_two(day, expected):
    assert vietnamese_date(day) == expected
    assert long_date(day) == expected.removeprefix("ngày ")


def test_a_cited_date_follows_the_same_leading_zero_rule():
    assert cited_date(datetime.date(2023, 3, 13)) == "13/3/2023"
    assert cited_date(datetime.date(2020, 8, 5)) == "05/8/2020"
    assert cited_date(datetime.date(2023, 2, 1)) == "01/02/2023"
    assert cited_date(datetime.date(2023, 1, 9)) == "09/01/2023"


def test_a_date_as_a_value_is_plain_dd_mm_yyyy():
    assert dmy(datetime.date(1985, 3, 5)) == "05/03/1985"
    assert dmy(None) == ""


def test_a_period_is_one_day_or_from_to():
    start, end = datetime.date(2023, 10, 10), datetime.date(2023, 10, 12)
    assert period(start, start) == "ngày 10/10/2023"
    assert period(start, end) == "từ ngày 10/10/2023 đến ngày 12/10/2023"
    assert period(start, end, write=long_date) == (
        "từ ngày 10 tháng 10 năm 2023 đến ngày 12 tháng 10 năm 2023"
    )
    assert period(datetime.date(2023, 3, 1), datetime.date(2023, 3, 2), write=cited_date) == (
        "từ ngày 01/3/2023 đến ngày 02/3/2023"
    )


def test_money_has_the_vietnamese_thousands_separator():
    assert vn_int(1_234_567) == "1.234.567"
    assert vn_int(999) == "999"
    assert vn_int(0) == vn_int(None) == "0"
    assert vn_pct(86.24) == "86,2%"
    assert vn_pct(100.0) == "100%"


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (0, "Không đồng"),
        (1_005_000, "Một triệu không trăm linh năm nghìn đồng"),
        (21_000_000, "Hai mươi mốt triệu đồng"),
        (1_250_000, "Một triệu hai trăm năm mươi nghìn đồng"),
    ],
)
def test_amount_in_words(amount, words):
    assert amount_in_words(amount) == words
    assert number_in_words(amount) == words.removesuffix(" đồng").lower()


# ---------------------------------------------------------------------------- QR


def _page_with_qr(value: str, size: float = 60 * 2.835) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=0, invariant=1)
    draw_qr_with_quiet_zone(canvas, value, 100, 400, size)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _drawn_modules(pdf: bytes) -> set[tuple[int, int]]:
    """The dark modules the page's content stream draws, as (row, column) from the top."""
    streams = re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S)
    text = b"\n".join(s if b" re" in s else zlib.decompress(s) for s in streams).decode()
    runs = [tuple(map(int, m)) for m in re.findall(r"^(\d+) (\d+) (\d+) 1 re$", text, re.M)]
    n = max(y for _x, y, _w in runs) + 1
    return {(n - 1 - y, x + k) for x, y, w in runs for k in range(w)}


def test_the_one_encoder_draws_exactly_the_modules_qrcode_computes():
    value = "http://127.0.0.1:8000/verify/7KQ2M9XD4TRAPW3E/"
    matrix = qr_matrix(value)
    expected = {(r, c) for r, row in enumerate(matrix) for c, dark in enumerate(row) if dark}
    assert _drawn_modules(_page_with_qr(value)) == expected


def test_a_drawn_code_decodes_back_to_its_value(tmp_path):
    token = "q7Xv2-LmN0pR_s8TzYw1aB"
    png = render_pdf_page(_page_with_qr(token), tmp_path / "qr.png", dpi=150)
    assert decode_qr_with_jsqr(png) == token


def test_the_quiet_zone_is_four_modules_wide():
    value = "abc"
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=0, invariant=1)
    calls = []
    canvas.translate = lambda x, y: calls.append((x, y))  # where draw_qr puts the symbol
    n = len(qr_matrix(value))
    size = (n + 2 * QUIET_MODULES) * 3.0  # 3 pt a module
    draw_qr_with_quiet_zone(canvas, value, 10, 20, size)
    assert calls == [(10 + 4 * 3.0, 20 + 4 * 3.0)]


# ---------------------------------------------------------------------------- fitting


def test_one_line_shrinks_in_half_points_and_stops_at_the_minimum_when_asked():
    bold = register_fonts().bold
    text = "SỞ THÔNG TIN VÀ TRUYỀN THÔNG TỈNH LAI CHÂU"
    assert fit_one_line("SỞ", bold, 13, 200, minimum=9) == 13
    size = fit_one_line(text, bold, 13, 200, minimum=6)
    assert size * 2 == int(size * 2) and size < 13
    assert text_width(text, bold, size) <= 200 < text_width(text, bold, size + 0.5)
    assert fit_one_line(text, bold, 13, 100, minimum=9, below_minimum=False) == 9
    exact = fit_one_line(text, bold, 13, 100, minimum=9)
    assert exact < 9 and text_width(text, bold, exact) == pytest.approx(100)


def test_lines_are_wrapped_within_the_width_and_the_line_count():
    regular = register_fonts().regular
    text = (
        "Bồi dưỡng nghiệp vụ công tác thông tin tuyên truyền, thông tin đối ngoại khu vực biên giới"
    )
    size, lines = fit_lines(text, regular, 15, 300, minimum=12, max_lines=2)
    assert len(lines) <= 2 and " ".join(lines) == text
    assert all(text_width(line, regular, size) <= 300 for line in lines)
    greedy = wrap_words(text.split(), regular, 15, 300)
    assert " ".join(greedy) == text and len(greedy) >= 2
    assert all(text_width(line, regular, 15) <= 300 for line in greedy)
    # Greedy: the first word of each next line would not have fitted on the line before.
    for line, following in itertools.pairwise(greedy):
        assert text_width(f"{line} {following.split()[0]}", regular, 15) > 300
    clamped = clamp_lines(text, regular, 10, 120, 2)
    assert len(clamped) == 2 and clamped[-1].endswith("…")


def test_a_name_fits_its_box_on_one_or_two_lines():
    bold = register_fonts().bold
    size, lines = fit_name("Vừ A Dính", bold, 140)
    assert lines == ["Vừ A Dính"] and size >= 16
    size, lines = fit_name("Hoàng Thị Phương Thảo Nguyên Khánh Linh", bold, 140)
    assert len(lines) == 2 and all(text_width(line, bold, size) <= 140 for line in lines)


# ---------------------------------------------------------------------------- tables

COLUMNS = [
    Col("STT", "int", 5),
    Col("Họ và tên", "text", 22),
    Col("Mã", "code", 8),
    Col("Ngày sinh", "date", 12),
    Col("Tỷ lệ (%)", "rate", 8),
]
ROWS = [
    [
        1,
        SignerName("Lường Thị Ún", datetime.date(1985, 3, 2)),
        "a",
        datetime.date(1985, 3, 2),
        83.3,
    ],
    [
        2,
        SignerName("Lường Thị Ún", datetime.date(1992, 7, 9)),
        "b",
        datetime.date(1992, 7, 9),
        100.0,
    ],
    [3, "=HYPERLINK(1)", "c", None, 0.0],
]


def _table() -> Table:
    return Table("Danh sách", "DANH SÁCH THỬ", ["Lớp thử"], COLUMNS, [list(r) for r in ROWS])


def test_the_same_rows_reach_the_workbook_the_csv_and_the_pdf(tmp_path):
    table = _table()
    wb = new_workbook()
    write_sheet(wb, table)
    buffer = io.BytesIO()
    save_workbook(wb, buffer, stamp=None)
    ws = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))["Danh sách"]
    values = [[c.value for c in row] for row in ws.iter_rows()]
    header = next(i for i, row in enumerate(values) if row[0] == "STT")
    assert values[header] == [c.title for c in COLUMNS]
    body = values[header + 1 : header + 4]
    assert [r[0] for r in body] == [1, 2, 3]
    assert [r[1] for r in body] == ["Lường Thị Ún", "Lường Thị Ún", "=HYPERLINK(1)"]
    assert [r[3] for r in body][:2] == [
        datetime.datetime(1985, 3, 2),
        datetime.datetime(1992, 7, 9),
    ]
    assert [r[4] for r in body] == [83.3, 100.0, 0.0]
    assert ws.cell(row=header + 4, column=2).data_type == "s"  # never a formula

    rows = list(csv.reader(io.StringIO(table_csv(table).lstrip("\ufeff"))))
    assert rows == [
        [c.title for c in COLUMNS],
        ["1", "Lường Thị Ún", "a", "02/03/1985", "83.3"],
        ["2", "Lường Thị Ún", "b", "09/07/1992", "100.0"],
        ["3", "'=HYPERLINK(1)", "c", "", "0.0"],
    ]

    path = tmp_path / "t.pdf"
    path.write_bytes(
        table_pdf(table, parent_body="UBND tỉnh Lai Châu", issuing_body="Sở X", place="Lai Châu")
    )
    text = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    # The PDF, a signature list, tells the namesakes apart by birth year.
    assert "1 Lường Thị Ún (1985) a 02/03/1985 83,3" in lines
    assert "2 Lường Thị Ún (1992) b 09/07/1992 100,0" in lines
    assert "3 =HYPERLINK(1) c 0,0" in lines


def _pdf_lines(pdf: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "t.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [line for line in text.splitlines() if line.strip()]


def test_a_table_is_signed_by_its_own_signers_or_by_nobody(tmp_path):
    """A report is signed by its maker and the head of the unit; a unit's list by its head
    alone, on the right, with the name under the room to sign; a plain list by nobody."""

    def signature_lines(signers):
        table = _table()
        if signers is not None:
            table.signers = signers
        pdf = table_pdf(
            table,
            parent_body="UBND tỉnh Lai Châu",
            issuing_body="UBND huyện Mường Tè",
            place="Mường Tè",
            on=datetime.date(2023, 10, 2),
        )
        lines = _pdf_lines(pdf, tmp_path)
        assert "Mường Tè, ngày 02 tháng 10 năm 2023" in " ".join(lines[2].split())
        last_row = next(i for i, line in enumerate(lines) if "HYPERLINK" in line)
        return lines[last_row + 1 :]

    report = signature_lines(None)
    assert [" ".join(line.split()) for line in report[:2]] == [
        "NGƯỜI LẬP BIỂU THỦ TRƯỞNG ĐƠN VỊ",
        "(Ký, ghi rõ họ tên) (Ký tên, đóng dấu)",
    ]
    assert signature_lines(()) == []
    unit = signature_lines(
        (Signer("KT. Chủ tịch\nPhó Chủ tịch", "(Ký tên, đóng dấu)", "Lò Văn Pành"),)
    )
    assert [line.strip() for line in unit] == [
        "KT. CHỦ TỊCH",
        "PHÓ CHỦ TỊCH",
        "(Ký tên, đóng dấu)",
        "Lò Văn Pành",
    ]
    # On the right half of the page, under the national name, as Decree 30 has it.
    width = max(len(line.rstrip()) for line in report)  # the right signer's right edge
    assert all(len(line) - len(line.lstrip()) > width * 0.4 for line in unit)


def test_relative_widths_wide_columns_and_tall_rows_on_the_sheet():
    columns = [Col("STT", "int", 0.5), Col("Họ và tên", "text", 2), Col("Tệp", "text", 7)]
    path = "01-so-tay-nghiep-vu/tieng-viet-in-lan-1-2023/so-tay-thong-tin-doi-ngoai.pdf"
    rows = [[1, "Lò Văn Pành", path], [2, "Lường Thị Ún", "a.pdf"]]

    def sheet(**options):
        table = Table("Danh sách", "DANH SÁCH", [], columns, rows, **options)
        ws = openpyxl.load_workbook(io.BytesIO(table_xlsx(table)))["Danh sách"]
        header = next(r[0].row for r in ws.iter_rows() if r[0].value == "STT")
        widths = [ws.column_dimensions[c].width for c in "ABC"]
        heights = [ws.row_dimensions[header + i].height for i in (1, 2)]
        return widths, heights

    # Declared widths in characters, capped at the shelf's 50: the path wraps.
    widths, heights = sheet()
    assert widths[2] == 50 and heights[0] is not None and heights[1] is None
    # A wider cap keeps the path on one line; every row gets a height.
    widths, heights = sheet(max_width=len(path) + 2, row_heights="every")
    assert widths[2] == len(path) + 2
    assert heights[0] == heights[1] and heights[0] is not None
    # Relative widths: proportions of eight characters, widened for the longest value.
    widths, _ = sheet(relative_widths=True)
    assert widths[:2] == [6, 16]
    with pytest.raises(ValueError):
        Table("x", "x", [], columns, rows, row_heights="some")


# ---------------------------------------------------------------------------- census


def _modules():
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            yield path, ast.parse(path.read_text(encoding="utf-8"))


def _on_shelf(path: Path) -> bool:
    return SHELF in path.parents


def _imported_names(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            names.add(node.module or "")
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


#: A function or class that encodes or draws a QR code by its name (not one that only
#: knows where a code sits, like attendees.badges.badge_qr_box).
QR_ENCODER = re.compile(r"^(draw_)?qr(_|$)|qrcode|^Qr|QrCode", re.I)


def test_one_qr_encoder_on_the_shelf():
    """No module outside core/documents encodes a QR code (qrcode, reportlab's
    QrCodeWidget) or defines a QR drawing function of its own."""
    offenders = []
    for path, tree in _modules():
        if _on_shelf(path):
            continue
        imported = _imported_names(tree)
        if any(n == "qrcode" or n.startswith("qrcode.") for n in imported):
            offenders.append(f"{path.relative_to(ROOT)} imports qrcode")
        if any("QrCodeWidget" in n or n.startswith("reportlab.graphics.barcode") for n in imported):
            offenders.append(f"{path.relative_to(ROOT)} imports QrCodeWidget")
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.ClassDef) and QR_ENCODER.search(node.name):
                offenders.append(f"{path.relative_to(ROOT)} defines {node.name}")
    assert not offenders, offenders
    assert "import qrcode" in (SHELF / "qr.py").read_text(encoding="utf-8")


def test_text_is_measured_only_on_the_shelf():
    """stringWidth (reportlab's measure) is fitting's business: everything else asks
    core.documents.fitting, so there is one shrink-to-fit, one wrap, one name fit."""
    offenders = []
    for path, tree in _modules():
        if _on_shelf(path):
            continue
        for node in ast.walk(tree):
            if (isinstance(node, ast.Name) and node.id == "stringWidth") or (
                isinstance(node, ast.Attribute) and node.attr == "stringWidth"
            ):
                offenders.append(str(path.relative_to(ROOT)))
        if "reportlab.pdfbase.pdfmetrics.stringWidth" in _imported_names(tree):
            offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, sorted(set(offenders))


#: What the shelf holds; no other module may define it again.
SHELF_NAMES = {
    # header
    "official_header", "header_bodies", "place_date", "add_signature_row", "build_pdf",
    "register_fonts", "NumberedCanvas", "nfc_text", "para", "style", "NATIONAL_NAME", "MOTTO",
    # wording
    "vietnamese_date", "cited_date", "dmy", "_dmy", "_date_range", "vn_int", "vnd",
    "vn_pct", "vn_count", "amount_in_words", "number_in_words",
    "honorific", "venue_text", "_venue_text",
    # fitting
    "fit_name", "_fit_one_line", "_fit_lines", "_fitting_size", "fit_one_line", "fit_lines",
    "_wrap", "_clamp", "_balanced", "_wrap_widths", "_display_len", "_words_width", "_width",
    # QR
    "qr_matrix", "draw_qr", "qr_drawing",
    # tables and spreadsheets
    "Col", "_SheetWriter", "_csv_value", "_pdf_text", "_pdf_widths", "_xlsx_width",
    "text_cell", "csv_text", "row_height", "title_block", "print_setup", "one_font_family",
    "year_issuer", "Signer", "SignerName", "SheetWriter", "column_widths", "new_workbook",
    "save_workbook", "write_sheet", "table_xlsx", "table_csv", "table_pdf",
    "weighted_widths", "weighted_sheet_width",
    # the people lists' own writer, before they went through the shelf
    "Column", "people_list_xlsx", "people_list_pdf",
}  # fmt: skip


def test_the_shelf_s_primitives_are_defined_nowhere_else():
    offenders = []
    for path, tree in _modules():
        if _on_shelf(path):
            continue
        for node in tree.body:
            names: list[str] = []
            if isinstance(node, ast.FunctionDef | ast.ClassDef):
                names = [node.name]
            elif isinstance(node, ast.Assign):
                names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names if n in SHELF_NAMES]
    assert not offenders, offenders
    assert not (ROOT / "courses" / "pdf.py").exists()
    assert not (ROOT / "courses" / "spreadsheet.py").exists()


#: What writes a table: an openpyxl workbook, a reportlab (platypus) table, the shelf's
#: document_table, a python-docx table.
TABLE_MAKERS = {
    "openpyxl.Workbook", "openpyxl.workbook.Workbook", "openpyxl.workbook.workbook.Workbook",
    "reportlab.platypus.Table", "reportlab.platypus.LongTable",
    "reportlab.platypus.tables.Table", "reportlab.platypus.tables.LongTable",
    "core.documents.header.document_table", "docx.add_table",
}  # fmt: skip

_RESULTS_REPORT = (
    "the results report: grids of figures inside the report's text (.docx to edit, "
    "PDF to sign), laid out in millimetres like the text, and its Nơi nhận/signer layout"
)
#: Modules outside the shelf that still write tables of their own, and why.
TABLES_OFF_THE_SHELF = {
    "reports/results/docx.py": _RESULTS_REPORT,
    "reports/results/pdf.py": _RESULTS_REPORT,
    "certificates/invitations.py": (
        "the invitation letter: a one-page letter whose schedule shrinks with it to fit "
        "the page (KeepInFrame), not a list of its own"
    ),
    "attendees/template.py": (
        "the import template: an empty form with validation lists and an instruction "
        "sheet, read back by attendees.importing column by column — not rows to show"
    ),
}


def _dotted(node: ast.AST) -> str:
    """ "openpyxl.Workbook" for the expression openpyxl.Workbook; "" if not a plain name."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and (base := _dotted(node.value)):
        return f"{base}.{node.attr}"
    return ""


def _table_makers(tree: ast.AST) -> set[str]:
    """The table makers a module calls, however it imported them."""
    names: dict[str, str] = {}  # local name -> qualified name
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    names[alias.asname] = alias.name
                else:
                    names[alias.name.split(".")[0]] = alias.name.split(".")[0]
    found = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        if isinstance(node.func, ast.Attribute) and node.func.attr == "add_table":
            found.add("docx.add_table")  # python-docx: document.add_table(rows, cols)
        head, _, rest = _dotted(node.func).partition(".")
        qualified = ".".join(filter(None, [names.get(head, head), rest]))
        if qualified in TABLE_MAKERS:
            found.add(qualified)
    return found


def test_tables_are_written_only_on_the_shelf():
    """Lists (people, reports, the Ministry catalogue) are Tables drawn by
    core.documents.tables: no module outside core/documents creates a workbook or a
    reportlab table itself, except the documents of TABLES_OFF_THE_SHELF, for the reason
    given there — and each of those still does (no stale exceptions)."""
    makers = {
        str(path.relative_to(ROOT)): found
        for path, tree in _modules()
        if (found := _table_makers(tree))
    }
    # The census sees the shelf's own writer (and so would see a copy of it elsewhere).
    assert {"openpyxl.Workbook", "core.documents.header.document_table"} <= makers[
        "core/documents/tables.py"
    ]
    outside = {
        path: sorted(found)
        for path, found in makers.items()
        if not path.startswith("core/documents/")
    }
    assert {p: f for p, f in outside.items() if p not in TABLES_OFF_THE_SHELF} == {}
    assert sorted(set(TABLES_OFF_THE_SHELF) - set(outside)) == [], "no longer off the shelf"


def test_the_census_recognises_every_way_of_making_a_table():
    sources = {
        "from openpyxl import Workbook\nWorkbook()": "openpyxl.Workbook",
        "import openpyxl\nopenpyxl.Workbook()": "openpyxl.Workbook",
        "from openpyxl import Workbook as W\nW(write_only=True)": "openpyxl.Workbook",
        "from reportlab.platypus import Table\nTable([[1]])": "reportlab.platypus.Table",
        "from reportlab import platypus\nplatypus.LongTable([[1]])": "reportlab.platypus.LongTable",
        "from core.documents.header import document_table\ndocument_table([], col_widths=[])": (
            "core.documents.header.document_table"
        ),
        "doc.add_table(rows=1, cols=2)": "docx.add_table",
    }
    for source, maker in sources.items():
        assert _table_makers(ast.parse(source)) == {maker}, source
    # The shelf's Table (a dataclass) and reading a workbook are not writing a table.
    assert not _table_makers(
        ast.parse(
            "from core.documents.tables import Table\nTable('a', 'b', [], [], [])\n"
            "from openpyxl import load_workbook\nload_workbook('x.xlsx')"
        )
    )


@pytest.mark.parametrize(
    ("parent", "issuer", "expected"),
    [
        # A department under the province: the parent line, the locality not repeated.
        (
            "Ủy ban nhân dân tỉnh Lai Châu",
            "Sở Thông tin và Truyền thông tỉnh Lai Châu",
            ("UBND tỉnh Lai Châu", "Sở Thông tin và Truyền thông"),
        ),
        # A People's Committee heads its own letters alone (Decree 30, Appendix I).
        ("Ủy ban nhân dân tỉnh Lai Châu", "UBND huyện Mường Tè", ("", "UBND huyện Mường Tè")),
        (
            "UBND tỉnh Lai Châu",
            "Ủy ban nhân dân huyện Phong Thổ",
            ("", "Ủy ban nhân dân huyện Phong Thổ"),
        ),
        ("", "Báo Lai Châu", ("", "Báo Lai Châu")),
    ],
)
def test_header_bodies_follow_decree_30(parent, issuer, expected):
    from core.documents.header import header_bodies

    assert header_bodies(parent, issuer) == expected


def test_honorific_and_venue_are_worded_once_for_badges_and_certificates():
    from types import SimpleNamespace

    from core.documents.wording import honorific, venue_text

    assert [honorific(g) for g in ("male", "female", "")] == ["Ông", "Bà", "Ông/Bà"]
    hall = SimpleNamespace(name="Hội trường UBND xã", address="thôn Bản Mạ")
    assert venue_text(hall) == "Hội trường UBND xã, thôn Bản Mạ"
    assert venue_text(SimpleNamespace(name="Hội trường", address="")) == "Hội trường"
    assert venue_text(None) == ""
