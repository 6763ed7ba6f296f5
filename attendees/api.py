"""The attendance API for the scanner (session login + CSRF, like the pages): the views and
their fragment of the OpenAPI document (OPENAPI_PATHS). config/api.py routes them under
/api/v1 and assembles the document; the offline-scan protocol they speak is
attendees/scanning.py's."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from attendees.checkin import checkin_record, session_for_operator
from attendees.models import Attendance, AttendanceStatus, ScanResult
from attendees.scanning import (
    BATCH_ITEM,
    DEVICE,
    INVALID,
    REFUSAL_PROPERTIES,
    ROSTER_PARTICIPANTS,
    SCAN,
    DeviceClock,
    batch_schema,
    device,
    iso,
    parse_batch,
    parse_scan,
    results_schema,
    roster_participants,
)
from core.api import DATE_TIME, ERRORS, ID, MAX_ID, api_view, json_body, json_response

__all__ = ["MAX_ID", "OPENAPI_PATHS", "checkin", "checkin_batch", "roster"]


@require_GET
@api_view
def roster(request: HttpRequest, pk: int) -> JsonResponse:
    """What an offline scanner needs: the session's window, everyone enrolled with their
    badge code, and the attendance recorded so far."""
    session = session_for_operator(operator=request.user, session_id=pk)
    opens, closes = session.checkin_window()
    attendance = Attendance.objects.filter(session=session)
    return json_response(
        {
            "session": {
                "id": session.pk,
                "class_code": session.training_class.code,
                "class_title": session.training_class.title,
                "topic": session.topic,
                "venue": str(session.venue),
                "start": iso(session.starts_at()),
                "end": iso(session.ends_at()),
                "checkin_opens": iso(opens),
                "checkin_closes": iso(closes),
                "late_after": iso(session.late_after()),
                "closed": session.closed_at is not None,
                # A scan uploaded now would be held for the coordinator, not counted: the
                # scanner says so at once instead of showing "present".
                "scans_held": not session.accepts_scans(received_at=timezone.now()),
            },
            "participants": roster_participants(session.training_class_id),
            "attendance": [
                {
                    "enrollment": a.enrollment_id,
                    "status": a.status,
                    "first_scan_at": iso(a.first_scan_at),
                }
                for a in attendance
            ],
            "server_time": iso(timezone.now()),
        }
    )


@require_POST
@api_view
def checkin(request: HttpRequest) -> JsonResponse:
    """One scan: anything wrong with it is the answer to the request (a 400 naming the
    field, or a 404 for a session that is not the user's)."""
    body = json_body(request)
    scan = parse_scan(body, device=device(body.get("device")))
    (outcome,) = checkin_record(operator=request.user, scans=[scan])
    return json_response(outcome.as_json())


@require_POST
@api_view
def checkin_batch(request: HttpRequest) -> JsonResponse:
    """One answer per scan, in order: a scan that cannot be recorded is refused on its own
    (attendees/scanning.py) and the others are recorded. A session that is not the
    user's is a 404 for the batch (the scanner then sends its scans one by one)."""
    batch = parse_batch(json_body(request))
    outcomes = checkin_record(
        operator=request.user, scans=batch.scans, clock=DeviceClock.at_upload(batch.device_time)
    )
    return json_response({"results": batch.answers(outcomes, participant=None, status=None)})


# ---------------------------------------------------------------------------- OpenAPI

_RESULTS = [*(r.value for r in ScanResult), INVALID]
_STATUSES = [s.value for s in AttendanceStatus]
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
OPENAPI_PATHS = {
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
                "content": {"application/json": {"schema": batch_schema(BATCH_ITEM)}},
            },
            "responses": {
                "200": {
                    "description": "One outcome per scan",
                    "content": {"application/json": {"schema": results_schema(_OUTCOME)}},
                },
                **ERRORS,
            },
        }
    },
}
