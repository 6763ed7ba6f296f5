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

import pandas as pd

from attendees.models import Attendance, Enrollment
from attendees.rules import ATTENDED
from core.documents.header import nfc_text
from core.documents.tables import Col, Letterhead, Line, Signer, Table, table_pdf, table_xlsx
from core.documents.wording import amount_in_words, dmy, vn_int
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


# ---------------------------------------------------------------------------- files

# Column widths: characters on the sheet, and the same proportions of the PDF's width
# (landscape A4), where the signature column is wide enough to sign.
WIDTHS = (6, 28, 32, 11, 14, 14, 14, 16, 22)
# The widest a sheet column grows for its data: a long name wraps, as on paper.
MAX_WIDTH = 32
BODY_HEIGHT = 30  # points: a sheet row tall enough to sign in
# PDF cell padding (top, bottom): body rows of about 9 mm for a one-line name.
PDF_PADDING = (5.5, 6.5)
# On the sheet, the signers over A:B, C:F and G:I.
SIGNER_COLUMNS = (1, 3, 7)


def payment_frame(plist: PaymentList) -> pd.DataFrame:
    """The payees as a DataFrame, one row each, under the voucher's column titles; the
    amounts are those of the list (computed above), only laid out here."""
    rows = plist.rows
    return pd.DataFrame(
        {
            HEADERS[0]: range(1, len(rows) + 1),
            HEADERS[1]: [r.signing_name for r in rows],  # with the birth year (issue 14)
            HEADERS[2]: [r.unit for r in rows],
            **{
                title: [values[i] for values in map(_row_values, rows)]
                for i, title in enumerate(HEADERS[3:8])
            },
            HEADERS[8]: [None] * len(rows),
        },
        columns=list(HEADERS),
    )


def payment_table(plist: PaymentList, *, on: datetime.date) -> Table:
    """The voucher as the shelf's Table: the Decree 30 header, the title, the class and
    the rates, the columns with their key row, a row per payee, the total, the amount in
    words and the three signers."""
    kinds = ("int", "text", "text", "int", "money", "money", "money", "money", "sign")
    columns = [
        Col(title, kind, width / 8)
        for title, kind, width in zip(HEADERS, kinds, WIDTHS, strict=True)
    ]
    parent_body, issuing_body, place = _organiser_bodies(plist.training_class)
    return Table(
        sheet="Chi trả",
        title=TITLE,
        subtitle=[
            *(Line(line) for line in subtitle_lines(plist)),
            Line(SCOPE_NOTE, italic=True),
            Line(rates_line(plist)),
        ],
        columns=columns,
        rows=payment_frame(plist),
        totals=[None, "Tổng cộng", None, *_total_values(plist.totals), None],
        landscape=True,
        letterhead=Letterhead(parent_body, issuing_body, place, on),
        column_keys=list(COLUMN_KEYS),
        signers=tuple(Signer(title, SIGN_HINT) for title in SIGNERS),
        relative_widths=True,
        max_width=MAX_WIDTH,
        pdf_padding=PDF_PADDING,
        body_height=BODY_HEIGHT,
        valign="center",
        totals_span=3,
        after=[Line(words_line(plist), italic=True, align="left")],
        sheet_signers=True,
        signer_columns=SIGNER_COLUMNS,
        sheet_filter=False,
        empty="Không có học viên nào được chi trả.",
    )


def payment_list_pdf(plist: PaymentList, *, on: datetime.date) -> bytes:
    """The voucher: Decree 30 header, title, the table with its header rows repeated on
    every page, the total, the amount in words and the three signatures."""
    parent_body, issuing_body, place = _organiser_bodies(plist.training_class)
    return table_pdf(
        payment_table(plist, on=on),
        parent_body=parent_body,
        issuing_body=issuing_body,
        place=place,
        on=on,
    )


def payment_list_xlsx(plist: PaymentList, *, on: datetime.date) -> bytes:
    """The same voucher as a workbook: title rows, a styled and frozen header, amounts as
    integers formatted "#,##0", the total row, the words, the signatures; A4 landscape."""
    return table_xlsx(payment_table(plist, on=on))


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
