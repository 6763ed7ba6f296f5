"""The admin group of the department coordinator.

A coordinator with `is_staff` but no permissions opened /admin/ on "you don't have
permission to view or edit anything", so nobody could keep the reference data (trainers,
venues, units with their validity dates, languages, certificate registers) through the web.
This group gives exactly that. It never holds a permission on accounts, groups or
permissions themselves: changing a user in the admin would let its holder make anyone a
superuser. Accounts are managed on the in-app page (accounts/views.py), whose service
refuses to create or change coordinators and superusers.

Created (and completed, never trimmed: a superuser may add to it) after every `migrate`,
and by `seed_demo`, which puts the demo coordinator in it.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

COORDINATOR_GROUP = "Điều phối"

# (app label, model, actions). No "delete" anywhere: units, venues and trainers are
# referenced by classes and certificates (PROTECT), and a register's numbers are evidence.
# Models whose admin is read-only get "view" only.
COORDINATOR_PERMISSIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("courses", "trainer", ("add", "change", "view")),
    ("courses", "venue", ("add", "change", "view")),
    ("courses", "organisation", ("add", "change", "view")),
    ("materials", "language", ("add", "change", "view")),
    # The admin adds no register (the issuing service opens them); only its format changes.
    ("certificates", "registerseries", ("change", "view")),
    ("certificates", "certificatesettings", ("add", "change", "view")),
    ("courses", "auditlog", ("view",)),
    ("certificates", "certificate", ("view",)),
    ("certificates", "certificatebatch", ("view",)),
    ("materials", "material", ("view",)),
)

# Never granted by this module, whatever the list above says: each lets its holder give
# themselves (or anyone) every right.
FORBIDDEN_APPS = frozenset({"auth", "accounts", "contenttypes", "sessions", "admin"})


def _permission_filter() -> Q:
    query = Q(pk__in=[])
    for app_label, model, actions in COORDINATOR_PERMISSIONS:
        if app_label in FORBIDDEN_APPS:
            raise ValueError(f"{app_label}.{model} must not be granted to coordinators")
        query |= Q(
            content_type__app_label=app_label,
            content_type__model=model,
            codename__in=[f"{action}_{model}" for action in actions],
        )
    return query


def coordinator_group_ensure(*, using: str = "default") -> Group:
    """The coordinators' group with (at least) its permissions; safe to call any number
    of times. Permissions not created yet (an app later in the post_migrate order) are
    added by a later call."""
    group, _created = Group.objects.using(using).get_or_create(name=COORDINATOR_GROUP)
    wanted = Permission.objects.using(using).filter(_permission_filter())
    missing = wanted.exclude(group=group)
    if missing.exists():
        group.permissions.add(*missing)
    return group


def ensure_after_migrate(sender, using: str = "default", **kwargs) -> None:
    """post_migrate receiver (accounts/apps.py): runs once per migrated app, after
    Django's own receiver has created that app's permissions."""
    coordinator_group_ensure(using=using)
