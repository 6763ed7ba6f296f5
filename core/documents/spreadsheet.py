"""Text from user data in spreadsheet cells: always text, never a formula.

A class title, a name or a unit typed as ``=HYPERLINK("http://…","Bấm vào đây")`` or
``=cmd|' /C calc'!A0`` must reach a clerk's Excel as the characters typed, not as a
formula that runs or links when the file is opened ("CSV/formula injection"). Every
workbook and CSV the site writes (attendee lists, reports, payment lists, the Ministry
package) routes its text cells through here — titles and subtitles too, which carry the
class title:

* xlsx: ``text_cell`` stores the text as a string cell (openpyxl would make anything
  starting with ``=`` a formula) and, when it starts like a formula (``=``, ``+``, ``-``,
  ``@``, tab, CR), marks it "quote prefix", Excel's own apostrophe, so it stays text
  even when someone edits the cell and presses Enter.
* CSV has no types: ``csv_text`` puts an apostrophe before such text (OWASP's advice).

Numbers and dates are not text and keep their types: callers pass only text here.
"""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from copy import copy
from typing import TYPE_CHECKING, Any, TypeVar

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell

from core.documents.header import nfc_text

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.worksheet import Worksheet

#: What a spreadsheet program may read as the start of a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

C = TypeVar("C", bound=Cell)


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_START)


def cell_text(value: object) -> str:
    """Any value as the NFC text of a cell, without the control characters openpyxl
    refuses (they never belong in a name or a title anyway)."""
    return ILLEGAL_CHARACTERS_RE.sub("", nfc_text(value))


def text_cell(cell: C, value: object) -> C:
    """Put ``value`` in ``cell`` as literal text (also for openpyxl's write-only cells);
    ``None`` leaves the cell empty."""
    if value is None:
        cell.value = None
        return cell
    text = cell_text(value)
    cell.value = text
    cell.data_type = "s"  # openpyxl typed "=…" as a formula
    if looks_like_formula(text):
        cell.quotePrefix = True
    return cell


def csv_text(value: object) -> str:
    """Text for a CSV field: an apostrophe before anything that starts like a formula."""
    text = nfc_text(value)
    return "'" + text if looks_like_formula(text) else text


# ---------------------------------------------------------------------------- print

#: The one font family of every workbook (the documents' font): a sheet that mixes
#: Calibri and Times New Roman prints as two documents stapled together.
FONT_FAMILY = "Times New Roman"
#: Points per printed line of 12-point text, and the padding a wrapped cell needs.
LINE_HEIGHT = 15.75


def wrapped_lines(text: object, width: float) -> int:
    """Roughly how many lines ``text`` takes in a wrapped cell ``width`` characters wide
    (words move whole to the next line unless wider than the cell; line breaks count)."""
    lines = 0
    for part in str(text or "").split("\n"):
        line, count = 0, 1
        for word in part.split():
            if line and line + 1 + len(word) > width:
                count, line = count + 1, len(word)
            else:
                line += len(word) + (1 if line else 0)
            while line > width:  # a word wider than the cell (a file path) is broken
                count, line = count + 1, line - int(width)
        lines += count
    return max(lines, 1)


def row_height(texts: list[object], widths: list[float], *, size: float = 12) -> float:
    """The height in points of a row whose cells wrap ``texts`` in columns ``widths``
    characters wide. Neither Excel nor LibreOffice grows a row to fit wrapped text
    when it opens a file: without a height, a wrapped header prints over the first row."""
    lines = max(
        (wrapped_lines(t, max(w - 1, 1)) for t, w in zip(texts, widths, strict=False)),
        default=1,
    )
    return round(LINE_HEIGHT * size / 12 * lines + 4, 2)


def year_issuer(year: int) -> tuple[str, str]:
    """(parent body, issuing body) of a workbook that is no one class's but a year's (the
    year workbook, the Ministry package): the organiser of most of the year's official
    classes, as for the results report."""
    from courses.models import TrainingClass

    organiser = TrainingClass.objects.filter(year=year).official().main_organiser()
    if organiser is None:
        return ("", "")
    return (organiser.parent.name if organiser.parent else "", organiser.name)


def print_setup(ws: Worksheet, *, header_rows: tuple[int, int], landscape: bool = True) -> None:
    """A4, landscape (by default), one page wide and as many tall as needed, the header
    rows repeated on every printed page, centred, the page number at the top from page 2
    on (as on the PDFs)."""
    from openpyxl.worksheet.page import PageMargins

    first, last = header_rows
    ws.page_setup.paperSize = "9"  # A4 (write-only sheets lack the class constants)
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{first}:{last}"
    ws.print_options.horizontalCentered = True
    ws.page_margins = PageMargins(left=0.6, right=0.4, top=0.75, bottom=0.6, header=0.3)
    # Decree 30: the page number at the top, centred, from the second page on (the first
    # page's header is left empty).
    ws.HeaderFooter.differentFirst = True
    ws.oddHeader.center.text = "&P"


def one_font_family(wb: Workbook) -> Workbook:
    """Every cell of every sheet in FONT_FAMILY, keeping size, bold and italic, so that
    bare cells match too. For workbooks built in memory (not write-only ones); save them
    with :func:`workbook_bytes`, which sets the workbook's default font to match."""
    from openpyxl.styles import Font
    from openpyxl.styles.fonts import DEFAULT_FONT

    default = family_default_font()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.has_style and cell.font.name != FONT_FAMILY:
                    if cell.font == DEFAULT_FONT:  # the workbook's default, as it will be
                        cell.font = default
                        continue
                    font = copy(cell.font)
                    font.name = FONT_FAMILY
                    cell.font = font
                elif not cell.has_style and cell.value is not None:
                    cell.font = Font(name=FONT_FAMILY, size=12)
    return wb


# The first font of xl/styles.xml: the workbook's default, which cell style 0 and the
# Normal style point at (spreadsheet programs also measure column widths in its digits).
_FIRST_FONT = re.compile(rb"(<fonts\b[^>]*>)<font>.*?</font>", re.DOTALL)
STYLES_PART = "xl/styles.xml"


def with_default_font(styles_xml: bytes, font: Font) -> bytes:
    """openpyxl's xl/styles.xml with `font` as the workbook's default font. openpyxl
    offers no public setter for it (its default is Calibri 11), so it is set in the file
    openpyxl writes, where the first font is the default."""
    from openpyxl.xml.functions import tostring

    replaced, found = _FIRST_FONT.subn(
        lambda match: match.group(1) + tostring(font.to_tree()), styles_xml, count=1
    )
    if not found:
        raise ValueError("no default font in the workbook's styles")
    return replaced


class DefaultFontZip(zipfile.ZipFile):
    """The archive an openpyxl ``ExcelWriter`` writes into, giving the workbook its
    `default_font` (see :func:`with_default_font`)."""

    def __init__(self, *args: Any, default_font: Font, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.default_font = default_font

    def writestr(self, zinfo_or_arcname: Any, data: Any, *args: Any, **kwargs: Any) -> None:
        name = getattr(zinfo_or_arcname, "filename", zinfo_or_arcname)
        if name == STYLES_PART:
            data = with_default_font(
                data.encode() if isinstance(data, str) else data, self.default_font
            )
        super().writestr(zinfo_or_arcname, data, *args, **kwargs)


def family_default_font() -> Font:
    """openpyxl's default font (Calibri 11, the theme's minor font) in FONT_FAMILY at 12
    pt, and no theme font to bring Calibri back."""
    from openpyxl.styles.fonts import DEFAULT_FONT

    font = copy(DEFAULT_FONT)
    font.name = FONT_FAMILY
    font.scheme = None
    font.sz = 12
    return font


def workbook_bytes(wb: Workbook) -> bytes:
    """A workbook built in memory as the bytes ``wb.save`` would write, with every cell
    and the workbook's default font in FONT_FAMILY (so empty cells and column widths
    match the documents' font too)."""
    from openpyxl.writer.excel import ExcelWriter

    one_font_family(wb)
    # As openpyxl's own save does.
    wb.properties.modified = datetime.datetime.now(tz=datetime.UTC).replace(tzinfo=None)
    buffer = io.BytesIO()
    archive = DefaultFontZip(
        buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True, default_font=family_default_font()
    )
    ExcelWriter(wb, archive).save()
    return buffer.getvalue()
