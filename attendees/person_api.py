"""The person rules through the JSON API: a unit's own software checks a record before it
sends a form or a file, and is answered in the words the form and the import use.

The check is the person form itself (attendees.forms.ParticipantForm, whose cleaners call
attendees/validators.py), so the API cannot drift from the form or the spreadsheet: the
same name, age (16–80), CCCD (12 digits first, then its birth year and sex) and phone
rules, the same Vietnamese messages, each on its field. Nothing is stored and the
register is not searched: whether a CCCD is on file is answered only where a unit may
learn it (the form's offer of a record it may see, attendees/identity.py).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from attendees.forms import ParticipantForm
from attendees.models import Gender
from core.api import ERRORS, api_view, json_body

# The fields of a person the API checks, as the form names them.
FIELDS = ("full_name", "date_of_birth", "gender", "citizen_id", "phone")
REQUIRED = ("full_name", "date_of_birth", "gender")


@require_POST
@api_view
def person_check(request: HttpRequest) -> JsonResponse:
    """200 with the record as it would be stored (and the phone as it is shown), or 400
    with every problem on its field: `error`/`field` the first, `errors` all of them."""
    if not (request.user.is_coordinator or request.user.is_nominator):
        raise PermissionDenied(_("Only unit officers and the coordinator check people."))
    body = json_body(request)
    for name in FIELDS:
        if name in body and not isinstance(body[name], str):
            raise ValidationError({name: _("%(field)s must be text.") % {"field": name}})
    form = ParticipantForm(data={name: body.get(name, "") for name in FIELDS}, show_sensitive=True)
    if not form.is_valid():
        errors = {field: [str(m) for m in messages] for field, messages in form.errors.items()}
        field, messages = next(iter(errors.items()))
        return JsonResponse(
            {"error": messages[0], "field": field, "errors": errors},
            status=400,
            json_dumps_params={"ensure_ascii": False},
        )
    person = form.save(commit=False)
    return JsonResponse(
        {
            "person": {
                "full_name": person.full_name,
                "date_of_birth": person.date_of_birth.isoformat(),
                "gender": person.gender,
                "citizen_id": person.citizen_id,
                "phone": person.phone,
                "phone_display": person.phone_display,
            }
        },
        json_dumps_params={"ensure_ascii": False},
    )


_TEXT = {"type": "string"}
_FIELD_ERRORS = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": _TEXT,
        "field": _TEXT,
        "errors": {"type": "object", "additionalProperties": {"type": "array", "items": _TEXT}},
    },
}
OPENAPI_PATHS = {
    "/api/v1/people/check": {
        "post": {
            "summary": "Check a person with the form's and the import's rules (nothing stored)",
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": list(REQUIRED),
                            "properties": {
                                "full_name": _TEXT,
                                "date_of_birth": {"type": "string", "format": "date"},
                                "gender": {"type": "string", "enum": list(Gender.values)},
                                "citizen_id": _TEXT,
                                "phone": _TEXT,
                            },
                        }
                    }
                },
            },
            "responses": {
                "200": {
                    "description": "The record as it would be stored",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["person"],
                                "properties": {
                                    "person": {
                                        "type": "object",
                                        "required": [*FIELDS, "phone_display"],
                                        "properties": {
                                            **{name: _TEXT for name in FIELDS},
                                            "phone_display": _TEXT,
                                        },
                                    }
                                },
                            }
                        }
                    },
                },
                **ERRORS,
                "400": {
                    "description": "What is wrong, on its field, in the form's words",
                    "content": {"application/json": {"schema": _FIELD_ERRORS}},
                },
            },
        }
    }
}
