"""A refresh run outside a transaction (the beat task, the command) vacuums the roll-ups it
rewrote, so that a district's read does not wade through the rows it deleted."""

from __future__ import annotations

import pytest
from django.db import connection

from gongzhi.stats import rollups

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="VACUUM after the refresh is PostgreSQL's (SQLite reuses pages)"
)


def _last_vacuum():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT coalesce(last_vacuum, 'epoch') FROM pg_stat_user_tables WHERE relname = 'stats_arearollup'"
        )
        return cursor.fetchone()[0]


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_refresh_outside_a_transaction_vacuums_the_rollups():
    before = _last_vacuum()
    rollups.refresh_rollups(full=True)
    assert _last_vacuum() > before


@on_postgresql
@pytest.mark.django_db
def test_a_refresh_inside_a_transaction_leaves_it_to_autovacuum():
    rollups.refresh_rollups(full=True)  # the test's own transaction: VACUUM cannot run here
    assert rollups.cover() is not None
