"""Give every existing enrollment its own random badge token, then make it required."""

import secrets

from django.db import migrations, models

import attendees.models


def fill(apps, schema_editor):
    Enrollment = apps.get_model("attendees", "Enrollment")
    for enrollment in Enrollment.objects.filter(badge_token__isnull=True).only("pk"):
        enrollment.badge_token = secrets.token_urlsafe(16)
        enrollment.save(update_fields=["badge_token"])


class Migration(migrations.Migration):
    dependencies = [("attendees", "0003_attendance")]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="enrollment",
            name="badge_token",
            field=models.CharField(
                default=attendees.models.new_badge_token,
                max_length=64,
                unique=True,
                verbose_name="badge code",
            ),
        ),
    ]
