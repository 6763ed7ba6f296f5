"""The package for the Ministry: a year's materials as files plus a metadata workbook.

python manage.py export_materials --year 2023 -o tai-lieu-2023.zip
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from materials.export import ministry_package_zip


class Command(BaseCommand):
    help = "Export a year's materials (files + metadata .xlsx) as one ZIP for the Ministry."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("-o", "--output", required=True, help="the .zip file to write")

    def handle(self, *args, year, output, **options):
        target = Path(output)
        if target.suffix.lower() != ".zip":
            raise CommandError("Tệp xuất phải có đuôi .zip.")
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".zip.part")
        with translation.override(settings.LANGUAGE_CODE):
            try:
                with partial.open("wb") as handle:
                    editions = ministry_package_zip(year, handle)
            except BaseException:
                partial.unlink(missing_ok=True)  # never leave half a package behind
                raise
        partial.replace(target)
        self.stdout.write(f"{editions} ấn bản của năm {year} → {target}")
