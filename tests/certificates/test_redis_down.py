"""With Redis down: "issue and print" says the queue is not working (no 500, the job is
failed, not left queued), and the public verify page still answers (its rate limit counts
in the database, not in the cache)."""

import pytest
from django.test import override_settings
from django.urls import reverse

from certificates import services
from certificates.models import CertificateBatch
from core.jobs import JobState

DOWN = "redis://127.0.0.1:1/0"  # a closed port: the connection is refused at once
RQ_DOWN = {
    "TASKS": {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}},
    "RQ_QUEUES": {"default": {"URL": DOWN}},
    "RQ": {"JOB_CLASS": "django_tasks_rq.Job"},
}
CACHE_DOWN = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": DOWN}
}
MESSAGE_VI = "Hàng đợi công việc không hoạt động"

# Committed for real: the job is queued (or not) when its row commits, inside the request.
pytestmark = pytest.mark.django_db(transaction=True)


def test_batch_start_with_the_queue_down_fails_the_job_with_a_message(client, world, held):
    client.force_login(world.coordinator)
    client.raise_request_exception = False
    with override_settings(**RQ_DOWN):
        response = client.post(
            reverse("certificates:batch-start", args=[held.klass.code]), follow=True
        )
    assert response.status_code == 200
    batch = CertificateBatch.objects.get()
    assert batch.state == JobState.FAILED and batch.error.startswith(MESSAGE_VI)
    assert batch.certificates == 0
    assert MESSAGE_VI in response.content.decode()
    # Not "still moving": pressing again (with the queue back) starts a new job.
    assert not batch.is_active


def test_verify_answers_with_the_cache_down(client, world, held):
    cert, _ = services.certificate_issue(actor=world.coordinator, enrollment=held.full)
    client.raise_request_exception = False
    with override_settings(CACHES=CACHE_DOWN, **RQ_DOWN):
        response = client.get(reverse("certificate-verify", args=[cert.code]))
        form = client.get(reverse("certificate-verify-form"))
    assert response.status_code == 200
    assert cert.register_number in response.content.decode()
    assert form.status_code == 200
