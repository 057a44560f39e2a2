"""Switches for the database triggers that keep the audit log append-only (migration 0002).

Both switches live only inside the current transaction: on PostgreSQL a ``SET LOCAL`` setting,
on SQLite a row in ``audit_guard`` inserted and removed within the same transaction (so no
other connection ever sees it). Application code never uses them; the purge command uses
``purging`` and whole-database wipes (Django's ``flush`` in the test runner, a restore) use
``maintenance``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connections, transaction

PURGE = "purge"
MAINTENANCE = "maintenance"


@contextmanager
def _switched(mode: str, using: str = "default") -> Iterator[None]:
    connection = connections[using]
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(f"SET LOCAL gongzhi.audit_{mode} = 'on'")
            elif connection.vendor == "sqlite":
                cursor.execute("INSERT OR IGNORE INTO audit_guard (mode) VALUES (%s)", [mode])
        yield
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM audit_guard WHERE mode = %s", [mode])


def purging(using: str = "default"):
    """Inside this block (one transaction) sealed rows older than 184 days may be deleted."""
    return _switched(PURGE, using)


def maintenance(using: str = "default"):
    """Inside this block (one transaction) the audit table may be emptied: for wiping a whole
    database (tests' flush, a restore over an existing database), never for editing the log."""
    return _switched(MAINTENANCE, using)
