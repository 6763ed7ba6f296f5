"""Nominee / enrollment lists as Excel workbooks and as official PDF lists.

The caller decides the columns and the order of the rows (lists are sorted the Vietnamese
way — given name first — before they get here); this module only lays them out:

    columns = [Column("stt", "STT", 0.5, "int"), Column("name", "Họ và tên", 3),
               Column("dob", "Ngày sinh", 1.4, "date"), Column("unit", "Đơn vị", 4)]
    people_list_xlsx(title="DANH SÁCH HỌC VIÊN LỚP L3", subtitle="…", columns=columns, rows=rows)

Row values are ``str``, ``int`` or ``datetime.date`` (``None`` prints as an empty cell).
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from core.documents.fitting import weighted_sheet_width, weighted_widths
from core.documents.header import (
    add_signature_row,
    build_pdf,
    document_table,
    frame_width,
    nfc_text,
    official_header,
    para,
    style,
)
from core.documents.spreadsheet import (
    FONT_FAMILY,
    one_font_family,
    print_setup,
    row_height,
    text_cell,
    title_block,
)
from core.documents.tables import XLSX_DATE_FORMAT
from core.documents.wording import dmy

LANDSCAPE_ABOVE = 6  # more columns than this → landscape page


@dataclass
class Column:
    key: str
    title: str  # Vietnamese header
    width: float = 1.0  # relative width (PDF); xlsx uses it for column width too
    kind: str = "text"  # "text" | "date" | "int"


def _display(value: object) -> str:
    """A value as it is printed: dates dd/mm/yyyy, everything else as NFC text."""
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return dmy(value)
    return nfc_text(value)


# ---------------------------------------------------------------------------- xlsx

_THIN = Side(style="thin", color="000000")
_GRID = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
_XLSX_FONT = FONT_FAMILY


def people_list_xlsx(
    *,
    title: str,
    subtitle: str,
    columns: list[Column],
    rows: list[dict],
    issuing_body: str = "",
    parent_body: str = "",
) -> bytes:
    """The list as an .xlsx workbook: issuing body and title rows, a frozen filterable
    header as tall as its wrapped titles, A4 landscape one page wide, header repeated."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Danh sách"
    ncols = max(len(columns), 1)
    last_col = get_column_letter(ncols)

    widths = [
        weighted_sheet_width(c.title, [_display(r.get(c.key)) for r in rows], c.width, c.kind)
        for c in columns
    ]
    top = title_block(
        ws,
        parent_body=parent_body,
        issuing_body=issuing_body,
        title=title,
        subtitles=[subtitle],
        ncols=ncols,
        width=sum(widths),
    )
    header_row = top + 2  # one blank row between the titles and the table
    header_font = Font(name=_XLSX_FONT, size=12, bold=True)
    header_align = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for c, column in enumerate(columns, start=1):
        cell = text_cell(ws.cell(row=header_row, column=c), column.title)
        cell.font = header_font
        cell.fill = _HEADER_FILL
        cell.border = _GRID
        cell.alignment = header_align
        ws.column_dimensions[get_column_letter(c)].width = widths[c - 1]
    # A wrapped header needs its height set, or it prints over the first row.
    ws.row_dimensions[header_row].height = row_height([c.title for c in columns], widths)

    body_font = Font(name=_XLSX_FONT, size=12)
    aligns = {
        "text": Alignment(horizontal="left", vertical="top", wrap_text=True),
        "date": Alignment(horizontal="center", vertical="top"),
        "int": Alignment(horizontal="center", vertical="top"),
    }
    for r, row in enumerate(rows, start=header_row + 1):
        for c, column in enumerate(columns, start=1):
            value = row.get(column.key)
            cell = ws.cell(row=r, column=c)
            if value is None:
                pass
            elif isinstance(value, datetime.date):
                cell.value = value
                cell.number_format = XLSX_DATE_FORMAT
            elif isinstance(value, int) and not isinstance(value, bool):
                cell.value = value
                cell.number_format = "0"
            else:
                text_cell(cell, value)  # "=…" typed into a name stays text
            cell.font = body_font
            cell.border = _GRID
            cell.alignment = aligns.get(column.kind, aligns["text"])
        texts = [_display(row.get(c.key)) if c.kind == "text" else "" for c in columns]
        if (height := row_height(texts, widths)) > 21:  # a long unit name wraps
            ws.row_dimensions[r].height = height

    last_row = header_row + len(rows)
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    ws.auto_filter.ref = f"A{header_row}:{last_col}{last_row}"

    print_setup(ws, header_rows=(header_row, header_row))
    one_font_family(wb)

    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------------------- pdf

TABLE_SIZE = 10.5


def people_list_pdf(
    *,
    title: str,
    subtitle: str,
    columns: list[Column],
    rows: list[dict],
    parent_body: str,
    issuing_body: str,
    place: str,
    on: datetime.date,
    signer_title: str = "",
    signer_name: str = "",
    signer_hint: str = "",
    sign_rows: bool = False,
) -> bytes:
    """The list as an official A4 PDF (landscape above six columns), "Trang x/y" footers.
    ``sign_rows``: every person signs on their row (a receipt list), so the rows are as
    tall as the payment voucher's, about 9 mm, not one line of text."""
    pagesize = landscape(A4) if len(columns) > LANDSCAPE_ABOVE else A4
    width = frame_width(pagesize)

    story = official_header(
        parent_body=parent_body, issuing_body=issuing_body, place=place, on=on, width=width
    )
    story += [
        Spacer(0, 7 * mm),
        para(title, style("title", size=14, bold=True, align=TA_CENTER, spaceAfter=2)),
        para(subtitle, style("subtitle", size=13, italic=True, align=TA_CENTER)),
        Spacer(0, 5 * mm),
    ]

    head = style("th", size=TABLE_SIZE, bold=True, align=TA_CENTER)
    cell_styles = {
        "text": style("td", size=TABLE_SIZE, align=TA_LEFT),
        "date": style("td-date", size=TABLE_SIZE, align=TA_CENTER),
        "int": style("td-int", size=TABLE_SIZE, align=TA_CENTER),
    }
    cells = [[_display(row.get(column.key)) for column in columns] for row in rows]
    data = [[para(column.title, head) for column in columns]]
    data += [
        [
            para(text, cell_styles.get(column.kind, cell_styles["text"]))
            for text, column in zip(texts, columns, strict=True)
        ]
        for texts in cells
    ]
    body = cell_styles["text"]
    col_widths = weighted_widths(
        [c.title for c in columns],
        [c.width for c in columns],
        cells,
        width,
        head=(head.fontName, head.fontSize),
        body=(body.fontName, body.fontSize),
    )
    last = len(data) - 1
    commands = [
        ("GRID", (0, 0), (-1, last), 0.5, "black"),
        ("VALIGN", (0, 0), (-1, 0), "MIDDLE"),
        ("VALIGN", (0, 1), (-1, last), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, last), 3),
        ("RIGHTPADDING", (0, 0), (-1, last), 3),
        ("TOPPADDING", (0, 0), (-1, last), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, last), 3.5),
    ]
    if sign_rows and last > 0:
        commands += [
            ("TOPPADDING", (0, 1), (-1, last), 5.5),
            ("BOTTOMPADDING", (0, 1), (-1, last), 6.5),
        ]
    if signer_title or signer_name:
        sign = [
            para(
                nfc_text(signer_title).upper(),
                style("sign-title", size=13, bold=True, align=TA_CENTER),
            ),
            *(
                [para(signer_hint, style("sign-hint", size=12, italic=True, align=TA_CENTER))]
                if signer_hint
                else []
            ),
            Spacer(0, 22 * mm),
            para(signer_name, style("sign-name", size=13, bold=True, align=TA_CENTER)),
        ]
        table_w = sum(col_widths)
        block = document_table(
            [["", sign]],
            col_widths=[table_w * 0.45, table_w * 0.55],
            commands=[
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ],
        )
        # In the table, so the last rows go with it to the next page (never alone).
        add_signature_row(data, commands, [Spacer(0, 6 * mm), block])
    story.append(
        document_table(
            data, col_widths=col_widths, repeatRows=1, hAlign="CENTER", commands=commands
        )
    )

    return build_pdf(story, pagesize=pagesize, title=title, author=issuing_body)
