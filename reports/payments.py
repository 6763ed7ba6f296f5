"""Allowance payment lists ("danh sách chi trả / ký nhận") and their printed vouchers.

Who is paid: participants enrolled in the class who are NOT on a state payroll (salaried
officials are paid by their own agency) and who attended at least once. A *day attended*
is a date on which the person was present or late at one session or more; excused and
absent do not count.

What is paid, at the class's rates (`ClassAllowance`; none yet: every rate is 0):

* meals: one ``meal_per_day`` per day attended;
* lodging: one ``lodging_per_night`` per night between days attended, i.e. days − 1
  (someone who came on the 10th and the 12th only is paid one night);
* travel: ``travel_per_person`` once, to everyone who came.

The list for one session (``?session=``) is a share of the class list, so that no
amount can be paid twice whichever lists the officer uses and the session lists of a
class add up exactly to the class list. Each amount belongs to one session:

* the meal of a day (and the night before it, on every day attended but the first) to
  the first session the person attended that day;
* travel to the first session the person attended in the class.

A session list therefore names those present or late at that session for whom it was
their first session of the day; someone who also came to the morning session is on the
morning list, not on the afternoon one. Lists follow attendance as it is when printed:
print a session's list once its attendance is final.

Amounts are integers (đồng) throughout; :func:`core.documents.wording.vn_int` prints them "1.250.000".
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from attendees.models import Attendance, Enrollment
from attendees.rules import ATTENDED
from core.documents.header import (
    LAYOUT_COMMANDS,
    build_pdf,
    document_table,
    frame_width,
    header_bodies,
    nfc_text,
    official_header,
    para,
    place_date,
    style,
)
from core.documents.spreadsheet import (
    FONT_FAMILY,
    print_setup,
    row_height,
    text_cell,
    workbook_bytes,
)
from core.documents.wording import amount_in_words, dmy, vietnamese_date, vn_int
from courses.models import Session, TrainingClass
from courses.vietnamese import name_with_birth_year, sorted_by_name
from reports.models import ClassAllowance

TITLE = "DANH SÁCH CHI TRẢ TIỀN HỖ TRỢ HỌC VIÊN"
SIGNERS = ("NGƯỜI LẬP BIỂU", "KẾ TOÁN TRƯỞNG", "THỦ TRƯỞNG ĐƠN VỊ")
SIGN_HINT = "(Ký, ghi rõ họ tên)"
# Column headers of the voucher, and the accounting row under them that names each
# column (letters for text, numbers for amounts, the total as the sum of its parts).
HEADERS = (
    "STT",
    "Họ và tên",
    "Đơn vị",
    "Số ngày",
    "Tiền ăn",
    "Tiền ngủ",
    "Tiền đi lại",
    "Tổng cộng",
    "Ký nhận",
)
COLUMN_KEYS = ("A", "B", "C", "1", "2", "3", "4", "5 = 2+3+4", "D")


# ---------------------------------------------------------------------------- the list


@dataclass(frozen=True)
class Rates:
    meal_per_day: int = 0
    lodging_per_night: int = 0
    travel_per_person: int = 0
    configured: bool = False  # False: the class has no ClassAllowance row yet

    @classmethod
    def of(cls, training_class: TrainingClass) -> Rates:
        allowance = ClassAllowance.objects.filter(training_class=training_class).first()
        if allowance is None:
            return cls()
        return cls(
            allowance.meal_per_day,
            allowance.lodging_per_night,
            allowance.travel_per_person,
            configured=True,
        )

    @property
    def all_zero(self) -> bool:
        return not (self.meal_per_day or self.lodging_per_night or self.travel_per_person)


@dataclass
class PaymentRow:
    enrollment_id: int
    name: str
    unit: str
    days: int  # days attended (on a session list: 1, the day of the session)
    meals: int
    nights: int
    lodging: int
    travel: int
    born: datetime.date | None = None

    @property
    def total(self) -> int:
        return self.meals + self.lodging + self.travel

    @property
    def signing_name(self) -> str:
        """The name with the birth year: two namesakes of one unit sign the right line."""
        return name_with_birth_year(self.name, self.born)


@dataclass
class Totals:
    days: int = 0
    meals: int = 0
    nights: int = 0
    lodging: int = 0
    travel: int = 0

    @property
    def total(self) -> int:
        return self.meals + self.lodging + self.travel

    def add(self, row: PaymentRow) -> None:
        self.days += row.days
        self.meals += row.meals
        self.nights += row.nights
        self.lodging += row.lodging
        self.travel += row.travel


@dataclass
class PaymentList:
    training_class: TrainingClass
    session: Session | None
    rates: Rates
    rows: list[PaymentRow]
    totals: Totals = field(default_factory=Totals)
    # Attended but left out: on a state payroll (for a session list: at that session).
    payroll_excluded: int = 0

    @property
    def total(self) -> int:
        return self.totals.total

    @property
    def total_in_words(self) -> str:
        return amount_in_words(self.total)


@dataclass
class _Share:
    """What one attended session carries for one person (see the module docstring)."""

    day: int = 0  # 1: the first session the person attended that day
    night: int = 0  # 1: … and not on the first day the person attended
    travel: int = 0  # 1: the first session the person attended in the class


def _shares(training_class: TrainingClass) -> dict[int, dict[int, _Share]]:
    """enrollment id → session id → share, for the attended sessions of people NOT on a
    state payroll. One query."""
    attended = (
        Attendance.objects.filter(
            session__training_class=training_class,
            status__in=ATTENDED,
            enrollment__participant__on_state_payroll=False,
        )
        .order_by("session__date", "session__start_time", "session_id")
        .values_list("enrollment_id", "session_id", "session__date")
    )
    shares: dict[int, dict[int, _Share]] = defaultdict(dict)
    days_seen: dict[int, set[datetime.date]] = defaultdict(set)
    for enrollment_id, session_id, day in attended:
        seen = days_seen[enrollment_id]
        share = _Share()
        if day not in seen:
            share.day = 1
            share.night = 1 if seen else 0
            share.travel = 0 if seen else 1
            seen.add(day)
        shares[enrollment_id][session_id] = share
    return shares


def _payroll_attendees(training_class: TrainingClass, session: Session | None) -> int:
    qs = Attendance.objects.filter(
        session__training_class=training_class,
        status__in=ATTENDED,
        enrollment__participant__on_state_payroll=True,
    )
    if session is not None:
        qs = qs.filter(session=session)
    return qs.values("enrollment").distinct().count()


def payment_list(training_class: TrainingClass, *, session: Session | None = None) -> PaymentList:
    """The allowances to pay for the class, or for one of its sessions: one row per
    payee in Vietnamese name order (given name, middle, family), amounts in đồng."""
    if session is not None and session.training_class_id != training_class.pk:
        raise ValueError("The session belongs to another class.")
    rates = Rates.of(training_class)
    shares = _shares(training_class)
    counts: dict[int, _Share] = {}
    for enrollment_id, by_session in shares.items():
        if session is not None:
            picked = [by_session[session.pk]] if session.pk in by_session else []
        else:
            picked = list(by_session.values())
        total = _Share(
            day=sum(s.day for s in picked),
            night=sum(s.night for s in picked),
            travel=sum(s.travel for s in picked),
        )
        if total.day:  # every payee has a day here; a later session of the day has none
            counts[enrollment_id] = total

    enrollments = Enrollment.objects.filter(pk__in=counts).select_related(
        "participant", "organisation"
    )
    rows = []
    for e in sorted_by_name(
        enrollments,
        name=lambda e: e.participant.full_name,
        born=lambda e: e.participant.date_of_birth,
    ):
        c = counts[e.pk]
        rows.append(
            PaymentRow(
                enrollment_id=e.pk,
                name=e.participant.full_name,
                unit=e.organisation.name,
                days=c.day,
                meals=c.day * rates.meal_per_day,
                nights=c.night,
                lodging=c.night * rates.lodging_per_night,
                travel=c.travel * rates.travel_per_person,
                born=e.participant.date_of_birth,
            )
        )
    totals = Totals()
    for row in rows:
        totals.add(row)
    return PaymentList(
        training_class=training_class,
        session=session,
        rates=rates,
        rows=rows,
        totals=totals,
        payroll_excluded=_payroll_attendees(training_class, session),
    )


@dataclass
class SessionSummary:
    session: Session
    people: int
    total: int


def session_summaries(training_class: TrainingClass) -> list[SessionSummary]:
    """Each session of the class with the payees and the amount of its list."""
    rates = Rates.of(training_class)
    people: dict[int, int] = defaultdict(int)
    amounts: dict[int, int] = defaultdict(int)
    for by_session in _shares(training_class).values():
        for session_id, share in by_session.items():
            if share.day:
                people[session_id] += 1
                amounts[session_id] += (
                    share.day * rates.meal_per_day
                    + share.night * rates.lodging_per_night
                    + share.travel * rates.travel_per_person
                )
    return [
        SessionSummary(s, people[s.pk], amounts[s.pk])
        for s in training_class.sessions.order_by("date", "start_time", "pk")
    ]


# ---------------------------------------------------------------------------- wording


def subtitle_lines(plist: PaymentList) -> list[str]:
    """The lines under the title: the class, its dates and venue, the session if any."""
    k = plist.training_class
    lines = [
        f"Lớp: {k.title} (mã lớp {k.code})",
        f"Thời gian: từ ngày {dmy(k.start_date)} đến ngày {dmy(k.end_date)}; địa điểm: {k.venue}",
    ]
    if plist.session is not None:
        s = plist.session
        lines.append(
            f"Buổi học: {s.start_time:%H:%M}–{s.end_time:%H:%M} ngày {dmy(s.date)} — {s.topic}"
        )
    return lines


def rates_line(plist: PaymentList) -> str:
    r = plist.rates
    if not r.configured:
        return "Mức hỗ trợ: chưa được thiết lập (mọi khoản bằng 0)."
    return (
        f"Mức hỗ trợ: tiền ăn {vn_int(r.meal_per_day)} đồng/người/ngày; "
        f"tiền ngủ {vn_int(r.lodging_per_night)} đồng/người/đêm; "
        f"tiền đi lại {vn_int(r.travel_per_person)} đồng/người."
    )


SCOPE_NOTE = "(Không bao gồm học viên hưởng lương từ ngân sách nhà nước)"


def words_line(plist: PaymentList) -> str:
    return f"Số tiền bằng chữ: {plist.total_in_words}."


def _row_values(row: PaymentRow) -> list[int]:
    return [row.days, row.meals, row.lodging, row.travel, row.total]


def _total_values(totals: Totals) -> list[int]:
    return [totals.days, totals.meals, totals.lodging, totals.travel, totals.total]


def _organiser_bodies(training_class: TrainingClass) -> tuple[str, str, str]:
    """(parent body, issuing body, place) of the class's organiser."""
    organiser = training_class.organiser
    parent = organiser.parent
    place = organiser.place or (parent.place if parent else "")
    return (parent.name if parent else "", organiser.name, place)


# ---------------------------------------------------------------------------- pdf

TABLE_SIZE = 10.5
# Millimetres on landscape A4 (frame 252 mm): the signature column is wide enough to sign.
PDF_WIDTHS_MM = (10, 45, 48, 18, 23, 23, 23, 26, 36)
# The last rows of the list stay on one page with the total, the amount in words and the
# signatures: a page of signatures alone would not show what was signed for.
KEEP_WITH_SIGNATURES = 2


def _signature_block(plist: PaymentList, width: float) -> list:
    signer_title = style("pay-signer", size=12, bold=True, align=TA_CENTER)
    signer_hint = style("pay-hint", size=11, italic=True, align=TA_CENTER)
    signatures = document_table(
        [
            [para(t, signer_title) for t in SIGNERS],
            [para(SIGN_HINT, signer_hint) for _ in SIGNERS],
            ["", "", ""],
        ],
        col_widths=[width / 3] * 3,
        rowHeights=[None, None, 20 * mm],
        commands=[
            *LAYOUT_COMMANDS,
            ("TOPPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
        ],
    )
    return [
        Spacer(0, 2.5 * mm),
        para(words_line(plist), style("pay-words", size=12, italic=True)),
        Spacer(0, 4 * mm),
        signatures,
    ]


def payment_list_pdf(plist: PaymentList, *, on: datetime.date) -> bytes:
    """The voucher: Decree 30 header, title, the table with its header rows repeated on
    every page, the total, the amount in words and the three signatures."""
    pagesize = landscape(A4)
    width = frame_width(pagesize)
    parent_body, issuing_body, place = _organiser_bodies(plist.training_class)

    story = official_header(
        parent_body=parent_body, issuing_body=issuing_body, place=place, on=on, width=width
    )
    story += [
        Spacer(0, 5 * mm),
        para(TITLE, style("pay-title", size=14, bold=True, align=TA_CENTER, spaceAfter=2)),
        *[para(line, style("pay-sub", size=12, align=TA_CENTER)) for line in subtitle_lines(plist)],
        para(SCOPE_NOTE, style("pay-scope", size=12, italic=True, align=TA_CENTER)),
        Spacer(0, 2 * mm),
        para(rates_line(plist), style("pay-rates", size=12, align=TA_CENTER)),
        Spacer(0, 2 * mm),
    ]

    head = style("pay-th", size=TABLE_SIZE, bold=True, align=TA_CENTER)
    key = style("pay-key", size=9, italic=True, align=TA_CENTER)
    text = style("pay-td", size=TABLE_SIZE, align=TA_LEFT)
    centre = style("pay-td-c", size=TABLE_SIZE, align=TA_CENTER)
    money = style("pay-td-r", size=TABLE_SIZE, align=TA_RIGHT)
    bold_money = style("pay-total-r", size=TABLE_SIZE, bold=True, align=TA_RIGHT)
    bold_centre = style("pay-total-c", size=TABLE_SIZE, bold=True, align=TA_CENTER)
    sign_left = style("pay-sign-l", size=8, align=TA_LEFT, textColor="#555555")
    sign_right = style("pay-sign-r", size=8, align=TA_RIGHT, textColor="#555555")

    data: list[list] = [
        [para(h, head) for h in HEADERS],
        [para(k, key) for k in COLUMN_KEYS],
    ]
    for i, row in enumerate(plist.rows, start=1):
        days, *amounts = _row_values(row)
        # The number in the signature cell alternates sides, so that neighbours'
        # signatures do not run into each other (the usual practice on ký nhận lists).
        data.append(
            [
                para(i, centre),
                para(row.signing_name, text),
                para(row.unit, text),
                para(days, centre),
                *[para(vn_int(a), money) for a in amounts],
                para(f"{i}.", sign_left if i % 2 else sign_right),
            ]
        )
    if not plist.rows:
        data.append([para("Không có học viên nào được chi trả.", centre), *[""] * 8])
    days, *amounts = _total_values(plist.totals)
    total = len(data)
    data.append(
        [
            para("Tổng cộng", bold_centre),
            "",
            "",
            para(days, bold_centre),
            *[para(vn_int(a), bold_money) for a in amounts],
            "",
        ]
    )
    # The words and the signatures: one borderless row across the table, so that the
    # table cannot be split between its last rows and them.
    data.append([_signature_block(plist, width), *[""] * 8])

    col_widths = [w * mm for w in PDF_WIDTHS_MM]
    col_widths[-1] += width - sum(col_widths)  # any slack goes to the signatures
    commands = [
        ("GRID", (0, 0), (-1, total), 0.5, "black"),
        ("BACKGROUND", (0, 0), (-1, 0), "#F2F2F2"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, total), 3),
        ("RIGHTPADDING", (0, 0), (-1, total), 3),
        ("TOPPADDING", (0, 0), (-1, 0), 4.5),
        ("BOTTOMPADDING", (0, 0), (-1, 0), 5.5),
        ("TOPPADDING", (0, 1), (-1, 1), 1),
        ("BOTTOMPADDING", (0, 1), (-1, 1), 2),
        # Body rows tall enough to sign in (about 9 mm for a one-line name).
        ("TOPPADDING", (0, 2), (-1, total), 5.5),
        ("BOTTOMPADDING", (0, 2), (-1, total), 6.5),
        ("VALIGN", (-1, 2), (-1, total - 1), "TOP"),
        ("TOPPADDING", (-1, 2), (-1, total - 1), 1.5),
        ("SPAN", (0, total), (2, total)),
        ("SPAN", (0, total + 1), (-1, total + 1)),
        ("VALIGN", (0, total + 1), (-1, total + 1), "TOP"),
        ("LEFTPADDING", (0, total + 1), (-1, total + 1), 0),
        ("RIGHTPADDING", (0, total + 1), (-1, total + 1), 0),
        ("TOPPADDING", (0, total + 1), (-1, total + 1), 0),
        ("BOTTOMPADDING", (0, total + 1), (-1, total + 1), 0),
        ("NOSPLIT", (0, max(2, total - KEEP_WITH_SIGNATURES)), (-1, -1)),
    ]
    if not plist.rows:
        commands.append(("SPAN", (0, 2), (-1, 2)))
    table = document_table(
        data, col_widths=col_widths, repeatRows=2, hAlign="CENTER", commands=commands
    )
    story.append(table)
    return build_pdf(story, pagesize=pagesize, title=TITLE, author=issuing_body)


# ---------------------------------------------------------------------------- xlsx

_THIN = Side(style="thin", color="000000")
_GRID = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
_FONT = FONT_FAMILY
MONEY_FORMAT = "#,##0"
XLSX_WIDTHS = (6, 28, 32, 9, 14, 14, 14, 16, 22)


def payment_list_xlsx(plist: PaymentList, *, on: datetime.date) -> bytes:
    """The same voucher as a workbook: title rows, a styled and frozen header, amounts as
    integers formatted "#,##0", the total row, the words, the signatures; A4 landscape."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Chi trả"
    ncols = len(HEADERS)
    last = get_column_letter(ncols)
    parent_body, issuing_body, place = _organiser_bodies(plist.training_class)
    parent_body, issuing_body = header_bodies(parent_body, issuing_body)  # as the PDF prints them

    def put(cell_range: str, value: str, **font) -> None:
        first = cell_range.split(":")[0]
        text_cell(ws[first], value)  # subtitles carry the class title: never a formula
        ws[first].font = Font(name=_FONT, size=font.pop("size", 12), **font)
        ws[first].alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        if ":" in cell_range:
            ws.merge_cells(cell_range)

    # The Decree 30 header: the organiser on the left, the national name on the right.
    put("A1:C1", parent_body.upper())
    put("A2:C2", issuing_body.upper(), bold=True)
    put("E1:I1", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True)
    put("E2:I2", "Độc lập - Tự do - Hạnh phúc", bold=True)
    put("E3:I3", place_date(place, on) if place else vietnamese_date(on).capitalize(), italic=True)
    put(f"A5:{last}5", TITLE, size=14, bold=True)
    row = 6
    for line in subtitle_lines(plist):
        put(f"A{row}:{last}{row}", line)
        row += 1
    put(f"A{row}:{last}{row}", SCOPE_NOTE, italic=True)
    row += 1
    ws.merge_cells(f"A{row}:{last}{row}")
    text_cell(ws[f"A{row}"], rates_line(plist))
    ws[f"A{row}"].font = Font(name=_FONT, size=12)
    ws[f"A{row}"].alignment = Alignment(horizontal="left", vertical="center", wrap_text=True)
    row += 2

    header_row = row
    head_font = Font(name=_FONT, size=12, bold=True)
    key_font = Font(name=_FONT, size=10, italic=True)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for c, (title, key) in enumerate(zip(HEADERS, COLUMN_KEYS, strict=True), start=1):
        cell = text_cell(ws.cell(row=header_row, column=c), title)
        cell.font, cell.fill, cell.border, cell.alignment = head_font, _HEADER_FILL, _GRID, centre
        cell = text_cell(ws.cell(row=header_row + 1, column=c), key)
        cell.font, cell.border, cell.alignment = key_font, _GRID, centre
        ws.column_dimensions[get_column_letter(c)].width = XLSX_WIDTHS[c - 1]
    # A wrapped header needs its height set, or it prints over the key row.
    ws.row_dimensions[header_row].height = row_height(list(HEADERS), list(XLSX_WIDTHS))

    body = Font(name=_FONT, size=12)
    bold = Font(name=_FONT, size=12, bold=True)
    left = Alignment(horizontal="left", vertical="center", wrap_text=True)
    right = Alignment(horizontal="right", vertical="center")
    first_data = header_row + 2
    for r, item in enumerate(plist.rows, start=first_data):
        values = [r - first_data + 1, item.signing_name, item.unit, *_row_values(item), None]
        for c, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=c)
            if isinstance(value, str):
                text_cell(cell, value)  # "=…" in a name stays text
            else:
                cell.value = value
            cell.font, cell.border = body, _GRID
            cell.alignment = left if c in (2, 3) else centre
            if c >= 5 and c <= 8:
                cell.number_format = MONEY_FORMAT
                cell.alignment = right
        ws.row_dimensions[r].height = 30  # room to sign

    total_row = first_data + len(plist.rows)
    ws.merge_cells(start_row=total_row, start_column=1, end_row=total_row, end_column=3)
    ws.cell(row=total_row, column=1, value="Tổng cộng")
    for c, value in enumerate(_total_values(plist.totals), start=4):
        ws.cell(row=total_row, column=c, value=value)
    for c in range(1, ncols + 1):
        cell = ws.cell(row=total_row, column=c)
        cell.font, cell.border = bold, _GRID
        cell.alignment = centre if c <= 4 else right
        if 5 <= c <= 8:
            cell.number_format = MONEY_FORMAT
    ws.row_dimensions[total_row].height = 22

    words_row = total_row + 2
    ws.merge_cells(f"A{words_row}:{last}{words_row}")
    text_cell(ws[f"A{words_row}"], words_line(plist))
    ws[f"A{words_row}"].font = Font(name=_FONT, size=12, italic=True)
    ws[f"A{words_row}"].alignment = Alignment(horizontal="left", vertical="center")

    sign_row = words_row + 2
    for (start, end), title in zip(("AB", "CF", "GI"), SIGNERS, strict=True):
        put(f"{start}{sign_row}:{end}{sign_row}", title, bold=True)
        put(f"{start}{sign_row + 1}:{end}{sign_row + 1}", SIGN_HINT, italic=True, size=11)

    ws.freeze_panes = ws.cell(row=first_data, column=1)
    print_setup(ws, header_rows=(header_row, header_row + 1))
    return workbook_bytes(wb)


_SEPARATED = re.compile(r"^-?\d{1,3}(?:[.,\s]\d{3})+$")
_PLAIN = re.compile(r"^-?\d+$")


def parse_amount(text: str) -> int | None:
    """ "1.250.000", "1 250 000", "1,250,000", "1250000", "150.000 đ" → the integer;
    anything else (a decimal, letters) → None. Amounts in đồng have no fraction."""
    value = re.sub(r"\s*(?:đồng|đ|₫|vnđ|vnd)\s*$", "", nfc_text(text).strip().lower())
    value = value.replace("\u00a0", " ").replace("\u202f", " ").strip()
    if _PLAIN.match(value):
        return int(value)
    if _SEPARATED.match(value):
        return int(re.sub(r"[.,\s]", "", value))
    return None
