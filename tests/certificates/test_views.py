"""Certificate pages × personas, and the public verify page."""

import re
import subprocess

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from accounts.models import RateLimit
from certificates import services
from certificates.models import Certificate, CertificateBatch
from courses.models import AuditLog
from tests import factories as f
from tests.attendees.test_attendance_pages import INVITATION_URL_NAMES

pytestmark = pytest.mark.django_db

PERSONAS = [
    "anonymous",
    "outsider",
    "nominator_a",
    "nominator_b",
    "trainer",
    "other_trainer",
    "viewer",
    "coordinator",
]

CERTIFICATE_URL_NAMES = {
    "class",
    "settings",
    "batch-start",
    "issue-one",
    "batch-status",
    "batch-file",
    "pdf",
    "revoke",
    "reissue",
    # the invitation letter: access checked in tests/attendees/test_attendance_pages.py
    *INVITATION_URL_NAMES,
}


@pytest.fixture
def issued(held, world):
    cert, _ = services.certificate_issue(actor=world.coordinator, enrollment=held.full)
    batch = CertificateBatch.objects.create(training_class=held.klass)
    services.batch_run(batch)
    return cert, batch


def _pages(held, cert, batch):
    code = held.klass.code
    return {
        "class": ("get", reverse("certificates:class", args=[code])),
        "settings": ("get", reverse("certificates:settings", args=[code])),
        "start": ("post", reverse("certificates:batch-start", args=[code])),
        "issue": ("post", reverse("certificates:issue-one", args=[code, held.four.pk])),
        "status": ("get", reverse("certificates:batch-status", args=[batch.pk])),
        "merged": ("get", reverse("certificates:batch-file", args=[batch.pk, "pdf"])),
        "pdf": ("get", reverse("certificates:pdf", args=[cert.pk])),
        "revoke": ("get", reverse("certificates:revoke", args=[cert.pk])),
        "reissue": ("get", reverse("certificates:reissue", args=[cert.pk])),
        "verify": ("get", reverse("certificate-verify", args=[cert.code])),
        "verify-form": ("get", reverse("certificate-verify-form")),
    }


# fmt: off
EXPECTED = {
    #               anon outs nomA nomB trnr othr view coord
    "class":       (302, 403, 200, 200, 200, 404, 200, 200),
    "settings":    (302, 403, 403, 403, 403, 403, 403, 200),
    "start":       (302, 403, 403, 403, 403, 403, 403, 302),
    "issue":       (302, 403, 403, 403, 403, 403, 403, 302),
    "status":      (302, 403, 403, 403, 403, 403, 200, 200),
    "merged":      (302, 403, 403, 403, 403, 403, 200, 200),
    "pdf":         (302, 403, 200, 404, 200, 404, 200, 200),
    "revoke":      (302, 403, 403, 403, 403, 403, 403, 200),
    "reissue":     (302, 403, 403, 403, 403, 403, 403, 200),
    "verify":      (200, 200, 200, 200, 200, 200, 200, 200),
    "verify-form": (200, 200, 200, 200, 200, 200, 200, 200),
}
# fmt: on


@pytest.mark.parametrize("page", list(EXPECTED))
@pytest.mark.parametrize("persona", PERSONAS)
def test_certificate_page_access(client, world, held, issued, page, persona):
    # nominator_b's unit has a seat in class_a too, so it sees the class but not unit A's people.
    f.quota(held.klass, world.unit_b)
    cache.clear()
    if persona != "anonymous":
        client.force_login(getattr(world, persona))
    method, url = _pages(held, *issued)[page]
    response = getattr(client, method)(url)
    assert response.status_code == EXPECTED[page][PERSONAS.index(persona)], f"{persona} on {page}"


def test_every_certificate_url_is_in_the_matrix():
    from certificates.urls import urlpatterns

    assert {p.name for p in urlpatterns} == CERTIFICATE_URL_NAMES


def test_a_unit_sees_only_its_own_people_on_the_class_page(client, world, held, issued):
    f.quota(held.klass, world.unit_b)
    other = f.enrollment(
        held.klass, world.unit_b, f.participant(world.unit_b, full_name="Giàng A Páo")
    )
    assert other
    client.force_login(world.nominator_a)
    page = client.get(reverse("certificates:class", args=[held.klass.code])).content.decode()
    assert "Nguyễn Thị Hường" in page and "Giàng A Páo" not in page
    assert 'id="print"' not in page  # the merged file holds every unit's people


def test_preview_shows_who_qualifies_and_why_not(client, world, held):
    client.force_login(world.coordinator)
    page = client.get(reverse("certificates:class", args=[held.klass.code])).content.decode()
    rows = re.findall(r'<tr data-eligible="(\d)">\s*<td[^>]*>\d+</td>\s*<td>([^<]+)<', page)
    by_name = {name.strip(): flag for flag, name in rows}
    assert by_name == {
        "Lò Văn Ánh": "1",
        "Đặng Quốc Bảo": "0",
        "Vàng A Dơ": "0",
        "Nguyễn Thị Hường": "1",
    }
    assert "2/5 · 40%" in page  # Vàng A Dơ's rate, with the sessions missed listed
    assert "Vắng" in page or "Missed" in page or "Đã vắng" in page


def test_coordinator_issues_from_the_page_and_prints(
    client, world, held, django_capture_on_commit_callbacks
):
    client.force_login(world.coordinator)
    url = reverse("certificates:batch-start", args=[held.klass.code])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302
    batch = CertificateBatch.objects.get()
    # The test task backend runs the job when the request's transaction commits.
    batch.refresh_from_db()
    assert batch.state == "done", batch.error
    assert Certificate.objects.count() == 2
    status = client.get(reverse("certificates:batch-status", args=[batch.pk])).json()
    assert status["percent"] == 100 and status["certificates"] == 2
    merged = client.get(reverse("certificates:batch-file", args=[batch.pk, "pdf"]))
    assert merged["Content-Type"] == "application/pdf"
    assert b"".join(merged.streaming_content).startswith(b"%PDF")


def test_revoke_through_the_page_needs_a_reason(client, world, issued):
    cert, _batch = issued
    client.force_login(world.coordinator)
    url = reverse("certificates:revoke", args=[cert.pk])
    page = client.post(url, {"reason": ""})
    assert page.status_code == 200
    cert.refresh_from_db()
    assert cert.is_valid
    client.post(url, {"reason": "Cấp nhầm người"})
    cert.refresh_from_db()
    assert not cert.is_valid and cert.revoke_reason == "Cấp nhầm người"


def test_settings_form_saves_the_signer_and_is_audited(client, world, held):
    client.force_login(world.coordinator)
    url = reverse("certificates:settings", args=[held.klass.code])
    response = client.post(
        url,
        {
            "issuer": held.klass.organiser.pk,
            "parent_body": "UBND tỉnh Lai Châu",
            "issuing_body": "Sở Thông tin và Truyền thông",
            "issue_place": "Lai Châu",
            "issued_on": "05/12/2023",
            "signer_title": "KT. GIÁM ĐỐC\r\n\r\nPHÓ GIÁM ĐỐC",
            "signer_name": "Lê Minh Tuấn",
            "excused_counts": "on",
            "invitation_date": "20/09/2023",
            "invitation_recipients": "- Như trên;\r\n- Lưu: VT, TTBC.",
        },
    )
    assert response.status_code == 302
    s = held.klass.certificate_settings
    assert s.invitation_date.isoformat() == "2023-09-20"
    assert s.invitation_recipients == "- Như trên;\n- Lưu: VT, TTBC."
    assert s.signer_title == "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC" and s.excused_counts
    assert s.issued_on.isoformat() == "2023-12-05"
    assert AuditLog.objects.filter(action="certificate.settings").exists()
    cert, _ = services.certificate_issue(actor=world.coordinator, enrollment=held.excused)
    assert cert.signer_name == "Lê Minh Tuấn"


# ---------------------------------------------------------------------------- verify


def test_verify_valid_shows_only_what_it_should(client, world, issued):
    cert, _batch = issued
    person = cert.enrollment.participant
    person.citizen_id = "011190001234"
    person.phone = "+84912345678"
    person.save()
    cache.clear()
    response = client.get(reverse("certificate-verify", args=[cert.code]))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-status="valid"' in page
    assert cert.full_name in page and cert.class_title in page and cert.issuing_body in page
    assert response["X-Robots-Tag"].startswith("noindex")
    # Never the date of birth, the ID or the phone, in any format.
    dob = person.date_of_birth
    for secret in (
        dob.strftime("%d/%m/%Y"),
        dob.isoformat(),
        str(dob.year),
        "011190001234",
        "912345678",
        cert.enrollment.organisation.name,
    ):
        assert secret not in page, secret


def test_verify_revoked_and_unknown(client, world, issued):
    cert, _batch = issued
    services.certificate_revoke(actor=world.coordinator, certificate=cert, reason="Cấp nhầm")
    cache.clear()
    page = client.get(reverse("certificate-verify", args=[cert.code])).content.decode()
    assert 'data-status="revoked"' in page and 'data-status="valid"' not in page
    cert.refresh_from_db()
    assert timezone.localtime(cert.revoked_at).strftime("%d/%m/%Y") in page
    unknown = client.get(reverse("certificate-verify", args=["ZZZZZZZZZZZZZZZZ"]))
    assert unknown.status_code == 404 and 'data-status="unknown"' in unknown.content.decode()


def test_verify_follows_a_reissue(client, world, issued):
    cert, _batch = issued
    new = services.certificate_reissue(
        actor=world.coordinator, certificate=cert, reason="Mất bản gốc"
    )
    cache.clear()
    old_page = client.get(reverse("certificate-verify", args=[cert.code])).content.decode()
    assert 'data-status="revoked"' in old_page and new.register_number in old_page
    new_page = client.get(reverse("certificate-verify", args=[new.code])).content.decode()
    assert 'data-status="valid"' in new_page


def test_verify_accepts_a_code_typed_from_paper(client, issued):
    cert, _batch = issued
    cache.clear()
    typed = cert.display_code.lower()
    response = client.get(reverse("certificate-verify-form"), {"code": typed})
    assert response.status_code == 302
    assert response["Location"] == reverse("certificate-verify", args=[cert.code])
    bad = client.get(reverse("certificate-verify-form"), {"code": "12"})
    assert bad.status_code == 200 and "16" in bad.content.decode()


def test_verify_is_rate_limited(client, issued, settings):
    cert, _batch = issued
    settings.VERIFY_RATE_LIMIT = 5
    cache.clear()
    url = reverse("certificate-verify", args=[cert.code])
    codes = [client.get(url).status_code for _ in range(7)]
    assert codes == [200] * 5 + [429] * 2
    limited = client.get(url)
    assert limited["Retry-After"] == "60" and cert.full_name not in limited.content.decode()


def test_verify_limit_is_shared_by_every_server_process(client, issued, settings):
    """Each process has its own local cache; the count lives in the database, so a limit of
    5 holds even when every lookup lands on a process with a fresh cache."""
    cert, _batch = issued
    settings.VERIFY_RATE_LIMIT = 5
    url = reverse("certificate-verify", args=[cert.code])
    codes = []
    for _ in range(6):
        cache.clear()  # another worker process: nothing counted in its cache
        codes.append(client.get(url).status_code)
    assert codes == [200] * 5 + [429]
    assert RateLimit.objects.get(scope="certificate-verify", key="127.0.0.1").hits == 6


def test_verify_limit_counts_an_ipv6_client_by_its_64(client, issued, settings):
    cert, _batch = issued
    settings.VERIFY_RATE_LIMIT = 3
    url = reverse("certificate-verify", args=[cert.code])
    codes = [client.get(url, REMOTE_ADDR=f"2001:db8:1:2::{n + 1:x}").status_code for n in range(4)]
    assert codes == [200] * 3 + [429]
    assert RateLimit.objects.get(scope="certificate-verify").key == "2001:db8:1:2::/64"
    # Another /64, and an IPv4 client, count on their own.
    assert client.get(url, REMOTE_ADDR="2001:db8:1:3::1").status_code == 200
    assert client.get(url, REMOTE_ADDR="192.0.2.1").status_code == 200


def test_verify_limit_counts_each_ipv4_address_on_its_own(client, issued, settings):
    cert, _batch = issued
    settings.VERIFY_RATE_LIMIT = 2
    url = reverse("certificate-verify", args=[cert.code])
    codes = [client.get(url, REMOTE_ADDR="192.0.2.1").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert client.get(url, REMOTE_ADDR="::ffff:192.0.2.1").status_code == 429
    assert client.get(url, REMOTE_ADDR="192.0.2.2").status_code == 200


def test_the_qr_on_the_pdf_leads_to_a_valid_verify_page(client, world, issued, tmp_path, settings):
    """Decode the QR from the rendered page, as a phone would, and follow it."""
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    cert, _batch = issued
    client.force_login(world.viewer)
    pdf_bytes = client.get(reverse("certificates:pdf", args=[cert.pk])).content
    (tmp_path / "c.pdf").write_bytes(pdf_bytes)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", "c.pdf", "page"], cwd=tmp_path, check=True
    )
    results = zxingcpp.read_barcodes(Image.open(tmp_path / "page.png"))
    urls = [r.text for r in results]
    assert urls == [cert.verify_url()]
    assert urls[0].startswith(settings.PUBLIC_BASE_URL)
    client.logout()
    cache.clear()
    path = urls[0][len(settings.PUBLIC_BASE_URL.rstrip("/")) :]
    page = client.get(path).content.decode()
    assert 'data-status="valid"' in page and cert.full_name in page
