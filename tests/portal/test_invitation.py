"""The invitation letter's second QR code: the personal link, apart from the badge's."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import zxingcpp
from django.conf import settings
from PIL import Image

from attendees import personal
from certificates.invitations import PERSONAL_PAGE_LABEL, invitation_pdf
from portal.views import page_url

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def render(pdf: bytes, tmp_path: Path, name: str, dpi: int = 150) -> Path:
    source = tmp_path / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", "-singlefile", str(source), str(tmp_path / name)],
        check=True,
    )
    return tmp_path / f"{name}.png"


def qr_codes(png: Path) -> set[str]:
    return {r.text for r in zxingcpp.read_barcodes(Image.open(png)) if r.valid}


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    source = tmp_path / "letter.pdf"
    source.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(source), "-"], check=True, capture_output=True
    )
    return " ".join(out.stdout.decode().split())


def pages(pdf: bytes) -> int:
    return pdf.count(b"/Type /Page\n") or pdf.count(b"/Type /Page ")


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler-utils not installed")
def test_invitation_carries_the_personal_link_beside_the_badge_code(portal, tmp_path):
    e = portal.enrollment
    pdf = invitation_pdf(e)
    png = render(pdf, tmp_path, "invitation")
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(png, ARTIFACTS / "invitation-personal-link.png")

    assert qr_codes(png) == {e.badge_token, page_url(e)}
    assert page_url(e).startswith(settings.PUBLIC_BASE_URL.rstrip("/") + "/p/")
    text = pdf_text(pdf, tmp_path)
    assert "Mã điểm danh" in text
    assert PERSONAL_PAGE_LABEL in text
    from pypdf import PdfReader

    assert len(PdfReader(tmp_path / "letter.pdf").pages) == 1


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler-utils not installed")
def test_revoked_link_is_not_printed(portal, tmp_path):
    e = personal.page_link_revoke(actor=portal.world.coordinator, enrollment=portal.enrollment)
    pdf = invitation_pdf(e)
    assert qr_codes(render(pdf, tmp_path, "revoked")) == {e.badge_token}
    assert PERSONAL_PAGE_LABEL not in pdf_text(pdf, tmp_path)
