"""The results report as a PDF, through ``core.documents.header`` (IBM Plex Serif,
embedded), drawing the same blocks as the Word file."""

from __future__ import annotations

import datetime
from copy import copy
from dataclasses import replace
from typing import Unpack

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Paragraph, Spacer

from core.documents.header import (
    LAYOUT_COMMANDS,
    CentredRule,
    build_pdf,
    document_table,
    frame_width,
    official_header,
    para,
    register_fonts,
    style,
)
from reports.results.blocks import Block, Grid, report_blocks
from reports.results.charts import ROW_MM, Chart, chart_drawing
from reports.results.figures import ResultsFigures
from reports.results.frame import (
    INDENT_MM,
    SIGNATURE_COLUMNS_MM,
    DocumentFields,
    Frame,
    document_frame,
)

PDF_BODY_PT = 13


def _pdf_grid(grid: Grid) -> Flowable:
    fonts = register_fonts()
    aligns = {"l": TA_LEFT, "c": TA_CENTER, "r": TA_RIGHT}
    head = style("grid-head", size=grid.size, bold=True, align=TA_CENTER)
    cells = {
        (a, bold): style(f"grid-{a}-{bold}", size=grid.size, bold=bold, align=aligns[a])
        for a in aligns
        for bold in (False, True)
    }
    data = [[para(text, head) for text in grid.header]]
    for index, values in enumerate(grid.rows):
        bold = grid.total and index == len(grid.rows) - 1
        data.append(
            [para(text, cells[(a, bold)]) for text, a in zip(values, grid.align, strict=True)]
        )
    return document_table(
        data,
        col_widths=[w * mm for w in grid.widths],
        repeatRows=1,
        hAlign="CENTER",
        spaceBefore=2,
        spaceAfter=8,
        commands=[
            ("FONTNAME", (0, 0), (-1, -1), fonts.regular),
            ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            # The total row never opens a page alone under the repeated header: the last
            # row it sums goes with it.
            *([("NOSPLIT", (0, len(data) - 2), (-1, -1))] if grid.total and len(data) > 2 else []),
        ],
    )


def _for_signature(blocks: list[Block]) -> list[Block]:
    """The blocks of a document signed as printed: no "note" (a field the officer fills in
    the .docx), and no heading whose section was only such a field."""
    kept: list[Block] = []
    for i, block in enumerate(blocks):
        following = blocks[i + 1] if i + 1 < len(blocks) else None
        if block.kind == "note":
            continue
        if block.kind == "h1" and following is not None and following.kind == "note":
            continue
        kept.append(block)
    return kept


def _pdf_body(blocks: list[Block]) -> list[Flowable]:
    indent = INDENT_MM * mm
    body = style(
        "r-body",
        size=PDF_BODY_PT,
        align=TA_JUSTIFY,
        firstLineIndent=indent,
        spaceAfter=5,
        leading=PDF_BODY_PT * 1.3,
    )
    styles = {
        "h1": style(
            "r-h1",
            size=PDF_BODY_PT,
            bold=True,
            firstLineIndent=indent,
            spaceBefore=4,
            spaceAfter=5,
            keepWithNext=1,
        ),
        "h2": style(
            "r-h2",
            size=PDF_BODY_PT,
            bold=True,
            firstLineIndent=indent,
            spaceAfter=5,
            keepWithNext=1,
        ),
        "h3": style(
            "r-h3",
            size=PDF_BODY_PT,
            italic=True,
            firstLineIndent=indent,
            spaceAfter=5,
            keepWithNext=1,
        ),
        "note": style(
            "r-note",
            size=PDF_BODY_PT,
            italic=True,
            align=TA_JUSTIFY,
            firstLineIndent=indent,
            spaceAfter=5,
        ),
    }
    story: list[Flowable] = []
    for i, block in enumerate(blocks):
        if block.kind == "chart":
            story += [Spacer(1, 2 * mm), ChartFlowable(block.chart), Spacer(1, 4 * mm)]
            continue
        if block.kind != "table":
            story.append(para(block.text, styles.get(block.kind, body)))
            continue
        # A heading goes with what follows it; a heading over a table goes only with the
        # table's header and first rows. Kept "with next", it was kept together with the
        # *whole* table, which then moved to page 2 and left a third of page 1 empty.
        run: list[Paragraph] = []
        while len(run) < i and _leads_in(blocks[i - 1 - len(run)]):
            heading = story.pop()
            heading.style = _not_kept(heading.style)
            run.insert(0, heading)
        table = _pdf_grid(block.grid)
        if run:
            story.append(CondPageBreak(_height(run, table, rows=2)))
        story += [*run, table]
    return story


class ChartFlowable(Flowable):
    """A bar chart that may break between its bars. Drawn whole, a chart that did not fit
    under the text moved to the next page and left up to a third of page 1 empty; its
    first bars now fill that room and the rest continue, titled "(tiếp theo)", overleaf.
    At least two bars stay on either side, else it moves whole as before."""

    MIN_BARS = 2

    def __init__(self, chart: Chart):
        super().__init__()
        self.chart = chart
        self.drawing = chart_drawing(chart)
        self.hAlign = "CENTER"

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width, self.height = self.drawing.width, self.drawing.height
        return self.width, self.height

    def draw(self) -> None:
        self.drawing.drawOn(self.canv, 0, 0)

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        chart = self.chart
        fit = int((avail_height / mm - replace(chart, bars=[]).height_mm) // ROW_MM)
        if fit < self.MIN_BARS or len(chart.bars) - fit < self.MIN_BARS:
            return []
        return [
            ChartFlowable(replace(chart, bars=chart.bars[:fit])),
            ChartFlowable(
                replace(chart, title=f"{chart.title} (tiếp theo)", bars=chart.bars[fit:])
            ),
        ]


def _not_kept(heading: ParagraphStyle) -> ParagraphStyle:
    loose = copy(heading)
    loose.keepWithNext = 0
    return loose


HEADINGS = ("h1", "h2", "h3")


def _leads_in(block: Block) -> bool:
    """A heading, or a sentence that announces the table ("Tỷ lệ từng lớp:"): either
    goes onto the page of the table's first rows."""
    return block.kind in HEADINGS or (block.kind == "para" and block.text.rstrip().endswith(":"))


def _height(headings: list[Flowable], table: Flowable, *, rows: int) -> float:
    """The height of ``headings`` and of ``table``'s header and first ``rows`` rows."""
    width = frame_width(A4)
    height = sum(h.wrap(width, A4[1])[1] + h.getSpaceBefore() + h.getSpaceAfter() for h in headings)
    table.wrap(width, A4[1])
    return height + table.getSpaceBefore() + sum(table._rowHeights[: 1 + rows])


def _pdf_signature(frame: Frame) -> Flowable:
    left = [para("Nơi nhận:", style("r-to", size=12, bold=True, italic=True, spaceBefore=6))]
    left += [para(line, style("r-to-line", size=11)) for line in frame.recipients]
    centre = style("r-sign", size=PDF_BODY_PT, bold=True, align=TA_CENTER)
    right = [para(line, centre) for line in frame.signer_title]
    right.append(Spacer(1, 28 * mm))
    right.append(para(frame.signer_name, centre))
    widths = [w * mm for w in SIGNATURE_COLUMNS_MM]
    return document_table(
        [[left, right]],
        col_widths=widths,
        commands=[
            *LAYOUT_COMMANDS,
            ("TOPPADDING", (0, 0), (0, 0), 6),
        ],
    )


def blocks_pdf(
    frame: Frame, blocks: list[Block], *, place: str, on: datetime.date, author: str
) -> bytes:
    """A Decree 30 report as a PDF (the results and evaluation reports), through
    ``core.documents.header`` (IBM Plex Serif, embedded); "note" blocks are left out."""
    width = frame_width(A4)
    story = official_header(
        parent_body=frame.parent_body,
        issuing_body=frame.issuing_body,
        place=place,
        on=on,
        number=frame.number,
        width=width,
    )
    title = style("r-title", size=14, bold=True, align=TA_CENTER, leading=18)
    story += [
        Spacer(1, 8 * mm),
        para("BÁO CÁO", title),
        para(frame.subject, title),
        CentredRule(45 * mm, space=16, gap=9),
    ]
    story += _pdf_body(_for_signature(blocks))
    closing = story.pop()
    story.append(KeepTogether([closing, _pdf_signature(frame)]))
    return build_pdf(story, title=f"Báo cáo {frame.subject}", author=author)


def results_pdf(figures: ResultsFigures, **document: Unpack[DocumentFields]) -> bytes:
    """The same report as a PDF, through ``core.documents.header`` (IBM Plex Serif, embedded)."""
    frame = document_frame(figures, **document)
    return blocks_pdf(
        frame,
        report_blocks(figures),
        place=figures.place,
        on=document["on"],
        author=figures.issuing_body,
    )
