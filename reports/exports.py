"""Attendance reports as files the department sends upward as they are: one class's
workbook (matrix, per unit, per category, absentees), the same views as CSV and as an
official Decree 30 PDF, and the full-year workbook of the province.

Every view is first built as a :class:`Table` (title block, columns, rows of real values,
a totals row, notes) and then drawn by one of three writers, so the sheet, the CSV and the
PDF of a view can never disagree. Values stay typed until the last moment: ``int``,
``float`` (percentages, one decimal), ``datetime.date`` and ``str``; the workbook keeps
them as numbers and dates (so the recipient can sum and filter), the CSV and the PDF
print them.

Scope is the reader's: every read goes through ``reports.queries`` or
``Enrollment.objects.visible_to(user)``, so a unit's officer only ever gets its own people.

Usage::

    class_workbook(klass, request.user)                 # bytes (.xlsx)
    class_csv(klass, request.user, "units")             # str, UTF-8 BOM first
    class_pdf(klass, request.user, "matrix")            # bytes (A4, landscape for the matrix)
    with open("nam-2023.xlsx", "wb") as out:
        year_workbook(2023, user, out, on_progress=lambda done, total: ...)
"""

from __future__ import annotations

import csv
import datetime
import io
import shutil
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from copy import copy
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter
from typing import IO, TYPE_CHECKING, Any

from django.db.models import Max, OuterRef, QuerySet, Subquery
from django.db.models.functions import Length
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.writer.excel import ExcelWriter
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import KeepTogether, Spacer

from attendees.models import Attendance, AttendanceStatus, Enrollment
from attendees.rules import (
    ATTENDED,
    NOT_DECIDED,
    NOT_HELD,
    Tally,
    can_be_missed,
    counted_in,
    counted_statuses,
    eligible,
    excused_counting,
    is_final,
    is_held,
    person_rate,
    with_recorded,
)
from certificates.models import Certificate
from courses.models import ParticipantCategory, Session, TrainingClass
from courses.pdf import (
    add_signature_row,
    build_pdf,
    document_table,
    frame_width,
    nfc_text,
    official_header,
    para,
    register_fonts,
    style,
)
from courses.spreadsheet import (
    FONT_FAMILY,
    cell_text,
    csv_text,
    looks_like_formula,
    print_setup,
    text_cell,
    wrapped_lines,
    year_issuer,
)
from courses.vietnamese import collation_key, sorted_by_name
from reports.queries import (
    Summary,
    SummaryRow,
    absentees,
    category_summary,
    class_matrix,
    classes_for_year,
    unit_summary,
)

if TYPE_CHECKING:
    from accounts.models import User

VIEWS = ("matrix", "units", "categories", "absentees")

# Short codes in the matrix, as on the paper registers the trainers keep.
STATUS_CODES = {
    AttendanceStatus.PRESENT: "x",
    AttendanceStatus.LATE: "M",
    AttendanceStatus.EXCUSED: "P",
    AttendanceStatus.ABSENT: "V",
}
LEGEND = (
    "Ký hiệu: x – có mặt; M – đi muộn (có mặt); P – vắng có phép; V – vắng không phép; "
    "ô trống – chưa điểm danh."
)

DATE_FORMAT = "%d/%m/%Y"
XLSX_DATE_FORMAT = "dd/mm/yyyy"
XLSX_RATE_FORMAT = "0.0"
Progress = Callable[[int, int], None]


# ---------------------------------------------------------------------------- tables


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


@dataclass
class Table:
    """A view ready to be drawn: the title block, the columns, rows of typed values, an
    optional totals row ("Tổng cộng", in every format), extra footer rows (sheet and PDF
    only, e.g. attendance per session) and notes (the legend)."""

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


def _session_label(session: Session) -> str:
    return f"{session.date:%d/%m} {session.start_time:%H:%M}"


def _missed_text(missed: Iterable[tuple[Session, str | None]]) -> str:
    """'10/10 07:30, 11/10 13:30 (P)': the sessions missed, excused ones marked."""
    return ", ".join(
        _session_label(s) + (" (P)" if status == AttendanceStatus.EXCUSED else "")
        for s, status in missed
    )


def _category_label(category: ParticipantCategory) -> str:
    # Always the Vietnamese name: the file goes to Vietnamese authorities, whatever
    # language the person who made it reads the site in.
    return f"{category.code}) {category.name_vi}"


PRACTICE_LINE = "Lớp thực hành (làm quen với phần mềm): không tính vào báo cáo, số liệu chính thức"


def _scope_line(user: User) -> str | None:
    """A unit's officer gets a partial view; the document must say so."""
    if user.is_nominator and not user.can_view_all_classes and user.organisation_id:
        return f"Đơn vị: {user.organisation.name} (chỉ gồm học viên của đơn vị)"
    return None


def _class_subtitle(klass: TrainingClass, user: User) -> list[str]:
    lines = [
        f"Lớp: {klass.title} (mã lớp {klass.code})",
        f"Thời gian: từ ngày {klass.start_date:%d/%m/%Y} đến ngày {klass.end_date:%d/%m/%Y}"
        f"; địa điểm: {klass.venue}",
    ]
    if klass.is_practice:
        # Its own sheets stay useful to whoever practised, but must not pass for official.
        lines.append(PRACTICE_LINE)
    scope = _scope_line(user)
    if scope:
        lines.append(scope)
    return lines


def _one(klass: TrainingClass) -> QuerySet[TrainingClass]:
    return TrainingClass.objects.filter(pk=klass.pk)


# ---------------------------------------------------------------------------- one class


def _matrix_table(klass: TrainingClass, user: User) -> Table:
    matrix = class_matrix(klass, Enrollment.objects.visible_to(user))
    sessions = matrix.sessions
    excused_counts = AttendanceStatus.EXCUSED in counted_in(klass)
    columns = [
        Col("STT", "int", 5),
        Col("Họ và tên", "text", 22),
        Col("Đơn vị", "text", 24),
        Col("Đối tượng", "code", 9, short="ĐT"),
        *(
            Col(
                _session_label(s),
                "code",
                7,
                note=s.topic,
                short=f"{s.date:%d/%m}\n{s.start_time:%H:%M}",
                number=i,
            )
            for i, s in enumerate(sessions, start=1)
        ),
        Col("Số buổi dự", "int", 8),
        Col("Tỷ lệ (%)", "rate", 8),
        Col("Đủ điều kiện cấp GCN", "code", 11, short="Đủ ĐK cấp GCN"),
        Col("Số GCN", "code", 12),
    ]
    rows = []
    for n, row in enumerate(matrix.rows, start=1):
        rows.append(
            [
                n,
                row.full_name,
                row.unit,
                row.category,
                *(STATUS_CODES.get(s, "") for s in row.statuses),
                row.attended,
                row.rate.cell,
                row.eligible_text,
                row.certificate_number or "",
            ]
        )
    present = matrix.present_per_session
    footer = [
        [
            None,
            "Số người có mặt (x, M)",
            None,
            None,
            *present,
            None,
            None,
            sum(1 for r in matrix.rows if r.eligible is True),
            sum(1 for r in matrix.rows if r.certificate_number),
        ]
    ]
    counted = "có mặt, đi muộn và vắng có phép" if excused_counts else "có mặt và đi muộn"
    notes = [
        LEGEND,
        f"Số buổi dự tính các buổi {counted}; tỷ lệ = số buổi dự / {sum(matrix.held)} buổi "
        f"đã tổ chức (lớp có {len(sessions)} buổi). Đủ điều kiện cấp giấy chứng nhận (GCN) "
        f"khi số buổi dự đạt từ {klass.certificate_threshold}% số buổi của lớp; chỉ xét khi "
        "mọi buổi học đã kết thúc.",
    ]
    key = [
        f"{i}. {s.date:%d/%m/%Y}, {s.start_time:%H:%M}–{s.end_time:%H:%M}: {s.topic}"
        for i, s in enumerate(sessions, start=1)
    ]
    return Table(
        sheet="Điểm danh",
        title="BẢNG ĐIỂM DANH HỌC VIÊN",
        subtitle=_class_subtitle(klass, user),
        columns=columns,
        rows=rows,
        footer=footer if rows else [],
        notes=notes,
        landscape=True,
        key=key,
    )


SUMMARY_COLUMNS = [
    Col("Chỉ tiêu", "int", 8),
    Col("Đã cử", "int", 8),
    Col("Được duyệt", "int", 9),
    Col("Có tham dự", "int", 9),
    Col("Được cấp GCN", "int", 9),
    Col("Tỷ lệ chuyên cần (%)", "rate", 11),
]


def _summary_values(row: SummaryRow) -> list[Any]:
    return [
        row.seats,
        row.nominated,
        row.enrolled,
        row.participants,
        row.certified,
        row.rate.cell,
    ]


def _summary_table(
    summary: Summary,
    *,
    sheet: str,
    title: str,
    key_title: str,
    label: Callable[[Any], str],
    subtitle: list[str],
) -> Table:
    rows = [
        [n, label(row.key), *_summary_values(row)] for n, row in enumerate(summary.rows, start=1)
    ]
    return Table(
        sheet=sheet,
        title=title,
        subtitle=subtitle,
        columns=[Col("STT", "int", 5), Col(key_title, "text", 30), *SUMMARY_COLUMNS],
        rows=rows,
        totals=[None, "Tổng cộng", *_summary_values(summary.total)],
        notes=[
            "Chỉ tiêu: số chỗ được phân bổ; Đã cử: số người đơn vị đã cử (đang chờ duyệt "
            "hoặc đã duyệt); Được duyệt: số học viên chính thức; Có tham dự: số học viên "
            "tham dự ít nhất một buổi; Tỷ lệ chuyên cần = số lượt tham dự (có mặt, đi muộn; "
            "vắng có phép ở lớp tính vắng có phép) / số lượt phải dự của các buổi đã tổ chức."
        ],
    )


def _units_table(classes: QuerySet[TrainingClass], user: User, subtitle: list[str]) -> Table:
    return _summary_table(
        unit_summary(classes, user),
        sheet="Theo đơn vị",
        title="TỔNG HỢP KẾT QUẢ THEO ĐƠN VỊ",
        key_title="Đơn vị",
        label=lambda unit: unit.name,
        subtitle=subtitle,
    )


def _categories_table(classes: QuerySet[TrainingClass], user: User, subtitle: list[str]) -> Table:
    return _summary_table(
        category_summary(classes, user),
        sheet="Theo đối tượng",
        title="TỔNG HỢP KẾT QUẢ THEO ĐỐI TƯỢNG",
        key_title="Đối tượng",
        label=_category_label,
        subtitle=subtitle,
    )


ABSENTEE_NOTE = (
    "Chỉ tính các buổi đã kết thúc và đã điểm danh. (P): vắng có phép; các buổi khác: "
    "vắng không phép hoặc không quét thẻ điểm danh."
)


def _absentees_table(klass: TrainingClass, user: User) -> Table:
    now = timezone.now()
    countable = {
        s.pk
        for s in with_recorded(klass.sessions.all())
        if can_be_missed(s, now, recorded=s.recorded)
    }
    rows = []
    for unit, people in absentees(_one(klass), user).items():
        for a in people:
            missed = [(s, st) for s, st in a.missed if s.pk in countable]
            if missed:
                rows.append(
                    [
                        len(rows) + 1,
                        unit.name,
                        a.enrollment.participant.full_name,
                        _missed_text(missed),
                        len(missed),
                        a.total,
                    ]
                )
    return Table(
        sheet="Vắng",
        title="DANH SÁCH HỌC VIÊN VẮNG MẶT",
        subtitle=_class_subtitle(klass, user),
        columns=[
            Col("STT", "int", 5),
            Col("Đơn vị", "text", 26),
            Col("Họ và tên", "text", 22),
            Col("Buổi vắng", "text", 30),
            Col("Số buổi vắng", "int", 8),
            Col("Tổng số buổi", "int", 8),
        ],
        rows=rows,
        notes=[ABSENTEE_NOTE],
    )


def _class_table(klass: TrainingClass, user: User, view: str) -> Table:
    if view == "matrix":
        return _matrix_table(klass, user)
    if view == "units":
        return _units_table(_one(klass), user, _class_subtitle(klass, user))
    if view == "categories":
        return _categories_table(_one(klass), user, _class_subtitle(klass, user))
    if view == "absentees":
        return _absentees_table(klass, user)
    raise ValueError(f"unknown view {view!r}; expected one of {', '.join(VIEWS)}")


def class_workbook(training_class: TrainingClass, user: User) -> bytes:
    """The class's four views as one .xlsx, one sheet each, in the reader's scope."""
    wb = _workbook()
    issuer = _issuer(training_class)
    for view in VIEWS:
        table = _class_table(training_class, user, view)
        table.issuer = issuer
        _write_sheet(wb, table)
    buffer = io.BytesIO()
    _save_workbook(wb, buffer, stamp=training_class.updated_at)
    return buffer.getvalue()


def _issuer(training_class: TrainingClass) -> tuple[str, str]:
    """(parent body, issuing body) of a class's workbook: the class's organiser."""
    organiser = training_class.organiser
    return (organiser.parent.name if organiser.parent else "", organiser.name)


def class_csv(training_class: TrainingClass, user: User, view: str) -> str:
    """One view as CSV: a header row, the rows, the totals. UTF-8 with a BOM, because
    that is the only way Excel opens Vietnamese CSV correctly by double-click."""
    return _csv(_class_table(training_class, user, view))


def class_pdf(training_class: TrainingClass, user: User, view: str) -> bytes:
    """One view as an official A4 document of the class's organiser."""
    table = _class_table(training_class, user, view)
    organiser = training_class.organiser
    parent = organiser.parent
    return _pdf(
        table,
        parent_body=parent.name if parent else "",
        issuing_body=organiser.name,
        place=organiser.place or (parent.place if parent else ""),
    )


# ---------------------------------------------------------------------------- csv


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime.date):
        return value.strftime(DATE_FORMAT)
    return csv_text(value)  # "=HYPERLINK(…)" typed as a name must not run in Excel


def _csv(table: Table) -> str:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_csv_value(c.title) for c in table.columns])
    for row in table.rows:
        writer.writerow([_csv_value(v) for v in row])
    if table.totals:
        writer.writerow([_csv_value(v) for v in table.totals])
    return out.getvalue()


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
_MAX_WIDTH = 50


def _display_len(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime.date):
        return 10
    if isinstance(value, float):
        return len(f"{value:.1f}")
    text = str(value)
    # Widths count the default font's digits; capitals are wider ("TTDN-THUCHANH").
    return round(len(text) + 0.3 * sum(1 for ch in text if ch.isupper()))


def _widths(table: Table, sample: list[list[Any]]) -> list[float]:
    """Characters per column: the declared width, widened for the longest value (and the
    longest header word), never wider than _MAX_WIDTH — longer text wraps."""
    widths = []
    for i, col in enumerate(table.columns):
        longest = max((len(w) for w in col.title.split()), default=0) + 2
        for row in sample:
            longest = max(longest, _display_len(row[i]) + 2)
        widths.append(float(min(max(col.width, longest), _MAX_WIDTH)))
    return widths


_lines = wrapped_lines  # one rule for how wrapped text breaks, in courses.spreadsheet


class _SheetWriter:
    """Writes one Table into a write-only worksheet: title block, frozen styled header,
    typed body cells, totals, footer and notes, A4 print setup. Rows may be streamed
    (``write_rows`` any number of times), so the year's long sheets never sit in memory."""

    def __init__(
        self,
        wb: Workbook,
        table: Table,
        *,
        widths: list[float] | None = None,
        plain: bool = False,
    ):
        """``plain``: body cells as bare values, without borders, for sheets of a hundred
        thousand rows (lists to filter, not to print), where styling every cell would
        double the time the whole workbook takes."""
        self.table = table
        self.plain = plain
        self.ws = ws = wb.create_sheet(table.sheet)
        self.ncols = ncols = max(len(table.columns), 1)
        self.last_col = get_column_letter(ncols)
        sample = table.rows + ([table.totals] if table.totals else []) + table.footer
        self.widths = widths or _widths(table, sample)
        self.row = 0  # last row written
        self.first_data = 0
        self.data_rows = 0
        self._styles: dict[tuple, StyleArray] = {}

        for i, width in enumerate(self.widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        total_width = sum(self.widths)
        issuer = [text for text in table.issuer if text]
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

    def _style(
        self, kind: str, number_format: str, bold: bool, fill: PatternFill | None
    ) -> StyleArray:
        """The style of a body cell, built once per combination and then copied: setting
        font, border and alignment cell by cell hashes them each time, which is most of
        the time a million-cell sheet takes."""
        plain = self.plain and not bold  # a plain sheet's totals still get the grid
        key = (kind, number_format, bold, fill is not None and fill.fgColor.rgb, plain)
        style = self._styles.get(key)
        if style is None:
            cell = WriteOnlyCell(self.ws)
            cell.font = _BOLD_FONT if bold else _BODY_FONT
            if not plain:
                cell.border = _GRID
                cell.alignment = _ALIGN.get(kind, _ALIGN["text"])
            cell.number_format = number_format
            if fill is not None:
                cell.fill = fill
            style = self._styles[key] = cell._style
        return style

    def _cell(
        self, value: Any, col: Col, *, bold: bool = False, fill: PatternFill | None = None
    ) -> WriteOnlyCell:
        """A typed cell: ints and floats as numbers, dates as dates, text as text."""
        number_format = "General"
        if value is None:
            pass
        elif isinstance(value, bool):
            value = "Có" if value else "Không"
        elif isinstance(value, float):
            number_format = XLSX_RATE_FORMAT
        elif isinstance(value, int):
            number_format = "0"
        elif isinstance(value, datetime.date):
            number_format = XLSX_DATE_FORMAT
        cell = WriteOnlyCell(self.ws)
        cell._style = copy(self._style(col.kind, number_format, bold, fill))
        if isinstance(value, str):
            text_cell(cell, value)  # "=…" typed into a name stays text, never a formula
        elif value is not None:
            cell.value = value
        return cell

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

    def write_rows(self, rows: Iterable[list[Any]]) -> int:
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


def _workbook() -> Workbook:
    """A write-only workbook whose default cell style is the documents' font (Times New
    Roman 12) instead of Calibri 11, so that cells written bare match the styled ones.
    The default font is the first of the workbook's font list (style 0 points at it);
    openpyxl offers no public setter for it."""
    wb = Workbook(write_only=True)
    wb._fonts = IndexedList([_BODY_FONT])
    return wb


# The earliest time a ZIP entry can carry; every member of a workbook gets it.
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


class _ReproducibleZip(zipfile.ZipFile):
    """A ZipFile whose members carry a fixed date instead of the time they were written
    (openpyxl writes each part by name, and a write-only sheet from its temporary file)."""

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


def _save_workbook(
    wb: Workbook, fileobj: IO[bytes] | str, *, stamp: datetime.datetime | None
) -> None:
    """Save like ``wb.save`` but reproducibly: the same data gives the same bytes (a
    report exported again after a restore, or sent twice, is the same file). openpyxl
    stamps the document properties and every ZIP member with the current time; here the
    properties carry `stamp`, the last change to the data (the class's), and the members
    a fixed date."""
    when = timezone.make_naive(stamp, datetime.UTC) if stamp else datetime.datetime(2000, 1, 1)
    wb.properties.created = wb.properties.modified = when.replace(microsecond=0)
    archive = _ReproducibleZip(fileobj, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    ExcelWriter(wb, archive).save()


def _write_sheet(wb: Workbook, table: Table) -> int:
    writer = _SheetWriter(wb, table)
    n = writer.write_rows(table.rows)
    writer.close()
    return n


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
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")  # Vietnamese decimal comma on paper
    if isinstance(value, datetime.date):
        return value.strftime(DATE_FORMAT)
    return nfc_text(value)


def _words_width(text: str, font: str, size: float) -> float:
    return max((stringWidth(w, font, size) for w in text.split()), default=0)


def _pdf_heads(table: Table, mode: str) -> list[str]:
    if mode == "full":
        return [c.title for c in table.columns]
    if mode == "short":
        return [c.short or c.title for c in table.columns]
    return [str(c.number) if c.number else (c.short or c.title) for c in table.columns]


def _pdf_widths(
    table: Table, heads: list[str], cells: list[list[str]], width: float, size: float
) -> tuple[bool, list[float]]:
    """Whether the table fits ``width`` at ``size``, and its column widths.

    Non-text columns (numbers, codes, dates) get what their longest word needs (numbers
    at least a centimetre), so a number or a date never breaks. Text columns (names,
    units, sessions missed) get their longest line if everything fits that way, the page's
    slack then shared by all; otherwise they share what is left by weight, each at least
    its longest word or about a dozen letters.
    """
    fonts = register_fonts()
    fixed: list[float | None] = []
    minimum: list[float] = []
    natural: list[float] = []
    for i, col in enumerate(table.columns):
        need = _words_width(heads[i], fonts.bold, size)
        need = max([need] + [_words_width(row[i], fonts.regular, size) for row in cells])
        need += _PAD + 1
        if col.kind == "text":
            fixed.append(None)
            minimum.append(max(need, stringWidth("n" * 12, fonts.regular, size) + _PAD))
            longest = max((stringWidth(row[i], fonts.regular, size) for row in cells), default=0)
            natural.append(max(minimum[-1], longest + _PAD + 1))
        else:
            if col.kind in ("int", "rate", "date"):
                need = max(need, 10 * mm)
            fixed.append(need)
            minimum.append(need)
            natural.append(need)
    fits = sum(minimum) <= width
    if sum(natural) <= width:
        return True, [w * width / sum(natural) for w in natural]
    texts = [i for i, w in enumerate(fixed) if w is None]
    widths = [w or 0.0 for w in fixed]
    rest = max(width - sum(widths), 0)
    weight = sum(table.columns[i].width for i in texts) or 1
    for i in texts:
        widths[i] = rest * table.columns[i].width / weight
    # A text column below its minimum takes from the others, in proportion to their slack.
    short_by = sum(max(minimum[i] - widths[i], 0) for i in texts)
    slack = sum(max(widths[i] - minimum[i], 0) for i in texts)
    if short_by and slack >= short_by:
        for i in texts:
            if widths[i] < minimum[i]:
                widths[i] = minimum[i]
            else:
                widths[i] -= (widths[i] - minimum[i]) * short_by / slack
    return fits, widths


def _pdf_layout(
    table: Table, cells: list[list[str]], width: float
) -> tuple[float, list[float], list[str]]:
    """Font size, column widths and header texts: the first mode and size that fit."""
    for mode, sizes in _PDF_MODES:
        heads = _pdf_heads(table, mode)
        for size in sizes:
            fits, widths = _pdf_widths(table, heads, cells, width, size)
            if fits:
                return size, widths, heads
    return size, widths, heads  # wider than any page: the smallest there is


def _pdf(table: Table, *, parent_body: str, issuing_body: str, place: str) -> bytes:
    """The table as an official A4 document: Decree 30 header (issuing body, national
    name, place and date), title, the table with its header repeated on every page,
    notes and legend, and a signature block left blank for the signers."""
    pagesize = landscape(A4) if table.landscape else A4
    width = frame_width(pagesize)
    story = official_header(
        parent_body=parent_body,
        issuing_body=issuing_body,
        place=place,
        on=timezone.localdate(),
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
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
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
    sign_title = style("sign", size=13, bold=True, align=TA_CENTER)
    sign_hint = style("sign-hint", size=12, italic=True, align=TA_CENTER)
    block = document_table(
        [
            [para("NGƯỜI LẬP BIỂU", sign_title), para("THỦ TRƯỞNG ĐƠN VỊ", sign_title)],
            [para("(Ký, ghi rõ họ tên)", sign_hint), para("(Ký tên, đóng dấu)", sign_hint)],
        ],
        col_widths=[sum(widths) * 0.45, sum(widths) * 0.55],
        commands=[
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ],
    )
    signature = [Spacer(0, 6 * mm), block, Spacer(0, 22 * mm)]
    last = len(data) - 1
    for i, command in enumerate(commands):
        # The grid and paddings stop at the last row of figures.
        name, start, end, *rest = command
        if end[1] == -1:
            commands[i] = (name, start, (end[0], last), *rest)
    if not after:
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


# ---------------------------------------------------------------------------- the year


def _by_class(rows: Iterable[tuple], position: int) -> Iterator[tuple[int, list[tuple]]]:
    for class_id, group in groupby(rows, key=itemgetter(position)):
        yield class_id, list(group)


class _Groups:
    """Pulls the group of each class, in the classes' order, from a stream ordered the
    same way; a group the stream yields early (it should not) is kept until asked for."""

    def __init__(self, groups: Iterator[tuple[int, list[tuple]]]):
        self.groups = groups
        self.pending: dict[int, list[tuple]] = {}

    def take(self, class_id: int) -> list[tuple]:
        if class_id in self.pending:
            return self.pending.pop(class_id)
        for key, group in self.groups:
            if key == class_id:
                return group
            self.pending[key] = group
        return []


YEAR_CLASS_COLUMNS = [
    Col("STT", "int", 5),
    Col("Mã lớp", "code", 16),
    Col("Tên lớp", "text", 40),
    Col("Từ ngày", "date", 12),
    Col("Đến ngày", "date", 12),
    Col("Số buổi", "int", 8),
    Col("Đã tổ chức", "int", 9),
    Col("Số học viên", "int", 9),
    Col("Tỷ lệ chuyên cần (%)", "rate", 11),
    Col("Được cấp GCN", "int", 9),
]
YEAR_PEOPLE_COLUMNS = [
    Col("STT", "int", 8),
    Col("Mã lớp", "code", 16),
    Col("Họ và tên", "text", 26),
    Col("Đơn vị", "text", 34),
    Col("Đối tượng", "code", 9),
    Col("Số buổi dự", "int", 8),
    Col("Số buổi đã tổ chức", "int", 9),
    Col("Tỷ lệ (%)", "rate", 8),
    Col("Đủ điều kiện cấp GCN", "code", 12),
    Col("Số GCN", "code", 16),
]
YEAR_ABSENT_COLUMNS = [
    Col("STT", "int", 8),
    Col("Mã lớp", "code", 16),
    Col("Đơn vị", "text", 34),
    Col("Họ và tên", "text", 26),
    Col("Buổi vắng", "text", 36),
    Col("Số buổi vắng", "int", 8),
    Col("Tổng số buổi", "int", 8),
]


def year_workbook(
    year: int, user: User, fileobj: IO[bytes] | str, *, on_progress: Progress | None = None
) -> int:
    """The province's year as one workbook: per class, per unit, per category, every
    enrollment and every absentee, in the reader's scope. Returns the number of people
    rows written ("Danh sách học viên": one per enrollment).

    Built to take a national year (~100,000 enrollments, ~650,000 attendance rows) in
    bounded memory and a handful of queries: the enrollments and the attendance are two
    streams ordered by class, read class by class (a class is small), and the sheets are
    write-only, flushed to disk as they go. ``on_progress(done, total)`` is called about
    a hundred times, in enrollments.
    """
    report: Progress = on_progress or (lambda done, total: None)
    classes_qs = classes_for_year(year, user)
    classes = list(classes_qs)
    enrollments = Enrollment.objects.visible_to(user).filter(training_class__in=classes_qs)
    total = enrollments.count()
    report(0, total)

    sessions: dict[int, list[Session]] = defaultdict(list)
    for s in with_recorded(Session.objects.filter(training_class__in=classes_qs)).order_by(
        "training_class", "date", "start_time"
    ):
        sessions[s.training_class_id].append(s)
    excused = excused_counting(classes_qs)
    scope = _scope_line(user)
    subtitle = [f"Năm {year}"] + ([scope] if scope else [])

    issuer = year_issuer(year)
    wb = _workbook()
    by_class = _SheetWriter(
        wb,
        Table(
            sheet="Theo lớp",
            title=f"TỔNG HỢP CÁC LỚP BỒI DƯỠNG NĂM {year}",
            issuer=issuer,
            subtitle=subtitle,
            columns=YEAR_CLASS_COLUMNS,
            rows=[],
            notes=[
                "Tỷ lệ chuyên cần = số lượt tham dự / (số học viên × số buổi đã tổ chức); "
                f"lớp chưa có buổi nào được tổ chức ghi “{NOT_HELD}”."
            ],
        ),
        widths=_widths(
            Table("", "", [], YEAR_CLASS_COLUMNS, []),
            [
                [None, k.code, k.title[:60], None, None, None, None, None, NOT_HELD, None]
                for k in classes
            ],
        ),
    )
    units = _units_table(classes_qs, user, subtitle)
    categories = _categories_table(classes_qs, user, subtitle)
    units.issuer = categories.issuer = issuer
    _write_sheet(wb, units)
    _write_sheet(wb, categories)
    # The long sheets are streamed: their widths come from the longest values, asked for.
    unit = max((r[1] for r in units.rows), key=len, default="")
    name = "n" * (enrollments.aggregate(n=Max(Length("participant__full_name")))["n"] or 0)
    code = max((k.code for k in classes), key=len, default="")
    missed = "00/00 00:00 (P), " * max((len(v) for v in sessions.values()), default=0)
    people_sheet = _SheetWriter(
        wb,
        Table(
            sheet="Danh sách học viên",
            title=f"DANH SÁCH HỌC VIÊN CÁC LỚP NĂM {year}",
            issuer=issuer,
            subtitle=subtitle,
            columns=YEAR_PEOPLE_COLUMNS,
            rows=[],
            notes=[
                "Số buổi dự tính các buổi có mặt và đi muộn (và vắng có phép nếu lớp "
                "tính như vậy khi xét cấp giấy chứng nhận); tỷ lệ = số buổi dự / số buổi "
                f"đã tổ chức; đủ điều kiện cấp GCN chỉ xét khi lớp đã kết thúc ({NOT_DECIDED})."
            ],
        ),
        widths=_widths(
            Table("", "", [], YEAR_PEOPLE_COLUMNS, []),
            [[None, code, name, unit, None, None, None, None, None, None]],
        ),
        plain=True,
    )
    absent_sheet = _SheetWriter(
        wb,
        Table(
            sheet="Vắng",
            title=f"DANH SÁCH HỌC VIÊN VẮNG MẶT NĂM {year}",
            issuer=issuer,
            subtitle=subtitle,
            columns=YEAR_ABSENT_COLUMNS,
            rows=[],
            notes=[ABSENTEE_NOTE],
        ),
        widths=_widths(
            Table("", "", [], YEAR_ABSENT_COLUMNS, []),
            [[None, code, unit, name, missed, None, None]],
        ),
        plain=True,
    )

    class_order = ("training_class__start_date", "training_class__code", "training_class_id")
    certificate = Certificate.objects.valid().filter(enrollment=OuterRef("pk"))
    people_stream = (
        enrollments.order_by(*class_order, "pk")
        .annotate(certificate_number=Subquery(certificate.values("register_number")[:1]))
        .values_list(
            "training_class_id",
            "pk",
            "participant__full_name",
            "organisation__name",
            "category__code",
            "certificate_number",
            "participant__date_of_birth",
        )
        .iterator(chunk_size=5000)
    )
    attendance_stream = (
        Attendance.objects.filter(enrollment__in=enrollments.values("pk"))
        .order_by(*(f"enrollment__{f}" for f in class_order))
        .values_list("enrollment__training_class_id", "enrollment_id", "session_id", "status")
        .iterator(chunk_size=20000)
    )
    people_groups = _Groups(_by_class(people_stream, 0))
    attendance_groups = _Groups(_by_class(attendance_stream, 0))

    now = timezone.now()
    done = stt = absent_stt = 0
    step = max(total // 100, 1)
    reported = 0
    year_tally = Tally()
    held_total = 0
    for n_class, klass in enumerate(classes, start=1):
        class_sessions = sessions[klass.pk]
        n_sessions = len(class_sessions)
        index = {s.pk: i for i, s in enumerate(class_sessions)}
        held = [is_held(s, recorded=s.recorded) for s in class_sessions]
        missable = [can_be_missed(s, now, recorded=s.recorded) for s in class_sessions]
        n_held, final = sum(held), is_final(class_sessions)
        counted = set(counted_statuses(klass.pk in excused))
        threshold = klass.certificate_threshold

        people = people_groups.take(klass.pk)
        statuses: dict[int, list[str | None]] = {p[1]: [None] * n_sessions for p in people}
        for _, enrollment_id, session_id, status in attendance_groups.take(klass.pk):
            i = index.get(session_id)
            if i is not None and enrollment_id in statuses:
                statuses[enrollment_id][i] = status
        people = sorted_by_name(
            people, name=lambda p: p[2], born=lambda p: p[6], then=lambda p: p[1]
        )

        people_rows = []
        absent: dict[str, list[list[Any]]] = defaultdict(list)
        tally = Tally()
        for _, pk, name, unit, category, number, _born in people:
            row_statuses = statuses[pk]
            attended = sum(1 for s in row_statuses if s in counted)
            tally.enrolled += 1
            tally.due_sessions += n_held
            tally.attended_sessions += attended
            tally.participants += attended > 0
            tally.certified += number is not None
            if final:
                tally.final_enrolled += 1
                tally.final_certified += number is not None
            decided = eligible(attended, n_sessions, threshold) if final else None
            stt += 1
            people_rows.append(
                [
                    stt,
                    klass.code,
                    name,
                    unit,
                    category,
                    attended,
                    n_held,
                    person_rate(attended, n_held, threshold).cell,
                    NOT_DECIDED if decided is None else ("Có" if decided else "Không"),
                    number or "",
                ]
            )
            missed = [
                (s, st)
                for s, st, can in zip(class_sessions, row_statuses, missable, strict=True)
                if can and st not in ATTENDED
            ]
            if missed:
                absent[unit].append([name, _missed_text(missed), len(missed), n_sessions])
        people_sheet.write_rows(people_rows)
        for unit in sorted(absent, key=collation_key):
            for name, text, n_missed, n_total in absent[unit]:
                absent_stt += 1
                absent_sheet.write_rows(
                    [[absent_stt, klass.code, unit, name, text, n_missed, n_total]]
                )
        by_class.write_rows(
            [
                [
                    n_class,
                    klass.code,
                    klass.title,
                    klass.start_date,
                    klass.end_date,
                    n_sessions,
                    n_held,
                    tally.enrolled,
                    tally.rate.cell,
                    tally.certified,
                ]
            ]
        )
        year_tally.add(tally)
        held_total += n_held
        done += len(people)
        if done - reported >= step and done < total:
            report(done, total)
            reported = done

    by_class.table.totals = [
        None,
        "Tổng cộng",
        None,
        None,
        None,
        sum(len(v) for v in sessions.values()),
        held_total,
        year_tally.enrolled,
        year_tally.rate.cell,
        year_tally.certified,
    ]
    for sheet in (by_class, people_sheet, absent_sheet):
        sheet.close()
    stamp = max((k.updated_at for k in classes), default=None)
    _save_workbook(wb, fileobj, stamp=stamp)
    report(total, total)
    return stt
