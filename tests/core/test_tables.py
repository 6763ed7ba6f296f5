"""The shelf's table writer read back: a Table given as rows or as a pandas DataFrame gives
the same files; the workbook pandas writes looks exactly like the streamed one (the year's
long sheets) and carries the department's styles; the CSV keeps its BOM, CRLF line ends
and neutralised formulas; the same data gives the same bytes."""

from __future__ import annotations

import csv
import datetime
import io
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest
from django.utils import timezone

from core.documents.header import MOTTO
from core.documents.tables import (
    Col,
    Letterhead,
    Line,
    Signer,
    Table,
    new_workbook,
    save_workbook,
    table_csv,
    table_pdf,
    table_xlsx,
    tables_xlsx,
    write_sheet,
)

COLUMNS = [
    Col("STT", "int", 5),
    Col("Họ và tên", "text", 22),
    Col("Ngày sinh", "date", 12),
    Col("Tỷ lệ (%)", "rate", 8),
    Col("Đủ điều kiện", "code", 9, note="Chuyên đề 1: An toàn thông tin"),
    Col("Ghi chú", "text", 20),
]
ROWS = [
    [1, "Lò Văn Pành", datetime.date(1985, 3, 2), 83.3, True, "Mường Tè, Lai Châu"],
    [2, '=HYPERLINK("http://x","Bấm")', datetime.date(1992, 7, 9), 100.0, False, None],
    [3, "Vàng A Dơ", None, 0.0, None, "dòng một\ndòng hai"],
]
STAMP = timezone.make_aware(datetime.datetime(2023, 10, 12, 8, 30, 15))


def _table(rows) -> Table:
    return Table(
        sheet="Danh sách",
        title="DANH SÁCH THỬ",
        subtitle=["Lớp =1+2 (mã lớp L1)"],
        columns=COLUMNS,
        rows=rows,
        totals=[None, "Tổng cộng", None, 61.1, None, None],
        footer=[[None, "Số người", None, None, 1, None]],
        notes=["Ghi chú: tỷ lệ tính trên các buổi đã tổ chức."],
        key=["1. 10/10/2023: An toàn thông tin"],
        issuer=("UBND tỉnh Lai Châu", "Sở Thông tin và Truyền thông"),
    )


def _frame() -> pd.DataFrame:
    """The rows as a program would hold them: columns by title in another order, one
    more column the table does not show, numpy numbers, dates as timestamps, a gap in
    the numbers (NaN) and in the dates (NaT)."""
    return pd.DataFrame(
        {
            "Ghi chú": ["Mường Tè, Lai Châu", None, "dòng một\ndòng hai"],
            "Họ và tên": ["Lò Văn Pành", '=HYPERLINK("http://x","Bấm")', "Vàng A Dơ"],
            "STT": np.array([1, 2, 3], dtype="int64"),
            "Ngày sinh": pd.to_datetime(["1985-03-02", "1992-07-09", None]),
            "Tỷ lệ (%)": np.array([83.3, 100.0, 0.0]),
            "Đủ điều kiện": pd.Series([True, False, None], dtype=object),
            "Mã nội bộ": ["a", "b", "c"],
        }
    )


def _streamed(table: Table) -> bytes:
    wb = new_workbook()
    write_sheet(wb, table)
    out = io.BytesIO()
    save_workbook(wb, out, stamp=STAMP)
    return out.getvalue()


def _look(content: bytes) -> dict:
    """Everything a clerk sees of each sheet, cell by cell."""
    wb = openpyxl.load_workbook(io.BytesIO(content))
    sheets = {}
    for ws in wb:
        cells = {
            c.coordinate: (
                c.value,
                c.data_type,
                c.number_format,
                # openpyxl's style proxies compare by identity: compare what they say.
                repr(c.font),
                repr(c.border),
                repr(c.fill),
                repr(c.alignment),
                c.quotePrefix,
                c.comment.text if c.comment else None,
            )
            for row in ws.iter_rows()
            for c in row
            if c.value is not None or c.has_style
        }
        sheets[ws.title] = {
            "cells": cells,
            "merged": sorted(str(r) for r in ws.merged_cells.ranges),
            "widths": {k: d.width for k, d in ws.column_dimensions.items()},
            "heights": {k: d.height for k, d in ws.row_dimensions.items() if d.height},
            "frozen": ws.freeze_panes,
            "filter": ws.auto_filter.ref,
            "print titles": ws.print_title_rows,
            "page": (ws.page_setup.orientation, ws.page_setup.paperSize, ws.oddHeader.center.text),
        }
    return sheets


def test_a_frame_gives_the_same_workbook_csv_and_pdf_as_rows():
    by_rows, by_frame = _table([list(r) for r in ROWS]), _table(_frame())
    assert by_frame.rows == ROWS
    assert [type(v) for v in by_frame.rows[0]] == [int, str, datetime.date, float, bool, str]
    assert table_xlsx(by_frame, stamp=STAMP) == table_xlsx(by_rows, stamp=STAMP)
    assert table_csv(by_frame) == table_csv(by_rows)
    on = datetime.date(2023, 10, 12)
    pdf = {"parent_body": "UBND tỉnh Lai Châu", "issuing_body": "Sở X", "place": "Lai Châu"}
    assert table_pdf(by_frame, on=on, **pdf) == table_pdf(by_rows, on=on, **pdf)


def test_a_frame_without_the_titles_is_taken_column_by_column():
    frame = pd.DataFrame([r[:] for r in ROWS])  # columns 0…5
    assert _table(frame).rows == ROWS
    with pytest.raises(ValueError, match="6 columns"):
        _table(frame.iloc[:, :5])


def test_the_workbook_pandas_writes_looks_like_the_streamed_one():
    """Whole tables go through pandas, the year's long sheets are streamed: a clerk sees
    one workbook either way, cell for cell."""
    table = _table([list(r) for r in ROWS])
    assert _look(table_xlsx(table, stamp=STAMP)) == _look(_streamed(table))


def test_the_workbook_has_the_departments_styles():
    ws = openpyxl.load_workbook(io.BytesIO(table_xlsx(_table(_frame()), stamp=STAMP))).active
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert values[0][0] == "UBND TỈNH LAI CHÂU" and values[1][0] == "SỞ THÔNG TIN VÀ TRUYỀN THÔNG"
    assert ws["A3"].value == "DANH SÁCH THỬ" and ws["A3"].font.b and ws["A3"].font.sz == 14
    assert ws["A4"].value == "Lớp =1+2 (mã lớp L1)" and ws["A4"].data_type == "s"
    assert "A3:F3" in {str(r) for r in ws.merged_cells.ranges}
    header = 6
    assert [c.value for c in ws[header]] == [c.title for c in COLUMNS]
    for cell in ws[header]:
        assert cell.font.b and cell.font.name == "Times New Roman"
        assert cell.fill.fgColor.rgb == "00D9E1F2"
        assert cell.border.left.style == cell.border.bottom.style == "thin"
    assert ws.cell(header, 5).comment.text == "Chuyên đề 1: An toàn thông tin"
    assert ws.freeze_panes == f"A{header + 1}"
    assert ws.print_title_rows == f"${header}:${header}"
    assert ws.auto_filter.ref == f"A{header}:F{header + 3}"
    first, second, third = (ws[header + i] for i in (1, 2, 3))
    assert [c.value for c in first][:5] == [
        1,
        "Lò Văn Pành",
        datetime.datetime(1985, 3, 2),
        83.3,
        "Có",
    ]
    assert [c.number_format for c in first][:4] == ["0", "General", "dd/mm/yyyy", "0.0"]
    assert first[0].data_type == "n" and first[3].data_type == "n"
    # Text typed as a formula stays text, with Excel's own apostrophe.
    assert second[1].data_type == "s" and second[1].quotePrefix
    assert second[1].value.startswith("=HYPERLINK")
    # Nothing stays empty (pandas writes a gap as ""): no value, still in the grid.
    assert second[5].value is None and second[5].border.left.style == "thin"
    assert third[2].value is None and third[4].value is None
    assert all(c.font.name == "Times New Roman" and c.font.sz == 12 for c in first)
    assert ws.column_dimensions["B"].width >= 22
    totals = ws[header + 4]
    assert totals[0].value == "Tổng cộng" and totals[0].font.b
    assert totals[3].value == 61.1 and totals[3].fill.fgColor.rgb == "00F2F2F2"


def test_the_workbook_is_reproducible_in_the_documents_font():
    table = _table(_frame())
    content = table_xlsx(table, stamp=STAMP)
    assert table_xlsx(_table(_frame()), stamp=STAMP) == content
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        styles = archive.read("xl/styles.xml").decode()
    first_font = styles.split("<fonts", 1)[1].split("</font>", 1)[0]
    assert 'val="Times New Roman"' in first_font and 'val="12"' in first_font
    properties = openpyxl.load_workbook(io.BytesIO(content)).properties
    assert properties.created == properties.modified == datetime.datetime(2023, 10, 12, 1, 30, 15)


def test_several_tables_make_a_sheet_each():
    one, two = _table(ROWS), _table(ROWS[:1])
    two.sheet = "Tóm tắt"
    wb = openpyxl.load_workbook(io.BytesIO(tables_xlsx([one, two], stamp=STAMP)))
    assert wb.sheetnames == ["Danh sách", "Tóm tắt"]
    assert wb["Tóm tắt"]["B7"].value == "Lò Văn Pành"
    assert wb["Tóm tắt"]["A8"].value == "Tổng cộng"


def test_csv_has_a_bom_crlf_lines_and_neutralised_formulas():
    text = table_csv(_table(_frame()))
    assert text.startswith("\ufeff")
    # Five lines (header, three rows, totals), the line break inside a quoted field kept.
    assert text.replace("dòng một\ndòng hai", "").count("\n") == text.count("\r\n") == 5
    assert list(csv.reader(io.StringIO(text[1:]))) == [
        [c.title for c in COLUMNS],
        ["1", "Lò Văn Pành", "02/03/1985", "83.3", "Có", "Mường Tè, Lai Châu"],
        ["2", '\'=HYPERLINK("http://x","Bấm")', "09/07/1992", "100.0", "Không", ""],
        ["3", "Vàng A Dơ", "", "0.0", "", "dòng một\ndòng hai"],
        ["", "Tổng cộng", "", "61.1", "", ""],
    ]


# ---------------------------------------------------------------------------- a form


FORM_COLUMNS = [
    Col("STT", "int", 0.75),
    Col("Họ và tên", "text", 3.5),
    Col("Đơn vị", "text", 4),
    Col("Số tiền", "money", 2),
    Col("Ký nhận", "sign", 2.75),
]


def _form(rows) -> Table:
    """A voucher-like table: the Decree 30 header in two blocks, a key row, amounts, a
    signature column, the total over three columns, the amount in words, three signers."""
    return Table(
        sheet="Chi trả",
        title="DANH SÁCH CHI TRẢ",
        subtitle=[Line("Lớp: L1"), Line("Mức: 150.000 đồng/ngày", align="left")],
        columns=FORM_COLUMNS,
        rows=rows,
        totals=[None, "Tổng cộng", None, 1_400_000, None],
        landscape=True,
        letterhead=Letterhead(
            "UBND tỉnh Lai Châu", "Sở Thông tin và Truyền thông", "Lai Châu",
            datetime.date(2023, 10, 13), left_columns=2,
        ),
        column_keys=["A", "B", "C", "1", "D"],
        signers=(Signer("Người lập biểu", "(Ký, ghi rõ họ tên)"), Signer("Kế toán trưởng"),
                 Signer("Thủ trưởng đơn vị", "(Ký, ghi rõ họ tên)")),
        relative_widths=True,
        body_height=30,
        valign="center",
        totals_span=3,
        after=[Line("Số tiền bằng chữ: Một triệu bốn trăm nghìn đồng.", italic=True, align="left")],
        sheet_signers=True,
        signer_columns=(1, 3, 4),
        sheet_filter=False,
        empty="Không có ai được chi trả.",
    )  # fmt: skip


FORM_ROWS = [
    [1, "Lò Văn Pành (1985)", "UBND xã Mù Cả", 1_250_000, None],
    [2, "Vàng A Dơ", "UBND xã Tà Tổng", 150_000, None],
]


def test_a_form_s_workbook_has_its_letterhead_key_row_amounts_words_and_signers():
    content = table_xlsx(_form(pd.DataFrame(FORM_ROWS)), stamp=STAMP)
    ws = openpyxl.load_workbook(io.BytesIO(content)).active
    merged = {str(r) for r in ws.merged_cells.ranges}
    # The issuing body on the left, the national name on the right, each merged.
    assert [ws["A1"].value, ws["A2"].value] == [
        "UBND TỈNH LAI CHÂU",
        "SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
    ]
    assert ws["A2"].font.b and {"A1:B1", "A2:B2", "D1:E1", "D2:E2", "D3:E3"} <= merged
    assert [ws["D1"].value, ws["D2"].value] == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", MOTTO]
    assert ws["D3"].value == "Lai Châu, ngày 13 tháng 10 năm 2023" and ws["D3"].font.i
    assert ws["A5"].value == "DANH SÁCH CHI TRẢ"
    assert ws["A7"].alignment.horizontal == "left" and not ws["A6"].font.i
    # The key row under the column titles, frozen and printed with them.
    assert [c.value for c in ws[9]] == [c.title for c in FORM_COLUMNS]
    assert [c.value for c in ws[10]] == ["A", "B", "C", "1", "D"]
    assert ws["A10"].font.i and ws["A10"].border.left.style == "thin"
    assert ws.freeze_panes == "A11" and ws.print_title_rows == "$9:$10"
    # Amounts stay integers, shown "#,##0" on the right; rows tall enough to sign in.
    assert [ws["D11"].value, ws["D12"].value] == [1_250_000, 150_000]
    assert ws["D11"].number_format == "#,##0" and ws["D11"].alignment.horizontal == "right"
    assert ws["B11"].alignment.vertical == "center"
    assert ws["E11"].value is None and ws["E11"].border.left.style == "thin"
    assert ws.row_dimensions[11].height == ws.row_dimensions[12].height == 30
    # The total's label over STT, name and unit; its amount formatted too.
    assert ws["A13"].value == "Tổng cộng" and "A13:C13" in merged
    assert ws["D13"].value == 1_400_000 and ws["D13"].number_format == "#,##0"
    # Under the table: the amount in words, then each signer over its columns.
    assert ws["A15"].value.startswith("Số tiền bằng chữ") and "A15:E15" in merged
    assert [ws["A17"].value, ws["C17"].value, ws["D17"].value] == [
        "NGƯỜI LẬP BIỂU", "KẾ TOÁN TRƯỞNG", "THỦ TRƯỞNG ĐƠN VỊ",
    ]  # fmt: skip
    assert [ws["A18"].value, ws["C18"].value, ws["D18"].value] == [
        "(Ký, ghi rõ họ tên)", None, "(Ký, ghi rõ họ tên)",
    ]  # fmt: skip
    assert {"A17:B17", "D17:E17"} <= merged
    assert ws.auto_filter.ref is None  # a voucher is not a list to filter


def test_a_form_s_workbook_is_the_same_streamed():
    table = _form([list(r) for r in FORM_ROWS])
    assert _look(table_xlsx(table, stamp=STAMP)) == _look(_streamed(table))


def test_a_form_s_signers_share_the_width_without_given_columns():
    """Widths 6, 28, 32, 16, 22: thirds of the width end nearest after B and after C."""
    table = _form([list(r) for r in FORM_ROWS])
    table.signer_columns = ()
    ws = openpyxl.load_workbook(io.BytesIO(table_xlsx(table, stamp=STAMP))).active
    assert [ws.column_dimensions[c].width for c in "ABCDE"] == [6, 28, 32, 16, 22]
    assert sorted(str(r) for r in ws.merged_cells.ranges if r.min_row == 17) == [
        "A17:B17",
        "D17:E17",
    ]
    assert [c.value for c in ws[17]] == [
        "NGƯỜI LẬP BIỂU", None, "KẾ TOÁN TRƯỞNG", "THỦ TRƯỞNG ĐƠN VỊ", None,
    ]  # fmt: skip
    table.signer_columns = (1, 3)
    with pytest.raises(ValueError, match="one first column per signer"):
        table_xlsx(table)


def test_a_form_s_csv_has_plain_amounts_and_an_empty_signature_column():
    rows = list(csv.reader(io.StringIO(table_csv(_form([list(r) for r in FORM_ROWS])))))
    assert rows[0] == ["\ufeffSTT", "Họ và tên", "Đơn vị", "Số tiền", "Ký nhận"]
    assert rows[1] == ["1", "Lò Văn Pành (1985)", "UBND xã Mù Cả", "1250000", ""]


def _pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)


def test_a_form_s_pdf_prints_amounts_keys_numbers_to_sign_by_and_the_words():
    pdf = {"parent_body": "UBND tỉnh Lai Châu", "issuing_body": "Sở X", "place": "Lai Châu"}
    on = datetime.date(2023, 10, 13)
    text = _pdf_text(table_pdf(_form([list(r) for r in FORM_ROWS]), on=on, **pdf))
    flat = " ".join(text.split())
    assert "1.250.000" in flat and "1.400.000" in flat and "1250000" not in flat
    assert "A B C 1 D" in flat  # the key row
    assert "1." in text and "2." in text  # the numbers in the signature column
    assert "Số tiền bằng chữ: Một triệu bốn trăm nghìn đồng." in flat
    assert flat.index("Tổng cộng") < flat.index("Số tiền bằng chữ") < flat.index("KẾ TOÁN TRƯỞNG")
    empty = _pdf_text(table_pdf(_form([]), on=on, **pdf))
    assert "Không có ai được chi trả." in " ".join(empty.split())
