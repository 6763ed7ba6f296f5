"""Background work of the certificates app (Django's Tasks API; the database backend by
default, run by `manage.py db_worker`). Queueing lives here: the services record the
print job and never import this module."""

from __future__ import annotations

from django.db import transaction
from django_tasks import task

from accounts.models import User
from certificates import services
from certificates.models import CertificateBatch
from core.jobs import enqueue_job
from courses.models import TrainingClass


@task()
def run_certificate_batch(batch_id: int) -> int:
    """Issue and draw a class's certificates; returns how many are in the files. A job
    that is already finished, or held by a live worker, is left alone (see batch_run)."""
    batch = CertificateBatch.objects.select_related("training_class", "requested_by").get(
        pk=batch_id
    )
    return services.batch_run(batch).certificates


def batch_start(*, actor: User, training_class: TrainingClass) -> CertificateBatch:
    """Start an "issue and print" job for the class: the one still moving if there is
    one, else a new job (see :func:`certificates.services.batch_open`), queued for the
    worker once it is saved (a queue that is down fails the job with a message:
    core.jobs.enqueue_job). Refused (ValidationError) when attendance is not final."""
    with transaction.atomic():
        batch, created = services.batch_open(actor=actor, training_class=training_class)
        if created:
            transaction.on_commit(lambda: enqueue_job(batch, run_certificate_batch))
    return batch


def batch_resume(batch: CertificateBatch) -> CertificateBatch:
    """Queue a job again, as the same job, whose worker was killed (the status poll calls
    this while someone watches the progress bar); a live job is returned as it is.
    :func:`certificates.services.batch_run` is resumable: the new task carries on where
    the dead one stopped."""
    return batch.requeue_if_lost(run_certificate_batch)
