"""The sweep in chunks (bench "sweep", issue 9): many overdue cases cost a bounded number of
queries, and each case still gets its warning, its event, its audit row and its notices."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from gongzhi.audit.models import AuditEvent
from gongzhi.cases import sweep as sweep_module
from gongzhi.cases.choices import CaseAction, CaseSource, Warning
from gongzhi.cases.models import Case, CaseEvent
from gongzhi.cases.services import report_case
from gongzhi.core.models import IdempotencyRecord
from gongzhi.notifications.models import Notification
from tests.cases.conftest import G1_POINT, G2_POINT, MONDAY_9

pytestmark = pytest.mark.django_db


def disputes(categories, n: int) -> list[Case]:
    """``n`` disputes (no automatic escalation) in two grids, reported Monday 09:00."""
    return [
        report_case(
            category=categories["dispute"],
            description=f"邻里纠纷 {i}",
            source=CaseSource.RESIDENT,
            lat=(G1_POINT if i % 2 else G2_POINT)[0],
            lng=(G1_POINT if i % 2 else G2_POINT)[1],
            now=MONDAY_9,
        )
        for i in range(n)
    ]


@pytest.fixture
def dispatchers(community_worker, street_admin, district_admin):
    return [community_worker, street_admin, district_admin]


def test_a_chunk_of_overdue_cases_gets_what_one_case_gets(
    categories, grids, dispatchers, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(sweep_module, "CHUNK_SIZE", 4)  # several chunks, the last one short
    cases = disputes(categories, 10)
    ids = sorted(c.pk for c in cases)

    with django_capture_on_commit_callbacks(execute=True):
        result = sweep_module.sweep_cases(now=MONDAY_9 + datetime.timedelta(days=3))

    assert (result.red, result.yellow, result.escalated, result.skipped) == (10, 0, 0, 0)
    assert set(Case.objects.filter(pk__in=ids).values_list("warning", flat=True)) == {Warning.RED}
    warned = sorted(CaseEvent.objects.filter(action=CaseAction.WARN_RED).values_list("case_id", flat=True))
    assert warned == ids
    audited = AuditEvent.objects.filter(action=f"case.{CaseAction.WARN_RED}")
    assert sorted(int(a.object_id) for a in audited) == ids
    assert {(a.actor_id, a.actor_name, a.detail["from"], a.detail["level"]) for a in audited} == {
        (None, "系统", "reported", "grid")
    }
    # Every dispatcher of the grids' community, street and district: one notice per case.
    notices = Notification.objects.filter(verb="case_overdue")
    assert notices.count() == 10 * len(dispatchers)
    assert {n.key.split(":")[1] for n in notices} == {str(pk) for pk in ids}


def test_the_sweep_costs_the_same_queries_for_few_or_many_overdue_cases(
    categories, grids, dispatchers, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    disputes(categories, 40)

    # A walk page, a lock, an update, the events, their audit rows, one look-up of the
    # dispatchers per responsible area (2 grids), the notices, and the empty passes.
    with django_assert_max_num_queries(20), django_capture_on_commit_callbacks(execute=True):
        result = sweep_module.sweep_cases(now=MONDAY_9 + datetime.timedelta(days=3))

    assert result.red == 40


def test_the_sweep_task_deletes_expired_idempotency_keys(db):
    from gongzhi.cases.tasks import sweep_cases as task

    old = timezone.now() - datetime.timedelta(hours=25)
    for key, created_at in (("old", old), ("fresh", timezone.now())):
        IdempotencyRecord.objects.create(
            scope="user:1", endpoint="POST /api/v1/cases/", key=key, fingerprint="x"
        )
        IdempotencyRecord.objects.filter(key=key).update(created_at=created_at)

    task.apply().get()

    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["fresh"]
