from django.urls import path

from certificates import views

app_name = "certificates"

urlpatterns = [
    path("classes/<str:code>/certificates/", views.class_certificates, name="class"),
    path("classes/<str:code>/certificates/settings/", views.settings_edit, name="settings"),
    path("classes/<str:code>/certificates/print/", views.batch_start, name="batch-start"),
    path(
        "classes/<str:code>/certificates/issue/<int:enrollment_pk>/",
        views.issue_one,
        name="issue-one",
    ),
    path("certificates/jobs/<int:pk>/status/", views.batch_status, name="batch-status"),
    path("certificates/jobs/<int:pk>/<str:kind>/", views.batch_file, name="batch-file"),
    path("certificates/<int:pk>.pdf", views.certificate_pdf, name="pdf"),
    path("certificates/<int:pk>/revoke/", views.revoke, name="revoke"),
    path("certificates/<int:pk>/reissue/", views.reissue, name="reissue"),
    # The invitation letter is numbered from the organiser's register (its paths predate
    # the move from attendees and are kept for bookmarks).
    path("enrollments/<int:pk>/invitation.pdf", views.invitation, name="invitation"),
    path(
        "enrollments/<int:pk>/invitation/issue/",
        views.invitation_issue,
        name="invitation-issue",
    ),
]
