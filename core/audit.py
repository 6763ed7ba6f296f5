"""The audit log's one writer: who did what to which object, and when.

Every app records its audited changes through :func:`audit`, inside the transaction of
the change. The rows are ``courses.models.AuditLog`` (append-only: the triggers of
``courses`` migration 0006 refuse an UPDATE or DELETE).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from accounts.models import User
    from courses.models import AuditLog


def audit(
    *,
    actor: User | None,
    action: str,
    target: models.Model | None,
    changes: dict | None = None,
) -> AuditLog:
    """Record who did what to which object. Call inside the transaction of the change, so
    the log and the change are committed (or rolled back) together."""
    from django.contrib.contenttypes.models import ContentType

    from courses.models import AuditLog

    return AuditLog.objects.create(
        actor=actor if actor and actor.pk else None,
        action=action,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:300] if target is not None else "",
        changes=changes or {},
    )
