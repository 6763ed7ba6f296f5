"""Accounts the department coordinator creates, changes, disables and enables in the app.

The one place that decides what the page may do to an account: only unit officers,
trainers and viewers, never a coordinator, a staff account or a superuser (those are the
system administrator's, in the admin), and never the coordinator's own account. Accounts
are disabled, never deleted: their nominations, scans and audit entries keep pointing at
them. Every change is written to the audit log, without the password.
"""

from __future__ import annotations

import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from core.audit import audit
from courses.models import Organisation, Trainer

# The roles this page hands out. A coordinator cannot make another coordinator here.
MANAGED_ROLES = (Role.NOMINATOR, Role.TRAINER, Role.VIEWER)

# Letters and digits that cannot be misread when a password is read aloud or copied from
# a screen (no 0/O, 1/l/I).
_READABLE_CHARACTERS = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"


def generate_password(length: int = 12) -> str:
    """A random password that passes Django's validators (not numeric, not common)."""
    while True:
        password = "".join(secrets.choice(_READABLE_CHARACTERS) for _i in range(length))
        if any(c.isdigit() for c in password) and any(c.isalpha() for c in password):
            return password


def is_managed(user: User) -> bool:
    """Whether the accounts page may change this account at all."""
    return not (user.is_superuser or user.is_staff or user.role == Role.COORDINATOR)


def _check_actor(actor: User) -> None:
    if not actor.is_coordinator:
        raise PermissionDenied(_("Only the department coordinator can do this."))


def _check_target(actor: User, user: User) -> None:
    if user.pk == actor.pk:
        raise PermissionDenied(_("You cannot change your own account here."))
    if not is_managed(user):
        raise PermissionDenied(
            _("Coordinator and administrator accounts are managed by the system administrator.")
        )


def _bind(
    *, user: User, role: str, organisation: Organisation | None, trainer: Trainer | None
) -> Trainer | None:
    """Set the role and what it is bound to; return the trainer record to link (created
    with the account's name when the coordinator picked none)."""
    if role not in MANAGED_ROLES:
        raise PermissionDenied(_("This page cannot give that role."))
    user.role = role
    user.is_staff = False
    user.is_superuser = False
    if role == Role.TRAINER:
        organisation = None  # a trainer is bound to the classes they teach, not a unit
    # A unit dissolved by a reform keeps its old officers, but nobody new joins it.
    if (
        organisation is not None
        and organisation.pk != user.organisation_id
        and not Organisation.objects.valid_on(timezone.localdate())
        .filter(pk=organisation.pk)
        .exists()
    ):
        raise ValidationError({"organisation": _("This unit no longer exists today.")})
    if role == Role.NOMINATOR and (organisation is None or not organisation.can_nominate):
        raise ValidationError(
            {"organisation": _("A unit officer must belong to a unit that nominates.")}
        )
    user.organisation = organisation
    if role != Role.TRAINER:
        return None
    if trainer is None and user.pk:
        trainer = Trainer.objects.filter(user=user).first()
    if trainer is None:
        trainer = Trainer(full_name=user.full_name)
    elif trainer.user_id not in (None, user.pk):
        raise ValidationError({"trainer": _("This trainer already has an account.")})
    return trainer


def _set_password(user: User, password: str) -> None:
    validate_password(password, user)
    user.set_password(password)


def _snapshot(user: User) -> dict:
    trainer = Trainer.objects.filter(user=user).first() if user.pk else None
    return {
        "username": user.username,
        "full_name": user.full_name,
        "email": user.email,
        "role": user.role,
        "organisation": user.organisation_id,
        "trainer": trainer.pk if trainer else None,
        "is_active": user.is_active,
    }


def _link_trainer(user: User, trainer: Trainer | None) -> None:
    """Exactly `trainer` (or none) points at this account afterwards."""
    Trainer.objects.filter(user=user).exclude(pk=trainer.pk if trainer else None).update(user=None)
    if trainer is not None and trainer.user_id != user.pk:
        if trainer.pk is not None:
            trainer = Trainer.objects.select_for_update().get(pk=trainer.pk)
            if trainer.user_id is not None:
                raise ValidationError({"trainer": _("This trainer already has an account.")})
        trainer.user = user
        trainer.full_clean()
        trainer.save()


@transaction.atomic
def account_create(
    *,
    actor: User,
    username: str,
    full_name: str,
    role: str,
    email: str = "",
    organisation: Organisation | None = None,
    trainer: Trainer | None = None,
    password: str = "",
) -> tuple[User, str]:
    """Create an account; return it and its initial password (the one given, or a
    generated one to show the coordinator once)."""
    _check_actor(actor)
    user = User(username=username, full_name=full_name, email=email)
    trainer = _bind(user=user, role=role, organisation=organisation, trainer=trainer)
    password = password or generate_password()
    user.full_clean(exclude=["password"])
    _set_password(user, password)
    user.save()
    _link_trainer(user, trainer)
    audit(actor=actor, action="account.create", target=user, changes=_snapshot(user))
    return user, password


@transaction.atomic
def account_update(
    *,
    actor: User,
    user: User,
    full_name: str,
    role: str,
    email: str = "",
    organisation: Organisation | None = None,
    trainer: Trainer | None = None,
    password: str = "",
) -> User:
    """Change an account's name, role and binding; a non-empty `password` replaces its
    password."""
    _check_actor(actor)
    user = User.objects.select_for_update().get(pk=user.pk)
    _check_target(actor, user)
    before = _snapshot(user)
    user.full_name = full_name
    user.email = email
    trainer = _bind(user=user, role=role, organisation=organisation, trainer=trainer)
    user.full_clean(exclude=["password"])
    if password:
        _set_password(user, password)
    user.save()
    _link_trainer(user, trainer)
    after = _snapshot(user)
    changes = {k: [before[k], v] for k, v in after.items() if before[k] != v}
    if password:
        changes["password_reset"] = True  # whether it changed, never the password
    audit(actor=actor, action="account.update", target=user, changes=changes)
    return user


@transaction.atomic
def account_set_active(*, actor: User, user: User, active: bool) -> User:
    """Disable (the account can no longer log in, and its open sessions end at their next
    request) or enable an account. Nothing it did is deleted."""
    _check_actor(actor)
    user = User.objects.select_for_update().get(pk=user.pk)
    _check_target(actor, user)
    if user.is_active == active:
        return user
    user.is_active = active
    user.save(update_fields=["is_active"])
    audit(
        actor=actor,
        action="account.enable" if active else "account.disable",
        target=user,
        changes={"is_active": [not active, active]},
    )
    return user
