"""The /api/v1 of the site, in one place: every route under it and the OpenAPI document
served at /api/v1/openapi.json, assembled from each app's fragment (the views and the
paths they describe stay beside each other in the app: attendees/api.py,
attendees/person_api.py, materials/handout_views.py). The offline-scan protocol those
speak is attendees/scanning.py; the JSON errors and schema pieces are core/api.py.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import path, re_path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from attendees import api as attendance_api
from attendees import person_api
from core.api import error, json_response
from materials import handout_views

# Each app's paths of the document, in the order they are listed.
FRAGMENTS = (attendance_api.OPENAPI_PATHS, handout_views.OPENAPI_PATHS, person_api.OPENAPI_PATHS)

OPENAPI = {
    "openapi": "3.1.0",
    "info": {"title": "Training course management — attendance API", "version": "1"},
    "servers": [{"url": "/"}],
    "components": {
        "securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": "sessionid"}},
    },
    "security": [{"session": []}],
}


def openapi_schema() -> dict:
    paths: dict = {}
    for fragment in FRAGMENTS:
        if paths.keys() & fragment.keys():
            raise ValueError(f"Two apps describe {sorted(paths.keys() & fragment.keys())}")
        paths.update(fragment)
    return {**OPENAPI, "paths": paths}


@require_GET
def openapi(request: HttpRequest) -> JsonResponse:
    return json_response(openapi_schema())


def not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    """Any other address under /api/ (an id that is not a number, a typo): a JSON 404 like
    the API's other errors, not the HTML page meant for people."""
    return error(_("There is no such API address."), 404)


# The routes, by the URL namespace their names are reversed in (None: no namespace).
# The hand-out ones keep the materials: namespace their pages and templates use.
urlpatterns = [
    path("api/v1/openapi.json", openapi, name="api-openapi"),
    path("api/v1/sessions/<int:pk>/roster", attendance_api.roster, name="api-roster"),
    path("api/v1/checkins", attendance_api.checkin, name="api-checkin"),
    path("api/v1/checkins/batch", attendance_api.checkin_batch, name="api-checkin-batch"),
    path("api/v1/people/check", person_api.person_check, name="api-person-check"),
]
materials_urlpatterns = [
    path("api/v1/handouts/<int:pk>/roster", handout_views.roster, name="handout-roster"),
    path("api/v1/handouts/<int:pk>/batch", handout_views.batch, name="handout-batch"),
]
# Last in the site's list: whatever no route matched under /api/ gets a JSON 404.
# [\s\S], not <path:> or ".", because those stop at a newline ("/api/v1/%0A" fell through
# to the HTML 404 page).
not_found_urlpatterns = [
    re_path(r"^api/(?P<rest>[\s\S]*)\Z", not_found, name="api-not-found"),
]
