"""The one QR encoder of every document: the ``qrcode`` package finds the modules, and
reportlab draws them as vectors (one filled path of integer rectangles), so a code stays
sharp at any printer resolution and costs a few hundred bytes a page.

Error correction M and a 4-module quiet zone everywhere (badges, invitation letters,
certificates): a badge is read by phone cameras in a hall, a certificate years later.
"""

from __future__ import annotations

import qrcode
from reportlab.lib.colors import black
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

from courses.vietnamese import nfc

#: Blank modules around the symbol that readers need to find it (ISO/IEC 18004: 4).
QUIET_MODULES = 4


def qr_matrix(value: str) -> list[list[bool]]:
    """The QR modules of ``value`` (error correction M, smallest version, no border),
    rows top to bottom."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(nfc(str(value)))
    code.make(fit=True)
    return code.get_matrix()


def draw_qr(canvas: Canvas, matrix: list[list[bool]], x: float, y: float, size: float) -> None:
    """The modules as vectors with ``(x, y)`` the bottom-left corner of the symbol
    (quiet zone not included — the caller keeps it blank).

    Each horizontal run of dark modules is one rectangle, all in one path filled once
    (``re`` … ``f``), drawn in module units so every coordinate is a small integer. The
    operators are written directly: going through PDFPathObject.rect formats ~300 numbers
    per code in Python, 15 times slower for the same bytes.
    """
    n = len(matrix)
    ops: list[str] = []
    for r, row in enumerate(matrix):
        y_row = n - 1 - r
        c = 0
        while c < n:
            if row[c]:
                start = c
                while c < n and row[c]:
                    c += 1
                ops.append(f"{start} {y_row} {c - start} 1 re")
            else:
                c += 1
    ops.append("f")
    canvas.saveState()
    canvas.translate(x, y)
    canvas.scale(size / n, size / n)
    canvas.setFillColor(black)
    canvas.addLiteral("\n".join(ops))
    canvas.restoreState()


def draw_qr_with_quiet_zone(canvas: Canvas, value: str, x: float, y: float, size: float) -> None:
    """``value`` as a symbol of ``size`` × ``size`` *including* its quiet zone, with
    ``(x, y)`` the zone's bottom-left corner (the zone is left blank)."""
    matrix = qr_matrix(value)
    module = size / (len(matrix) + 2 * QUIET_MODULES)
    quiet = QUIET_MODULES * module
    draw_qr(canvas, matrix, x + quiet, y + quiet, size - 2 * quiet)


class QrFlowable(Flowable):
    """A QR code of ``value`` as a platypus flowable, ``size`` × ``size`` with its quiet
    zone included."""

    def __init__(self, value: str, size: float):
        super().__init__()
        self.value = value
        self.size = size
        self.width = self.height = size

    def wrap(self, availWidth, availHeight):
        return self.size, self.size

    def draw(self):
        draw_qr_with_quiet_zone(self.canv, self.value, 0, 0, self.size)
