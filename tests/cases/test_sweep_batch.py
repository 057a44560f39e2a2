"""The sweep in chunks (bench "sweep", issue 9): many overdue cases cost a bounded number of
queries, and each case still gets its warning, its event, its audit row and its notices; each
case escalated in a chunk gets exactly what ``escalate_case`` gives one case."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gongzhi.areas.choices import AreaLevel
from gongzhi.areas.models import Area
from gongzhi.audit.models import AuditEvent
from gongzhi.cases import calendar as calendar_module
from gongzhi.cases import services as services_module
from gongzhi.cases import sweep as sweep_module
from gongzhi.cases.choices import CaseAction, CaseLevel, CaseSource, CaseStatus, Warning
from gongzhi.cases.models import Case, CaseEvent, CategoryTimeLimit
from gongzhi.cases.services import (
    accept_case,
    case_url,
    dispatch_case,
    escalate_case,
    register_case,
    report_case,
)
from gongzhi.core.exceptions import DomainError
from gongzhi.core.models import IdempotencyRecord
from gongzhi.notifications.models import Notification
from tests.cases.conftest import G1_POINT, G2_POINT, G3_POINT, MONDAY_9

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


# --- escalation in chunks ------------------------------------------------------------------------

SWEEP_AT = MONDAY_9 + datetime.timedelta(days=7)  # every stage clock below has run out
AUTO_NOTE = "{stage}环节超期未办理，系统自动上报上一级。"


def at(minutes: int) -> datetime.datetime:
    return MONDAY_9 + datetime.timedelta(minutes=minutes)


@pytest.fixture
def shapes(categories, grids, community_worker, handler, unit):
    """``make()`` builds one case of each shape the sweep escalates, the same way each call:
    (case, the stage it is overdue in)."""
    CategoryTimeLimit.objects.create(
        category=categories["clutter"], stage="dispatch", level="community", hours=3
    )
    CategoryTimeLimit.objects.create(
        category=categories["clutter"], stage="handle", level="community", hours=10
    )
    CategoryTimeLimit.objects.create(
        category=categories["clutter"], stage="dispatch", level="street", hours=4
    )

    def report(category: str, point: tuple[float, float]) -> Case:
        return report_case(
            category=categories[category],
            description="占道堆物",
            source=CaseSource.RESIDENT,
            lat=point[0],
            lng=point[1],
            now=MONDAY_9,
        )

    def make() -> list[tuple[Case, str]]:
        reported_g1 = report("clutter", G1_POINT)
        reported_g3 = report("zombie", G3_POINT)
        registered = register_case(report("clutter", G2_POINT), by=community_worker, now=at(10))
        dispatched = register_case(report("clutter", G1_POINT), by=community_worker, now=at(10))
        dispatched = dispatch_case(dispatched, to=unit, by=community_worker, now=at(20))
        handling = register_case(report("clutter", G1_POINT), by=community_worker, now=at(10))
        handling = dispatch_case(handling, to=unit, by=community_worker, now=at(20))
        handling = accept_case(handling, by=handler, now=at(30))
        community = escalate_case(
            report("clutter", G1_POINT), by=community_worker, note="需社区协调", now=at(10)
        )
        return [
            (reported_g1, "立案"),
            (reported_g3, "立案"),
            (registered, "派遣"),
            (dispatched, "接收"),
            (handling, "处置"),
            (community, "派遣"),
        ]

    return make


def escalation_record(case: Case) -> dict:
    """Everything an automatic escalation wrote about ``case``, its own number and id aside."""
    case.refresh_from_db()
    event = case.events.get(action=CaseAction.AUTO_ESCALATE)
    audit = AuditEvent.objects.get(action=f"case.{CaseAction.AUTO_ESCALATE}", object_id=str(case.pk))
    notices = Notification.objects.filter(verb="case_escalated", url=case_url(case))
    return {
        "case": Case.objects.filter(pk=case.pk)
        .values(
            "status",
            "level",
            "responsible_area__code",
            "handling_unit",
            "escalation_count",
            "registered_at",
            "due_at",
            "dispatch_deadline",
            "stage_deadline",
            "yellow_at",
            "warning",
            "version",
        )
        .get(),
        "event": (
            event.from_status,
            event.to_status,
            event.level,
            event.actor_id,
            event.actor_label,
            event.note,
            event.data,
            event.created_at,
        ),
        "audit": (
            audit.category,
            audit.actor_id,
            audit.actor_name,
            audit.object_type,
            audit.object_repr == case.number,
            audit.detail,
        ),
        "notices": sorted(
            (n.recipient.username, n.text.replace(case.number, "<number>"), n.key) for n in notices
        ),
    }


def test_a_chunk_of_escalations_writes_what_escalate_case_writes(
    shapes, dispatchers, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(sweep_module, "ESCALATION_CHUNK_SIZE", 4)  # two chunks, the second short
    with django_capture_on_commit_callbacks(execute=True):
        one_by_one, swept = shapes(), shapes()
        # The twins escalated one at a time, as a person's request would: their new clocks are
        # still running when the sweep comes.
        for case, stage in one_by_one:
            escalate_case(case, by=None, note=AUTO_NOTE.format(stage=stage), automatic=True, now=SWEEP_AT)

    with django_capture_on_commit_callbacks(execute=True):
        result = sweep_module.sweep_cases(now=SWEEP_AT)

    assert (result.red, result.escalated, result.skipped, result.failed) == (6, 6, 0, [])
    for (single, _), (batched, _) in zip(one_by_one, swept, strict=True):
        assert escalation_record(batched) == escalation_record(single)
    # Spelled out for one of them: the grid's case now waits for the community's dispatcher.
    first = escalation_record(swept[0][0])
    assert first["case"]["status"] == CaseStatus.REGISTERED
    assert (first["case"]["level"], first["case"]["responsible_area__code"]) == (CaseLevel.COMMUNITY, "C1")
    assert first["event"][4:6] == ("系统（超期自动上报）", "立案环节超期未办理，系统自动上报上一级。")
    assert first["notices"] == [
        (name, "事件 <number> 已上报至社区，请派遣。", "")
        for name in ("community_worker", "district_admin", "street_admin")
    ]
    assert [escalation_record(c)["case"]["responsible_area__code"] for c, _ in swept] == [
        "C1",
        "C2",
        "C1",
        "C1",
        "C1",
        "S1",
    ]


def test_a_case_the_ladder_cannot_take_stays_red_and_the_others_escalate(
    categories, grids, dispatchers, caplog, django_capture_on_commit_callbacks
):
    g1, g3 = (
        report_case(
            category=categories["clutter"],
            description="占道堆物",
            source=CaseSource.RESIDENT,
            lat=point[0],
            lng=point[1],
            now=MONDAY_9,
        )
        for point in (G1_POINT, G3_POINT)
    )
    # A tree left inconsistent (e.g. by an import): G1 has no community above it any more.
    Area.objects.filter(code="C1").update(level=AreaLevel.ZONE)

    with django_capture_on_commit_callbacks(execute=True):
        result = sweep_module.sweep_cases(now=SWEEP_AT)

    g1.refresh_from_db()
    g3.refresh_from_db()
    assert (result.red, result.escalated, result.failed) == (2, 1, [g1.pk])
    assert (g1.level, g1.status, g1.warning) == (CaseLevel.GRID, CaseStatus.REPORTED, Warning.RED)
    assert not g1.events.filter(action=CaseAction.AUTO_ESCALATE).exists()
    assert (g3.level, g3.responsible_area.code) == (CaseLevel.COMMUNITY, "C2")
    message = "网格“百合一网格”没有唯一的上级社区，无法上报，请检查区域设置。"
    assert f"sweep: case {g1.pk} not escalated: {message}" in caplog.messages
    with pytest.raises(DomainError) as refused:
        escalate_case(g1, by=dispatchers[0], note="需社区协调")
    assert refused.value.message == message


@pytest.fixture
def reference_copies(settings):
    """Time limits and holidays kept per process, as in production (tests/conftest.py reads
    them afresh each time): a deadline then costs no query."""
    references = (services_module._time_limits, calendar_module._holidays)
    for reference in references:
        reference.clear()
    settings.GONGZHI_REFERENCE_CACHE_SECONDS = 3600
    yield
    for reference in references:
        reference.clear()


def test_the_sweep_costs_the_same_queries_for_few_or_many_escalations(
    categories, grids, dispatchers, reference_copies, django_capture_on_commit_callbacks
):
    def escalate(n: int) -> tuple[int, int]:
        for i in range(n):
            point = (G1_POINT, G2_POINT, G3_POINT)[i % 3]
            report_case(
                category=categories["clutter"],
                description=f"占道堆物 {i}",
                source=CaseSource.RESIDENT,
                lat=point[0],
                lng=point[1],
                now=MONDAY_9,
            )
        with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
            result = sweep_module.sweep_cases(now=SWEEP_AT)
        return result.escalated, len(queries)

    # The first three escalate and their new clocks run past SWEEP_AT; then twelve more.
    few, many = escalate(3), escalate(12)

    assert (few[0], many[0]) == (3, 12)
    assert many[1] == few[1], (few, many)
