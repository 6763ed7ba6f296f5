"""The audit log is append-only, also for code that bypasses the ORM (raw SQL, a script).

* The actor is PROTECTed: deleting a user must not null the "who" of their history (the
  old SET_NULL was an UPDATE of audit rows, which the trigger below now refuses anyway).
* UPDATE is refused by a trigger on both databases.
* DELETE is refused by a trigger on PostgreSQL only. Django empties tables between
  transactional tests (pytest-django, live-server browser tests) and in `manage.py flush`
  with TRUNCATE on PostgreSQL, which fires no row triggers, but with `DELETE FROM` on
  SQLite, where a DELETE trigger would make every such flush fail. On SQLite deletion is
  refused by the model, its QuerySet and the admin; PostgreSQL is the production database
  with several servers. TRUNCATE stays possible for the database owner on purpose: that is
  a deliberate maintenance act (restore, flush), not something the application does.

Like the triggers of 0003: SQLite drops a table's triggers when a migration rebuilds it, so
a later migration that alters courses_auditlog must re-create them
(tests/courses/test_auditlog.py fails if they go missing).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

SQLITE_FORWARD = [
    """
    CREATE TRIGGER courses_auditlog_no_update BEFORE UPDATE ON courses_auditlog
    BEGIN SELECT RAISE(ABORT, 'auditlog_immutable'); END
    """,
]
SQLITE_BACKWARD = ["DROP TRIGGER IF EXISTS courses_auditlog_no_update"]

POSTGRES_FORWARD = [
    """
    CREATE FUNCTION courses_auditlog_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'auditlog_immutable' USING ERRCODE = 'restrict_violation';
    END $$
    """,
    """
    CREATE TRIGGER courses_auditlog_immutable BEFORE UPDATE OR DELETE ON courses_auditlog
    FOR EACH ROW EXECUTE FUNCTION courses_auditlog_immutable()
    """,
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS courses_auditlog_immutable ON courses_auditlog",
    "DROP FUNCTION IF EXISTS courses_auditlog_immutable()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements is None:
            raise NotImplementedError(
                f"No trigger definitions for {schema_editor.connection.vendor}; "
                "the audit log would be editable."
            )
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0005_attendance"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditlog",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="user",
            ),
        ),
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        ),
    ]
