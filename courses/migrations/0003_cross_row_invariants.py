"""Database triggers for the invariants a CHECK constraint cannot express.

* a session's date lies within its class's dates (also when the class dates change);
* two sessions never use one venue at overlapping times;
* the quotas of a class never add up to more than its capacity (also when it shrinks).

Beware: SQLite rebuilds a table to alter it, which drops its triggers and fails while
other tables' triggers name it. A later migration that alters these tables must drop the
triggers first and re-create them after (see 0005). tests/courses/test_invariants.py
fails if one goes missing.

`clean()` on the models reports these to users in Vietnamese; the triggers make sure that
nothing else (a bulk update, a race between two coordinators, a script) can break them.
On PostgreSQL the trigger functions lock the class/venue row first so that two concurrent
transactions are checked one after the other. The error text is a stable token that
`courses.services` maps back to a message.
"""

from django.db import migrations

SQLITE_FORWARD = [
    # Session inside class dates.
    """
    CREATE TRIGGER courses_session_within_class_ins BEFORE INSERT ON courses_session
    WHEN EXISTS (SELECT 1 FROM courses_trainingclass c WHERE c.id = NEW.training_class_id
                 AND (NEW.date < c.start_date OR NEW.date > c.end_date))
    BEGIN SELECT RAISE(ABORT, 'session_outside_class_dates'); END
    """,
    """
    CREATE TRIGGER courses_session_within_class_upd BEFORE UPDATE ON courses_session
    WHEN EXISTS (SELECT 1 FROM courses_trainingclass c WHERE c.id = NEW.training_class_id
                 AND (NEW.date < c.start_date OR NEW.date > c.end_date))
    BEGIN SELECT RAISE(ABORT, 'session_outside_class_dates'); END
    """,
    """
    CREATE TRIGGER courses_class_dates_cover_sessions BEFORE UPDATE ON courses_trainingclass
    WHEN EXISTS (SELECT 1 FROM courses_session s WHERE s.training_class_id = NEW.id
                 AND (s.date < NEW.start_date OR s.date > NEW.end_date))
    BEGIN SELECT RAISE(ABORT, 'session_outside_class_dates'); END
    """,
    # One venue, one session at a time.
    """
    CREATE TRIGGER courses_session_venue_free_ins BEFORE INSERT ON courses_session
    WHEN EXISTS (SELECT 1 FROM courses_session s WHERE s.venue_id = NEW.venue_id
                 AND s.date = NEW.date AND s.start_time < NEW.end_time
                 AND NEW.start_time < s.end_time)
    BEGIN SELECT RAISE(ABORT, 'session_venue_overlap'); END
    """,
    """
    CREATE TRIGGER courses_session_venue_free_upd BEFORE UPDATE ON courses_session
    WHEN EXISTS (SELECT 1 FROM courses_session s WHERE s.venue_id = NEW.venue_id
                 AND s.id <> NEW.id AND s.date = NEW.date AND s.start_time < NEW.end_time
                 AND NEW.start_time < s.end_time)
    BEGIN SELECT RAISE(ABORT, 'session_venue_overlap'); END
    """,
    # Quotas within capacity.
    """
    CREATE TRIGGER courses_quota_within_capacity_ins AFTER INSERT ON courses_quota
    WHEN (SELECT SUM(seats) FROM courses_quota WHERE training_class_id = NEW.training_class_id)
         > (SELECT capacity FROM courses_trainingclass WHERE id = NEW.training_class_id)
    BEGIN SELECT RAISE(ABORT, 'quota_exceeds_capacity'); END
    """,
    """
    CREATE TRIGGER courses_quota_within_capacity_upd AFTER UPDATE ON courses_quota
    WHEN (SELECT SUM(seats) FROM courses_quota WHERE training_class_id = NEW.training_class_id)
         > (SELECT capacity FROM courses_trainingclass WHERE id = NEW.training_class_id)
    BEGIN SELECT RAISE(ABORT, 'quota_exceeds_capacity'); END
    """,
    """
    CREATE TRIGGER courses_class_capacity_covers_quotas AFTER UPDATE ON courses_trainingclass
    WHEN (SELECT COALESCE(SUM(seats), 0) FROM courses_quota WHERE training_class_id = NEW.id)
         > NEW.capacity
    BEGIN SELECT RAISE(ABORT, 'quota_exceeds_capacity'); END
    """,
]

SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in (
        "courses_session_within_class_ins",
        "courses_session_within_class_upd",
        "courses_class_dates_cover_sessions",
        "courses_session_venue_free_ins",
        "courses_session_venue_free_upd",
        "courses_quota_within_capacity_ins",
        "courses_quota_within_capacity_upd",
        "courses_class_capacity_covers_quotas",
    )
]

POSTGRES_FORWARD = [
    """
    CREATE FUNCTION courses_session_check() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE c RECORD;
    BEGIN
        SELECT start_date, end_date INTO c FROM courses_trainingclass
            WHERE id = NEW.training_class_id FOR UPDATE;
        IF NEW.date < c.start_date OR NEW.date > c.end_date THEN
            RAISE EXCEPTION 'session_outside_class_dates' USING ERRCODE = 'check_violation';
        END IF;
        PERFORM 1 FROM courses_venue WHERE id = NEW.venue_id FOR UPDATE;
        IF EXISTS (SELECT 1 FROM courses_session s WHERE s.venue_id = NEW.venue_id
                   AND s.id <> NEW.id AND s.date = NEW.date
                   AND s.start_time < NEW.end_time AND NEW.start_time < s.end_time) THEN
            RAISE EXCEPTION 'session_venue_overlap' USING ERRCODE = 'exclusion_violation';
        END IF;
        RETURN NEW;
    END $$
    """,
    """
    CREATE TRIGGER courses_session_check BEFORE INSERT OR UPDATE ON courses_session
    FOR EACH ROW EXECUTE FUNCTION courses_session_check()
    """,
    """
    CREATE FUNCTION courses_quota_check() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE cap integer; total bigint;
    BEGIN
        SELECT capacity INTO cap FROM courses_trainingclass
            WHERE id = NEW.training_class_id FOR UPDATE;
        SELECT COALESCE(SUM(seats), 0) INTO total FROM courses_quota
            WHERE training_class_id = NEW.training_class_id;
        IF total > cap THEN
            RAISE EXCEPTION 'quota_exceeds_capacity' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER courses_quota_check AFTER INSERT OR UPDATE ON courses_quota
    FOR EACH ROW EXECUTE FUNCTION courses_quota_check()
    """,
    """
    CREATE FUNCTION courses_class_check() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF EXISTS (SELECT 1 FROM courses_session s WHERE s.training_class_id = NEW.id
                   AND (s.date < NEW.start_date OR s.date > NEW.end_date)) THEN
            RAISE EXCEPTION 'session_outside_class_dates' USING ERRCODE = 'check_violation';
        END IF;
        IF (SELECT COALESCE(SUM(seats), 0) FROM courses_quota WHERE training_class_id = NEW.id)
           > NEW.capacity THEN
            RAISE EXCEPTION 'quota_exceeds_capacity' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$
    """,
    """
    CREATE TRIGGER courses_class_check BEFORE UPDATE ON courses_trainingclass
    FOR EACH ROW EXECUTE FUNCTION courses_class_check()
    """,
]

POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS courses_session_check ON courses_session",
    "DROP TRIGGER IF EXISTS courses_quota_check ON courses_quota",
    "DROP TRIGGER IF EXISTS courses_class_check ON courses_trainingclass",
    "DROP FUNCTION IF EXISTS courses_session_check()",
    "DROP FUNCTION IF EXISTS courses_quota_check()",
    "DROP FUNCTION IF EXISTS courses_class_check()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements is None:
            raise NotImplementedError(
                f"No trigger definitions for {schema_editor.connection.vendor}; "
                "the invariants in this migration would go unenforced."
            )
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("courses", "0002_participant_categories")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]
