"""The results report as an editable Word file (python-docx: paragraphs and tables
only, Times New Roman, A4 with the Decree 30 margins)."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Unpack

from docx import Document as DocxDocument
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_COLOR_INDEX, WD_LINE_SPACING
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from core.documents.fitting import times_width_mm
from core.documents.header import MOTTO, NATIONAL_NAME
from courses.vietnamese import nfc
from reports.results.blocks import Block, Grid, report_blocks
from reports.results.charts import chart_png
from reports.results.figures import ResultsFigures
from reports.results.frame import (
    INDENT_MM,
    SIGNATURE_COLUMNS_MM,
    DocumentFields,
    Frame,
    document_frame,
)

WORD_FONT = "Times New Roman"
BODY_PT = 14
TEXT_WIDTH_MM = 165  # 210 − 30 − 15
HEADER_COLUMNS_MM = (75.5, 89.5)


def _set_run_fonts(rpr) -> None:
    """Times New Roman for every script (no theme font left to override it), Vietnamese."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), WORD_FONT)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "vi-VN")


def _word_document() -> DocxDocument:
    doc = DocxDocument()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    section.header_distance = section.footer_distance = Mm(10)
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    if defaults is not None:
        for rpr in defaults.iter(qn("w:rPr")):
            _set_run_fonts(rpr)
    normal = doc.styles["Normal"]
    normal.font.name = WORD_FONT
    normal.font.size = Pt(BODY_PT)
    _set_run_fonts(normal.element.get_or_add_rPr())
    fmt = normal.paragraph_format
    fmt.space_before, fmt.space_after, fmt.line_spacing = Pt(0), Pt(6), 1.0
    fmt.widow_control = True
    # Decree 30: page numbers at the top centre, from the second page on.
    section.different_first_page_header_footer = True
    number = section.header.paragraphs[0]
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    page = OxmlElement("w:fldSimple")
    page.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "2"
    run.append(text)
    page.append(run)
    number._p.append(page)
    doc.core_properties.language = "vi-VN"
    # The template's thumbnail (a picture of a blank page) would be the file's preview.
    package = doc.part.package
    for key, rel in list(package.rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            del package.rels[key]
    return doc


def _word_para(
    container,
    text: str = "",
    *,
    size: float = BODY_PT,
    bold: bool = False,
    italic: bool = False,
    align=WD_ALIGN_PARAGRAPH.LEFT,
    first_line_mm: float = 0,
    before: float = 0,
    after: float = 6,
    keep_next: bool = False,
    highlight: bool = False,
    paragraph=None,
):
    """A paragraph of plain runs; "\\n" becomes a line break inside it."""
    p = paragraph if paragraph is not None else container.add_paragraph()
    fmt = p.paragraph_format
    p.alignment = align
    fmt.space_before, fmt.space_after = Pt(before), Pt(after)
    if first_line_mm:
        fmt.first_line_indent = Mm(first_line_mm)
    if keep_next:
        fmt.keep_with_next = True
    for i, line in enumerate(nfc(text).split("\n")):
        run = p.add_run()
        if i:
            run.add_break(WD_BREAK.LINE)
        run.add_text(line)
        run.font.size = Pt(size)
        run.bold, run.italic = bold or None, italic or None
        if highlight:
            run.font.highlight_color = WD_COLOR_INDEX.YELLOW
    return p


def _word_rule(container, length_mm: float, width_mm: float, *, paragraph=None) -> None:
    """A short centred horizontal rule: the bottom border of an empty 3 pt paragraph
    whose indents leave ``length_mm`` between them (no drawing, stays editable)."""
    p = paragraph if paragraph is not None else container.add_paragraph()
    ppr = p._p.get_or_add_pPr()
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "auto")):
        bottom.set(qn(key), value)
    border.append(bottom)
    ppr.insert(0 if ppr.find(qn("w:pStyle")) is None else 1, border)
    side = max((width_mm - length_mm) / 2, 0)
    fmt = p.paragraph_format
    fmt.left_indent = fmt.right_indent = Mm(side)
    fmt.space_before, fmt.space_after = Pt(0), Pt(4)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(3)


def _word_table(doc, rows: int, widths_mm: Iterable[float], *, grid: bool):
    widths = list(widths_mm)
    table = doc.add_table(rows=rows, cols=len(widths))
    if grid:
        table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False  # <w:tblLayout w:type="fixed"/>: Word keeps the widths
    tblpr = table._tbl.tblPr
    total = tblpr.find(qn("w:tblW"))
    if total is None:
        total = OxmlElement("w:tblW")
        tblpr.append(total)
    total.set(qn("w:w"), str(round(sum(widths) * 1440 / 25.4)))
    total.set(qn("w:type"), "dxa")
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Mm(width)
        for cell in column.cells:
            cell.width = Mm(width)
    return table


def _no_cell_margins(table) -> None:
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), "0")
        el.set(qn("w:type"), "dxa")
        margins.append(el)
    # The schema orders tblPr's children: tblCellMar goes before tblLook.
    tblpr = table._tbl.tblPr
    look = tblpr.find(qn("w:tblLook"))
    if look is None:
        tblpr.append(margins)
    else:
        look.addprevious(margins)


def _word_header(doc, frame: Frame) -> None:
    left_w, right_w = HEADER_COLUMNS_MM
    table = _word_table(doc, 2, HEADER_COLUMNS_MM, grid=False)
    _no_cell_margins(table)
    left, right = table.rows[0].cells
    centre = WD_ALIGN_PARAGRAPH.CENTER
    first = left.paragraphs[0]
    if frame.parent_body:
        _word_para(left, frame.parent_body, size=12, align=centre, after=0, paragraph=first)
        first = None
    _word_para(left, frame.issuing_body, size=12, bold=True, align=centre, after=0, paragraph=first)
    issuer_w = min(times_width_mm(frame.issuing_body, 12, bold=True), left_w)
    _word_rule(left, max(issuer_w * 0.4, 25), left_w)
    _word_para(
        right,
        NATIONAL_NAME,
        size=12,
        bold=True,
        align=centre,
        after=0,
        paragraph=right.paragraphs[0],
    )
    _word_para(right, MOTTO, size=13, bold=True, align=centre, after=0)
    _word_rule(right, times_width_mm(MOTTO, 13, bold=True), right_w)
    number, date = table.rows[1].cells
    _word_para(
        number,
        f"Số: {frame.number}",
        size=13,
        align=centre,
        after=0,
        paragraph=number.paragraphs[0],
    )
    _word_para(
        date,
        frame.place_date,
        size=13,
        italic=True,
        align=centre,
        after=0,
        paragraph=date.paragraphs[0],
    )


def _word_grid(doc, grid: Grid) -> None:
    table = _word_table(doc, len(grid.rows) + 1, grid.widths, grid=True)
    aligns = {
        "l": WD_ALIGN_PARAGRAPH.LEFT,
        "c": WD_ALIGN_PARAGRAPH.CENTER,
        "r": WD_ALIGN_PARAGRAPH.RIGHT,
    }
    header = table.rows[0]
    trpr = header._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    trpr.append(repeat)  # repeated at the top of every page the table runs onto
    for cell, text in zip(header.cells, grid.header, strict=True):
        _word_para(
            cell,
            text,
            size=grid.size,
            bold=True,
            align=WD_ALIGN_PARAGRAPH.CENTER,
            after=0,
            paragraph=cell.paragraphs[0],
        )
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    for row in table.rows:
        # A row is read across: it never breaks over two pages ("… cấp xã ở địa" on one
        # page, "bàn có biên giới" on the next).
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    for index, (row, values) in enumerate(zip(table.rows[1:], grid.rows, strict=True)):
        bold = grid.total and index == len(grid.rows) - 1
        # The total row does not open a page alone: the last row it sums goes with it.
        keep = grid.total and index == len(grid.rows) - 2
        for cell, text, align in zip(row.cells, values, grid.align, strict=True):
            _word_para(
                cell,
                text,
                size=grid.size,
                bold=bold,
                align=aligns[align],
                after=0,
                paragraph=cell.paragraphs[0],
                keep_next=keep,
            )
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    doc.add_paragraph().paragraph_format.space_after = Pt(0)


def _word_body(doc, blocks: list[Block]) -> None:
    justify = WD_ALIGN_PARAGRAPH.JUSTIFY
    for block in blocks:
        if block.kind == "table":
            _word_grid(doc, block.grid)
        elif block.kind == "chart":
            p = _word_para(doc, "", align=WD_ALIGN_PARAGRAPH.CENTER, after=6)
            p.add_run().add_picture(
                io.BytesIO(chart_png(block.chart)), width=Mm(block.chart.width_mm)
            )
        elif block.kind == "h1":
            _word_para(
                doc,
                block.text,
                bold=True,
                align=justify,
                first_line_mm=INDENT_MM,
                before=6,
                keep_next=True,
            )
        elif block.kind == "h2":
            _word_para(
                doc, block.text, bold=True, align=justify, first_line_mm=INDENT_MM, keep_next=True
            )
        elif block.kind == "h3":
            _word_para(
                doc, block.text, italic=True, align=justify, first_line_mm=INDENT_MM, keep_next=True
            )
        elif block.kind == "note":
            _word_para(
                doc, block.text, italic=True, align=justify, first_line_mm=INDENT_MM, highlight=True
            )
        else:
            _word_para(doc, block.text, align=justify, first_line_mm=INDENT_MM)


def _word_signature(doc, frame: Frame) -> None:
    table = _word_table(doc, 1, SIGNATURE_COLUMNS_MM, grid=False)
    row = table.rows[0]
    cant_split = OxmlElement("w:cantSplit")
    row._tr.get_or_add_trPr().append(cant_split)
    left, right = row.cells
    _word_para(
        left,
        "Nơi nhận:",
        size=12,
        bold=True,
        italic=True,
        after=0,
        before=6,
        paragraph=left.paragraphs[0],
    )
    for line in frame.recipients:
        _word_para(left, line, size=11, after=0)
    centre = WD_ALIGN_PARAGRAPH.CENTER
    first = right.paragraphs[0]
    for line in frame.signer_title or [""]:
        _word_para(
            right, line, bold=True, align=centre, after=0, before=6 if first else 0, paragraph=first
        )
        first = None
    for _ in range(4):  # room for the signature and the seal
        _word_para(right, "", align=centre, after=0)
    _word_para(right, frame.signer_name, bold=True, align=centre, after=0)


def blocks_docx(frame: Frame, blocks: list[Block], *, author: str) -> bytes:
    """A Decree 30 report as an editable Word file: header, "BÁO CÁO" and the subject,
    ``blocks``, then the "Nơi nhận" and signature (the results and evaluation reports)."""
    doc = _word_document()
    doc.core_properties.title = f"Báo cáo {frame.subject}"
    doc.core_properties.author = nfc(author)
    first = doc.paragraphs[0] if doc.paragraphs else None
    if first is not None:  # the template's empty first paragraph
        first._p.getparent().remove(first._p)
    _word_header(doc, frame)
    centre = WD_ALIGN_PARAGRAPH.CENTER
    _word_para(doc, "BÁO CÁO", bold=True, align=centre, before=18, after=0)
    _word_para(doc, frame.subject, bold=True, align=centre, after=0)
    subject_w = min(times_width_mm(frame.subject, BODY_PT, bold=True), TEXT_WIDTH_MM)
    _word_rule(doc, min(max(subject_w / 3, 30), 60), TEXT_WIDTH_MM)
    doc.paragraphs[-1].paragraph_format.space_after = Pt(12)
    _word_body(doc, blocks)
    doc.paragraphs[-1].paragraph_format.keep_with_next = True
    _word_signature(doc, frame)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def results_docx(figures: ResultsFigures, **document: Unpack[DocumentFields]) -> bytes:
    """The report as an editable Word file: paragraphs and tables only, Times New Roman,
    A4 with the Decree 30 margins."""
    frame = document_frame(figures, **document)
    return blocks_docx(frame, report_blocks(figures), author=figures.issuing_body)
