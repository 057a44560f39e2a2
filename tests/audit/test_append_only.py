"""The audit log is append-only: the model refuses changes, and so does the database itself
(triggers on PostgreSQL and SQLite) — except the sealing update and the purge of old rows."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from gongzhi.audit import guard
from gongzhi.audit.models import AppendOnlyError, AuditEvent
from gongzhi.audit.services import Category, record, seal
from tests.audit.conftest import old_event

pytestmark = pytest.mark.django_db


def raw(sql: str, params=()) -> int:
    # A savepoint, so a refused statement does not abort the test's transaction on PostgreSQL.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def test_the_orm_refuses_updates_and_deletes():
    event = record("test.event", category=Category.ADMIN)

    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="test.changed")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    event.action = "test.changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "test.event"


def test_raw_sql_update_is_refused_by_the_database():
    event = record("test.event", category=Category.ADMIN)
    seal()

    with pytest.raises(DatabaseError, match="append-only"):
        raw("UPDATE audit_auditevent SET action = 'test.changed' WHERE id = %s", [event.pk])
    with pytest.raises(DatabaseError, match="append-only"):
        raw("UPDATE audit_auditevent SET hash = %s WHERE id = %s", ["f" * 64, event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "test.event"


def test_raw_sql_delete_is_refused_by_the_database():
    event = record("test.event", category=Category.ADMIN)
    seal()

    with pytest.raises(DatabaseError, match="append-only"):
        raw("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    with pytest.raises(DatabaseError, match="append-only"):
        raw("DELETE FROM audit_auditevent")
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no TRUNCATE")
def test_truncate_is_refused_on_postgresql():
    record("test.event", category=Category.ADMIN)

    with pytest.raises(DatabaseError, match="append-only"):
        raw("TRUNCATE audit_auditevent")
    assert AuditEvent.objects.count() == 1


def test_the_sealing_update_is_the_one_update_allowed():
    event = record("test.event", category=Category.ADMIN)

    # Filling the chain fields and changing a recorded field at once is refused …
    with pytest.raises(DatabaseError, match="append-only"):
        raw(
            "UPDATE audit_auditevent SET seq = 1, prev_hash = %s, hash = %s, outcome = 'failure' WHERE id = %s",
            ["0" * 64, "a" * 64, event.pk],
        )
    # … filling only the chain fields of an unsealed row is sealing …
    assert seal() == 1
    sealed = AuditEvent.objects.get(pk=event.pk)
    assert (sealed.seq, len(sealed.hash)) == (1, 64)
    # … and a sealed row cannot be sealed again.
    with pytest.raises(DatabaseError, match="append-only"):
        raw("UPDATE audit_auditevent SET seq = 7, hash = %s WHERE id = %s", ["b" * 64, event.pk])


def test_the_purge_switch_deletes_only_sealed_rows_past_184_days():
    old = old_event(200)
    recent = old_event(100)
    seal()
    unsealed_old = old_event(300)

    with guard.purging():
        with pytest.raises(DatabaseError, match="append-only"):
            raw("DELETE FROM audit_auditevent WHERE id = %s", [recent.pk])
        with pytest.raises(DatabaseError, match="append-only"):
            raw("DELETE FROM audit_auditevent WHERE id = %s", [unsealed_old.pk])
        assert raw("DELETE FROM audit_auditevent WHERE id = %s", [old.pk]) == 1

    assert set(AuditEvent.objects.values_list("pk", flat=True)) == {recent.pk, unsealed_old.pk}
    # The switch ends with its transaction.
    with pytest.raises(DatabaseError, match="append-only"):
        raw("DELETE FROM audit_auditevent WHERE id = %s", [unsealed_old.pk])


def test_maintenance_lets_a_whole_database_wipe_through():
    record("test.event", category=Category.ADMIN)

    with guard.maintenance():
        raw("DELETE FROM audit_auditevent")

    assert AuditEvent.objects.count() == 0
