"""Writes of the evaluation: opening (copying the template), closing, reserving numbered
paper forms, and saving a form — online by its participant or typed in from paper.

Every function here is one transaction; the class's evaluation row is locked while a form
number is given, so two forms never get the same number.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit
from courses.models import ClassState, TrainingClass
from courses.vietnamese import nfc, sorted_by_name
from evaluation.models import (
    Answer,
    Comment,
    Evaluation,
    EvaluationIndicator,
    EvaluationResponse,
    EvaluationSection,
    EvaluationState,
    PaperBatch,
    ResponseSource,
    SectionKind,
    SurveyTemplate,
    TemplateIndicator,
    TemplateSection,
)
from evaluation.rules import SCALE, form_is_valid, form_label

if TYPE_CHECKING:
    from accounts.models import User
    from attendees.models import Enrollment

MAX_PAPER_FORMS = 500  # one printing; a class is at most a few hundred people
MAX_COMMENT_LENGTH = 2000

Answers = Mapping[int, int | None]  # indicator id -> 1..5, or None (unanswered)
Comments = Mapping[int, str]  # section id -> text


def respondent_key(evaluation: Evaluation, enrollment: Enrollment) -> str:
    """A keyed hash of the enrollment, per evaluation: the same person finds their own form
    again, and the table holds no id, name or token that names them."""
    message = f"evaluation-respondent:{evaluation.pk}:{enrollment.pk}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def default_template() -> SurveyTemplate | None:
    """The template proposed when an evaluation opens. Migration 0002 loads the ready one;
    a database emptied since (a test server's flush, say) that holds no template at all
    gets it again here, so opening an evaluation never fails for want of a form."""
    template = SurveyTemplate.objects.filter(is_default=True).first()
    if template is not None or SurveyTemplate.objects.exists():
        return template
    from evaluation import default_template as ready

    return ready.load(SurveyTemplate, TemplateSection, TemplateIndicator)


@transaction.atomic
def evaluation_open(
    *, actor: User, training_class: TrainingClass, template: SurveyTemplate | None = None
) -> Evaluation:
    """Open the class's evaluation. The first time, the template is copied (its lecturer
    section once per trainer who teaches a session of the class); opening a closed one
    again keeps its copy and its forms."""
    if training_class.state == ClassState.PLANNING:
        # Nobody is enrolled in a class still being planned: there is nobody to ask.
        raise ValidationError(_("A class still being planned cannot be evaluated."))
    existing = Evaluation.objects.select_for_update().filter(training_class=training_class).first()
    if existing is not None:
        if existing.is_open:
            return existing
        existing.state = EvaluationState.OPEN
        existing.closed_at = None
        existing.save(update_fields=["state", "closed_at"])
        audit(actor=actor, action="evaluation.reopen", target=existing)
        return existing
    template = template or default_template()
    if template is None:
        raise ValidationError(_("There is no survey template to copy."))
    evaluation = Evaluation.objects.create(
        training_class=training_class, template_name=template.name
    )
    trainers = sorted_by_name(training_class.trainers())
    position = 0
    for section in template.sections.prefetch_related("indicators"):
        copies = [None]
        if section.kind == SectionKind.LECTURER and trainers:
            copies = trainers
        for trainer in copies:
            position += 1
            title = section.title if trainer is None else f"{section.title}: {trainer}"
            copy = EvaluationSection.objects.create(
                evaluation=evaluation,
                position=position,
                kind=section.kind,
                title=title[:300],
                comment_prompt=section.comment_prompt,
                trainer=trainer,
            )
            EvaluationIndicator.objects.bulk_create(
                EvaluationIndicator(section=copy, position=i.position, text=i.text)
                for i in section.indicators.all()
            )
    if not evaluation.indicators().exists():
        raise ValidationError(_("The template has no indicators."))
    audit(
        actor=actor,
        action="evaluation.open",
        target=evaluation,
        changes={"template": template.name},
    )
    return evaluation


@transaction.atomic
def evaluation_close(*, actor: User, evaluation: Evaluation) -> Evaluation:
    evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    if evaluation.is_open:
        evaluation.state = EvaluationState.CLOSED
        evaluation.closed_at = timezone.now()
        evaluation.save(update_fields=["state", "closed_at"])
        audit(actor=actor, action="evaluation.close", target=evaluation)
    return evaluation


def _take_numbers(evaluation: Evaluation, count: int) -> int:
    """Reserve `count` form numbers; the caller holds the row lock. Returns the first."""
    first = evaluation.next_number
    evaluation.next_number = first + count
    evaluation.save(update_fields=["next_number"])
    return first


@transaction.atomic
def paper_forms_reserve(*, actor: User, evaluation: Evaluation, count: int) -> PaperBatch:
    """Numbers for `count` printed forms, taken from the class's one sequence."""
    if not 1 <= count <= MAX_PAPER_FORMS:
        raise ValidationError(
            {"count": _("Print between 1 and %(max)s forms at a time.") % {"max": MAX_PAPER_FORMS}}
        )
    evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    first = _take_numbers(evaluation, count)
    batch = PaperBatch.objects.create(
        evaluation=evaluation, first_number=first, last_number=first + count - 1, created_by=actor
    )
    audit(
        actor=actor,
        action="evaluation.paper",
        target=evaluation,
        changes={"first": batch.first_number, "last": batch.last_number},
    )
    return batch


def _clean(
    evaluation: Evaluation, answers: Answers, comments: Comments
) -> tuple[dict[int, int], dict[int, str], int]:
    indicator_ids = set(evaluation.indicators().values_list("id", flat=True))
    section_ids = set(evaluation.sections.values_list("id", flat=True))
    kept: dict[int, int] = {}
    for indicator_id, value in answers.items():
        if indicator_id not in indicator_ids:
            raise ValidationError(_("The form has changed; open it again."))
        if value in (None, ""):
            continue
        # A form's choice arrives as text ("4"); True would pass as 1 in a tuple test.
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        if isinstance(value, bool) or value not in SCALE:
            raise ValidationError(
                _("An answer must be from %(low)s to %(high)s.")
                % {"low": SCALE[0], "high": SCALE[-1]}
            )
        kept[indicator_id] = int(value)
    texts: dict[int, str] = {}
    for section_id, text in comments.items():
        if section_id not in section_ids:
            raise ValidationError(_("The form has changed; open it again."))
        text = nfc(text or "").strip()
        if len(text) > MAX_COMMENT_LENGTH:
            raise ValidationError(
                _("A comment may be at most %(max)s characters.") % {"max": MAX_COMMENT_LENGTH}
            )
        if text:
            texts[section_id] = text
    return kept, texts, len(indicator_ids)


def _stamp(source: str):
    """When a form was saved. An online form keeps the day only: its participant's page
    openings are in the audit log with their time, and matching a form's minute to an
    opening would name the person who wrote it. A paper form keeps the time it was typed
    in (staff's work, tied to no one)."""
    now = timezone.now()
    if source != ResponseSource.ONLINE:
        return now
    return timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)


def _write(
    response: EvaluationResponse, kept: dict[int, int], texts: dict[int, str], total: int
) -> EvaluationResponse:
    response.answers.all().delete()
    response.comments.all().delete()
    Answer.objects.bulk_create(
        Answer(response=response, indicator_id=i, value=v) for i, v in kept.items()
    )
    Comment.objects.bulk_create(
        Comment(response=response, section_id=s, text=t) for s, t in texts.items()
    )
    response.indicators = total
    response.answered = len(kept)
    response.is_valid = form_is_valid(answered=len(kept), indicators=total)
    response.updated_at = _stamp(response.source)
    response.save(update_fields=["indicators", "answered", "is_valid", "updated_at"])
    return response


def response_of(evaluation: Evaluation, enrollment: Enrollment) -> EvaluationResponse | None:
    """The participant's own online form, if they answered."""
    return EvaluationResponse.objects.filter(
        evaluation=evaluation, respondent=respondent_key(evaluation, enrollment)
    ).first()


@transaction.atomic
def response_submit(
    *, evaluation: Evaluation, enrollment: Enrollment, answers: Answers, comments: Comments
) -> EvaluationResponse:
    """A participant's form from their page: the first gets the next number, a later one
    corrects it — while the evaluation is open. Not audited by person (that would name
    them next to a form); the form keeps its own times."""
    evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    if not evaluation.is_open:
        raise ValidationError(_("The evaluation of this class is closed."))
    if enrollment.training_class_id != evaluation.training_class_id:
        raise ValidationError(_("This link is not for this class's evaluation."))
    kept, texts, total = _clean(evaluation, answers, comments)
    key = respondent_key(evaluation, enrollment)
    response = EvaluationResponse.objects.filter(evaluation=evaluation, respondent=key).first()
    if response is None:
        response = EvaluationResponse.objects.create(
            evaluation=evaluation,
            number=_take_numbers(evaluation, 1),
            source=ResponseSource.ONLINE,
            respondent=key,
            submitted_at=_stamp(ResponseSource.ONLINE),
        )
    return _write(response, kept, texts, total)


def paper_number_problem(evaluation: Evaluation, number: int) -> str:
    """Why a typed form number cannot be entered, or '' (not printed for this class, or
    entered already — with when)."""
    label = form_label(evaluation.training_class.code, number)
    printed = evaluation.paper.filter(first_number__lte=number, last_number__gte=number).exists()
    if not printed:
        return _("Form %(label)s was not printed for this class.") % {"label": label}
    entered = evaluation.responses.filter(number=number).first()
    if entered is not None:
        return _("Form %(label)s has already been entered (%(when)s).") % {
            "label": label,
            "when": timezone.localtime(entered.submitted_at).strftime("%H:%M %d/%m/%Y"),
        }
    return ""


@transaction.atomic
def response_enter_paper(
    *, actor: User, evaluation: Evaluation, number: int, answers: Answers, comments: Comments
) -> EvaluationResponse:
    """A paper form typed in by staff, checked against the printed numbers so that no form
    is entered twice. Allowed after closing too: forms collected at the last session are
    typed in the days after."""
    evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    problem = paper_number_problem(evaluation, number)
    if problem:
        raise ValidationError({"number": problem})
    kept, texts, total = _clean(evaluation, answers, comments)
    response = EvaluationResponse.objects.create(
        evaluation=evaluation,
        number=number,
        source=ResponseSource.PAPER,
        entered_by=actor,
    )
    _write(response, kept, texts, total)
    audit(
        actor=actor,
        action="evaluation.paper_entry",
        target=evaluation,
        changes={"form": response.number},
    )
    return response


MAX_REASON_LENGTH = 300


@transaction.atomic
def paper_form_withdraw(*, actor: User, evaluation: Evaluation, number: int, reason: str) -> int:
    """Take back a paper form typed in wrongly, by its number: its answers and comments
    go, and the number can be typed in again from the paper. Audited with the number and
    the reason only — a paper form is tied to nobody, and nothing here names anyone. An
    online form is refused: it belongs to its participant, who corrects it themselves."""
    reason = " ".join(nfc(reason or "").split())
    if not reason:
        raise ValidationError({"reason": _("Say why the form is withdrawn.")})
    if len(reason) > MAX_REASON_LENGTH:
        raise ValidationError(
            {"reason": _("At most %(max)s characters.") % {"max": MAX_REASON_LENGTH}}
        )
    evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    label = form_label(evaluation.training_class.code, number)
    response = evaluation.responses.filter(number=number).first()
    if response is None:
        raise ValidationError(
            {"number": _("Form %(label)s has not been entered.") % {"label": label}}
        )
    if response.source != ResponseSource.PAPER:
        raise ValidationError(
            {
                "number": _(
                    "Form %(label)s was answered online: only its participant can correct it."
                )
                % {"label": label}
            }
        )
    response.delete()  # its answers and comments with it (CASCADE)
    audit(
        actor=actor,
        action="evaluation.paper_withdraw",
        target=evaluation,
        changes={"form": number, "reason": reason},
    )
    return number


# --- Templates: edited by the coordinator, copied into a class when it opens ---------------


def _unset_other_defaults(template: SurveyTemplate) -> None:
    # One default at a time (a partial unique constraint): the new one takes the flag.
    SurveyTemplate.objects.filter(is_default=True).exclude(pk=template.pk).update(is_default=False)


@transaction.atomic
def template_save(*, actor: User, template: SurveyTemplate) -> SurveyTemplate:
    """Create or change a template's name, description and default flag. Evaluations
    already opened keep their own copy: nothing here reaches them."""
    created = template.pk is None
    if template.is_default:
        _unset_other_defaults(template)
    template.full_clean()
    template.save()
    audit(
        actor=actor,
        action="survey_template.create" if created else "survey_template.change",
        target=template,
        changes={"name": template.name, "default": template.is_default},
    )
    return template


def _copy_name(name: str) -> str:
    base = _("Copy of %(name)s") % {"name": name}
    candidate, n = base[:200], 2
    while SurveyTemplate.objects.filter(name=candidate).exists():
        suffix = f" ({n})"
        candidate, n = base[: 200 - len(suffix)] + suffix, n + 1
    return candidate


@transaction.atomic
def template_copy(*, actor: User, template: SurveyTemplate) -> SurveyTemplate:
    """A new, non-default template with the same sections and indicators, to adapt."""
    copy = SurveyTemplate.objects.create(
        name=_copy_name(template.name), description=template.description, is_default=False
    )
    for section in template.sections.prefetch_related("indicators"):
        new = TemplateSection.objects.create(
            template=copy,
            position=section.position,
            kind=section.kind,
            title=section.title,
            comment_prompt=section.comment_prompt,
        )
        TemplateIndicator.objects.bulk_create(
            TemplateIndicator(section=new, position=i.position, text=i.text)
            for i in section.indicators.all()
        )
    audit(
        actor=actor,
        action="survey_template.copy",
        target=copy,
        changes={"from": template.name},
    )
    return copy


@transaction.atomic
def section_save(
    *, actor: User, section: TemplateSection, indicators: Sequence[str]
) -> TemplateSection:
    """A template's section and its indicators, in the order given (the indicators are
    replaced: only templates hold them, and no answer points at a template's rows)."""
    texts = [nfc(t).strip() for t in indicators if nfc(t).strip()]
    if not texts:
        raise ValidationError({"indicators": _("A section needs at least one indicator.")})
    too_long = [t for t in texts if len(t) > 300]
    if too_long:
        raise ValidationError(
            {
                "indicators": _("An indicator may be at most 300 characters: %(text)s")
                % {"text": too_long[0][:60]}
            }
        )
    created = section.pk is None
    section.full_clean()
    section.save()
    section.indicators.all().delete()
    TemplateIndicator.objects.bulk_create(
        TemplateIndicator(section=section, position=n, text=text)
        for n, text in enumerate(texts, start=1)
    )
    SurveyTemplate.objects.filter(pk=section.template_id).update(updated_at=timezone.now())
    audit(
        actor=actor,
        action="survey_template.section_add" if created else "survey_template.section_change",
        target=section.template,
        changes={"section": section.title, "indicators": len(texts)},
    )
    return section


@transaction.atomic
def section_delete(*, actor: User, section: TemplateSection) -> None:
    template = section.template
    title = section.title
    section.delete()
    SurveyTemplate.objects.filter(pk=template.pk).update(updated_at=timezone.now())
    audit(
        actor=actor,
        action="survey_template.section_delete",
        target=template,
        changes={"section": title},
    )
