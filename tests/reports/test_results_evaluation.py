"""The results report's key figures of the evaluation (part I, 6.): valid forms and the
mean per subject of evaluation per class — the hand-computed figures of
tests/evaluation/test_stats.py — and nothing when no class was evaluated."""

import datetime
import io

import docx
import pytest
from django.urls import reverse
from pypdf import PdfReader

from accounts.models import Role
from reports.results import report_blocks, results_docx, results_figures, results_pdf
from tests import factories as f
from tests.evaluation.builders import build_year

pytestmark = pytest.mark.django_db

DOCUMENT = {
    "number": "125/BC-STTTT",
    "on": datetime.date(2023, 12, 5),
    "recipients": "- UBND tỉnh (b/c);\n- Lưu: VT.",
    "signer_title": "GIÁM ĐỐC",
    "signer_name": "Lê Minh Tuấn",
}


def _docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_results_report_states_the_evaluation():
    year = build_year()
    figures = results_figures(2023, year.coordinator)
    blocks = report_blocks(figures)
    heading = next(b for b in blocks if b.text.startswith("6. Đánh giá chất lượng"))
    table = blocks[blocks.index(heading) + 2].grid
    assert table.header == ["TT", "Lớp", "Phiếu hợp lệ", "Chương trình", "Giảng viên", "Chung"]
    # Class A: 5 valid forms, programme 3,78, lecturer 4,16, class 3,97; class B: 3 forms,
    # 3,00 / 4,07 / 3,53; the year: 8 forms, 3,48 / 4,13 / 3,81. The practice class and
    # the class without an evaluation have no row.
    assert table.rows == [
        ["1", "TTDN-2023-A", "5", "3,78", "4,16", "3,97"],
        ["2", "TTDN-2023-B", "3", "3,00", "4,07", "3,53"],
        ["", "Chung", "8", "3,48", "4,13", "3,81"],
    ]
    text = blocks[blocks.index(heading) + 1].text
    assert "thu về 9 phiếu, trong đó 8 phiếu hợp lệ, 1 phiếu không hợp lệ" in text
    assert "3,81/5" in text
    word = _docx_text(results_docx(figures, **DOCUMENT))
    assert "6. Đánh giá chất lượng lớp bồi dưỡng" in word and "3,81" in word
    pdf = "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(results_pdf(figures, **DOCUMENT))).pages
    )
    assert "3,81" in pdf and "4,13" in pdf


def test_nothing_about_the_evaluation_without_one():
    klass = f.training_class(code="TTDN-2023-X")
    f.session(klass)
    coordinator = f.user(Role.COORDINATOR)
    blocks = report_blocks(results_figures(2023, coordinator))
    assert not any("Đánh giá chất lượng lớp" in b.text for b in blocks)
    word = _docx_text(results_docx(results_figures(2023, coordinator), **DOCUMENT))
    assert "phiếu hợp lệ" not in word


def test_results_page_previews_the_evaluation(client):
    year = build_year()
    client.force_login(year.coordinator)
    html = client.get(reverse("reports:results"), {"year": 2023}).content.decode()
    assert 'data-figure="evaluation-mean">3,81<' in html
    section = html[html.index('id="evaluation"') : html.index('id="assessment"')]
    assert "TTDN-2023-A" in section and "3,78" in section and "4,16" in section
    assert "TTDN-2023-TH" not in section
    dashboard = client.get(reverse("reports:dashboard"), {"year": 2023}).content.decode()
    assert reverse("evaluation_stats:year", args=[2023]) in dashboard


def test_results_page_without_an_evaluation(client):
    klass = f.training_class(code="TTDN-2023-X")
    f.session(klass)
    coordinator = f.user(Role.COORDINATOR)
    client.force_login(coordinator)
    html = client.get(reverse("reports:results"), {"year": 2023}).content.decode()
    assert 'id="evaluation"' not in html


def test_evaluation_table_headings_fit_their_columns_in_the_pdf():
    """Every word of the table's headings fits its column at the table's size, so the PDF
    never breaks one mid-word ("Chươn / g trình") — with all five subjects of evaluation,
    the narrowest the columns get."""
    from types import SimpleNamespace

    from reportlab.lib.units import mm
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from core.documents.header import register_fonts
    from reports.results.blocks import _KIND_HEADS, _evaluation_grid

    mean = SimpleNamespace(mean_text="4,24")
    year = SimpleNamespace(
        kinds=[SimpleNamespace(kind=k, distribution=mean) for k in _KIND_HEADS],
        classes=[],
        forms=SimpleNamespace(valid=79),
        distribution=mean,
    )
    grid = _evaluation_grid(year)
    bold = register_fonts().bold
    padding = 6  # the PDF table's left + right padding, points
    for heading, width in zip(grid.header, grid.widths, strict=True):
        for word in heading.split():
            assert stringWidth(word, bold, grid.size) + padding <= width * mm, (heading, word)
    assert sum(grid.widths) <= 165  # the text width of an A4 page in the Decree 30 margins
