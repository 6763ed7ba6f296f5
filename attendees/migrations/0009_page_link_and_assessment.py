"""The participant's personal link and the learner's final assessment (#18).

Existing enrollments each get their own random link code: a callable default is called once
for all existing rows by AddField, so the codes are drawn row by row before the UNIQUE
constraint is added."""

import secrets

import django.core.validators
from django.db import migrations, models

import attendees.models


def give_page_tokens(apps, schema_editor):
    Enrollment = apps.get_model("attendees", "Enrollment")
    rows = list(Enrollment.objects.only("pk"))
    for row in rows:
        row.page_token = secrets.token_urlsafe(16)
    Enrollment.objects.bulk_update(rows, ["page_token"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("attendees", "0008_import_batch_outcome"),
        ("courses", "0007_trainingclass_is_practice"),
    ]

    operations = [
        migrations.AddField(
            model_name="enrollment",
            name="assessment",
            field=models.CharField(
                blank=True,
                choices=[("passed", "Passed"), ("failed", "Not passed")],
                default="",
                max_length=10,
                verbose_name="final assessment",
            ),
        ),
        migrations.AddField(
            model_name="enrollment",
            name="page_token",
            field=models.CharField(
                blank=True, default="", max_length=64, verbose_name="personal link code"
            ),
        ),
        migrations.RunPython(give_page_tokens, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="enrollment",
            name="page_token",
            field=models.CharField(
                blank=True,
                default=attendees.models.new_page_token,
                max_length=64,
                verbose_name="personal link code",
            ),
        ),
        migrations.AddField(
            model_name="enrollment",
            name="score",
            field=models.DecimalField(
                blank=True,
                decimal_places=1,
                max_digits=4,
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(0),
                    django.core.validators.MaxValueValidator(10),
                ],
                verbose_name="score",
            ),
        ),
        migrations.AddConstraint(
            model_name="enrollment",
            constraint=models.UniqueConstraint(
                condition=models.Q(("page_token", ""), _negated=True),
                fields=("page_token",),
                name="enrollment_page_token_unique",
            ),
        ),
        migrations.AddConstraint(
            model_name="enrollment",
            constraint=models.CheckConstraint(
                condition=models.Q(("assessment__in", ["", "passed", "failed"])),
                name="enrollment_assessment_known",
            ),
        ),
        migrations.AddConstraint(
            model_name="enrollment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("score__isnull", True),
                    models.Q(("score__gte", 0), ("score__lte", 10)),
                    _connector="OR",
                ),
                name="enrollment_score_0_10",
            ),
        ),
    ]
