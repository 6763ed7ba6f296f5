"""The ready default template (evaluation/default_template.py)."""

from django.db import migrations


def load(apps, schema_editor):
    from evaluation import default_template as d

    SurveyTemplate = apps.get_model("evaluation", "SurveyTemplate")
    TemplateSection = apps.get_model("evaluation", "TemplateSection")
    TemplateIndicator = apps.get_model("evaluation", "TemplateIndicator")
    if SurveyTemplate.objects.filter(name=d.NAME).exists():
        return
    d.load(
        SurveyTemplate,
        TemplateSection,
        TemplateIndicator,
        is_default=not SurveyTemplate.objects.filter(is_default=True).exists(),
    )


class Migration(migrations.Migration):
    dependencies = [("evaluation", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
