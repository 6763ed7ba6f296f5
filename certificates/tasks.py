"""Background work of the certificates app (Django's Tasks API; the database backend by
default, run by `manage.py db_worker`)."""

from __future__ import annotations

from django_tasks import task

from certificates.models import CertificateBatch


@task()
def run_certificate_batch(batch_id: int) -> int:
    """Issue and draw a class's certificates; returns how many are in the files."""
    from certificates.services import batch_run

    batch = CertificateBatch.objects.select_related("training_class", "requested_by").get(
        pk=batch_id
    )
    return batch_run(batch).certificates
