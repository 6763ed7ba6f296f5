"""Demo materials for `seed_demo`: a handbook (PDF) given out in the practice class, an
audio bulletin (a short WAV) and a login-only document, so the library and the hand-out
scanner have something to show. The files are made here; their text is illustrative."""

from __future__ import annotations

import hashlib
import io
import math
import struct
import wave

from django.core.files.base import ContentFile
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A5

from core.documents.header import build_pdf, para, style
from courses.vietnamese import fold

HANDBOOK = "Sổ tay nghiệp vụ thông tin đối ngoại khu vực biên giới"
BULLETIN = "Bản tin phát thanh: Bảo vệ chủ quyền biên giới quốc gia"
DOCUMENT = "Tài liệu chuyên đề: Quy chế phát ngôn và cung cấp thông tin cho báo chí"


def _pdf(title: str, chapters: list[str]) -> bytes:
    story = [para(title, style("t", size=16, bold=True, align=TA_CENTER, spaceAfter=12))]
    for i, chapter in enumerate(chapters, start=1):
        story.append(para(f"Phần {i}. {chapter}", style("h", size=12, bold=True, spaceBefore=8)))
        story.append(
            para(
                "Nội dung minh họa cho bản demo: cán bộ thông tin cơ sở nắm vững chủ trương của"
                " Đảng, chính sách, pháp luật của Nhà nước về biên giới, kỹ năng tuyên truyền"
                " bằng tiếng dân tộc và cách tiếp nhận, xử lý thông tin xấu, độc trên mạng.",
                style("p", size=11, leading=15),
            )
        )
    return build_pdf(story, pagesize=A5, title=title)


def _wav(seconds: float = 2.0, rate: int = 8000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(
            b"".join(
                struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate)))
                for i in range(int(seconds * rate))
            )
        )
    return buffer.getvalue()


def seed_materials(report, *, practice_class=None) -> None:
    from materials.models import (
        ClassMaterial,
        Edition,
        Language,
        Material,
        MaterialFile,
        MaterialKind,
        Visibility,
    )

    vi = Language.objects.get(code="vi")
    specs = [
        (
            HANDBOOK,
            MaterialKind.HANDBOOK,
            Visibility.PUBLIC,
            "Sổ tay bỏ túi cho cán bộ làm công tác thông tin, tuyên truyền ở xã biên giới.",
            "so-tay-thong-tin-doi-ngoai.pdf",
            "application/pdf",
            "document",
            lambda: _pdf(
                HANDBOOK, ["Chủ trương, chính sách", "Kỹ năng tuyên truyền", "Xử lý tin giả"]
            ),
            500,
        ),
        (
            BULLETIN,
            MaterialKind.BULLETIN_AUDIO,
            Visibility.PUBLIC,
            "Bản tin phát trên hệ thống đài truyền thanh cơ sở.",
            "ban-tin-bien-gioi.wav",
            "audio/wav",
            "audio",
            _wav,
            0,
        ),
        (
            DOCUMENT,
            MaterialKind.DOCUMENT,
            Visibility.LOGIN,
            "Dành cho cán bộ, công chức tham gia lớp bồi dưỡng.",
            "quy-che-phat-ngon.pdf",
            "application/pdf",
            "document",
            lambda: _pdf(DOCUMENT, ["Người phát ngôn", "Cung cấp thông tin định kỳ"]),
            0,
        ),
    ]
    for title, kind, visibility, description, filename, mime, family, make, printed in specs:
        material = Material.objects.filter(title=title).first()
        if material is not None:
            report.unchanged += 1
            continue
        material = Material.objects.create(
            title=title,
            kind=kind,
            visibility=visibility,
            description=description,
            year=2023,
            search_text=fold(f"{title} {description} {vi.name}"),
        )
        edition = Edition.objects.create(
            material=material,
            label="Tiếng Việt, in lần 1 (2023)",
            year=2023,
            printed_copies=printed,
        )
        edition.languages.set([vi])
        content = make()
        row = MaterialFile(
            edition=edition,
            original_name=filename,
            mime=mime,
            family=family,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
        )
        row.file.save(filename, ContentFile(content), save=True)
        report.created += 3
        if kind == MaterialKind.HANDBOOK and practice_class is not None:
            ClassMaterial.objects.get_or_create(training_class=practice_class, edition=edition)
