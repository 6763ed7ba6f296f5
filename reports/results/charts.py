"""Small horizontal bar charts for the reports, laid out once (in mm) and drawn twice: as
vector shapes in the PDF (reportlab graphics) and as a PNG picture in the Word file
(Pillow; python-docx holds pictures, not drawings). Both draw the same rectangles and the
same text in the documents' serif (IBM Plex Serif, with every Vietnamese letter)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from PIL import Image, ImageDraw, ImageFont
from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors
from reportlab.lib.units import mm

from core.documents.header import FONTS, font_files, register_fonts
from courses.vietnamese import nfc

PNG_DPI = 200
ROW_MM = 8.5  # a label line and its bar
LABEL_PT = 9
TITLE_PT = 10
BAR_MM = 3.2
TRACK = "#e9ecef"
BAR = "#0d6efd"


@dataclass
class Bar:
    label: str
    value: float | None  # None: nothing to measure (no bar)
    text: str  # the value as printed: "4,25"


@dataclass
class Chart:
    """``bars`` out of ``scale`` (5 for a mean on the 1–5 scale)."""

    title: str
    bars: list[Bar] = field(default_factory=list)
    scale: float = 5
    width_mm: float = 150

    @property
    def height_mm(self) -> float:
        return 7 + ROW_MM * len(self.bars) + 1


@dataclass
class _Shape:
    kind: str  # "rect" or "text"
    x: float  # mm from the left
    y: float  # mm from the top (of the shape's top edge, or of the text's baseline)
    w: float = 0
    h: float = 0
    colour: str = "#000000"
    text: str = ""
    size: float = LABEL_PT
    bold: bool = False
    anchor: str = "start"  # "start" or "end"


def _shapes(chart: Chart) -> list[_Shape]:
    shapes = [_Shape("text", 0, 4, text=nfc(chart.title), size=TITLE_PT, bold=True)]
    top = 7.0
    for bar in chart.bars:
        shapes.append(_Shape("text", 0, top + 3, text=nfc(bar.label)))
        shapes.append(
            _Shape("text", chart.width_mm, top + 3, text=bar.text, bold=True, anchor="end")
        )
        shapes.append(_Shape("rect", 0, top + 4.2, chart.width_mm, BAR_MM, TRACK))
        if bar.value:
            share = max(0.0, min(1.0, bar.value / chart.scale))
            shapes.append(_Shape("rect", 0, top + 4.2, chart.width_mm * share, BAR_MM, BAR))
        top += ROW_MM
    return shapes


def chart_drawing(chart: Chart) -> Drawing:
    """The chart as a reportlab Drawing (a flowable): vector shapes, embedded font."""
    fonts = register_fonts()
    height = chart.height_mm
    drawing = Drawing(chart.width_mm * mm, height * mm)
    for s in _shapes(chart):
        if s.kind == "rect":
            drawing.add(
                Rect(
                    s.x * mm,
                    (height - s.y - s.h) * mm,
                    s.w * mm,
                    s.h * mm,
                    fillColor=colors.HexColor(s.colour),
                    strokeColor=None,
                )
            )
        else:
            drawing.add(
                String(
                    s.x * mm,
                    (height - s.y) * mm,
                    s.text,
                    fontName=fonts.bold if s.bold else fonts.regular,
                    fontSize=s.size,
                    textAnchor=s.anchor,
                )
            )
    return drawing


def chart_png(chart: Chart) -> bytes:
    """The same chart as a PNG at 200 dpi, for the Word file."""
    files = font_files()
    px = PNG_DPI / 25.4

    def font(size: float, bold: bool) -> ImageFont.FreeTypeFont:
        path = files[FONTS.bold if bold else FONTS.regular]
        return ImageFont.truetype(str(path), round(size / 72 * PNG_DPI))

    image = Image.new("RGB", (round(chart.width_mm * px), round(chart.height_mm * px)), "white")
    draw = ImageDraw.Draw(image)
    for s in _shapes(chart):
        if s.kind == "rect":
            if s.w > 0:
                draw.rectangle(
                    [s.x * px, s.y * px, (s.x + s.w) * px - 1, (s.y + s.h) * px - 1],
                    fill=s.colour,
                )
        else:
            draw.text(
                (s.x * px, s.y * px),
                s.text,
                fill="black",
                font=font(s.size, s.bold),
                anchor="rs" if s.anchor == "end" else "ls",
            )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", dpi=(PNG_DPI, PNG_DPI))
    return buffer.getvalue()
