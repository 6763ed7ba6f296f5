"""The certificate of completion ("Giấy chứng nhận") as a PDF, drawn from a
:class:`~certificates.content.CertificateContent` and nothing else.

One A4 landscape page that reads like a document of the Department: a dark-red double
frame, the Decree 30/2020 header (issuing body | national name and motto), the title, the
person and the class, and at the bottom the QR code that leads to the public verification
page (left) and the place/date line with the signer's block (right).

Why it is drawn straight on a reportlab Canvas (no platypus): a class's 360 certificates
go into one merged file, and every layout decision here is a few measurements (:mod:`core.documents.fitting`).
Why ``invariant=1``: the same content must give the same bytes, so a re-printed copy can be
compared with the archived one. The frame is a form XObject, written once per file; fonts
are embedded once per file as subsets; the QR code is one filled path of integer
rectangles — together they keep a page of a merged file to a few kilobytes.

Text goes through :func:`core.documents.header.nfc_text` before it is measured or drawn: reportlab
does not compose combining marks, so an NFD name would print with floating accents.
Nothing may run outside the frame: every variable string is shrunk and/or wrapped to its
box, and shrunk further (below the usual minimum) only when nothing else fits.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import BinaryIO

from reportlab.lib.colors import HexColor, black
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from certificates.content import CertificateContent
from core.documents.fitting import fit_lines, fit_name, fit_one_line, text_width
from core.documents.header import (
    MOTTO,
    NATIONAL_NAME,
    header_bodies,
    nfc_text,
    place_date,
    register_fonts,
)
from core.documents.qr import QUIET_MODULES, draw_qr, qr_matrix
from core.documents.wording import dmy, period
from courses.vietnamese import clean_text

PAGE_SIZE = landscape(A4)  # 297 × 210 mm
TITLE = "GIẤY CHỨNG NHẬN"
DOCUMENT_TITLE = "Giấy chứng nhận"

RED = HexColor("#8B1A1A")
GREY = HexColor("#444444")

# The frame: a thick outer line 10 mm from the edge, a thin inner one 2.5 mm inside it.
OUTER_INSET = 10 * mm
INNER_INSET = 12.5 * mm
# Everything else stays inside this box (9.5 mm clear of the inner frame).
CONTENT_INSET = 22 * mm
X0 = CONTENT_INSET
X1 = PAGE_SIZE[0] - CONTENT_INSET
Y0 = CONTENT_INSET
Y1 = PAGE_SIZE[1] - CONTENT_INSET
WIDTH = X1 - X0

# Header columns (Decree 30): issuing body in the left 45 %, national name on the right.
LEFT_W = WIDTH * 0.45
RIGHT_W = WIDTH - LEFT_W
LEFT_CX = X0 + LEFT_W / 2
RIGHT_CX = X0 + LEFT_W + RIGHT_W / 2
HEADER_SIZE = 13

TITLE_SIZE = 32
TITLE_TRACKING = 1.5

# The body: labels at one indent, values after them, wrapped lines hang under the value.
BODY_X0 = X0 + 12 * mm
BODY_X1 = X1 - 12 * mm
BODY_SIZE = 15
BODY_MIN_SIZE = 12
NAME_SIZE = 20

# Bottom left: the QR code (modules only; the 4-module quiet zone is left blank around it).
QR_SIZE = 28 * mm
QR_QUIET_MODULES = QUIET_MODULES
# Bottom right: place/date line, signer's title, room for signature and seal, name.
SIGN_SIZE = 14
SIGN_WIDTH = RIGHT_W - 10 * mm
SIGNATURE_SPACE = 25 * mm

FRAME_FORM = "gcnFrame"


@dataclass(frozen=True)
class _Line:
    """One body line: a label in regular type, then the value (``value_lines`` wrapped
    under the value's start), each part at its own size."""

    label: str
    value_lines: tuple[str, ...]
    value_font: str
    value_size: float
    label_size: float


# ---------------------------------------------------------------------------- text fitting


def _draw_centred_fitted(
    canvas: Canvas, text: str, font: str, size: float, cx: float, y: float, width: float
) -> float:
    """Draw ``text`` centred on ``cx``, shrunk to ``width`` if needed; return the size."""
    size = fit_one_line(text, font, size, width, minimum=size * 0.7)
    canvas.setFont(font, size)
    canvas.drawCentredString(cx, y, text)
    return size


# ---------------------------------------------------------------------------- the frame


def _define_frame(canvas: Canvas) -> None:
    """The double frame with corner ornaments, as a form XObject: written once per file,
    each page refers to it with a dozen bytes."""
    width, height = PAGE_SIZE
    canvas.beginForm(FRAME_FORM)
    canvas.setStrokeColor(RED)
    canvas.setFillColor(RED)
    canvas.setLineWidth(2.4)
    canvas.rect(OUTER_INSET, OUTER_INSET, width - 2 * OUTER_INSET, height - 2 * OUTER_INSET)
    canvas.setLineWidth(0.7)
    canvas.rect(INNER_INSET, INNER_INSET, width - 2 * INNER_INSET, height - 2 * INNER_INSET)

    # In each corner: an L-shaped bracket inside the inner frame and a small diamond
    # where its arms meet — a few lines, no images.
    gap = 2.2 * mm
    arm = 16 * mm
    half = 1.5 * mm
    path = canvas.beginPath()
    diamonds = canvas.beginPath()
    for sx, sy, x, y in (
        (1, 1, INNER_INSET, INNER_INSET),
        (-1, 1, width - INNER_INSET, INNER_INSET),
        (1, -1, INNER_INSET, height - INNER_INSET),
        (-1, -1, width - INNER_INSET, height - INNER_INSET),
    ):
        cx, cy = x + sx * gap, y + sy * gap
        path.moveTo(cx + sx * arm, cy)
        path.lineTo(cx, cy)
        path.lineTo(cx, cy + sy * arm)
        dx, dy = cx + sx * 3.6 * mm, cy + sy * 3.6 * mm
        diamonds.moveTo(dx - half, dy)
        diamonds.lineTo(dx, dy + half)
        diamonds.lineTo(dx + half, dy)
        diamonds.lineTo(dx, dy - half)
        diamonds.close()
    canvas.setLineWidth(0.9)
    canvas.drawPath(path, stroke=1, fill=0)
    canvas.drawPath(diamonds, stroke=0, fill=1)
    canvas.endForm()


def _draw_frame(canvas: Canvas) -> None:
    if not canvas.hasForm(FRAME_FORM):
        _define_frame(canvas)
    canvas.doForm(FRAME_FORM)


# ---------------------------------------------------------------------------- the header


@lru_cache(maxsize=64)
def _issuer_layout(issuer: str, bold: str) -> tuple[float, tuple[str, ...]]:
    """The issuing body's size and lines: shrunk to one line down to 11 pt, else two
    lines (shrunk further only if two lines at 11 pt are still too wide)."""
    width = LEFT_W - 4 * mm
    size = fit_one_line(issuer, bold, HEADER_SIZE, width, minimum=11)
    if size >= 11:
        return size, (issuer,)
    size, lines = fit_lines(issuer, bold, HEADER_SIZE, width, minimum=11, max_lines=2)
    return size, tuple(lines)


def _draw_header(canvas: Canvas, content: CertificateContent, fonts) -> float:
    """Draw the two header columns; return the y of the lower rule (the header's bottom)."""
    top = Y1 - HEADER_SIZE * 0.8
    leading = HEADER_SIZE * 1.3
    canvas.setFillColor(black)
    canvas.setStrokeColor(black)
    canvas.setLineWidth(0.6)

    # Left: parent body, issuing body (bold), a short rule centred under it.
    y = top
    # Whatever the settings say, the header prints the bodies as Decree 30 writes them
    # ("UBND TỈNH LAI CHÂU" over "SỞ THÔNG TIN VÀ TRUYỀN THÔNG"), each on one line.
    parent_body, issuing_body = header_bodies(content.parent_body, content.issuing_body)
    parent = clean_text(parent_body).upper()
    if parent:
        _draw_centred_fitted(canvas, parent, fonts.regular, HEADER_SIZE, LEFT_CX, y, LEFT_W)
        y -= leading
    issuer = clean_text(issuing_body).upper()
    size, lines = _issuer_layout(issuer, fonts.bold)
    canvas.setFont(fonts.bold, size)
    widest = 0.0
    for n, line in enumerate(lines):
        if n:
            y -= size * 1.25
        canvas.drawCentredString(LEFT_CX, y, line)
        widest = max(widest, text_width(line, fonts.bold, size))
    left_rule_y = y - 7.5
    rule = max(min(widest * 0.4, LEFT_W), 25 * mm)
    canvas.line(LEFT_CX - rule / 2, left_rule_y, LEFT_CX + rule / 2, left_rule_y)

    # Right: national name and motto (bold), a rule as long as the motto.
    canvas.setFont(fonts.bold, HEADER_SIZE)
    canvas.drawCentredString(RIGHT_CX, top, NATIONAL_NAME)
    motto_size = HEADER_SIZE + 1
    motto_y = top - leading
    canvas.setFont(fonts.bold, motto_size)
    canvas.drawCentredString(RIGHT_CX, motto_y, MOTTO)
    motto_w = text_width(MOTTO, fonts.bold, motto_size)
    right_rule_y = motto_y - 7.5
    canvas.line(RIGHT_CX - motto_w / 2, right_rule_y, RIGHT_CX + motto_w / 2, right_rule_y)
    return min(left_rule_y, right_rule_y)


# ---------------------------------------------------------------------------- the body


def _birth(content: CertificateContent) -> tuple[str, str] | None:
    if content.date_of_birth:
        return "Sinh ngày: ", dmy(content.date_of_birth)
    if content.birth_year:
        return "Năm sinh: ", str(content.birth_year)
    return None


def _body_lines(content: CertificateContent, fonts, size: float) -> list[_Line]:
    """The body at base size ``size``: each value fitted to the room after its label."""
    room = BODY_X1 - BODY_X0
    lines: list[_Line] = []

    def add(label: str, value: str, font: str, *, max_lines: int, minimum: float) -> None:
        value_w = room - text_width(label, fonts.regular, size)
        vsize, wrapped = fit_lines(
            value, font, size, value_w, minimum=min(minimum, size), max_lines=max_lines
        )
        lines.append(_Line(label, tuple(wrapped), font, vsize, size))

    # The name in capitals (str.upper() handles every Vietnamese letter), bold and larger.
    honorific = nfc_text(content.honorific)
    label = f"Chứng nhận: {honorific} " if honorific else "Chứng nhận: "
    name = clean_text(nfc_text(content.full_name)).upper()
    name_room = room - text_width(label, fonts.regular, size)
    largest = size * NAME_SIZE / BODY_SIZE
    name_size, name_lines = fit_name(
        name,
        fonts.bold,
        name_room,
        largest=largest,
        one_line_down_to=largest * 0.72,
        smallest=size * 0.8,
    )
    lines.append(_Line(label, tuple(name_lines), fonts.bold, name_size, size))

    birth = _birth(content)
    if birth:
        add(*birth, fonts.regular, max_lines=1, minimum=size * 0.8)
    unit = clean_text(nfc_text(content.unit))
    if unit:
        add("Đơn vị: ", unit, fonts.regular, max_lines=2, minimum=BODY_MIN_SIZE)
    add(
        "Đã hoàn thành lớp: ",
        clean_text(nfc_text(content.class_title)),
        fonts.bold,
        max_lines=3,
        minimum=BODY_MIN_SIZE,
    )
    add(
        "Thời gian: ",
        period(content.start_date, content.end_date),
        fonts.regular,
        max_lines=1,
        minimum=BODY_MIN_SIZE,
    )
    venue = clean_text(nfc_text(content.venue))
    if venue:
        add("Địa điểm: ", venue, fonts.regular, max_lines=2, minimum=BODY_MIN_SIZE)
    return lines


def _advances(lines: list[_Line], leading: float) -> list[float]:
    """Baseline-to-baseline distance before each printed line (first one: from the top
    of the body to its first baseline); wrapped lines of one value sit closer."""
    out: list[float] = []
    for line in lines:
        for n, _ in enumerate(line.value_lines):
            if n:
                out.append(max(line.value_size * 1.25, line.label_size * 1.2))
            else:
                out.append(max(leading, line.value_size * 1.45))
    return out


def _layout_body(
    content: CertificateContent, fonts, top: float, bottom: float
) -> tuple[list[_Line], list[float]]:
    """The body lines and their baselines, filling the band between ``top`` and
    ``bottom``: the base size shrinks (and the line spacing tightens) until it fits, and a
    short body is centred in the band rather than crowding the title."""
    size = BODY_SIZE
    while True:
        lines = _body_lines(content, fonts, size)
        for factor in (1.8, 1.65, 1.5, 1.4, 1.3):
            advances = _advances(lines, size * factor)
            # From the band's top to the first baseline: the first line's cap height.
            cap = max(lines[0].value_size, lines[0].label_size) * 0.75
            height = cap + sum(advances[1:])
            if height <= top - bottom:
                break
        if height <= top - bottom or size <= 8:
            break
        size -= 0.5
    first = top - (top - bottom - height) / 2 - cap
    baselines = [first]
    for advance in advances[1:]:
        baselines.append(baselines[-1] - advance)
    return lines, baselines


def _draw_body(canvas: Canvas, lines: list[_Line], baselines: list[float], fonts) -> None:
    """Labels at one indent, values after them; the block as a whole is centred on the
    page (never left of ``BODY_X0``), so a short body does not hug the left side."""
    label_widths = [text_width(line.label, fonts.regular, line.label_size) for line in lines]
    block = max(
        label_w
        + max(text_width(text, line.value_font, line.value_size) for text in line.value_lines)
        for label_w, line in zip(label_widths, lines, strict=True)
    )
    x = max(BODY_X0, (PAGE_SIZE[0] - block) / 2)
    canvas.setFillColor(black)
    index = 0
    for label_w, line in zip(label_widths, lines, strict=True):
        canvas.setFont(fonts.regular, line.label_size)
        canvas.drawString(x, baselines[index], line.label)
        canvas.setFont(line.value_font, line.value_size)
        for text in line.value_lines:
            canvas.drawString(x + label_w, baselines[index], text)
            index += 1


# ---------------------------------------------------------------------------- QR and signature


@dataclass(frozen=True)
class _Verification:
    """Where the bottom-left block goes (baselines, bottom-up: URL, code, QR, number)."""

    matrix: list[list[bool]]
    url_y: float
    code_y: float
    qr_y: float
    number_y: float

    @property
    def top(self) -> float:
        return self.number_y + VERIFY_NUMBER_SIZE


VERIFY_URL_SIZE = 8
VERIFY_CODE_SIZE = 9.5
VERIFY_NUMBER_SIZE = 13
VERIFY_WIDTH = LEFT_W - 6 * mm


def _verification_layout(content: CertificateContent) -> _Verification:
    matrix = qr_matrix(content.verify_url)
    # The quiet zone: nothing is drawn within 4 modules of the symbol.
    quiet = QR_QUIET_MODULES * QR_SIZE / len(matrix)
    url_y = Y0 + 2
    code_y = url_y + VERIFY_CODE_SIZE * 1.35
    qr_y = code_y + VERIFY_CODE_SIZE * 0.9 + quiet
    number_y = qr_y + QR_SIZE + quiet + 2
    return _Verification(matrix, url_y, code_y, qr_y, number_y)


def _draw_verification(
    canvas: Canvas, content: CertificateContent, layout: _Verification, fonts
) -> None:
    """Bottom left: "Số: …", the QR code, then the verification code and the URL in small
    type — for a reader without a phone."""
    number = f"Số: {nfc_text(content.register_number)}"
    size = fit_one_line(number, fonts.regular, VERIFY_NUMBER_SIZE, VERIFY_WIDTH, minimum=8)
    canvas.setFillColor(black)
    canvas.setFont(fonts.regular, size)
    canvas.drawString(X0, layout.number_y, number)

    draw_qr(canvas, layout.matrix, X0, layout.qr_y, QR_SIZE)

    canvas.setFillColor(GREY)
    code = f"Mã tra cứu: {nfc_text(content.verify_code)}"
    size = fit_one_line(code, fonts.regular, VERIFY_CODE_SIZE, VERIFY_WIDTH, minimum=6)
    canvas.setFont(fonts.regular, size)
    canvas.drawString(X0, layout.code_y, code)
    url = nfc_text(content.verify_url)
    size = fit_one_line(url, fonts.regular, VERIFY_URL_SIZE, VERIFY_WIDTH, minimum=5)
    canvas.setFont(fonts.regular, size)
    canvas.drawString(X0, layout.url_y, url)
    canvas.setFillColor(black)


def _signer_titles(content: CertificateContent) -> list[str]:
    return [clean_text(part).upper() for part in nfc_text(content.signer_title).split("\n")]


def _signature_top(titles: list[str]) -> float:
    """Top of the bottom-right block: name at the bottom, the signature space, then
    the title lines and the place/date line above."""
    last_title_y = Y0 + 2 + SIGNATURE_SPACE + SIGN_SIZE * 0.75
    return last_title_y + len([t for t in titles if t]) * SIGN_SIZE * 1.3 + SIGN_SIZE


def _draw_signature(canvas: Canvas, content: CertificateContent, fonts) -> None:
    """Bottom right, top-down (reading order): place/date in italics, the signer's title
    in bold capitals (one centred line per line of ``signer_title``: "KT. GIÁM ĐỐC" /
    "PHÓ GIÁM ĐỐC"), room for the signature and seal, the signer's name in bold."""
    titles = [t for t in _signer_titles(content) if t]
    y = _signature_top(titles) - SIGN_SIZE
    canvas.setFillColor(black)
    dated = place_date(content.issue_place, content.issued_on)
    _draw_centred_fitted(canvas, dated, fonts.italic, SIGN_SIZE, RIGHT_CX, y, SIGN_WIDTH)
    for title in titles:
        y -= SIGN_SIZE * 1.3
        _draw_centred_fitted(canvas, title, fonts.bold, SIGN_SIZE, RIGHT_CX, y, SIGN_WIDTH)
    name = clean_text(nfc_text(content.signer_name))
    if name:
        _draw_centred_fitted(canvas, name, fonts.bold, SIGN_SIZE, RIGHT_CX, Y0 + 2, SIGN_WIDTH)


# ---------------------------------------------------------------------------- public API


def draw_certificate(canvas: Canvas, content: CertificateContent) -> None:
    """Draw one certificate on the current page of ``canvas`` (the caller calls
    ``showPage``). Exposed so a caller can put certificates into a canvas of its own;
    the page must be :data:`PAGE_SIZE`.

    Drawn in reading order (header, title, body, number and QR, signature) so text
    extracted from the PDF reads top to bottom; the bottom blocks are measured first
    because the body fills the band between the title and them.
    """
    fonts = register_fonts()
    _draw_frame(canvas)
    header_bottom = _draw_header(canvas, content, fonts)

    title_y = header_bottom - 13 * mm
    canvas.setFillColor(RED)
    canvas.setFont(fonts.bold, TITLE_SIZE)
    # Slightly letter-spaced, as engraved titles are; a fixed string, so it always fits.
    canvas.drawCentredString(PAGE_SIZE[0] / 2, title_y, TITLE, charSpace=TITLE_TRACKING)

    verification = _verification_layout(content)
    bottom = max(verification.top, _signature_top(_signer_titles(content)))
    lines, baselines = _layout_body(content, fonts, title_y - 10 * mm, bottom + 4 * mm)
    _draw_body(canvas, lines, baselines, fonts)
    _draw_verification(canvas, content, verification, fonts)
    _draw_signature(canvas, content, fonts)


def _new_canvas(buffer: BinaryIO) -> Canvas:
    fonts = register_fonts()
    canvas = Canvas(
        buffer,
        pagesize=PAGE_SIZE,
        pageCompression=1,
        invariant=1,  # no timestamps or random ids: same content, same bytes
        initialFontName=fonts.regular,  # pages never start in (unembedded) Helvetica
        initialFontSize=BODY_SIZE,
        lang="vi",
    )
    canvas.setTitle(DOCUMENT_TITLE)
    return canvas


def certificate_pdf(content: CertificateContent) -> bytes:
    """One certificate, one page."""
    return merged_pdf([content])


def merged_pdf(
    contents: Iterable[CertificateContent], *, on_page: Callable[[int], None] | None = None
) -> bytes:
    """All ``contents`` as one PDF, one page each, drawn on a single canvas (so fonts and
    the frame are stored once, not once per certificate). ``on_page(n)`` is called after
    page ``n`` (1-based) for progress reporting."""
    buffer = io.BytesIO()
    canvas = _new_canvas(buffer)
    author = ""
    for n, content in enumerate(contents, start=1):
        if n == 1:
            author = nfc_text(content.issuing_body)
        draw_certificate(canvas, content)
        canvas.showPage()
        if on_page is not None:
            on_page(n)
    if author:
        canvas.setAuthor(author)
    canvas.save()
    return buffer.getvalue()


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _ascii_fold(text: str) -> str:
    """'Đặng Thị Ánh' -> 'Dang Thi Anh' (case kept, unlike courses.vietnamese.fold)."""
    text = clean_text(nfc_text(text)).replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _slug(text: str) -> str:
    folded = _ascii_fold(text).replace(" ", "-").replace("/", "-")
    slug = _UNSAFE.sub("", folded)
    slug = re.sub(r"-{2,}", "-", slug)
    return slug.strip(".-_")


def pdf_filename(content: CertificateContent) -> str:
    """'001-GCN-STTTT_Nguyen-Van-An.pdf': the register number and the name in plain
    ASCII, so the file opens from any unzip tool and any Windows folder."""
    number = _slug(content.register_number)[:40]
    name = _slug(content.full_name)[:80]
    stem = "_".join(part for part in (number, name) if part) or "giay-chung-nhan"
    return f"{stem}.pdf"


def write_zip(
    contents: Iterable[CertificateContent],
    fileobj: BinaryIO,
    *,
    on_item: Callable[[int], None] | None = None,
) -> int:
    """Write a ZIP of one PDF per certificate to ``fileobj``; return how many.

    Entry names come from :func:`pdf_filename` (a clash gets "-2", "-3" …). Entries are
    dated by the issue date, not the clock, so the same certificates make the same ZIP.
    ``on_item(n)`` is called after the ``n``-th entry.
    """
    seen: set[str] = set()
    count = 0
    with zipfile.ZipFile(fileobj, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for content in contents:
            name = pdf_filename(content)
            stem, suffix = name[: -len(".pdf")], ".pdf"
            k = 2
            while name.lower() in seen:  # Windows folders are case-insensitive
                name = f"{stem}-{k}{suffix}"
                k += 1
            seen.add(name.lower())
            issued = content.issued_on
            info = zipfile.ZipInfo(name, date_time=(issued.year, issued.month, issued.day, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, certificate_pdf(content))
            count += 1
            if on_item is not None:
                on_item(count)
    return count
