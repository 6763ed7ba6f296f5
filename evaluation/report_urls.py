"""The evaluation's statistics pages (report_views.py); the Word/PDF reports are in
reports/urls.py (reports draws them with the results report's writers)."""

from django.urls import path

from evaluation import report_views

app_name = "evaluation_stats"

urlpatterns = [
    path(
        "reports/classes/<str:code>/evaluation/",
        report_views.class_statistics,
        name="class",
    ),
    path("reports/evaluation/<int:year>/", report_views.year_statistics, name="year"),
]
