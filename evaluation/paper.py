"""The printed evaluation form (phiếu đánh giá): one per reserved number, A4, with the
Decree 30 header of the class's organiser, the form number at the top of every page (a
form of two pages is put back together by it), the scale, a table per section with a
box per point of the scale, and lines for comments. No name field: forms are anonymous.
"""

from __future__ import annotations

import io

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    PageBreak,
    PageTemplate,
    Spacer,
)

from core.documents.header import (
    FONTS,
    MARGIN_BOTTOM,
    MARGIN_LEFT,
    MARGIN_RIGHT,
    MARGIN_TOP,
    document_table,
    frame_width,
    header_bodies,
    nfc_text,
    official_header,
    para,
    register_fonts,
    style,
)
from core.documents.wording import long_date, period
from evaluation.models import Evaluation
from evaluation.rules import SCALE, SCALE_LABELS, form_label

TITLE = "PHIẾU ĐÁNH GIÁ CHẤT LƯỢNG KHÓA BỒI DƯỠNG"
COMMENT_LINES = 2


class FormMark(Flowable):
    """Draws nothing; tells the page decoration which form the pages from here on
    belong to (the first flowable of each form)."""

    def __init__(self, label: str):
        super().__init__()
        self.label = label

    def wrap(self, availWidth, availHeight):
        return 0, 0

    def draw(self):
        self.canv._evaluation_form_label = self.label


def _stamp_label(canvas, doc) -> None:
    """The form number, boxed, at the top right of every page (drawn at the page's end,
    when the form's mark has been met)."""
    label = getattr(canvas, "_evaluation_form_label", "")
    if not label:
        return
    fonts = register_fonts()
    text = f"Phiếu số: {label}"
    size = 12
    width = canvas.stringWidth(text, fonts.bold, size) + 6 * mm
    x = A4[0] - MARGIN_RIGHT - width
    y = A4[1] - MARGIN_TOP / 2 - 3 * mm
    canvas.saveState()
    canvas.setLineWidth(1)
    canvas.rect(x, y - 2 * mm, width, 8 * mm)
    canvas.setFont(fonts.bold, size)
    canvas.drawCentredString(x + width / 2, y + 0.2 * mm, text)
    canvas.restoreState()


def _legend_text() -> str:
    return "; ".join(f"{v} = {SCALE_LABELS[v]}" for v in SCALE)


def _form_story(evaluation: Evaluation, number: int, sections: list, width: float) -> list:
    klass = evaluation.training_class
    organiser = klass.organiser
    parent = organiser.parent
    parent_body, issuing_body = header_bodies(parent.name if parent else "", organiser.name)
    label = form_label(klass.code, number)
    body = style("ev-body", size=12, leading=15, align=TA_JUSTIFY)
    cell = style("ev-cell", size=10.5, leading=12.5)
    head = style("ev-th", size=10.5, bold=True, leading=12.5, align=TA_CENTER)
    centre = style("ev-c", size=10.5, leading=12.5, align=TA_CENTER)
    section_head = style("ev-sh", size=11.5, bold=True, leading=14)
    story: list = [
        FormMark(label),
        *official_header(
            parent_body=parent_body,
            issuing_body=issuing_body,
            place=organiser.place or (parent.place if parent else ""),
            on=None,
            width=width,
        ),
        Spacer(0, 4 * mm),
        para(TITLE, style("ev-title", size=15, bold=True, align=TA_CENTER, leading=19)),
        para(
            f"Lớp: {klass.title} (mã lớp {klass.code})",
            style("ev-class", size=12, align=TA_CENTER, leading=15),
        ),
        para(
            f"Thời gian: {period(klass.start_date, klass.end_date, write=long_date)}",
            style("ev-dates", size=12, italic=True, align=TA_CENTER, leading=15),
        ),
        Spacer(0, 2 * mm),
        para(
            f"Số phiếu: {label}",
            style("ev-number", size=16, bold=True, align=TA_CENTER, leading=20),
        ),
        Spacer(0, 3 * mm),
        para(
            "Để nâng cao chất lượng các khóa bồi dưỡng, đề nghị anh/chị cho biết ý kiến "
            "bằng cách đánh dấu (X) vào một ô phù hợp cho mỗi tiêu chí. Phiếu không ghi "
            "tên người trả lời. Phiếu bỏ trống quá 5% số tiêu chí sẽ không được tính.",
            body,
        ),
        para(
            f"Mức đánh giá: {_legend_text()}.",
            style("ev-legend", size=12, bold=True, leading=15, spaceBefore=2),
        ),
        Spacer(0, 3 * mm),
    ]
    box_w = 9 * mm
    number_w = 10 * mm
    text_w = width - number_w - box_w * len(SCALE)
    n = 0
    for roman, section in enumerate(sections, start=1):
        rows = [
            [
                para("TT", head),
                para("Tiêu chí", head),
                *[para(str(v), head) for v in SCALE],
            ]
        ]
        for indicator in section.indicators.all():
            n += 1
            rows.append([para(str(n), centre), para(indicator.text, cell), *[""] * len(SCALE)])
        table = document_table(
            rows,
            col_widths=[number_w, text_w, *[box_w] * len(SCALE)],
            repeatRows=1,
            commands=[
                ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.92, 0.92, 0.92)),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ],
        )
        prompt = (section.comment_prompt or "Ý kiến khác").rstrip(" :")
        ruled = document_table(
            [[""]] * COMMENT_LINES,
            col_widths=[width],
            rowHeights=[6.5 * mm] * COMMENT_LINES,
            commands=[("LINEBELOW", (0, 0), (-1, -1), 0.5, colors.grey, None, (1, 2))],
        )
        story += [
            # A section's title never ends a page alone.
            CondPageBreak(40 * mm),
            para(f"{_roman(roman)}. {section.title.upper()}", section_head),
            Spacer(0, 1.5 * mm),
            table,
            Spacer(0, 1 * mm),
            KeepTogether(
                [
                    para(
                        prompt if prompt.endswith("?") else f"{prompt}:",
                        style("ev-prompt", size=10.5, italic=True, leading=13),
                    ),
                    ruled,
                ]
            ),
            Spacer(0, 2 * mm),
        ]
    story.pop()  # no space after the last lines: it could open a page of its own
    # The thanks go with the last comment lines: never a page of their own.
    story[-1]._content.append(
        para(
            "Xin trân trọng cảm ơn anh/chị! Đề nghị nộp lại phiếu cho ban tổ chức lớp.",
            style("ev-thanks", size=11.5, italic=True, align=TA_CENTER, leading=14, spaceBefore=4),
        )
    )
    return story


def _roman(n: int) -> str:
    numerals = [(10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    out = ""
    for value, letters in numerals:
        while n >= value:
            out, n = out + letters, n - value
    return out


def paper_forms_pdf(evaluation: Evaluation, first: int, last: int) -> bytes:
    """Forms ``first``..``last`` of the class, each starting on a new page."""

    register_fonts()
    width = frame_width(A4)
    sections = list(evaluation.sections.prefetch_related("indicators"))
    story: list = []
    for number in range(first, last + 1):
        if story:
            story.append(PageBreak())
        story += _form_story(evaluation, number, sections, width)
    buffer = io.BytesIO()
    frame = Frame(
        MARGIN_LEFT,
        MARGIN_BOTTOM,
        width,
        A4[1] - MARGIN_TOP - MARGIN_BOTTOM,
        id="form",
    )
    klass = evaluation.training_class
    doc = BaseDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN_LEFT,
        rightMargin=MARGIN_RIGHT,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=nfc_text(f"Phiếu đánh giá — {klass.code}"),
        author=nfc_text(klass.organiser.name),
        lang="vi",
        initialFontName=FONTS.regular,
        invariant=1,
    )
    doc.addPageTemplates([PageTemplate(id="form", frames=[frame], onPageEnd=_stamp_label)])
    doc.build(story)
    return buffer.getvalue()
