"""The Decree 30/2020 header and PDF plumbing shared by every printed document (lists,
certificates, reports): fonts, NFC paragraphs, the signature row, page numbers.

Official documents follow Decree 30/2020/NĐ-CP: A4, a serif face with every Vietnamese
letter, the two-column header block (issuing body | national name and motto), the
place/date line in italics, dates written "ngày 05 tháng 3 năm 2023".

Three traps this module exists to avoid:

* reportlab's built-in fonts (Helvetica, Times) are not embedded and have no Vietnamese
  glyphs. Everything here is drawn in IBM Plex Serif (``fontpkg-ibm-plex-serif``), embedded
  as a subset, and the canvas is told not to start pages with Helvetica either.
* reportlab draws code points one by one and does not compose combining marks, so
  decomposed (NFD) input would print as a letter followed by a floating accent. Every string
  goes through :func:`para` / :func:`nfc_text`, which NFC-normalise it first.
* Paragraph text is markup: "<" or "&" in a name or a unit must be escaped.

Usage::

    story = official_header(parent_body=..., issuing_body=..., place="Lai Châu", on=date,
                            width=frame_width(A4))
    story += [para("DANH SÁCH …", style("title", size=14, bold=True, align=TA_CENTER))]
    pdf_bytes = build_pdf(story, pagesize=A4, title="Danh sách …")
"""

from __future__ import annotations

import datetime
import io
import threading
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import fontpkg
from django.core.exceptions import ImproperlyConfigured
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Table, TableStyle

from core.documents.fitting import fit_one_line
from core.documents.wording import vietnamese_date
from courses.vietnamese import nfc

# The family as the font package names it (requirements.txt: fontpkg-ibm-plex-serif),
# and as it is registered with reportlab.
PACKAGE_FAMILY = "IBM Plex Serif"
FAMILY = "IBMPlexSerif"


@dataclass(frozen=True)
class Fonts:
    """reportlab font names of the registered family."""

    regular: str = "IBMPlexSerif"
    bold: str = "IBMPlexSerif-Bold"
    italic: str = "IBMPlexSerif-Italic"
    bold_italic: str = "IBMPlexSerif-BoldItalic"


FONTS = Fonts()
# reportlab name: (weight, style) of the static TTF in the font package.
_FONT_STYLES = {
    FONTS.regular: (400, "normal"),
    FONTS.bold: (700, "normal"),
    FONTS.italic: (400, "italic"),
    FONTS.bold_italic: (700, "italic"),
}
_register_lock = threading.Lock()

# Decree 30/2020 page margins (top/bottom 20–25 mm, left 30–35 mm, right 15–20 mm).
MARGIN_TOP = 20 * mm
MARGIN_BOTTOM = 20 * mm
MARGIN_LEFT = 30 * mm
MARGIN_RIGHT = 15 * mm

NATIONAL_NAME = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"


def font_files() -> dict[str, Path]:
    """The TTF of each registered font, as the font package's own index (fontpkg reads
    the installed package's metadata) places it: wherever the installer put the package,
    not a folder guessed inside site-packages.

    Raises ImproperlyConfigured, naming the package to install, when the family or one
    of its files is missing.
    """
    files = {}
    for name, (weight, font_style) in _FONT_STYLES.items():
        try:
            path = fontpkg.path(PACKAGE_FAMILY, weight=weight, style=font_style)
        except fontpkg.FontpkgError as error:
            raise _fonts_missing(str(error)) from error
        if not path.is_file():
            raise _fonts_missing(f"{path} does not exist")
        files[name] = path
    return files


def _fonts_missing(reason: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(
        f"The PDF font {PACKAGE_FAMILY} is missing ({reason}). Install it with "
        "`pip install -r requirements.txt` (package fontpkg-ibm-plex-serif)."
    )


def register_fonts() -> Fonts:
    """Register IBM Plex Serif (regular/bold/italic/bold italic) as a family, once.

    Safe to call from every request and every thread; TTFont embeds only the glyphs used.
    """
    with _register_lock:
        registered = set(pdfmetrics.getRegisteredFontNames())
        missing = [name for name in _FONT_STYLES if name not in registered]
        if missing:
            files = font_files()
            for name in missing:
                pdfmetrics.registerFont(TTFont(name, str(files[name])))
        pdfmetrics.registerFontFamily(
            FAMILY,
            normal=FONTS.regular,
            bold=FONTS.bold,
            italic=FONTS.italic,
            boldItalic=FONTS.bold_italic,
        )
        # Paragraph's <b>/<i> look the family up by the font name in use.
        pdfmetrics.registerFontFamily(
            FONTS.regular,
            normal=FONTS.regular,
            bold=FONTS.bold,
            italic=FONTS.italic,
            boldItalic=FONTS.bold_italic,
        )
    return FONTS


# ---------------------------------------------------------------------------- text


def nfc_text(value: object) -> str:
    """Any value as NFC text; ``None`` is the empty string."""
    if value is None:
        return ""
    return nfc(str(value))


def style(
    name: str = "body",
    *,
    size: float = 13,
    bold: bool = False,
    italic: bool = False,
    align: int = TA_LEFT,
    leading: float | None = None,
    **kwargs,
) -> ParagraphStyle:
    """A paragraph style in the document family (never reportlab's Helvetica default)."""
    fonts = register_fonts()
    font = {
        (False, False): fonts.regular,
        (True, False): fonts.bold,
        (False, True): fonts.italic,
        (True, True): fonts.bold_italic,
    }[(bold, italic)]
    return ParagraphStyle(
        name,
        fontName=font,
        fontSize=size,
        leading=leading if leading is not None else round(size * 1.2, 1),
        alignment=align,
        **kwargs,
    )


def para(text: object, paragraph_style: ParagraphStyle) -> Paragraph:
    """A Paragraph of plain text: NFC-normalised, markup-escaped, newlines kept."""
    markup = escape(nfc_text(text)).replace("\n", "<br/>")
    return Paragraph(markup, paragraph_style)


def place_date(place: str, on: datetime.date | None) -> str:
    """'Lai Châu, ngày 05 tháng 12 năm 2023'; without a date (a draft, to be dated when it
    is signed) the day, month and year are left blank."""
    if on is None:
        blank = "\u00a0" * 6  # Paragraph collapses ordinary spaces
        return f"{nfc_text(place)}, ngày{blank}tháng{blank}năm{blank}"
    return f"{nfc_text(place)}, {vietnamese_date(on)}"


# ---------------------------------------------------------------------------- layout


def frame_width(pagesize: tuple[float, float] = A4) -> float:
    """Usable width between the Decree 30 margins."""
    return pagesize[0] - MARGIN_LEFT - MARGIN_RIGHT


class CentredRule(Flowable):
    """A short horizontal rule centred in the available width, ``gap`` pt below the text
    above it, taking ``space`` pt of height (the rules under the issuing body and motto)."""

    def __init__(self, length: float, *, thickness: float = 0.6, space: float = 6, gap: float = 4):
        super().__init__()
        self.length = length
        self.thickness = thickness
        self.space = space
        self.gap = gap
        self._avail = length

    def wrap(self, availWidth, availHeight):
        self._avail = availWidth
        return availWidth, self.space

    def draw(self):
        x = (self._avail - self.length) / 2
        y = self.space - self.gap
        self.canv.saveState()
        self.canv.setLineWidth(self.thickness)
        self.canv.line(x, y, x + self.length, y)
        self.canv.restoreState()


#: The commands of a table that only lays blocks side by side (the header's two columns,
#: a signature block): no lines, cells top-aligned and flush with the frame's sides.
LAYOUT_COMMANDS = [
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("LEFTPADDING", (0, 0), (-1, -1), 0),
    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
]


def document_table(
    data: list[list], *, col_widths: list[float], commands: list[tuple] = (), **kwargs
) -> Table:
    """A platypus Table whose plain-string cells use the document font.

    Table's default cell font is Helvetica; even an empty "" cell would pull an unembedded
    base-14 font into the PDF. Put text in cells as :func:`para` paragraphs anyway.
    """
    fonts = register_fonts()
    table = Table(data, colWidths=col_widths, **kwargs)
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), fonts.regular), *commands]))
    return table


# How many of a table's last rows go with the signature block onto its page.
KEEP_WITH_SIGNATURE = 2


def add_signature_row(
    data: list[list],
    commands: list[tuple],
    block: Flowable | list[Flowable],
    *,
    first_body_row: int = 1,
    keep_rows: int = KEEP_WITH_SIGNATURE,
) -> None:
    """Append ``block`` (the signature block) to a table as one borderless row spanning
    every column, tied to the last ``keep_rows`` rows by NOSPLIT: a page can then break
    before those rows but never between them and the signatures, so a signature block
    never stands alone on a page. Grid/box commands of the caller must stop at the row
    before (``len(data) - 1`` at the time of the call)."""
    row = len(data)
    columns = len(data[0])
    data.append([block, *[""] * (columns - 1)])
    commands += [
        ("SPAN", (0, row), (-1, row)),
        ("VALIGN", (0, row), (-1, row), "TOP"),
        ("LEFTPADDING", (0, row), (-1, row), 0),
        ("RIGHTPADDING", (0, row), (-1, row), 0),
        ("TOPPADDING", (0, row), (-1, row), 0),
        ("BOTTOMPADDING", (0, row), (-1, row), 0),
        ("NOSPLIT", (0, max(first_body_row, row - keep_rows)), (-1, row)),
    ]


def header_bodies(parent_name: str, issuing_name: str) -> tuple[str, str]:
    """(parent body, issuing body) as the header prints them: "Ủy ban nhân dân" is written
    "UBND", and the locality the parent line already says is dropped from the issuer
    ("UBND tỉnh Lai Châu" over "Sở Thông tin và Truyền thông", not "… tỉnh Lai Châu", which
    would wrap the issuer column in portrait)."""
    parent = nfc_text(parent_name)
    issuer = nfc_text(issuing_name)
    long_names = ("Ủy ban nhân dân", "Uỷ ban nhân dân", "ỦY BAN NHÂN DÂN", "UỶ BAN NHÂN DÂN")
    if issuer.casefold().startswith(("ubnd ", *(f"{n.casefold()} " for n in long_names))):
        # A People's Committee heads its documents alone (Decree 30/2020, Appendix I: the
        # superior body's line is for bodies under one, not for UBND of a district).
        return "", issuer
    for long in long_names:
        parent = parent.replace(long, "UBND")
    tail = 0
    for x, y in zip(reversed(issuer.split()), reversed(parent.split()), strict=False):
        if x.casefold() != y.casefold():
            break
        tail += 1
    words = issuer.split()
    if tail >= 2 and len(words) > tail:
        issuer = " ".join(words[:-tail])
    return parent, issuer


def official_header(
    *,
    parent_body: str,
    issuing_body: str,
    place: str,
    on: datetime.date | None,
    width: float | None = None,
    number: str = "",
    size: float = 12,
) -> list[Flowable]:
    """The Decree 30/2020 header block, as flowables spanning ``width`` (default: A4 frame).

    Left: parent body (upper case), issuing body (upper case, bold) with a short rule under
    it and, if given, "Số: …". Right: the national name (bold) and the motto (bold) with a
    rule as long as the motto, then the place/date line in italics.
    """
    fonts = register_fonts()
    width = width if width is not None else frame_width(A4)
    national_w = pdfmetrics.stringWidth(NATIONAL_NAME, fonts.bold, size)
    parent_body, issuing_body = header_bodies(parent_body, issuing_body)
    parent = parent_body.upper()
    issuer = issuing_body.upper()
    # The right column needs only the national name; the issuer column gets the rest, so
    # "SỞ THÔNG TIN VÀ TRUYỀN THÔNG" stays on one line in portrait.
    right_w = min(max(national_w + 4 * mm, width * 0.45), width * 0.62)
    left_w = width - right_w
    # A long issuing body is shrunk (never below 9 pt) before it is wrapped.
    issuer_size = fit_one_line(
        issuer, fonts.bold, size, left_w - 2 * mm, minimum=9, below_minimum=False
    )
    issuer_w = min(pdfmetrics.stringWidth(issuer, fonts.bold, issuer_size), left_w)
    motto_size = size + 1
    motto_w = pdfmetrics.stringWidth(MOTTO, fonts.bold, motto_size)

    left: list[Flowable] = []
    if parent:
        parent_size = fit_one_line(
            parent, fonts.regular, size, left_w - 2 * mm, minimum=9, below_minimum=False
        )
        left.append(para(parent, style("hdr-parent", size=parent_size, align=TA_CENTER)))
    left.append(para(issuer, style("hdr-issuer", size=issuer_size, bold=True, align=TA_CENTER)))
    left.append(CentredRule(max(issuer_w * 0.4, 25 * mm)))

    right: list[Flowable] = [
        para(NATIONAL_NAME, style("hdr-nation", size=size, bold=True, align=TA_CENTER)),
        para(MOTTO, style("hdr-motto", size=motto_size, bold=True, align=TA_CENTER)),
        CentredRule(motto_w),
    ]

    number_cell = (
        para(f"Số: {nfc_text(number)}", style("hdr-number", size=size + 1, align=TA_CENTER))
        if number
        else ""
    )
    date_cell = para(
        place_date(place, on), style("hdr-date", size=size + 1, italic=True, align=TA_CENTER)
    )

    table = document_table(
        [[left, right], [number_cell, date_cell]],
        col_widths=[left_w, right_w],
        hAlign="CENTER",
        commands=[
            *LAYOUT_COMMANDS,
            ("TOPPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 1), (-1, 1), 6),
        ],
    )
    return [table]


# ---------------------------------------------------------------------------- building


class NumberedCanvas(Canvas):
    """A canvas that holds its pages back until the end, then numbers pages 2, 3, … at the
    top centre (Decree 30/2020, Appendix I: the first page carries no number).

    Pages start with the document font instead of reportlab's Helvetica, so no base-14
    font is ever referenced.
    """

    number_size = 13

    def __init__(self, *args, **kwargs):
        if not kwargs.get("initialFontName"):
            kwargs["initialFontName"] = register_fonts().regular
        super().__init__(*args, **kwargs)
        self._page_states: list[dict] = []

    def showPage(self):
        self._page_states.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        for state in self._page_states:
            self.__dict__.update(state)
            if self._pageNumber > 1:
                self._draw_page_number()
            super().showPage()
        super().save()

    def _draw_page_number(self) -> None:
        self.saveState()
        self.setFont(register_fonts().regular, self.number_size)
        self.drawCentredString(
            self._pagesize[0] / 2, self._pagesize[1] - MARGIN_TOP / 2, str(self._pageNumber)
        )
        self.restoreState()


def build_pdf(
    story: list[Flowable],
    *,
    pagesize: tuple[float, float] = A4,
    title: str = "",
    author: str = "",
) -> bytes:
    """Lay ``story`` out on ``pagesize`` with the Decree 30 margins, numbered at the top
    centre from page 2."""
    register_fonts()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=MARGIN_LEFT,
        rightMargin=MARGIN_RIGHT,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=nfc_text(title),
        author=nfc_text(author),
        lang="vi",
        initialFontName=FONTS.regular,
        initialFontSize=13,
        # No creation time or random file id: the same content gives the same bytes (a
        # report exported again after a backup is restored is the same file).
        invariant=1,
    )
    doc.build(story, canvasmaker=NumberedCanvas)
    return buffer.getvalue()
