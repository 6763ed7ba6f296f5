"""What the scanner API accepts: the request body, the device, its clock, and each scan of
a batch. One home for the check-in API (attendees/api.py) and the hand-out API
(materials/handout_views.py), whose batches differ only by the scan's session.

A batch is one phone's queue. A request that is wrong as a whole (not JSON, no device, no
list) is a 400; a scan that is wrong on its own gets its own refusal in the answer
(result "invalid", the field and a Vietnamese reason) and the other scans are recorded,
so that one bad scan can never hold a phone's queue back.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import uuid
from dataclasses import dataclass

from django.core.exceptions import RequestDataTooBig, ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from attendees.checkin import Scan

MAX_BATCH = 500
# Ids are database keys: positive 64-bit integers. A larger number is not an id, and
# the database cannot even compare it (SQLite raises, PostgreSQL's bigint overflows).
MAX_ID = 2**63 - 1
MAX_DEVICE = 64  # ScanEvent.device; the scanner sends a UUID
MAX_TOKEN = 200  # ScanEvent.token
# The result of a scan refused before it reached the rules: not a ScanResult, because
# there is no ScanEvent (it could not be stored, or it is not a scan at all).
INVALID = "invalid"

_PLAUSIBLE_YEARS = (1900, 2999)


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
