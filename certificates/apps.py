from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = _("Certificates")

    def ready(self):
        from certificates import receivers, tasks
        from certificates.models import CertificateBatch
        from core.jobs import register_job_task

        receivers.connect()
        # Lost print jobs are queued again without anyone watching (requeue_stale_jobs).
        register_job_task(CertificateBatch, tasks.run_certificate_batch)
