"""One cell of the nominations spreadsheet read as a value: text as the clerk sees it,
dates in every form offices type them, gender, payroll, citizen ID, phone, and the
spelling-insensitive key by which headers and ethnic groups are matched. Each reader
returns (value, "") or (value, what is wrong, in the clerk's language)."""

from __future__ import annotations

import datetime
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from attendees.importing.columns import (
    _EXAMPLE_DATE,
    _MAX_LENGTH,
    CITIZEN_ID,
    PHONE,
    POSITION,
    WORKPLACE,
)
from attendees.validators import ascii_digits, normalise_citizen_id, normalise_phone
from courses.vietnamese import clean_text, fold

_NOT_ALNUM = re.compile(r"[^0-9a-z]")
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))


def _key(value: str) -> str:
    """Spelling-insensitive form: 'Khơ-mú', "KHO MU" -> 'khomu'."""
    return _NOT_ALNUM.sub("", fold(value.translate(_ZERO_WIDTH)))


def _expected_date() -> str:
    return _("write it as dd/mm/yyyy, e.g. %(example)s") % {"example": _EXAMPLE_DATE}


def _blank(value) -> bool:
    return value is None or value == "" or (isinstance(value, str) and not value.strip())


def _as_text(value) -> str:
    """A cell as the clerk sees it."""
    if isinstance(value, str):
        return value.translate(_ZERO_WIDTH)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime | datetime.date):
        return value.strftime("%d/%m/%Y")
    return str(value)


_DMY = re.compile(
    r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_YMD = re.compile(
    r"^(\d{4})[/.\-](\d{1,2})[/.\-](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_SHORT_YEAR = re.compile(r"^\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2}$")
_WORDS_DATE = re.compile(r"^ngay\s*(\d{1,2})\s*thang\s*(\d{1,2})\s*nam\s*(\d{4})$")
_SEPARATOR_SPACES = re.compile(r"\s*([/.\-])\s*")
_EXCEL_EPOCH = datetime.date(1899, 12, 30)
_SERIAL = re.compile(r"[0-9]+")


def _parse_date(value) -> tuple[datetime.date | None, str]:
    """(date, "") or (None, what is wrong)."""
    if isinstance(value, datetime.datetime):
        return value.date(), ""
    if isinstance(value, datetime.date):
        return value, ""
    shown = clean_text(_as_text(value))
    number: float | None = None
    # Digits of any script read as ASCII ones ("０５/０３/１９９０"); "²" is no digit.
    digits = ascii_digits(shown)
    if isinstance(value, float | int) and not isinstance(value, bool):
        number = float(value)
    elif _SERIAL.fullmatch(digits):
        number = float(digits)  # a serial number stored as text
    if number is not None:
        if number.is_integer() and 1900 <= number <= 2100:
            return None, _("Date of birth “%(value)s” is only a year; %(expected)s.") % {
                "value": shown,
                "expected": _expected_date(),
            }
        if 1 <= number < 2958466:  # Excel's serial day numbers (1900 date system)
            return _EXCEL_EPOCH + datetime.timedelta(days=int(number)), ""
        return None, _("Date of birth “%(value)s” is not a date; %(expected)s.") % {
            "value": shown,
            "expected": _expected_date(),
        }
    text = _SEPARATOR_SPACES.sub(r"\1", digits)
    match = _DMY.match(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
    elif match := _YMD.match(text):
        year, month, day = (int(g) for g in match.groups())
    elif match := _WORDS_DATE.match(fold(text)):
        day, month, year = (int(g) for g in match.groups())
    elif _SHORT_YEAR.match(text):
        return None, _(
            "Date of birth “%(value)s” has a 2-digit year; the year needs all 4 digits, "
            "%(expected)s."
        ) % {"value": shown, "expected": _expected_date()}
    else:
        return None, _("Date of birth “%(value)s” is not in the right form; %(expected)s.") % {
            "value": shown,
            "expected": _expected_date(),
        }
    try:
        return datetime.date(year, month, day), ""
    except ValueError:
        return None, _("Date of birth “%(value)s” does not exist; write it as dd/mm/yyyy.") % {
            "value": shown
        }


# Combining marks, removed after NFD: a faster courses.vietnamese.fold for names that
# are already clean (NFC, single spaces).
_COMBINING = dict.fromkeys(range(0x300, 0x370))


def _fast_fold(name: str) -> str:
    return (
        unicodedata.normalize("NFD", name.replace("đ", "d").replace("Đ", "D"))
        .translate(_COMBINING)
        .lower()
    )


_GENDERS = {"nam": "male", "nu": "female"}
_YES = {"co", "c", "x", "yes", "y", "1", "true", "co huong luong"}
_NO = {"khong", "k", "ko", "kh", "no", "n", "0", "false", "khong huong luong"}
# "a", "A", "a)", "(a)", "a.", "Đối tượng a", "a) Cán bộ làm công tác quản lý…"
_CATEGORY = re.compile(r"^(?:doi\s*tuong\s*)?[(\[]?([a-z])(?:[)\].:]|\s*[-–])?(?:\s+\S{2,}.*)?$")
_SCIENTIFIC = re.compile(r"^\d+(?:[.,]\d+)?[eE]\+?\d+$")


def _ethnicity_index(ethnicities: dict[str, str]) -> dict[str, str | None]:
    """Spelling key -> code; None where two groups fold to the same key (ambiguous)."""
    index: dict[str, str | None] = {}
    for name, code in ethnicities.items():
        key = _key(name)
        if key:
            index[key] = code if index.get(key, code) == code else None
    for code in set(ethnicities.values()):
        index.setdefault(code, code)  # the 2-digit code itself is accepted too
    return index


def _parse_position(raw) -> tuple[str, str]:
    text = clean_text(_as_text(raw))
    if len(text) > _MAX_LENGTH[POSITION]:
        return text, _("Position is longer than %(n)s characters.") % {"n": _MAX_LENGTH[POSITION]}
    return text, ""


def _parse_workplace(raw) -> tuple[str, str]:
    text = clean_text(_as_text(raw))
    if len(text) > _MAX_LENGTH[WORKPLACE]:
        return text, _("Workplace is longer than %(n)s characters.") % {"n": _MAX_LENGTH[WORKPLACE]}
    return text, ""


def _parse_gender(raw) -> tuple[str, str]:
    shown = clean_text(_as_text(raw))
    gender = _GENDERS.get(fold(shown))
    if gender:
        return gender, ""
    return "", _("Gender “%(value)s” is not valid; write Nam or Nữ.") % {"value": shown}


def _parse_payroll(raw) -> tuple[bool | None, str]:
    if isinstance(raw, bool):
        return raw, ""
    shown = clean_text(_as_text(raw))
    folded = fold(shown).strip(" .")
    if folded in _YES:
        return True, ""
    if folded in _NO:
        return False, ""
    return None, _("State payroll “%(value)s” is not valid; write Có or Không.") % {"value": shown}


def _excel_lost_digits(column: str, shown: str) -> str:
    return _(
        "%(column)s “%(value)s” was turned by Excel into scientific notation and lost digits; "
        "format the column as Text, type the number again and save."
    ) % {"column": column, "value": shown}


def _digits_cell(raw, column: str) -> tuple[object, str]:
    """A cell of digits (citizen ID, phone) as typed, zero-width characters dropped, and
    the problem if Excel already lost digits to scientific notation (then nothing is left
    to check)."""
    if isinstance(raw, str):
        raw = clean_text(raw.translate(_ZERO_WIDTH))
        if _SCIENTIFIC.match(raw):
            return raw, _excel_lost_digits(column, raw)
    return raw, ""


def _parse_citizen_id(raw) -> tuple[str, str]:
    raw, problem = _digits_cell(raw, CITIZEN_ID)
    if problem:
        return "", problem
    try:
        return normalise_citizen_id(raw), ""
    except ValidationError as exc:
        return "", _("Citizen ID “%(value)s”: %(problem)s") % {
            "value": clean_text(_as_text(raw)),
            "problem": exc.messages[0],
        }


def _parse_phone(raw) -> tuple[str, str]:
    raw, problem = _digits_cell(raw, PHONE)
    if problem:
        return "", problem
    try:
        return normalise_phone(raw), ""
    except ValidationError as exc:
        return "", exc.messages[0]
