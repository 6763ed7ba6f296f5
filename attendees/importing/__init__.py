"""Reading the nominations spreadsheet that district offices send: parse and check, no
database writes.

Real files are messy: a title above the header, headers merged over two rows or typed
without diacritics, IDs that Excel turned into numbers, dates as text, serial numbers or
real dates, CSV saved in Windows-1258 with decomposed tone marks. Everything is read into
plain values first and every problem is reported with the row number the clerk sees in
their spreadsheet program and the column header, in Vietnamese, so they can fix the file
in one pass. The caller imports only when there are no errors.

Every format is read through pandas (`read_excel` with the calamine engine, `read_csv`),
without header inference or type guessing, and handed on as plain lists of cells: the
header search and the cell readers see what the file holds.

The package is split by subject: `columns` (the template's vocabulary), `reading` (the
file to a table of cells, and its header), `cells` (one cell to a value) and `rows` (one
row to an ImportRow or errors); the entry points are here.
"""

from __future__ import annotations

import datetime
import operator

from django.utils import timezone
from django.utils.translation import gettext as _

from attendees.importing.cells import _ethnicity_index
from attendees.importing.columns import (
    CATEGORY,
    CITIZEN_ID,
    COLUMNS,
    DOB,
    ETHNICITY,
    GENDER,
    HEADER_SEARCH_ROWS,
    NAME,
    PAYROLL,
    PHONE,
    POSITION,
    REQUIRED,
    STT,
    WORKPLACE,
    ImportRow,
    ParseResult,
    RowError,
)
from attendees.importing.reading import (
    _column_letter,
    _file_problem,
    _FileError,
    _find_header,
    _is_column_numbering,
    _read_csv,
    _read_workbook,
    _sniff_format,
)
from attendees.importing.rows import _RowParser
from courses import uploads

__all__ = [
    "CATEGORY",
    "CITIZEN_ID",
    "COLUMNS",
    "DOB",
    "ETHNICITY",
    "GENDER",
    "HEADER_SEARCH_ROWS",
    "NAME",
    "PAYROLL",
    "PHONE",
    "POSITION",
    "REQUIRED",
    "STT",
    "WORKPLACE",
    "ImportRow",
    "ParseResult",
    "RowError",
    "parse_nomination_file",
    "parse_nomination_file_bounded",
]


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
