"""reports.evaluation_report's wording: the class name in the title, and the comments'
summary (the figures themselves are checked in tests/evaluation/)."""

import pytest
from django.utils import translation

from reports import evaluation_report
from reports.evaluation_report import _comment_blocks, class_name
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_identical_comments_are_listed_once_with_their_number():
    blocks = _comment_blocks(
        [("Chương trình", ["Cần thêm", "Cần thêm", "Nên bớt"]), ("Giảng viên", [])]
    )
    assert [b.text for b in blocks] == [
        "a) Chương trình",
        "- Cần thêm (2 ý kiến)",  # a count in a sentence: not "02"
        "- Nên bớt",
        "b) Giảng viên",
        "Không có ý kiến.",
    ]


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("Bồi dưỡng nghiệp vụ thông tin đối ngoại", "lớp bồi dưỡng nghiệp vụ thông tin đối ngoại"),
        ("Lớp bồi dưỡng kỹ năng", "lớp bồi dưỡng kỹ năng"),
        ("Tập huấn Luật Báo chí", "lớp Tập huấn Luật Báo chí"),
    ],
)
def test_class_name_says_lop_once(title, name):
    klass = f.training_class(code="TTDN-2023-Z", title=title)
    assert class_name(klass) == f"{name} (mã lớp TTDN-2023-Z)"


def test_the_report_names_the_scale_in_vietnamese_in_any_ui_language():
    """The report is an official document: its scale words are Vietnamese whatever the
    language of the person who prints it (rules.SCALE_LABELS, not the web's SCALE_WORDS)."""
    with translation.override("en"):
        words = evaluation_report._SCALE_WORDS
    assert words == "1 – Rất kém; 2 – Kém; 3 – Trung bình; 4 – Tốt; 5 – Rất tốt"


def test_the_conclusion_names_a_lecturer_without_the_sections_colon():
    """The lecturer section is titled "Giảng viên: Lò Văn Pành"; after "cao nhất:" that
    read with two colons."""
    from evaluation.stats import class_figures, year_figures
    from reports.evaluation_report import Issuer, class_blocks, year_blocks
    from tests.evaluation.builders import build_year

    year = build_year()
    blocks = class_blocks(class_figures(year.class_a.evaluation), Issuer.of([year.class_a]))
    conclusion = [b.text for b in blocks if "cao nhất" in (b.text or "")]
    assert conclusion == [
        "- Nội dung được đánh giá cao nhất: giảng viên Lò Văn Pành (4,16); thấp nhất:"
        " Chương trình (3,78)."
    ]
    texts = [b.text or "" for b in year_blocks(year_figures(2023), Issuer.of([year.class_a]))]
    assert "- Giảng viên Lò Văn Pành: Giảng viên nói hơi nhanh" in texts
    assert not [t for t in texts if t.count(":") > 1 and "Giảng viên:" in t]


def test_a_long_chart_fills_the_rest_of_the_page_instead_of_leaving_it_empty():
    """Drawn whole, a chart that did not fit under the text moved to page 2 and left a
    third of page 1 blank; it now breaks between its bars."""
    import datetime
    import io

    from pypdf import PdfReader

    from reports.results.blocks import Block
    from reports.results.charts import Bar, Chart
    from reports.results.frame import Frame
    from reports.results.pdf import blocks_pdf

    frame = Frame(
        parent_body="UBND TỈNH LAI CHÂU",
        issuing_body="SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
        number="15/BC-STTTT",
        place_date="Lai Châu, ngày 06 tháng 12 năm 2026",
        subject="Kết quả đánh giá",
        recipients=["- Lưu: VT."],
        signer_title=["GIÁM ĐỐC"],
        signer_name="",
    )
    text = "Nội dung báo cáo được viết thành nhiều câu để chiếm gần hết trang đầu. " * 12
    bars = [Bar(f"Giảng viên số {n:02d}", 4.0, "4,00") for n in range(1, 17)]
    blocks = [
        *[Block("para", text) for _ in range(2)],
        Block("chart", chart=Chart("Điểm trung bình theo nội dung", bars)),
        Block("para", "Trên đây là báo cáo./."),
    ]
    pdf = blocks_pdf(frame, blocks, place="Lai Châu", on=datetime.date(2026, 12, 6), author="x")
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]
    assert "Giảng viên số 01" in pages[0] and "Giảng viên số 16" not in pages[0]
    assert "(tiếp theo)" in pages[1] and "Giảng viên số 16" in pages[1]
    # Every bar once.
    assert sum(p.count("Giảng viên số") for p in pages) == 16
