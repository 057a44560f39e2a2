"""Append-only in the database: triggers refuse UPDATE, DELETE and TRUNCATE of audit rows.

Exceptions, the same on both vendors:
- the sealing update (``services.seal``): fills ``seq``, ``prev_hash`` and ``hash`` of a row
  whose hash is still empty and changes no other column;
- the purge (``gongzhi purge-audit``): deletes sealed rows older than 184 days (the legal
  minimum, whatever the configured retention) while its transaction has switched purging on
  (PostgreSQL: ``SET LOCAL gongzhi.audit_purge = 'on'``; SQLite: a 'purge' row in
  ``audit_guard``, inserted and removed inside the purge transaction);
- maintenance (``gongzhi.audit.guard.maintenance``): a wipe of the whole database (Django's
  ``flush``, used by the test runner, and a restore) may delete or truncate everything.
"""

from django.db import NotSupportedError, migrations

PG_FORWARD = r"""
CREATE OR REPLACE FUNCTION audit_auditevent_guard() RETURNS trigger AS $$
BEGIN
    IF coalesce(current_setting('gongzhi.audit_maintenance', true), '') = 'on' THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        IF TG_OP = 'TRUNCATE' THEN RETURN NULL; END IF;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        IF OLD.hash = '' AND OLD.seq IS NULL AND NEW.hash <> '' AND NEW.seq IS NOT NULL
           AND (NEW.id, NEW.at, NEW.actor_id, NEW.actor_name, NEW.ip, NEW.user_agent, NEW.category,
                NEW.action, NEW.outcome, NEW.object_type, NEW.object_id, NEW.object_repr, NEW.detail)
               IS NOT DISTINCT FROM
               (OLD.id, OLD.at, OLD.actor_id, OLD.actor_name, OLD.ip, OLD.user_agent, OLD.category,
                OLD.action, OLD.outcome, OLD.object_type, OLD.object_id, OLD.object_repr, OLD.detail)
        THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'audit_auditevent is append-only: UPDATE refused (row %)', OLD.id
            USING ERRCODE = 'insufficient_privilege';
    ELSIF TG_OP = 'DELETE' THEN
        IF coalesce(current_setting('gongzhi.audit_purge', true), '') = 'on'
           AND OLD.hash <> '' AND OLD.at < now() - interval '184 days' THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'audit_auditevent is append-only: DELETE refused (row %)', OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RAISE EXCEPTION 'audit_auditevent is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_auditevent_no_change
    BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_auditevent_guard();
CREATE TRIGGER audit_auditevent_no_truncate
    BEFORE TRUNCATE ON audit_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION audit_auditevent_guard();
"""

PG_BACKWARD = r"""
DROP TRIGGER IF EXISTS audit_auditevent_no_truncate ON audit_auditevent;
DROP TRIGGER IF EXISTS audit_auditevent_no_change ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_auditevent_guard();
"""

# SQLite has no TRUNCATE (its DELETE without WHERE runs the row triggers when there are any).
SQLITE_FORWARD = [
    "CREATE TABLE IF NOT EXISTS audit_guard (mode varchar(16) NOT NULL PRIMARY KEY)",
    r"""
CREATE TRIGGER audit_auditevent_no_update BEFORE UPDATE ON audit_auditevent
WHEN NOT (
    OLD.hash = '' AND OLD.seq IS NULL AND NEW.hash <> '' AND NEW.seq IS NOT NULL
    AND NEW.id IS OLD.id AND NEW.at IS OLD.at AND NEW.actor_id IS OLD.actor_id
    AND NEW.actor_name IS OLD.actor_name AND NEW.ip IS OLD.ip AND NEW.user_agent IS OLD.user_agent
    AND NEW.category IS OLD.category AND NEW.action IS OLD.action AND NEW.outcome IS OLD.outcome
    AND NEW.object_type IS OLD.object_type AND NEW.object_id IS OLD.object_id
    AND NEW.object_repr IS OLD.object_repr AND NEW.detail IS OLD.detail
)
BEGIN
    SELECT RAISE(ABORT, 'audit_auditevent is append-only: UPDATE refused');
END
""",
    r"""
CREATE TRIGGER audit_auditevent_no_delete BEFORE DELETE ON audit_auditevent
WHEN NOT (
    EXISTS (SELECT 1 FROM audit_guard WHERE mode = 'maintenance')
    OR (
        EXISTS (SELECT 1 FROM audit_guard WHERE mode = 'purge')
        AND OLD.hash <> '' AND OLD.at < datetime('now', '-184 days')
    )
)
BEGIN
    SELECT RAISE(ABORT, 'audit_auditevent is append-only: DELETE refused');
END
""",
]

SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS audit_auditevent_no_delete",
    "DROP TRIGGER IF EXISTS audit_auditevent_no_update",
    "DROP TABLE IF EXISTS audit_guard",
]


def _run(schema_editor, statements) -> None:
    for sql in statements:
        schema_editor.execute(sql, params=None)


def forwards(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, [PG_FORWARD])
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE_FORWARD)
    else:
        # Gongzhi runs on SQLite and PostgreSQL only; on any other database the audit log would
        # silently lose its append-only guarantee, so the migration refuses instead.
        raise NotSupportedError(
            f"Gongzhi supports SQLite and PostgreSQL; {vendor} cannot enforce an append-only audit log."
        )


def backwards(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, [PG_BACKWARD])
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
