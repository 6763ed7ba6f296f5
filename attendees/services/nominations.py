"""Writes about nominations. Quota rules are decided here, under a lock on the class row,
so that two coordinators (or a coordinator and an import) acting at the same moment are
checked one after the other and can never exceed a quota."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from attendees.models import SEAT_HOLDING, Enrollment, Nomination, NominationState, Participant
from core.audit import audit
from courses.models import ClassState, Organisation, ParticipantCategory, Quota, TrainingClass
from courses.vietnamese import sorted_by_participant


def _lock_class(training_class: TrainingClass) -> TrainingClass:
    return TrainingClass.objects.select_for_update().get(pk=training_class.pk)


def _check_open_for_nomination(klass: TrainingClass) -> None:
    if klass.state != ClassState.NOMINATING:
        raise ValidationError(
            _("Class %(code)s is not taking nominations (it is “%(state)s”).")
            % {"code": klass.code, "state": klass.get_state_display()}
        )


def _quota_seats(klass: TrainingClass) -> dict[tuple[int, int], int]:
    return {
        (q.organisation_id, q.category_id): q.seats
        for q in Quota.objects.filter(training_class=klass)
    }


@dataclass(frozen=True)
class QuotaUse:
    """How much of one class × unit × category quota is taken by nominations in the
    counted states (approved for the department's review, seat-holding for a unit)."""

    taken: int
    seats: int

    @property
    def free(self) -> int:
        return max(self.seats - self.taken, 0)


def quota_use(
    class_ids: Iterable[int], states: tuple[str, ...] = (NominationState.APPROVED,)
) -> dict[tuple[int, int, int], QuotaUse]:
    """(class, unit, category) → seats taken / quota: the figure the approve check below
    compares against, so the review page shows the very numbers that will refuse a
    bulk approval. Two queries whatever the number of classes."""
    class_ids = list(class_ids)
    seats = {
        (q.training_class_id, q.organisation_id, q.category_id): q.seats
        for q in Quota.objects.filter(training_class_id__in=class_ids)
    }
    taken = Counter(
        {
            (row["training_class"], row["organisation"], row["category"]): row["n"]
            for row in Nomination.objects.filter(training_class_id__in=class_ids, state__in=states)
            .values("training_class", "organisation", "category")
            .annotate(n=Count("pk"))
        }
    )
    return {key: QuotaUse(taken[key], seats.get(key, 0)) for key in seats.keys() | taken.keys()}


class RowsRefused(ValidationError):
    """A bulk action refused as a whole (quotas, capacity, rows changed meanwhile), with
    the rows concerned in `nomination_ids` so that a page can point at them."""

    def __init__(self, messages: list[str], nomination_ids: set[int]):
        super().__init__(messages)
        self.nomination_ids = nomination_ids


_NAMES_SHOWN = 10


def _names(group: list[Nomination]) -> str:
    names = [n.participant.full_name for n in sorted_by_participant(group)]
    shown = ", ".join(names[:_NAMES_SHOWN])
    if len(names) > _NAMES_SHOWN:
        shown += _(" and %(n)s more") % {"n": len(names) - _NAMES_SHOWN}
    return shown


def _quota_problems(
    klass: TrainingClass, group: list[Nomination], states: tuple[str, ...]
) -> tuple[list[str], set[int]]:
    """Every (unit, category) of `group` that entering `states` would push over its quota,
    and the class capacity for approvals: one message per problem naming the people, and
    the ids of the nominations concerned. Called with the class row locked."""
    use = quota_use([klass.pk], states)
    adding: dict[tuple[int, int], list[Nomination]] = {}
    for n in group:
        adding.setdefault((n.organisation_id, n.category_id), []).append(n)
    messages: list[str] = []
    ids: set[int] = set()
    for (org_id, cat_id), rows in adding.items():
        u = use.get((klass.pk, org_id, cat_id), QuotaUse(0, 0))
        if u.taken + len(rows) > u.seats:
            messages.append(
                _(
                    "%(unit)s, category %(category)s of class %(code)s: %(held)s of %(quota)s "
                    "seats are taken, so %(n)s more (%(names)s) would exceed the quota by "
                    "%(over)s."
                )
                % {
                    "unit": rows[0].organisation.name,
                    "category": rows[0].category.code,
                    "code": klass.code,
                    "held": u.taken,
                    "quota": u.seats,
                    "n": len(rows),
                    "names": _names(rows),
                    "over": u.taken + len(rows) - u.seats,
                }
            )
            ids.update(n.pk for n in rows)
    if NominationState.APPROVED in states:
        enrolled = Enrollment.objects.filter(training_class=klass).count()
        if enrolled + len(group) > klass.capacity:
            messages.append(
                _("Class %(code)s has %(capacity)s places and %(enrolled)s are filled.")
                % {"code": klass.code, "capacity": klass.capacity, "enrolled": enrolled}
            )
            ids.update(n.pk for n in group)
    return messages, ids


def _check_quotas(klass: TrainingClass, group: list[Nomination], states: tuple[str, ...]) -> None:
    """`group` are the nominations about to enter `states`."""
    messages, ids = _quota_problems(klass, group, states)
    if messages:
        raise RowsRefused(messages, ids)


@transaction.atomic
def nomination_create(
    *,
    actor: User,
    training_class: TrainingClass,
    organisation: Organisation,
    category: ParticipantCategory,
    participant: Participant,
) -> Nomination:
    klass = _lock_class(training_class)
    _check_open_for_nomination(klass)
    if not Quota.objects.filter(
        training_class=klass, organisation=organisation, category=category
    ).exists():
        raise ValidationError(
            _("%(unit)s has no seats in category %(category)s of this class.")
            % {"unit": organisation.name, "category": category.code}
        )
    nomination = Nomination(
        training_class=klass,
        organisation=organisation,
        category=category,
        participant=participant,
        created_by=actor,
    )
    nomination.full_clean()
    nomination.save()
    audit(
        actor=actor,
        action="nomination.create",
        target=nomination,
        changes={"state": [None, "draft"]},
    )
    return nomination


def _transition(
    *,
    actor: User,
    nominations: Iterable[Nomination],
    allowed_from: tuple[str, ...],
    to: str,
    action: str,
    extra: dict | None = None,
) -> list[Nomination]:
    ids = [n.pk for n in nominations]
    locked = list(
        Nomination.objects.select_for_update()
        .filter(pk__in=ids)
        .select_related("participant", "training_class", "category", "organisation")
    )
    if len(locked) != len(set(ids)):
        raise ValidationError(_("Some nominations no longer exist; reload the page."))
    wrong = [n for n in locked if n.state not in allowed_from]
    if len(wrong) == 1:
        raise ValidationError(
            _("%(name)s is “%(state)s” and cannot be changed this way.")
            % {"name": wrong[0].participant.full_name, "state": wrong[0].get_state_display()}
        )
    if wrong:
        # A bulk action on a stale page: say every row that changed meanwhile, not the
        # first, so one reload and one retry are enough.
        raise RowsRefused(
            [
                _("These nominations can no longer be changed this way: %(rows)s.")
                % {
                    "rows": "; ".join(
                        f"{n.participant.full_name} ({n.get_state_display()})"
                        for n in sorted_by_participant(wrong)
                    )
                }
            ],
            {n.pk for n in wrong},
        )
    now = timezone.now()
    for n in locked:
        previous = n.state
        n.state = to
        for key, value in (extra or {}).items():
            setattr(n, key, value)
        if to == NominationState.SUBMITTED:
            n.submitted_at = now
        elif to in (NominationState.APPROVED, NominationState.RETURNED):
            n.decided_at, n.decided_by = now, actor
        n.save()
        audit(
            actor=actor, action=action, target=n, changes={"state": [previous, to], **(extra or {})}
        )
    return locked


def _by_class(nominations: Iterable[Nomination]) -> dict[int, list[Nomination]]:
    groups: dict[int, list[Nomination]] = {}
    for n in nominations:
        groups.setdefault(n.training_class_id, []).append(n)
    return groups


def nominations_submit_problems(klass: TrainingClass, nominations: list[Nomination]) -> list[str]:
    """What would stop `nominations_submit` for these nominations of one class, for the
    confirmation page to say before the unit presses: the same checks (class open, quota
    per unit and category), read without locking. Empty when submitting would go through
    as the page was drawn."""
    try:
        _check_open_for_nomination(klass)
    except ValidationError as exc:
        return exc.messages
    problems, _ids = _quota_problems(klass, nominations, SEAT_HOLDING)
    return problems


@transaction.atomic
def nominations_submit(*, actor: User, nominations: Iterable[Nomination]) -> list[Nomination]:
    """A unit sends its drafts (or corrected returned items) to the department."""
    done: list[Nomination] = []
    for class_id, group in _by_class(nominations).items():
        klass = _lock_class(TrainingClass(pk=class_id))
        _check_open_for_nomination(klass)
        _check_quotas(klass, group, SEAT_HOLDING)
        done += _transition(
            actor=actor,
            nominations=group,
            allowed_from=(NominationState.DRAFT, NominationState.RETURNED),
            to=NominationState.SUBMITTED,
            action="nomination.submit",
            extra={"return_reason": ""},
        )
    return done


@transaction.atomic
def nominations_approve(*, actor: User, nominations: Iterable[Nomination]) -> list[Nomination]:
    """Approve and enroll, all or nothing. Every class is locked first (in id order, so
    two bulk approvals cannot deadlock) and every quota checked before anything changes:
    a refusal names all the groups and people that would go over, not just the first."""
    groups = _by_class(nominations)
    classes = {class_id: _lock_class(TrainingClass(pk=class_id)) for class_id in sorted(groups)}
    problems: list[str] = []
    over: set[int] = set()
    for class_id, klass in classes.items():
        if klass.state not in (ClassState.NOMINATING, ClassState.RUNNING):
            raise ValidationError(
                _("Class %(code)s is “%(state)s”; nominations can no longer be approved.")
                % {"code": klass.code, "state": klass.get_state_display()}
            )
        messages, ids = _quota_problems(klass, groups[class_id], (NominationState.APPROVED,))
        problems += messages
        over |= ids
    if problems:
        raise RowsRefused(problems, over)
    done: list[Nomination] = []
    for class_id in classes:
        approved = _transition(
            actor=actor,
            nominations=groups[class_id],
            allowed_from=(NominationState.SUBMITTED,),
            to=NominationState.APPROVED,
            action="nomination.approve",
        )
        Enrollment.objects.bulk_create(Enrollment.for_nomination(n) for n in approved)
        done += approved
    return done


@transaction.atomic
def nominations_return(
    *, actor: User, nominations: Iterable[Nomination], reason: str
) -> list[Nomination]:
    reason = reason.strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Say why the nominations are returned, so the unit can fix them.")}
        )
    return _transition(
        actor=actor,
        nominations=nominations,
        allowed_from=(NominationState.SUBMITTED,),
        to=NominationState.RETURNED,
        action="nomination.return",
        extra={"return_reason": reason[:500]},
    )


@transaction.atomic
def nomination_withdraw(*, actor: User, nomination: Nomination) -> Nomination:
    klass = _lock_class(nomination.training_class)
    if nomination.state == NominationState.APPROVED:
        _check_before_start(klass)
        Enrollment.objects.filter(nomination=nomination).delete()
    (n,) = _transition(
        actor=actor,
        nominations=[nomination],
        allowed_from=(
            NominationState.DRAFT,
            NominationState.SUBMITTED,
            NominationState.RETURNED,
            NominationState.APPROVED,
        ),
        to=NominationState.WITHDRAWN,
        action="nomination.withdraw",
    )
    return n


def _check_before_start(klass: TrainingClass) -> None:
    if timezone.localdate() >= klass.start_date:
        raise ValidationError(
            _(
                "Class %(code)s has started; an approved participant can no longer be replaced or withdrawn."
            )
            % {"code": klass.code}
        )


@transaction.atomic
def nomination_substitute(
    *, actor: User, nomination: Nomination, participant: Participant
) -> Nomination:
    """Another person takes this nominee's seat before the class starts. The seat (unit,
    category, state) is kept: no quota check, no new approval needed."""
    klass = _lock_class(nomination.training_class)
    _check_before_start(klass)
    old = Nomination.objects.select_for_update().get(pk=nomination.pk)
    if old.state not in (NominationState.SUBMITTED, NominationState.APPROVED):
        raise ValidationError(
            _("Only a submitted or approved nomination can be substituted; edit a draft instead.")
        )
    if old.participant_id == participant.pk:
        raise ValidationError(_("The substitute is the same person."))
    state = old.state
    enrollment = Enrollment.objects.filter(nomination=old).first()
    if enrollment:
        enrollment.delete()
    old.state = NominationState.SUBSTITUTED
    old.save(update_fields=["state"])
    new = Nomination(
        training_class=klass,
        organisation=old.organisation,
        category=old.category,
        participant=participant,
        state=state,
        substitute_for=old,
        created_by=actor,
        submitted_at=old.submitted_at,
        decided_at=old.decided_at,
        decided_by=old.decided_by,
    )
    new.full_clean()
    new.save()
    if enrollment:
        Enrollment.for_nomination(new).save()
    audit(
        actor=actor,
        action="nomination.substitute",
        target=new,
        changes={
            "replaces": old.pk,
            "old_participant": old.participant_id,
            "new_participant": participant.pk,
        },
    )
    return new
