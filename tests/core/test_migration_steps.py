"""``gongzhi.core.schema.drop_like_indexes``: the migrations' step that drops (and, going
back, restores) PostgreSQL's LIKE index of a column looked up only whole. On SQLite it does
nothing, and every SQLite test database is migrated through it."""

from __future__ import annotations

import pytest
from django.db import connection

from gongzhi.core.schema import drop_like_indexes

pytestmark = pytest.mark.django_db


def _like_indexes() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'cases_case' AND indexname LIKE '%%_like'"
        )
        return {name for (name,) in cursor.fetchall()}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="only PostgreSQL has LIKE indexes")
def test_the_step_drops_the_like_index_and_restores_it_going_back():
    step = drop_like_indexes("cases_case", ["number"])
    assert _like_indexes() == set()  # cases/0009 dropped it

    with connection.schema_editor() as editor:
        step.reverse_code(None, editor)
    assert _like_indexes() == {"cases_case_number_980c9551_like"}  # the name Django gave it

    with connection.schema_editor() as editor:
        step.code(None, editor)
    assert _like_indexes() == set()
