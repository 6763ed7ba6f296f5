"""Benchmark floor for the merged certificates PDF, and realistic sample contents.

``floor_merged_pdf`` is a deliberately bare reportlab script: the same strings, fonts and
QR modules (one rectangle per horizontal run, written as raw ``re`` operators in module
units) at roughly the same places on one canvas, two frame rectangles, and no fitting,
wrapping or ornaments. ``certificates.pdf.merged_pdf``
is measured against it: what is left over is the cost of the layout logic. It shares no
code with ``certificates/pdf.py`` on purpose.
"""

from __future__ import annotations

import datetime
import io
import random

import qrcode
from reportlab.lib.colors import HexColor, black
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from certificates.content import CertificateContent
from core.documents.header import MOTTO, NATIONAL_NAME, place_date, register_fonts


def _d(d: datetime.date) -> str:
    return d.strftime("%d/%m/%Y")


def floor_merged_pdf(rows: list[CertificateContent]) -> bytes:
    fonts = register_fonts()
    w, h = landscape(A4)
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(w, h), pageCompression=1, invariant=1, initialFontName=fonts.regular)
    for row in rows:
        c.setStrokeColor(HexColor("#8B1A1A"))
        c.setLineWidth(2.4)
        c.rect(10 * mm, 10 * mm, w - 20 * mm, h - 20 * mm)
        c.setLineWidth(0.7)
        c.rect(12.5 * mm, 12.5 * mm, w - 25 * mm, h - 25 * mm)
        c.setFillColor(black)
        c.setFont(fonts.regular, 13)
        c.drawCentredString(240, 525, row.parent_body.upper())
        c.setFont(fonts.bold, 13)
        c.drawCentredString(240, 508, row.issuing_body.upper())
        c.drawCentredString(600, 525, NATIONAL_NAME)
        c.setFont(fonts.bold, 14)
        c.drawCentredString(600, 508, MOTTO)
        c.setFont(fonts.bold, 32)
        c.drawCentredString(w / 2, 440, "GIẤY CHỨNG NHẬN")
        c.setFont(fonts.regular, 15)
        c.drawString(125, 400, f"Chứng nhận: {row.honorific}")
        c.setFont(fonts.bold, 20)
        c.drawString(240, 400, row.full_name.upper())
        c.setFont(fonts.regular, 15)
        dob = row.date_of_birth
        c.drawString(125, 372, f"Sinh ngày: {_d(dob)}" if dob else f"Năm sinh: {row.birth_year}")
        c.drawString(125, 346, f"Đơn vị: {row.unit}")
        c.setFont(fonts.bold, 15)
        c.drawString(125, 320, f"Đã hoàn thành lớp: {row.class_title}")
        c.setFont(fonts.regular, 15)
        c.drawString(
            125, 294, f"Thời gian: từ ngày {_d(row.start_date)} đến ngày {_d(row.end_date)}"
        )
        c.drawString(125, 268, f"Địa điểm: {row.venue}")
        c.setFont(fonts.italic, 14)
        c.drawCentredString(600, 200, place_date(row.issue_place, row.issued_on))
        c.setFont(fonts.bold, 14)
        for i, line in enumerate(row.signer_title.split("\n")):
            c.drawCentredString(600, 182 - 18 * i, line)
        c.drawCentredString(600, 70, row.signer_name)
        c.setFont(fonts.regular, 13)
        c.drawString(62, 210, f"Số: {row.register_number}")
        c.setFont(fonts.regular, 9.5)
        c.drawString(62, 77, f"Mã tra cứu: {row.verify_code}")
        c.setFont(fonts.regular, 8)
        c.drawString(62, 64, row.verify_url)
        q = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
        q.add_data(row.verify_url)
        q.make(fit=True)
        m = q.get_matrix()
        n = len(m)
        ops = []
        for r, line in enumerate(m):
            x = 0
            while x < n:
                if line[x]:
                    start = x
                    while x < n and line[x]:
                        x += 1
                    ops.append(f"{start} {n - 1 - r} {x - start} 1 re")
                x += 1
        c.saveState()
        c.translate(62, 100)
        c.scale(28 * mm / n, 28 * mm / n)
        c.addLiteral("\n".join([*ops, "f"]))
        c.restoreState()
        c.showPage()
    c.save()
    return buf.getvalue()


# ---------------------------------------------------------------------------- sample data

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Đặng", "Vũ", "Lò", "Lường", "Tòng",
          "Giàng", "Vừ", "Sùng", "Phàn", "Đèo", "Quàng", "Lý", "Hà", "Bùi", "Đỗ"]  # fmt: skip
MIDDLE = ["Văn", "Thị", "A", "Seo", "Ngọc", "Đức", "Thị Thuỳ", "Quốc", "Hữu", "Thị Mỹ",
          "Láo", "Xuân", "Phương", "Thế", "Khắc", ""]  # fmt: skip
GIVEN = ["An", "Hường", "Dính", "Ánh", "Ửng", "Phử", "Ước", "Mỹ", "Sử", "Khánh", "Thảo",
         "Nguyễn", "Dũng", "Quỳnh", "Tuấn", "Yến", "Đạt", "Ngữ", "Ỷ", "Hiếu", "Lộc",
         "Pành", "Chiến", "Thuỷ", "Nghĩa", "Vượng", "Dương", "Ơn", "Ẩn", "Tọa"]  # fmt: skip
UNITS = [
    "UBND huyện Mường Tè",
    "UBND huyện Phong Thổ",
    "UBND huyện Sìn Hồ",
    "UBND huyện Nậm Nhùn",
    "Đồn Biên phòng Cửa khẩu quốc tế Ma Lù Thàng, Bộ Chỉ huy Bộ đội Biên phòng tỉnh",
    "Phòng Văn hóa và Thông tin huyện Than Uyên",
    "Trung tâm Văn hóa, Thể thao và Truyền thông huyện Tân Uyên",
    "UBND xã Ka Lăng, huyện Mường Tè",
    "Ban Tuyên giáo Tỉnh ủy Lai Châu",
    "Báo Lai Châu",
]
CLASSES = [
    "Bồi dưỡng nghiệp vụ công tác thông tin đối ngoại",
    "Bồi dưỡng kiến thức, kỹ năng thông tin đối ngoại cho cán bộ cấp xã khu vực biên giới, vùng đồng bào dân tộc thiểu số tỉnh Lai Châu năm 2023",
    "Tập huấn kỹ năng phát ngôn và cung cấp thông tin cho báo chí",
    "Tập huấn nghiệp vụ thông tin đối ngoại — Lớp 3",
]
VENUES = [
    "Hội trường Sở Thông tin và Truyền thông, thành phố Lai Châu",
    "Trung tâm Hội nghị tỉnh, đường Trần Hưng Đạo, phường Tân Phong, thành phố Lai Châu",
    "Hội trường UBND huyện Mường Tè",
]


def sample_contents(n: int, *, seed: int = 2023) -> list[CertificateContent]:
    """``n`` realistic certificates (same seed, same list): names with every kind of
    diacritic, long units and class titles, full and year-only birth dates."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        name = " ".join(w for w in (rng.choice(FAMILY), rng.choice(MIDDLE), rng.choice(GIVEN)) if w)
        female = "Thị" in name
        start = datetime.date(2023, rng.choice([9, 10, 11]), rng.randint(1, 20))
        end = start + datetime.timedelta(days=rng.choice([0, 2, 3]))
        dob = datetime.date(rng.randint(1965, 2000), rng.randint(1, 12), rng.randint(1, 28))
        year_only = i % 9 == 4
        code = "".join(rng.choice("23456789ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(16))
        out.append(
            CertificateContent(
                register_number=f"{i + 1:03d}/GCN-STTTT",
                verify_url=f"https://daotao.stttt.laichau.gov.vn/xac-thuc/{code}/",
                verify_code="-".join(code[k : k + 4] for k in range(0, 16, 4)),
                parent_body="UBND tỉnh Lai Châu",
                issuing_body="Sở Thông tin và Truyền thông",
                honorific="Bà" if female else "Ông",
                full_name=name,
                date_of_birth=None if year_only else dob,
                birth_year=dob.year if year_only else None,
                unit=rng.choice(UNITS),
                class_title=rng.choice(CLASSES),
                start_date=start,
                end_date=end,
                venue=rng.choice(VENUES),
                issue_place="Lai Châu",
                issued_on=end + datetime.timedelta(days=7),
                signer_title="KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC",
                signer_name="Nguyễn Văn Hùng",
            )
        )
    return out
