"""Writes about people: saving a record after the duplicate check, recording who was shown
sensitive fields, erasing a person on request and exporting what is held about them."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from attendees import signals
from attendees.identity import Typed, hold, identify
from attendees.models import Participant
from core.audit import audit
from core.documents.wording import dmy
from courses.vietnamese import fold

_IDENTITY_FIELDS = ("full_name", "date_of_birth", "citizen_id")


@transaction.atomic
def participant_save(*, actor: User, participant: Participant) -> Participant:
    """Create or update a person after checking the record and its duplicates.

    Duplicates are looked for among the people the actor may see; a match with anyone
    else holds the record for the coordinator instead of answering (attendees/identity.py),
    so that typing another unit's CCCD or name + birth date tells a unit nothing."""
    creating = participant.pk is None
    # The CCCD's uniqueness depends on whether the record is held: decided below.
    participant.full_clean(validate_constraints=False)
    if creating or _identity_changed(participant):
        who = identify(viewer=actor, typed=Typed.of(participant), exclude_pk=participant.pk)
        if creating and who.known is not None:
            twin = who.known
            raise ValidationError(
                _("%(name)s (born %(dob)s) is already registered; reuse that record.")
                % {"name": twin.full_name, "dob": dmy(twin.date_of_birth)}
            )
        # A held record may share the CCCD of the record it is held against (often why
        # it is held); any other twin the actor can see is refused, as it always was.
        if participant.citizen_id and any(
            p.citizen_id == participant.citizen_id and p.pk != participant.possible_duplicate_of_id
            for p in who.visible
        ):
            raise ValidationError({"citizen_id": _("Another person already has this citizen ID.")})
        if who.hold_against_id and participant.possible_duplicate_of_id is None:
            hold(participant, against_id=who.hold_against_id, actor=actor)
            if not creating:
                # Holds never chain: records held against this one now wait on its twin.
                Participant.objects.filter(possible_duplicate_of=participant).update(
                    possible_duplicate_of_id=who.hold_against_id
                )
    participant.validate_constraints()
    participant.save()
    changes = {}
    if creating:
        changes["fields"] = sorted(
            f.name for f in Participant._meta.concrete_fields if f.name not in {"id"}
        )
    if participant.possible_duplicate_of_id:
        changes["possible_duplicate_of"] = participant.possible_duplicate_of_id
    audit(
        actor=actor,
        action="participant.create" if creating else "participant.update",
        target=participant,
        changes=changes,
    )
    return participant


def _identity_changed(participant: Participant) -> bool:
    """Edits that leave name, birth date and CCCD alone are not checked again: a record
    the coordinator found to be a different person is not held again for a new phone."""
    before = Participant.objects.filter(pk=participant.pk).values(*_IDENTITY_FIELDS).first()
    if before is None:
        return True
    before["full_name"] = fold(before["full_name"])
    now = {name: getattr(participant, name) for name in _IDENTITY_FIELDS}
    now["full_name"] = fold(now["full_name"])
    return before != now


def log_sensitive_view(*, actor: User, participants: Iterable[Participant], where: str) -> None:
    """Ethnicity and citizen ID are sensitive data (Law 91/2025): every time someone is
    shown them unmasked, record who saw whose."""
    ids = [p.pk for p in participants]
    if ids:
        audit(
            actor=actor,
            action="participant.view_sensitive",
            target=None,
            changes={"where": where, "ids": ids},
        )


@transaction.atomic
def participant_erase(*, actor: User, participant: Participant) -> Participant:
    """Erase a person on request: identifying data goes, what statistics need stays
    (gender, year of birth, ethnicity, the nominations and enrollments)."""
    participant = Participant.objects.select_for_update().get(pk=participant.pk)
    participant.erased_at = timezone.now()
    participant.full_name = _("Erased person #%(id)s") % {"id": participant.pk}
    participant.date_of_birth = None
    participant.citizen_id = ""
    participant.phone = ""
    participant.position = ""
    participant.workplace = ""
    participant.save()
    # Certificates already issued keep the record but drop the date of birth: the
    # certificates app acts on the signal (it builds on attendees, not the reverse).
    signals.participant_erasing.send(sender=Participant, participant=participant, actor=actor)
    audit(actor=actor, action="participant.erase", target=participant)
    return participant


def participant_export(*, actor: User, participant: Participant) -> dict:
    """Everything held about a person, for a data-subject access request."""
    audit(actor=actor, action="participant.export", target=participant)
    return {
        "full_name": participant.full_name,
        "gender": participant.get_gender_display(),
        "date_of_birth": dmy(participant.date_of_birth),
        "ethnicity": str(participant.ethnicity or ""),
        "citizen_id": participant.citizen_id,
        "phone": participant.phone_display,
        "position": participant.position,
        "workplace": participant.workplace,
        "managing_unit": str(participant.organisation),
        "on_state_payroll": participant.on_state_payroll,
        "nominations": [
            {
                "class": n.training_class.code,
                "class_title": n.training_class.title,
                "category": n.category.code,
                "state": n.get_state_display(),
                "unit": str(n.organisation),
            }
            for n in participant.nominations.select_related(
                "training_class", "category", "organisation"
            )
        ],
    }
