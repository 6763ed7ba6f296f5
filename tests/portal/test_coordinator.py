"""The coordinator's side: the personal link and its QR, re-issued or revoked through the
confirmation page; nobody else sees the link (it opens the page without a login)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from courses.models import AuditLog


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page_url(token: str) -> str:
    return reverse("portal:page", kwargs={"token": token})


def test_coordinator_sees_the_full_link_and_its_qr(portal):
    e = portal.enrollment
    coordinator = client_for(portal.world.coordinator)
    person = coordinator.get(reverse("attendees:person-detail", args=[e.participant_id]))
    link = reverse("portal:link", args=[e.pk])
    assert link in person.content.decode()
    response = coordinator.get(link)
    html = response.content.decode()
    assert response.status_code == 200
    assert settings.PUBLIC_BASE_URL.rstrip("/") + page_url(e.page_token) in html
    assert "<svg" in html and "personal-link-qr" in html
    assert reverse("portal:link-reissue", args=[e.pk]) in html
    assert reverse("portal:link-revoke", args=[e.pk]) in html


def test_reissue_asks_first_then_kills_the_old_link(portal):
    e = portal.enrollment
    old = e.page_token
    coordinator = client_for(portal.world.coordinator)
    url = reverse("portal:link-reissue", args=[e.pk])
    ask = coordinator.get(url)
    assert ask.status_code == 200 and 'id="confirm-button"' in ask.content.decode()
    coordinator.post(url)  # without "confirm": nothing happens
    e.refresh_from_db()
    assert e.page_token == old
    response = coordinator.post(url, {"confirm": "yes"})
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:link", args=[e.pk])
    e.refresh_from_db()
    assert e.page_token and e.page_token != old
    assert Client().get(page_url(old)).status_code == 404
    assert Client().get(page_url(e.page_token)).status_code == 200
    entry = AuditLog.objects.get(action="page_link.reissue")
    assert entry.actor == portal.world.coordinator and entry.target_id == str(e.pk)


def test_revoke_leaves_no_link_until_reissued(portal):
    e = portal.enrollment
    old = e.page_token
    coordinator = client_for(portal.world.coordinator)
    response = coordinator.post(reverse("portal:link-revoke", args=[e.pk]), {"confirm": "yes"})
    assert response.status_code == 302
    e.refresh_from_db()
    assert e.page_token == ""
    assert Client().get(page_url(old)).status_code == 404
    assert AuditLog.objects.filter(action="page_link.revoke", target_id=str(e.pk)).count() == 1
    page = coordinator.get(reverse("portal:link", args=[e.pk])).content.decode()
    assert 'id="personal-link-revoked"' in page and "<svg" not in page
    coordinator.post(reverse("portal:link-reissue", args=[e.pk]), {"confirm": "yes"})
    e.refresh_from_db()
    assert Client().get(page_url(e.page_token)).status_code == 200


@pytest.mark.parametrize("who", ["nominator_a", "trainer", "viewer"])
def test_others_never_see_the_link(portal, who):
    e = portal.enrollment
    client = client_for(getattr(portal.world, who))
    person = client.get(reverse("attendees:person-detail", args=[e.participant_id]))
    if person.status_code == 200:
        html = person.content.decode()
        assert e.page_token not in html
        assert reverse("portal:link", args=[e.pk]) not in html
    for name in ("portal:link", "portal:link-reissue", "portal:link-revoke"):
        assert client.get(reverse(name, args=[e.pk])).status_code == 403
        assert client.post(reverse(name, args=[e.pk]), {"confirm": "yes"}).status_code in (403, 405)
    e.refresh_from_db()
    assert Client().get(page_url(e.page_token)).status_code == 200
