"""Two clerks issuing at once: numbers stay unique and gap-free, and one enrollment never
gets two valid certificates. Run on PostgreSQL (`.ci/run` does); SQLite serialises all
writers, so there is no race to lose."""

import threading

import pytest
from django.db import connection, connections

from certificates import services
from certificates.models import Certificate, RegisterSeries
from tests import factories as f

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")


def _together(jobs):
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(i, job):
        try:
            barrier.wait(timeout=10)
            results[i] = job()
        except Exception as exc:
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_concurrent_issuing_gives_unique_gap_free_numbers(held, world):
    more = [f.enrollment(held.klass, world.unit_a) for _ in range(6)]
    for e in more:  # full attendance for the newcomers
        for s in held.sessions:
            e.attendances.create(session=s, status="present", first_scan_at=s.closed_at)
    people = [held.full, held.four, *more]

    results = _together(
        [
            lambda e=e: services.certificate_issue(actor=world.coordinator, enrollment=e)
            for e in people
        ]
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    numbers = sorted(Certificate.objects.values_list("number", flat=True))
    assert numbers == list(range(1, len(people) + 1))
    assert RegisterSeries.objects.get().last_number == len(people)
    assert len(set(Certificate.objects.values_list("register_number", flat=True))) == len(people)


def test_concurrent_issuing_for_one_person_gives_one_certificate(held, world):
    results = _together(
        [
            lambda: services.certificate_issue(actor=world.coordinator, enrollment=held.full)
            for _ in range(4)
        ]
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(created for _cert, created in results) == [False, False, False, True]
    assert Certificate.objects.filter(enrollment=held.full).count() == 1
    assert RegisterSeries.objects.get().last_number == 1
