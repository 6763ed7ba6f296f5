"""Who is who: matching what a unit typed (a CCCD, a name and a date of birth) against the
people already registered, and the coordinator's decisions on possible duplicates.

The rule, in one place: a unit learns nothing it did not type. A match with a record the
actor may already see (`Participant.objects.visible_to`; the coordinator sees everyone)
is offered or reused. A match with anyone else is never shown, named, counted or linked:
the unit gets a new record made of exactly what it typed, held as "possibly the same
person" for the coordinator, who merges the two or declares them different people. So
the answer to a CCCD or a name + birth date of another unit's person is the answer to one
that matches nobody. The form, the spreadsheet import and the person edit page all ask
`identify()`; nothing else looks people up by what a unit typed.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from attendees.models import LIVE_STATES, Enrollment, Nomination, Participant
from core.audit import audit
from courses.vietnamese import fold


@dataclass(frozen=True)
class Typed:
    """What a unit typed about one person."""

    full_name: str
    date_of_birth: datetime.date | None
    citizen_id: str = ""

    @classmethod
    def of(cls, participant: Participant) -> Typed:
        return cls(participant.full_name, participant.date_of_birth, participant.citizen_id)

    @property
    def key(self) -> tuple[str, datetime.date | None]:
        return fold(self.full_name), self.date_of_birth


@dataclass(frozen=True)
class Identity:
    """What the register says about one typed person, as far as the actor may know."""

    # Matching records the actor may already see, CCCD matches first: offer or reuse.
    visible: tuple[Participant, ...] = ()
    # A matching record the actor may not see (or the record it is held against): a new
    # record is held against it. Never shown to the actor.
    hold_against_id: int | None = None

    @property
    def known(self) -> Participant | None:
        return self.visible[0] if self.visible else None


def _visible(viewer: User | None):
    # Without a user (the import command, run by whoever runs the server) everyone is
    # visible, as for the coordinator.
    if viewer is None:
        return Participant.objects.all()
    return Participant.objects.visible_to(viewer)


def identify_many(
    *, viewer: User | None, typed: Sequence[Typed], exclude_pk: int | None = None
) -> list[Identity]:
    """One Identity per typed person, in order, from two queries whatever the number of
    rows (an import may hold thousands)."""
    seen = Exists(_visible(viewer).filter(pk=OuterRef("pk")))
    people = Participant.objects.active().annotate(seen=seen).order_by("pk")
    ids = {t.citizen_id for t in typed if t.citizen_id}
    keys = {t.key for t in typed}
    by_id: dict[str, list[Participant]] = {}
    for p in people.filter(citizen_id__in=ids) if ids else []:
        by_id.setdefault(p.citizen_id, []).append(p)
    by_key: dict[tuple, list[Participant]] = {}
    for p in people.filter(search_name__in={k[0] for k in keys}):
        if (p.search_name, p.date_of_birth) in keys:
            by_key.setdefault((p.search_name, p.date_of_birth), []).append(p)
    found = []
    for t in typed:
        matches = (by_id.get(t.citizen_id, []) if t.citizen_id else []) + by_key.get(t.key, [])
        unique = list({p.pk: p for p in matches if p.pk != exclude_pk}.values())
        visible = tuple(p for p in unique if p.seen)
        found.append(Identity(visible=visible, hold_against_id=_hold_target(unique, exclude_pk)))
    return found


def identify(*, viewer: User | None, typed: Typed, exclude_pk: int | None = None) -> Identity:
    (found,) = identify_many(viewer=viewer, typed=[typed], exclude_pk=exclude_pk)
    return found


def _hold_target(matches: list[Participant], exclude_pk: int | None) -> int | None:
    """The record a new one is held against: the first match the actor may not see, or
    the record that match is itself held against (holds never chain)."""
    for p in sorted(matches, key=lambda p: p.possible_duplicate_of_id is not None):
        if p.seen:
            continue
        target = p.possible_duplicate_of_id or p.pk
        if target != exclude_pk:
            return target
    return None


def hold(participant: Participant, *, against_id: int, actor: User | None) -> None:
    """Mark an unsaved (or about to be saved) record as possibly the same person."""
    participant.possible_duplicate_of_id = against_id
    participant.held_at = timezone.now()
    participant.held_by = actor if actor and actor.pk else None


# --- The coordinator's decisions -------------------------------------------------------


def _lock_held(held: Participant) -> tuple[Participant, Participant]:
    locked = Participant.objects.select_for_update().filter(pk=held.pk).first()
    if locked is None or locked.possible_duplicate_of_id is None:
        raise ValidationError(_("This record is no longer waiting for a check; reload the page."))
    other = Participant.objects.select_for_update().get(pk=locked.possible_duplicate_of_id)
    return locked, other


def _classes(participant: Participant) -> set[int]:
    live = Nomination.objects.filter(participant=participant, state__in=LIVE_STATES)
    return set(live.values_list("training_class_id", flat=True)) | set(
        Enrollment.objects.filter(participant=participant).values_list(
            "training_class_id", flat=True
        )
    )


@transaction.atomic
def possible_duplicate_merge(*, actor: User, held: Participant) -> Participant:
    """The same person: the held record's nominations and enrollments (and with them
    attendance, certificates and hand-outs, which hang on enrollments) move to the record
    it resembles, whose data is kept; the held record is removed."""
    held, kept = _lock_held(held)
    if kept.erased_at is not None:
        # Its identity is gone: moving a living person's nominations onto it would erase
        # them too. They are different records now whatever they once were.
        raise ValidationError(
            _("The existing record has been erased; record the two as different people.")
        )
    both = _classes(held) & _classes(kept)
    if both:
        from courses.models import TrainingClass

        codes = ", ".join(
            TrainingClass.objects.filter(pk__in=both)
            .order_by("code")
            .values_list("code", flat=True)
        )
        raise ValidationError(
            _(
                "Both records are nominated to class %(code)s, and one person can be there "
                "only once. Withdraw one of the two nominations first (or return it to its "
                "unit to withdraw), then merge."
            )
            % {"code": codes}
        )
    nominations = list(Nomination.objects.filter(participant=held).values_list("pk", flat=True))
    enrollments = list(Enrollment.objects.filter(participant=held).values_list("pk", flat=True))
    Nomination.objects.filter(pk__in=nominations).update(participant=kept)
    Enrollment.objects.filter(pk__in=enrollments).update(participant=kept)
    removed = {"id": held.pk, "full_name": held.full_name, "unit": held.organisation_id}
    held.delete()
    audit(
        actor=actor,
        action="participant.merge",
        target=kept,
        changes={"removed": removed, "nominations": nominations, "enrollments": enrollments},
    )
    return kept


@transaction.atomic
def possible_duplicate_separate(*, actor: User, held: Participant) -> Participant:
    """Different people: the held record becomes an ordinary record of its unit."""
    held, other = _lock_held(held)
    if held.citizen_id:
        same_id = (
            Participant.objects.filter(citizen_id=held.citizen_id)
            .filter(Q(possible_duplicate_of__isnull=True))
            .exclude(pk=held.pk)
            .first()
        )
        if same_id is not None:
            raise ValidationError(
                _(
                    "%(name)s has the same citizen ID, and two people cannot share one. "
                    "Correct the wrong citizen ID first, then decide."
                )
                % {"name": same_id.full_name}
            )
    held.possible_duplicate_of = None
    held.held_at = None
    held.held_by = None
    held.save(update_fields=["possible_duplicate_of", "held_at", "held_by", "updated_at"])
    audit(
        actor=actor,
        action="participant.separate",
        target=held,
        changes={"not_the_same_as": other.pk},
    )
    return held
