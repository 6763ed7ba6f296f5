"""config/api.py owns /api/v1: every route under it is there, and the OpenAPI document it
assembles from the apps' fragments describes exactly those routes."""

from __future__ import annotations

import re

from django.urls import reverse

from config import api


def _openapi_path(route: str) -> str:
    return "/" + re.sub(r"<int:pk>", "{id}", route)


def test_the_document_describes_exactly_the_routes_config_api_owns():
    routes = {
        _openapi_path(str(p.pattern))
        for p in api.urlpatterns + api.materials_urlpatterns
        if p.name != "api-openapi"
    }
    document = api.openapi_schema()
    # (which paths those are is tests/attendees/test_checkin.py's test_openapi_schema_is_served)
    assert set(document["paths"]) == routes
    assert len(routes) == 6
    assert document["openapi"] == "3.1.0"


def test_the_route_names_still_reverse():
    assert reverse("api-openapi") == "/api/v1/openapi.json"
    assert reverse("api-roster", args=[7]) == "/api/v1/sessions/7/roster"
    assert reverse("api-checkin") == "/api/v1/checkins"
    assert reverse("api-checkin-batch") == "/api/v1/checkins/batch"
    assert reverse("api-person-check") == "/api/v1/people/check"
    assert reverse("materials:handout-roster", args=[3]) == "/api/v1/handouts/3/roster"
    assert reverse("materials:handout-batch", args=[3]) == "/api/v1/handouts/3/batch"
    # Pages of the materials namespace are still there beside them.
    assert reverse("materials:handout-scanner", args=[3]) == "/scan/handout/3/"


def test_no_app_module_imports_another_apps_private_api_names():
    """The hand-out API speaks the scanning protocol through public names only."""
    from pathlib import Path

    from django.conf import settings

    source = (Path(settings.BASE_DIR) / "materials" / "handout_views.py").read_text()
    assert "from attendees.api import" not in source
    assert not re.search(r"import .*\b_\w+", source)
