"""Roll-ups (gongzhi.stats.rollups): the dashboard's figures read from the roll-ups equal the
live figures, for every indicator they hold, every area and several periods; stale roll-ups
never show old figures; the refresh is incremental, runs from Celery, beat and a command.

The data set is test_api_figures.py's: records in both streets, three communities and grids,
over the last 60 days.
"""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gongzhi.areas.models import Area
from gongzhi.stats import rollups
from gongzhi.stats.indicators import INDICATORS, LIVE, Period, breakdown_by_child, overview, timeseries
from gongzhi.stats.models import AreaRollup, RollupState
from gongzhi.stats.tasks import refresh_rollups as refresh_task
from gongzhi.volunteers import services as volunteers
from tests.cases.conftest import categories, grids, handler, photo, unit  # noqa: F401
from tests.projects.conftest import childcare_project  # noqa: F401
from tests.stats.test_api_figures import dataset  # noqa: F401
from tests.volunteers.conftest import make_volunteer

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def world(request):
    # Fetched by name: an argument named like the imported fixture would shadow the import.
    return request.getfixturevalue("dataset")


def day(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


PERIODS = [
    Period(day(-40), TODAY),  # the usual window
    Period(day(-90), TODAY),  # every record, the 60-day-old ones included
    Period(TODAY.replace(month=1, day=1) if TODAY.month > 3 else day(-120), TODAY),
    Period(day(-30), day(-10)),  # entirely in the past
    Period(day(-18), day(-15)),  # a few days
    Period(TODAY, TODAY),  # today only
    Period(day(-20), day(10)),  # reaching into the future
    Period.year_to_date(),  # the overview's default: organizations serving from the roll-ups too
]
ROLLED = sorted(rollups.ANSWERED)


def live_figures(areas, periods):
    return {(a.code, p, name): LIVE[name](a, p) for a in areas for p in periods for name in ROLLED}


def shown_figures(areas, periods):
    return {
        (a.code, p, name): INDICATORS[name].compute(a, p) for a in areas for p in periods for name in ROLLED
    }


def differences(expected, got):
    return {key: (expected[key], got[key]) for key in expected if expected[key] != got[key]}


def test_the_rollups_cover_the_stored_indicators():
    assert set(ROLLED) <= set(INDICATORS)
    # The figures rolled up: every flow and stock figure of the dashboard but three.
    assert set(INDICATORS) - set(ROLLED) == {"projects", "project_funds", "wishes_fulfilled"}
    assert set(rollups.SNAPSHOT_NAMES) == {"organizations_serving"}


def test_figures_from_the_rollups_equal_the_live_figures(world):
    areas = list(Area.objects.order_by("path"))
    assert len(areas) >= 8
    live = live_figures(areas, PERIODS)
    overviews = {(a.code, p): overview(a, p) for a in areas for p in PERIODS}
    assert rollups.cover() is None  # nothing rolled up yet: everything was live

    result = rollups.refresh_rollups(full=True)
    assert result.full
    assert result.rows > 0
    c = rollups.cover()
    assert c is not None
    assert c.fresh
    assert c.through == TODAY
    # The figures really come from the roll-ups (all the answered names, for every area) ...
    found = rollups.answer(areas, PERIODS[1], ROLLED, lambda *args: pytest.fail("no live part"))
    assert set(found) == {a.pk for a in areas}
    for area in areas:  # grids are read live (no rows of their own)
        expected = set(ROLLED) - rollups.SNAPSHOT_NAMES  # kept for the year to date only
        assert set(found[area.pk]) == (set() if area.level == "grid" else expected), area.code
    year_to_date = Period.year_to_date()
    found = rollups.answer(areas, year_to_date, ROLLED, lambda *args: pytest.fail("no live part"))
    district = Area.objects.get(code="D")
    assert set(found[district.pk]) == set(ROLLED)
    assert found[district.pk]["organizations_serving"] == LIVE["organizations_serving"](
        district, year_to_date
    )
    assert found[district.pk]["organizations_serving"] > 0
    # ... and equal the live ones, one by one, in the overview, the breakdowns and the trends.
    assert differences(live, shown_figures(areas, PERIODS)) == {}
    assert {(a.code, p): overview(a, p) for a in areas for p in PERIODS} == overviews
    district = Area.objects.get(code="D")
    assert any(v for k, v in live.items() if k[0] == "D" and k[2] == "cases_reported")
    assert any(v for k, v in live.items() if k[0] == "D" and k[2] == "service_hours")
    for name in (
        "cases_reported",
        "service_hours",
        "organizations_total",
        "person_times_served",
        "volunteers",
    ):
        for area in (district, Area.objects.get(code="S1")):
            rolled_rows = breakdown_by_child(name, area, PERIODS[1])
            rolled_series = timeseries(name, area, PERIODS[1])
            RollupState.objects.all().delete()  # live again
            assert breakdown_by_child(name, area, PERIODS[1]) == rolled_rows
            assert timeseries(name, area, PERIODS[1]) == rolled_series
            rollups.refresh_rollups(full=True)


def test_verify_stats_checks_the_rollups(world):
    rollups.refresh_rollups()
    out = StringIO()
    call_command("verify_stats", "--from", day(-90).isoformat(), stdout=out)
    assert "没有差异" in out.getvalue()
    # A roll-up that went wrong is caught.
    row = AreaRollup.objects.filter(name="cases_reported", area__code="S1").order_by("day").first()
    row.value += 1
    row.save()
    with pytest.raises(CommandError):
        call_command("verify_stats", "--from", day(-90).isoformat(), stdout=StringIO(), stderr=StringIO())


def test_fresh_rollups_show_the_figures_as_of_their_refresh(world, club, leader):
    district = Area.objects.get(code="D")
    period = PERIODS[0]
    rollups.refresh_rollups()
    before = overview(district, period)
    make_volunteer(world, club, "late", "晚到者")
    assert LIVE["volunteers"](district, period) == before["volunteers"]["total"] + 1
    # Fresh: the roll-ups' figure, as of the refresh (the dashboard says when).
    assert overview(district, period) == before
    rollups.refresh_rollups()
    assert overview(district, period)["volunteers"]["total"] == before["volunteers"]["total"] + 1


def test_stale_rollups_never_show_old_figures(world, club, leader):
    areas = list(Area.objects.order_by("path"))
    # Refreshed two hours ago (longer than GONGZHI_ROLLUP_MAX_AGE_MINUTES): stale.
    rollups.refresh_rollups(full=True, now=timezone.now() - datetime.timedelta(hours=2))
    assert rollups.cover().fresh is False
    volunteer = make_volunteer(world, club, "late", "晚到者")
    record = volunteers.add_manual_record(
        volunteer, by=leader, organization=club, served_on=TODAY, hours="2", content="服务", reason="补录"
    )
    volunteers.approve_record(record, by=leader)
    live = live_figures(areas, PERIODS)
    assert differences(live, shown_figures(areas, PERIODS)) == {}


def test_an_incremental_refresh_rewrites_the_recent_days(world, club, leader, settings):
    areas = list(Area.objects.order_by("path"))
    settings.GONGZHI_ROLLUP_RECENT_DAYS = 20
    rollups.refresh_rollups(full=True)
    volunteer = make_volunteer(world, club, "late", "晚到者")
    for served_on in (day(-5), day(-50)):  # inside and outside the recent days
        record = volunteers.add_manual_record(
            volunteer,
            by=leader,
            organization=club,
            served_on=served_on,
            hours="3",
            content="补录",
            reason="补录",
        )
        volunteers.approve_record(record, by=leader)
    result = rollups.refresh_rollups()
    assert not result.full
    assert result.since == day(-20)
    recent = Period(day(-20), TODAY)
    assert differences(live_figures(areas, [recent]), shown_figures(areas, [recent])) == {}
    # The late edit 50 days back waits for the nightly full refresh.
    old = Period(day(-90), TODAY)
    district = Area.objects.get(code="D")
    assert INDICATORS["service_hours"].compute(district, old) == LIVE["service_hours"](district, old) - 3
    rollups.refresh_rollups(full=True)
    assert differences(live_figures(areas, [old]), shown_figures(areas, [old])) == {}


def test_the_overview_reads_a_constant_number_of_queries(world):
    rollups.refresh_rollups()
    district = Area.objects.get(code="D")
    with CaptureQueriesContext(connection) as rolled:
        overview(district, PERIODS[0])
    RollupState.objects.all().delete()
    with CaptureQueriesContext(connection) as live:
        overview(district, PERIODS[0])
    # The roll-ups replace ~20 aggregates over the base tables with one read of theirs.
    assert len(rolled) <= len(live) - 15
    assert sum("stats_arearollup" in q["sql"] for q in rolled.captured_queries) == 1


def test_another_time_zone_reads_live(world):
    rollups.refresh_rollups()
    with timezone.override("UTC"):
        assert rollups.cover() is None


def test_the_task_the_beat_and_the_command(world):
    entries = [
        e
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == "gongzhi.stats.tasks.refresh_rollups"
    ]
    assert {e["schedule"] for e in entries} == {float(settings.GONGZHI_ROLLUP_INTERVAL_SECONDS), 86400.0}
    assert any(e.get("kwargs") == {"full": True} for e in entries)

    refresh_task.delay(full=True)  # in-process (eager) without Redis
    assert RollupState.objects.get().full_at is not None
    out = StringIO()
    call_command("refresh_rollups", stdout=out)
    assert "统计汇总已更新" in out.getvalue()
    call_command("refresh_rollups", "--full", stdout=out)
    assert AreaRollup.objects.filter(day=None, name="population", area__code="D").exists()


def test_the_dashboard_says_when_its_figures_were_taken(world, page, district_admin):
    body = page(district_admin).get("/stats/?area=D").content.decode()
    assert "数据更新于" not in body
    result = rollups.refresh_rollups()
    body = page(district_admin).get("/stats/?area=D").content.decode()
    assert f"数据更新于 {timezone.localtime(result.refreshed_at):%H:%M}" in body
