"""The offline-scan protocol, one home for attendance (attendees/api.py) and hand-outs
(materials/handout_views.py): a phone scans badges against a roster it saved, queues each
scan with a nonce, and uploads the queue in batches when the network comes back.

Here: what a batch is and how it is read (the request, the device, its clock, each scan),
the correction of a device clock that is off, the answer to a replayed scan (the nonce
answers once), the roster a phone saves, and the schema pieces both APIs describe them
with. What a scan *does* is each app's own (attendees/checkin.py, materials/services.py).

A batch is one phone's queue. A request that is wrong as a whole (not JSON, no device, no
list) is a 400; a scan that is wrong on its own gets its own refusal in the answer
(result "invalid", the field and a Vietnamese reason) and the other scans are recorded,
so that one bad scan can never hold a phone's queue back.
"""

from __future__ import annotations

import contextlib
import datetime
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from attendees.models import Enrollment
from core.api import DATE_TIME, ID, MAX_ID
from courses.vietnamese import sorted_by_participant

MAX_BATCH = 500
MAX_DEVICE = 64  # ScanEvent.device; the scanner sends a UUID
MAX_TOKEN = 200  # ScanEvent.token
# The result of a scan refused before it reached the rules: not a ScanResult, because
# there is no ScanEvent (it could not be stored, or it is not a scan at all).
INVALID = "invalid"

_PLAUSIBLE_YEARS = (1900, 2999)
# A device whose clock is further off than this is flagged, and its scan times are
# corrected by the measured offset instead of being trusted.
MAX_CLOCK_SKEW = datetime.timedelta(minutes=2)


@dataclass(frozen=True)
class Scan:
    token: str
    session_id: int | None  # None for a hand-out scan (materials/handout_views.py)
    nonce: uuid.UUID
    scanned_at: datetime.datetime
    device: str


@dataclass(frozen=True)
class ItemRefusal:
    """One scan of a batch that cannot be recorded, and why (naming the field)."""

    nonce: str | None  # the scan's nonce if it is one, so the phone can drop that scan
    field: str
    reason: str

    def as_json(self, **empty) -> dict:
        """`empty`: the outcome's other keys with their "nothing" values, so that a
        refusal has the same shape as the API's other answers."""
        return {
            "nonce": self.nonce,
            "result": INVALID,
            **empty,
            "field": self.field,
            "reason": self.reason,
        }


def _storable(value: str, field: str) -> str:
    """Text the database can store: PostgreSQL refuses NUL in text (and a lone UTF-16
    surrogate, which JSON allows, cannot be encoded at all). Refused, not cleaned: the
    code a phone scanned must be stored as scanned or not at all."""
    if "\x00" in value:
        raise ValidationError(
            {
                field: _("%(field)s contains a NUL character, which cannot be stored.")
                % {"field": field}
            }
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValidationError(
            {field: _("%(field)s contains characters that are not valid text.") % {"field": field}}
        ) from exc
    return value


def parse_time(value, field: str) -> datetime.datetime:
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


def device(value) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError({"device": _("The device id is missing.")})
    # Refused rather than cut: two devices whose ids share a prefix must not merge.
    if len(value.strip()) > MAX_DEVICE:
        raise ValidationError(
            {"device": _("The device id is longer than %(n)s characters.") % {"n": MAX_DEVICE}}
        )
    return _storable(value.strip(), "device")


def device_time(body: dict) -> datetime.datetime | None:
    """The device's clock at upload, if sent. Sent but empty or malformed is an error,
    not "absent": the clock-skew correction must not be skipped silently."""
    if "device_time" not in body:
        return None
    return parse_time(body["device_time"], "device_time")


def parse_scan(data, *, device: str, with_session: bool = True) -> Scan:
    """One scan, or ValidationError naming its field. A hand-out scan has no session (the
    material is in the address): session_id is None."""
    if not isinstance(data, dict):
        raise ValidationError(_("Each scan must be a JSON object."))
    token = data.get("token")
    if not isinstance(token, str) or not token.strip():
        raise ValidationError({"token": _("The scanned code is missing.")})
    session = None
    if with_session:
        session = data.get("session")
        if not isinstance(session, int) or isinstance(session, bool):
            raise ValidationError({"session": _("The session must be a number.")})
        if not 1 <= session <= MAX_ID:
            # Not an id at all; the database could not even compare it (an overflow).
            raise ValidationError({"session": _("There is no session %(id)s.") % {"id": session}})
    try:
        nonce = uuid.UUID(str(data.get("nonce")))
    except ValueError as exc:
        raise ValidationError({"nonce": _("The nonce must be a UUID.")}) from exc
    return Scan(
        token=_storable(token[:MAX_TOKEN], "token"),
        session_id=session,
        nonce=nonce,
        scanned_at=parse_time(data.get("scanned_at"), "scanned_at"),
        device=device,
    )


def refusal(data, error: ValidationError) -> ItemRefusal:
    field, message = "scans", error.messages[0]  # the item itself (not an object)
    if hasattr(error, "error_dict"):
        field, messages = next(iter(error.message_dict.items()))
        message = messages[0]
    nonce = None
    if isinstance(data, dict):
        with contextlib.suppress(ValueError):
            nonce = str(uuid.UUID(str(data.get("nonce"))))
    return ItemRefusal(nonce=nonce, field=field, reason=message)


@dataclass(frozen=True)
class Batch:
    device: str
    device_time: datetime.datetime | None
    items: list[Scan | ItemRefusal]  # in the order sent: one answer per scan

    @property
    def scans(self) -> list[Scan]:
        return [item for item in self.items if isinstance(item, Scan)]

    def refusing(self, refuse: Callable[[Scan], ItemRefusal | None]) -> Batch:
        """The batch with the scans `refuse` turns down (its ItemRefusal) in their place."""
        items = [
            item if isinstance(item, ItemRefusal) else (refuse(item) or item) for item in self.items
        ]
        return replace(self, items=items)

    def answers(self, outcomes: Iterable, **empty) -> list[dict]:
        """One answer per item, in order: a refusal as itself (with the outcome's other
        keys `empty`), each scan by the next of `outcomes` (its answers, in the order of
        `scans`; read lazily, so a generator records each scan as its turn comes)."""
        recorded = iter(outcomes)
        return [
            item.as_json(**empty) if isinstance(item, ItemRefusal) else next(recorded).as_json()
            for item in self.items
        ]


def parse_batch(body: dict, *, with_session: bool = True) -> Batch:
    """`{device, device_time?, scans: [...]}`: the request as a whole must be right (else
    ValidationError, a 400); each scan is parsed on its own, a bad one becoming an
    ItemRefusal in its place."""
    device_id = device(body.get("device"))
    scans = body.get("scans")
    if not isinstance(scans, list):
        raise ValidationError({"scans": _("“scans” must be a list.")})
    if len(scans) > MAX_BATCH:
        raise ValidationError({"scans": _("At most %(n)s scans per batch.") % {"n": MAX_BATCH}})
    clock = device_time(body)
    items: list[Scan | ItemRefusal] = []
    for data in scans:
        try:
            items.append(parse_scan(data, device=device_id, with_session=with_session))
        except ValidationError as exc:
            items.append(refusal(data, exc))
    return Batch(device=device_id, device_time=clock, items=items)


# ---------------------------------------------------------------------------- the clock


@dataclass(frozen=True)
class DeviceClock:
    """How far a device's clock is off, measured at upload: `device_time` is its clock
    when it sent the batch. Within MAX_CLOCK_SKEW it is trusted (a phone's clock drifts a
    little); beyond, it is flagged and its scan times are corrected by the offset."""

    received_at: datetime.datetime
    skew: datetime.timedelta  # ours minus the device's, as measured (0 if not sent)

    @classmethod
    def at_upload(
        cls, device_time: datetime.datetime | None, *, received_at: datetime.datetime | None = None
    ) -> DeviceClock:
        received_at = received_at or timezone.now()
        skew = (received_at - device_time) if device_time else datetime.timedelta(0)
        return cls(received_at=received_at, skew=skew)

    @property
    def flagged(self) -> bool:
        return abs(self.skew) > MAX_CLOCK_SKEW

    def correct(self, scanned_at: datetime.datetime) -> datetime.datetime:
        """The scan's time by our clock."""
        return scanned_at + self.skew if self.flagged else scanned_at


# ---------------------------------------------------------------------------- replays


def earlier_answer(rows, nonce: uuid.UUID):
    """The row an earlier upload of the scan `nonce` wrote, if any (`rows`: the queryset
    of what a scan writes, its nonce unique): a replayed scan is answered from it, exactly
    as the first time, and changes nothing."""
    return rows.filter(nonce=nonce).first()


# ---------------------------------------------------------------------------- the roster


def iso(value: datetime.datetime | None) -> str | None:
    """A moment as the scanner reads it: ISO 8601 in the server's time zone."""
    return timezone.localtime(value).isoformat() if value else None


def roster_participants(training_class_id: int) -> list[dict]:
    """Everyone enrolled in the class with their badge code, in Vietnamese name order:
    the people a phone decides scans against, in either mode."""
    enrollments = sorted_by_participant(
        Enrollment.objects.filter(training_class_id=training_class_id).select_related(
            "participant", "organisation", "category"
        )
    )
    return [
        {
            "token": e.badge_token,
            "enrollment": e.pk,
            "name": e.participant.full_name,
            "unit": e.organisation.name,
            "category": e.category.code,
        }
        for e in enrollments
    ]


# ---------------------------------------------------------------------------- schema pieces

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
DEVICE = {"type": "string", "minLength": 1, "maxLength": MAX_DEVICE, "pattern": r"\S"}


def batch_schema(item: dict) -> dict:
    """The request body of a batch upload whose scans are `item`."""
    return {
        "type": "object",
        "required": ["device", "scans"],
        "properties": {
            "device": DEVICE,
            "device_time": DATE_TIME,
            "scans": {"type": "array", "maxItems": MAX_BATCH, "items": item},
        },
    }


def results_schema(outcome: dict) -> dict:
    """The answer to a batch upload: one `outcome` per scan."""
    return {
        "type": "object",
        "required": ["results"],
        "properties": {"results": {"type": "array", "items": outcome}},
    }
