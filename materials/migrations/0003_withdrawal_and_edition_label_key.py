"""Withdrawal of files, editions and class attachments; edition names compared with
case and spacing aside (issue 15, item 6).

Existing editions get their `label_key`. Where a material already holds two editions
whose names differ only in case or spacing ("tiếng việt,  in lần 1 (2023) " beside
"Tiếng Việt, in lần 1 (2023)"), the oldest stays and the later ones are *withdrawn*,
not deleted or merged: their files, hand-outs and dispatches keep their records, the
reason names the edition kept, and the coordinator can review them on the material's
page (rename one and undo the withdrawal if it really was another edition).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

from courses.vietnamese import clean_text, nfc

REASON = (
    "Trùng tên với phiên bản “{label}” (so sánh không phân biệt chữ hoa, chữ thường và "
    "khoảng trắng); thu hồi tự động khi nâng cấp."
)


def fill_keys_and_withdraw_duplicates(apps, schema_editor):
    Edition = apps.get_model("materials", "Edition")
    now = timezone.now()
    kept: dict[tuple[int, str], object] = {}
    for edition in Edition.objects.order_by("material_id", "created_at", "pk"):
        edition.label = clean_text(edition.label)
        # The same as materials.models.edition_label_key, frozen here.
        edition.label_key = nfc(edition.label.casefold())
        first = kept.setdefault((edition.material_id, edition.label_key), edition)
        if first is not edition:
            edition.withdrawn_at = now
            edition.withdrawn_reason = REASON.format(label=first.label)[:300]
        edition.save(update_fields=["label", "label_key", "withdrawn_at", "withdrawn_reason"])


class Migration(migrations.Migration):
    dependencies = [
        ("materials", "0002_languages"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="edition",
            name="edition_label_unique_in_material",
        ),
        migrations.RemoveConstraint(
            model_name="materialfile",
            name="material_file_once_per_edition",
        ),
        migrations.AddField(
            model_name="classmaterial",
            name="withdrawn_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="withdrawn at"
            ),
        ),
        migrations.AddField(
            model_name="classmaterial",
            name="withdrawn_by",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="withdrawn by",
            ),
        ),
        migrations.AddField(
            model_name="classmaterial",
            name="withdrawn_reason",
            field=models.CharField(
                blank=True, editable=False, max_length=300, verbose_name="reason for withdrawal"
            ),
        ),
        migrations.AddField(
            model_name="edition",
            name="label_key",
            field=models.CharField(default="", editable=False, max_length=120),
        ),
        migrations.AddField(
            model_name="edition",
            name="withdrawn_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="withdrawn at"
            ),
        ),
        migrations.AddField(
            model_name="edition",
            name="withdrawn_by",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="withdrawn by",
            ),
        ),
        migrations.AddField(
            model_name="edition",
            name="withdrawn_reason",
            field=models.CharField(
                blank=True, editable=False, max_length=300, verbose_name="reason for withdrawal"
            ),
        ),
        migrations.AddField(
            model_name="materialfile",
            name="withdrawn_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="withdrawn at"
            ),
        ),
        migrations.AddField(
            model_name="materialfile",
            name="withdrawn_by",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="withdrawn by",
            ),
        ),
        migrations.AddField(
            model_name="materialfile",
            name="withdrawn_reason",
            field=models.CharField(
                blank=True, editable=False, max_length=300, verbose_name="reason for withdrawal"
            ),
        ),
        migrations.RunPython(fill_keys_and_withdraw_duplicates, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="edition",
            constraint=models.UniqueConstraint(
                condition=models.Q(("withdrawn_at__isnull", True)),
                fields=("material", "label_key"),
                name="edition_label_key_unique_in_material",
                violation_error_message="This material already has an edition with this name.",
            ),
        ),
        migrations.AddConstraint(
            model_name="materialfile",
            constraint=models.UniqueConstraint(
                condition=models.Q(("withdrawn_at__isnull", True)),
                fields=("edition", "sha256"),
                name="material_file_once_per_edition",
                violation_error_message="This file is already attached to this edition.",
            ),
        ),
    ]
