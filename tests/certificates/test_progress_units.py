"""Progress in the unit the coordinator thinks in (issue 15, item 9): a print job takes
three steps per certificate (issue, draw, zip); its counter says certificates."""

from __future__ import annotations

from django.urls import reverse

from certificates import services
from certificates.models import CertificateBatch
from core.jobs import JobState


def test_the_counter_is_in_certificates_not_steps(world, held):
    # The reported run: 77 certificates, 231 steps, 60 of them done.
    batch = CertificateBatch.objects.create(
        training_class=held.klass, state=JobState.RUNNING, total=231, done=60, certificates=77
    )
    assert batch.certificates_done == 20
    assert batch.counter() == "20/77 giấy chứng nhận"
    batch.done = 231
    assert batch.counter() == "77/77 giấy chứng nhận"


def test_a_run_counts_certificates_from_its_start_to_the_page(client, world, held):
    batch = CertificateBatch.objects.create(
        training_class=held.klass, requested_by=world.coordinator
    )
    seen = []

    def watch(done: int, total: int) -> None:
        row = CertificateBatch.objects.get(pk=batch.pk)
        seen.append((row.total, row.certificates, row.counter()))

    services.batch_run(batch, on_progress=watch)
    batch.refresh_from_db()
    assert batch.state == JobState.DONE and batch.certificates == 2
    steps = batch.total
    assert steps == 3 * 2
    # From the first step on, the job knows how many certificates it is making.
    assert seen and {certificates for _steps, certificates, _label in seen} == {2}
    assert all(label.endswith("/2 giấy chứng nhận") for *_rest, label in seen)
    client.force_login(world.coordinator)
    status = client.get(reverse("certificates:batch-status", args=[batch.pk])).json()
    assert status["counter"] == "2/2 giấy chứng nhận"
    page = client.get(reverse("certificates:class", args=[held.klass.code])).content.decode()
    assert '<span data-batch="counter">2/2 giấy chứng nhận</span>' in page
    assert f"{steps}/{steps}" not in page
