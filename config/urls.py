from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.staticfiles import finders
from django.db import connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.urls import include, path
from django.views.i18n import set_language

from accounts.forms import LoginForm
from certificates import views as certificate_views
from config import api
from config.health import readyz
from evaluation import answer_views as evaluation_answer_views
from materials import urls as materials_urls


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
    path("readyz", readyz, name="readyz"),  # monitoring: the database and Redis (JSON)
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
    *api.urlpatterns,  # /api/v1 (config/api.py)
    # Public: the only pages besides the login that need no account.
    path("verify/", certificate_views.verify_form, name="certificate-verify-form"),
    path("verify/<str:code>/", certificate_views.verify, name="certificate-verify"),
    # The participant's own evaluation form, opened by their personal link (no login).
    path("p/<str:token>/danh-gia/", evaluation_answer_views.answer, name="evaluation-answer"),
    path("", include("accounts.urls")),
    path("", include("certificates.urls")),
    # The materials pages, and the hand-out API routes of config/api.py in their namespace.
    path("", include((materials_urls.urlpatterns + api.materials_urlpatterns, "materials"))),
    path("", include("evaluation.urls")),
    path("", include("reports.urls")),
    # The participant's own page (/p/<code>/: no login, the personal link is the key).
    path("", include("portal.urls")),
    path("", include("evaluation.report_urls")),  # the evaluation's statistics pages
    path("", include("attendees.urls")),
    path("", include("courses.urls")),
    *api.not_found_urlpatterns,  # last
]
