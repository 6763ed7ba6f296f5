"""Hand-out by badge scan: the attendance scanner in "hand-out" mode.

A trainer at the door of the hall gives each participant a printed copy and scans their
badge. The page is the attendance scanner (static/js/scanner.js) with another mode: the
same offline rules (each scan queued in IndexedDB before the trainer sees the result,
uploaded later, idempotent by its nonce, decided on the device against a saved roster).
The JSON API reuses the attendance API's error handling and parsing (attendees/api.py):
401 without login, 403 for the wrong person, 400 with a Vietnamese message naming the field.
"""

from __future__ import annotations

import datetime
import uuid

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from attendees import api as api_schema
from attendees.api import MAX_BATCH, _device, _device_time, _iso, _json_body, _parse_time, api_view
from attendees.checkin import MAX_CLOCK_SKEW
from attendees.models import Enrollment
from courses.models import TrainingClass
from courses.vietnamese import sorted_by_name
from materials.models import ClassMaterial, Handover, HandoverMethod
from materials.services import HandoutResult, handover_scan


def may_hand_out(user, training_class: TrainingClass) -> bool:
    """The coordinator, and the trainers of the class (they stand at the door)."""
    return user.is_coordinator or (
        user.is_trainer
        and TrainingClass.objects.visible_to(user).filter(pk=training_class.pk).exists()
    )


def _class_material(user, pk: int) -> ClassMaterial | None:
    """The class material `pk` if `user` may hand it out; None if there is none. Raises
    PermissionDenied for anyone else (checked before the lookup for accounts that may
    never hand anything out)."""
    if not (user.is_coordinator or user.is_trainer):
        raise PermissionDenied(_("Only the department and the class's trainers can hand out."))
    cm = (
        ClassMaterial.objects.select_related("edition__material", "training_class", "session")
        .filter(pk=pk)
        .first()
    )
    if cm is not None and not may_hand_out(user, cm.training_class):
        raise PermissionDenied(
            _("You do not teach this class, so you cannot hand out its material.")
        )
    return cm


def _class_material_for_api(user, pk: int) -> ClassMaterial:
    cm = _class_material(user, pk)
    if cm is None:
        # As the attendance API does for an unknown session: a 400 naming the field.
        raise ValidationError({"material": _("There is no class material %(id)s.") % {"id": pk}})
    return cm


@login_required
def scanner(request: HttpRequest, pk: int) -> HttpResponse:
    cm = _class_material(request.user, pk)
    if cm is None:
        raise Http404
    klass = cm.training_class
    return render(
        request,
        "materials/handout_scanner.html",
        {
            "cm": cm,
            "klass": klass,
            "material": cm.edition.material,
            "edition": cm.edition,
            "roster_url": reverse("materials:handout-roster", args=[cm.pk]),
            "batch_url": reverse("materials:handout-batch", args=[cm.pk]),
            "manifest_url": reverse("attendees:scanner-manifest"),
            "sw_url": reverse("attendees:scanner-sw"),
            "back_url": reverse("materials:class-material", args=[klass.code, cm.pk]),
            "jsqr_url": static("vendor/jsqr/jsQR.js"),
        },
    )


@require_GET
@api_view
def roster(request: HttpRequest, pk: int) -> JsonResponse:
    """What an offline scanner needs to hand out one material: everyone enrolled in the
    class with their badge code (as in the attendance roster), and who already has it."""
    cm = _class_material_for_api(request.user, pk)
    klass = cm.training_class
    enrollments = sorted_by_name(
        Enrollment.objects.filter(training_class=klass).select_related(
            "participant", "organisation", "category"
        ),
        name=lambda e: e.participant.full_name,
    )
    return JsonResponse(
        {
            "mode": "handout",
            "material": {
                "id": cm.pk,
                "title": cm.edition.material.title,
                "edition": cm.edition.label,
                "class_code": klass.code,
                "class_title": klass.title,
                "session": cm.session_id,
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
            "handovers": [
                {"enrollment": h.enrollment_id, "handed_at": _iso(h.handed_at), "method": h.method}
                for h in Handover.objects.filter(class_material=cm).order_by("handed_at")
            ],
            "server_time": _iso(timezone.now()),
        },
        json_dumps_params={"ensure_ascii": False},
    )


def _parse_handout_scan(data) -> tuple[str, uuid.UUID, datetime.datetime]:
    """token, nonce and scan time of one scan, with the attendance API's messages (a hand-out
    scan is an attendance scan without its session)."""
    if not isinstance(data, dict):
        raise ValidationError(_("Each scan must be a JSON object."))
    token = data.get("token")
    if not isinstance(token, str) or not token.strip():
        raise ValidationError({"token": _("The scanned code is missing.")})
    try:
        nonce = uuid.UUID(str(data.get("nonce")))
    except ValueError as exc:
        raise ValidationError({"nonce": _("The nonce must be a UUID.")}) from exc
    return token[:200], nonce, _parse_time(data.get("scanned_at"), "scanned_at")


@require_POST
@api_view
def batch(request: HttpRequest, pk: int) -> JsonResponse:
    """Queued scans from one device, in the attendance batch format without the session:
    ``{device, device_time?, scans: [{nonce, token, scanned_at}]}``. Every scan is checked
    before any is recorded, so a bad one refuses the batch and changes nothing."""
    cm = _class_material_for_api(request.user, pk)
    body = _json_body(request)
    device = _device(body.get("device"))
    scans = body.get("scans")
    if not isinstance(scans, list):
        raise ValidationError({"scans": _("“scans” must be a list.")})
    if len(scans) > MAX_BATCH:
        raise ValidationError({"scans": _("At most %(n)s scans per batch.") % {"n": MAX_BATCH}})
    device_time = _device_time(body)
    parsed = [_parse_handout_scan(s) for s in scans]
    # As for attendance: a device clock that is off by more than MAX_CLOCK_SKEW is corrected
    # by the offset measured at upload (handover_scan itself refuses times in the future).
    skew = (timezone.now() - device_time) if device_time else datetime.timedelta(0)
    if abs(skew) <= MAX_CLOCK_SKEW:
        skew = datetime.timedelta(0)
    outcomes = [
        handover_scan(
            actor=request.user,
            class_material=cm,
            token=token,
            nonce=nonce,
            scanned_at=scanned_at + skew,
            device=device,
        )
        for token, nonce, scanned_at in parsed
    ]
    return JsonResponse(
        {"results": [o.as_json() for o in outcomes]}, json_dumps_params={"ensure_ascii": False}
    )


# The hand-out API in the schema served at /api/v1/openapi.json (attendees/api.py).
_HANDOUT_SCAN = {
    "type": "object",
    "required": ["token", "nonce", "scanned_at"],
    "properties": {
        key: value
        for key, value in api_schema.SCAN["properties"].items()
        if key in {"token", "nonce", "scanned_at"}
    },
}
_HANDOUT_OUTCOME = {
    "type": "object",
    "required": ["nonce", "result", "name", "handed_at"],
    "properties": {
        "nonce": {"type": "string", "format": "uuid"},
        "result": {
            "type": "string",
            "enum": [
                HandoutResult.HANDED,
                HandoutResult.ALREADY,
                HandoutResult.UNKNOWN_TOKEN,
                HandoutResult.NOT_ENROLLED,
            ],
        },
        "name": {"type": "string"},
        "handed_at": {**api_schema.DATE_TIME, "type": ["string", "null"]},
    },
}
_MATERIAL_ID = [{"name": "id", "in": "path", "required": True, "schema": api_schema.ID}]
OPENAPI_PATHS = {
    "/api/v1/handouts/{id}/roster": {
        "get": {
            "summary": "Everything an offline scanner needs to hand out one class material",
            "parameters": _MATERIAL_ID,
            "responses": {
                "200": {
                    "description": "Roster",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": [
                                    "mode",
                                    "material",
                                    "participants",
                                    "handovers",
                                    "server_time",
                                ],
                                "properties": {
                                    "mode": {"const": "handout"},
                                    "material": {
                                        "type": "object",
                                        "required": [
                                            "id",
                                            "title",
                                            "edition",
                                            "class_code",
                                            "class_title",
                                            "session",
                                        ],
                                        "properties": {
                                            "id": api_schema.ID,
                                            "title": {"type": "string"},
                                            "edition": {"type": "string"},
                                            "class_code": {"type": "string"},
                                            "class_title": {"type": "string"},
                                            "session": {
                                                **api_schema.ID,
                                                "type": ["integer", "null"],
                                            },
                                        },
                                    },
                                    "participants": api_schema.ROSTER_PARTICIPANTS,
                                    "handovers": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "required": ["enrollment", "handed_at", "method"],
                                            "properties": {
                                                "enrollment": api_schema.ID,
                                                "handed_at": api_schema.DATE_TIME,
                                                "method": {
                                                    "type": "string",
                                                    "enum": [m.value for m in HandoverMethod],
                                                },
                                            },
                                        },
                                    },
                                    "server_time": api_schema.DATE_TIME,
                                },
                            }
                        }
                    },
                },
                **api_schema.ERRORS,
            },
        }
    },
    "/api/v1/handouts/{id}/batch": {
        "post": {
            "summary": "Upload queued hand-out scans from one device (idempotent by nonce)",
            "parameters": _MATERIAL_ID,
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["device", "scans"],
                            "properties": {
                                "device": api_schema.DEVICE,
                                "device_time": api_schema.DATE_TIME,
                                "scans": {
                                    "type": "array",
                                    "maxItems": MAX_BATCH,
                                    "items": _HANDOUT_SCAN,
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
                                "properties": {
                                    "results": {"type": "array", "items": _HANDOUT_OUTCOME}
                                },
                            }
                        }
                    },
                },
                **api_schema.ERRORS,
            },
        }
    },
}
