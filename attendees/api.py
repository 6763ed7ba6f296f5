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
from attendees.models import Attendance, Enrollment, ScanResult
from courses.vietnamese import sorted_by_name

MAX_BATCH = 500


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


def _parse_time(value, field: str) -> datetime.datetime:
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None:
        raise ValidationError(
            {field: _("%(field)s must be a date and time in ISO 8601 format.") % {"field": field}}
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


def _device(value) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError({"device": _("The device id is missing.")})
    return value.strip()[:64]


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
    device_time = (
        _parse_time(body["device_time"], "device_time") if body.get("device_time") else None
    )
    parsed = [_parse_scan(s, device) for s in scans]
    outcomes = checkin_record(operator=request.user, scans=parsed, device_time=device_time)
    return JsonResponse(
        {"results": [o.as_json() for o in outcomes]}, json_dumps_params={"ensure_ascii": False}
    )


@require_GET
def openapi(request: HttpRequest) -> JsonResponse:
    return JsonResponse(OPENAPI, json_dumps_params={"ensure_ascii": False})


_RESULTS = [r.value for r in ScanResult]
_STATUSES = ["present", "late", "excused", "absent"]
_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "string"}, "field": {"type": "string"}},
}
_SCAN = {
    "type": "object",
    "required": ["token", "session", "nonce", "scanned_at"],
    "properties": {
        "token": {"type": "string", "minLength": 1, "maxLength": 200},
        "session": {"type": "integer"},
        "nonce": {"type": "string", "format": "uuid"},
        "scanned_at": {"type": "string", "format": "date-time"},
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
            "properties": {"name": {"type": "string"}, "unit": {"type": "string"}},
        },
        "status": {"type": ["string", "null"], "enum": [*_STATUSES, None]},
    },
}
_ERRORS = {
    "400": {"description": "Bad input", "content": {"application/json": {"schema": _ERROR}}},
    "401": {"description": "Not logged in", "content": {"application/json": {"schema": _ERROR}}},
    "403": {"description": "Not your class", "content": {"application/json": {"schema": _ERROR}}},
}
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
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
                ],
                "responses": {
                    "200": {
                        "description": "Roster",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": [
                                        "session",
                                        "participants",
                                        "attendance",
                                        "server_time",
                                    ],
                                }
                            }
                        },
                    },
                    **_ERRORS,
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
                                **_SCAN,
                                "required": [*_SCAN["required"], "device"],
                                "properties": {
                                    **_SCAN["properties"],
                                    "device": {"type": "string", "minLength": 1, "maxLength": 64},
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "200": {
                        "description": "Outcome",
                        "content": {"application/json": {"schema": _OUTCOME}},
                    },
                    **_ERRORS,
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
                                    "device": {"type": "string", "minLength": 1, "maxLength": 64},
                                    "device_time": {"type": "string", "format": "date-time"},
                                    "scans": {
                                        "type": "array",
                                        "maxItems": MAX_BATCH,
                                        "items": _SCAN,
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
                    **_ERRORS,
                },
            }
        },
    },
}
