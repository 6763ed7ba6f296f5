from django.core.management.base import BaseCommand
from django.db import transaction

from demo.seed import DEMO_FILE, DEMO_PASSWORD, load_seed


class Command(BaseCommand):
    help = "Load the 2023 Lai Châu plan with demo users (idempotent: safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(DEMO_FILE), help="Seed file (JSON).")

    def handle(self, *args, file, **options):
        with transaction.atomic():
            report = load_seed(file)
        self.stdout.write(
            f"Seed: {report.created} rows created, {report.updated} updated, "
            f"{report.unchanged} unchanged."
        )
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, role, unit in report.users:
            self.stdout.write(f"  {username:<10} {role}{f' — {unit}' if unit else ''}")
