"""Issue a class's certificates from the terminal: the same service and print job as the
page's button, with a progress bar.

    python manage.py issue_certificates --class TTDN-2023-L1 --dry-run
    python manage.py issue_certificates --class TTDN-2023-L1 --user dieuphoi -o ./in/
"""

from __future__ import annotations

import shutil
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from accounts.models import User
from certificates.eligibility import class_eligibility, not_ready_reason
from certificates.models import CertificateBatch
from certificates.services import batch_run
from core.jobs import JobState, terminal_progress
from courses.models import TrainingClass


class Command(BaseCommand):
    help = "Issue the certificates of a class and draw the merged PDF and the ZIP."

    def add_arguments(self, parser):
        parser.add_argument("--class", dest="code", required=True, help="class code")
        parser.add_argument(
            "--dry-run", action="store_true", help="only list who qualifies and who does not"
        )
        parser.add_argument("--user", help="login recorded in the audit log as the issuer")
        parser.add_argument(
            "-o", "--output", help="directory to copy the merged PDF and the ZIP into"
        )

    def handle(self, *args, **options):
        with translation.override(settings.LANGUAGE_CODE):
            self._handle(**options)

    def _handle(self, *, code, dry_run, user, output, **options):
        try:
            klass = TrainingClass.objects.select_related("organiser").get(code=code)
        except TrainingClass.DoesNotExist:
            raise CommandError(f"Không có lớp mã {code!r}.") from None
        actor = None
        if user:
            actor = User.objects.filter(username=user).first()
            if actor is None or not actor.is_coordinator:
                raise CommandError(f"{user!r} không phải tài khoản điều phối.")

        rows = class_eligibility(klass)
        eligible = [r for r in rows if r.eligible]
        self.stdout.write(f"{klass.code} — {klass.title}")
        self.stdout.write(
            f"Đủ điều kiện: {len(eligible)}/{len(rows)} "
            f"(đã cấp: {sum(1 for r in eligible if r.certificate)}; "
            f"ngưỡng {klass.certificate_threshold}%)"
        )
        for row in rows:
            if not row.eligible:
                self.stdout.write(f"  ✗ {row.enrollment.participant.full_name}: {row.reason}")
        reason = not_ready_reason(klass)
        if reason:
            raise CommandError(reason)
        if dry_run:
            self.stdout.write("Chạy thử: chưa cấp giấy nào.")
            return

        batch = CertificateBatch.objects.create(training_class=klass, requested_by=actor)
        batch = batch_run(batch, on_progress=terminal_progress)
        self.stderr.write("")
        if batch.state != JobState.DONE:
            raise CommandError(batch.error)
        self.stdout.write(
            self.style.SUCCESS(
                f"Cấp mới {batch.issued}; {batch.certificates} giấy chứng nhận trong tệp in."
            )
        )
        files = [batch.merged_pdf, batch.zip_file]
        if not output:
            # Names in the file storage (MEDIA_ROOT or the bucket); -o copies them out.
            for field in files:
                self.stdout.write(field.name)
            return
        target = Path(output)
        target.mkdir(parents=True, exist_ok=True)
        for field in files:
            path = target / field.name.rsplit("/", 1)[-1].split("-", 1)[-1]
            # Through the storage API: the files may be in an S3 bucket, not on this disk.
            with field.open("rb") as source, open(path, "wb") as copy:
                shutil.copyfileobj(source, copy)
            self.stdout.write(str(path))
