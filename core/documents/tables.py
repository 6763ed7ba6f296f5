"""A small table writer: one :class:`Table` (title block, columns with titles, kinds and
widths, rows of typed values, totals, notes) drawn as an .xlsx sheet, as CSV and as an
official Decree 30 PDF, so that the three files of one list can never disagree.

Values stay typed until the last moment: ``int``, ``float`` (percentages, one decimal),
``datetime.date``, ``bool`` and ``str``; the sheet keeps them as numbers and dates (so the
recipient can sum and filter), the CSV and the PDF print them. Text goes through
:mod:`core.documents.spreadsheet`, so a name typed as ``=HYPERLINK(…)`` stays text.

The rows are lists of values or a pandas DataFrame (:func:`frame_rows`: columns picked by
the columns' titles, numpy numbers, NaN and timestamps made plain values). pandas writes
the files of whole tables: the CSV is ``DataFrame.to_csv`` of the shown values, the
workbook ``DataFrame.to_excel`` through ``pandas.ExcelWriter(engine="openpyxl")`` into
sheets :class:`SheetWriter` titles and styles (header bold on blue, grid, widths, number
and date formats, frozen header, filter, A4 print set-up). A year's long sheets and the
Ministry catalogue are streamed instead — :class:`SheetWriter` on a write-only workbook —
because pandas' openpyxl writer keeps every cell of a sheet in memory; both ways give
the same sheet, cell for cell.

Usage::

    table = Table("Danh sách", "DANH SÁCH …", ["Lớp …"], [Col("STT", "int", 5), …], rows)
    table_xlsx(table)                                   # one sheet, as bytes (pandas)
    tables_xlsx([matrix, units, …], stamp=…)            # a sheet per table (pandas)
    table_csv(table)                                    # str, UTF-8 BOM first (pandas)
    table_pdf(table, parent_body=…, issuing_body=…, place="Lai Châu")   # bytes
    wb = new_workbook(); write_sheet(wb, table); save_workbook(wb, out, stamp=None)

A list of people (nominees, enrollments, receipts) is a Table too: ``relative_widths``
makes the columns' widths proportions of the page, ``signers`` puts the unit's own signer
(or nobody) under the PDF table, and ``table_pdf(…, on=…)`` dates it. The Ministry
package's catalogue streams its rows through :class:`SheetWriter` with wider columns
(``max_width``) and every row as tall as its file paths (``row_heights="every"``).

A form such as the payment voucher is a Table too: the sheet's Decree 30 header in two
blocks (:class:`Letterhead`), subtitle lines with their own emphasis (:class:`Line`), a key
row under the column titles, "money" columns ("#,##0" on the sheet, "1.250.000" on
paper), a "sign" column people sign in, the total's label over several columns, lines
under the table (the amount in words) and the signers on the sheet as on paper.
"""

from __future__ import annotations

import datetime
import io
import shutil
import zipfile
from collections.abc import Callable, Iterable, Sequence
from copy import copy
from dataclasses import dataclass, field
from typing import IO, Any

import numpy as np
import pandas as pd
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter
from openpyxl.xml.constants import ARC_CORE
from openpyxl.xml.functions import tostring
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Spacer

from core.documents.fitting import (
    sheet_widths,
    table_widths,
    weighted_sheet_width,
    weighted_widths,
)
from core.documents.header import (
    LAYOUT_COMMANDS,
    MOTTO,
    NATIONAL_NAME,
    add_signature_row,
    build_pdf,
    document_table,
    frame_width,
    header_bodies,
    nfc_text,
    official_header,
    para,
    place_date,
    register_fonts,
    style,
)
from core.documents.spreadsheet import (
    FONT_FAMILY,
    DefaultFontZip,
    cell_text,
    csv_text,
    looks_like_formula,
    print_setup,
    row_height,
    text_cell,
    wrapped_lines,
)
from core.documents.wording import dmy, vietnamese_date, vn_int
from courses.vietnamese import name_with_birth_year

XLSX_DATE_FORMAT = "dd/mm/yyyy"
XLSX_RATE_FORMAT = "0.0"


class SignerName(str):
    """A person's name on a list people sign: the sheet and the CSV keep the bare name
    (to sort and filter by), the PDF prints it with the birth year ("Lường Thị Ún
    (1985)"), so two namesakes of one unit each find their own line."""

    born: datetime.date | None

    def __new__(cls, name: str, born: datetime.date | None = None) -> SignerName:
        value = super().__new__(cls, name)
        value.born = born
        return value


@dataclass(frozen=True)
class Col:
    """One column of a view, whatever it is drawn as.

    ``kind`` decides the cell type and alignment: "text" (left, wraps), "code" (short
    centred text: STT-like codes, Có/Không), "int", "rate" (a float shown with one decimal),
    "date", "money" (an amount in đồng: an integer formatted "#,##0" on the sheet,
    "1.250.000" on paper, right-aligned) and "sign" (a column people sign in: empty on
    the sheet and in the CSV, on paper the row's number in small print, alternately at
    the left and the right, so that neighbours' signatures do not run into each other). ``width`` is the sheet width in characters (at least; it grows with the
    data) and the PDF weight of a text column. ``note`` is a comment on the sheet's header
    cell (a session's topic); ``short`` the PDF header when the page is tight.
    """

    title: str
    kind: str = "text"
    width: float = 10
    note: str = ""
    short: str = ""
    number: int = 0  # a session's column: its number in the PDF's list of sessions


@dataclass(frozen=True)
class Signer:
    """One signature block under a PDF table: the signer's function (printed in capitals,
    "KT. Giám đốc\nPhó Giám đốc" on two lines), a hint such as "(Ký tên, đóng dấu)" and,
    when it is known, the name printed under the room left for the signature."""

    title: str
    hint: str = ""
    name: str = ""


#: Who signs a report drawn from the data: the clerk who made it and the head of the unit.
REPORT_SIGNERS = (
    Signer("NGƯỜI LẬP BIỂU", "(Ký, ghi rõ họ tên)"),
    Signer("THỦ TRƯỞNG ĐƠN VỊ", "(Ký tên, đóng dấu)"),
)
#: The head of the issuing unit alone (a unit's nomination list, sent to the Department).
HEAD_OF_UNIT = (Signer("THỦ TRƯỞNG ĐƠN VỊ", "(Ký tên, đóng dấu)"),)
#: Whoever drew a list up signs it (a list on letterhead, dated, is never left unsigned).
LIST_MAKER = (Signer("NGƯỜI LẬP DANH SÁCH", "(Ký, ghi rõ họ tên)"),)

#: Row height policies of a sheet's body rows (see SheetWriter._row_height).
ROW_HEIGHTS = ("wrapped", "every")


@dataclass(frozen=True)
class Line:
    """A line of a title block or of the text under a table, with its own emphasis
    (a plain ``str`` subtitle is centred italics)."""

    text: str
    bold: bool = False
    italic: bool = False
    size: float = 12
    align: str = "center"  # "center" or "left"


@dataclass(frozen=True)
class Letterhead:
    """The Decree 30 header of a sheet as on paper: the issuing body (its parent body
    above it) on the left over the first ``left_columns`` columns, the national name,
    the motto and the place and date on the right, from the column after the next to the
    last. (The PDF draws the same header from :func:`table_pdf`'s arguments.)"""

    parent_body: str
    issuing_body: str
    place: str
    on: datetime.date
    left_columns: int = 3

    def left(self) -> list[Line]:
        parent, issuing = header_bodies(self.parent_body, self.issuing_body)  # as on paper
        return [Line(parent.upper()), Line(issuing.upper(), bold=True)]

    def right(self) -> list[Line]:
        when = place_date(self.place, self.on) if self.place else vietnamese_date(self.on)
        return [
            Line(NATIONAL_NAME, bold=True),
            Line(MOTTO, bold=True),
            Line(when[:1].upper() + when[1:], italic=True),
        ]


@dataclass
class Table:
    """A view ready to be drawn: the title block, the columns, rows of typed values, an
    optional totals row ("Tổng cộng", in every format), extra footer rows (sheet and PDF
    only, e.g. attendance per session) and notes (the legend).

    Layout options, for the lists that are not reports:

    * ``signers``: the signature blocks under the PDF table, left to right (one signer
      stands on the right, as Decree 30 has it); empty for a list nobody signs as a whole.
    * ``relative_widths``: the columns' ``width`` are proportions (1 ≈ 8 characters on the
      sheet) and the PDF shares the page in those proportions at one font size, each
      column widened so that no word or date breaks — a people list.
    * ``max_width``: the widest a sheet column grows for its data, in characters.
    * ``pdf_padding``: (top, bottom) padding of the PDF's cells, in points; a list people
      sign on a line each wants a little more room.
    * ``row_heights``: "wrapped" gives a body row the height of its wrapped text when it
      wraps; "every" sets every row's height, measured without allowance for narrow letters
      (file paths break anywhere, and a row too short prints them over the next one).
    """

    sheet: str
    title: str
    subtitle: list[str | Line]
    columns: list[Col]
    rows: list[list[Any]]
    totals: list[Any] | None = None
    footer: list[list[Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    landscape: bool = False
    key: list[str] = field(default_factory=list)  # PDF: the sessions, numbered
    # Workbook: (parent body, issuing body) above the title; the PDF has its own header.
    issuer: tuple[str, str] = ("", "")
    signers: tuple[Signer, ...] = REPORT_SIGNERS
    relative_widths: bool = False
    max_width: float = 50
    row_heights: str = "wrapped"
    pdf_padding: tuple[float, float] = (2, 3)
    # A form (a voucher): the sheet's Decree 30 header in two blocks instead of
    # ``issuer``; a key row under the column titles ("A", "B", "1", "5 = 2+3+4"), printed
    # and frozen with them; the body rows at least ``body_height`` points tall (room to
    # sign) and centred vertically (``valign``); the totals' label over the first
    # ``totals_span`` columns; lines under the table (the amount in words), then, with
    # ``sheet_signers``, the signers on the sheet too; no filter on the sheet.
    letterhead: Letterhead | None = None
    column_keys: list[str] = field(default_factory=list)
    body_height: float = 0
    valign: str = "top"
    totals_span: int = 2
    after: list[Line] = field(default_factory=list)
    sheet_signers: bool = False
    signer_columns: tuple[int, ...] = ()  # the sheet: each signer's first column (1 = A)
    sheet_filter: bool = True
    empty: str = "(Không có dữ liệu)"  # the PDF's one row when there are none

    def __post_init__(self) -> None:
        if self.row_heights not in ROW_HEIGHTS:
            raise ValueError(f"row_heights {self.row_heights!r}; expected one of {ROW_HEIGHTS}")
        if self.column_keys and len(self.column_keys) != len(self.columns):
            raise ValueError("column_keys: one key per column")
        if isinstance(self.rows, pd.DataFrame):
            self.rows = frame_rows(self.rows, self.columns)

    def frame(self) -> pd.DataFrame:
        """The rows, and the totals row if any, as a DataFrame of the typed values (object
        columns, numbered as the table's columns: titles may repeat)."""
        rows = self.rows + ([self.totals] if self.totals else [])
        return pd.DataFrame(rows, columns=range(len(self.columns)), dtype=object)


# ---------------------------------------------------------------------------- frames


def _python(value: Any, kind: str) -> Any:
    """A DataFrame's value as the plain Python value a Table holds: NaN, NaT and NA as
    ``None``, numpy numbers as ``int``/``float``/``bool``, a timestamp at midnight as a
    date (pandas keeps dates as timestamps), a whole number of an "int" column as an int
    (pandas makes a column of numbers with a gap floats)."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date() if value == value.normalize() else value.to_pydatetime()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        if value != value:  # NaN: a missing number
            return None
        if kind == "int" and value.is_integer():
            return int(value)
    return value


def frame_rows(frame: pd.DataFrame, columns: Sequence[Col]) -> list[list[Any]]:
    """The rows of ``frame`` for a Table of ``columns``: its columns picked by the
    columns' titles when it has them all (in any order, with others beside them), else
    taken in order, one per column."""
    titles = [c.title for c in columns]
    if len(set(titles)) == len(titles) and set(titles) <= set(frame.columns):
        frame = frame[titles]
    elif frame.shape[1] != len(columns):
        raise ValueError(
            f"the frame has {frame.shape[1]} columns and none of the titles of the "
            f"{len(columns)} columns: {titles}"
        )
    kinds = [c.kind for c in columns]
    return [
        [_python(v, kind) for v, kind in zip(row, kinds, strict=True)]
        for row in frame.itertuples(index=False, name=None)
    ]


# ---------------------------------------------------------------------------- csv


def _shown(value: Any, text: Callable[[Any], str], decimal: str = ".") -> str:
    """A typed value as text, the same way in every format: empty for nothing, Có/Không,
    rates with one decimal, dates dd/mm/yyyy; other text through ``text`` (CSV-safe,
    sheet-safe or NFC for paper)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", decimal)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime.date):
        return dmy(value)
    return text(value)


def _csv_value(value: Any) -> str:
    return _shown(value, csv_text)  # "=HYPERLINK(…)" typed as a name must not run in Excel


def table_csv(table: Table) -> str:
    """The table as CSV text: the column titles, the rows, the totals, each value shown
    as on paper (Có/Không, dd/mm/yyyy, one decimal) and formula-like text neutralised;
    CRLF line ends and a BOM first, so that Excel opens Vietnamese letters right."""
    frame = table.frame().map(_csv_value)
    header = [_csv_value(c.title) for c in table.columns]
    return "\ufeff" + frame.to_csv(index=False, header=header, lineterminator="\r\n")


# ---------------------------------------------------------------------------- xlsx

_FONT = FONT_FAMILY
_THIN = Side(style="thin", color="000000")
_GRID = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
_TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
_ALIGN = {
    "text": Alignment(horizontal="left", vertical="top", wrap_text=True),
    "code": Alignment(horizontal="center", vertical="top"),
    "int": Alignment(horizontal="center", vertical="top"),
    "rate": Alignment(horizontal="center", vertical="top"),
    "date": Alignment(horizontal="center", vertical="top"),
    "money": Alignment(horizontal="right", vertical="top"),
    "sign": Alignment(horizontal="center", vertical="top"),
}
XLSX_MONEY_FORMAT = "#,##0"
_HEADER_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)
# Shared style objects: the year's long sheet has a million cells.
_BODY_FONT = Font(name=_FONT, size=12)
_BOLD_FONT = Font(name=_FONT, size=12, bold=True)
_NOTE_FONT = Font(name=_FONT, size=11)
_NOTE_BOLD_FONT = Font(name=_FONT, size=11, bold=True)
_KEY_FONT = Font(name=_FONT, size=10, italic=True)


def _line_font(line: Line) -> Font:
    return Font(name=_FONT, size=line.size, bold=line.bold, italic=line.italic)


def _sheet_text(value: Any) -> str:
    """A value as a sheet shows it (to measure a column by)."""
    return _shown(value, cell_text)


def column_widths(table: Table, sample: list[list[Any]]) -> list[float]:
    """Characters per sheet column: the declared width (or, with ``relative_widths``, its
    proportion of eight characters), widened for the longest value (and the longest
    header word), never wider than the table's ``max_width`` — longer text wraps."""
    if table.relative_widths:
        return [
            weighted_sheet_width(
                c.title,
                [_sheet_text(row[i]) for row in sample],
                c.width,
                c.kind,
                maximum=table.max_width,
            )
            for i, c in enumerate(table.columns)
        ]
    return sheet_widths(
        [c.title for c in table.columns], [c.width for c in table.columns], sample, table.max_width
    )


def _number_format(value: Any, kind: str = "") -> str:
    """The number format of a typed value's cell (an amount's: thousands separated)."""
    if isinstance(value, bool) or value is None:
        return "General"
    if kind == "money" and isinstance(value, int):
        return XLSX_MONEY_FORMAT
    if isinstance(value, float):
        return XLSX_RATE_FORMAT
    if isinstance(value, int):
        return "0"
    if isinstance(value, datetime.date):
        return XLSX_DATE_FORMAT
    return "General"


def _sheet_value(value: Any) -> Any:
    """A typed value as a sheet holds it: Có/Không for a yes or no, text without the
    characters a workbook refuses, numbers and dates as they are."""
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, str):
        return cell_text(value)
    return value


_lines = wrapped_lines  # one rule for how wrapped text breaks, in core.documents.spreadsheet


class SheetWriter:
    """Writes one Table into a write-only worksheet: title block, frozen styled header,
    typed body cells, totals, footer and notes, A4 print setup. Rows may be streamed
    (``write_rows`` any number of times), so the year's long sheets never sit in memory."""

    def __init__(
        self,
        wb: Workbook,
        table: Table,
        *,
        sample: list[list[Any]] | None = None,
        plain: bool = False,
    ):
        """``sample``: rows to size the columns by when the rows are streamed later (values
        as long as the longest to come); by default the table's own rows, totals and
        footer. ``plain``: body cells as bare values, without borders, for sheets of a
        hundred thousand rows (lists to filter, not to print), where styling every cell
        would double the time the whole workbook takes."""
        self.table = table
        self.plain = plain
        self.ws = ws = wb.create_sheet(table.sheet)
        self.ncols = ncols = max(len(table.columns), 1)
        self.last_col = get_column_letter(ncols)
        if sample is None:
            sample = table.rows + ([table.totals] if table.totals else []) + table.footer
        self.widths = column_widths(table, sample)
        self.row = 0  # last row written
        self.first_data = 0
        self.data_rows = 0
        self._styles: dict[tuple, StyleArray] = {}

        for i, width in enumerate(self.widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        total_width = sum(self.widths)
        # The header's two lines as every PDF prints them (header_bodies), not the bodies'
        # full registered names ("ỦY BAN NHÂN DÂN …" over "SỞ … TỈNH LAI CHÂU").
        issuer = [text for text in header_bodies(*table.issuer) if text]
        letterhead = table.letterhead
        if letterhead is not None:
            issuer = []
            head_rows = max(len(letterhead.left()), len(letterhead.right())) + 1
        else:
            head_rows = len(issuer)
        title_rows = head_rows + 1 + len(table.subtitle)
        header = title_rows + 2  # one blank row between the title block and the table
        last_header = header + (1 if table.column_keys else 0)
        # Everything that goes before the rows in the file must be set before the first:
        # the panes freeze under the header (and its key row), which also repeats on
        # every printed page.
        ws.freeze_panes = f"A{last_header + 1}"
        print_setup(ws, header_rows=(header, last_header))

        if letterhead is not None:
            self._letterhead(letterhead)
        for i, text in enumerate(issuer, start=1):
            bold = i == len(issuer)  # the issuing body itself, under its parent body
            font = Font(name=_FONT, size=12, bold=bold)
            self._merged_line(text.upper(), font, total_width, horizontal="left")
        self.ws.row_dimensions[self.row + 1].height = 21
        self._merged_line(table.title, Font(name=_FONT, size=14, bold=True), total_width)
        for line in table.subtitle:
            if isinstance(line, Line):
                self._merged_line(line.text, _line_font(line), total_width, line.align)
            else:
                self._merged_line(line, Font(name=_FONT, size=12, italic=True), total_width)
        self._append([])
        self._header()
        self.first_data = self.row + 1

    # -- plumbing

    def _append(self, cells: list) -> None:
        self.ws.append(cells)
        self.row += 1

    def _line_cell(self, line: Line) -> WriteOnlyCell:
        cell = text_cell(WriteOnlyCell(self.ws), line.text)  # a title: never a formula
        cell.font = _line_font(line)
        cell.alignment = Alignment(horizontal=line.align, vertical="center", wrap_text=True)
        return cell

    def _spans(self, first: int, last: int, row: int) -> None:
        if last > first:
            self.ws.merged_cells.add(
                f"{get_column_letter(first)}{row}:{get_column_letter(last)}{row}"
            )

    def _blocks(self, blocks: list[tuple[int, int, list[Line]]]) -> None:
        """Blocks of lines side by side, each merged over its columns (first, last)."""
        for i in range(max(len(lines) for _, _, lines in blocks)):
            cells: list[Any] = [None] * self.ncols
            for first, _, lines in blocks:
                if i < len(lines):
                    cells[first - 1] = self._line_cell(lines[i])
            self._append(cells)
            for first, last, lines in blocks:
                if i < len(lines):
                    self._spans(first, last, self.row)

    def _letterhead(self, letterhead: Letterhead) -> None:
        left = min(letterhead.left_columns, self.ncols)
        right = min(left + 2, self.ncols)
        self._blocks([(1, left, letterhead.left()), (right, self.ncols, letterhead.right())])
        self._append([])

    def _signer_columns(self, n: int, firsts: tuple[int, ...]) -> list[tuple[int, int]]:
        """The columns (first, last) under each of ``n`` signers: from each one's first
        column (``firsts``) to the next one's, or else shares of the table's width as
        equal as whole columns make them."""
        if firsts:
            if len(firsts) != n or list(firsts) != sorted(set(firsts)) or firsts[0] < 1:
                raise ValueError(f"signer_columns {firsts}: one first column per signer")
            ends = [f - 1 for f in firsts[1:]] + [self.ncols]
            return list(zip(firsts, ends, strict=True))
        if n > self.ncols:
            raise ValueError(f"{n} signers over {self.ncols} columns")
        total = sum(self.widths)
        bounds, start, run = [], 1, 0.0
        for k in range(1, n + 1):
            target = total * k / n
            end = start
            while end < self.ncols - (n - k) and (
                abs(run + self.widths[end - 1] - target) <= abs(run - target) or end == start
            ):
                run += self.widths[end - 1]
                end += 1
            if k == n:
                end = self.ncols + 1
            bounds.append((start, max(end - 1, start)))
            start = end
        return bounds

    def _merged_line(self, text: str, font: Font, total_width: float, horizontal: str = "") -> None:
        # Titles and subtitles carry the class title: text, never a formula.
        cell = text_cell(WriteOnlyCell(self.ws), text)
        cell.font = font
        cell.alignment = Alignment(
            horizontal=horizontal or ("center" if font.sz and font.sz > 11 else "left"),
            vertical="center",
            wrap_text=True,
        )
        row = self.row + 1
        lines = _lines(text, total_width * 1.1)
        if lines > 1:  # merged cells never grow to fit their text by themselves
            self.ws.row_dimensions[row].height = 16 * lines + 2
        self._append([cell])
        if self.ncols > 1:
            self.ws.merged_cells.add(f"A{row}:{self.last_col}{row}")

    def _header_cell(self, col: Col) -> WriteOnlyCell:
        cell = text_cell(WriteOnlyCell(self.ws), col.title)
        cell.font = _BOLD_FONT
        cell.fill = _HEADER_FILL
        cell.border = _GRID
        cell.alignment = _HEADER_ALIGN
        if col.note:
            # A session's topic: on hover, and listed under the table for print.
            cell.comment = Comment(cell_text(col.note), "Chuyên đề", width=280, height=90)
        return cell

    def _header(self) -> None:
        cols = self.table.columns
        row = self.row + 1
        lines = max(_lines(c.title, w - 1) for c, w in zip(cols, self.widths, strict=True))
        self.ws.row_dimensions[row].height = 16 * lines + 4
        self._append([self._header_cell(c) for c in cols])
        if self.table.column_keys:
            keys = []
            for key in self.table.column_keys:
                cell = text_cell(WriteOnlyCell(self.ws), key)
                cell.font, cell.border, cell.alignment = _KEY_FONT, _GRID, _HEADER_ALIGN
                keys.append(cell)
            self._append(keys)

    def _style_parts(
        self, kind: str, number_format: str, bold: bool, fill: PatternFill | None
    ) -> dict[str, Any]:
        """What a body cell of ``kind`` looks like: font, grid, alignment, number format
        and fill, the same whichever way the cell was written."""
        parts: dict[str, Any] = {"font": _BOLD_FONT if bold else _BODY_FONT}
        if not (self.plain and not bold):  # a plain sheet's totals still get the grid
            parts["border"] = _GRID
            parts["alignment"] = align = _ALIGN.get(kind, _ALIGN["text"])
            if self.table.valign != align.vertical:
                parts["alignment"] = Alignment(
                    horizontal=align.horizontal,
                    vertical=self.table.valign,
                    wrap_text=align.wrap_text,
                )
        parts["number_format"] = number_format
        if fill is not None:
            parts["fill"] = fill
        return parts

    def _style(
        self, kind: str, number_format: str, bold: bool, fill: PatternFill | None
    ) -> StyleArray:
        """The style of a body cell, built once per combination and then copied: setting
        font, border and alignment cell by cell hashes them each time, which is most of
        the time a million-cell sheet takes."""
        plain = self.plain and not bold
        key = (kind, number_format, bold, fill is not None and fill.fgColor.rgb, plain)
        style = self._styles.get(key)
        if style is None:
            cell = WriteOnlyCell(self.ws)
            for name, part in self._style_parts(kind, number_format, bold, fill).items():
                setattr(cell, name, part)
            style = self._styles[key] = cell._style
        return style

    def _cell(
        self, value: Any, col: Col, *, bold: bool = False, fill: PatternFill | None = None
    ) -> WriteOnlyCell:
        """A typed cell: ints and floats as numbers, dates as dates, text as text."""
        cell = WriteOnlyCell(self.ws)
        cell._style = copy(self._style(col.kind, _number_format(value, col.kind), bold, fill))
        value = _sheet_value(value)
        if isinstance(value, str):
            text_cell(cell, value)  # "=…" typed into a name stays text, never a formula
        elif value is not None:
            cell.value = value
        return cell

    def _finish(self, cell: Any, value: Any, col: Col) -> None:
        """A body cell pandas wrote (its value typed, a date formatted): the style of
        :meth:`_cell`, text made text again (openpyxl takes "=…" for a formula) and a
        missing value left empty (pandas writes it as "")."""
        parts = self._style_parts(col.kind, _number_format(value, col.kind), False, None)
        for name, part in parts.items():
            setattr(cell, name, part)
        value = _sheet_value(value)
        if isinstance(value, str):
            text_cell(cell, value)
        elif value is None:
            cell.value = None

    def _plain(self, value: Any, col: Col) -> Any:
        """A body cell of a long sheet: the bare value where the workbook's default style
        (Times New Roman 12, General) shows it right — a third of the cost of a styled
        cell — and a styled cell only for what needs a number format (rates, dates)."""
        if isinstance(value, str):
            value = cell_text(value)
            return self._cell(value, col) if looks_like_formula(value) else value
        if isinstance(value, float | datetime.date) and not isinstance(value, bool):
            return self._cell(value, col)
        if isinstance(value, bool):
            return "Có" if value else "Không"
        return value

    # -- public

    def _row_height(self, values: list[Any]) -> None:
        """Give a row whose text wraps the height it needs: neither Excel nor LibreOffice
        grows a row to fit wrapped text when it opens a file."""
        if self.table.row_heights == "every":
            texts = [
                v if c.kind == "text" and isinstance(v, str) else ""
                for v, c in zip(values, self.table.columns, strict=True)
            ]
            height = row_height(texts, self.widths)
            self.ws.row_dimensions[self.row + 1].height = max(height, self.table.body_height)
            return
        lines = max(
            (
                # A letter is on average a little narrower than the digit widths count in.
                _lines(v, (w - 1) * 1.1)
                for v, c, w in zip(values, self.table.columns, self.widths, strict=True)
                if c.kind == "text" and isinstance(v, str)
            ),
            default=1,
        )
        height = 15.75 * lines + 1 if lines > 1 else 0
        if height or self.table.body_height:
            self.ws.row_dimensions[self.row + 1].height = max(height, self.table.body_height)

    def write_rows(self, rows: Iterable[list[Any]] | pd.DataFrame) -> int:
        """Stream ``rows`` (lists of typed values, or a DataFrame: see :func:`frame_rows`)
        into the sheet, cell by cell, styled as they go (a write-only sheet)."""
        if isinstance(rows, pd.DataFrame):
            rows = frame_rows(rows, self.table.columns)
        cell = self._plain if self.plain else self._cell
        columns = self.table.columns
        n = 0
        for values in rows:
            if not self.plain:
                self._row_height(values)
            self._append([cell(v, c) for v, c in zip(values, columns, strict=True)])
            n += 1
        self.data_rows += n
        return n

    def write_frame(self, writer: pd.ExcelWriter, rows: list[list[Any]]) -> int:
        """Write ``rows`` under the header through pandas — ``DataFrame.to_excel`` into
        this sheet of ``writer``'s workbook (an in-memory one, not write-only) — then give
        every cell the style :meth:`write_rows` would have."""
        if self.plain:
            raise ValueError("a plain sheet is streamed with write_rows")
        frame = pd.DataFrame(rows, columns=range(self.ncols), dtype=object).map(_sheet_value)
        frame.to_excel(
            writer, sheet_name=self.ws.title, startrow=self.row, header=False, index=False
        )
        columns = self.table.columns
        for values in rows:
            self._row_height(values)
            self.row += 1
            for number, (value, col) in enumerate(zip(values, columns, strict=True), start=1):
                self._finish(self.ws.cell(row=self.row, column=number), value, col)
        self.data_rows += len(rows)
        return len(rows)

    def close(self) -> None:
        """Totals, footer rows, notes and the filter over the data rows."""
        table = self.table
        last_header = self.first_data - 1
        last_data = max(self.row, last_header)
        extra = [(table.totals, _TOTAL_FILL)] if table.totals else []
        extra += [(values, None) for values in table.footer]
        span = _label_span(table)
        for values, fill in extra:
            cells = [
                self._cell(v, c, bold=True, fill=fill)
                for v, c in zip(values, table.columns, strict=True)
            ]
            if span:
                # The label ("Tổng cộng") spans STT and the text columns after it.
                cells[0] = self._cell(values[1], table.columns[1], bold=True, fill=fill)
                cells[0].alignment = Alignment(
                    horizontal="center", vertical=table.valign, wrap_text=True
                )
                for i in range(1, span):
                    cells[i] = self._cell(None, table.columns[i], bold=True, fill=fill)
                self._spans(1, span, self.row + 1)
            self._append(cells)
        if table.after:
            self._append([])
            for line in table.after:
                self._blocks([(1, self.ncols, [line])])
        if table.sheet_signers and table.signers:
            self._append([])
            blocks = self._signer_columns(len(table.signers), table.signer_columns)
            titles = [Line(nfc_text(s.title).upper(), bold=True) for s in table.signers]
            hints = [Line(s.hint, italic=True, size=11) for s in table.signers]
            self._blocks(
                [
                    (first, last, [title, hint] if hint.text else [title])
                    for (first, last), title, hint in zip(blocks, titles, hints, strict=True)
                ]
            )
        if table.notes or table.key:
            self._append([])
            for note in table.notes:
                self._merged_line(note, _NOTE_FONT, sum(self.widths) * 0.95)
            if table.key:
                self._merged_line("Các buổi học:", _NOTE_BOLD_FONT, sum(self.widths))
            for line in table.key:
                self._merged_line(line, _NOTE_FONT, sum(self.widths) * 0.95)
        if self.data_rows and table.sheet_filter:
            self.ws.auto_filter.ref = f"A{last_header}:{self.last_col}{last_data}"


def _label_span(table: Table) -> int:
    """How many leading columns the label of the totals and footer rows (their second
    value, "Tổng cộng") spans: none unless the first column is STT."""
    if not table.columns or table.columns[0].title != "STT":
        return 0
    return max(2, min(table.totals_span, len(table.columns)))


def new_workbook() -> Workbook:
    """A write-only workbook; :func:`save_workbook` gives it the documents' font (Times
    New Roman 12) as its default instead of Calibri 11, so that cells written bare match
    the styled ones."""
    return Workbook(write_only=True)


# The earliest time a ZIP entry can carry; every member of a workbook gets it.
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


class _ReproducibleZip(DefaultFontZip):
    """A ZipFile whose members carry a fixed date instead of the time they were written
    (openpyxl writes each part by name, and a write-only sheet from its temporary file),
    and whose workbook has the documents' default font."""

    def writestr(self, zinfo_or_arcname: Any, data: Any, *args: Any, **kwargs: Any) -> None:
        if isinstance(zinfo_or_arcname, str):
            zinfo_or_arcname = zipfile.ZipInfo(zinfo_or_arcname, date_time=_ZIP_EPOCH)
            zinfo_or_arcname.compress_type = self.compression
        super().writestr(zinfo_or_arcname, data, *args, **kwargs)

    def write(self, filename: Any, arcname: Any = None, *args: Any, **kwargs: Any) -> None:
        info = zipfile.ZipInfo(arcname or str(filename), date_time=_ZIP_EPOCH)
        info.compress_type = self.compression
        with open(filename, "rb") as source, self.open(info, "w", force_zip64=True) as dest:
            shutil.copyfileobj(source, dest, 1 << 20)


def _stamp(wb: Workbook, stamp: datetime.datetime | None) -> None:
    """The workbook's created and modified dates: ``stamp`` (the last change to the
    data), to the second, or a fixed date."""
    when = timezone.make_naive(stamp, datetime.UTC) if stamp else datetime.datetime(2000, 1, 1)
    wb.properties.created = wb.properties.modified = when.replace(microsecond=0)


def save_workbook(
    wb: Workbook, fileobj: IO[bytes] | str, *, stamp: datetime.datetime | None
) -> None:
    """Save like ``wb.save`` but reproducibly: the same data gives the same bytes (a
    report exported again after a restore, or sent twice, is the same file). openpyxl
    stamps the document properties and every ZIP member with the current time; here the
    properties carry `stamp`, the last change to the data (the class's), and the members
    a fixed date."""
    _stamp(wb, stamp)
    archive = _ReproducibleZip(
        fileobj, "w", zipfile.ZIP_DEFLATED, allowZip64=True, default_font=_BODY_FONT
    )
    ExcelWriter(wb, archive).save()


def write_sheet(wb: Workbook, table: Table) -> int:
    writer = SheetWriter(wb, table)
    n = writer.write_rows(table.rows)
    writer.close()
    return n


def tables_xlsx(tables: Sequence[Table], *, stamp: datetime.datetime | None = None) -> bytes:
    """A workbook of a sheet per table, as bytes: the tables' rows are a DataFrame each,
    written by pandas' openpyxl writer (typed numbers and dates) into sheets that
    :class:`SheetWriter` titles, styles and closes. For tables that fit in memory (a
    class's views, a people list); a year's long sheets are streamed (:func:`write_sheet`
    into :func:`new_workbook`). Saved as :func:`save_workbook` saves: the same data gives
    the same bytes, in the documents' default font."""
    raw = io.BytesIO()
    # (pandas' openpyxl writer formats dates its own way: SheetWriter sets dd/mm/yyyy.)
    with pd.ExcelWriter(raw, engine="openpyxl") as writer:
        for table in tables:
            sheet = SheetWriter(writer.book, table)
            sheet.write_frame(writer, table.rows)
            sheet.close()
        book = writer.book
    return _reproducible(raw.getvalue(), book, stamp)


def _reproducible(raw: bytes, wb: Workbook, stamp: datetime.datetime | None) -> bytes:
    """The file pandas saved, with what :func:`save_workbook` fixes: the document's
    dates (openpyxl stamps "modified" with the time of saving), the members' dates and
    the default font."""
    _stamp(wb, stamp)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(raw)) as source,
        _ReproducibleZip(
            out, "w", zipfile.ZIP_DEFLATED, allowZip64=True, default_font=_BODY_FONT
        ) as target,
    ):
        for info in source.infolist():
            data = source.read(info)
            if info.filename == ARC_CORE:
                data = tostring(wb.properties.to_tree())
            target.writestr(info.filename, data)
    return out.getvalue()


def table_xlsx(table: Table, *, stamp: datetime.datetime | None = None) -> bytes:
    """A workbook of the one sheet ``table`` (a people list), as bytes."""
    return tables_xlsx([table], stamp=stamp)


# ---------------------------------------------------------------------------- pdf

_PAD = 6  # left + right cell padding
# Header modes, tried in turn until the table fits the page: the full headers, the
# short ones ("ĐT", sessions as "dd/mm" over "HH:MM"), then sessions by number only
# (listed under the table), each down to its smallest font size.
_PDF_MODES = (
    ("full", (10.5, 10, 9.5, 9)),
    ("short", (9.5, 9, 8.5, 8)),
    ("numbered", (8.5, 8, 7.5, 7, 6.5)),
)


def _pdf_text(value: Any) -> str:
    if isinstance(value, SignerName):
        return name_with_birth_year(value, value.born)
    return _shown(value, nfc_text, decimal=",")  # Vietnamese decimal comma on paper


def _pdf_cell(value: Any, col: Col) -> str:
    """A value as the PDF prints it in ``col``: amounts "1.250.000", a signature column
    empty (its number is drawn apart)."""
    if col.kind == "sign":
        return ""
    if col.kind == "money" and isinstance(value, int) and not isinstance(value, bool):
        return vn_int(value)
    return _pdf_text(value)


def _pdf_heads(table: Table, mode: str) -> list[str]:
    if mode == "full":
        return [c.title for c in table.columns]
    if mode == "short":
        return [c.short or c.title for c in table.columns]
    return [str(c.number) if c.number else (c.short or c.title) for c in table.columns]


def _pdf_widths(
    table: Table, heads: list[str], cells: list[list[str]], width: float, size: float
) -> tuple[bool, list[float]]:
    """Whether the table fits ``width`` at ``size``, and its column widths."""
    fonts = register_fonts()
    return table_widths(
        [c.kind for c in table.columns],
        [c.width for c in table.columns],
        heads,
        cells,
        width,
        regular=fonts.regular,
        bold=fonts.bold,
        size=size,
        pad=_PAD,
    )


#: The one font size of a table with relative widths (a people list).
RELATIVE_SIZE = 10.5


def _pdf_layout(
    table: Table, cells: list[list[str]], width: float
) -> tuple[float, list[float], list[str]]:
    """Font size, column widths and header texts: the first mode and size that fit, or,
    with relative widths, the page shared in the columns' proportions."""
    if table.relative_widths:
        fonts = register_fonts()
        heads = _pdf_heads(table, "full")
        widths = weighted_widths(
            heads,
            [c.width for c in table.columns],
            cells,
            width,
            head=(fonts.bold, RELATIVE_SIZE),
            body=(fonts.regular, RELATIVE_SIZE),
        )
        return RELATIVE_SIZE, widths, heads
    for mode, sizes in _PDF_MODES:
        heads = _pdf_heads(table, mode)
        for size in sizes:
            fits, widths = _pdf_widths(table, heads, cells, width, size)
            if fits:
                return size, widths, heads
    return size, widths, heads  # wider than any page: the smallest there is


def _line_style(line: Line) -> Any:
    name = f"line-{line.size}-{line.bold:d}{line.italic:d}-{line.align}"
    align = TA_LEFT if line.align == "left" else TA_CENTER
    return style(name, size=line.size, bold=line.bold, italic=line.italic, align=align)


def _signature_block(signers: tuple[Signer, ...], width: float) -> list:
    """The signers side by side under a table (one signer on the right): functions,
    hints, then the room for the signatures and the names, if known."""
    title = style("sign", size=13, bold=True, align=TA_CENTER)
    hint = style("sign-hint", size=12, italic=True, align=TA_CENTER)
    name = style("sign-name", size=13, bold=True, align=TA_CENTER)
    cells: list[Signer | None] = list(signers)
    if len(cells) == 1:
        cells.insert(0, None)
    shares = [0.45, 0.55] if len(cells) == 2 else [1 / len(cells)] * len(cells)
    rows = [[para(nfc_text(s.title).upper(), title) if s else "" for s in cells]]
    if any(s.hint for s in signers):
        rows.append([para(s.hint, hint) if s and s.hint else "" for s in cells])
    named = any(s.name for s in signers)
    if named:
        rows.append(
            [[Spacer(0, 22 * mm), para(s.name, name)] if s and s.name else "" for s in cells]
        )
    block = document_table(
        rows,
        col_widths=[width * share for share in shares],
        commands=[
            *LAYOUT_COMMANDS,
        ],
    )
    # Room to sign under the functions when no name is printed there.
    return [Spacer(0, 6 * mm), block, *([] if named else [Spacer(0, 22 * mm)])]


def table_pdf(
    table: Table,
    *,
    parent_body: str,
    issuing_body: str,
    place: str,
    on: datetime.date | None = None,
) -> bytes:
    """The table as an official A4 document: Decree 30 header (issuing body, national
    name, place and date — ``on``, today unless given), title, the table with its header
    repeated on every page, notes and legend, and the signature blocks of
    ``table.signers`` left blank for the signers."""
    pagesize = landscape(A4) if table.landscape else A4
    width = frame_width(pagesize)
    story = official_header(
        parent_body=parent_body,
        issuing_body=issuing_body,
        place=place,
        on=on or timezone.localdate(),
        width=width,
    )
    subtitle = style("sub", size=12, italic=True, align=TA_CENTER)
    story += [
        Spacer(0, 6 * mm),
        para(table.title, style("title", size=14, bold=True, align=TA_CENTER, spaceAfter=3)),
        *(
            para(line.text, _line_style(line)) if isinstance(line, Line) else para(line, subtitle)
            for line in table.subtitle
        ),
        Spacer(0, 4 * mm),
    ]

    extra = ([table.totals] if table.totals else []) + table.footer
    columns = table.columns
    body_cells = [
        [_pdf_cell(v, c) for v, c in zip(row, columns, strict=True)] for row in table.rows
    ]
    extra_cells = [[_pdf_cell(v, c) for v, c in zip(row, columns, strict=True)] for row in extra]
    size, widths, heads = _pdf_layout(table, body_cells + extra_cells, width)
    leading = round(size * 1.2, 1)
    head = style("th", size=size, bold=True, align=TA_CENTER, leading=leading)
    text = style("td", size=size, align=TA_LEFT, leading=leading)
    text_bold = style("td-b", size=size, bold=True, align=TA_LEFT, leading=leading)
    centre = style("td-c", size=size, align=TA_CENTER, leading=leading)
    centre_bold = style("td-cb", size=size, bold=True, align=TA_CENTER, leading=leading)
    right = style("td-r", size=size, align=TA_RIGHT, leading=leading)
    right_bold = style("td-rb", size=size, bold=True, align=TA_RIGHT, leading=leading)
    styles = {"text": (text, text_bold), "money": (right, right_bold)}
    sign_sides = (
        style("td-sign-l", size=8, align=TA_LEFT, textColor="#555555"),
        style("td-sign-r", size=8, align=TA_RIGHT, textColor="#555555"),
    )

    def line(texts: list[str], emphasised: bool, number: int = 0) -> list:
        cells = []
        for t, col in zip(texts, table.columns, strict=True):
            if col.kind == "sign":
                # The row's number, alternately left and right (none on a totals row).
                cells.append(para(f"{number}.", sign_sides[number % 2 == 0]) if number else "")
            else:
                cells.append(para(t, styles.get(col.kind, (centre, centre_bold))[emphasised]))
        return cells

    note = style("note", size=11, align=TA_LEFT, spaceBefore=2, leading=13.5)
    head_rows = 2 if table.column_keys else 1
    valign = "MIDDLE" if table.valign == "center" else "TOP"
    commands: list[tuple] = [
        ("GRID", (0, 0), (-1, -1), 0.5, "black"),
        ("BACKGROUND", (0, 0), (-1, 0), "#D9E1F2"),
        ("VALIGN", (0, 0), (-1, head_rows - 1), "MIDDLE"),
        ("VALIGN", (0, head_rows), (-1, -1), valign),
        ("LEFTPADDING", (0, 0), (-1, -1), _PAD / 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), _PAD / 2),
        ("TOPPADDING", (0, 0), (-1, -1), table.pdf_padding[0]),
        ("BOTTOMPADDING", (0, 0), (-1, -1), table.pdf_padding[1]),
    ]
    data = [[para(h, head) for h in heads]]
    if table.column_keys:
        key_style = style("th-key", size=9, italic=True, align=TA_CENTER)
        data.append([para(k, key_style) for k in table.column_keys])
        commands += [
            ("TOPPADDING", (0, 1), (-1, 1), 1),
            ("BOTTOMPADDING", (0, 1), (-1, 1), 2),
        ]
    if body_cells:
        data += [line(texts, False, i) for i, texts in enumerate(body_cells, start=1)]
        signs = [i for i, c in enumerate(table.columns) if c.kind == "sign"]
        last_body = len(data) - 1
        for i in signs:  # the number in the corner, the room to sign under it
            commands += [
                ("VALIGN", (i, head_rows), (i, last_body), "TOP"),
                ("TOPPADDING", (i, head_rows), (i, last_body), 1.5),
            ]
    else:
        data.append([para(table.empty, centre)] + [""] * (len(table.columns) - 1))
        commands.append(("SPAN", (0, head_rows), (-1, head_rows)))
    span = _label_span(table)
    for texts in extra_cells:
        row = line(texts, True)
        if span:
            # The label ("Tổng cộng") spans STT and the text columns after it.
            row[0] = row[1]
            row[1:span] = [""] * (span - 1)
            commands.append(("SPAN", (0, len(data)), (span - 1, len(data))))
        data.append(row)
    after = [para(n, note) for n in table.notes]
    if table.key:
        after.append(para("Các buổi học:", style("key-h", size=11, bold=True, spaceBefore=4)))
        after += [para(k, note) for k in table.key]
    signature = _signature_block(table.signers, sum(widths)) if table.signers else []
    if table.after:
        # The lines under the table (the amount in words) go with the signatures.
        words = [para(line.text, _line_style(line)) for line in table.after]
        signature = [Spacer(0, 2.5 * mm), *words, *signature]
    last = len(data) - 1
    for i, command in enumerate(commands):
        # The grid and paddings stop at the last row of figures.
        name, start, end, *rest = command
        if end[1] == -1:
            commands[i] = (name, start, (end[0], last), *rest)
    if not after and signature:
        # Nothing between the table and the signatures: the last rows go with them.
        add_signature_row(data, commands, signature)
    story.append(
        document_table(
            data, col_widths=widths, repeatRows=head_rows, hAlign="CENTER", commands=commands
        )
    )
    if after:
        story.append(Spacer(0, 3 * mm))
        # The notes and the key go with the signatures (a page of their own if need be,
        # rather than a key cut in two or a signature block alone on the last page).
        story.append(KeepTogether([*after, *signature]))

    return build_pdf(story, pagesize=pagesize, title=table.title, author=issuing_body)
