"""certificates.pdf — the certificate of completion, checked by what a reader gets out of
the file: text through pypdf and poppler, fonts through pdffonts, the QR code decoded from
a rendered page. Pure rendering: no database.
"""

from __future__ import annotations

import dataclasses
import datetime
import html
import io
import re
import subprocess
import unicodedata
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics

from bench.certificates_floor import sample_contents
from certificates.content import CertificateContent
from certificates.pdf import (
    INNER_INSET,
    PAGE_SIZE,
    certificate_pdf,
    merged_pdf,
    pdf_filename,
    write_zip,
)
from core.documents.header import MOTTO, NATIONAL_NAME, register_fonts

CONTENT = CertificateContent(
    register_number="012/GCN-STTTT",
    verify_url="https://daotao.stttt.laichau.gov.vn/xac-thuc/7KQ2M9XD4TRAPW3E/",
    verify_code="7KQ2-M9XD-4TRA-PW3E",
    parent_body="UBND tỉnh Lai Châu",
    issuing_body="Sở Thông tin và Truyền thông",
    honorific="Bà",
    full_name="Nguyễn Thị Hường",
    date_of_birth=datetime.date(1985, 3, 5),
    birth_year=None,
    unit="UBND huyện Mường Tè",
    class_title="Bồi dưỡng nghiệp vụ công tác thông tin đối ngoại khu vực biên giới",
    start_date=datetime.date(2023, 10, 10),
    end_date=datetime.date(2023, 10, 12),
    venue="Hội trường Sở Thông tin và Truyền thông, thành phố Lai Châu",
    issue_place="Lai Châu",
    issued_on=datetime.date(2023, 12, 5),
    signer_title="KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC",
    signer_name="Lò Văn Pành",
)

LONG = dataclasses.replace(
    CONTENT,
    honorific="Ông/Bà",
    full_name="Hoàng Thị Phương Thảo Nguyên Khánh Linh Ngọc Diệp Quỳnh Anh Thư",  # 62 chars
    unit="Trung tâm Văn hóa, Thể thao và Truyền thông huyện Tân Uyên, tỉnh Lai Châu "
    "(cơ sở 2, phòng Thông tin cơ sở và thông tin đối ngoại)",
    class_title="Bồi dưỡng kiến thức, kỹ năng thông tin đối ngoại cho cán bộ cấp xã khu vực "
    "biên giới, vùng đồng bào dân tộc thiểu số tỉnh Lai Châu năm 2023 — chuyên đề thông "
    "tin đối ngoại trên môi trường mạng, báo chí điện tử và mạng xã hội",
    venue="Trung tâm Hội nghị tỉnh, đường Trần Hưng Đạo, phường Tân Phong, thành phố Lai Châu",
    issuing_body="Sở Văn hóa, Thể thao và Du lịch và Thông tin và Truyền thông",
)

BREVE, CIRCUMFLEX, HORN = "\u0306", "\u0302", "\u031b"
TONE_MARKS = {"\u0300", "\u0309", "\u0303", "\u0301", "\u0323"}  # huyền hỏi ngã sắc nặng
# The letter-making mark each vowel may carry (ă â ê ô ơ ư) — "î" or "ŭ" are not Vietnamese.
LETTER_MARKS = {
    "a": {BREVE, CIRCUMFLEX},
    "e": {CIRCUMFLEX},
    "i": set(),
    "o": {CIRCUMFLEX, HORN},
    "u": {HORN},
    "y": set(),
}


# ---------------------------------------------------------------------------- helpers


def _run(args: list[str]) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def squash(text: str) -> str:
    """NFC, whitespace collapsed: lines wrapped in the PDF read as one string."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def page_texts(pdf: bytes) -> list[str]:
    return [squash(page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages]


def write(pdf: bytes, tmp_path: Path, name: str = "gcn.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(pdf)
    return path


def render_png(pdf: bytes, tmp_path: Path, dpi: int = 150) -> Path:
    """Page 1 as PNG, as a phone camera would see the printed page."""
    path = write(pdf, tmp_path, "render.pdf")
    stem = tmp_path / "page"
    _run(["pdftoppm", "-r", str(dpi), "-png", "-singlefile", str(path), str(stem)])
    return stem.with_suffix(".png")


def word_boxes(pdf: bytes, tmp_path: Path) -> list[tuple[str, tuple[float, float, float, float]]]:
    """(word, (x0, y0, x1, y1) in points from the page's bottom-left) on page 1."""
    path = write(pdf, tmp_path, "bbox.pdf")
    out = _run(["pdftotext", "-bbox", "-f", "1", "-l", "1", "-enc", "UTF-8", str(path), "-"])
    height = PAGE_SIZE[1]
    return [
        (html.unescape(w), (float(x0), height - float(y1), float(x1), height - float(y0)))
        for x0, y0, x1, y1, w in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>',
            out,
        )
    ]


def qr_codes(png: Path):
    import zxingcpp
    from PIL import Image

    with Image.open(png) as image:
        return zxingcpp.read_barcodes(image)


def overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def vietnamese_letters() -> list[str]:
    """The precomposed Vietnamese letters, derived from Unicode rather than typed: every
    NFC character whose decomposition is a vowel a e i o u y followed by at most one of
    the vowel's own letter marks (breve, circumflex, horn) and at most one tone mark —
    not the plain vowel itself — plus đ and Đ."""
    letters = []
    for code in range(0x00C0, 0x1F00):
        char = chr(code)
        decomposed = unicodedata.normalize("NFD", char)
        base, marks = decomposed[0], decomposed[1:]
        if base.lower() not in LETTER_MARKS or not marks:
            continue
        letter_marks = [m for m in marks if m in LETTER_MARKS[base.lower()]]
        tones = [m for m in marks if m in TONE_MARKS]
        if (
            len(letter_marks) <= 1
            and len(tones) <= 1
            and len(letter_marks) + len(tones) == len(marks)
        ):
            letters.append(char)
    return [*letters, "đ", "Đ"]


def letter_words(letters: list[str]) -> str:
    """The letters grouped into short words (pdftotext/pypdf handle words better than 134
    evenly spaced single letters)."""
    return " ".join("".join(letters[i : i + 6]) for i in range(0, len(letters), 6))


# ---------------------------------------------------------------------------- text


def test_certificate_prints_every_field():
    pdf = certificate_pdf(CONTENT)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    text = squash(reader.pages[0].extract_text())

    for expected in (
        "UBND TỈNH LAI CHÂU",
        "SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
        NATIONAL_NAME,
        MOTTO,
        "GIẤY CHỨNG NHẬN",
        "Chứng nhận: Bà NGUYỄN THỊ HƯỜNG",  # the name in capitals, after the honorific
        "Sinh ngày: 05/03/1985",
        "Đơn vị: UBND huyện Mường Tè",
        f"Đã hoàn thành lớp: {CONTENT.class_title}",
        "Thời gian: từ ngày 10/10/2023 đến ngày 12/10/2023",
        f"Địa điểm: {CONTENT.venue}",
        "Số: 012/GCN-STTTT",
        "Mã tra cứu: 7KQ2-M9XD-4TRA-PW3E",
        CONTENT.verify_url,
        "Lai Châu, ngày 05 tháng 12 năm 2023",
        "KT. GIÁM ĐỐC PHÓ GIÁM ĐỐC",  # two centred lines, in this order
        "Lò Văn Pành",
    ):
        assert expected in text, (expected, text)
    # Reading order follows the page: header, title, body, then number and signature.
    assert text.index(NATIONAL_NAME) < text.index("GIẤY CHỨNG NHẬN") < text.index("Chứng nhận")
    assert text.index("Địa điểm") < text.index("Số: ") < text.index("Lò Văn Pành")
    # The content keeps its stored spelling; only the printed name is upper-cased.
    assert CONTENT.full_name == "Nguyễn Thị Hường"

    assert reader.metadata.title == "Giấy chứng nhận"
    assert reader.trailer["/Root"]["/Lang"] == "vi"


def test_birth_year_only_single_day_and_no_birth_line():
    year_only = dataclasses.replace(
        CONTENT,
        date_of_birth=None,
        birth_year=1979,
        end_date=CONTENT.start_date,
    )
    text = page_texts(certificate_pdf(year_only))[0]
    assert "Năm sinh: 1979" in text
    assert "Sinh ngày" not in text
    assert "Thời gian: ngày 10/10/2023" in text
    assert "từ ngày" not in text

    unknown = dataclasses.replace(CONTENT, date_of_birth=None, birth_year=None)
    text = page_texts(certificate_pdf(unknown))[0]
    assert "Sinh ngày" not in text and "Năm sinh" not in text
    assert "Đơn vị: UBND huyện Mường Tè" in text


def test_decomposed_input_prints_composed_letters():
    nfd = dataclasses.replace(
        CONTENT,
        **{
            field: unicodedata.normalize("NFD", getattr(CONTENT, field))
            for field in ("full_name", "unit", "class_title", "honorific", "signer_name")
        },
    )
    assert nfd.full_name != CONTENT.full_name  # really decomposed

    text = page_texts(certificate_pdf(nfd))[0]
    raw = PdfReader(io.BytesIO(certificate_pdf(nfd))).pages[0].extract_text()
    # No letter followed by a floating accent: the extracted text is already composed.
    assert not any(unicodedata.combining(char) for char in raw)
    assert "Chứng nhận: Bà NGUYỄN THỊ HƯỜNG" in text
    assert "Đơn vị: UBND huyện Mường Tè" in text
    assert CONTENT.class_title in text
    assert "Lò Văn Pành" in text
    # Same letters, same page: NFD input renders exactly as the NFC original.
    assert certificate_pdf(nfd) == certificate_pdf(CONTENT)


def test_same_content_gives_the_same_bytes():
    first = certificate_pdf(CONTENT)
    assert certificate_pdf(CONTENT) == first
    assert merged_pdf([CONTENT]) == first
    other = certificate_pdf(dataclasses.replace(CONTENT, register_number="013/GCN-STTTT"))
    assert other != first


# ---------------------------------------------------------------------------- fonts


def test_only_embedded_plex_subsets(tmp_path):
    path = write(merged_pdf([CONTENT, LONG]), tmp_path)
    lines = _run(["pdffonts", str(path)]).splitlines()[2:]
    assert len(lines) >= 3  # regular, bold, italic
    for line in lines:
        cols = line.split()
        name, emb, sub = cols[0], cols[-5], cols[-4]
        assert re.fullmatch(r"[A-Z]{6}\+IBMPlexSerif-\w+", name), line
        assert (emb, sub) == ("yes", "yes"), line
        for base14 in ("Helvetica", "Times", "Courier", "Symbol"):
            assert base14 not in line


def test_font_covers_every_vietnamese_letter_and_they_read_back():
    letters = vietnamese_letters()
    assert len(letters) == 134
    assert len({c.lower() for c in letters}) == 67
    assert not any(c in letters for c in "aeiouyAEIOUY")

    fonts = register_fonts()
    for font in (fonts.regular, fonts.bold):
        cmap = pdfmetrics.getFont(font).face.charToGlyph
        missing = [c for c in letters if ord(c) not in cmap or cmap[ord(c)] == 0]
        assert not missing, (font, missing)

    lower = letter_words([c for c in letters if c.islower()])
    upper = letter_words([c for c in letters if c.isupper()])
    content = dataclasses.replace(
        CONTENT,
        full_name=f"{lower} {upper}",
        unit=f"{upper} {lower}",
        class_title=f"{lower} {upper}",
    )
    text = page_texts(certificate_pdf(content))[0]
    assert f"{upper} {upper}" in text  # the name, in capitals
    assert f"Đơn vị: {upper} {lower}" in text
    assert f"Đã hoàn thành lớp: {lower} {upper}" in text


# ---------------------------------------------------------------------------- QR and layout


def test_qr_code_decodes_to_the_verification_url(tmp_path):
    results = qr_codes(render_png(certificate_pdf(CONTENT), tmp_path))
    assert [r.text for r in results] == [CONTENT.verify_url]


@pytest.mark.parametrize("content", [CONTENT, LONG], ids=["usual", "long"])
def test_text_stays_inside_the_frame_and_clear_of_the_qr_code(content, tmp_path):
    pdf = certificate_pdf(content)
    text = page_texts(pdf)[0]
    # Nothing was cut: the whole name (in capitals), unit and class title read back.
    assert " ".join(content.full_name.upper().split()) in text
    assert " ".join(content.unit.split()) in text
    assert " ".join(content.class_title.split()) in text
    assert " ".join(content.issuing_body.upper().split()) in text

    dpi = 150
    (code,) = qr_codes(render_png(pdf, tmp_path, dpi=dpi))
    assert code.text == content.verify_url
    corners = [code.position.top_left, code.position.bottom_right]
    scale = 72 / dpi
    xs = [p.x * scale for p in corners]
    ys = [PAGE_SIZE[1] - p.y * scale for p in corners]
    # The symbol plus most of its 4-module quiet zone (≈ 3 mm) must stay free of text.
    qr = (min(xs) - 2.5 * mm, min(ys) - 2.5 * mm, max(xs) + 2.5 * mm, max(ys) + 2.5 * mm)

    inside = (INNER_INSET + 2 * mm, INNER_INSET + 2 * mm)
    frame = (*inside, PAGE_SIZE[0] - inside[0], PAGE_SIZE[1] - inside[1])
    words = word_boxes(pdf, tmp_path)
    assert len(words) > 40
    # pdftotext's boxes span the font's whole ascent and descent; trim them to the ink
    # so lines set at a normal leading do not count as touching.
    inked = []
    for word, (x0, y0, x1, y1) in words:
        trim = (y1 - y0) * 0.15
        inked.append((word, (x0 + 0.3, y0 + trim, x1 - 0.3, y1 - trim)))
    for word, box in inked:
        assert frame[0] <= box[0] and box[2] <= frame[2], (word, box)
        assert frame[1] <= box[1] and box[3] <= frame[3], (word, box)
        assert not overlaps(box, qr), (word, box, qr)
    for i, (word, box) in enumerate(inked):
        for other, other_box in inked[i + 1 :]:
            assert not overlaps(box, other_box), (word, other, box, other_box)


# ---------------------------------------------------------------------------- many at once


def test_merged_pdf_has_one_page_per_certificate_in_order():
    contents = sample_contents(3)
    assert len({c.full_name for c in contents}) == 3
    pages: list[int] = []
    pdf = merged_pdf(contents, on_page=pages.append)

    assert pages == [1, 2, 3]
    texts = page_texts(pdf)
    assert len(texts) == 3
    for n, (text, content) in enumerate(zip(texts, contents, strict=True)):
        assert content.full_name.upper() in text
        assert f"Số: {content.register_number}" in text
        for other in contents[:n] + contents[n + 1 :]:
            assert other.register_number not in text


def test_merged_file_stays_small():
    pdf = merged_pdf(sample_contents(120))
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 120
    assert len(pdf) / 120 <= 6 * 1024, len(pdf) / 120


def test_pdf_filename_is_plain_ascii():
    assert pdf_filename(dataclasses.replace(CONTENT, register_number="001/GCN-STTTT",
                                            full_name="Nguyễn Văn An")) == (
        "001-GCN-STTTT_Nguyen-Van-An.pdf"
    )  # fmt: skip
    assert pdf_filename(dataclasses.replace(CONTENT, full_name="Đặng  Thị Ánh")) == (
        "012-GCN-STTTT_Dang-Thi-Anh.pdf"
    )
    odd = dataclasses.replace(
        CONTENT, register_number="12/GCN:STTTT*", full_name='Lò Văn <Pành> "Ỷ"/\\?'
    )
    assert pdf_filename(odd) == "12-GCNSTTTT_Lo-Van-Panh-Y.pdf"
    decomposed = dataclasses.replace(CONTENT, full_name=unicodedata.normalize("NFD", "Vừ A Dính"))
    assert pdf_filename(decomposed) == "012-GCN-STTTT_Vu-A-Dinh.pdf"


def test_write_zip_holds_one_named_pdf_per_certificate():
    contents = sample_contents(4)
    # Two people with the same name and number still get two files.
    contents.append(dataclasses.replace(contents[0], verify_url=contents[1].verify_url))
    buffer = io.BytesIO()
    items: list[int] = []
    assert write_zip(contents, buffer, on_item=items.append) == 5
    assert items == [1, 2, 3, 4, 5]

    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        infos = archive.infolist()
        names = [info.filename for info in infos]
        assert len(names) == 5
        assert len({n.lower() for n in names}) == 5
        assert names[0] == pdf_filename(contents[0])
        assert names[4] == names[0].removesuffix(".pdf") + "-2.pdf"
        for info, content in zip(infos, contents, strict=True):
            assert re.fullmatch(r"[A-Za-z0-9._-]+\.pdf", info.filename), info.filename
            assert info.compress_type == zipfile.ZIP_DEFLATED
            pages = page_texts(archive.read(info))
            assert len(pages) == 1
            assert content.full_name.upper() in pages[0]
            assert f"Số: {content.register_number}" in pages[0]


def test_the_header_prints_the_bodies_as_decree_30_writes_them(tmp_path):
    """Long names as an organiser may be recorded ("Ủy ban nhân dân tỉnh Lai Châu" over
    "Sở Thông tin và Truyền thông tỉnh Lai Châu") print as "UBND TỈNH LAI CHÂU" over
    "SỞ THÔNG TIN VÀ TRUYỀN THÔNG", the issuer on one line at the full header size."""
    long_bodies = dataclasses.replace(
        CONTENT,
        parent_body="Ủy ban nhân dân tỉnh Lai Châu",
        issuing_body="Sở Thông tin và Truyền thông tỉnh Lai Châu",
    )
    boxes = word_boxes(certificate_pdf(long_bodies), tmp_path)
    lines: dict[float, list[str]] = {}
    for word, (x0, y0, _x1, _y1) in boxes:
        if x0 < PAGE_SIZE[0] * 0.45:  # the issuer's column
            lines.setdefault(round(y0), []).append(word)
    top = [" ".join(words) for _y, words in sorted(lines.items(), reverse=True)][:3]
    assert top[0] == "UBND TỈNH LAI CHÂU"
    assert top[1] == "SỞ THÔNG TIN VÀ TRUYỀN THÔNG"
    assert "TỈNH" not in top[2]  # not wrapped onto a line of its own
    heights = {round(y1 - y0, 1) for w, (x0, y0, x1, y1) in boxes if w in ("SỞ", "TRUYỀN")}
    assert len(heights) == 1


@pytest.mark.django_db
def test_default_settings_take_the_bodies_from_header_bodies():
    from certificates.eligibility import settings_for
    from tests import factories as f

    province = f.organisation(name="Ủy ban nhân dân tỉnh Lai Châu", code="LC")
    department = f.organisation(
        name="Sở Thông tin và Truyền thông tỉnh Lai Châu", code="STTTT-X", parent=province
    )
    klass = f.training_class(organiser=department)
    settings = settings_for(klass)
    assert (settings.parent_body, settings.issuing_body) == (
        "UBND tỉnh Lai Châu",
        "Sở Thông tin và Truyền thông",
    )
