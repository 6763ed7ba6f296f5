"""Hand-out by badge scan: the attendance scanner in "hand-out" mode.

A trainer at the door of the hall gives each participant a printed copy and scans their
badge. The page is the attendance scanner (static/js/scanner.js) with another mode: the
same offline rules (each scan queued in IndexedDB before the trainer sees the result,
uploaded later, idempotent by its nonce, decided on the device against a saved roster).
The JSON API speaks the offline-scan protocol of attendees/scanning.py (the batch, the
device clock, the roster) with the API's JSON errors (core/api.py): 401 without login, 403
for the wrong role, 404 for a class material that does not exist or that the user may not
hand out (the same answer), 400 with a Vietnamese message naming the field, and a refusal
of its own for a bad scan. OPENAPI_PATHS is its fragment of the document config/api.py
assembles.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from attendees.scanning import (
    BATCH_ITEM,
    INVALID,
    REFUSAL_PROPERTIES,
    ROSTER_PARTICIPANTS,
    SCAN,
    DeviceClock,
    ItemRefusal,
    Scan,
    batch_schema,
    iso,
    parse_batch,
    results_schema,
    roster_participants,
)
from core.api import DATE_TIME, ERRORS, ID, api_view, json_body, json_response
from courses.models import TrainingClass
from materials.models import ClassMaterial, Handover, HandoverMethod
from materials.services import HandoutResult, handover_scan


def may_hand_out(user, training_class: TrainingClass) -> bool:
    """The coordinator, and the trainers of the class (they stand at the door)."""
    return user.is_coordinator or (
        user.is_trainer
        and TrainingClass.objects.visible_to(user).filter(pk=training_class.pk).exists()
    )


def _class_material(user, pk: int, *, withdrawn_too: bool = False) -> ClassMaterial:
    """The class material `pk` if `user` may hand it out. Http404 if there is none or it
    is another class's (the same answer: it must not tell that the material exists), or
    it was withdrawn (unless `withdrawn_too`, for uploads of scans made before);
    PermissionDenied for accounts that may never hand anything out (checked first)."""
    if not (user.is_coordinator or user.is_trainer):
        raise PermissionDenied(_("Only the department and the class's trainers can hand out."))
    rows = ClassMaterial.objects.all() if withdrawn_too else ClassMaterial.objects.current()
    cm = rows.select_related("edition__material", "training_class", "session").filter(pk=pk).first()
    if cm is None or not may_hand_out(user, cm.training_class):
        raise Http404(
            _("There is no class material %(id)s among those you can hand out.") % {"id": pk}
        )
    return cm


@login_required
def scanner(request: HttpRequest, pk: int) -> HttpResponse:
    cm = _class_material(request.user, pk)
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
    cm = _class_material(request.user, pk)
    klass = cm.training_class
    return json_response(
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
            "participants": roster_participants(klass.pk),
            "handovers": [
                {"enrollment": h.enrollment_id, "handed_at": iso(h.handed_at), "method": h.method}
                for h in Handover.objects.filter(class_material=cm).order_by("handed_at")
            ],
            "server_time": iso(timezone.now()),
        }
    )


@require_POST
@api_view
def batch(request: HttpRequest, pk: int) -> JsonResponse:
    """Queued scans from one device, in the attendance batch format without the session:
    ``{device, device_time?, scans: [{nonce, token, scanned_at}]}``. One answer per scan,
    in order; a scan that cannot be recorded gets its own refusal and the others are
    recorded (attendees/scanning.py). A material withdrawn since still takes the scans
    made before its withdrawal (a phone offline at the door); later ones are refused."""
    cm = _class_material(request.user, pk, withdrawn_too=True)
    batch = parse_batch(json_body(request), with_session=False)
    # As for attendance: a device clock that is off is corrected by the offset measured at
    # upload (handover_scan itself refuses times in the future).
    clock = DeviceClock.at_upload(batch.device_time)
    withdrawn_since = cm.withdrawn_since

    def after_withdrawal(scan: Scan) -> ItemRefusal | None:
        if withdrawn_since is None or clock.correct(scan.scanned_at) < withdrawn_since:
            return None
        return ItemRefusal(
            str(scan.nonce),
            "scanned_at",
            _("This material was withdrawn on %(at)s: it is no longer handed out.")
            % {"at": timezone.localtime(withdrawn_since).strftime("%d/%m/%Y %H:%M")},
        )

    batch = batch.refusing(after_withdrawal)
    outcomes = (
        handover_scan(
            actor=request.user,
            class_material=cm,
            token=scan.token,
            nonce=scan.nonce,
            scanned_at=clock.correct(scan.scanned_at),
            device=scan.device,
        )
        for scan in batch.scans
    )
    return json_response({"results": batch.answers(outcomes, name="", handed_at=None)})


# ---------------------------------------------------------------------------- OpenAPI
_HANDOUT_SCAN = {
    "title": "HandoutScan",
    "type": "object",
    "required": ["token", "nonce", "scanned_at"],
    "properties": {
        key: value
        for key, value in SCAN["properties"].items()
        if key in {"token", "nonce", "scanned_at"}
    },
}
_HANDOUT_OUTCOME = {
    "type": "object",
    "required": ["nonce", "result", "name", "handed_at"],
    "properties": {
        **REFUSAL_PROPERTIES,
        "nonce": {"type": ["string", "null"], "format": "uuid"},
        "result": {
            "type": "string",
            "enum": [
                HandoutResult.HANDED,
                HandoutResult.ALREADY,
                HandoutResult.UNKNOWN_TOKEN,
                HandoutResult.NOT_ENROLLED,
                INVALID,
            ],
        },
        "name": {"type": "string"},
        "handed_at": {**DATE_TIME, "type": ["string", "null"]},
    },
}
_MATERIAL_ID = [{"name": "id", "in": "path", "required": True, "schema": ID}]
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
                                            "id": ID,
                                            "title": {"type": "string"},
                                            "edition": {"type": "string"},
                                            "class_code": {"type": "string"},
                                            "class_title": {"type": "string"},
                                            "session": {
                                                **ID,
                                                "type": ["integer", "null"],
                                            },
                                        },
                                    },
                                    "participants": ROSTER_PARTICIPANTS,
                                    "handovers": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "required": ["enrollment", "handed_at", "method"],
                                            "properties": {
                                                "enrollment": ID,
                                                "handed_at": DATE_TIME,
                                                "method": {
                                                    "type": "string",
                                                    "enum": [m.value for m in HandoverMethod],
                                                },
                                            },
                                        },
                                    },
                                    "server_time": DATE_TIME,
                                },
                            }
                        }
                    },
                },
                **ERRORS,
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
                        "schema": batch_schema({**BATCH_ITEM, "anyOf": [_HANDOUT_SCAN, {}]})
                    }
                },
            },
            "responses": {
                "200": {
                    "description": "One outcome per scan",
                    "content": {"application/json": {"schema": results_schema(_HANDOUT_OUTCOME)}},
                },
                **ERRORS,
            },
        }
    },
}
