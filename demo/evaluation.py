"""Demo evaluation data for `seed_demo` (#18): the held class L1 was evaluated when it
ended — about 70 forms answered online by its learners and a batch of 15 printed forms,
12 of them typed in afterwards (two left largely blank: invalid under Circular 10/2017's
5 % rule) — and the practice class has an open evaluation, so the survey can be tried
minutes after `make run`.

Everything goes through ``evaluation.services`` (the numbers, the respondent hash, the
5 % rule, the audit are theirs); the answers come from a seeded generator, so every run
and every database gives the same forms. An evaluation already there is left as it is.
``report`` is seed_demo's SeedReport (rows created / unchanged), untyped here as in
demo/materials.py: importing it from demo.seed would make an import cycle.
"""

from __future__ import annotations

import datetime
import random
from typing import TYPE_CHECKING

from django.utils import timezone

from attendees.models import Enrollment
from courses.models import TrainingClass
from evaluation.models import (
    Evaluation,
    EvaluationResponse,
    EvaluationSection,
    PaperBatch,
    ResponseSource,
    SectionKind,
)
from evaluation.services import (
    evaluation_close,
    evaluation_open,
    paper_forms_reserve,
    response_enter_paper,
    response_submit,
)

if TYPE_CHECKING:
    from accounts.models import User

ONLINE_FORMS = 70
PAPER_PRINTED = 15
PAPER_ENTERED = 12

# The class as its learners saw it: a little above "Tốt" (4) on the whole, the rooms
# and equipment weakest, and each lecturer judged on their own.
SECTION_MEANS = {
    SectionKind.PROGRAMME: 4.35,
    SectionKind.FACILITIES: 4.1,
    SectionKind.ORGANISATION: 4.15,
    SectionKind.SELF: 4.3,
}
LECTURER_MEANS = [4.6, 4.2, 4.45, 4.25]  # by lecturer section, in the order of the form

COMMENTS = {
    SectionKind.PROGRAMME: [
        "Nên bổ sung thêm tình huống thực tế về xử lý tin giả trên mạng xã hội.",
        "Chuyên đề về pháp luật biên giới rất bổ ích, đề nghị tăng thời lượng.",
        "Nội dung phù hợp nhưng thời gian học hơi ngắn so với khối lượng kiến thức.",
        "Đề nghị có thêm phần thực hành viết tin bài bằng tiếng dân tộc.",
    ],
    SectionKind.LECTURER: [
        "Giảng viên nhiệt tình, có nhiều ví dụ gần gũi với vùng biên.",
        "Giảng viên nói hơi nhanh, nên dành thêm thời gian cho phần hỏi đáp.",
        "Bài giảng sinh động, dễ hiểu.",
        "Mong giảng viên chia sẻ thêm tài liệu tham khảo sau buổi học.",
    ],
    SectionKind.FACILITIES: [
        "Máy chiếu buổi chiều ngày thứ hai bị mờ, khó đọc chữ.",
        "Hội trường nóng, đề nghị bố trí thêm quạt.",
        "Tài liệu in đẹp, đầy đủ; nên có bản điện tử để chia sẻ cho cán bộ xã.",
        "Âm thanh phía cuối hội trường nghe không rõ.",
    ],
    SectionKind.ORGANISATION: [
        "Giấy mời gửi hơi muộn, đơn vị khó bố trí người đi học thay.",
        "Ban tổ chức chu đáo, hỗ trợ học viên nhiệt tình.",
        "Đề nghị hỗ trợ thêm chi phí đi lại cho học viên ở các xã xa.",
    ],
    SectionKind.SELF: [
        "Sẽ áp dụng cách viết tin ngắn gọn cho đài truyền thanh xã.",
        "Áp dụng kỹ năng nhận diện và phản bác thông tin sai lệch trên mạng.",
        "Sẽ phối hợp với đồn biên phòng tuyên truyền cho bà con trong bản.",
    ],
}


def seed_evaluations(
    report, *, actor: User | None, held_code: str, practice_code: str | None
) -> None:
    held = TrainingClass.objects.filter(code=held_code).first()
    if held is not None:
        _seed_held_class(held, actor, report)
    practice = TrainingClass.objects.filter(code=practice_code).first() if practice_code else None
    if practice is not None:
        if Evaluation.objects.filter(training_class=practice).exists():
            report.unchanged += 1
        else:
            # Open, and empty: the newcomer's own answers are the first.
            evaluation_open(actor=actor, training_class=practice)
            report.created += 1


class _Learner:
    """How one respondent answers: their own generosity, and how careful they are."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.lean = rng.gauss(0, 0.3)

    def value(self, mean: float) -> int:
        return max(1, min(5, round(mean + self.lean + self.rng.gauss(0, 0.55))))


def _means(evaluation: Evaluation) -> dict[int, float]:
    """The mean each section is answered around, lecturers each their own."""
    means: dict[int, float] = {}
    lecturer = 0
    for section in evaluation.sections.order_by("position", "id"):
        if section.kind == SectionKind.LECTURER:
            means[section.pk] = LECTURER_MEANS[lecturer % len(LECTURER_MEANS)]
            lecturer += 1
        else:
            means[section.pk] = SECTION_MEANS.get(section.kind, 4.2)
    return means


def _form(
    rng: random.Random,
    indicators: list[tuple[int, int]],
    sections: list[EvaluationSection],
    means: dict[int, float],
    *,
    blank: int = 0,
) -> tuple[dict[int, int | None], dict[int, str]]:
    """One filled form: ``indicators`` (id, section id); ``blank`` indicators left
    unanswered (one is still valid, more is not — with 38 indicators 5 % is 1.9)."""
    learner = _Learner(rng)
    answers: dict[int, int | None] = {i: learner.value(means[s]) for i, s in indicators}
    if not blank and rng.random() < 0.12:
        blank = 1  # one question overlooked: the form still counts
    for indicator_id in rng.sample([i for i, _s in indicators], blank):
        answers[indicator_id] = None
    comments = {}
    for section in sections:
        if rng.random() < 0.18:
            comments[section.pk] = rng.choice(COMMENTS[section.kind])
    return answers, comments


def _seed_held_class(klass: TrainingClass, actor: User | None, report) -> None:
    if Evaluation.objects.filter(training_class=klass).exists():
        report.unchanged += 1
        return
    rng = random.Random(18)  # noqa: S311 -- invented demo answers, must be reproducible
    evaluation = evaluation_open(actor=actor, training_class=klass)
    sections = list(evaluation.sections.order_by("position", "id"))
    indicators = list(evaluation.indicators().values_list("id", "section_id"))
    means = _means(evaluation)
    people = sorted(
        Enrollment.objects.filter(training_class=klass).select_related("participant"),
        key=lambda e: (
            e.participant.full_name,
            e.participant.date_of_birth or datetime.date.min,
            e.pk,
        ),
    )
    online = rng.sample(people, min(ONLINE_FORMS, len(people)))
    careless = rng.randrange(len(online))  # skipped the last page online: invalid
    for n, enrollment in enumerate(online):
        blank = 5 if n == careless else 0
        answers, comments = _form(rng, indicators, sections, means, blank=blank)
        response_submit(
            evaluation=evaluation, enrollment=enrollment, answers=answers, comments=comments
        )
    batch = paper_forms_reserve(actor=actor, evaluation=evaluation, count=PAPER_PRINTED)
    evaluation = evaluation_close(actor=actor, evaluation=evaluation)
    # Typed in during the days after: the forms collected at the last session.
    for k in range(PAPER_ENTERED):
        blank = {3: 8, 9: 3}.get(k, 0)  # two forms left half blank
        answers, comments = _form(rng, indicators, sections, means, blank=blank)
        response_enter_paper(
            actor=actor,
            evaluation=evaluation,
            number=batch.first_number + k,
            answers=answers,
            comments=comments,
        )
    _date_as_held(evaluation, klass)
    report.created += 1 + len(online) + PAPER_ENTERED


def _date_as_held(evaluation: Evaluation, klass: TrainingClass) -> None:
    """The forms were filled in when the class ended (2023), not the day the demo is
    loaded: online ones over the last afternoon and evening, paper ones typed in the
    following week."""
    last = klass.sessions.order_by("-date", "-start_time").first()
    end = last.date if last else klass.end_date

    def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))

    opened = at(end, 14, 0)
    Evaluation.objects.filter(pk=evaluation.pk).update(
        opened_at=opened, closed_at=at(end + datetime.timedelta(days=2), 17, 0)
    )
    PaperBatch.objects.filter(evaluation=evaluation).update(created_at=at(end, 13, 0))
    for i, pk in enumerate(
        evaluation.responses.filter(source=ResponseSource.ONLINE)
        .order_by("number")
        .values_list("pk", flat=True)
    ):
        when = opened + datetime.timedelta(minutes=7 * i)
        EvaluationResponse.objects.filter(pk=pk).update(submitted_at=when, updated_at=when)
    for i, pk in enumerate(
        evaluation.responses.filter(source=ResponseSource.PAPER)
        .order_by("number")
        .values_list("pk", flat=True)
    ):
        when = at(end + datetime.timedelta(days=4), 8, 30) + datetime.timedelta(minutes=6 * i)
        EvaluationResponse.objects.filter(pk=pk).update(submitted_at=when, updated_at=when)
