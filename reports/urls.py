from django.urls import path

from reports import evaluation_views, payment_views, results_views, views

app_name = "reports"

urlpatterns = [
    # Attendance reports and the dashboard: views.py
    path("reports/", views.dashboard, name="dashboard"),
    path("reports/classes/<str:code>/", views.class_report, name="class"),
    path(
        "reports/classes/<str:code>/attendance.<str:fmt>", views.class_export, name="class-export"
    ),
    path("reports/year/<int:year>/export/", views.year_export_start, name="year-export"),
    path("reports/jobs/<int:pk>/status/", views.job_status, name="job-status"),
    path("reports/jobs/<int:pk>/file/", views.job_file, name="job-file"),
    # Payment lists: payment_views.py
    path("reports/classes/<str:code>/payments/", payment_views.payments, name="payments"),
    path(
        "reports/classes/<str:code>/payments.<str:fmt>",
        payment_views.payments_export,
        name="payments-export",
    ),
    # The results report for the province: results_views.py
    path("reports/results/", results_views.results, name="results"),
    path(
        "reports/results/<int:year>.<str:fmt>", results_views.results_export, name="results-export"
    ),
    # The evaluation report (Word/PDF): evaluation_views.py; its statistics pages are
    # evaluation/report_urls.py.
    path(
        "reports/classes/<str:code>/evaluation.<str:fmt>",
        evaluation_views.class_export,
        name="evaluation-class-export",
    ),
    path(
        "reports/evaluation/<int:year>.<str:fmt>",
        evaluation_views.year_export,
        name="evaluation-year-export",
    ),
]
