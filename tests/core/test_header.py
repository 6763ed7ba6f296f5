"""core.documents.header — fonts, NFC text, Decree 30 dates and header, page numbers.

PDFs are checked through poppler (pdftotext / pdffonts / pdfinfo), i.e. by what a reader
actually gets out of the file.
"""

import datetime
import html
import json
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import fontpkg
import fontpkg_ibm_plex_serif
import pytest
from django.core.exceptions import ImproperlyConfigured
from reportlab.lib.fonts import tt2ps
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import PageBreak

from core.documents.header import (
    FONTS,
    build_pdf,
    document_table,
    font_files,
    official_header,
    para,
    register_fonts,
    style,
)
from core.documents.wording import vietnamese_date

BASES = "aăâeêioôơuưy"
TONES = ["", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323"]  # ngang huyền hỏi ngã sắc nặng


def vietnamese_words() -> list[str]:
    """Each vowel with its six tones as one 'word' ("aàảãáạ" …), both cases, then "đĐ".

    Letters are grouped into words because pdftotext drops the spaces of a line whose every
    gap is identical (it takes them for letter spacing).
    """
    words = [
        "".join(unicodedata.normalize("NFC", base + tone) for tone in TONES)
        for base in BASES + BASES.upper()
    ]
    return [*words, "đĐ"]


def vietnamese_letters() -> list[str]:
    """The 134 precomposed (non-ASCII) Vietnamese letters, both cases."""
    return [letter for letter in "".join(vietnamese_words()) if not letter.isascii()]


def pdftotext(pdf: bytes, tmp_path, *, name="out.pdf") -> str:
    path = tmp_path / name
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def word_boxes(pdf: bytes, tmp_path) -> list[tuple[str, float, float]]:
    """(word, xMin, xMax) of every word, in reading order, from ``pdftotext -bbox``."""
    path = tmp_path / "bbox.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-bbox", "-enc", "UTF-8", str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [
        (html.unescape(word), float(x0), float(x1))
        for x0, x1, word in re.findall(
            r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">(.*?)</word>', out
        )
    ]


def centre(boxes, phrase: str) -> float:
    """Horizontal centre of the first run of words spelling ``phrase``."""
    words = [word for word, _, _ in boxes]
    wanted = phrase.split()
    for start in range(len(words) - len(wanted) + 1):
        if words[start : start + len(wanted)] == wanted:
            return (boxes[start][1] + boxes[start + len(wanted) - 1][2]) / 2
    raise AssertionError(f"{phrase!r} not found in {words}")


def pdffonts(pdf: bytes, tmp_path) -> list[list[str]]:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout
    return [line.split() for line in out.splitlines()[2:] if line.strip()]


def page_count(pdf: bytes, tmp_path) -> int:
    path = tmp_path / "info.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True)
    return int(re.search(r"^Pages:\s+(\d+)$", out.stdout, re.MULTILINE).group(1))


HEADER = {
    "parent_body": "UBND tỉnh Lai Châu",
    "issuing_body": "Sở Thông tin và Truyền thông",
    "place": "Lai Châu",
    "on": datetime.date(2023, 12, 5),
}


# ---------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (datetime.date(2023, 3, 5), "ngày 05 tháng 3 năm 2023"),
        (datetime.date(2024, 2, 1), "ngày 01 tháng 02 năm 2024"),
        (datetime.date(2023, 12, 15), "ngày 15 tháng 12 năm 2023"),
        (datetime.date(2023, 1, 9), "ngày 09 tháng 01 năm 2023"),
        (datetime.date(2023, 10, 31), "ngày 31 tháng 10 năm 2023"),
    ],
)
def test_vietnamese_date_pads_days_and_only_months_one_and_two(day, expected):
    assert vietnamese_date(day) == expected


# ---------------------------------------------------------------------------- fonts


def test_register_fonts_is_idempotent_and_registers_a_family():
    first = register_fonts()
    assert register_fonts() == first
    assert tt2ps(first.regular, 1, 0) == first.bold
    assert tt2ps(first.regular, 0, 1) == first.italic
    assert tt2ps(first.regular, 1, 1) == first.bold_italic
    for name in (first.regular, first.bold, first.italic, first.bold_italic):
        assert pdfmetrics.getFont(name).face.filename == str(font_files()[name])


def _font_package_at(monkeypatch, root: Path) -> None:
    """The font package as fontpkg would find it installed at `root` (its metadata.json
    and files/ copied there): another install layout than site-packages."""
    source = Path(fontpkg_ibm_plex_serif.__file__).parent
    meta = json.loads((source / "metadata.json").read_text(encoding="utf-8"))
    moved = fontpkg.family_from_metadata(meta, root)
    monkeypatch.setattr(fontpkg, "family", lambda name: moved)


def test_font_files_are_found_through_the_font_package_wherever_it_is_installed(
    monkeypatch, tmp_path
):
    root = tmp_path / "share" / "plex"
    shutil.copytree(Path(fontpkg_ibm_plex_serif.__file__).parent / "files", root / "files")
    _font_package_at(monkeypatch, root)
    files = font_files()
    assert {path.name for path in files.values()} == {
        "IBMPlexSerif-Regular.ttf",
        "IBMPlexSerif-Bold.ttf",
        "IBMPlexSerif-Italic.ttf",
        "IBMPlexSerif-BoldItalic.ttf",
    }
    assert all(path.is_relative_to(root) for path in files.values())
    assert files[FONTS.bold_italic].name == "IBMPlexSerif-BoldItalic.ttf"


def test_missing_font_package_says_what_to_install(monkeypatch):
    def not_installed(name):
        raise fontpkg.FamilyNotInstalled("ibm-plex-serif")

    monkeypatch.setattr(fontpkg, "family", not_installed)
    with pytest.raises(ImproperlyConfigured, match="fontpkg-ibm-plex-serif"):
        font_files()


def test_missing_font_file_says_what_to_install(monkeypatch, tmp_path):
    _font_package_at(monkeypatch, tmp_path)  # metadata, but no files/
    with pytest.raises(ImproperlyConfigured, match=r"IBMPlexSerif-Regular\.ttf does not exist"):
        font_files()


def test_every_style_of_the_font_has_every_vietnamese_letter():
    fonts = register_fonts()
    letters = vietnamese_letters()
    assert len(letters) == 134
    for name in (fonts.regular, fonts.bold, fonts.italic, fonts.bold_italic):
        cmap = pdfmetrics.getFont(name).face.charToGlyph
        assert [c for c in letters if ord(c) not in cmap] == [], name


def test_every_vietnamese_letter_survives_in_every_style(tmp_path):
    words = vietnamese_words()
    line = " ".join(words)
    story = [
        para(f"[{kind}] {line}", style(kind, size=11, bold=bold, italic=italic))
        for kind, bold, italic in [
            ("regular", False, False),
            ("bold", True, False),
            ("italic", False, True),
            ("bolditalic", True, True),
        ]
    ]
    text = pdftotext(build_pdf(story), tmp_path)
    for kind in ("regular", "bold", "italic", "bolditalic"):
        chunk = text.split(f"[{kind}]", 1)[1].split("[", 1)[0].split("Trang", 1)[0]
        assert chunk.split() == words, kind
        assert set(vietnamese_letters()) <= set(chunk), kind


def test_only_embedded_subset_fonts_and_no_base14_reference(tmp_path):
    # A table with an empty plain-string cell used to drag Helvetica in.
    table = document_table([["", para("Lò Văn Pành", style())]], col_widths=[50, 200])
    story = [*official_header(**HEADER), table, para("Ghi chú", style(italic=True))]
    rows = pdffonts(build_pdf(story), tmp_path)
    assert rows
    for row in rows:
        name, emb, sub, uni = row[0], row[-5], row[-4], row[-3]
        assert (emb, sub, uni) == ("yes", "yes", "yes"), row
        assert "IBMPlexSerif" in name
        assert not re.search(r"Helvetica|Times|Courier|Symbol|ZapfDingbats", name)


# ---------------------------------------------------------------------------- text


def test_nfd_input_is_drawn_as_nfc(tmp_path):
    names = ["Nguyễn Thị Hường", "Hoàng Thị Ửng", "Phạm Quỳnh Anh", "Vừ A Dính"]
    story = [para(unicodedata.normalize("NFD", name), style()) for name in names]
    text = pdftotext(build_pdf(story), tmp_path)
    for name in names:
        assert name in text
    assert unicodedata.normalize("NFC", text) == text


def test_para_escapes_markup_characters(tmp_path):
    text = pdftotext(build_pdf([para("Phòng <b>Văn hóa</b> & Thông tin", style())]), tmp_path)
    assert "Phòng <b>Văn hóa</b> & Thông tin" in text


# ---------------------------------------------------------------------------- header


def test_official_header_block_reads_as_decree_30(tmp_path):
    story = official_header(**HEADER, number="12/DS-STTTT")
    lines = [line for line in pdftotext(build_pdf(story), tmp_path).splitlines() if line.strip()]
    # Two columns: the bodies on the left, the national name and motto on the right.
    assert re.fullmatch(r"\s*UBND TỈNH LAI CHÂU\s+CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", lines[0])
    assert re.fullmatch(r"\s*SỞ THÔNG TIN VÀ TRUYỀN THÔNG\s+Độc lập - Tự do - Hạnh phúc", lines[1])
    assert re.fullmatch(r"\s*Số: 12/DS-STTTT\s+Lai Châu, ngày 05 tháng 12 năm 2023", lines[2])


def test_official_header_columns_are_centred(tmp_path):
    boxes = word_boxes(build_pdf(official_header(**HEADER, number="12/DS-STTTT")), tmp_path)
    left = centre(boxes, "UBND TỈNH LAI CHÂU")
    assert abs(centre(boxes, "SỞ THÔNG TIN VÀ TRUYỀN THÔNG") - left) < 1
    assert abs(centre(boxes, "Số: 12/DS-STTTT") - left) < 1
    right = centre(boxes, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    assert abs(centre(boxes, "Độc lập - Tự do - Hạnh phúc") - right) < 1
    assert abs(centre(boxes, "Lai Châu, ngày 05 tháng 12 năm 2023") - right) < 1
    assert left < right


# ---------------------------------------------------------------------------- pages


def top_margin_texts(pdf: bytes, tmp_path, *, name="numbers.pdf") -> list[tuple[str, str]]:
    """Per page: (text in the top margin's centre band, text in the whole top margin).

    Decree 30 numbers pages at the top centre, from page 2; the band is 20 mm high (the
    top margin) and, for the centre, 40 mm wide around the middle of the page.
    """
    path = tmp_path / name
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True)
    pages = int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))
    band = 56  # 20 mm in points, rounded down
    out = []
    for page in range(1, pages + 1):
        size = subprocess.run(
            ["pdfinfo", "-f", str(page), "-l", str(page), str(path)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        w = float(re.search(r"Page\s+\d+ size:\s+([\d.]+) x", size).group(1))

        def crop(x: float, width: float, page=page) -> str:
            return subprocess.run(
                [
                    "pdftotext",
                    "-f",
                    str(page),
                    "-l",
                    str(page),
                    "-x",
                    str(int(x)),
                    "-y",
                    "0",
                    "-W",
                    str(int(width)),
                    "-H",
                    str(band),
                    "-enc",
                    "UTF-8",
                    str(path),
                    "-",
                ],
                check=True,
                capture_output=True,
                text=True,
            ).stdout.strip()

        out.append((crop(w / 2 - 57, 114), crop(0, w)))
    return out


def test_pages_are_numbered_top_centre_from_page_two(tmp_path):
    story = [para("Trang đầu", style())]
    for n in range(2, 5):
        story += [PageBreak(), para(f"Nội dung trang {n}", style())]
    pdf = build_pdf(story, pagesize=A4)
    pages = pdftotext(pdf, tmp_path).split("\f")[:-1]
    assert page_count(pdf, tmp_path) == len(pages) == 4
    assert "Trang" not in pdftotext(pdf, tmp_path).replace("Trang đầu", "")
    numbers = top_margin_texts(pdf, tmp_path)
    assert numbers[0] == ("", "")  # no number on the first page
    assert numbers[1:] == [("2", "2"), ("3", "3"), ("4", "4")]
    # Nothing at the foot of any page either.
    for page in pages:
        assert page.strip().splitlines()[-1].strip().startswith(("Trang đầu", "Nội dung"))


@pytest.mark.parametrize(
    "parent, issuer",
    [
        ("UBND tỉnh Lai Châu", "Sở Thông tin và Truyền thông"),
        ("UBND tỉnh Lai Châu", "Sở Thông tin và Truyền thông tỉnh Lai Châu"),
        ("Ủy ban nhân dân tỉnh Lai Châu", "Sở Thông tin và Truyền thông tỉnh Lai Châu"),
    ],
)
def test_portrait_header_reads_two_unwrapped_lines(parent, issuer, tmp_path):
    """'UBND TỈNH LAI CHÂU' over 'SỞ THÔNG TIN VÀ TRUYỀN THÔNG', each on one line; the
    locality the parent line already says is not repeated under the issuer."""
    story = official_header(
        parent_body=parent, issuing_body=issuer, place="Lai Châu", on=datetime.date(2023, 3, 5)
    )
    lines = [
        line
        for line in pdftotext(build_pdf(story, pagesize=A4), tmp_path).splitlines()
        if line.strip()
    ]
    assert lines[0].strip().split("  ")[0] == "UBND TỈNH LAI CHÂU", lines
    assert lines[1].strip().split("  ")[0] == "SỞ THÔNG TIN VÀ TRUYỀN THÔNG", lines
    assert "Lai Châu, ngày 05 tháng 3 năm 2023" in lines[2], lines
    assert sum(line.count("TỈNH LAI CHÂU") for line in lines) == 1, lines
