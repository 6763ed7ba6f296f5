"""How much an uploaded file may unpack to, and the bounded step that parses it.

One home for the limits on uploads that are containers or tables: the nomination
spreadsheets units send (attendees.importing, attendees.forms.ImportUploadForm) and the
Office documents staff publish as materials (materials.files). The size limit on the
upload itself applies to the *compressed* bytes; a 1.5 KB .xlsx can declare a sheet of
16,384 × 1,048,576 cells and a 1 MB ZIP can inflate to 1 GB. So, before a reader
library sees a file:

* a ZIP is judged from its central directory (number of entries, uncompressed size of
  each and in total, compression ratio), and every entry we read ourselves is read in
  bounded chunks, counting what actually comes out, since headers can lie;
* type markers (the ODF ``mimetype`` entry, ``[Content_Types].xml``) are read a bounded
  number of bytes, never inflated whole;
* the XML of each worksheet is streamed once to check its declared ``<dimension>``, the
  highest row and column any cell sits in, and the longest text run;

and the parse itself runs in a child process (``run_bounded``) under an address-space
limit and a wall-clock timeout, so that whatever a reader library does with a file we did
not foresee costs a refusal, never the web worker.

Messages go through gettext (Vietnamese by default): the clerk reads them in the import
preview, in the interface's language.
"""

from __future__ import annotations

import io
import multiprocessing
import re
import struct
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

MB = 1024 * 1024


@dataclass(frozen=True)
class ZipLimits:
    max_entries: int
    max_total: int  # uncompressed bytes of all entries together
    max_entry: int  # uncompressed bytes of one entry
    max_ratio: int  # uncompressed / compressed, for entries above ratio_floor
    ratio_floor: int = MB  # small entries (XML parts) may compress very well


#: Nomination spreadsheets. A 20,000-row sheet written by Excel or openpyxl is about 12 MB
#: of XML at a ratio near 10; these leave room for styles and formatting.
SPREADSHEET_MAX_BYTES = 5 * MB
SPREADSHEET_ZIP = ZipLimits(max_entries=1000, max_total=64 * MB, max_entry=64 * MB, max_ratio=100)
#: Rows and columns a sheet may span (the header, a title and blank rows included; the
#: import itself takes at most 20,000 data rows), and the text one cell may hold (Excel's
#: own limit).
MAX_SHEET_ROWS = 30_000
MAX_SHEET_COLUMNS = 100
MAX_CELL_CHARS = 32_767
#: In XML a character may be written as a 7-byte entity ("&#7916;").
_MAX_TEXT_RUN_BYTES = 8 * MAX_CELL_CHARS

#: Office documents published as materials (up to 100 MB for documents, 500 MB in the
#: e-library). Pictures and media inside are stored at a ratio near 1.
MATERIAL_ZIP = ZipLimits(max_entries=10_000, max_total=1024 * MB, max_entry=512 * MB, max_ratio=200)

#: At most this much of a type marker entry is read.
MARKER_BYTES = 64 * 1024
_CHUNK = MB


def parse_memory_bytes() -> int:
    return getattr(settings, "UPLOAD_PARSE_MEMORY_MB", 1024) * MB


def parse_seconds() -> int:
    return getattr(settings, "UPLOAD_PARSE_SECONDS", 60)


class UploadRefused(Exception):
    """A file refused for what it would unpack to; the message is shown to the user."""


def number(value: int) -> str:
    """30.000: grouped the Vietnamese way, as the messages here are Vietnamese."""
    return f"{value:,}".replace(",", ".")


_n = number


def _mb(size: int) -> str:
    return _n(max(1, -(-size // MB)))


# --- ZIP containers ---------------------------------------------------------------------


def check_zip(archive: zipfile.ZipFile, limits: ZipLimits) -> None:
    """Refuse a ZIP whose central directory declares more than the limits allow."""
    infos = archive.infolist()
    if len(infos) > limits.max_entries:
        raise UploadRefused(
            _("The archive has %(n)s parts, at most %(max)s.")
            % {"n": _n(len(infos)), "max": _n(limits.max_entries)}
        )
    total = 0
    for info in infos:
        if info.file_size > limits.max_entry:
            raise UploadRefused(
                _("The part “%(name)s” of the file unpacks to %(size)s MB, at most %(max)s MB.")
                % {
                    "name": info.filename[:80],
                    "size": _mb(info.file_size),
                    "max": _mb(limits.max_entry),
                }
            )
        if info.file_size > limits.ratio_floor and info.file_size > limits.max_ratio * max(
            info.compress_size, 1
        ):
            raise UploadRefused(
                _(
                    "The part “%(name)s” is compressed %(ratio)s:1 (at most %(max)s:1): "
                    "an abnormal archive (a “zip bomb”)."
                )
                % {
                    "name": info.filename[:80],
                    "ratio": _n(info.file_size // max(info.compress_size, 1)),
                    "max": limits.max_ratio,
                }
            )
        total += info.file_size
    if total > limits.max_total:
        raise UploadRefused(
            _("The file unpacks to more than %(max)s MB (%(size)s MB).")
            % {"max": _mb(limits.max_total), "size": _mb(total)}
        )


def open_zip(file, limits: ZipLimits) -> zipfile.ZipFile:
    """A ZipFile whose central directory is within the limits (zipfile reads only the
    directory here, nothing is inflated). Raises zipfile.BadZipFile for a damaged file."""
    archive = zipfile.ZipFile(file)
    try:
        check_zip(archive, limits)
    except UploadRefused:
        archive.close()
        raise
    return archive


def read_marker(archive: zipfile.ZipFile, name: str, limit: int = MARKER_BYTES) -> bytes:
    """The first `limit` bytes of an entry ("" when absent): enough for a type marker,
    without inflating the rest."""
    try:
        with archive.open(name) as entry:
            return entry.read(limit)
    except KeyError:
        return b""


def stream_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> Iterator[bytes]:
    """The inflated bytes of an entry in chunks, refusing once more than `limit` (or more
    than the entry declares) come out."""
    produced = 0
    with archive.open(info) as entry:
        while chunk := entry.read(_CHUNK):
            produced += len(chunk)
            if produced > min(limit, max(info.file_size, 0)):
                raise UploadRefused(
                    _("The part “%(name)s” unpacks to more than it declares or %(max)s MB.")
                    % {"name": info.filename[:80], "max": _mb(limit)}
                )
            yield chunk


# --- Spreadsheets -----------------------------------------------------------------------

_CELL_REF = re.compile(rb"([A-Za-z]{1,4})([0-9]{1,9})")
_DIMENSION = re.compile(rb"<(?:[\w.-]+:)?dimension\s[^>]*?\bref\s*=\s*[\"']([^\"']*)[\"']")
# The general forms (any namespace prefix, any attribute order, either quote) and the fast
# ones every common writer (Excel, LibreOffice, openpyxl) produces; the general ones are
# used when the fast ones do not account for every row or cell.
_ROW_TAG = re.compile(rb"<(?:[\w.-]+:)?row[\s/>]")
_ROW_NUMBER = re.compile(rb"<(?:[\w.-]+:)?row\s[^>]*?\br\s*=\s*[\"']([0-9]{1,9})[\"']")
_FAST_ROW_NUMBER = re.compile(rb'<row r="([0-9]{1,9})"')
_CELL_TAG = re.compile(rb"<(?:[\w.-]+:)?c[\s/>]")
_CELL_POSITION = re.compile(
    rb"<(?:[\w.-]+:)?c\s[^>]*?\br\s*=\s*[\"']\$?([A-Za-z]{1,4})\$?([0-9]{1,9})"
)
_FAST_CELL_POSITION = re.compile(rb'<c r="([A-Z]{1,4})([0-9]{1,9})"')


def column_letters(number: int) -> str:
    """1 -> 'A', 100 -> 'CV'."""
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _numerals_from(limit: str, digit: bytes, last: bytes) -> bytes:
    """Numerals (characters `digit`, the highest `last`) as large as `limit`'s leading
    character or more: a cheap superset of "over the limit", confirmed exactly after."""
    return rb"(?:[%s]{%d,}|[%s-%s][%s]{%d})" % (
        digit,
        len(limit) + 1,
        limit[0].encode(),
        last,
        digit,
        len(limit) - 1,
    )


# A cell whose column or row comes near the limits; when none does (nearly every file),
# the cells' positions need not be collected.
_FAST_CELL_NEAR_LIMITS = re.compile(
    rb'<c r="(?:'
    + _numerals_from(column_letters(MAX_SHEET_COLUMNS), b"A-Z", b"Z")
    + rb"[0-9]|[A-Z]{1,4}"
    + _numerals_from(str(MAX_SHEET_ROWS), b"0-9", b"9")
    + rb'")'
)
_ROW_END = re.compile(rb"</(?:[\w.-]+:)?row>")


# OpenDocument repeats a row or cell by an attribute: one element can stand for a million.
# LibreOffice writes empty trailing rows and cells that way (self-closing, no content),
# which readers skip; repeated rows or cells *with content* are what a reader expands.
_ODS_REPEATED_CELL = re.compile(
    rb"<table:(?:covered-)?table-cell\s[^>]*?number-columns-repeated=\"([0-9]{1,12})\"[^>]*?(/?)>"
)
_ODS_REPEATED_ROW = re.compile(rb"<table:table-row\s[^>]*?number-rows-repeated=\"([0-9]{1,12})\"")
_ODS_CONTENT = re.compile(rb"office:value-type|<text:")


def _count_tags(part: bytes, name: bytes, pattern: re.Pattern) -> int:
    if b":" + name in part:  # prefixed tags ("<x:c "): the general pattern
        return len(pattern.findall(part))
    return sum(part.count(b"<" + name + end) for end in (b" ", b">", b"/>"))


def column_number(letters: bytes | str) -> int:
    """'A' -> 1, 'XFD' -> 16384."""
    number = 0
    for char in letters.upper() if isinstance(letters, str) else letters.decode().upper():
        number = number * 26 + ord(char) - 64
    return number


def check_sheet_size(rows: int, columns: int) -> None:
    """Refuse a sheet spanning more rows or columns than a nomination list needs."""
    if rows > MAX_SHEET_ROWS:
        raise UploadRefused(
            _(
                "The sheet has %(n)s rows, at most %(max)s. Delete the empty or formatted rows "
                "below the list (or split it into several files) and upload it again."
            )
            % {"n": _n(rows), "max": _n(MAX_SHEET_ROWS)}
        )
    if columns > MAX_SHEET_COLUMNS:
        raise UploadRefused(
            _(
                "The sheet has %(n)s columns, at most %(max)s. Delete the extra columns right "
                "of the list and upload it again."
            )
            % {"n": _n(columns), "max": _n(MAX_SHEET_COLUMNS)}
        )


def _long_text() -> UploadRefused:
    return UploadRefused(
        _("A cell of the file holds too much text (at most %(n)s characters a cell).")
        % {"n": _n(MAX_CELL_CHARS)}
    )


def _has_long_run(part: bytes) -> bool:
    """Whether a text run (or a tag) in `part` is longer than a cell may hold. A run of
    2h bytes without "<" contains a whole aligned window of h bytes without one, so the
    windows are probed first (a few per MB) and the exact gaps measured only when one is
    empty."""
    half = _MAX_TEXT_RUN_BYTES // 2
    if all(part.find(b"<", i, i + half) != -1 for i in range(0, len(part) - half + 1, half)):
        return False
    # The longest gap between two "<" is the longest text (or tag).
    return max(map(len, part.split(b"<"))) > _MAX_TEXT_RUN_BYTES


class _XmlScan:
    """Streams one XML part: the longest run of text between tags and, for worksheets,
    the rows and columns its cells span. Chunks are cut after the last complete tag, so
    no tag is split between two of them."""

    def __init__(self, worksheet: bool, opendocument: bool = False):
        self.worksheet = worksheet
        self.opendocument = opendocument
        self.carry = b""
        self.rows = 0  # highest row number seen (or counted, for rows without r=)
        self.columns = 0
        self.row_tags = 0
        self.numbered_rows = 0
        self.cells_in_row = 0
        self.dimension_checked = False

    def feed(self, chunk: bytes, final: bool = False) -> None:
        data = self.carry + chunk
        cut = len(data) if final else data.rfind(b"<")
        if cut <= 0:
            cut = 0
        part, self.carry = data[:cut], data[cut:]
        if len(self.carry) > _MAX_TEXT_RUN_BYTES:
            raise _long_text()
        if not part:
            return
        if _has_long_run(part):
            raise _long_text()
        if self.worksheet:
            self._cells(part)
        if self.opendocument:
            self._repeats(part)

    def _repeats(self, part: bytes) -> None:
        for match in _ODS_REPEATED_CELL.finditer(part):
            if int(match.group(1)) > MAX_SHEET_COLUMNS and not match.group(2):
                check_sheet_size(0, int(match.group(1)))
        for match in _ODS_REPEATED_ROW.finditer(part):
            if int(match.group(1)) > MAX_SHEET_ROWS:
                end = part.find(b"</table:table-row>", match.end())
                if _ODS_CONTENT.search(part, match.end(), end if end != -1 else len(part)):
                    check_sheet_size(int(match.group(1)), 0)

    def _cells(self, part: bytes) -> None:
        if not self.dimension_checked:
            match = _DIMENSION.search(part)
            if match or b"sheetData" in part:
                self.dimension_checked = True
            if match:
                # "A1:XFD1048576": what the sheet declares; readers size their grid by it.
                refs = _CELL_REF.findall(match.group(1))
                if refs:
                    check_sheet_size(
                        max(int(r[1]) for r in refs), max(column_number(r[0]) for r in refs)
                    )
        row_tags = _count_tags(part, b"row", _ROW_TAG)
        numbered = _FAST_ROW_NUMBER.findall(part)
        if len(numbered) < row_tags:
            numbered = _ROW_NUMBER.findall(part)
        self.row_tags += row_tags
        self.numbered_rows += len(numbered)
        if numbered:
            self.rows = max(self.rows, max(map(int, numbered)))
        if self.numbered_rows < self.row_tags:
            # Rows without r= follow the one before: count them as extra rows.
            self.rows = max(self.rows, self.row_tags)
        cells = _count_tags(part, b"c", _CELL_TAG)
        # Every cell placed by a plain r="A1" (the fast count matches) and none near the
        # limits: nothing more to learn from this part's positions.
        if (
            part.count(b'<c r="') == cells
            and not _FAST_CELL_NEAR_LIMITS.search(part)
            and self.numbered_rows == self.row_tags
        ):
            check_sheet_size(self.rows, self.columns)
            return
        positions = _FAST_CELL_POSITION.findall(part)
        if len(positions) < cells:
            positions = _CELL_POSITION.findall(part)
        if positions:
            self.columns = max(
                self.columns, max(column_number(c) for c in {c for c, _ in positions})
            )
            self.rows = max(self.rows, max(map(int, {r for _, r in positions})))
        if len(positions) < cells:
            # Cells without r= follow the one before: the widest row by its cell count.
            *complete, rest = _ROW_END.split(part)
            for row in complete:
                self.cells_in_row += len(_CELL_TAG.findall(row))
                self.columns = max(self.columns, self.cells_in_row)
                self.cells_in_row = 0
            self.cells_in_row += len(_CELL_TAG.findall(rest))
            self.columns = max(self.columns, self.cells_in_row)
        check_sheet_size(self.rows, self.columns)


def _scan_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, worksheet: bool) -> None:
    scan = _XmlScan(worksheet, opendocument=info.filename == "content.xml")
    for chunk in stream_entry(archive, info, SPREADSHEET_ZIP.max_entry):
        scan.feed(chunk)
    scan.feed(b"", final=True)


# --- Legacy .xls (an OLE2 compound file holding BIFF records) ---------------------------

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OLE_FREE = 0xFFFFFFFA  # sector ids from here on are markers (end of chain, free …)
# BIFF records that place a cell (row u16, column u16 first): FORMULA, BLANK, NUMBER, LABEL,
# BOOLERR, RK, LABELSST; MULRK and MULBLANK give a row and a column range.
_BIFF_CELLS = {0x0006, 0x0201, 0x0203, 0x0204, 0x0205, 0x027E, 0x00FD}
_BIFF_MULTI = {0x00BD, 0x00BE}
_BIFF_DIMENSIONS = 0x0200


class _OleError(Exception):
    pass


def _ole_stream(data: bytes, names: tuple[str, ...]) -> bytes:
    """The content of the first stream called one of `names` in an OLE2 compound file,
    following its sector chain (every loop bounded by the file's sector count)."""
    if len(data) < 512:
        raise _OleError
    shift, mini_shift = struct.unpack_from("<HH", data, 0x1E)
    if shift not in (9, 12) or mini_shift != 6:
        raise _OleError
    size = 1 << shift
    sectors = len(data) // size
    fat_count, directory_start = struct.unpack_from("<II", data, 0x2C)
    cutoff, minifat_start, _minifat_count, difat_start, difat_count = struct.unpack_from(
        "<IIIII", data, 0x38
    )

    def sector(n: int) -> bytes:
        if n >= sectors:
            raise _OleError
        return data[(n + 1) * size : (n + 2) * size]

    fat_sectors = list(struct.unpack_from("<109I", data, 0x4C))
    next_difat = difat_start
    for _step in range(min(difat_count, sectors)):
        if next_difat >= _OLE_FREE:
            break
        block = struct.unpack(f"<{size // 4}I", sector(next_difat))
        fat_sectors.extend(block[:-1])
        next_difat = block[-1]
    fat: list[int] = []
    for n in fat_sectors[: min(fat_count, sectors)]:
        fat.extend(struct.unpack(f"<{size // 4}I", sector(n)))

    def chain(start: int, table: list[int], limit: int) -> list[int]:
        ids = []
        while start < _OLE_FREE:
            if start >= len(table) or len(ids) > limit:
                raise _OleError
            ids.append(start)
            start = table[start]
        return ids

    directory = b"".join(sector(n) for n in chain(directory_start, fat, sectors))
    root = b""
    for offset in range(0, len(directory) - 127, 128):
        entry = directory[offset : offset + 128]
        length, kind = struct.unpack_from("<HB", entry, 64)
        start, stream_size = struct.unpack_from("<II", entry, 116)
        name = entry[: max(length - 2, 0)].decode("utf-16-le", errors="replace")
        if kind == 5:
            root = b"".join(sector(n) for n in chain(start, fat, sectors))
        elif kind == 2 and name in names:
            if stream_size >= cutoff:
                content = b"".join(sector(n) for n in chain(start, fat, sectors))
            else:
                minifat: list[int] = []
                for n in chain(minifat_start, fat, sectors):
                    minifat.extend(struct.unpack(f"<{size // 4}I", sector(n)))
                content = b"".join(
                    root[n * 64 : (n + 1) * 64] for n in chain(start, minifat, len(root) // 64 + 1)
                )
            return content[:stream_size]
    raise _OleError


def _inspect_xls(data: bytes) -> None:
    """The rows and columns every sheet of a legacy .xls spans, from its BIFF records:
    the declared DIMENSIONS and the position of every cell (readers build each sheet's
    whole grid when the file is opened)."""
    try:
        stream = _ole_stream(data, ("Workbook", "Book"))
    except (_OleError, struct.error, ValueError):
        return  # not a workbook we can walk: the reader says what it is
    rows = columns = 0
    position, end = 0, len(stream)
    while position + 4 <= end:
        kind, length = struct.unpack_from("<HH", stream, position)
        body = position + 4
        position = body + length
        if position > end:
            break
        if kind in _BIFF_CELLS and length >= 4:
            row, column = struct.unpack_from("<HH", stream, body)
            rows, columns = max(rows, row + 1), max(columns, column + 1)
        elif kind in _BIFF_MULTI and length >= 6:
            row, _first = struct.unpack_from("<HH", stream, body)
            (last,) = struct.unpack_from("<H", stream, position - 2)
            rows, columns = max(rows, row + 1), max(columns, last + 1)
        elif kind == _BIFF_DIMENSIONS and length >= 12:
            _first_row, past_row, _first_column, past_column = struct.unpack_from(
                "<IIHH", stream, body
            )
            rows, columns = max(rows, past_row), max(columns, past_column)
        else:
            continue
        check_sheet_size(rows, columns)


def inspect_spreadsheet(data: bytes) -> None:
    """Refuse (UploadRefused) a spreadsheet that would unpack to more than a nomination
    list needs, before any reader library opens it: ZIP-based files (.xlsx, .ods) by their
    directory and parts, legacy .xls by its records. CSV is bounded by its size here and
    row by row as it is read (attendees.importing)."""
    if len(data) > SPREADSHEET_MAX_BYTES:
        raise UploadRefused(
            _("The file is %(size)s MB, at most %(max)s MB; split it or remove its pictures.")
            % {"size": _mb(len(data)), "max": _mb(SPREADSHEET_MAX_BYTES)}
        )
    if data.startswith(_OLE_MAGIC):
        _inspect_xls(data)
        return
    if not data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return
    try:
        archive = open_zip(io.BytesIO(data), SPREADSHEET_ZIP)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return  # the reader reports a damaged file in its own words
    with archive:
        for info in archive.infolist():
            name = info.filename
            worksheet = name.startswith("xl/worksheets/") and name.endswith(".xml")
            if (
                worksheet
                or name in ("xl/sharedStrings.xml", "content.xml")
                or (name.startswith("xl/") and name.endswith(".xml") and info.file_size > MB)
            ):
                try:
                    _scan_part(archive, info, worksheet)
                except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
                    return  # damaged: the reader says so


# --- The bounded step -------------------------------------------------------------------


_context = None


def _pool_context():
    """A forkserver context: children fork from a small server process that has loaded
    Django once, not from the (threaded, connection-holding) web worker."""
    global _context
    if _context is None:
        _context = multiprocessing.get_context("forkserver")
        _context.set_forkserver_preload(["courses.upload_worker"])
    return _context


def _refused_by_limits() -> str:
    return _(
        "The file is too large or too complex to read (it needs more than %(memory)s MB of "
        "memory or %(seconds)s seconds). Save it as .xlsx with only the list, delete the "
        "extra rows and columns, and upload it again."
    ) % {"memory": _n(parse_memory_bytes() // MB), "seconds": _n(parse_seconds())}


def run_bounded(func: Callable, /, *args, **kwargs):
    """``func(*args, **kwargs)`` run in a child process under an address-space limit
    (settings.UPLOAD_PARSE_MEMORY_MB) and a wall-clock timeout (UPLOAD_PARSE_SECONDS).
    Returns its (picklable) result; raises UploadRefused with a Vietnamese message when
    the function refused the file, or the child ran out of memory or time, or died."""
    from courses.upload_worker import child_main

    context = _pool_context()
    receive, send = context.Pipe(duplex=False)
    seconds = parse_seconds()
    child = context.Process(
        target=child_main,
        args=(
            send,
            func,
            args,
            kwargs,
            translation.get_language() or settings.LANGUAGE_CODE,
            parse_memory_bytes(),
            seconds,
            UploadRefused,
        ),
        daemon=True,
    )
    child.start()
    send.close()
    try:
        outcome = receive.recv() if receive.poll(seconds) else None
    except (EOFError, OSError):
        outcome = None  # the child died (killed by the memory limit, or crashed)
    finally:
        receive.close()
        if child.is_alive():
            child.kill()
        child.join()
    if outcome is None:
        raise UploadRefused(_refused_by_limits())
    kind, value = outcome
    if kind == "ok":
        return value
    if kind == "refused":
        raise UploadRefused(value)
    if kind == "memory":
        raise UploadRefused(_refused_by_limits())
    raise RuntimeError(f"the bounded upload step failed: {value}")
