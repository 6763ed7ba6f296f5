from django.urls import path

from portal import views

app_name = "portal"

# Short Vietnamese paths under /p/: the personal link is printed as a QR code and now and
# then typed from the letter.
urlpatterns = [
    path("p/<str:token>/", views.page, name="page"),
    path("p/<str:token>/lich.ics", views.calendar, name="calendar"),
    path("p/<str:token>/tai-lieu/<int:pk>/", views.material_file, name="file"),
    path("p/<str:token>/chung-nhan.pdf", views.certificate, name="certificate"),
    # The coordinator's side, beside the person's other enrollment actions.
    path("enrollments/<int:pk>/personal-link/", views.link, name="link"),
    path("enrollments/<int:pk>/personal-link/reissue/", views.link_reissue, name="link-reissue"),
    path("enrollments/<int:pk>/personal-link/revoke/", views.link_revoke, name="link-revoke"),
]
