"""The audit log is append-only: no layer (model, QuerySet, admin, raw SQL) changes it."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models.deletion import ProtectedError
from django.urls import reverse

from accounts.models import Role
from core.audit import audit
from courses.models import AuditLog, AuditLogImmutableError
from tests import factories as f


@pytest.fixture
def entry(db):
    actor = f.user(Role.COORDINATOR, username="dieuphoi")
    klass = f.training_class(code="TTDN-2023-L1")
    return audit(actor=actor, action="class.create", target=klass, changes={"a": 1})


def _fresh(entry):
    return AuditLog.objects.values("action", "actor_id", "changes").get(pk=entry.pk)


def test_saving_an_existing_entry_is_refused(entry):
    entry.action = "class.delete"
    with pytest.raises(AuditLogImmutableError):
        entry.save()
    assert _fresh(entry)["action"] == "class.create"


def test_deleting_an_entry_is_refused(entry):
    with pytest.raises(AuditLogImmutableError):
        entry.delete()
    assert AuditLog.objects.filter(pk=entry.pk).exists()


def test_queryset_update_and_delete_are_refused(entry):
    with pytest.raises(AuditLogImmutableError):
        AuditLog.objects.filter(pk=entry.pk).update(action="x")
    with pytest.raises(AuditLogImmutableError):
        AuditLog.objects.all().delete()
    entry.action = "x"
    with pytest.raises(AuditLogImmutableError):
        AuditLog.objects.bulk_update([entry], ["action"])
    assert _fresh(entry) == {
        "action": "class.create",
        "actor_id": entry.actor_id,
        "changes": {"a": 1},
    }


def test_database_refuses_a_raw_update(entry):
    with (
        pytest.raises(IntegrityError, match="auditlog_immutable"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE courses_auditlog SET action = %s WHERE id = %s", ["x", entry.pk])
    assert _fresh(entry)["action"] == "class.create"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="DELETE trigger on PostgreSQL only")
def test_postgresql_refuses_a_raw_delete(entry):
    with (
        pytest.raises(IntegrityError, match="auditlog_immutable"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM courses_auditlog WHERE id = %s", [entry.pk])
    assert AuditLog.objects.filter(pk=entry.pk).exists()


def test_new_entries_can_still_be_written(entry):
    audit(actor=None, action="class.state", target=None)
    assert list(AuditLog.objects.order_by("pk").values_list("action", flat=True)) == [
        "class.create",
        "class.state",
    ]


def test_deleting_a_user_with_history_is_refused_and_history_survives(entry):
    actor = entry.actor
    with pytest.raises(ProtectedError), transaction.atomic():
        actor.delete()
    assert _fresh(entry)["actor_id"] == actor.pk


def test_a_user_without_history_can_still_be_deleted(entry):
    newcomer = f.user(Role.VIEWER, username="moi")
    newcomer.delete()
    assert AuditLog.objects.filter(pk=entry.pk).exists()


# --- Admin: view only, even for a superuser ---------------------------------------------


@pytest.fixture
def superuser_client(client, db):
    su = f.user(username="quantri", is_staff=True, is_superuser=True)
    client.force_login(su)
    return client


def test_admin_shows_the_log_without_actions_or_add(superuser_client, entry):
    response = superuser_client.get(reverse("admin:courses_auditlog_changelist"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "class.create" in body
    assert 'name="action"' not in body  # no bulk-action dropdown (no "delete selected")
    assert reverse("admin:courses_auditlog_add") not in body


def test_admin_cannot_add_change_or_delete(superuser_client, entry):
    add = superuser_client.get(reverse("admin:courses_auditlog_add"))
    assert add.status_code == 403
    delete = superuser_client.post(
        reverse("admin:courses_auditlog_delete", args=[entry.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    # The change page is a read-only view: posting to it changes nothing.
    url = reverse("admin:courses_auditlog_change", args=[entry.pk])
    page = superuser_client.get(url)
    assert page.status_code == 200
    assert 'name="action"' not in page.content.decode()  # no editable field
    superuser_client.post(url, {"action": "forged", "target_repr": "forged"})
    assert _fresh(entry)["action"] == "class.create"


def test_admin_bulk_delete_action_is_refused(superuser_client, entry):
    response = superuser_client.post(
        reverse("admin:courses_auditlog_changelist"),
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )
    assert response.status_code in {200, 302}
    assert AuditLog.objects.filter(pk=entry.pk).exists()
