"""The Ministry package: every material of a year as files plus a metadata workbook
(title, kind, languages, edition, copies printed, planned, sent and received). Withdrawn
editions and files are left out (`.current()`)."""

from __future__ import annotations

import datetime
import io
import zipfile
from typing import BinaryIO

from django.db.models import Prefetch, Sum
from django.utils import timezone, translation

from core.documents.spreadsheet import cell_text, year_issuer
from core.documents.tables import Col, SheetWriter, Table, new_workbook, save_workbook
from courses.vietnamese import fold, sorted_by_text
from materials.files import split_name
from materials.models import Dispatch, Edition, Material, MaterialFile

#: The catalogue's columns, widths in characters: a path of the zip reads whole on one
#: line in "Tệp", wider than the shelf's usual 50.
COLUMNS = [
    Col("STT", "int", 6),
    Col("Tên tài liệu", "text", 48),
    Col("Loại", "text", 24),
    Col("Ngôn ngữ", "text", 22),
    Col("Phiên bản", "text", 30),
    Col("Năm", "int", 8),
    Col("Số bản in", "int", 11),
    Col("Số bản kế hoạch phát", "int", 13),
    Col("Số bản đã gửi", "int", 12),
    Col("Số bản đã nhận", "int", 12),
    Col("Tệp", "text", 60),
]


def _slug(text: str, limit: int = 50) -> str:
    """A folder name: the folded words joined by "-", as many whole words as fit in
    ``limit`` (a name cut mid-word reads as another word: "so-tay-nghiep-v")."""
    words = "".join(ch if ch.isalnum() else " " for ch in fold(text)).split()
    slug = ""
    for word in words:
        longer = f"{slug}-{word}" if slug else word
        if len(longer) > limit:
            break
        slug = longer
    if not slug and words:  # one word longer than the limit: nothing else to cut
        slug = words[0][:limit]
    return slug or "tai-lieu"


def _member_name(original_name: str, taken: set[str]) -> str:
    """The name people gave the file, as a zip member inside its folder: no folder
    separators, and "(2)", "(3)" … before the extension when the folder already holds
    that name (compared case-insensitively, as Windows does)."""
    name = cell_text(original_name).replace("/", "-").replace("\\", "-").strip(" .")
    name = name or "tep"
    stem, ext = split_name(name)
    suffix = f".{ext}" if ext else ""
    candidate, n = name, 1
    while candidate.casefold() in taken:
        n += 1
        candidate = f"{stem} ({n}){suffix}"
    taken.add(candidate.casefold())
    return candidate


def _zip_time(moment: datetime.datetime) -> tuple[int, int, int, int, int, int]:
    """A ZIP member's date: local time (ZIP has no zone), never before 1980."""
    local = timezone.localtime(moment) if timezone.is_aware(moment) else moment
    return max(local.timetuple()[:6], (1980, 1, 1, 0, 0, 0))


def ministry_package_zip(year: int, fileobj: BinaryIO) -> int:
    """Write the ZIP for `year` to `fileobj`; return the number of editions. Files are
    stored (not deflated): PDFs, images and video are compressed already. The workbook
    is in Vietnamese whatever the language of the page that asked for it."""
    with translation.override("vi"):
        return _write_package(year, fileobj)


def _write_package(year: int, fileobj: BinaryIO) -> int:
    materials = sorted_by_text(Material.objects.filter(year=year).current(), lambda m: m.title)
    editions = (
        Edition.objects.current()
        .filter(material__in=materials)
        .select_related("material")
        .prefetch_related("languages", Prefetch("files", queryset=MaterialFile.objects.current()))
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

    wb = new_workbook()
    # The rows are written while the files stream into the zip: the sheet is written as
    # they come (its widths are the declared ones, rows as tall as their file paths).
    sheet = SheetWriter(
        wb,
        Table(
            sheet=f"Tài liệu {year}",
            title=f"DANH MỤC TÀI LIỆU NĂM {year}",
            subtitle=["Tài liệu, phiên bản, số bản in, phát và tệp trong gói gửi Bộ"],
            columns=COLUMNS,
            rows=[],
            issuer=year_issuer(year),
            max_width=max(c.width for c in COLUMNS),
            row_heights="every",
        ),
    )

    count = 0
    with zipfile.ZipFile(fileobj, "w", compression=zipfile.ZIP_STORED) as archive:
        for m_index, material in enumerate(materials, start=1):
            folder = f"{m_index:02d}-{_slug(material.title)}"
            editions_in = sorted_by_text(by_material.get(material.pk, []), lambda e: e.label)
            edition_folders: set[str] = set()
            for edition in editions_in:
                count += 1
                paths = []
                sub = _slug(edition.label, 30)
                if sub in edition_folders:  # two labels with the same first words
                    sub = f"{sub}-{edition.pk}"
                edition_folders.add(sub)
                taken: set[str] = set()
                for f in sorted(edition.files.all(), key=lambda f: (f.uploaded_at, f.pk)):
                    # The name people gave the file and the day it was uploaded, not the
                    # stored random-suffixed name and 01/01/1980.
                    path = f"{folder}/{sub}/{_member_name(f.original_name, taken)}"
                    info = zipfile.ZipInfo(path, date_time=_zip_time(f.uploaded_at))
                    info.compress_type = zipfile.ZIP_STORED
                    with (
                        f.file.open("rb") as source,
                        archive.open(info, "w", force_zip64=True) as target,
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
                sheet.write_rows([values])
        sheet.close()
        book = io.BytesIO()
        save_workbook(wb, book, stamp=timezone.now())
        info = zipfile.ZipInfo(
            f"danh-muc-tai-lieu-{year}.xlsx", date_time=_zip_time(timezone.now())
        )
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, book.getvalue())
    return count
