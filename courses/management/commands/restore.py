from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from courses.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `backup`: checks the manifest (engine, migrations, "
        "checksums), then replaces the database and the stored files (removing those "
        "stored since the backup). Stop the web server and the task worker first."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The .tar.gz made by `backup`.")
        parser.add_argument(
            "--yes",
            action="store_true",
            help="Overwrite a database that already holds data.",
        )

    def handle(self, *args, file, yes, **options):
        try:
            report = backup_restore(file, overwrite=yes)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Restored the {report.engine} database of {report.created_at} "
            f"and {report.files} files. Run `manage.py migrate` if the code is newer."
        )
