"""Reading the nominations spreadsheet that district offices send: parse and check, no
database writes.

Real files are messy: a title above the header, headers merged over two rows or typed
without diacritics, IDs that Excel turned into numbers, dates as text, serial numbers or
real dates, CSV saved in Windows-1258 with decomposed tone marks. Everything is read into
plain values first and every problem is reported with the row number the clerk sees in
their spreadsheet program and the column header, in Vietnamese, so they can fix the file
in one pass. The caller imports only when there are no errors.

Spreadsheets are read with python-calamine directly (the fastest reader available to us:
no DataFrame, one pass over plain lists).
"""

from __future__ import annotations

import csv
import datetime
import io
import operator
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass

import python_calamine
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from attendees.validators import (
    ascii_digits,
    citizen_id_mismatch,
    normalise_citizen_id,
    normalise_phone,
    validate_age,
    validate_person_name,
)
from courses import uploads
from courses.vietnamese import clean_person_name, clean_text, fold

STT = "STT"
NAME = "Họ và tên"
DOB = "Ngày sinh"
GENDER = "Giới tính"
ETHNICITY = "Dân tộc"
CITIZEN_ID = "Số CCCD"
PHONE = "Số điện thoại"
POSITION = "Chức vụ"
WORKPLACE = "Cơ quan/Đơn vị công tác"
CATEGORY = "Đối tượng"
PAYROLL = "Hưởng lương NSNN"

COLUMNS = [
    STT,
    NAME,
    DOB,
    GENDER,
    ETHNICITY,
    CITIZEN_ID,
    PHONE,
    POSITION,
    WORKPLACE,
    CATEGORY,
    PAYROLL,
]
REQUIRED = [NAME, DOB, GENDER, CATEGORY, PAYROLL]

# Other headers met in district files for the same columns.
_HEADER_ALIASES = {
    STT: ["Số thứ tự", "TT"],
    NAME: ["Họ tên", "Họ và tên cán bộ", "Họ và tên người được cử"],
    DOB: ["Ngày tháng năm sinh", "Ngày, tháng, năm sinh"],
    GENDER: ["Nam/Nữ", "Giới"],
    CITIZEN_ID: [
        "CCCD",
        "Số căn cước",
        "Số căn cước công dân",
        "Căn cước công dân",
        "Số định danh cá nhân",
        "Số CCCD/CMND",
    ],
    PHONE: ["Điện thoại", "SĐT", "Số ĐT", "Điện thoại di động", "Số điện thoại di động"],
    POSITION: ["Chức danh", "Chức vụ/Chức danh", "Chức vụ, chức danh"],
    WORKPLACE: [
        "Cơ quan, đơn vị công tác",
        "Cơ quan đơn vị công tác",
        "Đơn vị công tác",
        "Cơ quan công tác",
        "Nơi công tác",
        "Cơ quan/Đơn vị",
        "Đơn vị",
    ],
    CATEGORY: ["Đối tượng bồi dưỡng", "Đối tượng tham gia"],
    PAYROLL: [
        "Hưởng lương ngân sách nhà nước",
        "Hưởng lương từ NSNN",
        "Hưởng lương từ ngân sách nhà nước",
        "Hưởng lương ngân sách",
    ],
}

HEADER_SEARCH_ROWS = 20
# Field lengths of attendees.Participant, checked here so that a long cell is a row
# error rather than a database error at import.
_MAX_LENGTH = {NAME: 150, POSITION: 150, WORKPLACE: 255}

_EXAMPLE_DATE = "05/03/1990"


# Every message below goes through gettext: Vietnamese by default, English in the English
# interface. The column names (NAME, CITIZEN_ID, …) stay as the file's header writes them.
def _not_a_spreadsheet(filename: str, what: str = "") -> str:
    return _(
        "The file “%(filename)s” is not an Excel/ODS/CSV spreadsheet%(what)s. Upload a "
        ".xlsx, .xls, .ods or .csv file made from the template."
    ) % {"filename": filename, "what": what}


def _file_problem(filename: str, problem) -> str:
    return _("The file “%(filename)s”: %(problem)s") % {"filename": filename, "problem": problem}


def _expected_date() -> str:
    return _("write it as dd/mm/yyyy, e.g. %(example)s") % {"example": _EXAMPLE_DATE}


@dataclass(slots=True)
class ImportRow:
    row_number: int
    full_name: str
    gender: str
    date_of_birth: datetime.date
    ethnicity_code: str
    citizen_id: str
    phone: str
    position: str
    workplace: str
    category_code: str
    on_state_payroll: bool


@dataclass(slots=True)
class RowError:
    row_number: int | None
    column: str
    message: str


@dataclass
class ParseResult:
    rows: list[ImportRow]
    errors: list[RowError]

    @property
    def ok(self) -> bool:
        return not self.errors


class _FileError(Exception):
    """A problem with the file as a whole; its message is shown to the clerk."""


# --- Reading the file -------------------------------------------------------------------

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SIGNATURES = [
    (b"%PDF", gettext_lazy(" (it is a PDF file)")),
    (b"MZ", gettext_lazy(" (it is a program, .exe)")),
    (b"\x7fELF", gettext_lazy(" (it is a program)")),
    (b"\x89PNG", gettext_lazy(" (it is a picture)")),
    (b"\xff\xd8\xff", gettext_lazy(" (it is a picture)")),
    (b"GIF8", gettext_lazy(" (it is a picture)")),
    (b"Rar!", gettext_lazy(" (it is a RAR archive)")),
    (b"7z\xbc\xaf", gettext_lazy(" (it is a 7z archive)")),
    (b"\x1f\x8b", gettext_lazy(" (it is a gzip archive)")),
    (b"{\\rtf", gettext_lazy(" (it is an RTF document)")),
]
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")


def _sniff_format(data: bytes, filename: str) -> str:
    """'xlsx', 'xls', 'ods' or 'csv', decided by the content: clerks rename files."""
    if not data.strip():
        raise _FileError(_not_a_spreadsheet(filename, _(" (the file is empty)")))
    if data.startswith(_OLE2):
        return "xls"  # or a password-protected .xlsx; calamine tells us when reading
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        try:
            with uploads.open_zip(io.BytesIO(data), uploads.SPREADSHEET_ZIP) as archive:
                names = set(archive.namelist())
                # The marker only: a "mimetype" entry may inflate to gigabytes.
                mimetype = uploads.read_marker(archive, "mimetype", 128)
        except uploads.UploadRefused as exc:
            raise _FileError(_file_problem(filename, exc)) from exc
        except (zipfile.BadZipFile, OSError, KeyError, ValueError, EOFError) as exc:
            raise _FileError(_not_a_spreadsheet(filename, _(" (a damaged archive)"))) from exc
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "xl/workbook.bin" in names:
            # Binary sheets cannot be checked for size before reading: not accepted.
            raise _FileError(
                _(
                    "The file “%(filename)s” is a binary Excel workbook (.xlsb). Open it in "
                    "Excel, choose Save As, Excel Workbook (.xlsx), and upload that file."
                )
                % {"filename": filename}
            )
        if mimetype.startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
            return "ods"
        what = _(" (it is a ZIP archive)")
        if "word/document.xml" in names or b"opendocument.text" in mimetype:
            what = _(" (it is a Word document)")
        elif "ppt/presentation.xml" in names:
            what = _(" (it is a presentation)")
        raise _FileError(_not_a_spreadsheet(filename, what))
    for signature, what in _SIGNATURES:
        if data.startswith(signature):
            raise _FileError(_not_a_spreadsheet(filename, str(what)))
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html", b"<table", b"<meta")) or (
        head.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in head
    ):
        raise _FileError(
            _(
                "The file “%(filename)s” is a web page or XML named like an Excel file, not a "
                "real spreadsheet. Open it in Excel, choose Save As, Excel Workbook (.xlsx), "
                "and upload that file."
            )
            % {"filename": filename}
        )
    return "csv"


def _read_workbook(data: bytes, filename: str) -> list[list]:
    """The cells of the first visible sheet, row 0 being sheet row 1."""
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        index = next(
            (
                i
                for i, sheet in enumerate(workbook.sheets_metadata)
                if sheet.visible == python_calamine.SheetVisibleEnum.Visible
                and sheet.typ == python_calamine.SheetTypeEnum.WorkSheet
            ),
            0,
        )
        sheet = workbook.get_sheet_by_index(index)
        # The grid is built; its Python copy would be far larger: check its span first.
        uploads.check_sheet_size(sheet.total_height, sheet.total_width)
        return sheet.to_python(skip_empty_area=False)
    except uploads.UploadRefused as exc:
        raise _FileError(_file_problem(filename, exc)) from exc
    except python_calamine.PasswordError as exc:
        raise _FileError(
            _(
                "The file “%(filename)s” is protected by a password. Open it in Excel, remove "
                "the password, save it and upload it again."
            )
            % {"filename": filename}
        ) from exc
    except Exception as exc:  # calamine raises several types for damaged files
        raise _FileError(
            _(
                "The file “%(filename)s” cannot be read: it is damaged, protected by a password "
                "or not an Excel/ODS spreadsheet. Open it in Excel, save it as .xlsx and upload "
                "it again."
            )
            % {"filename": filename}
        ) from exc


def _decode_text(data: bytes, filename: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text"
        encodings = ["utf-16"]
    else:
        encodings = ["utf-8-sig", "cp1258"]
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _CONTROL.search(text, 0, 65536):
            break  # binary content that happens to decode
        # Windows-1258 has no precomposed toned vowels: "ễ" arrives as "ê" + U+0303.
        return unicodedata.normalize("NFC", text)
    raise _FileError(_not_a_spreadsheet(filename))


def _csv_long_cell(filename: str, line: int) -> str:
    return _(
        "The CSV file “%(filename)s”, line %(line)s: a cell is longer than %(n)s characters."
    ) % {
        "filename": filename,
        "line": line,
        "n": uploads.number(uploads.MAX_CELL_CHARS),
    }


def _read_csv(data: bytes, filename: str) -> tuple[list[list], list[int]]:
    """Rows of a CSV file and the line each row starts on. The delimiter (comma,
    semicolon — Excel's choice in a Vietnamese locale — or tab) is the one under which
    the header is found."""
    text = _decode_text(data, filename)
    head = "\n".join(text.split("\n", HEADER_SEARCH_ROWS + 2)[: HEADER_SEARCH_ROWS + 2])
    best_delimiter, best_score = ",", (-1, -1)
    for delimiter in (",", ";", "\t"):
        # Read as the whole file is read below (newline=""): a lone "\r" (an old Mac line
        # end) is a line break, not an error. A sample broken under this delimiter (an
        # unclosed quote cut off by the head) just does not score.
        try:
            sample = list(csv.reader(io.StringIO(head, newline=""), delimiter=delimiter))
        except csv.Error:
            continue
        found = _find_header(sample)
        score = (found[0] if found else 0, max((len(r) for r in sample), default=0))
        if score > best_score:
            best_delimiter, best_score = delimiter, score
    rows, lines = [], []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=best_delimiter)
    previous_end = 0
    try:
        for row in reader:
            rows.append(row)
            lines.append(previous_end + 1)
            # The same bounds as a sheet's: rows, columns, text in a cell.
            if row and max(map(len, row)) > uploads.MAX_CELL_CHARS:
                raise _FileError(_csv_long_cell(filename, previous_end + 1))
            uploads.check_sheet_size(len(rows), len(row))
            previous_end = reader.line_num
    except uploads.UploadRefused as exc:
        raise _FileError(_file_problem(filename, exc)) from exc
    except csv.Error as exc:
        if "field limit" in str(exc):
            raise _FileError(_csv_long_cell(filename, reader.line_num)) from exc
        raise _FileError(
            _(
                "The CSV file “%(filename)s” is broken at line %(line)s: %(error)s. Open it in "
                "Excel, save it again and upload it."
            )
            % {"filename": filename, "line": reader.line_num, "error": exc}
        ) from exc
    return rows, lines


# --- The header -------------------------------------------------------------------------

_PARENTHESES = re.compile(r"\(.*?\)|\[.*?\]")
_NOT_ALNUM = re.compile(r"[^0-9a-z]")
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))


def _key(value: str) -> str:
    """Spelling-insensitive form: 'Khơ-mú', "KHO MU" -> 'khomu'."""
    return _NOT_ALNUM.sub("", fold(value.translate(_ZERO_WIDTH)))


def _header_key(value) -> str:
    if not isinstance(value, str) or not value:
        return ""
    # "Ngày sinh (dd/mm/yyyy)", "Đối tượng (a, b, c, d)": the hint is not the name.
    return _key(_PARENTHESES.sub("", value))


_HEADERS = {_key(name): name for name in COLUMNS}
_HEADERS.update(
    {_key(alias): name for name, aliases in _HEADER_ALIASES.items() for alias in aliases}
)


def _match_row(row: Sequence) -> dict[int, str]:
    matched = {}
    for index, value in enumerate(row):
        name = _HEADERS.get(_header_key(value))
        if name:
            matched[index] = name
    return matched


def _find_header(rows: Sequence[Sequence]) -> tuple[int, int, int, dict[int, str]] | None:
    """(score, first row, last row, column index -> header) of the header among the
    first rows: the row matching the most known headers, or two adjacent rows together
    when the header is merged over two rows (a group title above some columns, "STT"
    merged vertically) and the pair matches more than either row alone."""
    limit = min(len(rows), HEADER_SEARCH_ROWS)
    singles = [_match_row(row) for row in rows[: limit + 1]]

    def score(matched: dict[int, str]) -> int:
        return len(set(matched.values()))

    best: tuple[int, int, int, dict[int, str]] | None = None
    for r in range(limit):
        candidates = [(r, r, singles[r])]
        if r + 1 < len(singles):
            # The lower row is the more specific one where both have a header.
            pair = {**singles[r], **singles[r + 1]}
            if score(pair) > max(score(singles[r]), score(singles[r + 1])):
                candidates.append((r, r + 1, pair))
        for first, last, matched in candidates:
            if score(matched) and (best is None or score(matched) > best[0]):
                best = (score(matched), first, last, matched)
    return best


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


_COLUMN_NUMBER = re.compile(r"^[(\[]?\s*\d{1,2}\s*[)\]]?$")


def _is_column_numbering(row: Sequence) -> bool:
    """The '(1) (2) (3) …' row official forms put under the header."""
    filled = [v for v in row if not _blank(v)]
    return len(filled) >= 3 and all(
        (isinstance(v, str) and _COLUMN_NUMBER.match(v.strip()))
        or (isinstance(v, float | int) and not isinstance(v, bool) and float(v).is_integer())
        for v in filled
    )


# --- Cell values ------------------------------------------------------------------------


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


def _parse_citizen_id(raw) -> tuple[str, str]:
    if isinstance(raw, str):
        raw = clean_text(raw.translate(_ZERO_WIDTH))
        if _SCIENTIFIC.match(raw):
            return "", _excel_lost_digits(CITIZEN_ID, raw)
    try:
        return normalise_citizen_id(raw), ""
    except ValidationError as exc:
        return "", _("Citizen ID “%(value)s”: %(problem)s") % {
            "value": clean_text(_as_text(raw)),
            "problem": exc.messages[0],
        }


def _parse_phone(raw) -> tuple[str, str]:
    if isinstance(raw, str):
        raw = clean_text(raw.translate(_ZERO_WIDTH))
        if _SCIENTIFIC.match(raw):
            return "", _excel_lost_digits(PHONE, raw)
    try:
        return normalise_phone(raw), ""
    except ValidationError as exc:
        return "", exc.messages[0]


# --- Parsing ----------------------------------------------------------------------------


def parse_nomination_file(
    data: bytes,
    filename: str,
    *,
    ethnicities: dict[str, str],
    categories: set[str],
    max_rows: int = 20000,
    today: datetime.date | None = None,
) -> ParseResult:
    """Parse a nominations spreadsheet (.xlsx, .xls, .ods or .csv). `rows` holds the valid
    rows; `errors` every problem found, file-level ones with row_number None.

    This reads in the calling process; uploads go through `parse_nomination_file_bounded`."""
    try:
        # What the file would unpack to, before any reader library opens it.
        try:
            uploads.inspect_spreadsheet(data)
        except uploads.UploadRefused as exc:
            raise _FileError(_file_problem(filename, exc)) from exc
        file_format = _sniff_format(data, filename)
        if file_format == "csv":
            table, line_numbers = _read_csv(data, filename)
        else:
            table, line_numbers = _read_workbook(data, filename), None
    except _FileError as exc:
        return ParseResult([], [RowError(None, "", str(exc))])

    found = _find_header(table)
    if found is None or found[0] < 2:
        return ParseResult(
            [],
            [
                RowError(
                    None,
                    "",
                    _(
                        "No header row in the first %(n)s rows of the first sheet. The header "
                        "row must have the columns: %(columns)s (download the template to see it)."
                    )
                    % {"n": HEADER_SEARCH_ROWS, "columns": ", ".join(COLUMNS)},
                )
            ],
        )
    _score, first, last, matched = found

    def sheet_row(index: int) -> int:
        return line_numbers[index] if line_numbers is not None else index + 1

    header_rows = (
        _("row %(first)s") % {"first": sheet_row(first)}
        if last == first
        else _("rows %(first)s–%(last)s") % {"first": sheet_row(first), "last": sheet_row(last)}
    )
    errors: list[RowError] = []
    columns: dict[str, int] = {}
    for index, name in sorted(matched.items()):
        if name in columns:
            errors.append(
                RowError(
                    None,
                    "",
                    _(
                        "Column “%(name)s” appears twice in the header row (%(rows)s, columns "
                        "%(a)s and %(b)s); keep only one."
                    )
                    % {
                        "name": name,
                        "rows": header_rows,
                        "a": _column_letter(columns[name]),
                        "b": _column_letter(index),
                    },
                )
            )
        else:
            columns[name] = index
    for name in REQUIRED:
        if name not in columns:
            errors.append(
                RowError(
                    None,
                    "",
                    _(
                        "No column “%(name)s” in the header row (%(rows)s). Required columns: %(required)s."
                    )
                    % {"name": name, "rows": header_rows, "required": ", ".join(REQUIRED)},
                )
            )
    if errors:
        return ParseResult([], errors)

    start = last + 1
    if start < len(table) and _is_column_numbering(table[start]):
        start += 1
    parser = _RowParser(
        columns,
        ethnicities=_ethnicity_index(ethnicities),
        categories={c.lower() for c in categories},
        today=today or timezone.localdate(),
    )
    count = 0
    for index in range(start, len(table)):
        values = parser.values(table[index])
        if values is None:
            continue
        count += 1
        if count > max_rows:
            return ParseResult(
                [],
                [
                    RowError(
                        None,
                        "",
                        _(
                            "The file has more than %(n)s data rows; split it into smaller "
                            "files and upload them one by one."
                        )
                        % {"n": max_rows},
                    )
                ],
            )
        parser.parse(sheet_row(index), values)
    return ParseResult(parser.rows, parser.errors)


_FIELDS = [NAME, DOB, GENDER, ETHNICITY, CITIZEN_ID, PHONE, POSITION, WORKPLACE, CATEGORY, PAYROLL]


class _Memo(dict):
    """Cell value -> its interpretation, computed once per distinct value: genders,
    categories, ethnic groups and units repeat on every row."""

    def __init__(self, interpret):
        super().__init__()
        self.interpret = interpret

    def __missing__(self, raw):
        result = self[raw] = self.interpret(raw)
        return result


class _RowParser:
    """Turns one row's cells into an ImportRow or RowErrors, and remembers earlier rows
    to find duplicates."""

    def __init__(self, columns, *, ethnicities, categories, today):
        self.indices = [columns.get(name) for name in _FIELDS]
        self.ethnicities = ethnicities
        self.categories = categories
        self.category_list = ", ".join(sorted(categories))
        self.today = today
        self.rows: list[ImportRow] = []
        self.errors: list[RowError] = []
        self.seen_ids: dict[str, int] = {}
        self.seen_people: dict[tuple[str, datetime.date], int] = {}
        self.genders = _Memo(_parse_gender)
        self.ethnic_groups = _Memo(self._parse_ethnicity)
        self.positions = _Memo(_parse_position)
        self.workplaces = _Memo(_parse_workplace)
        self.category_codes = _Memo(self._parse_category)
        self.payrolls = _Memo(_parse_payroll)

    def values(self, row: Sequence) -> list | None:
        """The cells of the known columns (STT aside), whitespace-only cells as "", or
        None for a blank row."""
        width = len(row)
        values = [row[i] if i is not None and i < width else "" for i in self.indices]
        filled = False
        for k, value in enumerate(values):
            if value == "" or value is None or (value.__class__ is str and value.isspace()):
                values[k] = ""
            else:
                filled = True
        return values if filled else None

    def parse(self, row_number: int, values: list) -> None:
        (
            raw_name,
            raw_dob,
            raw_gender,
            raw_ethnicity,
            raw_id,
            raw_phone,
            raw_position,
            raw_workplace,
            raw_category,
            raw_payroll,
        ) = values
        errors: list[RowError] = []

        def error(column: str, message: str) -> None:
            errors.append(RowError(row_number, column, message))

        name = ""
        if raw_name == "":
            error(NAME, _("The full name is missing."))
        else:
            name = clean_person_name(_as_text(raw_name))
            try:
                validate_person_name(name)
            except ValidationError as exc:
                error(NAME, exc.messages[0])
            else:
                if len(name) > _MAX_LENGTH[NAME]:
                    error(
                        NAME,
                        _("The full name is longer than %(n)s characters.")
                        % {"n": _MAX_LENGTH[NAME]},
                    )

        born = None
        if raw_dob == "":
            error(
                DOB,
                _("The date of birth is missing; %(expected)s.") % {"expected": _expected_date()},
            )
        else:
            if raw_dob.__class__ is datetime.date:
                born = raw_dob
            else:
                born, problem = _parse_date(raw_dob)
                if problem:
                    error(DOB, problem)
            if born is not None:
                try:
                    validate_age(born, today=self.today)  # the forms' and the API's rule too
                except ValidationError as exc:
                    error(DOB, exc.messages[0])
                    born = None

        gender = ""
        if raw_gender == "":
            error(GENDER, _("The gender is missing; write Nam or Nữ."))
        else:
            gender, problem = self.genders[raw_gender]
            if problem:
                error(GENDER, problem)

        ethnicity = ""
        if raw_ethnicity != "":
            ethnicity, problem = self.ethnic_groups[raw_ethnicity]
            if problem:
                error(ETHNICITY, problem)

        citizen_id = ""
        if raw_id != "":
            citizen_id, problem = _parse_citizen_id(raw_id)
            if not problem and born is not None and gender:
                problem = citizen_id_mismatch(citizen_id, gender, born)
            if problem:
                error(CITIZEN_ID, problem)
            else:
                # Duplicates inside the file: the later row is the one to fix or delete.
                earlier = self.seen_ids.setdefault(citizen_id, row_number)
                if earlier != row_number:
                    error(
                        CITIZEN_ID,
                        _("Citizen ID %(id)s is the same as on row %(row)s.")
                        % {"id": citizen_id, "row": earlier},
                    )

        phone = ""
        if raw_phone != "":
            phone, problem = _parse_phone(raw_phone)
            if problem:
                error(PHONE, problem)

        position = workplace = ""
        if raw_position != "":
            position, problem = self.positions[raw_position]
            if problem:
                error(POSITION, problem)
        if raw_workplace != "":
            workplace, problem = self.workplaces[raw_workplace]
            if problem:
                error(WORKPLACE, problem)

        category = ""
        if raw_category == "":
            error(
                CATEGORY,
                _("The category is missing; write one of %(list)s.") % {"list": self.category_list},
            )
        else:
            category, problem = self.category_codes[raw_category]
            if problem:
                error(CATEGORY, problem)

        payroll = False
        if raw_payroll == "":
            error(PAYROLL, _("State payroll is missing; write Có or Không."))
        else:
            payroll, problem = self.payrolls[raw_payroll]
            if problem:
                error(PAYROLL, problem)

        if name and born is not None:
            earlier = self.seen_people.setdefault((_fast_fold(name), born), row_number)
            if earlier != row_number:
                error(
                    NAME,
                    _(
                        "%(name)s, born %(date)s, is the same as row %(row)s; write each person "
                        "on one row only."
                    )
                    % {"name": name, "date": f"{born:%d/%m/%Y}", "row": earlier},
                )

        if name == _EXAMPLE[1] and born == _EXAMPLE[2] and citizen_id == _EXAMPLE[5]:
            error(
                NAME, _("This is the template's example row; delete it and upload the file again.")
            )

        if errors:
            self.errors.extend(errors)
            return
        self.rows.append(
            ImportRow(
                row_number,
                name,
                gender,
                born,
                ethnicity,
                citizen_id,
                phone,
                position,
                workplace,
                category,
                payroll,
            )
        )

    def _parse_ethnicity(self, raw) -> tuple[str, str]:
        shown = clean_text(_as_text(raw))
        key = _key(shown)
        code = self.ethnicities.get(key.zfill(2) if key.isdigit() else key)
        if code:
            return code, ""
        return "", _(
            "Ethnic group “%(value)s” is not among the 54 ethnic groups; write the group's "
            "name, e.g. Thái, Mông, Dao, Hà Nhì, or leave it empty."
        ) % {"value": shown}

    def _parse_category(self, raw) -> tuple[str, str]:
        shown = clean_text(_as_text(raw))
        match = _CATEGORY.match(fold(shown))
        if match and match.group(1) in self.categories:
            return match.group(1), ""
        return "", _("Category “%(value)s” is not valid; write one of %(list)s.") % {
            "value": shown,
            "list": self.category_list,
        }


# The template's example row (attendees/template.py writes it; the parser refuses it).
_EXAMPLE = [
    1,
    "Nguyễn Văn Mẫu",  # "Mẫu" = sample: unmistakably the template's example person
    datetime.date(1990, 3, 5),
    "Nam",
    "Thái",
    "012090001234",
    "0912345678",
    "Chuyên viên",
    "UBND huyện Mường Tè",
    "a",
    "Có",
]


def parse_nomination_file_bounded(
    data: bytes,
    filename: str,
    *,
    ethnicities: dict[str, str],
    categories: set[str],
    today: datetime.date | None = None,
) -> ParseResult:
    """`parse_nomination_file` in a child process with bounded memory and time
    (courses.uploads.run_bounded): whatever a file makes the reader do, the caller gets a
    result or a refusal, and the web worker or command survives."""
    try:
        rows, errors = uploads.run_bounded(
            _parse_packed,
            data,
            filename,
            ethnicities=ethnicities,
            categories=categories,
            today=today or timezone.localdate(),
        )
    except uploads.UploadRefused as exc:
        return ParseResult([], [RowError(None, "", _file_problem(filename, exc))])
    return ParseResult([ImportRow(*row) for row in rows], [RowError(*e) for e in errors])


_ROW_VALUES = operator.attrgetter(*ImportRow.__slots__)


def _parse_packed(data: bytes, filename: str, **kwargs) -> tuple[list[tuple], list[tuple]]:
    """The result as plain tuples: they cross the pipe from the child in a fraction of
    the time slotted dataclasses take to pickle. (run_bounded gives the child the caller's
    language, so the messages are in it.)"""
    result = parse_nomination_file(data, filename, **kwargs)
    return (
        [_ROW_VALUES(row) for row in result.rows],
        [(e.row_number, e.column, e.message) for e in result.errors],
    )
