"""The indicators leaders steer by: one definition each, one implementation used by the pages,
the API, the exports and the reports (``docs/indicators.md`` says the same in prose).

An indicator is computed for an area (its whole subtree) and a period of whole local days
``start``–``end``. *Counts* and *sums* are additive: a district's value is the sum of its
streets' values plus what lies on the district itself; ``gongzhi verify-stats`` recomputes
each of them from the rows by a second, independent route (``rows``: one pass over the table,
added up the parent links in Python) and reports any difference. *Ratios* are derived from additive
parts. Each figure is one aggregate query over indexed columns (the area path prefix and the
period's date), never a loop over records.

Most figures are read from roll-ups when they are fresh (``gongzhi.stats.rollups``: per area
and day, refreshed by Celery beat); ``compute`` of those indicators reads them and falls back
to the live computation, which stays in ``LIVE`` — the figure the roll-ups must equal.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, Exists, IntegerField, OuterRef, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.choices import AreaLevel
from gongzhi.areas.models import Area


@dataclass(frozen=True)
class Period:
    """Whole local days ``start``–``end`` (inclusive)."""

    start: datetime.date
    end: datetime.date

    @property
    def begin(self) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(self.start, datetime.time.min))

    @property
    def finish(self) -> datetime.datetime:
        """Midnight after ``end``: moments are counted when ``begin <= t < finish``."""
        return timezone.make_aware(
            datetime.datetime.combine(self.end + datetime.timedelta(days=1), datetime.time.min)
        )

    def contains_day(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end

    def contains_moment(self, moment: datetime.datetime | None) -> bool:
        return moment is not None and self.begin <= moment < self.finish

    @classmethod
    def year_to_date(cls, today: datetime.date | None = None) -> Period:
        today = today or timezone.localdate()
        return cls(datetime.date(today.year, 1, 1), today)


@dataclass(frozen=True)
class Indicator:
    """One indicator. ``compute(area, period)`` is the implementation everyone uses;
    ``rows(period)`` yields (area id, amount) for every record once — the independent
    recount of ``verify-stats`` — for additive indicators; ``records_url`` names the page
    listing the records behind the figure (with ``?under=CODE``)."""

    name: str
    label: Any
    unit: Any
    formula: Any
    period_rule: Any
    source: Any
    compute: Callable[[Area, Period], Any]
    rows: Callable[[Period], Iterable[tuple[int, Any]]] | None = None
    records_url: str = ""
    justice_only: bool = False
    by_category: Callable[[Area, Period], dict[str, Any]] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def additive(self) -> bool:
        return self.rows is not None


def _under(qs: QuerySet, path_lookup: str, area: Area) -> QuerySet:
    return qs.filter(**{f"{path_lookup}__prefix": area.path})


def _count(qs: QuerySet) -> int:
    return qs.order_by().count()


def _sum(qs: QuerySet, field_name: str, *, decimal: bool = False) -> Any:
    output = DecimalField(max_digits=18, decimal_places=2) if decimal else IntegerField()
    total = qs.order_by().aggregate(
        t=Coalesce(Sum(field_name), Value(Decimal("0") if decimal else 0), output_field=output)
    )["t"]
    return Decimal(total).quantize(Decimal("0.01")) if decimal else int(total)


# ---------------------------------------------------------------------------------------------
# Areas and organizations


def _population(area: Area, period: Period) -> int:
    grids = Area.objects.filter(path__prefix=area.path, level=AreaLevel.GRID)
    return _sum(grids, "population")


def _population_rows(period: Period):
    return Area.objects.filter(level=AreaLevel.GRID).values_list("id", "population").iterator()


def _orgs(track: str | None = None) -> QuerySet:
    from gongzhi.organizations.models import Organization
    from gongzhi.organizations.queries import COUNTED_STATUSES

    qs = Organization.objects.filter(status__in=COUNTED_STATUSES)
    return qs.filter(track=track) if track else qs


def _org_count(track: str | None):
    def compute(area: Area, period: Period) -> int:
        return _count(_under(_orgs(track), "area__path", area))

    def rows(period: Period):
        return ((path, 1) for path in _orgs(track).values_list("area_id", flat=True).iterator())

    return compute, rows


def _serving_org_ids(period: Period) -> QuerySet:
    """Organizations that delivered a project activity or ran a volunteer activity in the period."""
    from gongzhi.projects.models import Delivery
    from gongzhi.volunteers.models import Activity

    delivered = Delivery.objects.filter(held_on__gte=period.start, held_on__lte=period.end).values(
        "organization_id"
    )
    ran = (
        Activity.objects.filter(starts_at__gte=period.begin, starts_at__lt=period.finish)
        .exclude(status="cancelled")
        .values("organizer_id")
    )
    return _orgs().filter(Q(pk__in=delivered) | Q(pk__in=ran))


def _serving(area: Area, period: Period) -> int:
    """The same organizations as ``_serving_org_ids``, found from the area's organizations
    (an index probe each) rather than from every delivery and activity of the period in the
    city — so the cost follows the area, not the whole data set."""
    from gongzhi.projects.models import Delivery
    from gongzhi.volunteers.models import Activity

    delivered = Delivery.objects.filter(
        organization_id=OuterRef("pk"), held_on__gte=period.start, held_on__lte=period.end
    )
    ran = Activity.objects.filter(
        organizer_id=OuterRef("pk"), starts_at__gte=period.begin, starts_at__lt=period.finish
    ).exclude(status="cancelled")
    return _count(_under(_orgs(), "area__path", area).filter(Exists(delivered) | Exists(ran)))


def _serving_rows(period: Period):
    return ((p, 1) for p in _serving_org_ids(period).values_list("area_id", flat=True).iterator())


def _per_10k(area: Area, period: Period) -> float | None:
    from gongzhi.organizations.queries import per_10k

    return per_10k(_count(_under(_orgs(), "area__path", area)), _population(area, period))


# ---------------------------------------------------------------------------------------------
# Projects and money


def _projects(period: Period) -> QuerySet:
    """Projects of the period's years, published or further (drafts and cancelled ones do not
    count)."""
    from gongzhi.projects.models import Project
    from gongzhi.projects.queries import COUNTED_STATUSES

    return Project.objects.filter(
        status__in=COUNTED_STATUSES, year__gte=period.start.year, year__lte=period.end.year
    )


def _project_count(area: Area, period: Period) -> int:
    return _count(_under(_projects(period), "area__path", area))


def _project_rows(period: Period):
    return ((p, 1) for p in _projects(period).values_list("area_id", flat=True).iterator())


def _by_lifecycle(area: Area, period: Period) -> dict[str, int]:
    from gongzhi.projects.choices import LifecycleCategory

    counts = dict.fromkeys(LifecycleCategory.values, 0)
    rows = _under(_projects(period), "area__path", area).order_by().values_list("lifecycle_category")
    counts.update(dict(rows.annotate(n=Count("pk")).values_list("lifecycle_category", "n")))
    return counts


def _allocations(period: Period) -> QuerySet:
    from gongzhi.projects.models import Allocation

    return Allocation.objects.filter(project__in=_projects(period).values("pk"))


def _funds(area: Area, period: Period) -> Decimal:
    return _sum(_under(_allocations(period), "project__area__path", area), "amount", decimal=True)


def _funds_rows(period: Period):
    return _allocations(period).values_list("project__area_id", "amount").iterator()


def _funds_by_kind(area: Area, period: Period) -> dict[str, Decimal]:
    from gongzhi.projects.choices import FundingKind

    totals = dict.fromkeys(FundingKind.values, Decimal("0.00"))
    rows = (
        _under(_allocations(period), "project__area__path", area)
        .order_by()
        .values_list("source__kind")
        .annotate(t=Sum("amount"))
        .values_list("source__kind", "t")
    )
    for kind, total in rows:
        totals[kind] = Decimal(total or 0).quantize(Decimal("0.01"))
    return totals


def _deliveries(period: Period) -> QuerySet:
    from gongzhi.projects.models import Delivery

    return Delivery.objects.filter(held_on__gte=period.start, held_on__lte=period.end)


def _delivery_sum(field_name: str):
    def compute(area: Area, period: Period) -> int:
        return _sum(_under(_deliveries(period), "project__area__path", area), field_name)

    def rows(period: Period):
        return _deliveries(period).values_list("project__area_id", field_name).iterator()

    return compute, rows


# ---------------------------------------------------------------------------------------------
# Volunteers


def _volunteers(party: bool = False) -> QuerySet:
    from gongzhi.volunteers.models import Volunteer
    from gongzhi.volunteers.queries import PARTY_STATUSES

    qs = Volunteer.objects.filter(status="active")
    return qs.filter(person__political_status__in=PARTY_STATUSES) if party else qs


def _volunteer_count(party: bool):
    def compute(area: Area, period: Period) -> int:
        return _count(_under(_volunteers(party), "person__area__path", area))

    def rows(period: Period):
        return ((p, 1) for p in _volunteers(party).values_list("person__area_id", flat=True).iterator())

    return compute, rows


def _activities(period: Period) -> QuerySet:
    from gongzhi.volunteers.models import Activity

    return Activity.objects.filter(starts_at__gte=period.begin, starts_at__lt=period.finish).exclude(
        status="cancelled"
    )


def _activity_count(area: Area, period: Period) -> int:
    return _count(_under(_activities(period), "area__path", area))


def _activity_rows(period: Period):
    return ((p, 1) for p in _activities(period).values_list("area_id", flat=True).iterator())


def _records(period: Period, *, with_adjustments: bool) -> QuerySet:
    from gongzhi.volunteers.models import ServiceRecord

    qs = ServiceRecord.objects.filter(
        status="approved", served_on__gte=period.start, served_on__lte=period.end
    )
    return qs if with_adjustments else qs.exclude(kind="adjustment")


def _record_count(area: Area, period: Period) -> int:
    return _count(_under(_records(period, with_adjustments=False), "area__path", area))


def _record_rows(period: Period):
    return (
        (p, 1) for p in _records(period, with_adjustments=False).values_list("area_id", flat=True).iterator()
    )


def _hours(area: Area, period: Period) -> Decimal:
    return _sum(_under(_records(period, with_adjustments=True), "area__path", area), "hours", decimal=True)


def _hours_rows(period: Period):
    return _records(period, with_adjustments=True).values_list("area_id", "hours").iterator()


# ---------------------------------------------------------------------------------------------
# Cases


def _cases() -> QuerySet:
    from gongzhi.cases.models import Case

    return Case.objects.all()


def _case_moment(field_name: str, extra: Q | None = None):
    def scoped(period: Period) -> QuerySet:
        qs = _cases().filter(**{f"{field_name}__gte": period.begin, f"{field_name}__lt": period.finish})
        return qs.filter(extra) if extra is not None else qs

    def compute(area: Area, period: Period) -> int:
        return _count(_under(scoped(period), "grid__path", area))

    def rows(period: Period):
        return ((p, 1) for p in scoped(period).values_list("grid_id", flat=True).iterator())

    return compute, rows


def _overdue_qs() -> QuerySet:
    from gongzhi.cases.choices import OPEN_STATUSES

    return _cases().filter(status__in=OPEN_STATUSES, stage_deadline__lt=timezone.now())


def _overdue(area: Area, period: Period) -> int:
    return _count(_under(_overdue_qs(), "grid__path", area))


def _overdue_rows(period: Period):
    return ((p, 1) for p in _overdue_qs().values_list("grid_id", flat=True).iterator())


def _kpi(name: str):
    def compute(area: Area, period: Period) -> float | None:
        from gongzhi.cases.kpis import compute_kpis, kpis_by_name

        return kpis_by_name(compute_kpis(area=area, start=period.start, end=period.end))[name].value

    return compute


# ---------------------------------------------------------------------------------------------
# Micro-wishes


def _wishes_posted_qs(period: Period) -> QuerySet:
    from gongzhi.volunteers.models import Wish

    return Wish.objects.filter(created_at__gte=period.begin, created_at__lt=period.finish)


def _wishes_fulfilled_qs(period: Period) -> QuerySet:
    """Wishes whose fulfilment was reported in the period (confirmed later or not)."""
    from gongzhi.volunteers.models import Wish, WishEvent

    done = WishEvent.objects.filter(
        action="fulfil", created_at__gte=period.begin, created_at__lt=period.finish
    ).values("wish_id")
    return Wish.objects.filter(pk__in=done, status__in=("fulfilled", "confirmed"))


def _wish_count(scoped):
    def compute(area: Area, period: Period) -> int:
        return _count(_under(scoped(period), "area__path", area))

    def rows(period: Period):
        return ((p, 1) for p in scoped(period).values_list("area_id", flat=True).iterator())

    return compute, rows


# ---------------------------------------------------------------------------------------------
# The registry


def _define() -> dict[str, Indicator]:
    org_total, org_total_rows = _org_count(None)
    org_filed, org_filed_rows = _org_count("filed")
    org_registered, org_registered_rows = _org_count("registered")
    participants, participants_rows = _delivery_sum("beneficiaries")
    person_times, person_times_rows = _delivery_sum("person_times")
    volunteers, volunteer_rows = _volunteer_count(False)
    party, party_rows = _volunteer_count(True)
    reported, reported_rows = _case_moment("reported_at")
    closed, closed_rows = _case_moment("closed_at", Q(status="closed"))
    posted, posted_rows = _wish_count(_wishes_posted_qs)
    fulfilled, fulfilled_rows = _wish_count(_wishes_fulfilled_qs)
    snapshot = _("当前值（不随统计期变化）")
    people, count, yuan, hours, rate = _("人"), _("个"), _("元"), _("小时"), _("比率")
    items = [
        Indicator(
            "population",
            _("常住人口"),
            people,
            _("区域内各网格登记的人口之和"),
            snapshot,
            _("区域（网格人口）"),
            _population,
            _population_rows,
            "areas:index",
        ),
        Indicator(
            "organizations_registered",
            _("登记社会组织"),
            count,
            _("位于区域内、状态为已登记/已备案/暂停活动且管理类型为登记的组织数"),
            snapshot,
            _("社会组织"),
            org_registered,
            org_registered_rows,
            "organizations:directory",
        ),
        Indicator(
            "organizations_filed",
            _("备案社会组织"),
            count,
            _("位于区域内、状态为已登记/已备案/暂停活动且管理类型为备案的组织数"),
            snapshot,
            _("社会组织"),
            org_filed,
            org_filed_rows,
            "organizations:directory",
        ),
        Indicator(
            "organizations_total",
            _("社会组织总数"),
            count,
            _("登记社会组织 + 备案社会组织"),
            snapshot,
            _("社会组织"),
            org_total,
            org_total_rows,
            "organizations:directory",
        ),
        Indicator(
            "organizations_per_10k",
            _("每万人社会组织数"),
            _("个/万人"),
            _("社会组织总数 × 10000 ÷ 常住人口，保留一位小数"),
            snapshot,
            _("社会组织、区域"),
            _per_10k,
            records_url="organizations:directory",
        ),
        Indicator(
            "organizations_serving",
            _("开展服务的社会组织"),
            count,
            _("统计期内填报过项目服务记录或举办过志愿活动的在册组织数（按组织所在区域）"),
            _("按服务日期/活动开始时间"),
            _("项目服务记录、志愿活动"),
            _serving,
            _serving_rows,
            "organizations:directory",
        ),
        Indicator(
            "projects",
            _("公益项目"),
            count,
            _("年度落在统计期内、已发布及之后状态（不含草稿、已取消）的项目数（按服务区域）"),
            _("按项目年度"),
            _("公益项目"),
            _project_count,
            _project_rows,
            "projects:list",
            by_category=_by_lifecycle,
        ),
        Indicator(
            "project_funds",
            _("项目资金"),
            yuan,
            _("上述项目的预算分配之和（含冲销）"),
            _("按项目年度"),
            _("预算分配台账"),
            _funds,
            _funds_rows,
            "projects:ledger",
            by_category=_funds_by_kind,
        ),
        Indicator(
            "participants",
            _("服务人数"),
            people,
            _("统计期内项目服务记录的服务人数之和"),
            _("按活动日期"),
            _("项目服务记录"),
            participants,
            participants_rows,
            "projects:list",
        ),
        Indicator(
            "person_times_served",
            _("服务人次"),
            _("人次"),
            _("统计期内项目服务记录的服务人次之和"),
            _("按活动日期"),
            _("项目服务记录"),
            person_times,
            person_times_rows,
            "projects:list",
        ),
        Indicator(
            "volunteers",
            _("注册志愿者"),
            people,
            _("在册志愿者数（按本人所属区域）"),
            snapshot,
            _("志愿者"),
            volunteers,
            volunteer_rows,
            "volunteers:list",
        ),
        Indicator(
            "volunteers_party_members",
            _("党员志愿者"),
            people,
            _("在册志愿者中的中共党员、预备党员和入党积极分子"),
            snapshot,
            _("志愿者、人员"),
            party,
            party_rows,
            "volunteers:list",
        ),
        Indicator(
            "activities",
            _("志愿活动"),
            _("场"),
            _("统计期内开始、未取消的志愿活动数（按活动区域）"),
            _("按活动开始时间"),
            _("志愿活动"),
            _activity_count,
            _activity_rows,
            "volunteers:activities",
        ),
        Indicator(
            "service_records",
            _("志愿服务记录"),
            _("条"),
            _("统计期内已认定的志愿服务记录数（调整记录不计）"),
            _("按服务日期"),
            _("志愿服务记录"),
            _record_count,
            _record_rows,
            "volunteers:records",
        ),
        Indicator(
            "service_hours",
            _("志愿服务时长"),
            hours,
            _("统计期内已认定记录的时长之和（含调整记录）"),
            _("按服务日期"),
            _("志愿服务记录"),
            _hours,
            _hours_rows,
            "volunteers:records",
        ),
        Indicator(
            "cases_reported",
            _("上报事件"),
            _("件"),
            _("统计期内上报的事件数（按网格）"),
            _("按上报时间"),
            _("网格事件"),
            reported,
            reported_rows,
            "cases:index",
        ),
        Indicator(
            "cases_closed",
            _("结案事件"),
            _("件"),
            _("统计期内结案的事件数（按网格）"),
            _("按结案时间"),
            _("网格事件"),
            closed,
            closed_rows,
            "cases:index",
        ),
        Indicator(
            "grid_resolution_rate",
            _("网格内解决率"),
            rate,
            _("见 docs/kpis.md：网格层级结案数 ÷ 结案数"),
            _("按结案时间"),
            _("网格事件"),
            _kpi("grid_resolution_rate"),
            None,
            "cases:index",
        ),
        Indicator(
            "street_resolution_rate",
            _("街道内解决率"),
            rate,
            _("见 docs/kpis.md：网格、社区、街道层级结案数 ÷ 结案数"),
            _("按结案时间"),
            _("网格事件"),
            _kpi("street_resolution_rate"),
            None,
            "cases:index",
        ),
        Indicator(
            "on_time_close_rate",
            _("按期结案率"),
            rate,
            _("见 docs/kpis.md：按期结案数 ÷ 到期应结案数"),
            _("按结案期限"),
            _("网格事件"),
            _kpi("on_time_close_rate"),
            None,
            "cases:index",
        ),
        Indicator(
            "cases_overdue",
            _("当前超期事件"),
            _("件"),
            _("未结案且本环节期限已过的事件数"),
            snapshot,
            _("网格事件"),
            _overdue,
            _overdue_rows,
            "cases:index",
        ),
        Indicator(
            "wishes_posted",
            _("发布微心愿"),
            count,
            _("统计期内发布的微心愿数（按心愿所在社区）"),
            _("按发布时间"),
            _("微心愿"),
            posted,
            posted_rows,
            "volunteers:wishes",
        ),
        Indicator(
            "wishes_fulfilled",
            _("实现微心愿"),
            count,
            _("统计期内提交完成、状态为已完成或已确认的微心愿数"),
            _("按完成时间"),
            _("微心愿"),
            fulfilled,
            fulfilled_rows,
            "volunteers:wishes",
        ),
    ]
    return {i.name: i for i in items}


def _live(name: str, area: Area, period: Period) -> Any:
    """The indicator computed from the base tables, never from the roll-ups."""
    return LIVE[name](area, period)


def _rolled(name: str, live: Callable[[Area, Period], Any]) -> Callable[[Area, Period], Any]:
    """``compute`` for an indicator the roll-ups hold (``gongzhi.stats.rollups``): their
    figure while they can give it, else the live one — the two are equal."""

    def compute(area: Area, period: Period) -> Any:
        from gongzhi.stats import rollups

        found = rollups.answer([area], period, [name], _live)
        if found is None or name not in found[area.pk]:
            return live(area, period)
        return found[area.pk][name]

    return compute


def _with_rollups(defined: dict[str, Indicator]) -> tuple[dict[str, Indicator], dict[str, Callable]]:
    from gongzhi.stats.rollups import ANSWERED

    live = {name: ind.compute for name, ind in defined.items()}
    return {
        name: replace(ind, compute=_rolled(name, ind.compute)) if name in ANSWERED else ind
        for name, ind in defined.items()
    }, live


# ``LIVE``: every indicator's computation from the base tables (what the roll-ups must equal).
INDICATORS, LIVE = _with_rollups(_define())


def value(name: str, area: Area, period: Period) -> Any:
    return INDICATORS[name].compute(area, period)


RATE_NAMES = ("grid_resolution_rate", "street_resolution_rate", "on_time_close_rate")


def overview(area: Area, period: Period) -> dict[str, Any]:
    """Every figure of the dashboard for one area and period, in the API's shape."""
    from gongzhi.cases.kpis import compute_kpis, kpis_by_name
    from gongzhi.stats import rollups

    # From the roll-ups, one query for every figure they hold (gongzhi.stats.rollups) ...
    found = rollups.answer([area], period, INDICATORS, _live)
    v = dict(found[area.pk]) if found is not None else {}
    # ... the rest live: the three case rates from one KPI aggregate, the others one query each.
    if any(name in RATE_NAMES and name not in v for name in INDICATORS):
        kpis = kpis_by_name(compute_kpis(area=area, start=period.start, end=period.end))
        v.update({name: kpis[name].value for name in RATE_NAMES if name not in v})
    for name in INDICATORS:
        if name not in v:
            v[name] = LIVE[name](area, period)
    return {
        "area": area.code,
        "from": period.start,
        "to": period.end,
        "population": v["population"],
        "organizations": {
            "registered": v["organizations_registered"],
            "filed": v["organizations_filed"],
            "total": v["organizations_total"],
            "per_10k": v["organizations_per_10k"],
        },
        "organizations_serving": v["organizations_serving"],
        "projects": {
            "count": v["projects"],
            "by_lifecycle": _by_lifecycle(area, period),
            "funds": {**_funds_by_kind(area, period), "total": v["project_funds"]},
        },
        "participants": v["participants"],
        "person_times_served": v["person_times_served"],
        "volunteers": {"total": v["volunteers"], "party_members": v["volunteers_party_members"]},
        "activities": v["activities"],
        "service_records": v["service_records"],
        "service_hours": v["service_hours"],
        "cases": {
            "reported": v["cases_reported"],
            "closed": v["cases_closed"],
            "grid_resolution_rate": v["grid_resolution_rate"],
            "street_resolution_rate": v["street_resolution_rate"],
            "on_time_close_rate": v["on_time_close_rate"],
            "overdue": v["cases_overdue"],
        },
        "wishes": {"posted": v["wishes_posted"], "fulfilled": v["wishes_fulfilled"]},
    }


def month_periods(period: Period) -> list[Period]:
    """The calendar months overlapping ``period``, each clipped to it."""
    months = []
    cursor = period.start.replace(day=1)
    while cursor <= period.end:
        nxt = (cursor.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        months.append(Period(max(cursor, period.start), min(nxt - datetime.timedelta(days=1), period.end)))
        cursor = nxt
    return months


def timeseries(name: str, area: Area, period: Period) -> list[dict[str, Any]]:
    """The indicator month by month over the period."""
    from gongzhi.stats import rollups

    ind = INDICATORS[name]
    c = rollups.cover()
    points = []
    for p in month_periods(period):
        found = rollups.answer([area], p, [name], _live, c) if c is not None else None
        value = found[area.pk][name] if found and name in found[area.pk] else ind.compute(area, p)
        points.append({"from": p.start, "to": p.end, "value": value})
    return points


def breakdown_by_child(name: str, area: Area, period: Period) -> list[dict[str, Any]]:
    """The indicator for each area directly under ``area``, plus (for additive indicators) the
    part lying on ``area`` itself, so the rows add up to the area's value."""
    from gongzhi.stats import rollups

    ind = INDICATORS[name]
    children = list(Area.objects.filter(parent=area).order_by("code"))
    # The roll-ups answer the area and all its children in one query.
    found = rollups.answer([area, *children], period, [name], _live) or {}

    def value(a: Area) -> Any:
        got = found.get(a.pk, {})
        return got[name] if name in got else ind.compute(a, period)

    rows = [
        {"code": child.code, "name": child.name, "level": child.level, "value": value(child)}
        for child in children
    ]
    if ind.additive:
        own = value(area) - sum((r["value"] for r in rows), 0)
        if own:
            rows.append(
                {"code": area.code, "name": area.name, "level": area.level, "value": own, "own": True}
            )
    return rows


def verify(areas: Iterable[Area], period: Period, names: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Recompute every additive indicator for every area by a second route and compare with
    ``compute``; returns the differences (none expected). ``compute`` finds rows by the
    materialized area path; the recount reads each table once and adds every row to its area
    and that area's ancestors found by walking the parent links — so a stale path, a row in
    the wrong area or a broken aggregate shows up as a difference."""
    areas = list(areas)
    parent_of = dict(Area.objects.values_list("pk", "parent_id"))
    chains: dict[int, list[int]] = {}

    def chain(area_id: int) -> list[int]:
        if area_id not in chains:
            found, cursor = [], area_id
            while cursor is not None and cursor not in found:
                found.append(cursor)
                cursor = parent_of.get(cursor)
            chains[area_id] = found
        return chains[area_id]

    problems = []
    for name in names or INDICATORS:
        ind = INDICATORS[name]
        if not ind.additive:
            continue
        totals: dict[int, Any] = {}
        for area_id, amount in ind.rows(period):
            for key in chain(area_id):
                totals[key] = totals.get(key, 0) + (amount or 0)
        for area in areas:
            expected = totals.get(area.pk, 0)
            got = ind.compute(area, period)
            if Decimal(str(expected)) != Decimal(str(got)):
                problems.append(
                    {"indicator": name, "area": area.code, "computed": got, "recounted": expected}
                )
    return problems
