"""Load the 54 ethnic groups from attendees/data/ethnicities.json.

The JSON is read at migration time on purpose: the official list and its spellings are
data, maintained in one file; loading is an upsert, so re-running after an edit is safe.
"""

import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parents[1] / "data" / "ethnicities.json"


def load(apps, schema_editor):
    Ethnicity = apps.get_model("attendees", "Ethnicity")
    for row in json.loads(DATA.read_text(encoding="utf-8"))["ethnicities"]:
        Ethnicity.objects.update_or_create(
            code=row["code"], defaults={"name": row["name"], "aliases": row["aliases"]}
        )


class Migration(migrations.Migration):
    dependencies = [("attendees", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
