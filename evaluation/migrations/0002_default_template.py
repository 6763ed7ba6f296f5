"""The ready default template (evaluation/default_template.py)."""

from django.db import migrations


def load(apps, schema_editor):
    from evaluation import default_template as d

    SurveyTemplate = apps.get_model("evaluation", "SurveyTemplate")
    TemplateSection = apps.get_model("evaluation", "TemplateSection")
    TemplateIndicator = apps.get_model("evaluation", "TemplateIndicator")
    if SurveyTemplate.objects.filter(name=d.NAME).exists():
        return
    template = SurveyTemplate.objects.create(
        name=d.NAME,
        description=d.DESCRIPTION,
        is_default=not SurveyTemplate.objects.filter(is_default=True).exists(),
    )
    for position, (kind, title, prompt, indicators) in enumerate(d.SECTIONS, start=1):
        section = TemplateSection.objects.create(
            template=template, position=position, kind=kind, title=title, comment_prompt=prompt
        )
        TemplateIndicator.objects.bulk_create(
            TemplateIndicator(section=section, position=i, text=text)
            for i, text in enumerate(indicators, start=1)
        )


class Migration(migrations.Migration):
    dependencies = [("evaluation", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
