"""The figures of the evaluation (Circular 10/2017/TT-BNV: "results are processed
statistically per indicator"), written once: the statistics pages, the evaluation report
and the results report all read them from here.

What is counted
---------------
* Only **valid** forms (``rules.form_is_valid``) count. Invalid ones are counted apart
  (``FormCounts.invalid``) and left out of everything else: every mean, distribution and
  comment list.
* An **answer** is one indicator answered 1..5 on a valid form. An unanswered indicator
  has no row, so it is neither a 0 nor a 3: it simply is not in the count.
* The **mean** of any group (an indicator, a section, a lecturer, a class, a year) is the
  sum of its answers' values divided by the number of its answers — every answer weighs
  the same. So a section's mean is *not* the mean of its indicators' means (they differ
  when the indicators have different numbers of answers), and a year's mean is not the
  mean of its classes' means (a class of 60 forms weighs more than one of 12). Means are
  rounded half up to 2 decimals ("4,25"); a group with no answer has no mean (None, "–").
* A **distribution** counts the answers of each point of the scale; its percentages are
  of the group's answers and rounded half up to 1 decimal, so they may add up to 99,9 or
  100,1 %.

Comments
--------
Listed per section, text only and sorted by text (Vietnamese collation) — never in form
order and never beside a form number: forms are numbered in the order they arrive and
paper and online forms are numbered in runs, so the order of comments, like a number
beside one, would tell paper from online and early from late, which in a class of thirty
is close to saying who wrote it. Identical texts are kept (two people said it).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, QuerySet, Sum

from courses.models import Trainer, TrainingClass
from courses.vietnamese import sorted_by_name, sorted_by_text
from evaluation.models import (
    Answer,
    Comment,
    Evaluation,
    EvaluationIndicator,
    EvaluationResponse,
    EvaluationSection,
    PaperBatch,
    ResponseSource,
    SectionKind,
)
from evaluation.rules import MIN_VALID_FORMS_FOR_TRAINERS, SCALE

_CENT = Decimal("0.01")
# The points of the scale in the charts: red (1) through grey (3) to blue (5).
COLOURS = {1: "#dc3545", 2: "#fd7e14", 3: "#adb5bd", 4: "#6ea8fe", 5: "#0d6efd"}
_TENTH = Decimal("0.1")


def vn_decimal(value: Decimal | None, *, empty: str = "–") -> str:
    """Decimal(4.25) → '4,25' (the Vietnamese decimal comma); None → '–'."""
    if value is None:
        return empty
    return f"{value}".replace(".", ",")


@dataclass(frozen=True)
class Distribution:
    """Answers per point of the scale (``counts[0]`` is the number of 1s)."""

    counts: tuple[int, ...] = (0,) * len(SCALE)

    def __add__(self, other: Distribution) -> Distribution:
        return Distribution(tuple(a + b for a, b in zip(self.counts, other.counts, strict=True)))

    @classmethod
    def of(cls, by_value: dict[int, int]) -> Distribution:
        return cls(tuple(by_value.get(v, 0) for v in SCALE))

    @property
    def answers(self) -> int:
        return sum(self.counts)

    @property
    def total(self) -> int:
        """The sum of the answers' values (what the mean divides)."""
        return sum(v * n for v, n in zip(SCALE, self.counts, strict=True))

    @property
    def mean(self) -> Decimal | None:
        """Sum of the values / number of answers, rounded half up to 2 decimals."""
        if not self.answers:
            return None
        return (Decimal(self.total) / Decimal(self.answers)).quantize(_CENT, ROUND_HALF_UP)

    @property
    def mean_text(self) -> str:
        return vn_decimal(self.mean)

    def percent(self, value: int) -> Decimal | None:
        """Share of the answers that are ``value``, in %, 1 decimal, half up."""
        if not self.answers:
            return None
        share = Decimal(self.counts[SCALE.index(value)] * 100) / Decimal(self.answers)
        return share.quantize(_TENTH, ROUND_HALF_UP)

    @property
    def percents(self) -> tuple[Decimal | None, ...]:
        return tuple(self.percent(v) for v in SCALE)

    @property
    def points(self) -> list[Point]:
        """One row per point of the scale, for templates and tables."""
        points, x = [], 0.0
        for v, n in zip(SCALE, self.counts, strict=True):
            share = self.percent(v)
            points.append(Point(value=v, count=n, percent=share, x=x))
            x += float(n * 100 / self.answers) if self.answers else 0.0
        return points

    @property
    def mean_width(self) -> float:
        """The mean as a share of the top of the scale, for a bar (0 when no answer)."""
        return float(self.mean or 0) * 100 / SCALE[-1]


@dataclass(frozen=True)
class Point:
    """One point of the scale in a distribution; ``x``: where its part of a stacked bar
    starts (the percentages before it), for the pages' inline SVG."""

    value: int
    count: int
    percent: Decimal | None
    x: float = 0.0

    @property
    def percent_text(self) -> str:
        return "–" if self.percent is None else f"{vn_decimal(self.percent).removesuffix(',0')}%"

    @property
    def colour(self) -> str:
        return COLOURS[self.value]

    @property
    def width(self) -> float:
        """For a stacked bar: the share as a plain float (0 when nothing was answered)."""
        return float(self.percent or 0)


@dataclass(frozen=True)
class FormCounts:
    """The class's numbered forms. ``printed``: paper forms whose numbers were reserved;
    ``issued`` = printed + online forms (an online form is given out by being answered,
    so it counts as issued and received at once)."""

    printed: int = 0
    online: int = 0
    paper: int = 0  # paper forms typed in
    valid: int = 0
    invalid: int = 0

    def __add__(self, other: FormCounts) -> FormCounts:
        return FormCounts(
            printed=self.printed + other.printed,
            online=self.online + other.online,
            paper=self.paper + other.paper,
            valid=self.valid + other.valid,
            invalid=self.invalid + other.invalid,
        )

    @property
    def received(self) -> int:
        return self.online + self.paper

    @property
    def issued(self) -> int:
        return self.printed + self.online


@dataclass
class IndicatorFigures:
    number: str  # "2.3": section, then indicator, as on the form
    text: str
    distribution: Distribution


@dataclass
class SectionFigures:
    number: int  # 1, 2, … as on the form
    kind: str
    title: str
    trainer: Trainer | None
    indicators: list[IndicatorFigures]
    comments: list[str] = field(default_factory=list)

    @property
    def distribution(self) -> Distribution:
        """Every answer of the section's indicators, pooled."""
        return sum((i.distribution for i in self.indicators), Distribution())

    @property
    def kind_label(self) -> str:
        return str(SectionKind(self.kind).label)

    @property
    def label(self) -> str:
        return self.title

    @property
    def comment_summary(self) -> list[tuple[str, int]]:
        """Each different comment once with how many forms gave it, in the same order."""
        counts: dict[str, int] = {}
        for text in self.comments:
            counts[text] = counts.get(text, 0) + 1
        return list(counts.items())


@dataclass
class LecturerFigures:
    """A trainer's lecturer sections pooled: one class, or every class of a year."""

    trainer: Trainer
    classes: list[str]  # class codes
    distribution: Distribution

    @property
    def label(self) -> str:
        return str(self.trainer)


@dataclass
class ClassFigures:
    training_class: TrainingClass
    evaluation: Evaluation
    forms: FormCounts
    sections: list[SectionFigures]
    # False when sections were left out for the reader (a trainer does not see the
    # figures of a colleague's lecturer section, nor the class mean they are part of).
    complete: bool = True
    # True when a trainer is shown no figure at all: too few valid forms (rules).
    withheld: bool = False

    @property
    def label(self) -> str:
        return self.training_class.code

    @property
    def distribution(self) -> Distribution:
        """The class overall: every valid answer of the class, pooled."""
        return sum((s.distribution for s in self.sections), Distribution())

    @property
    def lecturers(self) -> list[LecturerFigures]:
        by_trainer: dict[int, LecturerFigures] = {}
        for s in self.sections:
            if s.kind != SectionKind.LECTURER or s.trainer is None:
                continue
            row = by_trainer.setdefault(
                s.trainer.pk,
                LecturerFigures(s.trainer, [self.training_class.code], Distribution()),
            )
            row.distribution = row.distribution + s.distribution
        return list(by_trainer.values())

    def kind_distribution(self, kind: str) -> Distribution | None:
        """Every answer of the class's sections of ``kind`` (all its lecturers, say);
        None when the class's form has no such section."""
        sections = [s for s in self.sections if s.kind == kind]
        if not sections:
            return None
        return sum((s.distribution for s in sections), Distribution())

    @property
    def has_comments(self) -> bool:
        return any(s.comments for s in self.sections)

    def for_trainer(self, trainer: Trainer | None) -> ClassFigures:
        """What the class's trainer may read: every section but a colleague's lecturer
        section, and no comment (a comment is one person's words); nothing but the counts
        while fewer than MIN_VALID_FORMS_FOR_TRAINERS forms are valid, since a mean of one
        or two forms is their answers."""
        if self.forms.valid < MIN_VALID_FORMS_FOR_TRAINERS:
            return replace(self, sections=[], complete=False, withheld=True)
        kept = [
            replace(s, comments=[])
            for s in self.sections
            if s.kind != SectionKind.LECTURER or (trainer is not None and s.trainer == trainer)
        ]
        return replace(self, sections=kept, complete=len(kept) == len(self.sections))


@dataclass
class KindFigures:
    """A year's sections of one kind (programme, lecturers, …) across its classes; the
    indicators pooled by their wording (each class copies its template's)."""

    kind: str
    indicators: list[IndicatorFigures]

    @property
    def label(self) -> str:
        return str(SectionKind(self.kind).label)

    @property
    def distribution(self) -> Distribution:
        return sum((i.distribution for i in self.indicators), Distribution())


@dataclass
class YearFigures:
    year: int
    classes: list[ClassFigures]  # the year's official classes with an evaluation
    without: list[TrainingClass]  # the year's official classes without one
    kinds: list[KindFigures]
    lecturers: list[LecturerFigures]

    @property
    def forms(self) -> FormCounts:
        return sum((c.forms for c in self.classes), FormCounts())

    @property
    def distribution(self) -> Distribution:
        return sum((c.distribution for c in self.classes), Distribution())


# ---------------------------------------------------------------------------- reads


def form_counts(evaluation: Evaluation) -> FormCounts:
    rows = (
        EvaluationResponse.objects.filter(evaluation=evaluation)
        .values("source", "is_valid")
        .annotate(n=Count("pk"))
    )
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        counts[row["source"]] += row["n"]
        counts["valid" if row["is_valid"] else "invalid"] += row["n"]
    printed = PaperBatch.objects.filter(evaluation=evaluation).aggregate(
        n=Sum(F("last_number") - F("first_number") + 1)
    )["n"]
    return FormCounts(
        printed=printed or 0,
        online=counts[ResponseSource.ONLINE],
        paper=counts[ResponseSource.PAPER],
        valid=counts["valid"],
        invalid=counts["invalid"],
    )


def _answer_counts(evaluation: Evaluation) -> dict[int, dict[int, int]]:
    """indicator id -> {value: answers}, valid forms only (one GROUP BY)."""
    rows = (
        Answer.objects.filter(response__evaluation=evaluation, response__is_valid=True)
        .values("indicator", "value")
        .annotate(n=Count("pk"))
        .order_by()
    )
    result: dict[int, dict[int, int]] = defaultdict(dict)
    for row in rows:
        result[row["indicator"]][row["value"]] = row["n"]
    return result


def _comments(evaluation: Evaluation) -> dict[int, list[str]]:
    """section id -> comment texts of valid forms, sorted by text (see the module's
    docstring: never in form order)."""
    texts: dict[int, list[str]] = defaultdict(list)
    for section_id, text in Comment.objects.filter(
        response__evaluation=evaluation, response__is_valid=True
    ).values_list("section", "text"):
        texts[section_id].append(text)
    return {s: sorted_by_text(t) for s, t in texts.items()}


def class_figures(evaluation: Evaluation) -> ClassFigures:
    """Every figure of one class's evaluation (four queries)."""
    answers = _answer_counts(evaluation)
    comments = _comments(evaluation)
    indicators: dict[int, list[EvaluationIndicator]] = defaultdict(list)
    for indicator in EvaluationIndicator.objects.filter(section__evaluation=evaluation):
        indicators[indicator.section_id].append(indicator)
    sections = []
    for number, section in enumerate(
        EvaluationSection.objects.filter(evaluation=evaluation).select_related("trainer"), 1
    ):
        rows = sorted(indicators[section.pk], key=lambda i: (i.position, i.pk))
        sections.append(
            SectionFigures(
                number=number,
                kind=section.kind,
                title=section.title,
                trainer=section.trainer,
                indicators=[
                    IndicatorFigures(
                        f"{number}.{i}", indicator.text, Distribution.of(answers[indicator.pk])
                    )
                    for i, indicator in enumerate(rows, 1)
                ],
                comments=comments.get(section.pk, []),
            )
        )
    return ClassFigures(
        training_class=evaluation.training_class,
        evaluation=evaluation,
        forms=form_counts(evaluation),
        sections=sections,
    )


def year_figures(year: int, classes: QuerySet[TrainingClass] | None = None) -> YearFigures:
    """The year's official classes (practice classes left out, as in every report) — or
    ``classes``, already scoped by the caller: each class's figures, the sections pooled
    by kind and indicator wording, and each lecturer pooled over the classes they were
    evaluated in."""
    if classes is None:
        classes = TrainingClass.objects.official().filter(year=year)
    evaluated: list[ClassFigures] = []
    without: list[TrainingClass] = []
    for klass in classes.select_related("evaluation").order_by("start_date", "code"):
        evaluation = getattr(klass, "evaluation", None)
        if evaluation is None:
            without.append(klass)
        else:
            evaluated.append(class_figures(evaluation))

    kinds: dict[str, dict[str, Distribution]] = {}
    lecturers: dict[int, LecturerFigures] = {}
    for figures in evaluated:
        for section in figures.sections:
            pooled = kinds.setdefault(section.kind, {})
            for indicator in section.indicators:
                pooled[indicator.text] = (
                    pooled.get(indicator.text, Distribution()) + indicator.distribution
                )
        for lecturer in figures.lecturers:
            row = lecturers.setdefault(
                lecturer.trainer.pk, LecturerFigures(lecturer.trainer, [], Distribution())
            )
            row.classes.append(figures.training_class.code)
            row.distribution = row.distribution + lecturer.distribution
    order = list(SectionKind.values)
    kind_rows = [
        KindFigures(
            kind,
            [
                IndicatorFigures(f"{n}.{i}", text, dist)
                for i, (text, dist) in enumerate(kinds[kind].items(), 1)
            ],
        )
        for n, kind in enumerate(sorted(kinds, key=order.index), 1)
    ]
    return YearFigures(
        year=year,
        classes=evaluated,
        without=without,
        kinds=kind_rows,
        lecturers=sorted_by_name(
            lecturers.values(), name=lambda r: r.trainer.full_name, then=lambda r: r.trainer.pk
        ),
    )
