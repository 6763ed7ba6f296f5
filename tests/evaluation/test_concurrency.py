"""Forms answered at the same moment (a whole room sends at the end of the last session)
and paper forms reserved meanwhile never share a number: the evaluation row is locked
while a number is given (PostgreSQL; SQLite serialises writers anyway)."""

import pytest
from django.db import connection

from accounts.models import Role
from evaluation import services
from evaluation.models import Evaluation, EvaluationResponse, PaperBatch
from tests import factories as f
from tests.courses.test_concurrency import _race
from tests.evaluation.conftest import default_template

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")


def test_concurrent_forms_and_paper_reservations_never_share_a_number():
    klass = f.training_class()
    unit = f.organisation()
    coordinator = f.user(Role.COORDINATOR)
    f.session(klass, trainers=[f.trainer()])
    people = [f.enrollment(klass, unit) for _ in range(6)]
    template = default_template()
    evaluation = services.evaluation_open(
        actor=coordinator, training_class=klass, template=template
    )
    answers = {pk: 4 for pk in evaluation.indicators().values_list("pk", flat=True)}

    def answer(enrollment):
        return lambda: services.response_submit(
            evaluation=evaluation, enrollment=enrollment, answers=answers, comments={}
        )

    jobs = [answer(e) for e in people]
    jobs += [
        lambda: services.paper_forms_reserve(actor=coordinator, evaluation=evaluation, count=5)
        for _ in range(2)
    ]
    results = _race(*jobs)
    assert results == ["ok"] * len(jobs)
    online = list(EvaluationResponse.objects.values_list("number", flat=True))
    paper = [
        n
        for first, last in PaperBatch.objects.values_list("first_number", "last_number")
        for n in range(first, last + 1)
    ]
    numbers = sorted(online + paper)
    assert numbers == list(range(1, len(people) + 10 + 1))
    assert Evaluation.objects.get(pk=evaluation.pk).next_number == numbers[-1] + 1
