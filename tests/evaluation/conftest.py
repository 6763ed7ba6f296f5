"""An evaluation of class A of the shared world: two trainers (so two lecturer
sections), three enrolled people, the default template copied."""

from __future__ import annotations

import datetime

import pytest

from evaluation import services
from evaluation.models import SurveyTemplate, TemplateIndicator, TemplateSection
from tests import factories as f


@pytest.fixture
def ev(world):
    klass = world.class_a
    second = f.trainer(full_name="Đèo Văn Hai")
    f.session(
        klass,
        trainers=[second],
        topic="Chuyên đề 2",
        date=klass.start_date + datetime.timedelta(days=1),
    )
    world.enrollments = [f.enrollment(klass, world.unit_a) for _ in range(3)]
    world.evaluation = services.evaluation_open(actor=world.coordinator, training_class=klass)
    return world


def small_template(name: str, counts: list[int], kind: str = "programme") -> SurveyTemplate:
    """A template of one section per count, each with that many indicators."""
    template = SurveyTemplate.objects.create(name=name)
    for s, count in enumerate(counts, start=1):
        section = TemplateSection.objects.create(
            template=template, position=s, kind=kind, title=f"Phần {s}"
        )
        TemplateIndicator.objects.bulk_create(
            TemplateIndicator(section=section, position=i, text=f"Tiêu chí {s}.{i}")
            for i in range(1, count + 1)
        )
    return template


def default_template() -> SurveyTemplate:
    """The default template of migration 0002, built again when a transactional test
    (browser, concurrency) has flushed the migrations' data."""
    from evaluation.default_template import DESCRIPTION, NAME, SECTIONS

    template, _created = SurveyTemplate.objects.get_or_create(
        name=NAME, defaults={"description": DESCRIPTION, "is_default": True}
    )
    if not template.sections.exists():
        for position, (kind, title, prompt, items) in enumerate(SECTIONS, start=1):
            section = TemplateSection.objects.create(
                template=template, position=position, kind=kind, title=title, comment_prompt=prompt
            )
            TemplateIndicator.objects.bulk_create(
                TemplateIndicator(section=section, position=i, text=t)
                for i, t in enumerate(items, start=1)
            )
    return template
