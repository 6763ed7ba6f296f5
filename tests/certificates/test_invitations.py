"""Invitation letters (giấy mời, Decree 30/2020): what poppler reads out of the PDF, what
jsQR reads out of its QR code, and how the coordinator numbers a letter from the register.
The people and the class are the badge tests' own fixtures."""

from __future__ import annotations

import datetime
import re

from django.urls import reverse

from attendees.badges import TOKEN_TAIL
from certificates.invitations import invitation_pdf
from tests import factories as f
from tests.attendees.test_badges import (  # noqa: F401 -- fixtures shared with the badges
    TOPICS,
    _run,
    assert_only_embedded_plex,
    class_with_sessions,
    enrollments,
    page_count,
    pdf_file,
)
from tests.browser.camera import decode_qr_with_jsqr, render_pdf_page


def test_invitation_pdf(enrollments, class_with_sessions, tmp_path):
    woman = enrollments[0]
    woman.refresh_from_db()
    pdf = invitation_pdf(woman, on=datetime.date(2023, 9, 25))
    path = pdf_file(pdf, tmp_path, "invitation.pdf")

    assert page_count(path) == 1
    assert_only_embedded_plex(path)
    # Content-stream order: a table cell's wrapped lines stay together.
    text = " ".join(_run(["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"]).split())
    assert "GIẤY MỜI" in text
    assert "Kính gửi: Bà Nguyễn Thị Hường" in text
    assert "UBND huyện Mường Tè" in text
    # Decree 30 header: "UBND" abbreviated, the locality not repeated under the issuer.
    assert "UBND TỈNH LAI CHÂU SỞ THÔNG TIN VÀ TRUYỀN THÔNG CỘNG HÒA" in text
    assert "Lai Châu, ngày 25 tháng 9 năm 2023" in text
    assert "từ ngày 10 tháng 10 năm 2023 đến ngày 12 tháng 10 năm 2023" in text
    assert class_with_sessions.title in text
    assert class_with_sessions.venue.name in text
    for topic in TOPICS:
        assert topic in text, topic
    assert "07:30 – 11:00" in text and "13:30 – 17:00" in text
    assert "Thứ Ba, 10/10/2023" in text and "Thứ Năm, 12/10/2023" in text
    assert "thẻ học viên hoặc giấy mời này" in text
    assert "Mã điểm danh" in text
    assert woman.badge_token[-TOKEN_TAIL:] in text

    page = render_pdf_page(pdf, tmp_path / "invitation.png", dpi=150)
    assert decode_qr_with_jsqr(page) == woman.badge_token


def test_invitation_addresses_a_man_as_ong(enrollments, class_with_sessions, tmp_path):
    man = enrollments[1]
    path = pdf_file(invitation_pdf(man), tmp_path, "invitation.pdf")
    text = " ".join(_run(["pdftotext", "-enc", "UTF-8", str(path), "-"]).split())
    assert "Kính gửi: Ông Vừ A Dính" in text


def test_invitation_stays_on_one_page_with_many_sessions(
    enrollments, class_with_sessions, tmp_path
):
    klass = class_with_sessions
    annex = f.venue(name="Phòng họp số 2")
    for day in range(3):
        for hour in (7, 9, 13, 15):
            f.session(
                klass,
                date=klass.start_date + datetime.timedelta(days=day),
                start_time=datetime.time(hour, 5),
                end_time=datetime.time(hour + 1, 55),
                topic=f"Chuyên đề {day}-{hour}: thông tin đối ngoại và truyền thông số",
                venue=annex,
            )
    pdf = invitation_pdf(enrollments[2])
    path = pdf_file(pdf, tmp_path, "invitation.pdf")
    assert page_count(path) == 1
    assert decode_qr_with_jsqr(render_pdf_page(pdf, tmp_path / "p.png", dpi=150)) == (
        enrollments[2].badge_token
    )


def _letter_settings(klass):
    from certificates.eligibility import settings_for

    organiser = klass.organiser
    organiser.short_name = "STTTT"
    organiser.save()
    settings = settings_for(klass)
    settings.parent_body = "UBND tỉnh Lai Châu"
    settings.issuing_body = "Sở Thông tin và Truyền thông"
    settings.issue_place = "Lai Châu"
    settings.invitation_date = datetime.date(2023, 9, 20)
    settings.signer_title = "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC"
    settings.signer_name = "Lê Minh Tuấn"
    settings.invitation_recipients = "- Như trên;\n- UBND huyện Mường Tè;\n- Lưu: VT, TTBC."
    settings.save()
    return settings


def _letter_text(enrollment, tmp_path) -> str:
    path = pdf_file(invitation_pdf(enrollment), tmp_path, "letter.pdf")
    assert page_count(path) == 1
    return " ".join(_run(["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"]).split())


def test_printing_an_unissued_invitation_gives_an_unnumbered_draft(
    enrollments, class_with_sessions, tmp_path, client, world
):
    """Printing never takes a number from the register: before the coordinator issues the
    letter it is a draft, marked "DỰ THẢO", with neither number nor date filled in."""
    from certificates.models import Invitation, RegisterSeries

    _letter_settings(class_with_sessions)
    client.force_login(world.coordinator)
    for _ in range(2):
        response = client.get(reverse("certificates:invitation", args=[enrollments[0].pk]))
        assert response.status_code == 200
    assert not Invitation.objects.exists()
    assert not RegisterSeries.objects.filter(kind="GM").exists()
    text = _letter_text(enrollments[0], tmp_path)
    assert text.startswith("DỰ THẢO")
    assert re.search(r"Số: /GM-STTTT", text)  # the number is left blank
    assert "Lai Châu, ngày tháng năm" in text  # and so is the date
    assert "20 tháng 9" not in text


def test_the_coordinator_issues_a_numbered_signed_letter_under_the_date_they_set(
    enrollments, class_with_sessions, tmp_path, client, world
):
    """Decree 30: "Số: 01/GM-STTTT" from a gap-free register, taken when the coordinator
    issues the letter (a POST, audited) under the date they set — not the print day —
    and kept on re-prints; signer block and "Nơi nhận"."""
    from certificates.models import Invitation, RegisterSeries
    from courses.models import AuditLog

    _letter_settings(class_with_sessions)
    client.force_login(world.coordinator)
    url = lambda e: reverse("certificates:invitation-issue", args=[e.pk])  # noqa: E731
    assert client.post(url(enrollments[0]), {"issued_on": "18/09/2023"}).status_code == 302
    assert client.post(url(enrollments[1]), {"issued_on": "19/09/2023"}).status_code == 302
    assert client.post(url(enrollments[0]), {"issued_on": "30/09/2023"}).status_code == 302
    assert client.post(url(enrollments[2]), {"issued_on": ""}).status_code == 302  # refused
    assert RegisterSeries.objects.get(kind="GM").last_number == 2
    assert Invitation.objects.count() == 2
    assert AuditLog.objects.filter(action="invitation.issue", actor=world.coordinator).count() == 2

    first = _letter_text(enrollments[0], tmp_path)
    second = _letter_text(enrollments[1], tmp_path)
    assert "Số: 01/GM-STTTT" in first and "Số: 02/GM-STTTT" in second
    assert "Lai Châu, ngày 18 tháng 9 năm 2023" in first  # issued once, not re-dated
    assert "Lai Châu, ngày 19 tháng 9 năm 2023" in second
    for text in (first, second):
        assert "DỰ THẢO" not in text
        assert "UBND TỈNH LAI CHÂU SỞ THÔNG TIN VÀ TRUYỀN THÔNG" in text
        assert "KT. GIÁM ĐỐC" in text and "PHÓ GIÁM ĐỐC" in text and "Lê Minh Tuấn" in text
        assert "Nơi nhận:" in text and "- UBND huyện Mường Tè;" in text
        assert "- Lưu: VT, TTBC." in text


def test_a_letter_cannot_be_dated_before_the_last_one_in_its_register(
    enrollments, class_with_sessions, client, world
):
    """A register runs in date order: after 01/GM dated 26/09, a letter dated 15/05 is
    refused by name (the clerk sees which letter and date stand in the way), and no number
    is taken; the same date, or a later one, is fine."""
    from certificates.models import Invitation, RegisterSeries

    _letter_settings(class_with_sessions)
    client.force_login(world.coordinator)
    url = lambda e: reverse("certificates:invitation-issue", args=[e.pk])  # noqa: E731
    client.post(url(enrollments[0]), {"issued_on": "26/09/2023"})
    page = client.post(url(enrollments[1]), {"issued_on": "15/05/2023"}, follow=True)
    body = page.content.decode()
    assert "01/GM-STTTT" in body and "26/09/2023" in body
    assert RegisterSeries.objects.get(kind="GM").last_number == 1
    assert Invitation.objects.count() == 1
    client.post(url(enrollments[1]), {"issued_on": "26/09/2023"})
    assert list(Invitation.objects.order_by("number").values_list("number", "issued_on")) == [
        (1, datetime.date(2023, 9, 26)),
        (2, datetime.date(2023, 9, 26)),
    ]
