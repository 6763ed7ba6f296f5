"""Two coordinators saving quotas at the same moment can never exceed a class's capacity.
Run on PostgreSQL (`.ci/run` does); SQLite serialises all writers anyway."""

import threading

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.db.models import Sum

from accounts.models import Role
from courses import services
from courses.models import Quota
from tests import factories as f

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")


def _race(*jobs):
    """Run each job in its own thread and transaction, starting together; return results."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(i, job):
        try:
            with transaction.atomic():
                barrier.wait(timeout=10)
                job()
            results[i] = "ok"
        except Exception as exc:
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


def test_concurrent_raw_inserts_cannot_exceed_capacity():
    klass = f.training_class(capacity=10)
    a, b = f.organisation(), f.organisation()
    results = _race(
        lambda: Quota.objects.create(
            training_class=klass, organisation=a, category=f.category("a"), seats=6
        ),
        lambda: Quota.objects.create(
            training_class=klass, organisation=b, category=f.category("a"), seats=6
        ),
    )
    assert sorted(r == "ok" for r in results) == [False, True]
    assert any(isinstance(r, IntegrityError) for r in results)
    assert Quota.objects.filter(training_class=klass).aggregate(n=Sum("seats"))["n"] == 6


def test_concurrent_quota_grids_cannot_exceed_capacity():
    klass = f.training_class(capacity=10)
    a, b = f.organisation(), f.organisation()
    cat = f.category("b")
    coordinator = f.user(Role.COORDINATOR)
    results = _race(
        lambda: services.quota_grid_save(
            actor=coordinator, training_class=klass, seats={(a.pk, cat.pk): 7}
        ),
        lambda: services.quota_grid_save(
            actor=coordinator, training_class=klass, seats={(b.pk, cat.pk): 7}
        ),
    )
    assert sorted(r == "ok" for r in results) == [False, True]
    assert Quota.objects.filter(training_class=klass).aggregate(n=Sum("seats"))["n"] == 7
