"""The printed forms: one per number, the number on every page, every indicator, no
name field, Vietnamese text that survives (fonts embedded)."""

from __future__ import annotations

import subprocess

from django.utils import translation

from evaluation import services
from evaluation.paper import TITLE, paper_forms_pdf


def _text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "forms.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def _pages(pdf: bytes, tmp_path) -> list[str]:
    return _text(pdf, tmp_path).split("\f")[:-1]


def test_each_form_carries_its_number_and_every_indicator(ev, tmp_path):
    evaluation = ev.evaluation
    batch = services.paper_forms_reserve(actor=ev.coordinator, evaluation=evaluation, count=3)
    pdf = paper_forms_pdf(evaluation, batch.first_number, batch.last_number)
    text = _text(pdf, tmp_path)
    code = ev.class_a.code
    for number in (1, 2, 3):
        assert f"{code} · {number:03d}" in text
    flat = " ".join(text.split())
    for indicator in evaluation.indicators():
        assert indicator.text in flat
    assert TITLE in text
    assert "5 = Rất tốt" in flat and "GIẢNG VIÊN: ĐÈO VĂN HAI" in flat
    assert "Họ và tên" not in text and "Họ tên" not in text


def test_the_number_is_on_every_page_and_forms_never_share_a_page(ev, tmp_path):
    batch = services.paper_forms_reserve(actor=ev.coordinator, evaluation=ev.evaluation, count=2)
    pages = _pages(paper_forms_pdf(ev.evaluation, batch.first_number, batch.last_number), tmp_path)
    code = ev.class_a.code
    labels = [[n for n in (1, 2) if f"Phiếu số: {code} · {n:03d}" in page] for page in pages]
    assert all(len(found) == 1 for found in labels), labels
    per_form = [sum(1 for found in labels if found == [n]) for n in (1, 2)]
    assert per_form[0] == per_form[1] and 1 <= per_form[0] <= 2


def test_the_paper_form_keeps_the_vietnamese_scale_in_the_english_ui(ev, tmp_path):
    """The web form's scale words follow the reader's language (rules.SCALE_WORDS); the
    printed form is an official document and stays Vietnamese whoever prints it."""
    batch = services.paper_forms_reserve(actor=ev.coordinator, evaluation=ev.evaluation, count=1)
    with translation.override("en"):
        pdf = paper_forms_pdf(ev.evaluation, batch.first_number, batch.last_number)
    flat = " ".join(_text(pdf, tmp_path).split())
    assert "1 = Rất kém" in flat and "5 = Rất tốt" in flat
    assert "Very" not in flat
