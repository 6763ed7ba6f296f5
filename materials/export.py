"""The Ministry package: every material of a year as files plus a metadata workbook
(title, kind, languages, edition, copies printed, planned, sent and received)."""

from __future__ import annotations

import io
import zipfile
from typing import BinaryIO

from django.db.models import Sum
from django.utils import translation
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from courses.spreadsheet import text_cell
from courses.vietnamese import fold, sorted_by_text
from materials.models import Dispatch, Edition, Material

HEADERS = [
    ("STT", 6),
    ("Tên tài liệu", 48),
    ("Loại", 24),
    ("Ngôn ngữ", 22),
    ("Phiên bản", 30),
    ("Năm", 8),
    ("Số bản in", 11),
    ("Số bản kế hoạch phát", 13),
    ("Số bản đã gửi", 12),
    ("Số bản đã nhận", 12),
    ("Tệp", 60),
]


def _slug(text: str, limit: int = 50) -> str:
    words = "".join(ch if ch.isalnum() else " " for ch in fold(text)).split()
    return "-".join(words)[:limit].strip("-") or "tai-lieu"


def ministry_package_zip(year: int, fileobj: BinaryIO) -> int:
    """Write the ZIP for `year` to `fileobj`; return the number of editions. Files are
    stored (not deflated): PDFs, images and video are compressed already. The workbook
    is in Vietnamese whatever the language of the page that asked for it."""
    with translation.override("vi"):
        return _write_package(year, fileobj)


def _write_package(year: int, fileobj: BinaryIO) -> int:
    materials = sorted_by_text(Material.objects.filter(year=year), lambda m: m.title)
    editions = (
        Edition.objects.filter(material__in=materials)
        .select_related("material")
        .prefetch_related("languages", "files")
        .annotate(planned_total=Sum("distribution__planned", default=0))
    )
    by_material: dict[int, list[Edition]] = {}
    for edition in editions:
        by_material.setdefault(edition.material_id, []).append(edition)
    sent = {
        r["line__edition"]: r
        for r in Dispatch.objects.filter(line__edition__in=editions)
        .values("line__edition")
        .annotate(sent=Sum("quantity", default=0), received=Sum("received_quantity", default=0))
    }

    wb = Workbook()
    ws = wb.active
    ws.title = f"Tài liệu {year}"
    for i, (header, width) in enumerate(HEADERS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
        cell = text_cell(ws.cell(row=1, column=i), header)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="D9E1F2")
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    ws.freeze_panes = "A2"

    count = 0
    with zipfile.ZipFile(fileobj, "w", compression=zipfile.ZIP_STORED) as archive:
        for m_index, material in enumerate(materials, start=1):
            folder = f"{m_index:02d}-{_slug(material.title)}"
            for edition in sorted_by_text(by_material.get(material.pk, []), lambda e: e.label):
                count += 1
                paths = []
                for f in edition.files.all():
                    path = f"{folder}/{_slug(edition.label, 30)}/{f.file.name.rsplit('/', 1)[-1]}"
                    with (
                        f.file.open("rb") as source,
                        archive.open(path, "w", force_zip64=True) as target,
                    ):
                        while chunk := source.read(1024 * 1024):
                            target.write(chunk)
                    paths.append(path)
                totals = sent.get(edition.pk, {})
                values = [
                    count,
                    material.title,
                    material.get_kind_display(),
                    ", ".join(lang.name for lang in edition.languages.all()),
                    edition.label,
                    edition.year,
                    edition.printed_copies,
                    edition.planned_total,
                    totals.get("sent", 0),
                    totals.get("received", 0),
                    "\n".join(paths),
                ]
                row = ws.max_row + 1
                for column, value in enumerate(values, start=1):
                    cell = ws.cell(row=row, column=column)
                    # Titles and labels typed by staff: text, never a formula.
                    if isinstance(value, str):
                        text_cell(cell, value)
                    else:
                        cell.value = value
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        book = io.BytesIO()
        wb.save(book)
        archive.writestr(f"danh-muc-tai-lieu-{year}.xlsx", book.getvalue())
    return count
