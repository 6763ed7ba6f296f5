"""The participant's own page: what it shows, to whom, and what it never shows."""

from __future__ import annotations

import datetime
import re

from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from freezegun import freeze_time

from attendees import personal
from attendees.models import Attendance
from certificates import services as certificate_services
from courses.models import AuditLog, Session
from evaluation.models import Evaluation
from tests.portal.conftest import CITIZEN_ID, PHONE


def page_url(token: str) -> str:
    return reverse("portal:page", kwargs={"token": token})


def get(url: str, client: Client | None = None, **headers):
    return (client or Client()).get(url, **headers)


def statuses(html: str) -> list[str]:
    return re.findall(r'data-status="([a-z_]+)"', html)


def test_page_shows_the_class_its_sessions_and_the_persons_attendance(portal):
    response = get(page_url(portal.token))
    assert response.status_code == 200
    html = response.content.decode()
    klass = portal.enrollment.training_class
    assert "Giàng Thị Dinh" in html
    assert klass.title in html and klass.code in html
    assert klass.start_date.strftime("%d/%m/%Y") in html
    assert "Nhà văn hoá bản Mạ, xã Ka Lăng" in html  # a session's own venue
    for session in portal.sessions:
        assert session.topic in html
    # Present, late, excused, absent (closed, a roll taken, no mark), still to come.
    assert statuses(html) == ["present", "late", "excused", "absent", "not_held_yet"]
    # Vietnamese by default.
    assert "Có mặt" in html and "Chưa diễn ra" in html
    # Excused does not count in this class: 2 of the 4 sessions held.
    assert "Đã dự 2 trên 4 buổi đã tổ chức (50%)." in html


def test_page_never_shows_cccd_phone_ethnicity_or_another_person(portal):
    html = get(page_url(portal.token)).content.decode()
    assert CITIZEN_ID not in html
    assert PHONE not in html and "0355" not in html
    assert "Mông" not in html.replace("Tiếng Mông", "")  # the language name, not the group
    assert "Khoàng Văn Quyết" not in html
    assert portal.enrollment.badge_token not in html


def test_materials_in_own_language_first_and_no_withdrawn_or_other_class_files(portal):
    html = get(page_url(portal.token)).content.decode()
    # The Hmong edition leads, the handbook before the bulletin that sorts first by title.
    assert html.index("so-tay-hmong.pdf") < html.index("so-tay.pdf") < html.index("ban-tin.pdf")
    for gone in ("rut.pdf", "nhap.pdf", "khac.pdf"):
        assert gone not in html
    assert reverse("portal:file", kwargs={"token": portal.token, "pk": portal.file_vi.pk}) in html


def test_materials_in_vietnamese_first_for_a_person_of_no_known_group(portal):
    person = portal.enrollment.participant
    person.ethnicity = None
    person.save()
    html = get(page_url(portal.token)).content.decode()
    assert html.index("ban-tin.pdf") < html.index("so-tay.pdf") < html.index("so-tay-hmong.pdf")


def test_english_one_tap_away_and_kept(portal):
    client = Client()
    response = client.get(page_url(portal.token) + "?lang=en")
    html = response.content.decode()
    assert response["Content-Language"] == "en"
    assert "Present" in html and "Not held yet" in html
    # The choice is the site's language cookie: the next visit stays in English.
    assert client.get(page_url(portal.token)).content.decode().count("Present") >= 1
    assert "Có mặt" in client.get(page_url(portal.token) + "?lang=vi").content.decode()


def test_privacy_headers(portal):
    for url in (
        page_url(portal.token),
        reverse("portal:calendar", kwargs={"token": portal.token}),
        reverse("portal:file", kwargs={"token": portal.token, "pk": portal.file_vi.pk}),
        page_url("nope"),
    ):
        response = get(url)
        assert response["X-Robots-Tag"].startswith("noindex"), url
        assert response["Cache-Control"] == "no-store", url
        assert response["Referrer-Policy"] == "no-referrer", url


def test_unknown_and_revoked_links_get_the_same_404(portal):
    token = portal.token
    unknown = get(page_url("x" * 22))
    personal.page_link_revoke(actor=portal.world.coordinator, enrollment=portal.enrollment)
    revoked = get(page_url(token))
    assert unknown.status_code == revoked.status_code == 404
    assert unknown.content == revoked.content
    assert "Đường dẫn này không mở được trang nào" in revoked.content.decode()
    assert get(reverse("portal:calendar", kwargs={"token": token})).status_code == 404


def test_badge_code_does_not_open_the_page(portal):
    response = get(page_url(portal.enrollment.badge_token))
    assert response.status_code == 404


def test_erased_person_page_is_gone(portal):
    person = portal.enrollment.participant
    person.erased_at = timezone.now()
    person.save()
    assert get(page_url(portal.token)).status_code == 404


def test_rate_limited_with_retry_after(portal, settings):
    settings.PARTICIPANT_PAGE_RATE_LIMIT = 3
    client = Client()
    codes = [client.get(page_url(portal.token)).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = client.get(page_url("anything"))
    assert limited.status_code == 429
    assert limited["Retry-After"] == "60"
    assert limited["Cache-Control"] == "no-store"


def test_opens_audited_once_a_day(portal):
    for _ in range(3):
        get(page_url(portal.token))
    entries = AuditLog.objects.filter(action="page_link.open")
    assert entries.count() == 1
    assert entries.get().target_id == str(portal.enrollment.pk)
    assert entries.get().actor is None
    # The next day, one more.
    with freeze_time(timezone.now() + datetime.timedelta(days=1)):
        get(page_url(portal.token))
        get(page_url(portal.token))
    assert AuditLog.objects.filter(action="page_link.open").count() == 2


def _close_and_issue(portal):
    klass = portal.enrollment.training_class
    klass.certificate_threshold = 50
    klass.save(update_fields=["certificate_threshold"])
    last = portal.sessions[-1]
    Session.objects.filter(pk=last.pk).update(
        date=klass.start_date + datetime.timedelta(days=2), closed_at=timezone.now()
    )
    klass.end_date = klass.start_date + datetime.timedelta(days=2)
    klass.save(update_fields=["end_date"])
    from attendees.models import Attendance

    Attendance.objects.create(
        enrollment=portal.enrollment,
        session=last,
        status="present",
        first_scan_at=timezone.now(),
    )
    certificate, _new = certificate_services.certificate_issue(
        actor=portal.world.coordinator, enrollment=portal.enrollment
    )
    return certificate


def test_certificate_link_once_issued(portal):
    html = get(page_url(portal.token)).content.decode()
    assert 'id="certificate"' not in html
    cert_url = reverse("portal:certificate", kwargs={"token": portal.token})
    assert get(cert_url).status_code == 404

    certificate = _close_and_issue(portal)
    html = get(page_url(portal.token)).content.decode()
    assert cert_url in html
    assert certificate.verify_url() in html
    response = get(cert_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_revoked_certificate_is_not_offered(portal):
    certificate = _close_and_issue(portal)
    certificate_services.certificate_revoke(
        actor=portal.world.coordinator, certificate=certificate, reason="Sai tên"
    )
    html = get(page_url(portal.token)).content.decode()
    assert 'id="certificate"' not in html
    assert get(reverse("portal:certificate", kwargs={"token": portal.token})).status_code == 404


def test_evaluation_link_only_while_open(portal):
    """The survey is built in the evaluation app (another branch): until its URL exists the
    page works and offers no link; once it exists, the link shows while the evaluation is
    open."""
    klass = portal.enrollment.training_class
    html = get(page_url(portal.token)).content.decode()
    assert 'id="evaluation"' not in html
    evaluation = Evaluation.objects.create(training_class=klass, template_name="Mẫu")
    response = get(page_url(portal.token))
    assert response.status_code == 200
    try:
        expected = reverse("evaluation-answer", kwargs={"token": portal.token})
    except NoReverseMatch:
        assert 'id="evaluation"' not in response.content.decode()
        return
    assert expected in response.content.decode()
    evaluation.state = "closed"
    evaluation.save()
    assert 'id="evaluation"' not in get(page_url(portal.token)).content.decode()


def test_a_session_under_way_says_in_progress_or_the_persons_mark(portal):
    """Issue 18 review: during a session the page said "Chưa diễn ra" (not held yet) to
    someone sitting in it. Under way it says so; once they are scanned, their mark."""
    last = portal.sessions[-1]
    with freeze_time(last.starts_at() - datetime.timedelta(minutes=1)):
        assert statuses(get(page_url(portal.token)).content.decode())[-1] == "not_held_yet"
    with freeze_time(last.starts_at() + datetime.timedelta(minutes=30)):
        html = get(page_url(portal.token)).content.decode()
        assert statuses(html)[-1] == "in_progress"
        assert "Đang diễn ra" in html and "Chưa diễn ra" not in html
        Attendance.objects.create(
            enrollment=portal.enrollment,
            session=last,
            status="present",
            first_scan_at=timezone.now(),
        )
        assert statuses(get(page_url(portal.token)).content.decode())[-1] == "present"


def test_an_edition_names_its_language_once(portal):
    """Issue 18 review: "Tiếng Việt, in lần 1 (2023) · Tiếng Việt". The language follows
    the label only when the label does not name it already (accents and case aside)."""
    vi = portal.file_vi.edition
    vi.label = "tiếng viet, in lần 1 (2023)"
    vi.save(update_fields=["label"])
    hmn = portal.file_hmn.edition
    hmn.label = "In lần 2 (2024)"
    hmn.save(update_fields=["label"])
    html = get(page_url(portal.token)).content.decode()
    assert "tiếng viet, in lần 1 (2023)</strong></div>" in html
    assert "In lần 2 (2024)</strong> · Tiếng Mông</div>" in html
