from django.urls import path

from attendees import assessment_views, attendance_views, people_views, views

app_name = "attendees"

urlpatterns = [
    path("nominations/", views.home, name="home"),
    path("nominations/review/", views.review, name="review"),
    path("nominations/template.xlsx", views.import_template, name="import-template"),
    path("nominations/<int:pk>/withdraw/", views.nomination_withdraw, name="nomination-withdraw"),
    path(
        "nominations/<int:pk>/substitute/",
        views.nomination_substitute,
        name="nomination-substitute",
    ),
    path("nominations/imports/<int:pk>/", views.import_preview, name="import-preview"),
    path("classes/<str:code>/nominations/", views.unit_nominations, name="unit-nominations"),
    path(
        "classes/<str:code>/nominations.<str:fmt>",
        people_views.unit_nominations_export,
        name="unit-nominations-export",
    ),
    path("classes/<str:code>/nominations/new/", views.nomination_add, name="nomination-add"),
    path("classes/<str:code>/nominations/submit/", views.unit_submit, name="unit-submit"),
    path("classes/<str:code>/nominations/import/", views.import_upload, name="import-upload"),
    path("classes/<str:code>/composition/", views.composition, name="composition"),
    path("classes/<str:code>/enrollments/", people_views.enrollment_list, name="enrollments"),
    path(
        "classes/<str:code>/enrollments.<str:fmt>",
        people_views.enrollment_export,
        name="enrollments-export",
    ),
    path("people/", people_views.people, name="people"),
    path("scan/", attendance_views.session_picker, name="session-picker"),
    path("scan/sw.js", attendance_views.scanner_service_worker, name="scanner-sw"),
    path("scan/manifest.webmanifest", attendance_views.scanner_manifest, name="scanner-manifest"),
    path("scan/<int:pk>/", attendance_views.scanner, name="scanner"),
    path(
        "sessions/<int:pk>/attendance/", attendance_views.attendance_panel, name="attendance-panel"
    ),
    path(
        "sessions/<int:pk>/attendance/correct/",
        attendance_views.attendance_correct,
        name="attendance-correct",
    ),
    path(
        "sessions/<int:pk>/scans/<int:scan>/review/",
        attendance_views.held_scan_review,
        name="held-scan-review",
    ),
    path("sessions/<int:pk>/close/", attendance_views.session_close, name="session-close"),
    path("sessions/<int:pk>/reopen/", attendance_views.session_reopen, name="session-reopen"),
    path("classes/<str:code>/assessment/", assessment_views.class_assessment, name="assessment"),
    path("classes/<str:code>/badges.pdf", attendance_views.class_badges, name="class-badges"),
    path("enrollments/<int:pk>/reissue/", attendance_views.badge_reissue, name="badge-reissue"),
    path(
        "people/possible-duplicates/",
        people_views.possible_duplicates,
        name="possible-duplicates",
    ),
    path(
        "people/possible-duplicates/<int:pk>/",
        people_views.possible_duplicate_decide,
        name="possible-duplicate-decide",
    ),
    path("people/<int:pk>/", people_views.person_detail, name="person-detail"),
    path("people/<int:pk>/edit/", people_views.person_edit, name="person-edit"),
    path("people/<int:pk>/export/", people_views.person_export, name="person-export"),
    path("people/<int:pk>/erase/", people_views.person_erase, name="person-erase"),
]
