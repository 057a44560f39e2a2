"""The data migration that seals phones stored in plain text before this change."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from gongzhi.core import crypto

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("people", "0001_initial")]


def test_existing_plain_phones_are_encrypted_masked_and_indexed(tree):
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes("people")
    executor.migrate(BEFORE)
    try:
        old = MigrationExecutor(connection).loader.project_state(BEFORE).apps.get_model("people", "Person")
        old.objects.create(
            name="旧数据",
            id_number_encrypted="x",
            id_number_hash="h" * 64,
            id_number_masked="330206********1234",
            birth_date="1975-06-12",
            sex="M",
            phone="13812345678",
            area_id=tree["G1"].pk,
        )
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(latest)

        with connection.cursor() as cursor:
            cursor.execute("SELECT phone_encrypted, phone_masked, phone_hash FROM people_person")
            encrypted, masked, index = cursor.fetchone()
        from gongzhi.people.services import phone_hash

        assert (crypto.decrypt(encrypted), masked, index) == (
            "13812345678",
            "138****5678",
            phone_hash("13812345678"),
        )
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
