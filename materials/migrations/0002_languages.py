"""The managed list of languages materials are produced in (plan section 1): Vietnamese,
the main ethnic-minority languages of Lai Châu, and Chinese for the border. ISO 639 codes
where one exists (Thái: the "tai" group code). Editable in the admin afterwards."""

import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "languages.json"


def load(apps, schema_editor):
    Language = apps.get_model("materials", "Language")
    for row in json.loads(DATA.read_text(encoding="utf-8")):
        Language.objects.update_or_create(code=row["code"], defaults=row)


def unload(apps, schema_editor):
    apps.get_model("materials", "Language").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("materials", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
