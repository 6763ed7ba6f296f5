"""materials.files — uploads are judged by their bytes, never by their name.

Every accepted format is built for real (reportlab, Pillow, openpyxl, zipfile, wave) or,
for audio/video containers no library here writes, from the bytes their specifications
put at the start of the file.
"""

import hashlib
import io
import re
import struct
import unicodedata
import wave
import zipfile

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image
from reportlab.pdfgen import canvas

from materials.files import (
    Danger,
    Detected,
    Family,
    ValidatedFile,
    classify,
    dangerous,
    human_size,
    safe_name,
    sniff,
    validate_upload,
)

ALL = list(Family)
MB = 1024 * 1024


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted on their English msgids; sizes are checked in Vietnamese
    separately."""
    with translation.override("en"):
        yield


# --- real minimal files ---------------------------------------------------------------


def pdf_bytes() -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, "So tay nghiep vu")
    page.save()
    return buffer.getvalue()


def image_bytes(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


def zip_bytes(entries: list[tuple[str, bytes]], *, stored_first: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (name, data) in enumerate(entries):
            method = zipfile.ZIP_STORED if stored_first and index == 0 else zipfile.ZIP_DEFLATED
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=method)
    return buffer.getvalue()


CONTENT_TYPES = b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'


def docx_bytes(*extra: tuple[str, bytes]) -> bytes:
    return zip_bytes(
        [
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", b"<Relationships/>"),
            ("word/document.xml", b"<w:document/>"),
            *extra,
        ]
    )


def pptx_bytes() -> bytes:
    return zip_bytes(
        [
            ("[Content_Types].xml", CONTENT_TYPES),
            ("ppt/presentation.xml", b"<p:presentation/>"),
        ]
    )


def xlsx_bytes() -> bytes:
    buffer = io.BytesIO()
    book = openpyxl.Workbook()
    book.active["A1"] = "Danh sách học viên"
    book.save(buffer)
    return buffer.getvalue()


def odf_bytes(kind: str) -> bytes:
    return zip_bytes(
        [
            ("mimetype", f"application/vnd.oasis.opendocument.{kind}".encode()),
            ("content.xml", b"<office:document-content/>"),
            ("META-INF/manifest.xml", b"<manifest:manifest/>"),
        ],
        stored_first=True,
    )


def ole_bytes(*streams: str) -> bytes:
    """A minimal but valid OLE2 compound file (legacy Office container): header, one FAT
    sector, one directory sector holding the root entry and the given empty streams."""
    free, end, fat_sector = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIII", header, 0x2C, 1, 1, 0, 4096, end, 0, end, 0)
    struct.pack_into("<109I", header, 0x4C, 0, *([free] * 108))
    fat = struct.pack("<128I", fat_sector, end, *([free] * 126))

    def entry(name: str, kind: int) -> bytes:
        raw = (name + "\0").encode("utf-16-le")
        data = bytearray(128)
        data[: len(raw)] = raw
        struct.pack_into("<HBB", data, 64, len(raw), kind, 1)
        struct.pack_into("<III", data, 68, free, free, free)
        struct.pack_into("<II", data, 116, end, 0)
        return bytes(data)

    entries = [entry("Root Entry", 5)] + [entry(name, 2) for name in streams]
    directory = b"".join(entries).ljust(512, b"\0")
    return bytes(header) + fat + directory


def wav_bytes() -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\0\0" * 800)
    return buffer.getvalue()


MP3_FRAME = b"\xff\xfb\x90\x64" + b"\0" * 413  # MPEG-1 layer III, 128 kbit/s, 44.1 kHz
MP3_ID3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + MP3_FRAME
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00\x00\x00\x08free"
MP4_ISOM = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41" + b"\x00\x00\x00\x08free"
M4A = b"\x00\x00\x00\x1cftypM4A \x00\x00\x00\x00M4A isommp42" + b"\x00\x00\x00\x08free"
WEBM = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08\x42\x82\x84webm\x42\x87\x81\x04\x42\x85\x81\x02"
OGG = b"OggS\x00\x02" + b"\x00" * 8 + b"\x01\x02\x03\x04" + b"\x00" * 8 + b"\x01\x1e\x01vorbis"


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def refusal(excinfo: pytest.ExceptionInfo[ValidationError]) -> tuple[str, str]:
    error = excinfo.value
    assert len(error.messages) == 1
    return error.code, error.messages[0]


# --- formats --------------------------------------------------------------------------

FORMATS = [
    ("so-tay.pdf", pdf_bytes, "application/pdf", "pdf", Family.DOCUMENT),
    ("anh.png", lambda: image_bytes("PNG"), "image/png", "png", Family.IMAGE),
    ("anh.jpeg", lambda: image_bytes("JPEG"), "image/jpeg", "jpg", Family.IMAGE),
    ("anh.gif", lambda: image_bytes("GIF"), "image/gif", "gif", Family.IMAGE),
    ("anh.webp", lambda: image_bytes("WEBP"), "image/webp", "webp", Family.IMAGE),
    (
        "so-tay.docx",
        docx_bytes,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "docx",
        Family.DOCUMENT,
    ),
    (
        "danh-sach.xlsx",
        xlsx_bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
        Family.DOCUMENT,
    ),
    (
        "bai-giang.pptx",
        pptx_bytes,
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "pptx",
        Family.DOCUMENT,
    ),
    (
        "so-tay.odt",
        lambda: odf_bytes("text"),
        "application/vnd.oasis.opendocument.text",
        "odt",
        Family.DOCUMENT,
    ),
    (
        "bang.ods",
        lambda: odf_bytes("spreadsheet"),
        "application/vnd.oasis.opendocument.spreadsheet",
        "ods",
        Family.DOCUMENT,
    ),
    (
        "cu.doc",
        lambda: ole_bytes("1Table", "WordDocument"),
        "application/msword",
        "doc",
        Family.DOCUMENT,
    ),
    ("cu.xls", lambda: ole_bytes("Workbook"), "application/vnd.ms-excel", "xls", Family.DOCUMENT),
    ("ban-tin.mp3", lambda: MP3_ID3, "audio/mpeg", "mp3", Family.AUDIO),
    ("ban-tin.mp3", lambda: MP3_FRAME, "audio/mpeg", "mp3", Family.AUDIO),
    ("ban-tin.m4a", lambda: M4A, "audio/mp4", "m4a", Family.AUDIO),
    ("ban-tin.ogg", lambda: OGG, "audio/ogg", "ogg", Family.AUDIO),
    ("ban-tin.wav", wav_bytes, "audio/wav", "wav", Family.AUDIO),
    ("clip.mp4", lambda: MP4, "video/mp4", "mp4", Family.VIDEO),
    ("clip.mp4", lambda: MP4_ISOM, "video/mp4", "mp4", Family.VIDEO),
    ("clip.webm", lambda: WEBM, "video/webm", "webm", Family.VIDEO),
]


@pytest.mark.parametrize(("name", "make", "mime", "ext", "family"), FORMATS)
def test_each_accepted_format_is_detected_from_its_bytes(name, make, mime, ext, family):
    content = make()
    result = validate_upload(upload(name, content), allowed=ALL, max_bytes=10 * MB)

    assert (result.mime, result.ext, result.family) == (mime, ext, family)
    assert result.size == len(content)
    assert result.safe_name.endswith("." + ext)


def test_sniff_reads_only_the_head_and_returns_a_detected_value():
    assert sniff(pdf_bytes()[:4096]) == Detected("application/pdf", "pdf", Family.DOCUMENT)
    assert sniff(docx_bytes()[:4096]).ext == "docx"  # entries listed in the head
    assert sniff(odf_bytes("text")[:100]).ext == "odt"  # mimetype entry comes first
    assert sniff(b"just some text") is None
    assert sniff(b"") is None


def test_office_open_xml_whose_entry_list_is_past_the_head_needs_the_file():
    content = xlsx_bytes()
    head = content[:200]  # only the first local header fits

    assert sniff(head) is None
    assert sniff(head, io.BytesIO(content)).ext == "xlsx"


def test_zip_archives_other_than_office_documents_are_not_accepted():
    archive = zip_bytes([("tai-lieu/so-tay.pdf", pdf_bytes())])
    with pytest.raises(ValidationError) as excinfo:
        validate_upload(upload("tai-lieu.zip", archive), allowed=ALL, max_bytes=MB)

    assert refusal(excinfo)[0] == "unknown_type"


def test_a_compound_file_that_is_not_word_excel_or_powerpoint_is_not_accepted():
    """An .msi installer is an OLE2 compound file too."""
    content = ole_bytes("\u4840\u3b3f\u43f2")
    assert sniff(content) is None


# --- dangerous content ----------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\0" * 100,  # Windows .exe
        b"\x7fELF\x02\x01\x01" + b"\0" * 100,
        b"\xcf\xfa\xed\xfe\x07\x00\x00\x01" + b"\0" * 100,  # Mach-O 64-bit
        b"\xca\xfe\xba\xbe\x00\x00\x00\x02" + b"\0" * 100,  # Mach-O universal
        b"#!/bin/sh\nrm -rf /\n",
    ],
)
def test_programs_are_refused_even_when_named_pdf(content):
    with pytest.raises(ValidationError) as excinfo:
        validate_upload(upload("so-tay.pdf", content), allowed=ALL, max_bytes=MB)

    code, message = refusal(excinfo)
    assert code == "program"
    assert "“so-tay.pdf” is a program file" in message


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("so-tay.pdf", b"\xef\xbb\xbf \r\n\t<!DOCTYPE html><html><body>Phishing</body></html>"),
        ("so-tay.pdf", b"<HTML><script>alert(1)</script></HTML>"),
        ("so-tay.pdf", b"<iframe src='https://example.invalid'></iframe>"),
        ("so-tay.pdf", "<html>".encode("utf-16")),  # UTF-16 with BOM
        (
            "logo.png",
            b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg">'
            b"<script>alert(document.cookie)</script></svg>",
        ),
        ("logo.png", b'<svg onload="alert(1)"/>'),
        ("trang.htm", b"<head><title>x</title></head>"),
    ],
)
def test_markup_is_refused_whatever_its_name(name, content):
    with pytest.raises(ValidationError) as excinfo:
        validate_upload(upload(name, content), allowed=ALL, max_bytes=MB)

    code, message = refusal(excinfo)
    assert code == "markup"
    assert f"“{name}” is an HTML page or code" in message


def test_text_that_merely_mentions_a_tag_is_unknown_not_markup():
    assert dangerous(b"Ghi chu: <html> la the mo dau") is None
    assert dangerous(b"<abbr>") is None
    assert dangerous(b"<html>") is Danger.MARKUP


def test_documents_with_macros_are_refused():
    docm = docx_bytes(("word/vbaProject.bin", b"\xcc\x61"))
    with pytest.raises(ValidationError) as excinfo:
        validate_upload(upload("so-tay.docx", docm), allowed=ALL, max_bytes=MB)
    assert refusal(excinfo)[0] == "macro"

    assert classify(ole_bytes("WordDocument", "Macros")) is Danger.MACRO


# --- sizes ----------------------------------------------------------------------------


def test_an_empty_file_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        validate_upload(upload("so-tay.pdf", b""), allowed=ALL, max_bytes=MB)

    code, message = refusal(excinfo)
    assert code == "empty"
    assert "“so-tay.pdf” is empty" in message


class Unreadable(SimpleUploadedFile):
    """An upload that fails the test if anything reads it."""

    def read(self, *args, **kwargs):
        raise AssertionError("the content was read")

    def chunks(self, *args, **kwargs):
        raise AssertionError("the content was read")


def test_too_large_is_refused_from_the_declared_size_before_reading():
    big = Unreadable("Phim tư liệu.mp4", MP4, content_type="video/mp4")
    big.size = int(12.5 * MB)

    with translation.override("vi"), pytest.raises(ValidationError) as excinfo:
        validate_upload(big, allowed=[Family.VIDEO], max_bytes=10 * MB)

    code, message = refusal(excinfo)
    assert code == "too_large"
    assert "Phim tư liệu.mp4" in message
    assert "12,5 MB" in message and "10 MB" in message


def test_a_size_that_lies_is_caught_while_hashing():
    content = MP4 + b"\0" * 5000
    liar = upload("clip.mp4", content)
    liar.size = 10

    with pytest.raises(ValidationError) as excinfo:
        validate_upload(liar, allowed=ALL, max_bytes=1000)

    assert refusal(excinfo)[0] == "too_large"
    assert liar.tell() == 0


def test_sizes_are_human_and_localised():
    with translation.override("vi"):
        assert human_size(int(12.5 * MB)) == "12,5 MB"
        assert human_size(50 * MB) == "50 MB"
        assert human_size(1536) == "1,5 KB"
    assert human_size(int(12.5 * MB)) == "12.5 MB"
    assert human_size(512) == "512 B"


def test_a_size_just_over_the_limit_is_not_shown_equal_to_it():
    with pytest.raises(ValidationError) as excinfo:
        validate_upload(upload("clip.mp4", MP4 * 3), allowed=ALL, max_bytes=len(MP4) * 3 - 1)

    message = refusal(excinfo)[1]
    size, limit = re.search(r"is (.+?), over the (.+?) limit", message).groups()
    assert size != limit


# --- names ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["../../etc/passwd.pdf", "..\\x.pdf", "a/b.pdf", "x\x00.pdf", "C:\\Windows\\x.pdf", ".."],
)
def test_names_with_folders_or_control_characters_are_refused(name):
    with pytest.raises(ValidationError) as excinfo:
        validate_upload(upload("x.pdf", pdf_bytes()), allowed=ALL, max_bytes=MB, name=name)

    code, message = refusal(excinfo)
    assert code == "bad_name"
    assert "is not a usable file name" in message
    assert "\x00" not in message  # hidden characters are made visible


@pytest.mark.parametrize("name", ["..\\x.pdf", "x\x00.pdf", ".pdf", "bao-cao\u202efdp.exe"])
def test_bad_names_that_survive_djangos_upload_object_are_refused(name):
    with pytest.raises(ValidationError) as excinfo:
        validate_upload(upload(name, pdf_bytes()), allowed=ALL, max_bytes=MB)

    assert refusal(excinfo)[0] == "bad_name"


def test_django_strips_forward_slash_folders_which_is_why_name_can_be_passed():
    """Django's UploadedFile keeps only the basename of "a/b.pdf"; a caller that has the
    client's own name passes it as ``name=`` to have it checked (see the test above)."""
    assert upload("../../etc/passwd.pdf", b"x").name == "passwd.pdf"


def test_names_with_dots_or_no_extension_are_fine():
    for name in ("Tài liệu... phần 2.pdf", "Quyết định số 12.2023", "so tay"):
        result = validate_upload(upload(name, pdf_bytes()), allowed=ALL, max_bytes=MB)
        assert result.ext == "pdf"


# --- names against content, families ---------------------------------------------------


def test_an_extension_that_contradicts_the_content_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        validate_upload(upload("report.pdf", image_bytes("PNG")), allowed=ALL, max_bytes=MB)

    code, message = refusal(excinfo)
    assert code == "extension_mismatch"
    assert "the name says PDF but the content is a PNG image" in message


@pytest.mark.parametrize(
    ("name", "content"),
    [("anh.JPG", image_bytes("JPEG")), ("anh.jpeg", image_bytes("JPEG")), ("SO-TAY.PDF", None)],
)
def test_synonyms_and_upper_case_extensions_match(name, content):
    result = validate_upload(upload(name, content or pdf_bytes()), allowed=ALL, max_bytes=MB)
    assert result.ext in {"jpg", "pdf"}


def test_a_family_not_allowed_for_this_kind_of_material_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        validate_upload(upload("clip.mp4", MP4), allowed=[Family.DOCUMENT], max_bytes=MB)

    code, message = refusal(excinfo)
    assert code == "family_not_allowed"
    assert "“clip.mp4” is an MP4 video; this kind of material accepts documents" in message


def test_unknown_content_is_refused_and_says_what_is_accepted():
    with pytest.raises(ValidationError) as excinfo:
        validate_upload(
            upload("ghi-chu.txt", "Ghi chú".encode()),
            allowed=[Family.AUDIO, Family.VIDEO],
            max_bytes=MB,
        )

    code, message = refusal(excinfo)
    assert code == "unknown_type"
    assert "audio (MP3" in message and "video (MP4" in message


# --- the result -------------------------------------------------------------------------


def test_safe_name_is_an_ascii_slug_with_random_part_and_detected_extension():
    result = validate_upload(
        upload("Sổ tay nghiệp vụ (bản tiếng Mông).PDF", pdf_bytes()), allowed=ALL, max_bytes=MB
    )

    assert re.fullmatch(r"so-tay-nghiep-vu-ban-tieng-mong-[0-9a-f]{8}\.pdf", result.safe_name)
    assert result.original_name == "Sổ tay nghiệp vụ (bản tiếng Mông).PDF"


def test_safe_name_is_cut_falls_back_and_differs_each_time():
    assert re.fullmatch(r"tep-[0-9a-f]{8}\.mp4", safe_name("越南.mp4", "mp4"))
    long = safe_name("Đường " * 30 + ".pdf", "pdf")
    assert len(long.split("-" + long.rsplit("-", 1)[1])[0]) <= 60
    assert long.startswith("duong-duong")
    assert safe_name("a.pdf", "pdf") != safe_name("a.pdf", "pdf")


def test_original_name_is_nfc():
    nfd = unicodedata.normalize("NFD", "Bản tin.mp3")  # typed on a Mac: decomposed
    result = validate_upload(upload(nfd, MP3_ID3), allowed=ALL, max_bytes=MB)
    assert result.original_name == unicodedata.normalize("NFC", nfd) != nfd


def test_sha256_is_of_the_whole_content_read_in_chunks_and_the_file_is_rewound():
    content = MP4 + bytes(range(256)) * 2000  # ~500 KB: several chunks
    up = upload("clip.mp4", content)

    result = validate_upload(up, allowed=ALL, max_bytes=MB)

    assert isinstance(result, ValidatedFile)
    assert result.sha256 == hashlib.sha256(content).hexdigest()
    assert result.size == len(content)
    assert up.tell() == 0
    assert up.read() == content


def test_the_file_is_rewound_after_a_refusal_too():
    up = upload("report.pdf", image_bytes("PNG"))
    with pytest.raises(ValidationError):
        validate_upload(up, allowed=ALL, max_bytes=MB)
    assert up.tell() == 0
