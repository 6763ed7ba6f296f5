"""Evaluating training quality (Circular 10/2017/TT-BNV): survey templates, a class's
evaluation copied from one, and the numbered forms answered online or typed from paper.

A template is copied into the class when its evaluation opens (sections, indicators, one
lecturer section per trainer of the class), so editing the template later changes no
answer already given. Forms are anonymous: an online form keeps only a keyed hash of the
enrollment (``respondent``), enough to let the same person correct their own form and to
refuse a second one, never a name — no page, export or admin shows who answered what.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.models import NFCModel, Trainer, TrainingClass
from evaluation.rules import SCALE, form_label


class SectionKind(models.TextChoices):
    PROGRAMME = "programme", _("Training programme")
    LECTURER = "lecturer", _("Lecturer")
    FACILITIES = "facilities", _("Facilities and materials")
    ORGANISATION = "organisation", _("Organisation of the course")
    SELF = "self", _("What the learner gained")


class SurveyTemplate(NFCModel):
    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    is_default = models.BooleanField(
        _("default template"),
        default=False,
        help_text=_("Proposed when an evaluation is opened."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("survey template")
        verbose_name_plural = _("survey templates")
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_template"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TemplateSection(NFCModel):
    template = models.ForeignKey(SurveyTemplate, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=20, choices=SectionKind.choices)
    title = models.CharField(
        _("title"),
        max_length=200,
        help_text=_("A lecturer section is repeated for each lecturer of the class."),
    )
    comment_prompt = models.CharField(_("question for comments"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("template section")
        verbose_name_plural = _("template sections")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


class TemplateIndicator(NFCModel):
    section = models.ForeignKey(
        TemplateSection, on_delete=models.CASCADE, related_name="indicators"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.CharField(_("indicator"), max_length=300)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text


class EvaluationState(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class EvaluationQuerySet(models.QuerySet):
    def visible_to(self, user) -> EvaluationQuerySet:
        """The classes' evaluations a user may read the figures of (never single forms)."""
        return self.filter(training_class__in=TrainingClass.objects.visible_to(user))


class Evaluation(NFCModel):
    """One class's evaluation: its copy of the template and the forms' number sequence."""

    training_class = models.OneToOneField(
        TrainingClass, verbose_name=_("class"), on_delete=models.PROTECT, related_name="evaluation"
    )
    template_name = models.CharField(_("copied from template"), max_length=200)
    state = models.CharField(
        _("state"), max_length=10, choices=EvaluationState.choices, default=EvaluationState.OPEN
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # The next form number to give (online answers and printed paper forms share it).
    next_number = models.PositiveIntegerField(default=1)

    objects = EvaluationQuerySet.as_manager()

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")

    def __str__(self) -> str:
        return str(self.training_class.code)

    @property
    def is_open(self) -> bool:
        return self.state == EvaluationState.OPEN

    def indicators(self) -> models.QuerySet[EvaluationIndicator]:
        return EvaluationIndicator.objects.filter(section__evaluation=self).order_by(
            "section__position", "section_id", "position", "id"
        )

    def counts(self) -> dict[str, int]:
        """How many forms came in, by source and validity: all the evaluation page shows
        (never a form, never who answered)."""
        responses = self.responses.all()
        return responses.aggregate(
            total=models.Count("id"),
            online=models.Count("id", filter=Q(source=ResponseSource.ONLINE)),
            paper=models.Count("id", filter=Q(source=ResponseSource.PAPER)),
            valid=models.Count("id", filter=Q(is_valid=True)),
            invalid=models.Count("id", filter=Q(is_valid=False)),
        )

    def paper_printed(self) -> int:
        return self.paper.aggregate(
            n=models.Sum(models.F("last_number") - models.F("first_number") + 1, default=0)
        )["n"]

    def next_paper_number(self, after: int = 0) -> int | None:
        """The first printed form number above ``after`` not yet entered (what the data
        entry page proposes next), else the first one anywhere, else None."""
        entered = set(self.responses.values_list("number", flat=True))
        ranges = list(
            self.paper.order_by("first_number").values_list("first_number", "last_number")
        )
        for floor in (after, 0):
            for first, last in ranges:
                for number in range(max(first, floor + 1), last + 1):
                    if number not in entered:
                        return number
        return None


class EvaluationSection(NFCModel):
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(_("kind"), max_length=20, choices=SectionKind.choices)
    title = models.CharField(_("title"), max_length=300)
    comment_prompt = models.CharField(_("question for comments"), max_length=300, blank=True)
    trainer = models.ForeignKey(
        Trainer,
        verbose_name=_("lecturer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


class EvaluationIndicator(NFCModel):
    section = models.ForeignKey(
        EvaluationSection, on_delete=models.CASCADE, related_name="indicators"
    )
    position = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(_("indicator"), max_length=300)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text


class PaperBatch(models.Model):
    """Numbered paper forms printed for a class: numbers first..last are reserved for
    them, so a form typed in later is checked against what was printed."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="paper")
    first_number = models.PositiveIntegerField()
    last_number = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(first_number__lte=models.F("last_number")),
                name="paper_batch_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.evaluation} {self.first_number}–{self.last_number}"


class ResponseSource(models.TextChoices):
    ONLINE = "online", _("Online")
    PAPER = "paper", _("Paper form")


class ResponseQuerySet(models.QuerySet):
    def valid(self) -> ResponseQuerySet:
        return self.filter(is_valid=True)

    def invalid(self) -> ResponseQuerySet:
        return self.filter(is_valid=False)


class EvaluationResponse(models.Model):
    """One numbered form. ``respondent`` is a keyed hash of the enrollment for online forms
    (one each, correctable while open) and empty for paper ones; nothing else links a form
    to a person."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.PROTECT, related_name="responses")
    number = models.PositiveIntegerField(_("form number"))
    source = models.CharField(_("source"), max_length=10, choices=ResponseSource.choices)
    respondent = models.CharField(max_length=64, blank=True, default="", editable=False)
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Kept with the answers (services write all three), so the counts are a plain filter.
    indicators = models.PositiveSmallIntegerField(default=0)
    answered = models.PositiveSmallIntegerField(default=0)
    is_valid = models.BooleanField(default=False)

    objects = ResponseQuerySet.as_manager()

    class Meta:
        verbose_name = _("evaluation form")
        verbose_name_plural = _("evaluation forms")
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "number"], name="evaluation_form_number_unique"
            ),
            models.UniqueConstraint(
                fields=["evaluation", "respondent"],
                condition=~Q(respondent=""),
                name="evaluation_one_form_per_person",
            ),
            models.CheckConstraint(
                condition=Q(answered__lte=models.F("indicators")),
                name="evaluation_answered_le_indicators",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return form_label(self.evaluation.training_class.code, self.number)


class Answer(models.Model):
    """One indicator answered on the 5-point scale; an unanswered indicator has no row."""

    response = models.ForeignKey(
        EvaluationResponse, on_delete=models.CASCADE, related_name="answers"
    )
    indicator = models.ForeignKey(
        EvaluationIndicator, on_delete=models.PROTECT, related_name="answers"
    )
    value = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "indicator"], name="answer_once"),
            models.CheckConstraint(
                condition=Q(value__gte=min(SCALE), value__lte=max(SCALE)), name="answer_on_scale"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id}: {self.value}"


class Comment(NFCModel):
    response = models.ForeignKey(
        EvaluationResponse, on_delete=models.CASCADE, related_name="comments"
    )
    section = models.ForeignKey(
        EvaluationSection, on_delete=models.PROTECT, related_name="comments"
    )
    text = models.TextField(max_length=2000)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "section"], name="comment_once"),
        ]

    def __str__(self) -> str:
        return self.text[:60]
