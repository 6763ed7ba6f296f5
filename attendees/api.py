"""JSON API for the scanner (session login + CSRF, like the pages). Schema:
/api/v1/openapi.json, kept beside the views it describes."""

from __future__ import annotations

import datetime
from functools import wraps

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from attendees.api_input import (
    INVALID,
    MAX_BATCH,
    MAX_DEVICE,
    MAX_ID,
    ItemRefusal,
    device,
    json_body,
    parse_batch,
    parse_scan,
)
from attendees.checkin import checkin_record, session_for_operator
from attendees.models import Attendance, AttendanceStatus, Enrollment, ScanResult
from courses.vietnamese import sorted_by_name


def _error(message: str, status: int, field: str | None = None) -> JsonResponse:
    body = {"error": message}
    if field:
        body["field"] = field
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def api_view(view):
    """JSON errors instead of HTML pages: 401 without login, 403 for the wrong role, 404
    for an object that does not exist or is not the user's (the same answer for both),
    400 with a Vietnamese message (naming the field) for bad input."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request.user.is_authenticated:
            return _error(_("Log in first."), 401)
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as exc:
            return _error(str(exc) or _("Not allowed."), 403)
        except Http404 as exc:
            return _error(str(exc) or _("There is no such API address."), 404)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                field, errors = next(iter(exc.message_dict.items()))
                return _error(errors[0], 400, field)
            return _error(exc.messages[0], 400)

    return wrapper


def _iso(value: datetime.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


@require_GET
@api_view
def roster(request: HttpRequest, pk: int) -> JsonResponse:
    """What an offline scanner needs: the session's window, everyone enrolled with their
    badge code, and the attendance recorded so far."""
    session = session_for_operator(operator=request.user, session_id=pk)
    opens, closes = session.checkin_window()
    enrollments = sorted_by_name(
        Enrollment.objects.filter(training_class_id=session.training_class_id).select_related(
            "participant", "organisation", "category"
        ),
        name=lambda e: e.participant.full_name,
        born=lambda e: e.participant.date_of_birth,
    )
    attendance = Attendance.objects.filter(session=session)
    return JsonResponse(
        {
            "session": {
                "id": session.pk,
                "class_code": session.training_class.code,
                "class_title": session.training_class.title,
                "topic": session.topic,
                "venue": str(session.venue),
                "start": _iso(session.starts_at()),
                "end": _iso(session.ends_at()),
                "checkin_opens": _iso(opens),
                "checkin_closes": _iso(closes),
                "late_after": _iso(session.late_after()),
                "closed": session.closed_at is not None,
                # A scan uploaded now would be held for the coordinator, not counted: the
                # scanner says so at once instead of showing "present".
                "scans_held": not session.accepts_scans(received_at=timezone.now()),
            },
            "participants": [
                {
                    "token": e.badge_token,
                    "enrollment": e.pk,
                    "name": e.participant.full_name,
                    "unit": e.organisation.name,
                    "category": e.category.code,
                }
                for e in enrollments
            ],
            "attendance": [
                {
                    "enrollment": a.enrollment_id,
                    "status": a.status,
                    "first_scan_at": _iso(a.first_scan_at),
                }
                for a in attendance
            ],
            "server_time": _iso(timezone.now()),
        },
        json_dumps_params={"ensure_ascii": False},
    )


@require_POST
@api_view
def checkin(request: HttpRequest) -> JsonResponse:
    """One scan: anything wrong with it is the answer to the request (a 400 naming the
    field, or a 404 for a session that is not the user's)."""
    body = json_body(request)
    scan = parse_scan(body, device=device(body.get("device")))
    (outcome,) = checkin_record(operator=request.user, scans=[scan])
    return JsonResponse(outcome.as_json(), json_dumps_params={"ensure_ascii": False})


@require_POST
@api_view
def checkin_batch(request: HttpRequest) -> JsonResponse:
    """One answer per scan, in order: a scan that cannot be recorded is refused on its own
    (attendees/api_input.py) and the others are recorded. A session that is not the
    user's is a 404 for the batch (the scanner then sends its scans one by one)."""
    batch = parse_batch(json_body(request))
    recorded = iter(
        checkin_record(operator=request.user, scans=batch.scans, device_time=batch.device_time)
    )
    results = [
        item.as_json(participant=None, status=None)
        if isinstance(item, ItemRefusal)
        else next(recorded).as_json()
        for item in batch.items
    ]
    return JsonResponse({"results": results}, json_dumps_params={"ensure_ascii": False})


def not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    """Any other address under /api/ (an id that is not a number, a typo): a JSON 404 like
    the API's other errors, not the HTML page meant for people."""
    return _error(_("There is no such API address."), 404)


@require_GET
def openapi(request: HttpRequest) -> JsonResponse:
    return JsonResponse(openapi_schema(), json_dumps_params={"ensure_ascii": False})


def openapi_schema() -> dict:
    """The attendance paths below and the hand-out paths kept beside their views
    (materials/handout_views.py imports this module, so it is read here, not at import)."""
    from attendees.person_api import OPENAPI_PATHS as person_paths
    from materials.handout_views import OPENAPI_PATHS as handout_paths

    return {**OPENAPI, "paths": {**OPENAPI["paths"], **handout_paths, **person_paths}}


ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
DATE_TIME = {"type": "string", "format": "date-time"}
_RESULTS = [*(r.value for r in ScanResult), INVALID]
_STATUSES = [s.value for s in AttendanceStatus]
_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "string"}, "field": {"type": "string"}},
}
SCAN = {
    "title": "Scan",
    "type": "object",
    "required": ["token", "session", "nonce", "scanned_at"],
    "properties": {
        # Any code the camera read: a foreign QR code is an unknown badge, not bad input
        # (a refused batch would block the device's queue), so there is no maxLength.
        "token": {"type": "string", "minLength": 1, "pattern": r"\S"},
        "session": ID,
        "nonce": {"type": "string", "format": "uuid"},
        "scanned_at": DATE_TIME,
    },
}
# A scan of a batch that cannot be recorded gets result "invalid" with the field and a
# Vietnamese reason; its nonce is null if it had none that could be read.
REFUSAL_PROPERTIES = {"field": {"type": "string"}, "reason": {"type": "string"}}
BATCH_ITEM = {
    "description": "A scan (Scan). Anything else is answered in its place with result "
    "“invalid”, the field and the reason; the batch's other scans are recorded.",
    "anyOf": [SCAN, {}],
}
_OUTCOME = {
    "type": "object",
    "required": ["nonce", "result", "participant", "status"],
    "properties": {
        **REFUSAL_PROPERTIES,
        "nonce": {"type": ["string", "null"], "format": "uuid"},
        "result": {"type": "string", "enum": _RESULTS},
        "participant": {
            "type": ["object", "null"],
            "required": ["name", "unit"],
            "properties": {"name": {"type": "string"}, "unit": {"type": "string"}},
        },
        "status": {"type": ["string", "null"], "enum": [*_STATUSES, None]},
    },
}
ROSTER_PARTICIPANTS = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["token", "enrollment", "name", "unit", "category"],
        "properties": {
            "token": {"type": "string"},
            "enrollment": ID,
            "name": {"type": "string"},
            "unit": {"type": "string"},
            "category": {"type": "string"},
        },
    },
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
_ROSTER = {
    "type": "object",
    "required": ["session", "participants", "attendance", "server_time"],
    "properties": {
        "session": {
            "type": "object",
            "required": [
                "id",
                "class_code",
                "class_title",
                "topic",
                "venue",
                "start",
                "end",
                "checkin_opens",
                "checkin_closes",
                "late_after",
                "closed",
                "scans_held",
            ],
            "properties": {
                "id": ID,
                "class_code": {"type": "string"},
                "class_title": {"type": "string"},
                "topic": {"type": "string"},
                "venue": {"type": "string"},
                "start": DATE_TIME,
                "end": DATE_TIME,
                "checkin_opens": DATE_TIME,
                "checkin_closes": DATE_TIME,
                "late_after": DATE_TIME,
                "closed": {"type": "boolean"},
                "scans_held": {"type": "boolean"},
            },
        },
        "participants": ROSTER_PARTICIPANTS,
        "attendance": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["enrollment", "status", "first_scan_at"],
                "properties": {
                    "enrollment": ID,
                    "status": {"type": "string", "enum": _STATUSES},
                    "first_scan_at": {**DATE_TIME, "type": ["string", "null"]},
                },
            },
        },
        "server_time": DATE_TIME,
    },
}
DEVICE = {"type": "string", "minLength": 1, "maxLength": MAX_DEVICE, "pattern": r"\S"}
OPENAPI = {
    "openapi": "3.1.0",
    "info": {"title": "Training course management — attendance API", "version": "1"},
    "servers": [{"url": "/"}],
    "components": {
        "securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": "sessionid"}},
    },
    "security": [{"session": []}],
    "paths": {
        "/api/v1/sessions/{id}/roster": {
            "get": {
                "summary": "Everything an offline scanner needs for one session",
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": ID}],
                "responses": {
                    "200": {
                        "description": "Roster",
                        "content": {"application/json": {"schema": _ROSTER}},
                    },
                    **ERRORS,
                },
            }
        },
        "/api/v1/checkins": {
            "post": {
                "summary": "Record one scan (idempotent by nonce)",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                **SCAN,
                                "required": [*SCAN["required"], "device"],
                                "properties": {**SCAN["properties"], "device": DEVICE},
                            }
                        }
                    },
                },
                "responses": {
                    "200": {
                        "description": "Outcome",
                        "content": {"application/json": {"schema": _OUTCOME}},
                    },
                    **ERRORS,
                },
            }
        },
        "/api/v1/checkins/batch": {
            "post": {
                "summary": "Upload queued scans from one device (idempotent by nonce)",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["device", "scans"],
                                "properties": {
                                    "device": DEVICE,
                                    "device_time": DATE_TIME,
                                    "scans": {
                                        "type": "array",
                                        "maxItems": MAX_BATCH,
                                        "items": BATCH_ITEM,
                                    },
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "200": {
                        "description": "One outcome per scan",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["results"],
                                    "properties": {"results": {"type": "array", "items": _OUTCOME}},
                                }
                            }
                        },
                    },
                    **ERRORS,
                },
            }
        },
    },
}
