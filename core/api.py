"""What every JSON endpoint under /api/v1 shares, whichever app it belongs to: errors as
JSON (never the HTML pages meant for people) and the schema pieces each app's OpenAPI
fragment is written with. The routes and the assembled document are config/api.py's.
"""

from __future__ import annotations

import json
from functools import wraps

from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _

# Ids are database keys: positive 64-bit integers. A larger number is not an id, and
# the database cannot even compare it (SQLite raises, PostgreSQL's bigint overflows).
MAX_ID = 2**63 - 1


def json_response(body: dict, status: int = 200) -> JsonResponse:
    """Vietnamese as written, not as \\u escapes."""
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def error(message: str, status: int, field: str | None = None) -> JsonResponse:
    body = {"error": message}
    if field:
        body["field"] = field
    return json_response(body, status=status)


def api_view(view):
    """JSON errors instead of HTML pages: 401 without login, 403 for the wrong role, 404
    for an object that does not exist or is not the user's (the same answer for both),
    400 with a Vietnamese message (naming the field) for bad input."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request.user.is_authenticated:
            return error(_("Log in first."), 401)
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as exc:
            return error(str(exc) or _("Not allowed."), 403)
        except Http404 as exc:
            return error(str(exc) or _("There is no such API address."), 404)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                field, errors = next(iter(exc.message_dict.items()))
                return error(errors[0], 400, field)
            return error(exc.messages[0], 400)

    return wrapper


def json_body(request: HttpRequest) -> dict:
    try:
        raw = request.body
    except RequestDataTooBig as exc:
        # Beyond DATA_UPLOAD_MAX_MEMORY_SIZE (Django's answer would be its HTML 400 page);
        # a full batch of scans is a small fraction of it.
        raise ValidationError(_("The request is too large.")) from exc
    try:
        body = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationError(_("The request is not valid JSON.")) from exc
    except RecursionError as exc:
        # json.loads recurses once per level: thousands of nested brackets exhaust the
        # stack. No scan is nested more than two levels deep.
        raise ValidationError(_("The request is nested too deeply.")) from exc
    if not isinstance(body, dict):
        raise ValidationError(_("The request must be a JSON object."))
    return body


# ---------------------------------------------------------------------------- schema pieces

ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
DATE_TIME = {"type": "string", "format": "date-time"}
_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "string"}, "field": {"type": "string"}},
}
ERRORS = {
    "400": {"description": "Bad input", "content": {"application/json": {"schema": _ERROR}}},
    "401": {"description": "Not logged in", "content": {"application/json": {"schema": _ERROR}}},
    "403": {"description": "Wrong role", "content": {"application/json": {"schema": _ERROR}}},
    "404": {
        "description": "No such address, or no such object among the user's",
        "content": {"application/json": {"schema": _ERROR}},
    },
}
