"""What the department's review page reads: nominations grouped by class then unit, the
quota each group is approved against, and rows worth a second look.

Reads only. The rules it shows are the ones that decide elsewhere: quota figures from
`services.quota_use` (what a bulk approval is checked against), the age range of the
spreadsheet import, the CCCD check of `validators.citizen_id_mismatch`, and possible
duplicates from `identity.identify_many` with the reader as viewer (a unit never sees
this page, and only the coordinator, who may see everyone, gets duplicate flags).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from attendees.identity import Typed, identify_many
from attendees.models import Nomination, NominationState
from attendees.services import QuotaUse, quota_use
from attendees.validators import citizen_id_mismatch, validate_age
from courses.models import Organisation, ParticipantCategory, TrainingClass
from courses.vietnamese import sorted_by_participant, sorted_by_text


@dataclass(frozen=True)
class Flag:
    kind: str  # "age", "citizen_id", "duplicate", "held"
    text: str
    url: str = ""


@dataclass
class Row:
    nomination: Nomination
    flags: list[Flag] = field(default_factory=list)

    @property
    def decidable(self) -> bool:
        return self.nomination.state == NominationState.SUBMITTED


@dataclass
class UnitGroup:
    klass: TrainingClass
    unit: Organisation
    rows: list[Row]
    quotas: list[tuple[ParticipantCategory, QuotaUse]]

    @property
    def key(self) -> str:
        """The value of this group's "all in this unit" box."""
        return f"{self.klass.pk}-{self.unit.pk}"

    @property
    def decidable(self) -> int:
        return sum(r.decidable for r in self.rows)

    @property
    def flagged(self) -> int:
        return sum(bool(r.flags) for r in self.rows)


@dataclass
class ClassGroup:
    klass: TrainingClass
    units: list[UnitGroup]

    @property
    def count(self) -> int:
        return sum(len(u.rows) for u in self.units)

    @property
    def decidable(self) -> int:
        return sum(u.decidable for u in self.units)


def flags_for(
    nominations: list[Nomination], *, viewer: User, today: datetime.date
) -> dict[int, list[Flag]]:
    """Nomination id → what looks wrong about its person. The age rule is the one
    the form and the import refuse by (a date they refuse is flagged here); CCCD and duplicate flags are for the
    coordinator only: they derive from the citizen ID and from other units' people."""
    flags: dict[int, list[Flag]] = {n.pk: [] for n in nominations}
    for n in nominations:
        born = n.participant.date_of_birth
        if born is not None:
            # The age rule of the form, the import and the API (attendees.validators),
            # in its own words.
            try:
                validate_age(born, today=today)
            except ValidationError as error:
                flags[n.pk].append(Flag("age", " ".join(error.messages)))
    if not viewer.is_coordinator:
        return flags
    for n in nominations:
        p = n.participant
        mismatch = citizen_id_mismatch(p.citizen_id, p.gender, p.date_of_birth)
        if mismatch:
            flags[n.pk].append(Flag("citizen_id", mismatch))
    people = list({n.participant_id: n.participant for n in nominations}.values())
    found = identify_many(viewer=viewer, typed=[Typed.of(p) for p in people])
    twins = {
        p.pk: [q for q in who.visible if q.pk != p.pk] for p, who in zip(people, found, strict=True)
    }
    held_url = reverse("attendees:possible-duplicates")
    for n in nominations:
        p = n.participant
        if p.possible_duplicate_of_id is not None:
            flags[n.pk].append(
                Flag("held", _("Held: may be a person already registered."), held_url)
            )
            continue  # its twin is the record it is held against: said once
        for twin in twins.get(p.pk, [])[:1]:
            flags[n.pk].append(
                Flag(
                    "duplicate",
                    _("Possibly the same person as %(name)s (born %(date)s) of %(unit)s.")
                    % {
                        "name": twin.full_name,
                        "date": twin.date_of_birth.strftime("%d/%m/%Y")
                        if twin.date_of_birth
                        else "—",
                        "unit": twin.organisation,
                    },
                    reverse("attendees:person-detail", args=[twin.pk]),
                )
            )
    return flags


def group(
    nominations: Iterable[Nomination], *, classes: list[TrainingClass], flags: dict[int, list[Flag]]
) -> list[ClassGroup]:
    """Class (in `classes` order) → unit (alphabetical) → people (official list order), each
    unit with approved / quota per category it has seats or nominations in."""
    by_class: dict[int, dict[int, list[Nomination]]] = {}
    for n in nominations:
        by_class.setdefault(n.training_class_id, {}).setdefault(n.organisation_id, []).append(n)
    use = quota_use(by_class)
    categories = {c.pk: c for c in ParticipantCategory.objects.all()}
    groups = []
    for klass in classes:
        units = by_class.get(klass.pk)
        if not units:
            continue
        unit_groups = []
        for rows in sorted_by_text(units.values(), lambda rows: rows[0].organisation.name):
            unit = rows[0].organisation
            quotas = sorted(
                (
                    (categories[cat_id], u)
                    for (class_id, org_id, cat_id), u in use.items()
                    if class_id == klass.pk and org_id == unit.pk
                ),
                key=lambda cu: cu[0].code,
            )
            ordered = sorted_by_participant(rows)
            unit_groups.append(
                UnitGroup(klass, unit, [Row(n, flags.get(n.pk, [])) for n in ordered], quotas)
            )
        groups.append(ClassGroup(klass, unit_groups))
    return groups
