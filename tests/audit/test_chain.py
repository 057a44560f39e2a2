"""The hash chain: sealing numbers and links rows; `gongzhi verify-audit` recomputes it and
names every row changed or removed behind the application's back."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from gongzhi.audit.models import AuditEvent
from gongzhi.audit.services import GENESIS, Category, Outcome, chain_hash, record, seal, verify
from tests.audit.conftest import triggers_lifted

pytestmark = pytest.mark.django_db


def five_events() -> list[AuditEvent]:
    return [
        record(f"test.event{i}", category=Category.ADMIN, detail={"n": i, "text": "说明"}) for i in range(5)
    ]


def verify_command() -> str:
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


def test_seal_numbers_and_links_the_rows_in_id_order():
    events = five_events()

    assert seal() == 5
    rows = list(AuditEvent.objects.order_by("id"))
    assert [r.seq for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0].prev_hash == GENESIS
    assert [r.prev_hash for r in rows[1:]] == [r.hash for r in rows[:-1]]
    assert all(r.hash == chain_hash(r.prev_hash, r) for r in rows)
    assert [r.pk for r in rows] == [e.pk for e in events]
    assert seal() == 0


def test_seal_continues_the_chain():
    five_events()
    seal()
    later = record("test.later", category=Category.ADMIN)

    seal()

    later.refresh_from_db()
    assert later.seq == 6
    assert later.prev_hash == AuditEvent.objects.get(seq=5).hash


def test_verify_command_reports_ok_with_the_count():
    five_events()

    output = verify_command()

    # Verification seals first, and records its own result in the log.
    assert output.strip() == "OK: 5 audit events verified (seq 1–5)."
    result = AuditEvent.objects.get(action="audit.verify")
    assert result.outcome == Outcome.SUCCESS
    assert result.detail["count"] == 5


def test_a_changed_row_is_reported_with_its_seq_and_id():
    events = five_events()
    seal()
    with triggers_lifted() as cursor:
        cursor.execute("UPDATE audit_auditevent SET outcome = 'failure' WHERE id = %s", [events[2].pk])

    result = verify()
    assert [(p["seq"], p["id"], p["kind"]) for p in result.problems] == [(3, events[2].pk, "hash")]

    with pytest.raises(CommandError, match="1 problem") as exc:
        verify_command()
    assert exc.value.returncode == 1
    failure = AuditEvent.objects.get(action="audit.verify")
    assert failure.outcome == Outcome.FAILURE
    assert failure.detail["problems"][0]["seq"] == 3


def test_a_rewritten_hash_breaks_the_next_link():
    events = five_events()
    seal()
    with triggers_lifted() as cursor:
        cursor.execute("UPDATE audit_auditevent SET action = 'test.forged' WHERE id = %s", [events[1].pk])
    forged = AuditEvent.objects.get(pk=events[1].pk)
    with triggers_lifted() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET hash = %s WHERE id = %s",
            [chain_hash(forged.prev_hash, forged), forged.pk],
        )

    result = verify()

    assert [(p["seq"], p["kind"]) for p in result.problems] == [(3, "prev_hash")]


def test_a_deleted_row_is_reported_as_missing():
    events = five_events()
    seal()
    with triggers_lifted() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [events[3].pk])

    result = verify()

    assert [(p["seq"], p["kind"]) for p in result.problems] == [(5, "missing"), (5, "prev_hash")]


def test_deleting_the_oldest_rows_without_a_purge_is_reported():
    events = five_events()
    seal()
    with triggers_lifted() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id IN (%s, %s)", [events[0].pk, events[1].pk])

    result = verify()

    assert [(p["seq"], p["kind"]) for p in result.problems] == [(3, "missing")]


def test_rows_are_sealed_after_commit_once_per_transaction(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        record("test.one", category=Category.ADMIN)
        record("test.two", category=Category.ADMIN)

    assert len(callbacks) == 1
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", "action")) == [
        (1, "test.one"),
        (2, "test.two"),
    ]


def _record_then_fail() -> None:
    with transaction.atomic():
        record("test.rolled_back", category=Category.ADMIN)
        raise RuntimeError("rolled back")


def test_a_rolled_back_transaction_leaves_no_row_and_the_next_one_still_seals(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError, match="rolled back"):
            _record_then_fail()
        with transaction.atomic():
            record("test.kept", category=Category.ADMIN)

    assert list(AuditEvent.objects.values_list("seq", "action")) == [(1, "test.kept")]


def test_the_beat_task_seals(settings):
    from gongzhi.audit.tasks import seal_audit_log

    five_events()

    assert seal_audit_log.delay().get() == 5
    assert "seal-audit-log" in settings.CELERY_BEAT_SCHEDULE
    assert settings.CELERY_BEAT_SCHEDULE["seal-audit-log"]["schedule"] == 30.0


@pytest.mark.django_db(transaction=True)
def test_committed_rows_are_sealed_and_the_log_is_wiped_between_tests():
    # In a real transaction the embedded mode seals on commit; the test runner's flush then
    # empties the table through the maintenance switch (see tests/conftest.py).
    with transaction.atomic():
        record("test.committed", category=Category.ADMIN)

    assert AuditEvent.objects.get(action="test.committed").seq == 1
