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
from reportlab.lib.enums import TA_CENTER, TA_LEFT
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
    add_signature_row,
    build_pdf,
    document_table,
    frame_width,
    header_bodies,
    nfc_text,
    official_header,
    para,
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
from core.documents.wording import dmy
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
    centred text: STT-like codes, Có/Không), "int", "rate" (a float shown with one decimal)
    and "date". ``width`` is the sheet width in characters (at least; it grows with the
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
    subtitle: list[str]
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

    def __post_init__(self) -> None:
        if self.row_heights not in ROW_HEIGHTS:
            raise ValueError(f"row_heights {self.row_heights!r}; expected one of {ROW_HEIGHTS}")
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
}
_HEADER_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)
_LABEL_ALIGN = Alignment(horizontal="center", vertical="top", wrap_text=True)
# Shared style objects: the year's long sheet has a million cells.
_BODY_FONT = Font(name=_FONT, size=12)
_BOLD_FONT = Font(name=_FONT, size=12, bold=True)
_NOTE_FONT = Font(name=_FONT, size=11)
_NOTE_BOLD_FONT = Font(name=_FONT, size=11, bold=True)


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


def _number_format(value: Any) -> str:
    """The number format of a typed value's cell."""
    if isinstance(value, bool) or value is None:
        return "General"
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
        title_rows = len(issuer) + 1 + len(table.subtitle)
        header = title_rows + 2  # one blank row between the title block and the table
        # Everything that goes before the rows in the file must be set before the first:
        # the panes freeze under the header, which also repeats on every printed page.
        ws.freeze_panes = f"A{header + 1}"
        print_setup(ws, header_rows=(header, header))

        for i, text in enumerate(issuer, start=1):
            bold = i == len(issuer)  # the issuing body itself, under its parent body
            font = Font(name=_FONT, size=12, bold=bold)
            self._merged_line(text.upper(), font, total_width, horizontal="left")
        self.ws.row_dimensions[self.row + 1].height = 21
        self._merged_line(table.title, Font(name=_FONT, size=14, bold=True), total_width)
        for line in table.subtitle:
            self._merged_line(line, Font(name=_FONT, size=12, italic=True), total_width)
        self._append([])
        self._header()
        self.first_data = self.row + 1

    # -- plumbing

    def _append(self, cells: list) -> None:
        self.ws.append(cells)
        self.row += 1

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

    def _style_parts(
        self, kind: str, number_format: str, bold: bool, fill: PatternFill | None
    ) -> dict[str, Any]:
        """What a body cell of ``kind`` looks like: font, grid, alignment, number format
        and fill, the same whichever way the cell was written."""
        parts: dict[str, Any] = {"font": _BOLD_FONT if bold else _BODY_FONT}
        if not (self.plain and not bold):  # a plain sheet's totals still get the grid
            parts["border"] = _GRID
            parts["alignment"] = _ALIGN.get(kind, _ALIGN["text"])
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
        cell._style = copy(self._style(col.kind, _number_format(value), bold, fill))
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
        for name, part in self._style_parts(col.kind, _number_format(value), False, None).items():
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
            self.ws.row_dimensions[self.row + 1].height = row_height(texts, self.widths)
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
        if lines > 1:
            self.ws.row_dimensions[self.row + 1].height = 15.75 * lines + 1

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
        label_spans = bool(table.columns) and table.columns[0].title == "STT"
        for values, fill in extra:
            cells = [
                self._cell(v, c, bold=True, fill=fill)
                for v, c in zip(values, table.columns, strict=True)
            ]
            if label_spans:
                # The label ("Tổng cộng") spans STT and the first text column.
                cells[0] = self._cell(values[1], table.columns[1], bold=True, fill=fill)
                cells[0].alignment = _LABEL_ALIGN
                cells[1] = self._cell(None, table.columns[1], bold=True, fill=fill)
                self.ws.merged_cells.add(f"A{self.row + 1}:B{self.row + 1}")
            self._append(cells)
        if table.notes or table.key:
            self._append([])
            for note in table.notes:
                self._merged_line(note, _NOTE_FONT, sum(self.widths) * 0.95)
            if table.key:
                self._merged_line("Các buổi học:", _NOTE_BOLD_FONT, sum(self.widths))
            for line in table.key:
                self._merged_line(line, _NOTE_FONT, sum(self.widths) * 0.95)
        if self.data_rows:
            self.ws.auto_filter.ref = f"A{last_header}:{self.last_col}{last_data}"


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
        *(para(line, subtitle) for line in table.subtitle),
        Spacer(0, 4 * mm),
    ]

    extra = ([table.totals] if table.totals else []) + table.footer
    body_cells = [[_pdf_text(v) for v in row] for row in table.rows]
    extra_cells = [[_pdf_text(v) for v in row] for row in extra]
    size, widths, heads = _pdf_layout(table, body_cells + extra_cells, width)
    leading = round(size * 1.2, 1)
    head = style("th", size=size, bold=True, align=TA_CENTER, leading=leading)
    text = style("td", size=size, align=TA_LEFT, leading=leading)
    text_bold = style("td-b", size=size, bold=True, align=TA_LEFT, leading=leading)
    centre = style("td-c", size=size, align=TA_CENTER, leading=leading)
    centre_bold = style("td-cb", size=size, bold=True, align=TA_CENTER, leading=leading)

    def line(texts: list[str], emphasised: bool) -> list:
        return [
            para(
                t,
                (text_bold if emphasised else text)
                if col.kind == "text"
                else (centre_bold if emphasised else centre),
            )
            for t, col in zip(texts, table.columns, strict=True)
        ]

    note = style("note", size=11, align=TA_LEFT, spaceBefore=2, leading=13.5)
    commands: list[tuple] = [
        ("GRID", (0, 0), (-1, -1), 0.5, "black"),
        ("BACKGROUND", (0, 0), (-1, 0), "#D9E1F2"),
        ("VALIGN", (0, 0), (-1, 0), "MIDDLE"),
        ("VALIGN", (0, 1), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), _PAD / 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), _PAD / 2),
        ("TOPPADDING", (0, 0), (-1, -1), table.pdf_padding[0]),
        ("BOTTOMPADDING", (0, 0), (-1, -1), table.pdf_padding[1]),
    ]
    data = [[para(h, head) for h in heads]]
    if body_cells:
        data += [line(texts, False) for texts in body_cells]
    else:
        data.append([para("(Không có dữ liệu)", centre)] + [""] * (len(table.columns) - 1))
        commands.append(("SPAN", (0, 1), (-1, 1)))
    for texts in extra_cells:
        row = line(texts, True)
        if table.columns[0].title == "STT":
            # The label ("Tổng cộng") spans STT and the first text column.
            row[0], row[1] = row[1], ""
            commands.append(("SPAN", (0, len(data)), (1, len(data))))
        data.append(row)
    after = [para(n, note) for n in table.notes]
    if table.key:
        after.append(para("Các buổi học:", style("key-h", size=11, bold=True, spaceBefore=4)))
        after += [para(k, note) for k in table.key]
    signature = _signature_block(table.signers, sum(widths)) if table.signers else []
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
        document_table(data, col_widths=widths, repeatRows=1, hAlign="CENTER", commands=commands)
    )
    if after:
        story.append(Spacer(0, 3 * mm))
        # The notes and the key go with the signatures (a page of their own if need be,
        # rather than a key cut in two or a signature block alone on the last page).
        story.append(KeepTogether([*after, *signature]))

    return build_pdf(story, pagesize=pagesize, title=table.title, author=issuing_body)
