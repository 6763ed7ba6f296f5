from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from courses.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Back up the database and the stored files (MEDIA_ROOT or the S3 bucket) into one "
        ".tar.gz with a manifest (engine, migrations, SHA-256 of every member). The site "
        "may stay up. Refuses a database with none of the application's tables."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            "-o",
            type=Path,
            default=None,
            help="A folder (default: ./backups) or the archive's file name.",
        )

    def handle(self, *args, output, **options):
        try:
            path = backup_create(output=output)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{path} ({path.stat().st_size / 1_000_000:.1f} MB)")
