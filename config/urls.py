from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.staticfiles import finders
from django.db import connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.urls import include, path, re_path
from django.views.i18n import set_language

from accounts.forms import LoginForm
from attendees import api, person_api
from certificates import views as certificate_views


def healthz(request: HttpRequest) -> HttpResponse:
    """For load balancers and monitoring: 200 when this process can reach the database.
    No login, no session, no personal data; a database error gives a 500, which takes
    the server out of rotation."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


def favicon(request: HttpRequest) -> FileResponse:
    """Browsers ask for /favicon.ico whatever the page links (bookmarks, tabs of a PDF or
    a JSON answer): the static icon itself, not a 404 in every log. (Its caching is the
    middleware's, as for every response to a logged-in user.)"""
    path = finders.find("img/favicon.ico")
    if path is None:
        raise Http404
    return FileResponse(open(path, "rb"), content_type="image/x-icon")


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            authentication_form=LoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("api/v1/openapi.json", api.openapi, name="api-openapi"),
    path("api/v1/sessions/<int:pk>/roster", api.roster, name="api-roster"),
    path("api/v1/checkins", api.checkin, name="api-checkin"),
    path("api/v1/checkins/batch", api.checkin_batch, name="api-checkin-batch"),
    path("api/v1/people/check", person_api.person_check, name="api-person-check"),
    # Public: the only pages besides the login that need no account.
    path("verify/", certificate_views.verify_form, name="certificate-verify-form"),
    path("verify/<str:code>/", certificate_views.verify, name="certificate-verify"),
    path("", include("accounts.urls")),
    path("", include("certificates.urls")),
    path("", include("materials.urls")),
    path("", include("reports.urls")),
    path("", include("attendees.urls")),
    path("", include("courses.urls")),
    # Last: whatever no route above matched under /api/ gets a JSON 404. [\s\S], not
    # <path:> or ".", because those stop at a newline ("/api/v1/%0A" fell through to the
    # HTML 404 page).
    re_path(r"^api/(?P<rest>[\s\S]*)\Z", api.not_found, name="api-not-found"),
]
