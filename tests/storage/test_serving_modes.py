"""One permission check and one download count, whoever sends the bytes: the app itself
(streamed, with ranges), nginx (MEDIA_ACCEL_REDIRECT: X-Accel-Redirect to its internal
location) or the S3 server (a presigned redirect)."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.urls import reverse

from materials.models import Download
from tests.materials.test_library import MP4, file_of, make_material

pytestmark = pytest.mark.django_db

ACCEL = "/_protected/"


@pytest.fixture(params=["stream", "accel", "s3"])
def mode(request, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    if request.param == "accel":
        settings.MEDIA_ACCEL_REDIRECT = ACCEL
    if request.param == "s3":
        request.getfixturevalue("s3")
    return request.param


@pytest.fixture
def video(world, mode):
    material = make_material(
        world.coordinator,
        "Phóng sự: Đường biên giới Lai Châu",
        "video",
        2024,
        editions=[("Tiếng Việt", ["vi"], [("Phóng sự biên giới.mp4", MP4)])],
    )
    return file_of(material)


def test_a_download_is_handed_over_the_way_the_site_is_set_up(client, mode, video):
    response = client.get(reverse("materials:file", args=[video.pk]))
    if mode == "stream":
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == MP4
    elif mode == "accel":
        assert response.status_code == 200 and response.content == b""
        assert response["X-Accel-Redirect"] == ACCEL + quote(video.file.name)
        assert response["Content-Type"] == "video/mp4"
        assert response["Content-Disposition"].startswith("inline;")
        assert "filename*=UTF-8''Ph%C3%B3ng" in response["Content-Disposition"]
        assert response["X-Content-Type-Options"] == "nosniff"
    else:
        assert response.status_code == 302 and "Signature=" in response["Location"]
    assert Download.objects.filter(file=video).count() == 1


@pytest.mark.parametrize(
    "method, headers, query",
    [
        ("head", {}, {}),
        ("get", {"range": "bytes=0-1"}, {}),  # Safari's probe
        ("get", {"range": "bytes=2000-2999"}, {}),  # a player seeking
        ("get", {"range": "bytes=999999-"}, {}),  # beyond the end
        ("get", {}, {"preview": "1"}),
    ],
)
def test_what_is_not_a_download_is_not_counted(client, mode, video, method, headers, query):
    url = reverse("materials:file", args=[video.pk])
    getattr(client, method)(url, query, headers=headers)
    assert not Download.objects.exists()


def test_a_range_from_the_start_counts_once(client, mode, video):
    url = reverse("materials:file", args=[video.pk])
    client.get(url, headers={"range": "bytes=0-"})
    client.get(url, headers={"range": "bytes=100-"})
    assert Download.objects.count() == 1


def test_accel_redirect_is_for_files_on_this_disk_only(client, settings, s3, world):
    """Behind nginx but with the files in a bucket, nginx cannot send them: the bucket's
    presigned redirect it is."""
    settings.MEDIA_ACCEL_REDIRECT = ACCEL
    material = make_material(
        world.coordinator,
        "Phóng sự",
        "video",
        2024,
        editions=[("Tiếng Việt", ["vi"], [("Phóng sự.mp4", MP4)])],
    )
    response = client.get(reverse("materials:file", args=[file_of(material).pk]))
    assert response.status_code == 302 and "X-Accel-Redirect" not in response


def test_no_file_is_handed_over_before_the_permission_check(client, world, mode):
    secret = make_material(
        world.coordinator,
        "Quy chế phát ngôn nội bộ",
        "video",
        2023,
        visibility="login",
        editions=[("Tiếng Việt", ["vi"], [("Quy chế.mp4", MP4)])],
    )
    response = client.get(reverse("materials:file", args=[file_of(secret).pk]))
    assert response.status_code == 404
    assert "X-Accel-Redirect" not in response and "Location" not in response
    client.force_login(world.coordinator)
    assert client.get(reverse("materials:file", args=[file_of(secret).pk])).status_code in (
        200,
        302,
    )
