"""evaluation.stats against figures worked out by hand from the forms of
tests/evaluation/builders.py (the table of answers is there; the arithmetic is here)."""

from decimal import Decimal

import pytest

from evaluation.stats import Distribution, class_figures, vn_decimal, year_figures
from tests.evaluation.builders import COMMENT_INVALID, build_year

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def year():
    return build_year()


def _counts(distribution):
    return distribution.counts


def test_form_counts_of_a_class(year):
    forms = class_figures(year.evaluation_a).forms
    # Received: F1, F2, F5 online; F3, F4, F6 paper. F5 (2 of 20 blank) is invalid;
    # F4 (1 of 20 blank = exactly 5 %) is valid.
    assert (forms.online, forms.paper, forms.received) == (3, 3, 6)
    assert (forms.valid, forms.invalid) == (5, 1)
    # Printed: 4 numbered paper forms (no. 4 never came back); issued = 4 + 3 online.
    assert (forms.printed, forms.issued) == (4, 7)


def test_indicator_means_and_distributions(year):
    first, second = class_figures(year.evaluation_a).sections
    # 1.1 on the valid forms: F1 5, F2 4, F3 3, F4 blank, F6 2 → 4 answers, 14/4 = 3,50;
    # one answer each of 2, 3, 4, 5 → 25 % each.
    i11 = first.indicators[0]
    assert i11.number == "1.1"
    assert _counts(i11.distribution) == (0, 1, 1, 1, 1)
    assert i11.distribution.mean == D("3.50")
    assert i11.distribution.mean_text == "3,50"
    assert i11.distribution.percents == (D("0.0"), D("25.0"), D("25.0"), D("25.0"), D("25.0"))
    # 1.2 … 1.10: 5, 4, 3, 5, 2 → 19/5 = 3,80; 20/20/20/40 % of 2/3/4/5.
    for indicator in first.indicators[1:]:
        assert _counts(indicator.distribution) == (0, 1, 1, 1, 2)
        assert indicator.distribution.mean == D("3.80")
        assert indicator.distribution.percent(5) == D("40.0")
    # 2.1: F1 4, F2 4, F3 5, F4 5, F6 1 → 19/5 = 3,80.
    assert _counts(second.indicators[0].distribution) == (1, 0, 0, 2, 2)
    assert second.indicators[0].distribution.mean == D("3.80")
    # 2.2 … 2.10: 4, 4, 5, 5, 3 → 21/5 = 4,20. (F5's 1s are not here: it is invalid.)
    for indicator in second.indicators[1:]:
        assert _counts(indicator.distribution) == (0, 0, 1, 2, 2)
        assert indicator.distribution.mean_text == "4,20"


def test_section_mean_pools_every_answer(year):
    first, second = class_figures(year.evaluation_a).sections
    # Section 1: 4 + 9×5 = 49 answers, 14 + 9×19 = 185 → 185/49 = 3,7755… → 3,78.
    # (The mean of its indicator means would be (3,50 + 9×3,80)/10 = 3,77: not that.)
    assert first.distribution.answers == 49
    assert first.distribution.total == 185
    assert first.distribution.mean == D("3.78")
    # 2s: 1 + 9 = 10, 3s: 10, 4s: 1 + 9 = 10, 5s: 1 + 18 = 19 → 10/49 = 20,408 % → 20,4 %;
    # 19/49 = 38,775 % → 38,8 %.
    assert _counts(first.distribution) == (0, 10, 10, 10, 19)
    assert first.distribution.percents == (D("0.0"), D("20.4"), D("20.4"), D("20.4"), D("38.8"))
    # Section 2: 50 answers, 19 + 9×21 = 208 → 4,16; 1: 1, 3: 9, 4: 20, 5: 20 → 2/18/40/40 %.
    assert second.distribution.mean == D("4.16")
    assert _counts(second.distribution) == (1, 0, 9, 20, 20)
    assert second.distribution.percents == (D("2.0"), D("0.0"), D("18.0"), D("40.0"), D("40.0"))


def test_class_overall_and_lecturer(year):
    figures = class_figures(year.evaluation_a)
    # 99 answers, 185 + 208 = 393 → 393/99 = 3,9696… → 3,97.
    assert figures.distribution.answers == 99
    assert figures.distribution.mean == D("3.97")
    # 1: 1, 2: 10, 3: 19, 4: 30, 5: 39 → 1,0 / 10,1 / 19,2 / 30,3 / 39,4 %.
    assert _counts(figures.distribution) == (1, 10, 19, 30, 39)
    assert figures.distribution.percents == (
        D("1.0"),
        D("10.1"),
        D("19.2"),
        D("30.3"),
        D("39.4"),
    )
    [lecturer] = figures.lecturers
    assert lecturer.trainer == year.trainer
    assert lecturer.classes == ["TTDN-2023-A"]
    assert lecturer.distribution.mean == D("4.16")


def test_comments_of_valid_forms_sorted_by_text(year):
    first, second = class_figures(year.evaluation_a).sections
    # F1 ("Nên …") came before F3 ("Cần …"): listed by text, not by form; F5's are left out.
    assert first.comments == ["Cần thêm tài liệu tiếng dân tộc", "Nên thêm thời gian thực hành"]
    assert second.comments == ["Giảng viên nói hơi nhanh"]
    assert COMMENT_INVALID not in first.comments + second.comments


def test_year_figures(year):
    figures = year_figures(2023)
    # Official classes with an evaluation; the practice class counts nowhere.
    assert [c.training_class.code for c in figures.classes] == ["TTDN-2023-A", "TTDN-2023-B"]
    assert [c.code for c in figures.without] == ["TTDN-2023-C"]
    b = figures.classes[1]
    # Class B: section 1: 30 answers of 3 → 3,00; section 2: 28 fours and 2 fives →
    # 112 + 10 = 122/30 = 4,0666… → 4,07; class: 212/60 = 3,5333… → 3,53.
    assert [s.distribution.mean for s in b.sections] == [D("3.00"), D("4.07")]
    assert b.distribution.mean == D("3.53")
    forms = figures.forms
    # A 6 received (5 valid, 1 invalid), B 3 (all valid); printed 4 + 3, issued 7 + 3.
    assert (forms.received, forms.valid, forms.invalid) == (9, 8, 1)
    assert (forms.online, forms.paper, forms.printed, forms.issued) == (3, 6, 7, 10)
    # The year: 99 + 60 = 159 answers, 393 + 212 = 605 → 605/159 = 3,8050… → 3,81 (the
    # mean of the class means, (3,97 + 3,53)/2 = 3,75, is not it).
    assert figures.distribution.answers == 159
    assert figures.distribution.mean == D("3.81")
    programme, lecturers = figures.kinds
    assert (programme.kind, lecturers.kind) == ("programme", "lecturer")
    # Programme: 49 + 30 = 79 answers, 185 + 90 = 275 → 3,4810… → 3,48.
    assert programme.distribution.mean == D("3.48")
    # Indicator 1.1 over both classes: A 4 answers (14), B 3 threes (9) → 23/7 = 3,29.
    assert programme.indicators[0].text == "Nội dung chương trình 1"
    assert programme.indicators[0].distribution.mean == D("3.29")
    # 2.1: A 19 over 5, B 4 + 4 + 5 = 13 over 3 → 32/8 = 4,00.
    assert lecturers.indicators[0].distribution.mean == D("4.00")


def test_lecturer_over_the_year_rounds_half_up(year):
    [lecturer] = year_figures(2023).lecturers
    assert lecturer.classes == ["TTDN-2023-A", "TTDN-2023-B"]
    # 50 + 30 = 80 answers, 208 + 122 = 330 → 330/80 = 4,125 exactly → 4,13 half up
    # (4,12 with round-half-even).
    assert lecturer.distribution.answers == 80
    assert lecturer.distribution.mean == D("4.13")
    assert lecturer.distribution.mean_text == "4,13"
    # 1: 1, 3: 9, 4: 20 + 28 = 48, 5: 20 + 2 = 22 → 1,25 % → 1,3; 11,25 % → 11,3; 60; 27,5.
    assert _counts(lecturer.distribution) == (1, 0, 9, 48, 22)
    assert lecturer.distribution.percents == (
        D("1.3"),
        D("0.0"),
        D("11.3"),
        D("60.0"),
        D("27.5"),
    )


def test_empty_distribution_has_no_mean():
    assert Distribution().mean is None
    assert Distribution().mean_text == "–"
    assert Distribution().percent(3) is None
    assert vn_decimal(D("4.25")) == "4,25"


def test_no_evaluation_no_figures(db):
    figures = year_figures(2031)
    assert figures.classes == [] and figures.kinds == [] and figures.lecturers == []
    assert figures.distribution.mean is None


def test_identical_comments_are_summed_up(year):
    first = class_figures(year.evaluation_a).sections[0]
    first.comments = ["Cần thêm", "Cần thêm", "Nên bớt"]
    assert first.comment_summary == [("Cần thêm", 2), ("Nên bớt", 1)]
