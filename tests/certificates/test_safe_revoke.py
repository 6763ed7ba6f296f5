"""#15 item 4: revoking names what will happen, and the page that issues certificates
says that attendance is final afterwards (the class can no longer be reopened)."""

from django.urls import reverse

from certificates import services
from certificates.models import Certificate


def test_revoke_page_names_the_certificate_and_its_holder(client, world, held):
    cert, _created = services.certificate_issue(actor=world.coordinator, enrollment=held.full)
    client.force_login(world.coordinator)
    url = reverse("certificates:revoke", args=[cert.pk])
    body = client.get(url).content.decode()
    assert f"Giấy chứng nhận số {cert.register_number} của Nguyễn Thị Hường sẽ bị thu hồi." in body
    client.post(url, {"reason": ""})  # no reason: nothing revoked
    assert Certificate.objects.get(pk=cert.pk).revoked_at is None


def test_issuing_page_warns_that_attendance_becomes_final(client, world, held):
    client.force_login(world.coordinator)
    url = reverse("certificates:class", args=[held.klass.code])
    warning = "không thể mở lại lớp hay các buổi học nữa"
    assert warning in client.get(url).content.decode()
    services.certificate_issue(actor=world.coordinator, enrollment=held.full)
    # Issued already: nothing left to warn about (reopening is refused, and says why).
    assert warning not in client.get(url).content.decode()
