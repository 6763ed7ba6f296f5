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
        "- Cần thêm (02 ý kiến)",
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
