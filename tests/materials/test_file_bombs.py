"""Materials (issue 13): macros are found by what parts are, not what they are called, and
ZIP-based documents are bounded by what they would unpack to."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from materials.files import Danger, Family, classify, sniff, validate_upload
from tests import bombs

ALL = list(Family)
MB = 1024 * 1024


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _validate(name: str, content: bytes):
    upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    return validate_upload(upload, allowed=ALL, max_bytes=100 * MB)


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(bombs.xlsx_with_renamed_macro(declare_type=True), id="declared-type"),
        pytest.param(bombs.xlsx_with_renamed_macro(declare_type=False), id="ole-signature"),
        pytest.param(bombs.xlsx_macro_enabled_main(), id="macro-enabled-main"),
    ],
)
def test_a_macro_under_another_name_is_refused(content):
    # Before: accepted and published, since only names ending in vbaProject.bin counted.
    with pytest.raises(ValidationError) as excinfo:
        _validate("bang-diem.xlsx", content)
    assert excinfo.value.code == "macro"
    assert "contains macros" in excinfo.value.messages[0]
    assert classify(content[:4096], io.BytesIO(content)) is Danger.MACRO


def test_an_embedded_ole_object_without_vba_is_still_accepted():
    # A chart or Word table embedded in a document is an OLE part too, without a VBA
    # project: it is not a macro.
    plain = bombs.rewrite(
        bombs._workbook(lambda ws: ws.append(["STT"])),
        {},
        extra={
            "xl/embeddings/oleObject1.bin": bombs.ole_with_vba_project().replace(
                "_VBA_PROJECT".encode("utf-16-le"), "Contents\0\0\0\0".encode("utf-16-le")
            )
        },
    )
    assert _validate("bang-diem.xlsx", plain).ext == "xlsx"


def test_a_document_inflating_to_gigabytes_is_refused(tmp_path):
    # A .docx whose one part inflates to 2 GB from 2 MB: refused from the central
    # directory, nothing is inflated.
    path = bombs.write_zip_with_big_entry(
        tmp_path / "so-tay.docx",
        "word/document.xml",
        2048 * MB,
        others={"[Content_Types].xml": b"<Types/>"},
    )
    content = path.read_bytes()
    assert len(content) < 3 * MB
    with pytest.raises(ValidationError) as excinfo:
        _validate("so-tay.docx", content)
    assert excinfo.value.code == "archive_limits"
    assert "unpacks to 2.048 MB, at most 512 MB" in excinfo.value.messages[0]  # English UI
    # Callers that only sniff get "unknown", not an exception.
    assert sniff(content[:4096], io.BytesIO(content)) is None


def test_a_document_with_too_many_parts_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        for index in range(10_001):
            archive.writestr(f"word/media/p{index}.xml", b"")
    with pytest.raises(ValidationError) as excinfo:
        _validate("so-tay.docx", buffer.getvalue())
    assert "has 10.002 parts, at most 10.000" in excinfo.value.messages[0]  # English UI
