"""Upload names are judged as the browser sent them: Django's parser turns
"../../evil.pdf" into "evil.pdf" and drops a part named ".." altogether, so these tests
send raw multipart bodies (the test client would strip the folders itself) and check
that such names are refused with the reason, in Vietnamese, and nothing is kept."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import pytest
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import Client
from django.urls import reverse
from PIL import Image

from materials.models import Dispatch, DistributionLine, Edition, MaterialFile
from materials.views import files_add
from tests import factories as f
from tests.materials.conftest import pdf_bytes

pytestmark = pytest.mark.django_db

BAD_NAME = "không phải là tên tệp hợp lệ"  # the refusal, in Vietnamese


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _stored(root) -> set[str]:
    root = Path(root)
    return {str(p) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def multipart(fields: dict[str, str], files: list[tuple[str, str, bytes, str]]):
    """A multipart/form-data body with file names exactly as given: (field, filename,
    content, content type)."""
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for name, value in fields.items():
        for one in value if isinstance(value, list) else [value]:
            out.write(f"--{boundary}\r\n".encode())
            out.write(f'Content-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
            out.write(f"{one}\r\n".encode())
    for field, filename, content, content_type in files:
        out.write(f"--{boundary}\r\n".encode())
        out.write(
            f'Content-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'.encode()
        )
        out.write(f"Content-Type: {content_type}\r\n\r\n".encode())
        out.write(content + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def post_raw(client, url, fields, files, **kwargs):
    body, content_type = multipart(fields, files)
    return client.post(url, body, content_type=content_type, **kwargs)


HOSTILE = [
    "../../evil.pdf",
    "../../etc/passwd.pdf",
    "..\\..\\evil.pdf",
    "so-tay/../evil.pdf",
    "..",
    ".",
    "../",
    "bao-cao\u202efdp.pdf",  # shows as "bao-caofdp.pdf" once Django drops the override
]


@pytest.mark.parametrize("name", HOSTILE)
def test_adding_files_with_a_folder_or_dots_in_the_name_is_refused(
    client, world, handbook, media, name
):
    edition = handbook.editions.get()
    before_rows, before_files = MaterialFile.objects.count(), _stored(media)
    client.force_login(world.coordinator)

    response = post_raw(
        client,
        reverse("materials:files-add", args=[edition.pk]),
        {},
        [("files", name, pdf_bytes("evil"), "application/pdf")],
        follow=True,
    )

    text = response.content.decode()
    assert BAD_NAME in text
    assert "Đã thêm" not in text
    assert MaterialFile.objects.count() == before_rows
    assert _stored(media) == before_files


def test_one_bad_name_refuses_the_whole_upload(client, world, handbook, media):
    edition = handbook.editions.get()
    before_rows, before_files = MaterialFile.objects.count(), _stored(media)
    client.force_login(world.coordinator)

    response = post_raw(
        client,
        reverse("materials:files-add", args=[edition.pk]),
        {},
        [
            ("files", "Sổ tay phần 2.pdf", pdf_bytes("part 2"), "application/pdf"),
            ("files", "../../evil.pdf", pdf_bytes("evil"), "application/pdf"),
        ],
        follow=True,
    )

    assert "“../../evil.pdf” " + BAD_NAME in response.content.decode()
    assert MaterialFile.objects.count() == before_rows
    assert _stored(media) == before_files


def test_a_plain_vietnamese_name_is_still_accepted(client, world, handbook, media):
    edition = handbook.editions.get()
    client.force_login(world.coordinator)

    response = post_raw(
        client,
        reverse("materials:files-add", args=[edition.pk]),
        {},
        [("files", "Sổ tay phần 2.pdf", pdf_bytes("part 2"), "application/pdf")],
        follow=True,
    )

    assert "Đã thêm 1 tệp" in response.content.decode()
    assert edition.files.filter(original_name="Sổ tay phần 2.pdf").exists()


def test_no_file_at_all_is_not_a_green_zero_files_added(client, world, handbook):
    edition = handbook.editions.get()
    client.force_login(world.coordinator)

    url = reverse("materials:files-add", args=[edition.pk])
    response = post_raw(client, url, {"csrfmiddlewaretoken": "x"}, [], follow=True)
    assert "Trường này là bắt buộc" in response.content.decode()
    response = post_raw(client, url, {}, [], follow=True)

    text = response.content.decode()
    assert "Đã thêm 0 tệp" not in text
    assert "Trường này là bắt buộc" in text


def test_a_new_edition_with_a_folder_in_a_file_name_is_not_created(client, world, handbook, media):
    before_files = _stored(media)
    client.force_login(world.coordinator)
    vi = handbook.editions.get().languages.get()

    response = post_raw(
        client,
        reverse("materials:edition-create", args=[handbook.pk]),
        {"label": "Tiếng Mông", "languages": str(vi.pk), "year": "2023", "printed_copies": "0"},
        [("files", "../../etc/passwd.pdf", pdf_bytes("x"), "application/pdf")],
    )

    assert response.status_code == 200
    assert "“../../etc/passwd.pdf” " + BAD_NAME in response.content.decode()
    assert not Edition.objects.filter(label="Tiếng Mông").exists()
    assert _stored(media) == before_files


def test_a_receipt_scan_named_with_dots_is_refused(client, world, handbook, media):
    org = f.organisation(name="Đồn Biên phòng Pa Ủ", kind="border_post", parent=world.unit_a)
    line = DistributionLine.objects.create(
        edition=handbook.editions.get(), recipient=org, planned=20
    )
    dispatch = Dispatch.objects.create(
        line=line, dispatched_on="2023-11-01", quantity=10, carrier="Bưu điện"
    )
    photo = io.BytesIO()
    Image.new("RGB", (8, 6), "red").save(photo, format="PNG")
    before_files = _stored(media)
    client.force_login(world.coordinator)

    response = post_raw(
        client,
        reverse("materials:receipt", args=[dispatch.pk]),
        {"received_on": "06/11/2023", "received_by": "Thào A Sử", "received_quantity": "10"},
        [("scan", "..", photo.getvalue(), "image/png")],
    )

    assert response.status_code == 200
    assert "“..” " + BAD_NAME in response.content.decode()
    dispatch.refresh_from_db()
    assert dispatch.received_on is None and not dispatch.receipt_scan
    assert _stored(media) == before_files


def test_the_csrf_check_still_guards_the_upload_views(world, handbook, media):
    edition = handbook.editions.get()
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.coordinator)

    response = post_raw(
        client,
        reverse("materials:files-add", args=[edition.pk]),
        {},
        [("files", "Sổ tay phần 2.pdf", pdf_bytes("part 2"), "application/pdf")],
    )

    assert response.status_code == 403
    assert edition.files.count() == 1


def test_a_body_read_before_the_view_keeps_django_names_without_a_crash(rf, world, handbook):
    edition = handbook.editions.get()
    body, content_type = multipart(
        {}, [("files", "Sổ tay phần 2.pdf", pdf_bytes("part 2"), "application/pdf")]
    )
    request = rf.post(
        reverse("materials:files-add", args=[edition.pk]), body, content_type=content_type
    )
    request.user = world.coordinator
    request._dont_enforce_csrf_checks = True
    request.session = {}
    request._messages = FallbackStorage(request)
    assert request.FILES  # a middleware read the body first

    response = files_add(request, pk=edition.pk)

    assert response.status_code == 302
    assert edition.files.filter(original_name="Sổ tay phần 2.pdf").exists()
