"""Export attendance reports from the terminal, as the department coordinator sees them
(every unit), or as a given user sees them:

    python manage.py export_attendance --class TTDN-2023-L1 -o diem-danh-L1.xlsx
    python manage.py export_attendance --year 2023 -o nam-2023.xlsx
    python manage.py export_attendance --year 2023 --user muongte -o muong-te-2023.xlsx

The file is written next to its target as ``<name>.part`` and renamed when complete, so
a crash or Ctrl-C never leaves a half-written workbook under the real name.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from accounts.models import Role, User
from core.jobs import terminal_progress
from courses.models import TrainingClass
from reports.exports import class_workbook, year_workbook


def province_reader() -> User:
    """An unsaved coordinator: the whole province's scope, as the department exports it,
    without borrowing a real person's account (nothing is audited under it)."""
    return User(username="export_attendance", role=Role.COORDINATOR, is_active=True)


class Command(BaseCommand):
    help = "Write a class's attendance workbook (--class) or the year's (--year) to a file."

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--class", dest="code", help="class code, e.g. TTDN-2023-L1")
        which.add_argument("--year", type=int, help="year of the classes, e.g. 2023")
        parser.add_argument("-o", "--output", required=True, help="the .xlsx file to write")
        parser.add_argument(
            "--user", help="export as this login sees it (default: every unit, as the department)"
        )

    def handle(self, *args, **options):
        with translation.override(settings.LANGUAGE_CODE):
            self._handle(**options)

    def _handle(self, *, code, year, output, user, **options):
        reader = self._reader(user)
        target = Path(output)
        if not target.parent.is_dir():
            raise CommandError(f"Thư mục {str(target.parent)!r} không tồn tại.")
        if code is not None:
            klass = (
                TrainingClass.objects.visible_to(reader)
                .select_related("organiser", "venue")
                .filter(code=code.strip())
                .first()
            )
            if klass is None:
                raise CommandError(f"Không có lớp mã {code!r}.")
            self._write(target, lambda out: out.write(class_workbook(klass, reader)))
            self.stdout.write(self.style.SUCCESS(f"{klass.code} — {klass.title}: {target}"))
            return

        if not TrainingClass.objects.visible_to(reader).official().filter(year=year).exists():
            raise CommandError(f"Không có lớp nào trong năm {year}.")
        rows: list[int] = []
        self._write(
            target,
            lambda out: rows.append(
                year_workbook(year, reader, out, on_progress=terminal_progress)
            ),
        )
        self.stdout.write(self.style.SUCCESS(f"Năm {year}: {rows[0]} học viên — {target}"))

    def _reader(self, username: str | None) -> User:
        if not username:
            return province_reader()
        reader = User.objects.select_related("organisation").filter(username=username).first()
        if reader is None or not reader.is_active or not reader.role:
            raise CommandError(f"Không có tài khoản đang hoạt động {username!r} có vai trò.")
        return reader

    def _write(self, target: Path, write) -> None:
        """Write through ``<target>.part`` and rename: the real name only ever holds a
        complete file (the rename is atomic on one file system)."""
        part = target.with_name(target.name + ".part")
        try:
            with open(part, "wb") as out:
                write(out)
            os.replace(part, target)
        except BaseException:
            part.unlink(missing_ok=True)
            raise
