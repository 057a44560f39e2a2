"""Roll-ups: the dashboard's figures summed ahead per area and day, so an overview costs a few
indexed reads of a small table whatever the number of cases, records and volunteers (issue 9,
benchmark R3).

**What is kept.** ``AreaRollup`` rows (area, indicator name, day, value). Each row holds the
area's *whole subtree*: a community's row counts the records of its grids, a district's row
counts every record below it. Reading an area's figure is then a sum over its own rows only (at most 366
per indicator and year), independent of how many areas, records or levels lie below — so the
city overview costs what the district overview costs.

**Flow figures** (cases reported/closed, service records and hours, project participants and
person-times, volunteer activities, wishes posted, and the counts behind the three case rates)
are amounts per local day, keyed by the day of their defining moment (the day each indicator
in ``gongzhi.stats.indicators`` counts by). A period's value is the sum of its days, so any
period — a month, the year, a custom range, each month of a trend — is answered from the same
rows. **Stock figures** (population, organizations, volunteers and party-member volunteers,
overdue cases) are values *now*, not amounts per day: they are kept as one row per area with
no day, replaced whole at every refresh — a snapshot taken at ``refreshed_at``. **Rates** are
never stored: they are divided at read time from their stored numerator and denominator
(closed, closed in the grid, closed within the street; due, due and closed on time), and
organizations per 10,000 from the stored organizations and population — so a rate over a period
is exact, never an average of daily rates.

**Grids are left out**: rows are kept for the street, community and district levels only. A
grid holds a few hundred records a year, so its figures are computed live through the grid's
indexes as fast as a roll-up read, and leaving its rows out makes the roll-ups several times
smaller and quicker to refresh (there are ten grids to a community, and most days a grid has
no case).

**How they are filled.** ``refresh_rollups()`` writes each indicator with one set-based
statement — ``INSERT … SELECT`` grouping the base table by (lowest area, day) and adding every
group to the area and all its ancestors through a recursive walk up ``parent`` — never a
loop over areas or records (the same SQL on PostgreSQL and SQLite). Incremental by default: it
rewrites the flow rows of the last ``GONGZHI_ROLLUP_RECENT_DAYS`` days (late edits: a service
record approved weeks after the service, a case deferred after its deadline) and all stock
rows; ``full=True`` (nightly on the beat schedule, ``gongzhi refresh-rollups --full``, and
after ``gongzhi demo`` / ``bench-data``) rewrites everything, which also picks up an edit
older than the window or an area moved in the tree. It runs in one transaction: readers see
the old roll-ups or the new ones, never half.

**When they are read** (``answer``). The roll-ups are *fresh* for
``GONGZHI_ROLLUP_MAX_AGE_MINUTES`` after a refresh (beat refreshes every
``GONGZHI_ROLLUP_INTERVAL_SECONDS``). While fresh, every figure is the roll-up's — the state
at ``refreshed_at``, which the dashboard shows as "数据更新于 HH:MM". When stale, the
stock figures are computed live, and flow figures take the complete days before the refresh day
from the roll-ups and the days after it live (the date indexes make a few days cheap), so a
missing beat slows the dashboard down but never shows old figures. Without any refresh, or in a
request running in another time zone than ``TIME_ZONE`` (days would not match), everything is
live. Organizations serving (a distinct count, not additive over days) is kept for the year
to date of the refresh day only (``SNAPSHOT_NAMES``): the overview's default period, whose live
count probes every organization of the area — a district's thousands against a street's
hundreds — is the one figure whose cost grew with the area. Figures the roll-ups do not hold
stay live: projects and funds (counted by project year over a table of thousands) and wishes
fulfilled (a wish fulfilled twice counts once). Right after a refresh every rolled
figure equals the live figure exactly (``tests/stats/test_rollups.py``; ``gongzhi
verify-stats`` recounts the figures the pages show, roll-ups included).
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from gongzhi.areas.choices import AreaLevel
from gongzhi.areas.models import Area
from gongzhi.stats.models import AreaRollup, RollupState

# Rates divided at read time: name → (numerator, denominator) among the stored flow names.
RATES: dict[str, tuple[str, str]] = {
    "grid_resolution_rate": ("cases_closed_grid", "cases_closed"),
    "street_resolution_rate": ("cases_closed_street", "cases_closed"),
    "on_time_close_rate": ("cases_due_on_time", "cases_due"),
}
# Stored parts of the rates with no indicator of their own: name → (KPI, "numerator" or
# "denominator") of ``gongzhi.cases.kpis`` that computes the same count live.
KPI_PARTS: dict[str, tuple[str, str]] = {
    "cases_closed_grid": ("grid_resolution_rate", "numerator"),
    "cases_closed_street": ("street_resolution_rate", "numerator"),
    "cases_due": ("on_time_close_rate", "denominator"),
    "cases_due_on_time": ("on_time_close_rate", "numerator"),
}
DECIMAL_NAMES = frozenset({"service_hours"})
EPOCH = datetime.date(1900, 1, 1)


def _tz() -> Any:
    return timezone.get_default_timezone()


def _midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=_tz())


def _by_moment(
    qs: QuerySet, field: str, area: str, since: datetime.date | None, value: Any = None
) -> QuerySet:
    """(lowest area ``a``, local day ``d``, amount ``v``) of the rows, by the day of ``field``."""
    qs = qs.filter(**{f"{field}__gte": _midnight(since or EPOCH)})
    return (
        qs.order_by()
        .annotate(a=F(area), d=TruncDate(field, tzinfo=_tz()))
        .values("a", "d")
        .annotate(v=value if value is not None else Count("pk"))
    )


def _by_date(qs: QuerySet, field: str, area: str, since: datetime.date | None, value: Any = None) -> QuerySet:
    qs = qs.filter(**{f"{field}__gte": since or EPOCH})
    return (
        qs.order_by()
        .annotate(a=F(area), d=F(field))
        .values("a", "d")
        .annotate(v=value if value is not None else Count("pk"))
    )


def _by_area(qs: QuerySet, area: str, value: Any = None) -> QuerySet:
    return (
        qs.order_by().annotate(a=F(area)).values("a").annotate(v=value if value is not None else Count("pk"))
    )


def _flow_sources(since: datetime.date | None, moment: datetime.datetime) -> dict[str, QuerySet]:
    """The flow indicators' base queries — the same filters as their live ``compute`` in
    ``gongzhi.stats.indicators`` and ``gongzhi.cases.kpis`` (a test holds them equal)."""
    from gongzhi.cases.choices import CaseLevel, CaseStatus
    from gongzhi.cases.models import Case
    from gongzhi.projects.models import Delivery
    from gongzhi.volunteers.models import Activity, ServiceRecord, Wish

    closed = Case.objects.filter(status=CaseStatus.CLOSED)
    due = Case.objects.filter(due_at__lt=moment).exclude(
        status__in=(CaseStatus.DEFERRED, CaseStatus.REJECTED, CaseStatus.MERGED)
    )
    approved = ServiceRecord.objects.filter(status="approved")
    return {
        "cases_reported": _by_moment(Case.objects.all(), "reported_at", "grid_id", since),
        "cases_closed": _by_moment(closed, "closed_at", "grid_id", since),
        "cases_closed_grid": _by_moment(
            closed.filter(resolved_level=CaseLevel.GRID), "closed_at", "grid_id", since
        ),
        "cases_closed_street": _by_moment(
            closed.filter(resolved_level__in=(CaseLevel.GRID, CaseLevel.COMMUNITY, CaseLevel.STREET)),
            "closed_at",
            "grid_id",
            since,
        ),
        "cases_due": _by_moment(due, "due_at", "grid_id", since),
        "cases_due_on_time": _by_moment(
            due.filter(status=CaseStatus.CLOSED, closed_at__lte=F("due_at")), "due_at", "grid_id", since
        ),
        "service_records": _by_date(approved.exclude(kind="adjustment"), "served_on", "area_id", since),
        "service_hours": _by_date(approved, "served_on", "area_id", since, Sum("hours")),
        "participants": _by_date(
            Delivery.objects.all(), "held_on", "project__area_id", since, Sum("beneficiaries")
        ),
        "person_times_served": _by_date(
            Delivery.objects.all(), "held_on", "project__area_id", since, Sum("person_times")
        ),
        "activities": _by_moment(Activity.objects.exclude(status="cancelled"), "starts_at", "area_id", since),
        "wishes_posted": _by_moment(Wish.objects.all(), "created_at", "area_id", since),
    }


def _stock_sources(moment: datetime.datetime) -> dict[str, QuerySet]:
    from gongzhi.cases.choices import OPEN_STATUSES
    from gongzhi.cases.models import Case
    from gongzhi.stats.indicators import Period, _orgs, _serving_org_ids, _volunteers

    year_to_date = Period.year_to_date(timezone.localtime(moment, _tz()).date())
    return {
        "organizations_serving": _by_area(_serving_org_ids(year_to_date), "area_id"),
        "population": _by_area(
            Area.objects.filter(level=AreaLevel.GRID), "id", Coalesce(Sum("population"), Value(0))
        ),
        "organizations_registered": _by_area(_orgs("registered"), "area_id"),
        "organizations_filed": _by_area(_orgs("filed"), "area_id"),
        "organizations_total": _by_area(_orgs(), "area_id"),
        "volunteers": _by_area(_volunteers(False), "person__area_id"),
        "volunteers_party_members": _by_area(_volunteers(True), "person__area_id"),
        "cases_overdue": _by_area(
            Case.objects.filter(status__in=OPEN_STATUSES, stage_deadline__lt=moment), "grid_id"
        ),
    }


FLOW_NAMES = frozenset(
    {
        "cases_reported",
        "cases_closed",
        "cases_closed_grid",
        "cases_closed_street",
        "cases_due",
        "cases_due_on_time",
        "service_records",
        "service_hours",
        "participants",
        "person_times_served",
        "activities",
        "wishes_posted",
    }
)
# Figures that do not add up over days (organizations serving is a distinct count), kept for
# one period only: the year to date of the refresh day, the overview's default. Like the stock
# figures they are a snapshot, replaced at every refresh and read only while fresh, and only
# for exactly that period; any other period is computed live.
SNAPSHOT_NAMES = frozenset({"organizations_serving"})
STOCK_NAMES = SNAPSHOT_NAMES | frozenset(
    {
        "population",
        "organizations_registered",
        "organizations_filed",
        "organizations_total",
        "volunteers",
        "volunteers_party_members",
        "cases_overdue",
    }
)
# Every registry indicator the roll-ups answer (the KPI parts are not indicators).
ANSWERED = (FLOW_NAMES - KPI_PARTS.keys()) | STOCK_NAMES | RATES.keys() | {"organizations_per_10k"}


# ---------------------------------------------------------------------------------------------
# Refreshing


@dataclass(frozen=True)
class RefreshResult:
    """What a refresh did; ``rows``: the rows the roll-ups hold afterwards."""

    full: bool
    since: datetime.date | None
    rows: int
    seconds: float
    refreshed_at: datetime.datetime


_INSERT = (
    "WITH RECURSIVE up(base_id, area_id) AS ("
    " SELECT id, id FROM {areas}"
    " UNION ALL SELECT up.base_id, p.parent_id FROM up JOIN {areas} p ON p.id = up.area_id"
    " WHERE p.parent_id IS NOT NULL)"
    " INSERT INTO {table} (area_id, name, day, value)"
    " SELECT up.area_id, %s, {day}, SUM(b.v) FROM ({base}) b JOIN up ON up.base_id = b.a"
    " JOIN {areas} t ON t.id = up.area_id AND t.level <> %s"
    " GROUP BY {group}"
    # Written area by area: an area's rows of one indicator then share a few pages, so reading
    # a district's year touches tens of pages, not one per row (2,650 at city scale).
    " ORDER BY up.area_id"
)


def _insert(name: str, base: QuerySet, *, daily: bool) -> None:
    """One ``INSERT … SELECT``: the base groups added to their area and every ancestor
    above the grids (a grid's own figures are read live, see the module docstring)."""
    sql, params = base.query.sql_with_params()
    qn = connection.ops.quote_name
    table, areas = qn(AreaRollup._meta.db_table), qn(Area._meta.db_table)
    day = "b.d" if daily else "NULL"
    group = "up.area_id, b.d" if daily else "up.area_id"
    # Names come from the models and the SELECT from the ORM (its values stay parameters).
    statement = _INSERT.format(areas=areas, table=table, day=day, base=sql, group=group)  # nosec B608
    with connection.cursor() as cursor:
        cursor.execute(statement, [name, *params, AreaLevel.GRID.value])


def refresh_rollups(*, full: bool = False, now: datetime.datetime | None = None) -> RefreshResult:
    """Rewrite the roll-ups: the flow rows of the recent days (all days with ``full`` or on
    the first run) and every stock row, as of ``now``. One transaction."""
    started = time.perf_counter()
    moment = now or timezone.now()
    today = timezone.localtime(moment, _tz()).date()
    recent = int(getattr(settings, "GONGZHI_ROLLUP_RECENT_DAYS", 62))
    with transaction.atomic():
        # The one state row, locked: concurrent refreshes run one after the other.
        state, created = RollupState.objects.select_for_update().get_or_create(
            pk=1, defaults={"refreshed_at": moment, "through": today}
        )
        full = full or created
        since = None if full else min(state.through, today) - datetime.timedelta(days=recent)
        flows = (
            AreaRollup.objects.all() if full else AreaRollup.objects.filter(Q(day__gte=since) | Q(day=None))
        )
        flows._raw_delete(flows.db)
        if not full:
            AreaRollup.objects.filter(day=None)._raw_delete(AreaRollup.objects.db)
        for name, base in _flow_sources(since, moment).items():
            _insert(name, base, daily=True)
        for name, base in _stock_sources(moment).items():
            _insert(name, base, daily=False)
        rows = AreaRollup.objects.count()
        state.refreshed_at, state.through = moment, today
        if full:
            state.full_at = moment
        state.save()
    _vacuum()
    return RefreshResult(full, since, rows, time.perf_counter() - started, moment)


def _vacuum() -> None:
    """Vacuum and analyse the roll-ups right after a refresh (PostgreSQL, outside any
    transaction: the beat task and the command). A refresh deletes and rewrites the recent days,
    a seventh of a city's ten million rows every ten minutes, and until the dead rows are gone
    a district's read visits a page per row (2,700 pages at city scale, against 38 after
    ``VACUUM``) and sets their hint bits; autovacuum would get there minutes later."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(AreaRollup._meta.db_table)}")


# ---------------------------------------------------------------------------------------------
# Reading


@dataclass(frozen=True)
class Cover:
    """What the roll-ups can answer now: every day up to ``cut`` for flow figures, and the
    stock figures while ``fresh``."""

    refreshed_at: datetime.datetime
    through: datetime.date
    fresh: bool

    @property
    def cut(self) -> datetime.date:
        # Fresh: the refresh day too, as far as refreshed_at. Stale: complete days only.
        return self.through if self.fresh else self.through - datetime.timedelta(days=1)


def cover(now: datetime.datetime | None = None) -> Cover | None:
    """The roll-ups' reach, or None when they must not be read (never refreshed, or the
    request counts days in another time zone)."""
    if timezone.get_current_timezone_name() != settings.TIME_ZONE:
        return None
    state = RollupState.objects.order_by("pk").values_list("refreshed_at", "through").first()
    if state is None:
        return None
    refreshed_at, through = state
    max_age = datetime.timedelta(minutes=int(getattr(settings, "GONGZHI_ROLLUP_MAX_AGE_MINUTES", 30)))
    moment = now or timezone.now()
    return Cover(refreshed_at, through, refreshed_at <= moment <= refreshed_at + max_age)


def _number(name: str, total: Any) -> Any:
    if name in DECIMAL_NAMES:
        return Decimal(total or 0).quantize(Decimal("0.01"))
    return int(total or 0)


def _stored_names(names: Iterable[str]) -> set[str]:
    stored: set[str] = set()
    for name in names:
        if name in RATES:
            stored.update(RATES[name])
        elif name == "organizations_per_10k":
            stored.update(("organizations_total", "population"))
        elif name in FLOW_NAMES or name in STOCK_NAMES:
            stored.add(name)
    return stored


def _live_part(
    name: str, area: Area, rest: Any, live: Callable[[str, Area, Any], Any], kpis: dict[int, dict[str, Any]]
) -> Any:
    """A stored name's live value over ``rest`` (the days after the roll-ups' cut)."""
    if name in KPI_PARTS:
        if area.pk not in kpis:
            from gongzhi.cases.kpis import compute_kpis, kpis_by_name

            kpis[area.pk] = kpis_by_name(compute_kpis(area=area, start=rest.start, end=rest.end))
        kpi, part = KPI_PARTS[name]
        return getattr(kpis[area.pk][kpi], part)
    return live(name, area, rest)


def answer(
    areas: Sequence[Area],
    period: Any,
    names: Iterable[str],
    live: Callable[[str, Area, Any], Any],
    c: Cover | None = None,
) -> dict[int, dict[str, Any]] | None:
    """The figures ``names`` for each of ``areas`` over ``period`` from the roll-ups (plus the
    live remainder after their cut), ``{area id: {name: value}}``; names the roll-ups cannot
    answer now are left out (the caller computes them live). None when the roll-ups must not be
    read. One grouped query for all areas and names; ``live(name, area, period)`` is the live
    computation, called only for days after the cut."""
    c = c or cover()
    if c is None:
        return None
    from gongzhi.stats.indicators import Period

    wanted = [n for n in names if n in ANSWERED]
    if not c.fresh:
        wanted = [n for n in wanted if n not in STOCK_NAMES and n != "organizations_per_10k"]
    if (period.start, period.end) != (datetime.date(c.through.year, 1, 1), c.through):
        wanted = [n for n in wanted if n not in SNAPSHOT_NAMES]
    stored = _stored_names(wanted)
    flow = sorted(stored & FLOW_NAMES)
    stock = sorted(stored & STOCK_NAMES)
    end = min(period.end, c.cut)
    condition = Q(pk__in=[])
    if stock:
        condition |= Q(name__in=stock, day=None)
    if flow and period.start <= end:
        condition |= Q(name__in=flow, day__gte=period.start, day__lte=end)
    totals: dict[tuple[int, str], Any] = {}
    if stock or (flow and period.start <= end):
        rows = (
            AreaRollup.objects.filter(
                condition, area_id__in=[a.pk for a in areas if a.level != AreaLevel.GRID]
            )
            .order_by()
            .values("area_id", "name")
            .annotate(t=Sum("value"))
            .values_list("area_id", "name", "t")
        )
        totals = {(area_id, name): total for area_id, name, total in rows}
    rest = (
        Period(max(period.start, c.cut + datetime.timedelta(days=1)), period.end)
        if period.end > c.cut
        else None
    )
    kpis: dict[int, dict[str, Any]] = {}
    result: dict[int, dict[str, Any]] = {}
    for area in areas:
        if area.level == AreaLevel.GRID:
            result[area.pk] = {}  # no rows of its own: live
            continue
        values = {name: _number(name, totals.get((area.pk, name))) for name in stored}
        if rest is not None:
            for name in flow:
                values[name] += _live_part(name, area, rest, live, kpis)
        figures: dict[str, Any] = {}
        for name in wanted:
            if name in RATES:
                numerator, denominator = (values[n] for n in RATES[name])
                figures[name] = numerator / denominator if denominator else None
            elif name == "organizations_per_10k":
                from gongzhi.organizations.queries import per_10k

                figures[name] = per_10k(values["organizations_total"], values["population"])
            else:
                figures[name] = values[name]
        result[area.pk] = figures
    return result


def shown_at(c: Cover | None = None) -> datetime.datetime | None:
    """When the figures the dashboard shows were taken, if they come from fresh roll-ups."""
    c = c or cover()
    return timezone.localtime(c.refreshed_at) if c is not None and c.fresh else None
