"""What a response says, as text: pages, JSON, and the files the app hands out (xlsx,
csv, PDF, docx, zip of any of these) decoded, so that a name or an ID number is found
whatever the format it leaks in."""

from __future__ import annotations

import contextlib
import io
import json
import re
import unicodedata
import zipfile

from courses.vietnamese import fold


def body_bytes(response) -> bytes:
    if getattr(response, "streaming", False):
        data = b"".join(response.streaming_content)
        # The stream is spent: keep the bytes for a second reader.
        response.streaming_content = [data]
        return data
    return response.content


def _xlsx_text(data: bytes) -> str:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    cells = []
    for sheet in book.worksheets:
        cells.append(sheet.title)
        for row in sheet.iter_rows(values_only=True):
            cells.extend(str(v) for v in row if v is not None)
    return "\n".join(cells)


def _docx_text(data: bytes) -> str:
    import docx

    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    for section in document.sections:
        parts.extend(p.text for p in section.header.paragraphs)
        parts.extend(p.text for p in section.footer.paragraphs)
    return "\n".join(parts)


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def decode(data: bytes, content_type: str = "") -> str:
    """The text a person would read in `data`, whatever its format."""
    if data.startswith(b"%PDF"):
        return _pdf_text(data)
    if data.startswith(b"PK\x03\x04"):
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = archive.namelist()
        if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
            return _xlsx_text(data)
        if "[Content_Types].xml" in names and any(n.startswith("word/") for n in names):
            return _docx_text(data)
        # A plain archive: every member, decoded in turn (and its name).
        return "\n".join(f"{name}\n{decode(archive.read(name))}" for name in names)
    text = data.decode("utf-8-sig", errors="replace")
    if "json" in content_type:
        # JsonResponse escapes non-ASCII by default: read it back as characters.
        with contextlib.suppress(ValueError):
            text = json.dumps(json.loads(text), ensure_ascii=False)
    return text


# A choice list offers every value; only the chosen one says something about a person.
_UNCHOSEN_OPTION = re.compile(r"<option(?![^>]*\bselected\b)[^>]*>.*?</option>", re.S)


def response_text(response) -> str:
    content_type = response.get("Content-Type", "")
    text = decode(body_bytes(response), content_type)
    if "html" in content_type:
        text = _UNCHOSEN_OPTION.sub("", text)
    return unicodedata.normalize("NFC", text)


def folded(text: str) -> str:
    """Accents, case and spacing ignored: PDF text extraction does not keep them reliably."""
    return " ".join(fold(text).split())


def names_in(text: str, names: list[str]) -> list[str]:
    haystack = folded(text)
    return [name for name in names if folded(name) in haystack]


def citizen_ids_in(text: str, citizen_ids: list[str]) -> list[str]:
    """Unmasked CCCDs: the masked form shows only the first three and last two digits, so
    the middle seven found anywhere (even with the leading zero dropped, as a spreadsheet
    does) is a leak."""
    return [cccd for cccd in citizen_ids if cccd[3:10] in text]


def ethnicities_in(text: str, ethnicities: list[str]) -> list[str]:
    return [name for name in ethnicities if name in text]
