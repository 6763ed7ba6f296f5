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

from typing import TypeVar

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell

from courses.pdf import nfc_text

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
