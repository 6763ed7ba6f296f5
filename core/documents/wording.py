"""Vietnamese wording of dates, numbers and amounts, as documents print them.

Decree 30/2020 writes a date "ngày 05 tháng 3 năm 2023": a leading zero for days 1–9 and
for months 1 and 2 only (so "tháng 01" cannot be misread as "tháng 10/11/12" once someone
adds a digit). A date cited in the text follows the same rule ("Kế hoạch số 12/KH-UBND ngày
13/3/2023"); a date as a field value (a date of birth, a table cell) is plain dd/mm/yyyy.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

# ---------------------------------------------------------------------------- dates


def _month(d: datetime.date) -> str:
    return f"{d.month:02d}" if d.month < 3 else str(d.month)


def long_date(d: datetime.date) -> str:
    """'05 tháng 3 năm 2023'."""
    return f"{d.day:02d} tháng {_month(d)} năm {d.year}"


def vietnamese_date(d: datetime.date) -> str:
    """'ngày 05 tháng 3 năm 2023' — Decree 30: a leading zero for days 1–9 and months 1–2."""
    return f"ngày {long_date(d)}"


def cited_date(d: datetime.date) -> str:
    """'13/3/2023', '05/8/2020', '01/02/2023': a date cited in a document's text, by the
    same leading-zero rule as :func:`vietnamese_date`."""
    return f"{d.day:02d}/{_month(d)}/{d.year}"


def dmy(d: datetime.date | None) -> str:
    """'05/03/1985': a date as a value (a date of birth, a cell); ``None`` is ''."""
    return d.strftime("%d/%m/%Y") if d else ""


def period(
    start: datetime.date, end: datetime.date, *, write: Callable[[datetime.date], str] = dmy
) -> str:
    """'ngày 05/03/2023' for one day, 'từ ngày 05/03/2023 đến ngày 07/03/2023' for more,
    each date written by ``write`` (:func:`dmy`, :func:`cited_date`, :func:`long_date`)."""
    if start == end:
        return f"ngày {write(start)}"
    return f"từ ngày {write(start)} đến ngày {write(end)}"


# ---------------------------------------------------------------------------- people and places


def honorific(gender: str) -> str:
    """ "Ông" for a man, "Bà" for a woman, "Ông/Bà" when the gender is unknown: how a
    letter or a certificate addresses a person."""
    return {"male": "Ông", "female": "Bà"}.get(gender, "Ông/Bà")


def venue_text(venue) -> str:
    """ "Hội trường UBND xã, thôn Bản Mạ": a venue's name and address as documents print
    it (either may be blank); no venue is ''."""
    if venue is None:
        return ""
    return ", ".join(part for part in (venue.name, venue.address) if part)


# ---------------------------------------------------------------------------- numbers


def vn_int(n: int | None) -> str:
    """1234567 → '1.234.567': the Vietnamese thousands separator, whatever the UI
    language (also for amounts in đồng)."""
    return f"{n or 0:,}".replace(",", ".")


def vn_pct(value: float | Decimal) -> str:
    """86.24 → '86,2%'; 100.0 → '100%'. (A rate is rounded by ``attendees.rules.Rate``,
    which writes itself through this.)"""
    text = f"{value:.1f}".replace(".", ",")
    return f"{text.removesuffix(',0')}%"


def vn_count(n: int) -> str:
    """Counts of classes, sessions, units as written in documents: '04', '12'."""
    return f"{n:02d}"


_DIGITS = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"]
_GROUPS = ["", "nghìn", "triệu", "tỷ"]


def _three_digits(n: int, *, leading: bool) -> list[str]:
    """0 < n < 1000. A group that is not the leading one says its zero hundreds and its
    zero tens: 1 005 000 is "một triệu không trăm linh năm nghìn"."""
    hundreds, tens, units = n // 100, n // 10 % 10, n % 10
    words: list[str] = []
    if hundreds or not leading:
        words += [_DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units and words:
            words += ["linh", _DIGITS[units]]
        elif units:
            words.append(_DIGITS[units])
        return words
    if tens == 1:
        words.append("mười")
    else:
        words += [_DIGITS[tens], "mươi"]
    if units == 1:
        words.append("mốt" if tens > 1 else "một")
    elif units == 4 and tens > 1:
        words.append("tư")
    elif units == 5:
        words.append("lăm")
    elif units:
        words.append(_DIGITS[units])
    return words


def number_in_words(n: int) -> str:
    """How an amount is written out on a voucher: 1 250 000 → "một triệu hai trăm năm
    mươi nghìn". Groups of three digits, "tỷ" repeating above a billion."""
    if n < 0:
        return "âm " + number_in_words(-n)
    if n == 0:
        return "không"
    billions, rest = divmod(n, 1_000_000_000)
    words: list[str] = []
    if billions:
        words += [number_in_words(billions), "tỷ"]
    groups = [rest // 1_000_000, rest // 1000 % 1000, rest % 1000]
    for index, group in enumerate(groups):
        if group == 0:
            continue
        leading = not words
        words += _three_digits(group, leading=leading)
        name = _GROUPS[2 - index]
        if name:
            words.append(name)
    return " ".join(words)


def amount_in_words(n: int) -> str:
    """'Một triệu hai trăm năm mươi nghìn đồng' — capitalised, as after "Bằng chữ:"."""
    text = f"{number_in_words(n)} đồng"
    return text[0].upper() + text[1:]
