"""A small evaluated year, built through evaluation.services only, whose every figure is
worked out by hand in tests/evaluation/test_stats.py.

Template "Phiếu thử": section 1 (programme) and section 2 (lecturer), 10 indicators each;
each class has one trainer, so a form has 20 indicators (1 unanswered = 5 %: valid; 2
unanswered = 10 %: invalid).

Class A (TTDN-2023-A), 4 paper forms printed (numbers 1–4), six forms received:

    form  source  section 1 (1.1 … 1.10)        section 2 (2.1 … 2.10)       valid
    F1    online  all 5                          all 4                         yes
    F2    online  all 4                          all 4                         yes
    F3    paper   all 3                          all 5                         yes
    F4    paper   1.1 blank, the other nine 5    all 5                         yes (1/20)
    F5    online  all 1                          2.1–2.8 = 1, 2.9 and 2.10 blank  no (2/20)
    F6    paper   all 2                          2.1 = 1, the other nine 3     yes

Class B (TTDN-2023-B), 3 paper forms printed and typed in, all valid:

    G1, G2  section 1 all 3, section 2 all 4
    G3      section 1 all 3, section 2: 2.1 and 2.2 = 5, the other eight 4

A practice class of 2023 with one form of all 1s (must count nowhere) and an official
class of 2023 without an evaluation.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from accounts.models import Role
from courses.models import TrainingClass
from evaluation import services
from evaluation.models import Evaluation, SurveyTemplate, TemplateIndicator, TemplateSection
from tests import factories as f

PROGRAMME = [f"Nội dung chương trình {i}" for i in range(1, 11)]
LECTURER = [f"Giảng viên tiêu chí {i}" for i in range(1, 11)]

COMMENT_INVALID = "Ý kiến của phiếu không hợp lệ"


@dataclass
class EvaluatedYear:
    class_a: TrainingClass
    class_b: TrainingClass
    practice: TrainingClass
    not_evaluated: TrainingClass
    evaluation_a: Evaluation
    evaluation_b: Evaluation
    trainer: object  # the Trainer of both classes
    trainer_user: object
    coordinator: object
    participants: list  # the names of class A's online respondents


def template() -> SurveyTemplate:
    t = SurveyTemplate.objects.create(name="Phiếu thử")
    for position, (kind, title, texts) in enumerate(
        [("programme", "Chương trình", PROGRAMME), ("lecturer", "Giảng viên", LECTURER)], 1
    ):
        section = TemplateSection.objects.create(
            template=t, position=position, kind=kind, title=title, comment_prompt="Ý kiến khác"
        )
        for i, text in enumerate(texts, 1):
            TemplateIndicator.objects.create(section=section, position=i, text=text)
    return t


def _answers(evaluation: Evaluation, first: dict[int, int | None], second: dict[int, int | None]):
    """{indicator id: value}; ``first``/``second`` map positions 1..10 of each section."""
    sections = list(evaluation.sections.order_by("position"))
    answers = {}
    for section, values in zip(sections, (first, second), strict=True):
        for indicator in section.indicators.order_by("position"):
            answers[indicator.pk] = values[indicator.position]
    return answers


def _all(value: int | None, **but: int | None) -> dict[int, int | None]:
    values = dict.fromkeys(range(1, 11), value)
    values.update({int(k[1:]): v for k, v in but.items()})
    return values


def _comments(evaluation: Evaluation, first: str = "", second: str = "") -> dict[int, str]:
    sections = list(evaluation.sections.order_by("position"))
    return {s.pk: t for s, t in zip(sections, (first, second), strict=True) if t}


def build_year() -> EvaluatedYear:
    tpl = template()
    coordinator = f.user(Role.COORDINATOR, username="dieuphoi-dg")
    trainer_user = f.user(Role.TRAINER, username="giangvien-dg")
    trainer = f.trainer(trainer_user, full_name="Lò Văn Pành")
    unit = f.organisation(name="UBND huyện Sìn Hồ")
    start = datetime.date(2023, 10, 10)
    title = "Bồi dưỡng nghiệp vụ công tác thông tin đối ngoại khu vực biên giới — Lớp {}"
    class_a = f.training_class(code="TTDN-2023-A", title=title.format(1), start_date=start)
    class_b = f.training_class(
        code="TTDN-2023-B",
        title=title.format(2),
        start_date=start + datetime.timedelta(days=30),
    )
    practice = f.training_class(code="TTDN-2023-TH", is_practice=True, start_date=start)
    not_evaluated = f.training_class(code="TTDN-2023-C", start_date=start)
    for klass in (class_a, class_b, practice, not_evaluated):
        f.session(klass, trainers=[trainer])

    ev_a = services.evaluation_open(actor=coordinator, training_class=class_a, template=tpl)
    services.paper_forms_reserve(actor=coordinator, evaluation=ev_a, count=4)  # numbers 1–4
    people = [f.enrollment(class_a, unit) for _ in range(3)]

    def online(enrollment, first, second, comments=None):
        services.response_submit(
            evaluation=ev_a,
            enrollment=enrollment,
            answers=_answers(ev_a, first, second),
            comments=comments or {},
        )

    def paper(evaluation, number, first, second, comments=None):
        services.response_enter_paper(
            actor=coordinator,
            evaluation=evaluation,
            number=number,
            answers=_answers(evaluation, first, second),
            comments=comments or {},
        )

    online(people[0], _all(5), _all(4), _comments(ev_a, "Nên thêm thời gian thực hành"))  # F1 (5)
    online(people[1], _all(4), _all(4))  # F2 (6)
    paper(ev_a, 1, _all(3), _all(5), _comments(ev_a, "Cần thêm tài liệu tiếng dân tộc"))  # F3
    paper(ev_a, 2, _all(5, i1=None), _all(5))  # F4: 1 of 20 blank, valid
    online(  # F5 (7): 2 of 20 blank, invalid
        people[2],
        _all(1),
        _all(1, i9=None, i10=None),
        _comments(ev_a, COMMENT_INVALID, COMMENT_INVALID),
    )
    paper(ev_a, 3, _all(2), _all(3, i1=1), _comments(ev_a, "", "Giảng viên nói hơi nhanh"))  # F6

    ev_b = services.evaluation_open(actor=coordinator, training_class=class_b, template=tpl)
    services.paper_forms_reserve(actor=coordinator, evaluation=ev_b, count=3)
    paper(ev_b, 1, _all(3), _all(4))  # G1
    paper(ev_b, 2, _all(3), _all(4))  # G2
    paper(ev_b, 3, _all(3), _all(4, i1=5, i2=5))  # G3

    ev_p = services.evaluation_open(actor=coordinator, training_class=practice, template=tpl)
    services.paper_forms_reserve(actor=coordinator, evaluation=ev_p, count=1)
    paper(ev_p, 1, _all(1), _all(1))

    return EvaluatedYear(
        class_a=class_a,
        class_b=class_b,
        practice=practice,
        not_evaluated=not_evaluated,
        evaluation_a=ev_a,
        evaluation_b=ev_b,
        trainer=trainer,
        trainer_user=trainer_user,
        coordinator=coordinator,
        participants=[p.participant.full_name for p in people],
    )
