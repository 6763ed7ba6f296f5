"""Name badges (8 per A4 sheet) with the participant's QR attendance code. The invitation
letter (:mod:`certificates.invitations`) prints the same code at ``INVITATION_QR_SIZE``.

The QR code carries ``Enrollment.badge_token`` only — an opaque random string, never the
citizen ID or a database id — and is drawn by the shelf's one encoder
(:mod:`core.documents.qr`: vectors, error correction M, a 4-module quiet zone).

The sheet geometry is public (:func:`badge_box`, :func:`badge_qr_box`): the tests crop a
badge's QR code out of a rendered page and feed it to the same decoder the browser uses.

Every string goes through ``core.documents.header`` (NFC, IBM Plex Serif embedded); nothing is
drawn in reportlab's Helvetica.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from core.documents.fitting import clamp_lines, fit_name
from core.documents.header import (
    nfc_text,
    register_fonts,
)
from core.documents.qr import QUIET_MODULES, draw_qr_with_quiet_zone

if TYPE_CHECKING:
    from attendees.models import Enrollment
    from courses.models import TrainingClass

# ---------------------------------------------------------------------------- geometry
# All lengths in PDF points; y grows upwards from the page's bottom edge.

PAGE_SIZE = A4
COLUMNS = 2
ROWS = 4
BADGES_PER_PAGE = COLUMNS * ROWS
BADGE_WIDTH = 97 * mm
BADGE_HEIGHT = 70 * mm
# The grid is centred on the sheet: 8 mm left/right and 8.5 mm top/bottom on A4, inside
# what every office printer can print, with room for the cut marks.
SHEET_MARGIN_X = (PAGE_SIZE[0] - COLUMNS * BADGE_WIDTH) / 2
SHEET_MARGIN_Y = (PAGE_SIZE[1] - ROWS * BADGE_HEIGHT) / 2
BADGE_PADDING = 4.5 * mm
HEADER_HEIGHT = 17 * mm  # class code, two title lines and a rule, from the badge's top
QR_QUIET_MODULES = QUIET_MODULES
QR_SIZE = 38 * mm  # the whole symbol, quiet zone included (modules ≈ 29 mm for a token)
QR_INSET = 2.5 * mm  # from the badge's right edge to the symbol (the quiet zone adds more)
TOKEN_TAIL = 6  # characters of the token printed under the code, for typing in by hand
TAIL_CELL_WIDTH = 4.2 * mm
TAIL_CELL_HEIGHT = 5 * mm
TAIL_GAP = 0.8 * mm  # between the QR's quiet zone and the row of characters
INVITATION_QR_SIZE = 45 * mm

Box = tuple[float, float, float, float]


def badge_box(index: int) -> Box:
    """(x0, y0, x1, y1) of badge ``index`` on its sheet, in points from the page's
    bottom-left corner. Badges fill rows left to right, top to bottom; index 8 is the
    first badge of the second sheet, so only ``index % 8`` matters."""
    slot = index % BADGES_PER_PAGE
    row, column = divmod(slot, COLUMNS)
    x0 = SHEET_MARGIN_X + column * BADGE_WIDTH
    y1 = PAGE_SIZE[1] - SHEET_MARGIN_Y - row * BADGE_HEIGHT
    return (x0, y1 - BADGE_HEIGHT, x0 + BADGE_WIDTH, y1)


def badge_qr_box(index: int) -> Box:
    """(x0, y0, x1, y1) of the QR symbol of badge ``index`` (quiet zone included), in
    points from the page's bottom-left corner. The symbol and the row of token
    characters under it are centred in the badge's body, at its right edge."""
    _bx0, by0, bx1, by1 = badge_box(index)
    block = QR_SIZE + TAIL_GAP + TAIL_CELL_HEIGHT
    body_top = by1 - HEADER_HEIGHT
    body_bottom = by0 + BADGE_PADDING
    y1 = body_top - (body_top - body_bottom - block) / 2
    x1 = bx1 - QR_INSET
    return (x1 - QR_SIZE, y1 - QR_SIZE, x1, y1)


# ---------------------------------------------------------------------------- drawing helpers


def _draw_code_cells(
    canvas: Canvas, text: str, centre_x: float, top: float, font: str, size: float
) -> None:
    """``text`` one character per light box, the row centred on ``centre_x`` below
    ``top``: reads like monospace in a proportional face, and "-", "_" or a repeated
    letter cannot be miscounted when typed in by hand."""
    start_x = centre_x - TAIL_CELL_WIDTH * len(text) / 2
    bottom = top - TAIL_CELL_HEIGHT
    canvas.saveState()
    canvas.setStrokeColor(colors.Color(0.7, 0.7, 0.7))
    canvas.setLineWidth(0.4)
    for n, char in enumerate(text):
        x = start_x + n * TAIL_CELL_WIDTH
        canvas.rect(x, bottom, TAIL_CELL_WIDTH, TAIL_CELL_HEIGHT, stroke=1, fill=0)
        canvas.setFont(font, size)
        canvas.drawCentredString(
            x + TAIL_CELL_WIDTH / 2, bottom + (TAIL_CELL_HEIGHT - size * 0.7) / 2, char
        )
    canvas.restoreState()


def category_label(enrollment: Enrollment) -> str:
    category = enrollment.category
    return f"Đối tượng {category.code}) {category.name_vi}"


# ---------------------------------------------------------------------------- badges


def _draw_cut_marks(canvas: Canvas) -> None:
    """Light grey outlines of every badge, and dark ticks in the margins on each cut line
    (they survive when the outlines are trimmed off)."""
    width, height = PAGE_SIZE
    x_lines = [SHEET_MARGIN_X + c * BADGE_WIDTH for c in range(COLUMNS + 1)]
    y_lines = [SHEET_MARGIN_Y + r * BADGE_HEIGHT for r in range(ROWS + 1)]
    canvas.saveState()
    canvas.setStrokeColor(colors.Color(0.78, 0.78, 0.78))
    canvas.setLineWidth(0.4)
    canvas.setDash(2, 2)
    for x in x_lines:
        canvas.line(x, y_lines[0], x, y_lines[-1])
    for y in y_lines:
        canvas.line(x_lines[0], y, x_lines[-1], y)
    canvas.setDash()
    canvas.setStrokeColor(colors.Color(0.35, 0.35, 0.35))
    canvas.setLineWidth(0.5)
    gap = 1.5 * mm
    for x in x_lines:
        canvas.line(x, 1.5 * mm, x, y_lines[0] - gap)
        canvas.line(x, y_lines[-1] + gap, x, height - 1.5 * mm)
    for y in y_lines:
        canvas.line(1.5 * mm, y, x_lines[0] - gap, y)
        canvas.line(x_lines[-1] + gap, y, width - 1.5 * mm, y)
    canvas.restoreState()


def _draw_badge(
    canvas: Canvas, index: int, training_class: TrainingClass, enrollment: Enrollment
) -> None:
    fonts = register_fonts()
    bx0, by0, bx1, by1 = badge_box(index)
    left = bx0 + BADGE_PADDING
    inner = bx1 - bx0 - 2 * BADGE_PADDING
    grey = colors.Color(0.3, 0.3, 0.3)

    # Class code and (shortened) title, a rule under them.
    canvas.setFillColor(colors.black)
    baseline = by1 - BADGE_PADDING - 9.5 * 0.75
    canvas.setFont(fonts.bold, 9.5)
    canvas.drawString(left, baseline, nfc_text(training_class.code))
    canvas.setFillColor(grey)
    canvas.setFont(fonts.regular, 7.5)
    baseline -= 2
    for line in clamp_lines(training_class.title, fonts.regular, 7.5, inner, 2):
        baseline -= 9
        canvas.drawString(left, baseline, line)
    rule_y = by1 - HEADER_HEIGHT + 2 * mm  # 3.5 pt under the second title line
    canvas.saveState()
    canvas.setStrokeColor(colors.Color(0.55, 0.55, 0.55))
    canvas.setLineWidth(0.5)
    canvas.line(left, rule_y, bx1 - BADGE_PADDING, rule_y)
    canvas.restoreState()

    # The QR code on the right, the last characters of the token under it.
    qx0, qy0, qx1, _qy1 = badge_qr_box(index)
    draw_qr_with_quiet_zone(canvas, enrollment.badge_token, qx0, qy0, QR_SIZE)
    tail = nfc_text(enrollment.badge_token)[-TOKEN_TAIL:]
    canvas.setFillColor(colors.black)
    _draw_code_cells(canvas, tail, (qx0 + qx1) / 2, qy0 - TAIL_GAP, fonts.regular, 10)

    # On the left, clear of the QR's quiet zone: the name and unit from the top, the
    # category from the bottom.
    text_room = qx0 - 1.5 * mm - left
    size, lines = fit_name(enrollment.participant.full_name, fonts.bold, text_room)
    baseline = by1 - HEADER_HEIGHT - 0.5 * mm - size * 0.8
    canvas.setFont(fonts.bold, size)
    for n, line in enumerate(lines):
        if n:
            baseline -= size * 1.15
        canvas.drawString(left, baseline, line)

    unit_size = 10.5
    baseline -= size * 0.25 + 2.5 * mm + unit_size * 0.75
    canvas.setFont(fonts.regular, unit_size)
    for n, line in enumerate(
        clamp_lines(enrollment.organisation.name, fonts.regular, unit_size, text_room, 3)
    ):
        if n:
            baseline -= unit_size * 1.2
        canvas.drawString(left, baseline, line)

    cat_size = 7.5
    cat_leading = cat_size * 1.2
    bottom = by0 + BADGE_PADDING + cat_size * 0.25
    room = int((baseline - unit_size * 0.3 - 1.5 * mm - bottom - cat_size * 0.75) // cat_leading)
    lines = clamp_lines(
        category_label(enrollment), fonts.regular, cat_size, text_room, max(1, min(3, room + 1))
    )
    canvas.setFillColor(grey)
    canvas.setFont(fonts.regular, cat_size)
    for n, line in enumerate(lines):
        canvas.drawString(left, bottom + (len(lines) - 1 - n) * cat_leading, line)
    canvas.setFillColor(colors.black)


def badges_pdf(training_class: TrainingClass, enrollments: Sequence[Enrollment]) -> bytes:
    """Badges for ``enrollments`` (in the order given), 8 to an A4 sheet, with cut marks."""
    fonts = register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(
        buffer,
        pagesize=PAGE_SIZE,
        initialFontName=fonts.regular,
        initialFontSize=10,
        lang="vi",
    )
    canvas.setTitle(nfc_text(f"Thẻ học viên — {training_class.code}"))
    canvas.setAuthor(nfc_text(training_class.organiser.name))
    enrollments = list(enrollments)
    for start in range(0, max(len(enrollments), 1), BADGES_PER_PAGE):
        _draw_cut_marks(canvas)
        for index, enrollment in enumerate(enrollments[start : start + BADGES_PER_PAGE]):
            _draw_badge(canvas, index, training_class, enrollment)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
