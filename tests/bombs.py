"""Hostile spreadsheets and Office files, built small (issue 13): each unpacks to far more
than its size. Built streaming, so a test never holds the inflated content itself."""

from __future__ import annotations

import io
import random
import struct
import zipfile
from pathlib import Path

import openpyxl

from attendees.importing import COLUMNS

MB = 1024 * 1024
_ZEROS = bytes(MB)


def _workbook(fill) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    fill(ws)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def xlsx_far_cell() -> bytes:
    """Cells A1 and XFD1048576 only: about 5 KB declaring 17 billion cells."""

    def fill(ws):
        ws["A1"] = "STT"
        ws["XFD1048576"] = "x"

    return _workbook(fill)


def xlsx_far_cell_without_dimension() -> bytes:
    """The same, with the <dimension> element removed: the cells alone must be judged."""
    data = xlsx_far_cell()
    return rewrite(
        data,
        {
            "xl/worksheets/sheet1.xml": lambda xml: xml.replace(
                b'<dimension ref="A1:XFD1048576"/>', b""
            )
        },
    )


def xlsx_long_cell(path: Path, chars: int = 20 * MB, filler: bytes = b"a" * 4096) -> Path:
    """A header row and one cell of `chars` characters: about 22 KB on disk for 20 MB of
    text. (openpyxl cuts cells at 32,767 characters, so the sheet is rewritten.)"""
    return _sheet_with(path, [COLUMNS, [1, "PLACEHOLDER"]], b"PLACEHOLDER", chars, filler)


def xlsx_dense_long_cell(path: Path, chars: int = 300 * 1024) -> Path:
    """One cell of 300 K characters that do not compress well (a fixed pseudo-random
    sequence): refused for its length, whatever the ratio."""
    rng = random.Random(13)
    filler = bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz ") for _ in range(8192))
    return xlsx_long_cell(path, chars, filler)


def _sheet_with(path: Path, rows: list, marker: bytes, size: int, filler: bytes) -> Path:
    """A valid workbook holding `rows`, in whose sheet XML `size` bytes of `filler` are
    written before `marker`, streaming."""

    def fill(ws):
        for row in rows:
            ws.append(row)

    with zipfile.ZipFile(io.BytesIO(_workbook(fill))) as source:
        parts = {i.filename: source.read(i) for i in source.infolist()}
    before, after = parts.pop("xl/worksheets/sheet1.xml").split(marker)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as entry:
            entry.write(before)
            written = 0
            while written < size:
                chunk = filler[: size - written]
                entry.write(chunk)
                written += len(chunk)
            entry.write(marker + after)
    return path


def rewrite(data: bytes, changes: dict, extra: dict | None = None) -> bytes:
    """A copy of a ZIP with some entries transformed (name -> function of the bytes) and
    extra entries (name -> bytes) added."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            content = source.read(info)
            if info.filename in changes:
                content = changes[info.filename](content)
            target.writestr(info.filename, content)
        for name, content in (extra or {}).items():
            target.writestr(name, content)
    return out.getvalue()


def write_zip_with_big_entry(
    path: Path, name: str, size: int, *, first: bytes = b"", others: dict | None = None
) -> Path:
    """A ZIP whose entry `name` inflates to `size` bytes (`first` then zeros), written
    streaming: a 1 GB entry costs about 1 MB on disk and 1 MB of memory."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        info = zipfile.ZipInfo(name)
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as entry:
            entry.write(first)
            left = size - len(first)
            while left > 0:
                chunk = _ZEROS[: min(MB, left)]
                entry.write(chunk)
                left -= len(chunk)
        for other, content in (others or {}).items():
            archive.writestr(other, content)
    return path


def ods_with_huge_mimetype(path: Path, size: int = 1024 * MB) -> Path:
    """An .ods whose `mimetype` entry inflates to 1 GB (it is read to tell the type)."""
    return write_zip_with_big_entry(
        path,
        "mimetype",
        size,
        first=b"application/vnd.oasis.opendocument.spreadsheet",
        others={"content.xml": b"<office:document-content/>"},
    )


def xlsx_big_sheet(path: Path, size: int = 100 * MB) -> Path:
    """A valid workbook whose sheet XML is `size` bytes (a few hundred KB on disk)."""
    return _sheet_with(path, [COLUMNS], b"</worksheet>", size, b"<!---->" * 1024)


def lying_sizes(data: bytes, name: str, declared: int) -> bytes:
    """The ZIP with entry `name`'s uncompressed size rewritten to `declared` in both its
    local header and the central directory: headers lie, the stream does not."""
    out = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(name)
    # Local header: uncompressed size at offset 22.
    struct.pack_into("<I", out, info.header_offset + 22, declared)
    position = out.find(b"PK\x01\x02")
    while position != -1:
        name_len = struct.unpack_from("<H", out, position + 28)[0]
        if bytes(out[position + 46 : position + 46 + name_len]) == name.encode():
            struct.pack_into("<I", out, position + 24, declared)
        position = out.find(b"PK\x01\x02", position + 4)
    return bytes(out)


# --- macros under other names -----------------------------------------------------------

_VBA_TYPE = "application/vnd.ms-office.vbaProject"


def ole_with_vba_project() -> bytes:
    """A minimal OLE2 compound file whose directory holds a `_VBA_PROJECT` stream (what a
    vbaProject.bin is), 512-byte sectors: header, one FAT sector, one directory sector."""
    sector = 512
    header = bytearray(sector)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9)  # version, byte order, 2^9
    struct.pack_into("<H", header, 0x20, 6)  # mini sector shift
    struct.pack_into("<I", header, 0x2C, 1)  # one FAT sector
    struct.pack_into("<I", header, 0x30, 1)  # directory starts at sector 1
    struct.pack_into("<I", header, 0x38, 4096)
    struct.pack_into("<I", header, 0x3C, 0xFFFFFFFE)
    struct.pack_into("<I", header, 0x44, 0xFFFFFFFE)
    difat = [0] + [0xFFFFFFFF] * 108
    struct.pack_into("<109I", header, 0x4C, *difat)
    fat = bytearray(b"\xff" * sector)
    struct.pack_into("<II", fat, 0, 0xFFFFFFFD, 0xFFFFFFFE)  # sector 0: FAT; 1: end of dir
    directory = bytearray(sector)
    for index, (name, kind) in enumerate(
        [("Root Entry", 5), ("VBA", 1), ("_VBA_PROJECT", 2), ("dir", 2)]
    ):
        entry = bytearray(128)
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        entry[: len(encoded)] = encoded
        struct.pack_into("<HB", entry, 64, len(encoded), kind)
        struct.pack_into("<III", entry, 68, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF)
        directory[index * 128 : (index + 1) * 128] = entry
    return bytes(header + fat + directory)


def xlsx_with_renamed_macro(*, declare_type: bool) -> bytes:
    """An .xlsx carrying a VBA project stored as `xl/media/image1.bin`. With `declare_type`
    [Content_Types].xml says what it is (as Excel writes it); without, only the part's
    content (an OLE file with a _VBA_PROJECT stream) tells."""

    def content_types(xml: bytes) -> bytes:
        kind = _VBA_TYPE if declare_type else "image/png"
        return xml.replace(
            b"</Types>", f'<Default Extension="bin" ContentType="{kind}"/></Types>'.encode()
        )

    plain = _workbook(lambda ws: ws.append(COLUMNS))
    return rewrite(
        plain,
        {"[Content_Types].xml": content_types},
        extra={"xl/media/image1.bin": ole_with_vba_project()},
    )


def xlsx_macro_enabled_main() -> bytes:
    """An .xlsm saved as .xlsx: its workbook part has the macroEnabled content type."""

    def content_types(xml: bytes) -> bytes:
        return xml.replace(
            b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
            b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
        )

    return rewrite(_workbook(lambda ws: ws.append(COLUMNS)), {"[Content_Types].xml": content_types})


# --- OpenDocument and legacy Excel ----------------------------------------------------------

_ODS_CELL = '<table:table-cell office:value-type="string"><text:p>{}</text:p></table:table-cell>'


def ods(rows_xml: str) -> bytes:
    """A minimal .ods whose first table holds `rows_xml`."""
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="DS">'
        f"{rows_xml}</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), ODS_TYPE)
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
            'opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" '
            f'manifest:media-type="{ODS_TYPE}"/></manifest:manifest>',
        )
    return out.getvalue()


ODS_TYPE = "application/vnd.oasis.opendocument.spreadsheet"


def ods_row(*values: str, repeated: int = 1) -> str:
    attribute = f' table:number-rows-repeated="{repeated}"' if repeated > 1 else ""
    cells = "".join(_ODS_CELL.format(v) for v in values)
    return f"<table:table-row{attribute}>{cells}</table:table-row>"


def ods_repeated_rows() -> bytes:
    """One row with content repeated 1,048,576 times: under 1 KB."""
    return ods(ods_row("STT", repeated=1_048_576))


def ods_repeated_cells() -> bytes:
    """One cell with content repeated over 16,384 columns, that row repeated 100,000
    times."""
    cell = _ODS_CELL.format("x").replace(
        "<table:table-cell ", '<table:table-cell table:number-columns-repeated="16384" '
    )
    return ods(f'<table:table-row table:number-rows-repeated="100000">{cell}</table:table-row>')


def ods_with_trailing_empty_rows(rows: list[list[str]]) -> bytes:
    """How LibreOffice saves a sheet: the data, then empty rows and cells repeated to the
    end of the sheet (self-closing, no content)."""
    empty = (
        '<table:table-row table:number-rows-repeated="1048570">'
        '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
    )
    return ods("".join(ods_row(*row) for row in rows) + empty)


def xls_far_cell() -> bytes:
    """A legacy .xls with cells A1 and IV65536, the farthest BIFF8 allows: 16.7 million
    cells (about 540 MB once a reader builds the grid)."""
    import xlwt

    workbook = xlwt.Workbook()
    sheet = workbook.add_sheet("DS")
    sheet.write(0, 0, "STT")
    sheet.write(65535, 255, "x")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
