"""The personal invitation letter (giấy mời, Decree 30/2020): one A4 page per enrolled
person with the class's schedule and their QR attendance code, numbered from the organiser's
invitation register once the coordinator issues it (:func:`certificates.services.invitation_issue`).

It lives with the register it draws its number from; the badge sheet it shares the QR
size and token tail with stays in :mod:`attendees.badges`.
"""

from __future__ import annotations

import datetime
import re
from typing import TYPE_CHECKING

from django.conf import settings as django_settings
from django.urls import reverse
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import KeepInFrame, Spacer, Table

from attendees.badges import INVITATION_QR_SIZE, TOKEN_TAIL
from certificates.eligibility import settings_for
from certificates.models import (
    DEFAULT_INVITATION_RECIPIENTS,
    Invitation,
    RegisterKind,
    RegisterSeries,
)
from core.documents.fitting import text_width
from core.documents.header import (
    MARGIN_BOTTOM,
    MARGIN_TOP,
    build_pdf,
    document_table,
    frame_width,
    nfc_text,
    official_header,
    para,
    register_fonts,
    style,
)
from core.documents.qr import QrFlowable
from core.documents.wording import honorific, long_date, period, venue_text

if TYPE_CHECKING:
    from attendees.models import Enrollment

WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")


def _recipients_and_signer(settings, width: float) -> Table:
    """Decree 30's foot of a letter: "Nơi nhận:" and its list on the left, the signer's
    title, room to sign and the name on the right."""
    lines = nfc_text(settings.invitation_recipients or DEFAULT_INVITATION_RECIPIENTS)
    recipients = [
        para("Nơi nhận:", style("inv-to-h", size=12, bold=True, italic=True, leading=14)),
        *[
            para(line.strip(), style("inv-to-l", size=11, leading=13))
            for line in lines.splitlines()
            if line.strip()
        ],
    ]
    centre = style("inv-sign", size=13, bold=True, align=TA_CENTER, leading=16)
    signer = [
        *[
            para(line.strip().upper(), centre)
            for line in nfc_text(settings.signer_title).splitlines()
            if line.strip()
        ],
        Spacer(0, 20 * mm),
        para(settings.signer_name, centre),
    ]
    return document_table(
        [[recipients, signer]],
        col_widths=[width * 0.45, width * 0.55],
        commands=[
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ],
    )


def personal_link(enrollment: Enrollment) -> str:
    """The participant's own page in full (the portal's ``/p/<code>/`` on the public site,
    as certificates print their verify address); '' once the coordinator revoked it. Named
    by its URL, not imported: the portal builds on certificates, not the other way round."""
    if not enrollment.page_token:
        return ""
    path = reverse("portal:page", kwargs={"token": enrollment.page_token})
    return django_settings.PUBLIC_BASE_URL.rstrip("/") + path


def _qr_codes(enrollment: Enrollment, width: float) -> Table:
    """The foot of the letter: the attendance code (the badge's, shown at the door) and,
    beside it, the personal link to the participant's own page, each under its own label
    so nobody shows the wrong one to the scanner. The link is printed too, small, for
    typing it in; a revoked link leaves the attendance code alone in the middle."""
    caption = style("inv-qr", size=12, bold=True, align=TA_CENTER, leading=15)
    small = style("inv-tail", size=10, align=TA_CENTER)
    badge = QrFlowable(enrollment.badge_token, INVITATION_QR_SIZE)
    badge.hAlign = "CENTER"
    cells = [
        [
            badge,
            para("Mã điểm danh", caption),
            para(nfc_text(enrollment.badge_token)[-TOKEN_TAIL:], small),
        ]
    ]
    link = personal_link(enrollment)
    if link:
        page = QrFlowable(link, INVITATION_QR_SIZE)
        page.hAlign = "CENTER"
        url = style("inv-url", size=8, align=TA_CENTER, leading=10)
        cells.append([page, para(PERSONAL_PAGE_LABEL, caption), para(link, url)])
    return document_table(
        [cells],
        col_widths=[width / len(cells)] * len(cells),
        hAlign="CENTER",
        commands=[
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 6),
            ("RIGHTPADDING", (0, 0), (-1, -1), 6),
            ("TOPPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
        ],
    )


DRAFT_MARK = "DỰ THẢO"
#: The label of the second QR code, apart from the attendance code's.
PERSONAL_PAGE_LABEL = "Trang cá nhân của học viên"


def _draft_number(settings, year: int) -> str:
    """The register number with the number left blank ("      /GM-STTTT"): a draft's "Số"
    line, to be filled when the coordinator issues the letter."""
    series = RegisterSeries.objects.filter(
        issuer=settings.issuer, year=year, kind=RegisterKind.INVITATION
    ).first() or RegisterSeries(issuer=settings.issuer, year=year, kind=RegisterKind.INVITATION)
    example = series.format_number(0)
    blank, count = re.subn(r"^0+", "\u00a0" * 8, example)
    return blank if count else ""


def invitation_pdf(enrollment: Enrollment, *, on: datetime.date | None = None) -> bytes:
    """A one-page A4 invitation letter (giấy mời, Decree 30/2020) for the enrolled person,
    with their QR code: issuing body, "Số: 05/GM-STTTT" from the organiser's invitation
    register, place and date of issue, signer block and "Nơi nhận".

    Printing never numbers a letter: the coordinator issues it (``invitation_issue``, with
    the date of issue they set). Until then the letter prints as a draft — marked "DỰ
    THẢO", the number and date left blank. ``on`` overrides the date printed.
    """
    klass = enrollment.training_class
    person = enrollment.participant
    organiser = klass.organiser
    settings = settings_for(klass)
    invitation = Invitation.objects.filter(enrollment=enrollment).first()
    draft = invitation is None
    if draft:
        number = _draft_number(settings, (on or klass.start_date).year)
    else:
        number = invitation.register_number
        on = on or invitation.issued_on
    you = honorific(person.gender)
    width = frame_width(A4)

    body = style("inv-body", size=13, align=TA_JUSTIFY, leading=17, spaceAfter=4)
    label = style("inv-label", size=13, leading=17, spaceAfter=4)
    cell = style("inv-cell", size=11, leading=13.5)
    cell_centre = style("inv-cell-c", size=11, leading=13.5, align=TA_CENTER)
    head = style("inv-th", size=11, bold=True, leading=13.5, align=TA_CENTER)

    story = official_header(
        parent_body=settings.parent_body,
        issuing_body=settings.issuing_body,
        place=settings.issue_place,
        on=on,
        number=number,
        width=width,
    )
    if draft:
        mark = style(
            "inv-draft",
            size=13,
            bold=True,
            align=TA_CENTER,
            borderWidth=1,
            borderColor=colors.black,
            borderPadding=(2, 4, 3, 4),
        )
        box = document_table([[para(DRAFT_MARK, mark)]], col_widths=[28 * mm], hAlign="RIGHT")
        story = [box, Spacer(0, 2 * mm), *story]
    story += [
        Spacer(0, 8 * mm),
        para("GIẤY MỜI", style("inv-title", size=16, bold=True, align=TA_CENTER, spaceAfter=2)),
        para(
            "Tham dự lớp bồi dưỡng, tập huấn",
            style("inv-sub", size=13, italic=True, align=TA_CENTER),
        ),
        Spacer(0, 6 * mm),
        para(
            f"Kính gửi: {you} {person.full_name}",
            style("inv-to", size=14, bold=True, align=TA_CENTER, leading=18),
        ),
        para(
            f"Đơn vị: {enrollment.organisation.name}",
            style("inv-unit", size=13, align=TA_CENTER, leading=17),
        ),
        Spacer(0, 5 * mm),
        para(
            f"{organiser.name} trân trọng kính mời {you} tham dự lớp "
            f"“{klass.title}” (mã lớp {klass.code}).",
            body,
        ),
        para(f"Thời gian: {period(klass.start_date, klass.end_date, write=long_date)}.", label),
        para(f"Địa điểm: {venue_text(klass.venue)}.", label),
        para("Lịch học:", label),
    ]

    sessions = list(klass.sessions.select_related("venue").order_by("date", "start_time"))
    rows = [[para(h, head) for h in ("STT", "Ngày", "Thời gian", "Nội dung")]]
    for n, s in enumerate(sessions, start=1):
        topic = s.topic
        if s.venue_id and s.venue_id != klass.venue_id:
            topic = f"{topic} (tại {venue_text(s.venue)})"
        rows.append(
            [
                para(str(n), cell_centre),
                para(f"{WEEKDAYS[s.date.weekday()]}, {s.date:%d/%m/%Y}", cell_centre),
                para(f"{s.start_time:%H:%M} – {s.end_time:%H:%M}", cell_centre),
                para(topic, cell),
            ]
        )
    if not sessions:
        rows.append(["", "", "", para("(Lịch học sẽ được thông báo sau.)", cell)])
    # Dates and times never wrap; the topic takes the rest of the width.
    fonts = register_fonts()
    padding = 7

    def column_width(texts: list[str], minimum: float) -> float:
        widths = [text_width(t, fonts.regular, cell.fontSize) for t in texts]
        return max([minimum, *(w + padding for w in widths)])

    col_widths = [
        11 * mm,
        column_width(
            [f"{WEEKDAYS[s.date.weekday()]}, {s.date:%d/%m/%Y}" for s in sessions], 30 * mm
        ),
        column_width([f"{s.start_time:%H:%M} – {s.end_time:%H:%M}" for s in sessions], 24 * mm),
    ]
    col_widths.append(width - sum(col_widths))
    story.append(
        document_table(
            rows,
            col_widths=col_widths,
            repeatRows=1,
            hAlign="CENTER",
            commands=[
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
            ],
        )
    )
    story += [
        Spacer(0, 4 * mm),
        para(
            f"Đề nghị {you} mang theo thẻ học viên hoặc giấy mời này và xuất trình mã điểm "
            "danh dưới đây khi đến lớp mỗi buổi học."
            + (
                f" Lịch học, điểm danh, tài liệu và giấy chứng nhận của {you} xem tại trang "
                "cá nhân (mã QR bên phải)."
                if enrollment.page_token
                else ""
            ),
            body,
        ),
        para("Trân trọng./.", style("inv-regards", size=13, italic=True, align=TA_LEFT)),
        Spacer(0, 3 * mm),
        _recipients_and_signer(settings, width),
        Spacer(0, 4 * mm),
    ]
    qr_block = [_qr_codes(enrollment, width)]
    qr_height = sum(flowable.wrap(width, A4[1])[1] for flowable in qr_block)

    # One page whatever the number of sessions: the letter shrinks rather than overflows,
    # the QR code keeps its size.
    frame_height = A4[1] - MARGIN_TOP - MARGIN_BOTTOM - 12  # the frame's 6 pt paddings
    fitted = KeepInFrame(width, frame_height - qr_height - 2, story, mode="shrink")
    return build_pdf(
        [fitted, *qr_block],
        pagesize=A4,
        title=f"{'Dự thảo giấy mời' if draft else 'Giấy mời'} — {person.full_name} — {klass.code}",
        author=organiser.name,
    )
