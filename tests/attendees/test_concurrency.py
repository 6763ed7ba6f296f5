"""Two coordinators approving at the same moment can never exceed a quota (PostgreSQL)."""

import pytest
from django.db import connection

from accounts.models import Role
from attendees import services
from attendees.models import Enrollment, Nomination
from courses.models import Quota
from tests import factories as f
from tests.courses.test_concurrency import _race

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")


def test_concurrent_approvals_cannot_exceed_a_quota():
    klass = f.training_class()
    unit = f.organisation()
    f.quota(klass, unit, "a", 2)
    coordinator = f.user(Role.COORDINATOR)
    a, b = (f.nomination(klass, unit, "a", state="submitted") for _ in range(2))
    Quota.objects.filter(training_class=klass).update(seats=1)  # lowered after submission
    results = _race(
        lambda: services.nominations_approve(actor=coordinator, nominations=[a]),
        lambda: services.nominations_approve(actor=coordinator, nominations=[b]),
    )
    assert sorted(r == "ok" for r in results) == [False, True]
    assert Enrollment.objects.filter(training_class=klass).count() == 1
    assert Nomination.objects.filter(state="approved").count() == 1


def test_concurrent_submissions_cannot_exceed_a_quota():
    klass = f.training_class()
    unit = f.organisation()
    f.quota(klass, unit, "b", 3)
    nominator = f.user(Role.NOMINATOR, unit)
    first = [f.nomination(klass, unit, "b") for _ in range(2)]
    second = [f.nomination(klass, unit, "b") for _ in range(2)]
    results = _race(
        lambda: services.nominations_submit(actor=nominator, nominations=first),
        lambda: services.nominations_submit(actor=nominator, nominations=second),
    )
    assert sorted(r == "ok" for r in results) == [False, True]
    assert Nomination.objects.filter(state="submitted").count() == 2
