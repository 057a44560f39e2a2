"""The demo's grid cases: the categories tree, a plausible year of cases, timelines that are
valid paths through the state machine, rows that agree with their timelines and with the
services' deadline arithmetic, the 新碶 campaign, idempotency and determinism."""

from __future__ import annotations

import datetime
import io
import random
from collections import Counter, defaultdict

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from gongzhi.accounts.models import User
from gongzhi.areas.models import Area
from gongzhi.cases.calendar import WorkCalendar
from gongzhi.cases.choices import (
    ALLOWED_TRANSITIONS,
    OPEN_STATUSES,
    CaseAction,
    CaseLevel,
    CaseSource,
    CaseStatus,
    Stage,
    Warning,
)
from gongzhi.cases.kpis import compute_kpis, kpis_by_name
from gongzhi.cases.models import Campaign, Case, CaseCategory, CaseEvent, HandlingUnit, Holiday
from gongzhi.cases.services import report_case, stage_hours
from gongzhi.cases.sweep import sweep_cases
from gongzhi.demo import data
from gongzhi.demo.builder import DemoResult, build_demo
from gongzhi.demo.case_data import CAMPAIGN_END, CAMPAIGN_NAME, CAMPAIGN_START
from gongzhi.demo.case_simulation import REFERENCE_MOMENT, YEAR_START, FastCalendar, holiday_overrides
from gongzhi.demo.management.commands.demo import Command as DemoCommand
from tests.conftest import check_deferred_constraints

# The module's tests share the demo, built once for the module: one xdist worker runs them
# all (``--dist loadgroup`` in pyproject.toml), so that it is built once, not on each worker.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo-cases")]

# Events that record something without being a transition of the state machine.
NOT_TRANSITIONS = {CaseAction.WARN_YELLOW, CaseAction.WARN_RED, CaseAction.CAMPAIGN}


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The full demo, built once for this module and rolled back after it (a few seconds).
    Passwords hash with MD5 here, as in every test (see tests/conftest.py)."""
    with (
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        # All that `gongzhi demo` loads.
        result = build_demo(cases=True, organizations=True, projects=True, volunteers=True)
        check_deferred_constraints()
        yield result
        transaction.set_rollback(True)


def timelines() -> dict[int, list[tuple]]:
    rows = CaseEvent.objects.order_by("case_id", "created_at", "id").values_list(
        "case_id", "action", "from_status", "to_status", "level", "created_at"
    )
    result: dict[int, list[tuple]] = defaultdict(list)
    for case_id, *event in rows:
        result[case_id].append(tuple(event))
    return result


# --- what is there ----------------------------------------------------------------------------


def test_demo_case_categories_form_a_tree(demo):
    tree = defaultdict(list)
    for parent, name in CaseCategory.objects.filter(parent__isnull=False).values_list("parent__name", "name"):
        tree[parent].append(name)

    assert dict(tree) == {
        "市容环境": ["占道堆物", "暴露垃圾", "僵尸车", "违法搭建", "绿化带养殖", "乱张贴"],
        "矛盾纠纷": ["邻里纠纷", "物业纠纷"],
        "公共安全": ["消防隐患", "道路设施损坏"],
        "民生服务": ["困难帮扶", "养老服务"],
    }
    leaves = CaseCategory.objects.filter(parent__isnull=False)
    # Every kind of problem has a district department to fall back on.
    assert not leaves.filter(default_unit__isnull=True).exists()
    assert set(leaves.filter(auto_escalate=False).values_list("name", flat=True)) == {
        "邻里纠纷",
        "物业纠纷",
        "困难帮扶",
        "养老服务",
    }
    assert (
        CaseCategory.objects.get(name="违法搭建").time_limits.get(stage=Stage.HANDLE, level="street").hours
        == 120
    )


def test_demo_has_handling_units_per_community_and_street_and_the_handler_login(demo):
    baihe = Area.objects.get(name="百合社区")

    assert set(HandlingUnit.objects.filter(area=baihe).values_list("name", flat=True)) == {
        "百合社区环卫队",
        "百合社区人民调解委员会",
        "百合社区为民服务站",
    }
    assert "新碶街道综合行政执法中队" in HandlingUnit.objects.filter(area__name="新碶街道").values_list(
        "name", flat=True
    )
    handler = User.objects.get(username="handler")
    assert handler.check_password(data.DEMO_PASSWORD)
    assert handler.person.name == handler.display_name
    assert list(handler.handling_units.values_list("name", flat=True)) == ["百合社区环卫队"]
    # The handler has work to look at: cases dispatched to the unit, some accepted by them.
    theirs = Case.objects.visible_to(handler)
    assert theirs.count() > 20
    assert set(theirs.values_list("handling_unit__name", flat=True)) == {"百合社区环卫队"}
    assert CaseEvent.objects.filter(actor=handler, action=CaseAction.FEEDBACK).exists()
    assert demo.unit_logins == [("handler", handler.display_name, "百合社区环卫队")]


def test_demo_holidays_are_the_2024_and_2025_schedules(demo):
    assert Holiday.objects.filter(date__year=2024, is_workday=False).count() == 28
    assert list(Holiday.objects.filter(date__year=2024, is_workday=True).values_list("date", flat=True)) == [
        datetime.date(2024, 2, 4),
        datetime.date(2024, 2, 18),
        datetime.date(2024, 4, 7),
        datetime.date(2024, 4, 28),
        datetime.date(2024, 5, 11),
        datetime.date(2024, 9, 14),
        datetime.date(2024, 9, 29),
        datetime.date(2024, 10, 12),
    ]


def test_demo_has_a_year_of_cases_with_a_plausible_mix(demo):
    cases = Case.objects.all()
    statuses = Counter(cases.values_list("status", flat=True))
    total = sum(statuses.values())

    assert 6_000 <= total <= 10_000
    assert demo.cases["cases"] == total
    assert statuses[CaseStatus.CLOSED] / total > 0.85
    assert 0.01 < statuses[CaseStatus.REJECTED] / total < 0.05
    assert statuses[CaseStatus.MERGED] > 50
    assert statuses[CaseStatus.DEFERRED] > 20
    assert 30 < sum(statuses[s] for s in OPEN_STATUSES) < 400
    # Some of what is still open is overdue, as the sweep left it.
    assert cases.filter(status__in=OPEN_STATUSES, warning=Warning.RED).count() >= 10
    reported = cases.values_list("reported_at", flat=True)
    assert min(reported) >= YEAR_START
    assert max(reported) < REFERENCE_MOMENT
    months = Counter(timezone.localtime(r).month for r in reported)
    assert len(months) == 12
    assert min(months.values()) > total / 24
    # Environment problems are the bulk; every category occurs.
    by_parent = Counter(cases.values_list("category__parent__name", flat=True))
    assert by_parent.most_common(1)[0][0] == "市容环境"
    assert cases.values("category").distinct().count() == 12
    # 新碶 has a third of the district's people, and about a third of its cases.
    xinqi = Area.objects.get(name="新碶街道")
    assert 0.25 < cases.filter(grid__path__startswith=xinqi.path).count() / total < 0.4


def test_demo_resolves_most_cases_inside_the_grid(demo):
    closed = Counter(Case.objects.filter(status=CaseStatus.CLOSED).values_list("resolved_level", flat=True))
    total = sum(closed.values())

    assert 0.65 < closed[CaseLevel.GRID] / total < 0.9  # 小事不出网格
    assert (total - closed[CaseLevel.DISTRICT]) / total > 0.95  # 大事不出街道
    assert closed[CaseLevel.COMMUNITY] > closed[CaseLevel.STREET] > closed[CaseLevel.DISTRICT] > 0
    on_site = CaseEvent.objects.filter(action=CaseAction.RESOLVE_ON_SITE).count()
    assert 0.1 < on_site / total < 0.4
    assert CaseEvent.objects.filter(action=CaseAction.AUTO_ESCALATE).count() > 50


def test_demo_campaign_groups_xinqi_environment_cases_with_a_feed(demo):
    campaign = Campaign.objects.get(name=CAMPAIGN_NAME)
    cases = campaign.cases.all()

    assert campaign.area.name == "新碶街道"
    assert (campaign.start_date, campaign.end_date) == (CAMPAIGN_START, CAMPAIGN_END)
    assert cases.count() > 100
    assert set(cases.values_list("category__parent__name", flat=True)) == {"市容环境"}
    assert not cases.exclude(grid__path__startswith=campaign.area.path).exists()
    dates = {timezone.localtime(r).date() for r in cases.values_list("reported_at", flat=True)}
    assert min(dates) >= CAMPAIGN_START
    assert max(dates) <= CAMPAIGN_END
    posts = list(campaign.posts.order_by("created_at"))
    assert len(posts) >= 5
    assert posts[0].text.startswith("整治第 2 周进展：累计发现问题 ")
    assert posts[-1].text.startswith(f"{CAMPAIGN_NAME}圆满收官：三个月共发现问题 {cases.count()} 处")


# --- the rows are what the services and the sweep would have written ----------------------------


def test_demo_timelines_are_paths_through_the_state_machine(demo):
    cases = {pk: (status, level) for pk, status, level in Case.objects.values_list("pk", "status", "level")}
    problems = []

    for case_id, events in timelines().items():
        first = events[0]
        if first[:3] != (CaseAction.REPORT, "", CaseStatus.REPORTED):
            problems.append((case_id, "does not start with a report"))
            continue
        status = CaseStatus.REPORTED
        for action, from_status, to_status, _level, _at in events[1:]:
            if from_status != status:
                problems.append((case_id, action, "from", from_status, "but was", status))
            if action in NOT_TRANSITIONS:
                ok = to_status == from_status and from_status in OPEN_STATUSES
            else:
                key = CaseAction.ESCALATE if action == CaseAction.AUTO_ESCALATE else action
                allowed_from, target = ALLOWED_TRANSITIONS[key]
                ok = from_status in allowed_from and to_status == (target or from_status)
            if not ok:
                problems.append((case_id, action, from_status, to_status))
            status = to_status
        if (status, events[-1][3]) != cases[case_id]:
            problems.append((case_id, "ends", status, events[-1][3], "but the case is", cases[case_id]))

    assert problems == []
    assert len(cases) == demo.cases["cases"]


def test_demo_case_rows_agree_with_their_timelines(demo):
    events = timelines()
    fields = (
        "pk", "number", "reported_at", "status", "closed_at", "resolved_level", "level", "version",
        "escalation_count", "rework_count", "extension_count", "satisfaction", "evaluated_at",
        "dispatched_at", "merged_into__status",
    )  # fmt: skip
    problems = []

    for row in Case.objects.values_list(*fields):
        pk, number, reported_at, status, closed_at, resolved, level, version = row[:8]
        escalations, reworks, extensions, satisfaction, evaluated_at, dispatched_at, into_status = row[8:]
        timeline = events[pk]
        actions = Counter(e[0] for e in timeline)
        times = {e[0]: e[4] for e in timeline}  # the last time of each action
        transitions = sum(n for a, n in actions.items() if a not in NOT_TRANSITIONS) - 1
        expected = {
            "number": f"{timezone.localtime(reported_at):%Y%m%d}{pk:07d}",
            "reported_at": times[CaseAction.REPORT],
            "version": 1 + transitions,
            "escalations": actions[CaseAction.ESCALATE] + actions[CaseAction.AUTO_ESCALATE],
            "reworks": actions[CaseAction.REWORK],
            "extensions": actions[CaseAction.EXTEND],
            "dispatched_at": times.get(CaseAction.DISPATCH),
            "evaluated": (bool(satisfaction), evaluated_at) == (True, times.get(CaseAction.EVALUATE))
            or (satisfaction, evaluated_at, CaseAction.EVALUATE in actions) == ("", None, False),
        }
        actual = {
            "number": number,
            "reported_at": reported_at,
            "version": version,
            "escalations": escalations,
            "reworks": reworks,
            "extensions": extensions,
            "dispatched_at": dispatched_at,
            "evaluated": True,
        }
        if status == CaseStatus.CLOSED:
            closing = [e for e in timeline if e[2] == CaseStatus.CLOSED and e[1] != CaseStatus.CLOSED]
            expected["closed"] = (closing[0][4], level)
            actual["closed"] = (closed_at, resolved)
        else:
            expected["closed"] = actual["closed"] = (closed_at, resolved) == (None, "")
        if status == CaseStatus.MERGED:
            # Merged into a case that was open then, never into another duplicate.
            expected["into"], actual["into"] = True, into_status != CaseStatus.MERGED
        if expected != actual:
            problems.append((pk, {k: (expected[k], actual[k]) for k in expected if expected[k] != actual[k]}))

    assert problems[:5] == []


def test_demo_deadlines_are_the_services_deadlines(demo):
    """A sample of unescalated cases, checked with the services' own limits and calendar."""
    calendar = WorkCalendar()
    categories = {c.pk: c for c in CaseCategory.objects.all()}
    sample = list(
        Case.objects.filter(escalation_count=0, extension_count=0, rework_count=0, status=CaseStatus.CLOSED)
        .exclude(registered_at=None)
        .exclude(dispatched_at=None)
        .order_by("pk")
        .values(
            "category_id",
            "registered_at",
            "dispatch_deadline",
            "due_at",
            "accepted_at",
            "handle_deadline",
            "fed_back_at",
            "verify_deadline",
        )
    )
    random.Random(7).shuffle(sample)

    def after(start, stage, category):
        return calendar.add_working_hours(start, stage_hours(category, stage, CaseLevel.GRID))

    for row in sample[:200]:
        category = categories[row["category_id"]]
        close_hours = sum(
            stage_hours(category, s, CaseLevel.GRID)
            for s in (Stage.DISPATCH, Stage.ACCEPT, Stage.HANDLE, Stage.VERIFY)
        )
        assert row["dispatch_deadline"] == after(row["registered_at"], Stage.DISPATCH, category)
        assert row["due_at"] == calendar.add_working_hours(row["registered_at"], close_hours)
        assert row["handle_deadline"] == after(row["accepted_at"], Stage.HANDLE, category)
        assert row["verify_deadline"] == after(row["fed_back_at"], Stage.VERIFY, category)


def test_demo_is_what_the_sweep_would_have_left_at_the_reference_moment(
    demo, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        result = sweep_cases(now=REFERENCE_MOMENT)

    assert (result.yellow, result.red, result.escalated, result.failed) == (0, 0, 0, [])


def test_demo_kpis_of_the_district_for_the_year(demo):
    kpis = kpis_by_name(
        compute_kpis(
            area=Area.objects.get(code=data.DISTRICT_CODE),
            start=YEAR_START.date(),
            end=REFERENCE_MOMENT.date() - datetime.timedelta(days=1),
            now=REFERENCE_MOMENT,
        )
    )

    assert 0.65 < kpis["grid_resolution_rate"].value < 0.9
    assert kpis["street_resolution_rate"].value > 0.95
    assert 0.8 < kpis["on_time_close_rate"].value < 1
    assert 0.8 < kpis["satisfaction_rate"].value < 1
    assert 0 < kpis["rework_rate"].value < 0.15
    assert 0.9 < kpis["valid_report_rate"].value < 1
    assert kpis["on_time_verification_rate"].denominator > 1_000


def test_demo_logins_see_cases_in_their_jurisdiction(demo):
    grid_member = User.objects.get(username="grid")
    community = User.objects.get(username="community")

    assert Case.objects.filter(reporter=grid_member).count() > 10
    mine = Case.objects.visible_to(community)
    assert (
        mine.count()
        == Case.objects.filter(grid__path__startswith=Area.objects.get(name="百合社区").path).count()
    )
    assert CaseEvent.objects.filter(actor=community, action=CaseAction.DISPATCH).exists()
    assert Case.objects.visible_to(User.objects.get(username="district")).count() == Case.objects.count()


def test_new_cases_after_the_demo_follow_its_numbers(demo):
    """The demo inserts ids itself; the sequence must have moved past them."""
    top = Case.objects.order_by("-pk").first()
    grid = Area.objects.get(name="百合一网格")

    case = report_case(
        category=CaseCategory.objects.get(name="暴露垃圾"),
        description="小区门口垃圾桶满溢",
        source=CaseSource.RESIDENT,
        grid=grid,
        reporter_name="周先生",
    )

    assert case.pk == top.pk + 1
    assert case.number == f"{timezone.localtime(case.reported_at):%Y%m%d}{case.pk:07d}"


# --- idempotent and deterministic --------------------------------------------------------------


def test_demo_second_run_adds_no_cases(demo):
    counts = (Case.objects.count(), CaseEvent.objects.count(), HandlingUnit.objects.count())

    again = build_demo(cases=True)

    assert again.already_loaded
    assert set(again.cases.values()) == {0}
    assert (Case.objects.count(), CaseEvent.objects.count(), HandlingUnit.objects.count()) == counts


def test_demo_cases_of_one_street_are_part_of_the_full_build(demo):
    full = set(
        Case.objects.filter(grid__path__startswith="/330206/330206001/").values_list(
            "tracking_token", "status", "level", "reported_at", "closed_at"
        )
    )
    with transaction.atomic():
        Case.objects.filter(merged_into__isnull=False).delete()
        Case.objects.all().delete()
        build_demo(streets=1, cases=True)
        small = set(Case.objects.values_list("tracking_token", "status", "level", "reported_at", "closed_at"))
        transaction.set_rollback(True)

    assert small == full


def test_demo_command_lists_the_handler_login_after_the_roles(demo):
    out = io.StringIO()

    call_command("demo", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[1].startswith("演示数据已加载，无需改动")
    table_end = lines.index("", lines.index("演示账号（每个角色一个）："))
    assert lines[table_end - 1].split() == ["handler", "gongzhi-demo", "处置单位成员", "百合社区环卫队"]


def test_demo_command_counts_what_the_cases_added():
    out = io.StringIO()
    command = DemoCommand(stdout=out)
    result = DemoResult(
        created={"areas": 0},
        seconds=1.5,
        logins=[],
        cases={"cases": 7_470, "case_events": 47_798, "campaign_posts": 0},
        unit_logins=[("handler", "李桂香", "百合社区环卫队")],
    )

    command.report(result)

    assert (
        out.getvalue().splitlines()[0]
        == "演示数据已加载：新建 网格事件 7,470，事件流转记录 47,798（1.5 秒）。"
    )


# --- the fast calendar ---------------------------------------------------------------------------


def test_fast_calendar_agrees_with_the_work_calendar():
    slow = WorkCalendar(overrides=holiday_overrides())
    fast = FastCalendar(slow, datetime.date(2023, 12, 1), datetime.date(2025, 12, 31))
    rng = random.Random(1)
    tz = timezone.get_default_timezone()
    starts = [
        datetime.datetime(2024, 1, 1, tzinfo=tz) + datetime.timedelta(seconds=rng.randrange(366 * 86400))
        for _ in range(2_000)
    ]
    # Period edges (08:30, 12:00, 13:30, 17:30, midnight) around a holiday and a weekend.
    starts += [
        datetime.datetime.combine(datetime.date(2024, 9, day), datetime.time(h, m), tzinfo=tz)
        for day in range(12, 19)
        for h, m in ((0, 0), (8, 30), (12, 0), (13, 30), (17, 30))
    ]
    hours = (0.25, 1, 1.6, 3.5, 4, 7.5, 8, 24, 40, 80, 120, 6.4000000001)

    for start in starts:
        h = rng.choice(hours)
        end = start + datetime.timedelta(minutes=rng.randrange(60 * 24 * 20))
        assert fast.add_working_hours(start, h) == slow.add_working_hours(start, h), (start, h)
        assert fast.working_hours_between(start, end) == slow.working_hours_between(start, end)
    # Outside its range it hands over to the work calendar.
    late = datetime.datetime(2027, 3, 1, 9, tzinfo=tz)
    assert fast.add_working_hours(late, 8) == slow.add_working_hours(late, 8)
