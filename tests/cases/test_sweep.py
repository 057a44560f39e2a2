"""The sweep: yellow and red warnings, automatic escalation, notifications, idempotency, and
finding the cases through the partial indexes.

The clutter case of the ``reported`` fixture (Monday 2026-11-23 09:00) must be registered
within 2 working hours: yellow at 80 % (10:36), red at 11:00.
"""

from __future__ import annotations

import datetime
import io
import threading

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction
from django.utils import timezone

from gongzhi.cases.choices import OPEN_STATUSES, CaseAction, CaseLevel, CaseSource, CaseStatus, Warning
from gongzhi.cases.models import Case, CaseEvent
from gongzhi.cases.services import (
    accept_case,
    defer_case,
    dispatch_case,
    escalate_case,
    extend_case,
    feedback_case,
    register_case,
    report_case,
)
from gongzhi.cases.sweep import (
    SweepResult,
    escalation_due_cases,
    nearly_due_cases,
    overdue_cases,
    sweep_cases,
)
from gongzhi.notifications.models import Notification
from tests.cases.conftest import G1_POINT, MONDAY_9, SHANGHAI

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks and SKIP LOCKED are PostgreSQL's; SQLite serializes writers (IMMEDIATE)",
)


def monday(clock: str, days: int = 0) -> datetime.datetime:
    hour, minute = map(int, clock.split(":"))
    return MONDAY_9.replace(hour=hour, minute=minute) + datetime.timedelta(days=days)


def counts(result: SweepResult) -> tuple[int, int, int]:
    return result.yellow, result.red, result.escalated


def timeline(case: Case) -> list[tuple[str, str, str]]:
    return list(case.events.values_list("action", "to_status", "level"))


def warnings_sent(case: Case) -> list[tuple[str, str, str]]:
    """(verb, recipient, key) of the warning notifications about ``case``."""
    return sorted(
        Notification.objects.filter(key__startswith=f"case:{case.pk}:warn:").values_list(
            "verb", "recipient__username", "key"
        )
    )


@pytest.fixture
def dispatchers(community_worker, street_admin, district_admin):
    """Everyone who may dispatch a G1 case at some level (they receive the warnings)."""
    return {"community": community_worker, "street": street_admin, "district": district_admin}


@pytest.fixture
def dispute(categories, grids, grid_member, media):
    """A dispute (矛盾纠纷: does not escalate by itself) reported Monday 09:00."""
    return report_case(
        category=categories["dispute"],
        description="楼上漏水引发邻里纠纷",
        source=CaseSource.GRID_MEMBER,
        by=grid_member,
        lat=G1_POINT[0],
        lng=G1_POINT[1],
        now=MONDAY_9,
    )


@pytest.fixture
def sweep(django_capture_on_commit_callbacks):
    """``sweep(now)``: run the sweep and its on-commit notifications (the test's transaction
    never commits)."""

    def run(now: datetime.datetime) -> SweepResult:
        with django_capture_on_commit_callbacks(execute=True):
            return sweep_cases(now=now)

    return run


# --- warnings and escalation, step by step ---------------------------------------------------


def test_sweep_warns_yellow_then_red_then_escalates(reported, dispatchers, sweep):
    assert counts(sweep(monday("10:30"))) == (0, 0, 0)

    assert counts(sweep(monday("10:40"))) == (1, 0, 0)
    reported.refresh_from_db()
    assert (reported.warning, reported.level) == (Warning.YELLOW, CaseLevel.GRID)
    assert warnings_sent(reported) == [
        ("case_nearly_due", name, f"case:{reported.pk}:warn:yellow:2026-11-23T11:00:00+08:00")
        for name in ("community_worker", "district_admin", "street_admin")
    ]

    assert counts(sweep(monday("11:00"))) == (0, 1, 1)
    reported.refresh_from_db()
    assert timeline(reported) == [
        (CaseAction.REPORT, CaseStatus.REPORTED, CaseLevel.GRID),
        (CaseAction.WARN_YELLOW, CaseStatus.REPORTED, CaseLevel.GRID),
        (CaseAction.WARN_RED, CaseStatus.REPORTED, CaseLevel.GRID),
        (CaseAction.AUTO_ESCALATE, CaseStatus.REGISTERED, CaseLevel.COMMUNITY),
    ]
    escalation = reported.events.get(action=CaseAction.AUTO_ESCALATE)
    assert (escalation.actor, escalation.actor_label) == (None, "系统（超期自动上报）")
    assert escalation.note == "立案环节超期未办理，系统自动上报上一级。"
    # The community now has its own dispatch clock (2 h from 11:00, lunch excluded).
    assert (reported.status, reported.responsible_area.code, reported.warning) == (
        CaseStatus.REGISTERED,
        "C1",
        Warning.NONE,
    )
    assert reported.stage_deadline == monday("14:30")
    assert [(v, k.split(":")[3]) for v, _, k in warnings_sent(reported)].count(("case_overdue", "red")) == 3


def test_sweep_climbs_the_ladder_once_per_deadline_and_stops_at_the_district(reported, dispatchers, sweep):
    sweep(monday("11:00"))  # grid → community; new deadline 14:30
    assert counts(sweep(monday("14:29"))) == (1, 0, 0)  # yellow at 14:06

    assert counts(sweep(monday("14:30"))) == (0, 1, 1)  # → street, due 16:30
    assert counts(sweep(monday("16:30"))) == (0, 1, 1)  # → district, due Tue 09:30
    district = sweep(monday("09:30", days=1))

    reported.refresh_from_db()
    assert counts(district) == (0, 1, 0)
    assert district.failed == []
    assert (reported.level, reported.responsible_area.code, reported.warning) == (
        CaseLevel.DISTRICT,
        "D",
        Warning.RED,
    )
    assert [a for a, _, _ in timeline(reported) if a == CaseAction.AUTO_ESCALATE] == [
        CaseAction.AUTO_ESCALATE
    ] * 3
    # A red district case stays red: later sweeps find nothing more to do.
    assert counts(sweep(monday("09:30", days=7))) == (0, 0, 0)


def test_sweep_leaves_a_category_without_auto_escalation_red_at_its_level(dispute, dispatchers, sweep):
    result = sweep(monday("11:00"))

    dispute.refresh_from_db()
    assert counts(result) == (0, 1, 0)
    assert (dispute.level, dispute.status, dispute.warning) == (
        CaseLevel.GRID,
        CaseStatus.REPORTED,
        Warning.RED,
    )
    assert counts(sweep(monday("11:00", days=5))) == (0, 0, 0)
    assert [a for a, _, _ in timeline(dispute)] == [CaseAction.REPORT, CaseAction.WARN_RED]


def test_sweep_gives_a_case_first_seen_overdue_one_warning_not_two(dispute, dispatchers, sweep):
    sweep(monday("09:00", days=1))

    assert [a for a, _, _ in timeline(dispute)] == [CaseAction.REPORT, CaseAction.WARN_RED]
    assert {verb for verb, _, _ in warnings_sent(dispute)} == {"case_overdue"}


def test_sweep_warns_whoever_the_stage_waits_on(reported, dispatchers, handler, unit, sweep):
    community_worker = dispatchers["community"]
    register_case(reported, by=community_worker, now=monday("09:10"))
    dispatch_case(reported, to=unit, by=community_worker, now=monday("09:20"))
    case = accept_case(reported, by=handler, now=monday("09:30"))  # 8 h: due Tue 10:00

    sweep(case.yellow_at)
    assert [(v, r) for v, r, _ in warnings_sent(case)] == [("case_nearly_due", "handler")]

    sweep(case.stage_deadline)
    assert sorted((v, r) for v, r, _ in warnings_sent(case) if v == "case_overdue") == [
        ("case_overdue", "community_worker"),
        ("case_overdue", "district_admin"),
        ("case_overdue", "handler"),
        ("case_overdue", "street_admin"),
    ]


def test_sweep_does_not_escalate_a_late_verification(reported, dispatchers, handler, unit, sweep):
    community_worker = dispatchers["community"]
    register_case(reported, by=community_worker, now=monday("09:10"))
    dispatch_case(reported, to=unit, by=community_worker, now=monday("09:20"))
    accept_case(reported, by=handler, now=monday("09:30"))
    case = feedback_case(reported, by=handler, result="已清运", now=monday("10:00"))

    result = sweep(case.verify_deadline)

    case.refresh_from_db()
    # Escalating is not a transition out of 待核查: the case stays red for the verifiers.
    assert counts(result) == (0, 1, 0)
    assert (case.status, case.level, case.warning) == (CaseStatus.FED_BACK, CaseLevel.GRID, Warning.RED)
    assert "grid_member" in {r for _, r, _ in warnings_sent(case)}


def test_sweep_ignores_cases_without_a_running_clock(reported, dispute, dispatchers, unit, sweep):
    community_worker = dispatchers["community"]
    register_case(reported, by=community_worker, now=monday("09:10"))
    defer_case(reported, by=community_worker, reason="待汛期后处理", now=monday("09:20"))
    register_case(dispute, by=community_worker, now=monday("09:10"))
    escalate_case(dispute, by=community_worker, note="需街道调解", now=monday("09:20"))
    escalate_case(dispute, by=dispatchers["street"], note="需区级协调", now=monday("09:30"))

    assert counts(sweep(monday("09:00", days=30))) == (0, 1, 0)  # only the dispute
    reported.refresh_from_db()
    assert (reported.status, reported.warning, reported.stage_deadline) == (
        CaseStatus.DEFERRED,
        Warning.NONE,
        None,
    )


# --- idempotency -----------------------------------------------------------------------------


def test_sweep_twice_writes_nothing_new(reported, dispute, dispatchers, sweep):
    first = sweep(monday("11:00"))
    events, notifications = CaseEvent.objects.count(), Notification.objects.count()

    second = sweep(monday("11:00"))

    assert counts(first) == (0, 2, 1)
    assert counts(second) == (0, 0, 0)
    assert (CaseEvent.objects.count(), Notification.objects.count()) == (events, notifications)


def test_sweep_never_sends_the_same_warning_twice_even_if_the_case_is_warned_again(
    dispute, dispatchers, sweep
):
    sweep(monday("11:00"))
    sent = warnings_sent(dispute)
    # As if a retried task found the row unwarned (e.g. a restore from backup).
    Case.objects.filter(pk=dispute.pk).update(warning=Warning.NONE)

    sweep(monday("11:00"))

    assert warnings_sent(dispute) == sent


def test_sweep_warns_again_for_a_new_deadline(reported, dispatchers, handler, unit, sweep):
    community_worker = dispatchers["community"]
    register_case(reported, by=community_worker, now=monday("09:10"))
    dispatch_case(reported, to=unit, by=community_worker, now=monday("09:20"))
    case = accept_case(reported, by=handler, now=monday("09:30"))
    sweep(case.yellow_at)
    first_deadline = case.stage_deadline

    case = extend_case(case, by=community_worker, hours=8, reason="等待配件", now=case.yellow_at)
    sweep(case.yellow_at)

    keys = [k for _, r, k in warnings_sent(case) if r == "handler"]
    assert case.stage_deadline > first_deadline
    assert keys == sorted(
        f"case:{case.pk}:warn:yellow:{timezone.localtime(d, SHANGHAI).isoformat()}"
        for d in (first_deadline, case.stage_deadline)
    )


# --- finding the cases through the partial indexes --------------------------------------------


def _plan(queryset, deadline: str) -> str:
    # The sweep's own query shape: the due cases in deadline order, a batch at a time.
    return queryset.order_by(deadline, "pk").values_list(deadline, "pk")[:200].explain()


@pytest.fixture
def history(reported, dispatchers):
    """A table shaped like a real one: hundreds of closed cases around a few open ones, with
    fresh statistics, so the planner chooses as it would in production."""
    closed = []
    for i in range(400):
        clone = Case.objects.get(pk=reported.pk)
        clone.pk = None
        clone.number, clone.tracking_token = f"old{i}", f"old-token-{i}"
        clone.status, clone.resolved_level = CaseStatus.CLOSED, CaseLevel.GRID
        clone.stage_deadline = clone.yellow_at = None
        clone.closed_at = MONDAY_9 - datetime.timedelta(days=i)
        closed.append(clone)
    Case.objects.bulk_create(closed)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


@pytest.fixture
def no_seqscan(history):
    """On PostgreSQL a small table is cheapest to scan; forbid that so the plan shows whether
    the index can serve the query at all."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")


@pytest.mark.parametrize(
    ("finder", "deadline", "index"),
    [
        (overdue_cases, "stage_deadline", "cases_open_stage_deadline"),
        (nearly_due_cases, "yellow_at", "cases_open_yellow_at"),
        (escalation_due_cases, "stage_deadline", "cases_open_stage_deadline"),
    ],
)
def test_sweep_finds_due_cases_through_the_partial_index(reported, no_seqscan, finder, deadline, index):
    plan = _plan(finder(monday("11:00")), deadline)

    if connection.vendor == "sqlite":
        assert index in plan
        assert "SCAN cases_case\n" not in plan + "\n"  # no full scan
    else:
        # On a small table PostgreSQL's costs tie between the two open-case partial indexes
        # (both hold only open cases with a running clock), so it may pick either one.
        assert "cases_open_stage_deadline" in plan or "cases_open_yellow_at" in plan
        assert "Seq Scan on cases_case" not in plan


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite cannot match bound status parameters to the index predicate (see sweep.StatusIn)",
)
def test_plain_open_status_filter_uses_the_partial_index_on_postgresql(reported, no_seqscan):
    plain = Case.objects.filter(
        status__in=OPEN_STATUSES, stage_deadline__lte=monday("11:00"), warning__lt=Warning.RED
    )

    assert "cases_open_stage_deadline" in _plan(plain, "stage_deadline")


# --- two sweepers at once ---------------------------------------------------------------------


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweeps_warn_and_escalate_each_case_once(
    categories, grids, grid_member, dispatchers, media
):
    cases = [
        report_case(
            category=categories["clutter"],
            description=f"占道堆物 {i}",
            source=CaseSource.GRID_MEMBER,
            by=grid_member,
            lat=G1_POINT[0],
            lng=G1_POINT[1],
            now=MONDAY_9,
        )
        for i in range(40)
    ]
    barrier = threading.Barrier(2)
    results: list[SweepResult] = []
    errors: list[BaseException] = []

    def sweeper() -> None:
        try:
            barrier.wait()
            results.append(sweep_cases(now=monday("09:00", days=3)))
        except BaseException as error:  # reported to the test below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweeper) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert (sum(r.red for r in results), sum(r.escalated for r in results)) == (40, 40)
    ids = [c.pk for c in cases]
    per_case = {
        action: sorted(
            CaseEvent.objects.filter(case__in=ids, action=action).values_list("case_id", flat=True)
        )
        for action in (CaseAction.WARN_RED, CaseAction.AUTO_ESCALATE)
    }
    assert per_case == {CaseAction.WARN_RED: ids, CaseAction.AUTO_ESCALATE: ids}
    assert set(Case.objects.filter(pk__in=ids).values_list("level", flat=True)) == {CaseLevel.COMMUNITY}
    # Three dispatchers each get one red warning and one escalation notice per case.
    assert Notification.objects.filter(verb="case_overdue").count() == 40 * 3
    assert Notification.objects.filter(verb="case_escalated").count() == 40 * 3


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_sweep_skips_a_case_someone_is_acting_on_and_takes_it_next_time(reported, dispatchers):
    locked, release = threading.Event(), threading.Event()

    def person_at_work() -> None:
        # Somebody's transition holds the row (services lock it the same way).
        try:
            with transaction.atomic():
                Case.objects.select_for_update().get(pk=reported.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    worker = threading.Thread(target=person_at_work)
    worker.start()
    locked.wait(timeout=30)
    try:
        busy = sweep_cases(now=monday("10:00", days=1))
    finally:
        release.set()
        worker.join(timeout=30)
    later = sweep_cases(now=monday("10:05", days=1))

    assert (busy.red, busy.skipped) == (0, 1)
    assert (later.red, later.escalated, later.skipped) == (1, 1, 0)


# --- the command and the task ------------------------------------------------------------------


def test_sweep_cases_command_prints_the_counts(reported, dispatchers):
    out = io.StringIO()

    call_command("sweep_cases", "--at", "2026-11-23T11:00", stdout=out)

    assert out.getvalue() == "巡检完成：黄灯预警 0 件，红灯告警 1 件，自动上报 1 件，跳过 0 件。\n"


def test_sweep_cases_command_refuses_a_bad_time(db):
    with pytest.raises(CommandError) as excinfo:
        call_command("sweep_cases", "--at", "tomorrow")

    assert str(excinfo.value) == "时间“tomorrow”格式不对，请用 ISO 8601，例如 2026-11-23T09:00。"


def test_sweep_task_is_the_one_beat_schedules_and_runs_the_sweep(dispute):
    from gongzhi.cases.tasks import sweep_cases as task

    Case.objects.filter(pk=dispute.pk).update(
        stage_deadline=timezone.now() - datetime.timedelta(hours=1),
        yellow_at=timezone.now() - datetime.timedelta(hours=2),
    )

    outcome = task.apply().get()

    assert settings.CELERY_BEAT_SCHEDULE["sweep-cases"]["task"] == task.name
    assert outcome == {"yellow": 0, "red": 1, "escalated": 0, "skipped": 0}
