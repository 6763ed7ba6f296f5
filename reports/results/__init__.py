"""The results report for the provincial People's Committee: "Báo cáo kết quả tổ chức
các lớp bồi dưỡng … năm 2023" (plan section IV.1: the department "reports the results to
the provincial UBND").

Three steps, so the Word file and the PDF cannot say different things:

* :func:`results_figures` (``figures.py``) reads every number from the database (a
  handful of aggregate queries, scoped to what the reader may see);
* :func:`report_blocks` (``blocks.py``) turns the figures into the body of the report —
  sections, paragraphs, tables — as plain data, in Vietnamese (an official document is
  Vietnamese whatever the UI language);
* :func:`results_docx` (``docx.py``: python-docx, an editable Word file: paragraphs and
  tables only) and :func:`results_pdf` (``pdf.py``: reportlab through
  ``core.documents.header``) draw the Decree 30/2020 frame (``frame.py``) around those
  blocks: A4, margins 20/20/30/15 mm, the two-column header, title, the "Nơi nhận" and
  signature block.

Numbers are written the Vietnamese way: "1.234", "86,2%", "04 lớp".
"""

from reports.results.blocks import PROPOSAL_PLACEHOLDER, Block, Grid, assessment, report_blocks
from reports.results.docx import results_docx
from reports.results.figures import ATTENDANCE_TARGET, ResultsFigures, results_figures
from reports.results.frame import (
    DEFAULT_RECIPIENTS,
    DEFAULT_SUBJECT,
    document_number,
    document_subject,
)
from reports.results.pdf import results_pdf

__all__ = [
    "ATTENDANCE_TARGET",
    "DEFAULT_RECIPIENTS",
    "DEFAULT_SUBJECT",
    "PROPOSAL_PLACEHOLDER",
    "Block",
    "Grid",
    "ResultsFigures",
    "assessment",
    "document_number",
    "document_subject",
    "report_blocks",
    "results_docx",
    "results_figures",
    "results_pdf",
]
