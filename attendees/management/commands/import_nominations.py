from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from attendees.services import import_nominations
from courses.models import Organisation, TrainingClass


class Command(BaseCommand):
    help = (
        "Import a unit's nomination spreadsheet (.xlsx, .xls, .ods, .csv) into a class as "
        "drafts. Nothing is saved unless every row is valid; exits with status 1 otherwise."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--class", dest="class_code", required=True, help="Class code, e.g. TTDN-2023-L3"
        )
        parser.add_argument(
            "--unit", dest="unit_code", required=True, help="Nominating unit code, e.g. 107"
        )
        parser.add_argument("--dry-run", action="store_true", help="Check the file, save nothing.")

    def handle(self, *args, file: Path, class_code: str, unit_code: str, dry_run: bool, **options):
        with translation.override(settings.LANGUAGE_CODE):
            try:
                klass = TrainingClass.objects.get(code=class_code)
            except TrainingClass.DoesNotExist as exc:
                raise CommandError(f"Không có lớp mã {class_code}.") from exc
            try:
                # Unit codes are reused across the 2025 reform: the unit valid when the class starts.
                unit = Organisation.objects.by_code(unit_code, on=klass.start_date)
            except Organisation.DoesNotExist as exc:
                raise CommandError(
                    f"Không có đơn vị mã {unit_code} vào ngày {klass.start_date:%d/%m/%Y}."
                ) from exc
            try:
                data = file.read_bytes()
            except OSError as exc:
                raise CommandError(f"Không đọc được tệp {file}: {exc.strerror}") from exc

            report = import_nominations(
                actor=None,
                training_class=klass,
                organisation=unit,
                data=data,
                filename=file.name,
                dry_run=dry_run,
            )
            if report.errors:
                for e in report.errors:
                    where = f"Dòng {e.row_number}" if e.row_number else "Tệp"
                    column = f", cột “{e.column}”" if e.column else ""
                    self.stderr.write(f"{where}{column}: {e.message}")
                raise CommandError(
                    f"{len(report.errors)} lỗi; không có dữ liệu nào được lưu.", returncode=1
                )
            if dry_run:
                self.stdout.write(
                    f"Tệp hợp lệ: {len(report.rows)} dòng ({len(report.reused)} người đã có). Chạy lại không có --dry-run để lưu."
                )
            else:
                self.stdout.write(
                    f"Đã nhập {report.nominated} người vào lớp {klass.code} cho {unit.name} "
                    f"({report.created} mới, {len(report.reused)} đã có), trạng thái: nháp."
                )
