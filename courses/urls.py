from django.urls import path

from courses import views

app_name = "courses"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("classes/new/", views.class_create, name="class-create"),
    path("classes/<str:code>/", views.class_detail, name="class-detail"),
    path("classes/<str:code>/edit/", views.class_edit, name="class-edit"),
    path("classes/<str:code>/state/", views.class_change_state, name="class-change-state"),
    path("classes/<str:code>/close/", views.class_close, name="class-close"),
    path("classes/<str:code>/reopen/", views.class_reopen, name="class-reopen"),
    path("classes/<str:code>/quotas/", views.quota_edit, name="quota-edit"),
    path("classes/<str:code>/sessions/new/", views.session_create, name="session-create"),
    path("sessions/<int:pk>/edit/", views.session_edit, name="session-edit"),
    path("sessions/<int:pk>/delete/", views.session_delete, name="session-delete"),
]
