"""What surrounds the body of the results report (Decree 30/2020): header, number,
title, "Nơi nhận" and signature, as the officer typed them."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NotRequired, TypedDict

from core.documents.header import place_date
from courses.vietnamese import nfc
from reports.results.figures import ResultsFigures

DEFAULT_SUBJECT = (
    "Kết quả tổ chức các lớp bồi dưỡng nghiệp vụ công tác thông tin tuyên truyền, "
    "thông tin đối ngoại cho cán bộ làm công tác thông tin đối ngoại khu vực biên giới"
)
DEFAULT_RECIPIENTS = "- UBND tỉnh (b/c);\n- Bộ Thông tin và Truyền thông (b/c);\n- Lưu: VT, TTBC."


@dataclass
class Frame:
    """What surrounds the body: header, title and signature, as the officer typed them."""

    parent_body: str
    issuing_body: str
    number: str  # after "Số: "
    place_date: str
    subject: str
    recipients: list[str]
    signer_title: list[str]
    signer_name: str


# The layout both writers follow.
INDENT_MM = 10  # first line of a body paragraph (Decree 30: 1–1.27 cm)
SIGNATURE_COLUMNS_MM = (80, 85)

_BLANK_NUMBER = "\u00a0" * 8  # room for the clerk to write the number in


def _lines(value: str | Iterable[str]) -> list[str]:
    items = value.splitlines() if isinstance(value, str) else list(value)
    return [" ".join(nfc(str(line)).split()) for line in items if str(line).strip()]


def document_subject(subject: str | None, year: int) -> str:
    """The title line under "BÁO CÁO", ending in "năm 2023"."""
    text = " ".join(nfc(subject or DEFAULT_SUBJECT).split())
    return text if f"năm {year}" in text else f"{text} năm {year}"


def document_number(number: str, short_name: str = "") -> str:
    """ "125/BC-STTTT" as typed; "/BC-STTTT" (or nothing) keeps room for the number."""
    text = " ".join(nfc(number or "").split())
    if not text:
        return f"{_BLANK_NUMBER}/BC-{short_name}" if short_name else _BLANK_NUMBER
    return _BLANK_NUMBER + text if text.startswith("/") else text


class DocumentFields(TypedDict):
    """What the officer types for the report (the writers' keyword arguments)."""

    number: str
    on: datetime.date
    recipients: str | Iterable[str]
    signer_title: str | Iterable[str]
    signer_name: str
    subject: NotRequired[str | None]


def document_frame(
    figures: ResultsFigures,
    *,
    number: str,
    on: datetime.date,
    recipients: str | Iterable[str],
    signer_title: str | Iterable[str],
    signer_name: str,
    subject: str | None = None,
) -> Frame:
    return Frame(
        parent_body=nfc(figures.parent_body).upper(),
        issuing_body=nfc(figures.issuing_body).upper(),
        number=document_number(number, figures.short_name),
        place_date=place_date(figures.place, on),
        subject=document_subject(subject, figures.year),
        recipients=_lines(recipients),
        signer_title=[line.upper() for line in _lines(signer_title)],
        signer_name=" ".join(nfc(signer_name or "").split()),
    )
