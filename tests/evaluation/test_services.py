"""The evaluation's writes: copying the template per trainer, the shared numbering of
online and paper forms, correcting, closing, the paper number checks, the 5 % rule."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils.translation import override

from courses.models import AuditLog
from evaluation import services
from evaluation.default_template import SECTIONS
from evaluation.models import (
    Evaluation,
    EvaluationIndicator,
    EvaluationResponse,
    SurveyTemplate,
    TemplateSection,
)
from evaluation.rules import form_is_valid
from tests import factories as f
from tests.evaluation.conftest import small_template


def _all(evaluation, value=4):
    return {pk: value for pk in evaluation.indicators().values_list("pk", flat=True)}


# --- opening -----------------------------------------------------------------------------


def test_open_copies_the_lecturer_section_once_per_trainer(ev):
    sections = list(ev.evaluation.sections.all())
    lecturers = [s for s in sections if s.kind == "lecturer"]
    assert sorted(s.trainer.full_name for s in lecturers) == ["Lò Văn Pành", "Đèo Văn Hai"]
    assert all(s.trainer.full_name in s.title for s in lecturers)
    per_section = {kind: len(items) for kind, _t, _p, items in SECTIONS}
    expected = sum(per_section.values()) + per_section["lecturer"]  # two trainers
    assert ev.evaluation.indicators().count() == expected
    assert [s.position for s in sections] == list(range(1, len(sections) + 1))


def test_open_is_audited_and_refused_for_a_class_being_planned(world):
    evaluation = services.evaluation_open(actor=world.coordinator, training_class=world.class_a)
    assert AuditLog.objects.filter(action="evaluation.open", target_id=str(evaluation.pk)).exists()
    with pytest.raises(ValidationError):
        services.evaluation_open(actor=world.coordinator, training_class=world.class_planning)
    assert not Evaluation.objects.filter(training_class=world.class_planning).exists()


def test_editing_the_template_later_leaves_an_opened_evaluation_unchanged(ev):
    before = list(ev.evaluation.indicators().values_list("text", flat=True))
    template = SurveyTemplate.objects.get(is_default=True)
    section = template.sections.first()
    services.section_save(
        actor=ev.coordinator, section=section, indicators=["Tiêu chí hoàn toàn mới"]
    )
    services.section_delete(actor=ev.coordinator, section=template.sections.last())
    template.name = "Đổi tên"
    services.template_save(actor=ev.coordinator, template=template)
    assert list(ev.evaluation.indicators().values_list("text", flat=True)) == before
    ev.evaluation.refresh_from_db()
    assert ev.evaluation.template_name != "Đổi tên"


def test_a_new_default_template_takes_the_flag(world):
    new = services.template_save(
        actor=world.coordinator, template=SurveyTemplate(name="Mẫu mới", is_default=True)
    )
    assert list(SurveyTemplate.objects.filter(is_default=True)) == [new]
    assert AuditLog.objects.filter(action="survey_template.create").exists()


def test_copying_a_template_copies_sections_and_indicators(world):
    source = SurveyTemplate.objects.get(is_default=True)
    copy = services.template_copy(actor=world.coordinator, template=source)
    again = services.template_copy(actor=world.coordinator, template=source)
    assert not copy.is_default and copy.name != again.name
    assert [s.title for s in copy.sections.all()] == [s.title for s in source.sections.all()]
    assert (
        TemplateSection.objects.filter(template=copy).values("indicators").count()
        == TemplateSection.objects.filter(template=source).values("indicators").count()
    )


def test_a_section_needs_an_indicator(world):
    template = small_template("Mẫu nhỏ", [2])
    with pytest.raises(ValidationError):
        services.section_save(
            actor=world.coordinator,
            section=TemplateSection(template=template, kind="programme", title="Trống"),
            indicators=["", "  "],
        )


# --- numbering ---------------------------------------------------------------------------


def test_online_and_paper_forms_share_one_sequence(ev):
    evaluation = ev.evaluation
    first = services.response_submit(
        evaluation=evaluation, enrollment=ev.enrollments[0], answers=_all(evaluation), comments={}
    )
    batch = services.paper_forms_reserve(actor=ev.coordinator, evaluation=evaluation, count=3)
    second = services.response_submit(
        evaluation=evaluation, enrollment=ev.enrollments[1], answers=_all(evaluation), comments={}
    )
    assert first.number == 1
    assert (batch.first_number, batch.last_number) == (2, 4)
    assert second.number == 5
    paper = services.response_enter_paper(
        actor=ev.coordinator, evaluation=evaluation, number=3, answers=_all(evaluation), comments={}
    )
    numbers = list(EvaluationResponse.objects.values_list("number", flat=True).order_by("number"))
    assert numbers == [1, 3, 5] and paper.source == "paper"


def test_a_correction_keeps_the_number_and_replaces_the_answers(ev):
    evaluation = ev.evaluation
    ids = list(evaluation.indicators().values_list("pk", flat=True))
    first = services.response_submit(
        evaluation=evaluation,
        enrollment=ev.enrollments[0],
        answers=_all(evaluation, 2),
        comments={},
    )
    section = evaluation.sections.first()
    again = services.response_submit(
        evaluation=evaluation,
        enrollment=ev.enrollments[0],
        answers={ids[0]: 5},
        comments={section.pk: "Cần thêm thực hành"},
    )
    assert again.pk == first.pk and again.number == first.number
    assert list(again.answers.values_list("indicator_id", "value")) == [(ids[0], 5)]
    assert again.comments.get().text == "Cần thêm thực hành"
    assert EvaluationResponse.objects.count() == 1
    assert len(again.respondent) == 64 and ev.enrollments[0].page_token not in again.respondent


def test_a_closed_evaluation_refuses_online_forms(ev):
    services.evaluation_close(actor=ev.coordinator, evaluation=ev.evaluation)
    with pytest.raises(ValidationError):
        services.response_submit(
            evaluation=ev.evaluation,
            enrollment=ev.enrollments[0],
            answers=_all(ev.evaluation),
            comments={},
        )
    assert EvaluationResponse.objects.count() == 0


def test_reopening_keeps_the_copy_and_the_forms(ev):
    evaluation = ev.evaluation
    services.response_submit(
        evaluation=evaluation, enrollment=ev.enrollments[0], answers=_all(evaluation), comments={}
    )
    indicators = evaluation.indicators().count()
    services.evaluation_close(actor=ev.coordinator, evaluation=evaluation)
    reopened = services.evaluation_open(actor=ev.coordinator, training_class=ev.class_a)
    assert reopened.pk == evaluation.pk and reopened.is_open
    assert reopened.indicators().count() == indicators
    assert reopened.responses.count() == 1
    assert AuditLog.objects.filter(action="evaluation.reopen").exists()


def test_another_classs_enrollment_cannot_answer(ev):
    stranger = f.enrollment(ev.class_b, ev.unit_b)
    with pytest.raises(ValidationError):
        services.response_submit(
            evaluation=ev.evaluation, enrollment=stranger, answers={}, comments={}
        )


def test_answers_typed_as_text_are_read_and_off_scale_refused(ev):
    evaluation = ev.evaluation
    ids = list(evaluation.indicators().values_list("pk", flat=True))
    saved = services.response_submit(
        evaluation=evaluation, enrollment=ev.enrollments[0], answers={ids[0]: "3"}, comments={}
    )
    assert saved.answers.get().value == 3
    for bad in (6, 0, True, "x"):
        with pytest.raises(ValidationError):
            services.response_submit(
                evaluation=evaluation,
                enrollment=ev.enrollments[1],
                answers={ids[0]: bad},
                comments={},
            )


def test_an_indicator_of_another_evaluation_is_refused(ev):
    other = services.evaluation_open(actor=ev.coordinator, training_class=ev.class_b)
    foreign = EvaluationIndicator.objects.filter(section__evaluation=other).first()
    with pytest.raises(ValidationError):
        services.response_submit(
            evaluation=ev.evaluation,
            enrollment=ev.enrollments[0],
            answers={foreign.pk: 4},
            comments={},
        )


# --- paper numbers -----------------------------------------------------------------------


@override("en")
def test_paper_number_must_be_printed_and_not_entered_yet(ev):
    evaluation = ev.evaluation
    code = ev.class_a.code
    assert "not printed" in services.paper_number_problem(evaluation, 1)
    services.paper_forms_reserve(actor=ev.coordinator, evaluation=evaluation, count=2)
    assert services.paper_number_problem(evaluation, 1) == ""
    assert f"{code} · 003" in services.paper_number_problem(evaluation, 3)
    services.response_enter_paper(
        actor=ev.coordinator, evaluation=evaluation, number=1, answers=_all(evaluation), comments={}
    )
    problem = services.paper_number_problem(evaluation, 1)
    assert "already been entered" in problem and f"{code} · 001" in problem
    with pytest.raises(ValidationError):
        services.response_enter_paper(
            actor=ev.coordinator, evaluation=evaluation, number=1, answers={}, comments={}
        )
    assert evaluation.responses.count() == 1
    assert evaluation.next_paper_number() == 2


def test_paper_entry_is_all_or_nothing(ev):
    evaluation = ev.evaluation
    services.paper_forms_reserve(actor=ev.coordinator, evaluation=evaluation, count=1)
    answers = _all(evaluation)
    answers[next(iter(answers))] = 9  # one bad answer: nothing of the form is kept
    with pytest.raises(ValidationError):
        services.response_enter_paper(
            actor=ev.coordinator, evaluation=evaluation, number=1, answers=answers, comments={}
        )
    assert evaluation.responses.count() == 0
    assert evaluation.next_paper_number() == 1


def test_paper_forms_can_be_entered_after_closing(ev):
    evaluation = ev.evaluation
    services.paper_forms_reserve(actor=ev.coordinator, evaluation=evaluation, count=1)
    services.evaluation_close(actor=ev.coordinator, evaluation=evaluation)
    saved = services.response_enter_paper(
        actor=ev.coordinator, evaluation=evaluation, number=1, answers=_all(evaluation), comments={}
    )
    assert saved.is_valid and saved.entered_by == ev.coordinator


# --- the 5 % rule ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("indicators", "unanswered", "valid"),
    [(38, 0, True), (38, 1, True), (38, 2, False), (20, 1, True), (20, 2, False), (19, 1, False)],
)
def test_five_percent_rule_boundaries(indicators, unanswered, valid):
    assert form_is_valid(answered=indicators - unanswered, indicators=indicators) is valid


@pytest.mark.parametrize(
    ("count", "blank", "valid"), [(38, 1, True), (38, 2, False), (20, 1, True), (20, 2, False)]
)
def test_a_saved_form_is_marked_by_the_five_percent_rule(world, count, blank, valid):
    template = small_template(f"Mẫu {count}", [count])
    evaluation = services.evaluation_open(
        actor=world.coordinator, training_class=world.class_a, template=template
    )
    enrollment = f.enrollment(world.class_a, world.unit_a)
    ids = list(evaluation.indicators().values_list("pk", flat=True))
    answers = {pk: (None if n < blank else 3) for n, pk in enumerate(ids)}
    saved = services.response_submit(
        evaluation=evaluation, enrollment=enrollment, answers=answers, comments={}
    )
    assert (saved.indicators, saved.answered, saved.is_valid) == (count, count - blank, valid)
    counts = evaluation.counts()
    assert (counts["valid"], counts["invalid"]) == ((1, 0) if valid else (0, 1))


def test_an_online_form_keeps_the_day_not_the_time(ev):
    """The participant's page openings are audited with their time: an online form that
    kept its minute could be matched to one. A paper form keeps the time it was typed."""
    from django.utils import timezone

    evaluation = ev.evaluation
    online = services.response_submit(
        evaluation=evaluation, enrollment=ev.enrollments[0], answers=_all(evaluation), comments={}
    )
    online.refresh_from_db()
    for stamp in (online.submitted_at, online.updated_at):
        local = timezone.localtime(stamp)
        assert (local.hour, local.minute, local.second) == (0, 0, 0)
        assert local.date() == timezone.localdate()
    batch = services.paper_forms_reserve(actor=ev.coordinator, evaluation=evaluation, count=1)
    paper = services.response_enter_paper(
        actor=ev.coordinator,
        evaluation=evaluation,
        number=batch.first_number,
        answers=_all(evaluation),
        comments={},
    )
    assert abs((timezone.now() - paper.submitted_at).total_seconds()) < 60


def test_opening_with_no_template_at_all_loads_the_ready_one(world):
    """A database emptied after migrating (a browser test's live server flushes it) has
    no template: opening an evaluation loads the ready default instead of failing."""
    from evaluation.models import SurveyTemplate

    SurveyTemplate.objects.all().delete()
    f.enrollment(world.class_a, world.unit_a)
    evaluation = services.evaluation_open(actor=world.coordinator, training_class=world.class_a)
    template = SurveyTemplate.objects.get()
    assert template.is_default and evaluation.template_name == template.name
    assert evaluation.indicators().count() >= sum(len(s[3]) for s in SECTIONS)


# --- withdrawing a paper form typed in wrongly (i18-polish2) -------------------------------


def _typed(ev, number=1, value=4):
    section = ev.evaluation.sections.first()
    return services.response_enter_paper(
        actor=ev.coordinator,
        evaluation=ev.evaluation,
        number=number,
        answers=_all(ev.evaluation, value),
        comments={section.pk: "Gõ nhầm"},
    )


def test_a_withdrawn_paper_form_can_be_typed_in_again(ev):
    services.paper_forms_reserve(actor=ev.coordinator, evaluation=ev.evaluation, count=2)
    _typed(ev, value=2)
    assert services.paper_number_problem(ev.evaluation, 1)  # "already entered"
    withdrawn = services.paper_form_withdraw(
        actor=ev.coordinator, evaluation=ev.evaluation, number=1, reason="  Nhập  nhầm cột 3 "
    )
    assert withdrawn == 1
    assert not EvaluationResponse.objects.filter(number=1).exists()
    assert services.paper_number_problem(ev.evaluation, 1) == ""
    again = _typed(ev, value=5)
    assert again.number == 1 and set(again.answers.values_list("value", flat=True)) == {5}
    entry = AuditLog.objects.get(action="evaluation.paper_withdraw")
    # The number and the reason, nothing that names anyone beyond the acting coordinator.
    assert entry.changes == {"form": 1, "reason": "Nhập nhầm cột 3"}
    assert entry.actor == ev.coordinator and entry.target_id == str(ev.evaluation.pk)


def test_only_an_entered_paper_form_can_be_withdrawn_and_with_a_reason(ev):
    services.paper_forms_reserve(actor=ev.coordinator, evaluation=ev.evaluation, count=2)
    online = services.response_submit(
        evaluation=ev.evaluation,
        enrollment=ev.enrollments[0],
        answers=_all(ev.evaluation),
        comments={},
    )
    _typed(ev, number=1)
    cases = [(online.number, "Nhầm"), (2, "Nhầm"), (1, "   ")]
    for number, reason in cases:
        with override("en"), pytest.raises(ValidationError) as caught:
            services.paper_form_withdraw(
                actor=ev.coordinator, evaluation=ev.evaluation, number=number, reason=reason
            )
        assert caught.value.message_dict
    assert EvaluationResponse.objects.count() == 2
    assert not AuditLog.objects.filter(action="evaluation.paper_withdraw").exists()
