"""Writes that touch several rows or must be audited. Views, the admin-facing commands
and later modules call these; none of them saves a class, session or quota directly."""

from __future__ import annotations

import contextlib
import datetime
import decimal
from collections.abc import Iterable, Iterator

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from core.audit import audit
from courses import signals
from courses.models import (
    AuditLog,
    ClassState,
    ParticipantCategory,
    Quota,
    Session,
    Trainer,
    TrainingClass,
)

# Tokens raised by the triggers of migration 0003 → the field and message for the user.
_TRIGGER_ERRORS = {
    "session_outside_class_dates": (
        "date",
        gettext_noop("The date must be within the class dates."),
    ),
    "session_venue_overlap": (
        "start_time",
        gettext_noop("The venue is already used at that time."),
    ),
    "quota_exceeds_capacity": (
        None,
        gettext_noop("The quotas add up to more than the class capacity."),
    ),
}


@contextlib.contextmanager
def database_invariants() -> Iterator[None]:
    """Turn a trigger's refusal (a race that `clean()` could not see) into the same
    ValidationError a form shows, instead of a 500."""
    try:
        yield
    except IntegrityError as exc:
        for token, (field, message) in _TRIGGER_ERRORS.items():
            if token in str(exc):
                raise ValidationError({field: _(message)} if field else _(message)) from exc
        raise


def _jsonable(value):
    if isinstance(value, (datetime.date, datetime.time, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


def _field_values(instance: models.Model) -> dict:
    return {
        f.attname: _jsonable(getattr(instance, f.attname))
        for f in instance._meta.concrete_fields
        if f.attname not in {"id", "created_at", "updated_at"}
    }


def _diff(before: dict, after: dict) -> dict:
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def _audit_save(
    *, actor: User, target: models.Model, noun: str, before: dict | None, after: dict
) -> None:
    """A new row (nothing `before`) is audited as "<noun>.create" with all its values; a
    changed one as "<noun>.update" with what changed, old and new."""
    audit(
        actor=actor,
        action=f"{noun}.create" if before is None else f"{noun}.update",
        target=target,
        changes=after if before is None else _diff(before, after),
    )


@transaction.atomic
def training_class_save(*, actor: User, training_class: TrainingClass) -> TrainingClass:
    """Create or update a class (fields already set on the instance)."""
    before: dict | None = None
    if training_class.pk is not None:
        before = _field_values(TrainingClass.objects.select_for_update().get(pk=training_class.pk))
    training_class.full_clean()
    with database_invariants():
        training_class.save()
    _audit_save(
        actor=actor,
        target=training_class,
        noun="class",
        before=before,
        after=_field_values(training_class),
    )
    return training_class


@transaction.atomic
def training_class_change_state(
    *, actor: User, training_class: TrainingClass, state: str
) -> TrainingClass:
    locked = TrainingClass.objects.select_for_update().get(pk=training_class.pk)
    if not locked.can_change_state_to(state):
        raise ValidationError(
            _("A class in state “%(current)s” cannot move to “%(new)s”.")
            % {"current": locked.get_state_display(), "new": state}
        )
    previous = locked.state
    locked.state = state
    locked.save(update_fields=["state", "updated_at"])
    changes: dict = {"state": [previous, state]}
    if state == ClassState.CLOSED:
        # Closing the class makes attendance final (certificates are issued from it):
        # sessions nobody closed are closed now, marking those never scanned absent
        # (attendees acts on the signal: it builds on courses, not the other way round).
        closed = list(locked.sessions.filter(closed_at__isnull=True).order_by("pk"))
        signals.class_closing.send(
            sender=TrainingClass, training_class=locked, actor=actor, sessions=closed
        )
        # Reopening the class reopens exactly these (training_class_reopen).
        changes["sessions_closed"] = [s.pk for s in closed]
    audit(actor=actor, action="class.state", target=locked, changes=changes)
    training_class.state = state
    return locked


def reopen_refusal(training_class: TrainingClass) -> str:
    """Why a class, or a session of it, can no longer be reopened ("" when it can):
    certificates are issued from final attendance, so once the register holds one (even
    revoked since) that attendance stays as it was."""
    if training_class.has_issued_certificates():
        return _(
            "Certificates of class %(code)s have been issued: its attendance is final and "
            "can no longer be reopened."
        ) % {"code": training_class.code}
    return ""


def clean_reopen_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for reopening.")})
    return reason[:300]


def _sessions_closed_with_class(training_class: TrainingClass) -> list[int]:
    """The sessions the latest closing of the class closed (from its audit entry)."""
    from django.contrib.contenttypes.models import ContentType

    entries = AuditLog.objects.filter(
        action="class.state",
        target_type=ContentType.objects.get_for_model(TrainingClass),
        target_id=str(training_class.pk),
    ).order_by("-pk")
    for entry in entries:
        if (entry.changes.get("state") or [None, None])[1] == ClassState.CLOSED:
            return list(entry.changes.get("sessions_closed", []))
    return []


@transaction.atomic
def training_class_reopen(*, actor: User, training_class: TrainingClass, reason: str) -> int:
    """The coordinator takes back the closing of a class (closed by mistake, or too
    early): it is running again, and the sessions its closing closed are reopened (their
    unexplained absences cleared). Audited with the reason; refused once certificates of
    the class are issued. Returns how many sessions were reopened."""
    if not actor.is_coordinator:
        raise PermissionDenied(_("Only the department reopens a class."))
    reason = clean_reopen_reason(reason)
    locked = TrainingClass.objects.select_for_update().get(pk=training_class.pk)
    if locked.state != ClassState.CLOSED:
        raise ValidationError(_("This class is not closed."))
    refusal = reopen_refusal(locked)
    if refusal:
        raise ValidationError(refusal)
    locked.state = ClassState.RUNNING
    locked.save(update_fields=["state", "updated_at"])
    ids = _sessions_closed_with_class(locked)
    sessions = list(locked.sessions.filter(pk__in=ids, closed_at__isnull=False).order_by("pk"))
    audit(
        actor=actor,
        action="class.reopen",
        target=locked,
        changes={
            "state": [ClassState.CLOSED, ClassState.RUNNING],
            "reason": reason,
            "sessions_reopened": [s.pk for s in sessions],
        },
    )
    signals.class_reopening.send(
        sender=TrainingClass, training_class=locked, actor=actor, sessions=sessions, reason=reason
    )
    training_class.state = locked.state
    return len(sessions)


@transaction.atomic
def session_save(*, actor: User, session: Session, trainers: Iterable[Trainer]) -> Session:
    before: dict | None = None
    if session.pk is not None:
        old = Session.objects.get(pk=session.pk)
        before = {
            **_field_values(old),
            "trainers": sorted(old.trainers.values_list("pk", flat=True)),
        }
    # Lock the class so that its dates cannot change under us (SQLite serialises anyway).
    TrainingClass.objects.select_for_update().get(pk=session.training_class_id)
    session.full_clean()
    with database_invariants():
        session.save()
    session.trainers.set(trainers)
    after = {**_field_values(session), "trainers": sorted(t.pk for t in trainers)}
    _audit_save(actor=actor, target=session, noun="session", before=before, after=after)
    return session


@transaction.atomic
def session_delete(*, actor: User, session: Session) -> None:
    audit(actor=actor, action="session.delete", target=session, changes=_field_values(session))
    session.delete()


@transaction.atomic
def quota_grid_save(
    *,
    actor: User,
    training_class: TrainingClass,
    seats: dict[tuple[int, int], int],
) -> list[Quota]:
    """Set the seats of the given (organisation_id, category_id) cells; 0 removes the
    quota, cells not given keep their seats.

    Decreases are written before increases, so moving seats from one unit to another
    never passes through a state above capacity (the trigger checks every row).
    """
    klass = TrainingClass.objects.select_for_update().get(pk=training_class.pk)
    if any(n < 0 for n in seats.values()):
        raise ValidationError(_("Seats cannot be negative."))
    valid_categories = set(ParticipantCategory.objects.values_list("pk", flat=True))
    if any(cat not in valid_categories for _org, cat in seats):
        raise ValidationError(_("Unknown participant category."))

    existing = {(q.organisation_id, q.category_id): q for q in klass.quotas.all()}
    before = {key: q.seats for key, q in existing.items()}
    after = {key: n for key, n in {**before, **seats}.items() if n > 0}
    total = sum(after.values())
    if total > klass.capacity:
        raise ValidationError(
            _("The quotas add up to %(total)s seats, more than the class capacity of %(capacity)s.")
            % {"total": total, "capacity": klass.capacity}
        )
    changes = sorted(
        (after.get(key, 0) - before.get(key, 0), key, after.get(key, 0))
        for key in set(before) | set(after)
        if after.get(key, 0) != before.get(key, 0)
    )
    with database_invariants():
        for _delta, key, new in changes:  # most negative first
            if new == 0:
                existing[key].delete()
            elif key in existing:
                existing[key].seats = new
                existing[key].save(update_fields=["seats"])
            else:
                Quota.objects.create(
                    training_class=klass, organisation_id=key[0], category_id=key[1], seats=new
                )
    if changes:
        audit(
            actor=actor,
            action="quota.update",
            target=klass,
            changes={f"{o}:{c}": [before.get((o, c), 0), n] for _d, (o, c), n in changes},
        )
    return list(klass.quotas.select_related("organisation", "category"))
