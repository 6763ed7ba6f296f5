"""JSON API for the scanner (session login + CSRF, like the pages). Schema:
/api/v1/openapi.json, kept beside the views it describes."""

from __future__ import annotations

import datetime
import json
import uuid
from functools import wraps

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from attendees.checkin import Scan, checkin_record, session_for_operator
from attendees.models import Attendance, AttendanceStatus, Enrollment, ScanResult
from courses.vietnamese import sorted_by_name

MAX_BATCH = 500
# Ids are database keys: positive 64-bit integers. A larger number is not an id, and
# the database cannot even compare it (SQLite raises, PostgreSQL's bigint overflows).
MAX_ID = 2**63 - 1


def _error(message: str, status: int, field: str | None = None) -> JsonResponse:
    body = {"error": message}
    if field:
        body["field"] = field
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def api_view(view):
    """JSON errors instead of HTML pages: 401 without login, 403 for the wrong role,
    400 with a Vietnamese message (naming the field) for bad input."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request.user.is_authenticated:
            return _error(_("Log in first."), 401)
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as exc:
            return _error(str(exc) or _("Not allowed."), 403)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                field, errors = next(iter(exc.message_dict.items()))
                return _error(errors[0], 400, field)
            return _error(exc.messages[0], 400)

    return wrapper


def _json_body(request: HttpRequest) -> dict:
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationError(_("The request is not valid JSON.")) from exc
    if not isinstance(body, dict):
        raise ValidationError(_("The request must be a JSON object."))
    return body


def _iso(value: datetime.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


_PLAUSIBLE_YEARS = (1900, 2999)


def _parse_time(value, field: str) -> datetime.datetime:
    try:
        parsed = parse_datetime(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None  # well-formed but impossible: "2024-02-30", minute 60
    if parsed is None:
        raise ValidationError(
            {field: _("%(field)s must be a date and time in ISO 8601 format.") % {"field": field}}
        )
    if not _PLAUSIBLE_YEARS[0] <= parsed.year <= _PLAUSIBLE_YEARS[1]:
        # A phone whose clock was reset says 1970 or 1980, and that is corrected by its
        # skew; year 1 or 9999 is garbage, and the correction would overflow (a 500).
        raise ValidationError(
            {field: _("%(field)s is not a plausible date and time.") % {"field": field}}
        )
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _parse_scan(data, device: str) -> Scan:
    if not isinstance(data, dict):
        raise ValidationError(_("Each scan must be a JSON object."))
    token = data.get("token")
    if not isinstance(token, str) or not token.strip():
        raise ValidationError({"token": _("The scanned code is missing.")})
    session = data.get("session")
    if not isinstance(session, int) or isinstance(session, bool):
        raise ValidationError({"session": _("The session must be a number.")})
    if not 1 <= session <= MAX_ID:
        # Not an id at all; the database could not even compare it (an overflow, a 500).
        raise ValidationError({"session": _("There is no session %(id)s.") % {"id": session}})
    try:
        nonce = uuid.UUID(str(data.get("nonce")))
    except ValueError as exc:
        raise ValidationError({"nonce": _("The nonce must be a UUID.")}) from exc
    return Scan(
        token=token[:200],
        session_id=session,
        nonce=nonce,
        scanned_at=_parse_time(data.get("scanned_at"), "scanned_at"),
        device=device,
    )


MAX_DEVICE = 64  # ScanEvent.device; the scanner sends a UUID


def _device(value) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError({"device": _("The device id is missing.")})
    # Refused rather than cut: two devices whose ids share a prefix must not merge.
    if len(value.strip()) > MAX_DEVICE:
        raise ValidationError(
            {"device": _("The device id is longer than %(n)s characters.") % {"n": MAX_DEVICE}}
        )
    return value.strip()


def _device_time(body: dict) -> datetime.datetime | None:
    """The device's clock at upload, if sent. Sent but empty or malformed is an error,
    not "absent": the clock-skew correction must not be skipped silently."""
    if "device_time" not in body:
        return None
    return _parse_time(body["device_time"], "device_time")


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
    body = _json_body(request)
    scan = _parse_scan(body, _device(body.get("device")))
    (outcome,) = checkin_record(operator=request.user, scans=[scan])
    return JsonResponse(outcome.as_json(), json_dumps_params={"ensure_ascii": False})


@require_POST
@api_view
def checkin_batch(request: HttpRequest) -> JsonResponse:
    body = _json_body(request)
    device = _device(body.get("device"))
    scans = body.get("scans")
    if not isinstance(scans, list):
        raise ValidationError({"scans": _("“scans” must be a list.")})
    if len(scans) > MAX_BATCH:
        raise ValidationError({"scans": _("At most %(n)s scans per batch.") % {"n": MAX_BATCH}})
    device_time = _device_time(body)
    parsed = [_parse_scan(s, device) for s in scans]
    outcomes = checkin_record(operator=request.user, scans=parsed, device_time=device_time)
    return JsonResponse(
        {"results": [o.as_json() for o in outcomes]}, json_dumps_params={"ensure_ascii": False}
    )


def not_found(request: HttpRequest, rest: str) -> JsonResponse:
    """Any other address under /api/ (an id that is not a number, a typo): a JSON 404 like
    the API's other errors, not the HTML page meant for people."""
    return _error(_("There is no such API address."), 404)


@require_GET
def openapi(request: HttpRequest) -> JsonResponse:
    return JsonResponse(openapi_schema(), json_dumps_params={"ensure_ascii": False})


def openapi_schema() -> dict:
    """The attendance paths below and the hand-out paths kept beside their views
    (materials/handout_views.py imports this module, so it is read here, not at import)."""
    from materials.handout_views import OPENAPI_PATHS as handout_paths

    return {**OPENAPI, "paths": {**OPENAPI["paths"], **handout_paths}}


ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
DATE_TIME = {"type": "string", "format": "date-time"}
_RESULTS = [r.value for r in ScanResult]
_STATUSES = [s.value for s in AttendanceStatus]
_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "string"}, "field": {"type": "string"}},
}
SCAN = {
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
_OUTCOME = {
    "type": "object",
    "required": ["nonce", "result", "participant", "status"],
    "properties": {
        "nonce": {"type": "string", "format": "uuid"},
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
    "403": {"description": "Not your class", "content": {"application/json": {"schema": _ERROR}}},
    "404": {
        "description": "No such address (an id that is not a number)",
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
                                        "items": SCAN,
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
