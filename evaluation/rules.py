"""The rules of Circular 10/2017/TT-BNV on evaluating training quality that the figures
are made of, written once: which form counts, and the scale its answers are on.

A survey form is *invalid* when more than 5 % of its indicators are unanswered; invalid
forms are counted apart and left out of every mean and distribution.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

SCALE = (1, 2, 3, 4, 5)
MAX_UNANSWERED_PERCENT = 5
# A trainer reads their class's figures only from this many valid forms up: with fewer,
# a mean or a distribution is one or two people's answers (the department reads them).
MIN_VALID_FORMS_FOR_TRAINERS = 5


def form_is_valid(*, answered: int, indicators: int) -> bool:
    """More than 5 % unanswered makes a form invalid (integers only: 1 of 20 unanswered is
    exactly 5 % and still valid, 2 of 20 is not). A form of no indicators answers nothing."""
    if indicators <= 0:
        return False
    unanswered = indicators - answered
    return unanswered * 100 <= MAX_UNANSWERED_PERCENT * indicators


def form_label(class_code: str, number: int) -> str:
    """The number printed on a form and typed back from it: 'TTDN-2023-L1 · 007'."""
    return f"{class_code} · {number:03d}"


# What each point of the scale means (Circular 10/2017's five levels), in Vietnamese
# whatever the reader's language: printed on the paper form (evaluation/paper.py) and in
# the report (reports/evaluation_report.py), both official documents.
SCALE_LABELS = {
    1: "Rất kém",
    2: "Kém",
    3: "Trung bình",
    4: "Tốt",
    5: "Rất tốt",
}

# The same five levels on the web form, in the reader's language (the participant may
# switch their page to English); the Vietnamese translations are SCALE_LABELS' words.
SCALE_WORDS = {
    1: _("Very poor"),
    2: _("Poor"),
    3: _("Fair"),
    4: _("Good"),
    5: _("Very good"),
}
