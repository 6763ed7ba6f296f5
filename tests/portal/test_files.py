"""Material files through the personal link: only the class's current files, counted as
downloads like the library's."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from materials.models import Download


def file_url(portal, f) -> str:
    return reverse("portal:file", kwargs={"token": portal.token, "pk": f.pk})


def test_class_file_downloads_and_counts(portal):
    response = Client().get(file_url(portal, portal.file_hmn))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    download = Download.objects.get()
    assert download.file == portal.file_hmn
    assert download.user is None and download.organisation is None


def test_a_range_past_the_first_byte_is_not_counted_again(portal):
    response = Client().get(file_url(portal, portal.file_vi), HTTP_RANGE="bytes=10-")
    assert response.status_code == 206
    assert not Download.objects.exists()


def test_other_class_and_withdrawn_files_are_refused(portal):
    for f in (portal.file_other_class, portal.file_withdrawn_use, portal.file_withdrawn):
        response = Client().get(file_url(portal, f))
        assert response.status_code == 404, f
    assert not Download.objects.exists()


def test_a_classmates_link_does_not_reach_another_class(portal):
    other_class_file = portal.file_other_class
    url = reverse(
        "portal:file", kwargs={"token": portal.classmate.page_token, "pk": other_class_file.pk}
    )
    assert Client().get(url).status_code == 404


def test_revoked_link_downloads_nothing(portal):
    from attendees import personal

    url = file_url(portal, portal.file_vi)
    personal.page_link_revoke(actor=portal.world.coordinator, enrollment=portal.enrollment)
    assert Client().get(url).status_code == 404


def test_login_only_class_material_is_served_to_its_participants(portal):
    """The personal link is the participant's sign-in for what their class hands out."""
    material = portal.file_vi.edition.material
    material.visibility = "login"
    material.save()
    assert Client().get(file_url(portal, portal.file_vi)).status_code == 200
    library = reverse("materials:file", kwargs={"pk": portal.file_vi.pk})
    assert Client().get(library).status_code == 404  # the library still asks for a login
