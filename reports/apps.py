from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        # The landing page's panels that read across the apps (courses/home.py).
        from core.jobs import register_job_task
        from courses.home import register
        from reports import home, tasks
        from reports.models import ReportJob

        # Lost exports are queued again without anyone watching (requeue_stale_jobs).
        register_job_task(ReportJob, tasks.run_report_job)

        register("coordinator", home.coordinator_home)
        register("viewer", home.viewer_home)
        register("latest_year_with_data", home.latest_year_with_data)
