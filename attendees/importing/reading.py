"""Reading a nominations file into a table of cells and finding its header: the format
decided by content (clerks rename files), pandas for every format (workbooks with its
calamine engine, CSV in the encodings and delimiters Vietnamese Excel saves), every bound
of courses.uploads checked before pandas reads, and the header row found among the
first rows, merged over two rows or spelled without diacritics."""

from __future__ import annotations

import csv
import datetime
import io
import re
import unicodedata
import zipfile
from collections.abc import Sequence

import python_calamine
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from attendees.importing.cells import _blank, _key
from attendees.importing.columns import _HEADER_ALIASES, COLUMNS, HEADER_SEARCH_ROWS
from courses import uploads


# Every message below goes through gettext: Vietnamese by default, English in the English
# interface. The column names (NAME, CITIZEN_ID, …) stay as the file's header writes them.
def _not_a_spreadsheet(filename: str, what: str = "") -> str:
    return _(
        "The file “%(filename)s” is not an Excel/ODS/CSV spreadsheet%(what)s. Upload a "
        ".xlsx, .xls, .ods or .csv file made from the template."
    ) % {"filename": filename, "what": what}


def _file_problem(filename: str, problem) -> str:
    return _("The file “%(filename)s”: %(problem)s") % {"filename": filename, "problem": problem}


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
    """The cells of the first visible sheet, row 0 being sheet row 1, read by pandas with
    the calamine engine: no header inferred, every cell as the object the file holds
    (text, numbers, dates; an empty cell ""). pandas gives whole numbers as int where
    calamine gives 1.0 (the cells module reads both alike) and a date as a datetime at
    midnight, which `_dates_back` turns back into the date it was."""
    import pandas  # here, not at load: the web process only hands the file to a child

    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        metadata = workbook.sheets_metadata
        index = next(
            (
                i
                for i, sheet in enumerate(metadata)
                if sheet.visible == python_calamine.SheetVisibleEnum.Visible
                and sheet.typ == python_calamine.SheetTypeEnum.WorkSheet
            ),
            0,
        )
        # courses.uploads.inspect_spreadsheet bounded the sheet's span before this; the
        # Python copy pandas makes is bounded again by the rows read (one past the limit).
        frame = pandas.read_excel(
            workbook,
            engine="calamine",
            sheet_name=metadata[index].name,
            header=None,
            dtype=object,
            na_filter=False,
            nrows=uploads.MAX_SHEET_ROWS + 1,
        )
        height, width = frame.shape
        if height > uploads.MAX_SHEET_ROWS or width > uploads.MAX_SHEET_COLUMNS:
            sheet = workbook.get_sheet_by_index(index)  # its real span, for the message
            uploads.check_sheet_size(sheet.total_height, sheet.total_width)
            uploads.check_sheet_size(height, width)
        return _dates_back(frame.to_numpy(), pandas).tolist()
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
    except Exception as exc:  # calamine and pandas raise several types for damaged files
        raise _FileError(
            _(
                "The file “%(filename)s” cannot be read: it is damaged, protected by a password "
                "or not an Excel/ODS spreadsheet. Open it in Excel, save it as .xlsx and upload "
                "it again."
            )
            % {"filename": filename}
        ) from exc


# Columns that hold no datetime at all, as pandas infers them (a scan in C, per column).
_NO_DATETIMES = {"empty", "string", "integer", "floating", "mixed-integer-float", "boolean"}
_MIDNIGHT = datetime.time()


def _dates_back(cells, pandas):
    """Calamine gives a cell a date when its time is midnight, a datetime otherwise;
    pandas makes every date a datetime. The difference shows: a date in the CCCD column
    reads "1990-03-05", a datetime "1990-03-05 00:00:00", and the clerk is told different
    things. Only columns that hold datetimes are looked at cell by cell."""
    for column in range(cells.shape[1]):
        values = cells[:, column]
        if pandas.api.types.infer_dtype(values, skipna=False) in _NO_DATETIMES:
            continue
        for row, value in enumerate(values):
            if isinstance(value, datetime.datetime) and value.time() == _MIDNIGHT:
                values[row] = datetime.date(value.year, value.month, value.day)
    return cells


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


def _sniff_delimiter(text: str) -> str:
    """The delimiter (comma, semicolon — Excel's choice in a Vietnamese locale — or tab)
    under which the header is found: pandas' own sniffing (sep=None) looks at the first
    line only, which is often a title."""
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
    return best_delimiter


def _check_csv(text: str, filename: str, delimiter: str) -> tuple[list[int], int]:
    """The bounds of a sheet checked row by row before pandas reads the text (rows,
    columns, text in a cell), and what pandas does not say: the line each row starts on
    (a quoted cell may span lines) and the widest row's width."""
    lines, width = [], 0
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    previous_end = 0
    try:
        for row in reader:
            lines.append(previous_end + 1)
            if row and max(map(len, row)) > uploads.MAX_CELL_CHARS:
                raise _FileError(_csv_long_cell(filename, previous_end + 1))
            uploads.check_sheet_size(len(lines), len(row))
            width = max(width, len(row))
            previous_end = reader.line_num
    except uploads.UploadRefused as exc:
        raise _FileError(_file_problem(filename, exc)) from exc
    except csv.Error as exc:
        if "field limit" in str(exc):
            raise _FileError(_csv_long_cell(filename, reader.line_num)) from exc
        raise _csv_broken(filename, reader.line_num, exc) from exc
    return lines, width


def _csv_broken(filename: str, line: int, error) -> _FileError:
    return _FileError(
        _(
            "The CSV file “%(filename)s” is broken at line %(line)s: %(error)s. Open it in "
            "Excel, save it again and upload it."
        )
        % {"filename": filename, "line": line, "error": error}
    )


def _read_csv(data: bytes, filename: str) -> tuple[list[list], list[int]]:
    """Rows of a CSV file and the line each row starts on, read by pandas as text: no
    header inferred, no value turned into a number or NaN (leading zeros stay), blank
    lines kept as rows so that row numbers stay the clerk's line numbers. Short rows
    come padded with "" to the widest row."""
    import pandas

    text = _decode_text(data, filename)
    delimiter = _sniff_delimiter(text)
    lines, width = _check_csv(text, filename, delimiter)
    if not lines:
        return [], []

    def read(text: str):
        return pandas.read_csv(
            io.StringIO(text, newline=""),
            sep=delimiter,
            header=None,
            names=range(max(width, 1)),
            index_col=False,
            dtype=object,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            quotechar='"',
            doublequote=True,
            nrows=len(lines),
            engine="c",
        )

    try:
        try:
            frame = read(text)
        except pandas.errors.ParserError as exc:
            if "EOF inside string" not in str(exc):
                raise
            # A quote left open runs to the end of the file, as the csv module reads it.
            frame = read(text + '"')
    except pandas.errors.ParserError as exc:
        raise _csv_broken(filename, lines[-1], exc) from exc
    rows = frame.to_numpy().tolist()
    if len(rows) != len(lines):
        raise _FileError(_not_a_spreadsheet(filename))  # the two readers disagree
    return rows, lines


# --- The header -------------------------------------------------------------------------

_PARENTHESES = re.compile(r"\(.*?\)|\[.*?\]")


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
