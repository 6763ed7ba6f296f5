"""Validation and normalisation of personal data as it arrives from forms, spreadsheets
and the API: the one home of each rule about a person (issue 15, item 5).

Each function takes what a clerk typed (or what Excel made of it) and returns the stored
form, or raises ValidationError with a Vietnamese-translatable message that says what is
wrong in the clerk's terms. The person and nomination forms, the spreadsheet import and
the person check of the JSON API all call these, so a value one of them refuses cannot
come in through another, and the clerk reads the same words wherever they typed it:

* a name: :func:`validate_person_name`;
* an age of 16–80 on the day of the check: :func:`validate_age` (:data:`MIN_AGE`,
  :data:`MAX_AGE`);
* a CCCD of exactly 12 digits with a province code (:func:`normalise_citizen_id`), checked
  first; only then its birth year and sex against the person (:func:`citizen_id_mismatch`);
* a mobile number (:func:`normalise_phone`), stored +84…, shown "0355 410 130"
  (:func:`display_phone`, the one formatting function for screens and exports).

tests/attendees/test_one_rule.py keeps other modules from re-implementing them.
"""

from __future__ import annotations

import datetime
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

_DIGITS = re.compile(r"[^0-9]")
_ANY_DIGIT = re.compile(r"\d")  # any script's decimal digit: Arabic-Indic, full-width …


def ascii_digits(text: str) -> str:
    """Digits of any script as ASCII digits. Full-width "０９１２…" (typed with an East Asian
    input method) is the same number; stored as typed it would never match the ASCII one,
    and no list, export or check-digit rule could read it."""
    if text.isascii():
        return text  # the common case, without a call per digit (imports check 10,000s)
    return _ANY_DIGIT.sub(lambda m: str(unicodedata.decimal(m.group())), text)


# Mobile prefixes since the 2018 renumbering: 03x, 05x, 07x, 08x, 09x.
_MOBILE = re.compile(r"^0[35789][0-9]{8}$")

# The ages a person may be nominated at, counted on the day of the check (today). The
# import had this rule first; the forms and the API now share it.
MIN_AGE, MAX_AGE = 16, 80

CITIZEN_ID_LENGTH = 12
# What the database accepts (attendees.models: participant_citizen_id_12_digits).
CITIZEN_ID_PATTERN = r"^[0-9]{12}$"


def age_on(born: datetime.date, day: datetime.date) -> int:
    """Whole years from `born` to `day` (negative for a birth date after it)."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def validate_age(born: datetime.date, *, today: datetime.date | None = None) -> None:
    """16 to 80 years old on `today` (the local date by default). A birth date in the
    future or a century back is a typing slip, and says so in the same words everywhere."""
    day = today or timezone.localdate()
    age = age_on(born, day)
    if not MIN_AGE <= age <= MAX_AGE:
        raise ValidationError(
            _(
                "The date of birth %(date)s gives an age of %(age)s, outside %(min)s–%(max)s; "
                "check the year of birth."
            )
            % {"date": f"{born:%d/%m/%Y}", "age": age, "min": MIN_AGE, "max": MAX_AGE},
            code="age",
        )


# Translated when raised, not on every call: an import calls these twice a row.
_ID_NOT_WHOLE = gettext_lazy("The citizen ID must be 12 digits.")
_PHONE_NOT_WHOLE = gettext_lazy("The phone number may contain only digits.")


def _digits_as_typed(value: str | int | float, *, not_whole) -> str:
    """A number typed as digits, as text: a spreadsheet cell holding the number Excel
    made of it comes back as its digits, any digits as ASCII. A float that is not a whole
    number (912345678.5, NaN, infinity) is not a number's digits: ``not_whole`` says so."""
    if isinstance(value, float):
        if not value.is_integer():
            raise ValidationError(str(not_whole))
        value = int(value)
    return ascii_digits(str(value)).strip()


def normalise_citizen_id(value: str | int | float | None) -> str:
    """A CCCD is 12 digits, the first three a province code 001–096. Excel turns
    '001203004567' into the number 1203004567, and people type spaces or dots in it; put
    the digits back as they were. Checked before anything is read from the digits."""
    if value is None or value == "":
        return ""
    text = _digits_as_typed(value, not_whole=_ID_NOT_WHOLE)
    if re.fullmatch(r"[0-9 .\-]+", text) is None:
        raise ValidationError(_("The citizen ID may contain only digits."))
    digits = _DIGITS.sub("", text)
    if len(digits) in (10, 11) and text.isdigit() and not digits.startswith("0"):
        # Every CCCD starts with 0 (province codes 001–096), so 10 or 11 digits without
        # it are a number whose leading zeros a numeric cell dropped. With its 0 it is one
        # digit short: reading a birth year from it would invent one ("born in 2034").
        # (9 digits is an old CMND, not a CCCD.)
        digits = digits.zfill(CITIZEN_ID_LENGTH)
    if len(digits) != CITIZEN_ID_LENGTH:
        raise ValidationError(
            _("The citizen ID must be 12 digits (%(n)s given).") % {"n": len(digits)}
        )
    if not 1 <= int(digits[:3]) <= 96:
        raise ValidationError(_("The citizen ID must start with a province code from 001 to 096."))
    return digits


def citizen_id_mismatch(citizen_id: str, gender: str, date_of_birth: datetime.date | None) -> str:
    """The 4th digit encodes century and sex (0/1: 1900s male/female, 2/3: 2000s, …) and
    digits 5–6 the year of birth. Return an explanation if they contradict the person's
    gender or date of birth, or "" when they agree (or cannot be checked)."""
    if not citizen_id or len(citizen_id) != CITIZEN_ID_LENGTH or not date_of_birth:
        return ""
    code = int(citizen_id[3])
    century = 1900 + 100 * (code // 2)
    female = code % 2 == 1
    year = century + int(citizen_id[4:6])
    if year != date_of_birth.year:
        return _(
            "The citizen ID says born in %(id_year)s but the date of birth is in %(year)s."
        ) % {"id_year": year, "year": date_of_birth.year}
    if gender in {"male", "female"} and female != (gender == "female"):
        return _(
            "The citizen ID is that of a %(id_gender)s but the gender given is %(gender)s."
        ) % {
            "id_gender": _("woman") if female else _("man"),
            "gender": _("female") if gender == "female" else _("male"),
        }
    return ""


def normalise_phone(value: str | int | float | None) -> str:
    """Vietnamese mobile to E.164 (+84…). Accepts 0912 345 678, 912345678 (leading zero
    lost in Excel), +84 912 345 678, 84912345678. Old 11-digit 01xx numbers are refused."""
    if value is None or value == "":
        return ""
    text = _digits_as_typed(value, not_whole=_PHONE_NOT_WHOLE)
    if re.fullmatch(r"\+?[0-9 .\-()]+", text) is None:
        raise ValidationError(_("The phone number may contain only digits."))
    digits = _DIGITS.sub("", text)
    if digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    elif len(digits) == 9:
        digits = "0" + digits
    if len(digits) == 11 and digits.startswith("01"):
        raise ValidationError(
            _("%(number)s is an old 11-digit number; since 2018 mobile numbers have 10 digits.")
            % {"number": text}
        )
    if not _MOBILE.match(digits):
        raise ValidationError(
            _(
                "%(number)s is not a Vietnamese mobile number (10 digits, starting 03, 05, 07, 08 or 09)."
            )
            % {"number": text}
        )
    return "+84" + digits[1:]


def display_phone(e164: str | None) -> str:
    """+84355410130 → 0355 410 130, the national format people write and dial: the one
    formatting of a stored number for every page, form and export."""
    if not e164 or not e164.startswith("+84"):
        return e164 or ""
    local = "0" + e164[3:]
    return f"{local[:4]} {local[4:7]} {local[7:]}"


def mask(value: str, keep_start: int = 3, keep_end: int = 2) -> str:
    """Masked form for people who may not see the whole value: 001203004567 → 001*******67."""
    if not value:
        return ""
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]


# A name needs letters. A formula (=HYPERLINK(…)), markup (<script>), an e-mail address or
# a date in the name column means the columns were shifted or someone is trying their
# luck. (Digits alone are tolerated: some lists number namesakes.)
_NOT_A_NAME = re.compile(r"[_@#$%&*+=<>/\\|{}\[\]]")
_LETTER = re.compile(r"[^\W\d_]")


def validate_person_name(name: str) -> None:
    """A name already cleaned by `courses.vietnamese.clean_person_name`. One rule and one
    message for the spreadsheet import and the person and nomination forms, so a name the
    import refuses cannot come in through a form instead."""
    if _LETTER.search(name) is None or _NOT_A_NAME.search(name) is not None:
        raise ValidationError(
            _(
                "Full name “%(name)s” is not a person's name; write the family and given "
                "names, e.g. Lò Thị Mai."
            )
            % {"name": name},
            code="not_a_name",
        )
