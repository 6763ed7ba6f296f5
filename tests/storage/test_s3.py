"""Uploaded and generated files in an S3 bucket (MEDIA_STORAGE=s3), against a real
S3-compatible server (moto's server mode, see conftest.py): every byte is written and read
through the storage API, downloads are presigned redirects made after the permission
check, and a private file cannot be fetched from the bucket without the signature."""

from __future__ import annotations

import io
import urllib.error
import urllib.request
import zipfile
from email.message import Message

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse

from certificates.models import CertificateBatch
from certificates.services import batch_run
from core.jobs import JobState
from materials.models import Download
from reports.models import ReportJob
from tests.materials.test_library import MP4, file_of, make_material
from tests.storage.conftest import ENDPOINT, bucket_objects

pytestmark = pytest.mark.django_db


def fetch(url: str) -> tuple[int, Message, bytes]:
    """A GET straight to the S3 server, as a browser following the redirect makes it."""
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.fixture
def video(world, s3):
    return make_material(
        world.coordinator,
        "Phóng sự: Đường biên giới Lai Châu",
        "video",
        2024,
        editions=[("Tiếng Việt", ["vi"], [("Phóng sự biên giới.mp4", MP4)])],
    )


def test_an_upload_lands_in_the_bucket_and_its_download_is_a_presigned_redirect(
    client, s3, s3_client, video, settings
):
    row = file_of(video)
    assert bucket_objects(s3_client, s3) == {row.file.name: MP4}
    assert not (settings.MEDIA_ROOT / row.file.name).exists()

    response = client.get(reverse("materials:file", args=[row.pk]))
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(f"{ENDPOINT}/{s3}/{row.file.name}?")
    assert "Signature=" in location and "X-Amz-Expires=300" in location
    # The address expires: no cache may keep the redirect to it.
    assert response["Cache-Control"] == "private, no-store"

    status, headers, content = fetch(location)
    assert status == 200 and content == MP4
    assert headers["Content-Type"] == "video/mp4"
    assert headers["Content-Disposition"].startswith("inline;")
    assert "filename*=UTF-8''Ph%C3%B3ng%20s%E1%BB%B1" in headers["Content-Disposition"]
    assert Download.objects.filter(file=row).count() == 1


def test_the_bucket_serves_nothing_without_the_signature(client, s3, video):
    row = file_of(video)
    status, _headers, content = fetch(f"{ENDPOINT}/{s3}/{row.file.name}")
    assert status == 403 and MP4 not in content
    location = client.get(reverse("materials:file", args=[row.pk]))["Location"]
    unsigned = location.split("?", 1)[0]
    assert fetch(unsigned)[0] == 403


def test_a_login_only_file_is_not_redirected_for_a_visitor(client, world, s3):
    secret = make_material(
        world.coordinator,
        "Quy chế phát ngôn nội bộ",
        "video",
        2023,
        visibility="login",
        editions=[("Tiếng Việt", ["vi"], [("Quy chế.mp4", MP4)])],
    )
    response = client.get(reverse("materials:file", args=[file_of(secret).pk]))
    assert response.status_code == 404 and "Location" not in response
    assert not Download.objects.exists()


def test_certificate_print_files_are_written_to_the_bucket_and_handed_out_signed(
    client, world, held, s3, s3_client
):
    batch = CertificateBatch.objects.create(
        training_class=held.klass, requested_by=world.coordinator
    )
    batch = batch_run(batch)
    assert batch.state == JobState.DONE
    stored = bucket_objects(s3_client, s3)
    assert set(stored) == {batch.merged_pdf.name, batch.zip_file.name}
    assert all(name.startswith("private/certificates/") for name in stored)
    assert stored[batch.merged_pdf.name].startswith(b"%PDF")

    # Straight from the bucket: refused. Through the app, by someone who may: signed.
    assert fetch(f"{ENDPOINT}/{s3}/{batch.merged_pdf.name}")[0] == 403
    client.force_login(world.outsider)
    url = reverse("certificates:batch-file", args=[batch.pk, "zip"])
    assert client.get(url).status_code in (403, 404)
    client.force_login(world.coordinator)
    response = client.get(url)
    assert response.status_code == 302
    status, headers, content = fetch(response["Location"])
    assert status == 200 and content == stored[batch.zip_file.name]
    assert headers["Content-Type"] == "application/zip"
    assert headers["Content-Disposition"].startswith("attachment;")


def test_the_year_workbook_is_written_by_its_task_to_the_bucket_and_only_its_requester_gets_it(
    client, world, year, s3, s3_client, django_capture_on_commit_callbacks
):
    client.force_login(world.nominator_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:year-export", args=[2023]))
    job = ReportJob.objects.get()
    assert job.state == JobState.DONE
    stored = bucket_objects(s3_client, s3)
    assert list(stored) == [job.file.name] and job.file.name.startswith("private/reports/")
    assert stored[job.file.name][:2] == b"PK"  # an .xlsx is a ZIP

    url = reverse("reports:job-file", args=[job.pk])
    client.force_login(world.nominator_b)  # another unit: refused, no address given
    refused = client.get(url)
    assert refused.status_code == 403 and "Location" not in refused
    client.force_login(world.nominator_a)
    status, headers, content = fetch(client.get(url)["Location"])
    assert status == 200 and content == stored[job.file.name]
    assert headers["Content-Disposition"].startswith("attachment;")
    assert 'filename="bao-cao-diem-danh-2023.xlsx"' in headers["Content-Disposition"]


def test_issue_certificates_copies_the_files_out_of_the_bucket(held, s3, s3_client, tmp_path):
    out = io.StringIO()
    call_command(
        "issue_certificates",
        "--class",
        held.klass.code,
        "-o",
        str(tmp_path),
        stdout=out,
        stderr=io.StringIO(),
    )
    stored = bucket_objects(s3_client, s3)
    copies = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert sorted(copies.values()) == sorted(stored.values())
    with zipfile.ZipFile(next(tmp_path.glob("*.zip"))) as archive:
        assert len(archive.namelist()) == 2  # the two who qualify


def test_streaming_from_the_bucket_when_redirects_are_off(client, video, settings):
    """S3_REDIRECT=0: for a bucket browsers cannot reach, the app streams, ranges too."""
    settings.S3_REDIRECT = False
    row = file_of(video)
    response = client.get(
        reverse("materials:file", args=[row.pk]), headers={"range": "bytes=10-19"}
    )
    assert response.status_code == 206
    assert b"".join(response.streaming_content) == MP4[10:20]


def test_a_missing_object_is_a_404_not_a_redirect(client, s3, s3_client, video):
    row = file_of(video)
    s3_client.delete_object(Bucket=s3, Key=row.file.name)
    response = client.get(reverse("materials:file", args=[row.pk]))
    assert response.status_code == 404
    assert not Download.objects.exists()


def test_the_storage_never_overwrites_a_name(s3, s3_client):
    first = default_storage.save("materials/9/so-tay.pdf", ContentFile(b"one"))
    second = default_storage.save("materials/9/so-tay.pdf", ContentFile(b"two"))
    assert first == "materials/9/so-tay.pdf" and second != first
    assert bucket_objects(s3_client, s3) == {first: b"one", second: b"two"}
