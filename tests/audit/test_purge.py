"""Retention: `gongzhi purge-audit` deletes sealed rows past the retention period (never less
than 184 days), records itself with the anchor hash, and the chain still verifies."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from gongzhi.audit.models import AuditEvent
from gongzhi.audit.services import Category, Outcome, purge, record, seal, verify
from tests.audit.conftest import old_event, triggers_lifted

pytestmark = pytest.mark.django_db


@pytest.fixture
def aged_log():
    """Three rows 300–200 days old and two recent ones, sealed in that order."""
    old = [old_event(days) for days in (300, 250, 200)]
    recent = [record("test.recent", category=Category.ADMIN) for _ in range(2)]
    seal()
    return old, recent


def purge_command() -> str:
    out = io.StringIO()
    call_command("purge_audit", stdout=out)
    return out.getvalue()


def test_purge_deletes_rows_past_the_retention_and_records_the_anchor(aged_log):
    old, recent = aged_log
    anchor = AuditEvent.objects.get(pk=old[-1].pk)

    output = purge_command()

    assert output.startswith("Purged 3 audit events older than ")
    assert set(AuditEvent.objects.filter(action="test.recent").values_list("pk", flat=True)) == {
        e.pk for e in recent
    }
    assert not AuditEvent.objects.filter(pk__in=[e.pk for e in old]).exists()
    event = AuditEvent.objects.get(action="audit.purge")
    assert event.category == Category.ADMIN
    assert event.outcome == Outcome.SUCCESS
    assert event.detail["deleted"] == 3
    assert event.detail["retention_days"] == 184
    assert (event.detail["anchor_seq"], event.detail["anchor_hash"]) == (3, anchor.hash)


def test_verify_starts_from_the_first_remaining_row_after_a_purge(aged_log):
    purge()

    result = verify()

    assert result.ok, result.problems
    assert (result.first_seq, result.count) == (4, 3)  # two recent rows and the purge itself


def test_verify_notices_a_purge_anchor_that_does_not_match(aged_log):
    purge()
    with triggers_lifted() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE seq = 4")

    result = verify()

    assert [(p["seq"], p["kind"]) for p in result.problems] == [(5, "missing")]


def test_a_longer_retention_keeps_more(aged_log, settings):
    settings.GONGZHI_AUDIT_RETENTION_DAYS = 260

    result = purge()

    assert result.deleted == 1
    assert AuditEvent.objects.filter(action="test.old").count() == 2
    assert verify().ok


def test_the_newest_sealed_row_is_kept_even_when_old():
    old_event(400)
    old_event(300)
    seal()

    result = purge()

    assert result.deleted == 1
    assert verify().ok


def test_purge_refuses_a_retention_below_184_days(aged_log, settings):
    settings.GONGZHI_AUDIT_RETENTION_DAYS = 90

    with pytest.raises(ImproperlyConfigured, match="below the minimum of 184 days"):
        purge()
    assert AuditEvent.objects.count() == 5


def test_settings_refuse_a_retention_below_184_days():
    env = {**os.environ, "GONGZHI_AUDIT_RETENTION_DAYS": "100"}

    result = subprocess.run(
        [sys.executable, "-m", "gongzhi.cli", "check"], env=env, capture_output=True, text=True, check=False
    )

    assert result.returncode != 0
    assert "GONGZHI_AUDIT_RETENTION_DAYS=100 is below the minimum of 184 days" in result.stderr


def test_purge_runs_daily_from_beat(settings):
    assert settings.CELERY_BEAT_SCHEDULE["purge-audit-log"] == {
        "task": "gongzhi.audit.tasks.purge_audit_log",
        "schedule": 86400.0,
    }
