"""The dashboards: one area's figures for a period — cards linking to the records behind each,
month trends, breakdowns by child area and category, a map of the grids with open cases — and
the command-centre wall screen (大屏) showing the same.

Every figure comes from ``gongzhi.stats.indicators`` (the one registry); this module only
arranges them. The map is a layer of cases rather than a figure: it colours each grid by the
open and overdue cases the caller may see (the overdue rule is the "当前超期事件" indicator's)
and places them, in two grouped queries. The area must be visible to the caller (``Area.objects.visible_to``; 404
otherwise, as for an area that does not exist). The page's cost is a fixed number of aggregate
queries — one per figure, per month of a trend, per child area of a breakdown — whatever the
number of records; with fresh roll-ups (``gongzhi.stats.rollups``) most figures are one read
of the roll-up table instead, and the page says when they were taken ("数据更新于 HH:MM").
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from gongzhi.areas.choices import AreaLevel
from gongzhi.areas.models import Area
from gongzhi.core.scoping import can, jurisdiction_paths
from gongzhi.stats import charts, rollups
from gongzhi.stats.indicators import INDICATORS, Period, breakdown_by_child, overview, timeseries

# The cards, grouped as leaders read them; an indicator added to the registry later and not
# named here still shows, under "其他指标".
CARD_GROUPS: list[tuple[Any, tuple[str, ...]]] = [
    (
        gettext_lazy("人口与社会组织"),
        (
            "population",
            "organizations_registered",
            "organizations_filed",
            "organizations_total",
            "organizations_per_10k",
            "organizations_serving",
        ),
    ),
    (gettext_lazy("公益项目"), ("projects", "project_funds", "participants", "person_times_served")),
    (
        gettext_lazy("志愿服务"),
        ("volunteers", "volunteers_party_members", "activities", "service_records", "service_hours"),
    ),
    (
        gettext_lazy("网格事件"),
        (
            "cases_reported",
            "cases_closed",
            "grid_resolution_rate",
            "street_resolution_rate",
            "on_time_close_rate",
            "cases_overdue",
        ),
    ),
    (gettext_lazy("微心愿"), ("wishes_posted", "wishes_fulfilled")),
]

# Where ``overview()`` puts each indicator's value, so the page reads the figures it already
# computed rather than computing them twice. Indicators missing here are computed directly.
OVERVIEW_KEYS: dict[str, tuple[str, ...]] = {
    "population": ("population",),
    "organizations_registered": ("organizations", "registered"),
    "organizations_filed": ("organizations", "filed"),
    "organizations_total": ("organizations", "total"),
    "organizations_per_10k": ("organizations", "per_10k"),
    "organizations_serving": ("organizations_serving",),
    "projects": ("projects", "count"),
    "project_funds": ("projects", "funds", "total"),
    "participants": ("participants",),
    "person_times_served": ("person_times_served",),
    "volunteers": ("volunteers", "total"),
    "volunteers_party_members": ("volunteers", "party_members"),
    "activities": ("activities",),
    "service_records": ("service_records",),
    "service_hours": ("service_hours",),
    "cases_reported": ("cases", "reported"),
    "cases_closed": ("cases", "closed"),
    "grid_resolution_rate": ("cases", "grid_resolution_rate"),
    "street_resolution_rate": ("cases", "street_resolution_rate"),
    "on_time_close_rate": ("cases", "on_time_close_rate"),
    "cases_overdue": ("cases", "overdue"),
    "wishes_posted": ("wishes", "posted"),
    "wishes_fulfilled": ("wishes", "fulfilled"),
}

TREND_CASES = ("cases_reported", "cases_closed")
TREND_SERVICE = ("person_times_served", "service_hours")
CHILD_BREAKDOWN = (
    "organizations_total",
    "projects",
    "person_times_served",
    "service_hours",
    "cases_reported",
)

# A custom period is at most about three years: each month of a trend is a query per series.
MAX_PERIOD_DAYS = 3 * 366
# The map shows the most recent open cases; beyond this many points it shows the grid colours.
MAP_POINTS = 1000
CORRECTION_TAG = "people.view_correction_tag"


# ---------------------------------------------------------------------------------------------
# Area and period


def _chosen_area(request: HttpRequest) -> Area:
    """``?area=CODE`` if visible, else the caller's top area; 404 when there is none."""
    user = request.user
    visible = Area.objects.visible_to(user)
    code = request.GET.get("area", "").strip()
    if code:
        return get_object_or_404(visible, code=code)
    if user.is_superuser:
        area = visible.filter(parent__isnull=True).order_by("path").first()
    else:
        paths = jurisdiction_paths(user, "areas.view_area")
        area = visible.filter(path=paths[0]).first() if paths else None
    if area is None:
        raise Http404
    return area


@dataclass(frozen=True)
class PeriodChoice:
    """The period asked for: ``preset`` is "month", "year" or "custom"; ``query`` the
    query-string keys that reproduce it in the drill-down links; ``problem`` why a custom
    period was refused (the year so far is shown instead)."""

    period: Period
    preset: str
    query: dict[str, str] = field(default_factory=dict)
    problem: str = ""


def _date(text: str) -> datetime.date | None:
    try:
        return parse_date(text.strip())
    except ValueError:  # well-formed but impossible, e.g. 2026-02-30
        return None


def choose_period(params: Any, today: datetime.date | None = None) -> PeriodChoice:
    """This month, this year (the default) or a custom ``from``–``to``."""
    today = today or timezone.localdate()
    year = PeriodChoice(Period.year_to_date(today), "year")
    raw_from, raw_to = params.get("from", "") or "", params.get("to", "") or ""
    if raw_from or raw_to:
        start, end = _date(raw_from) if raw_from else None, _date(raw_to) if raw_to else None
        if (raw_from and start is None) or (raw_to and end is None):
            return PeriodChoice(
                year.period, "year", problem=_("日期格式应为 YYYY-MM-DD，已改为显示本年数据。")
            )
        end = end or today
        start = start or end.replace(month=1, day=1)
        if start > end:
            return PeriodChoice(
                year.period, "year", problem=_("开始日期不能晚于结束日期，已改为显示本年数据。")
            )
        if (end - start).days > MAX_PERIOD_DAYS:
            return PeriodChoice(year.period, "year", problem=_("统计期最长三年，已改为显示本年数据。"))
        return PeriodChoice(Period(start, end), "custom", {"from": start.isoformat(), "to": end.isoformat()})
    if params.get("period") == "month":
        return PeriodChoice(Period(today.replace(day=1), today), "month", {"period": "month"})
    return year


def _url(name: str, area_code: str, query: dict[str, str]) -> str:
    return f"{reverse(name)}?{urlencode({'area': area_code, **query})}"


# ---------------------------------------------------------------------------------------------
# Figures


def _lookup(data: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        data = data[key]
    return data


def display(name: str, value: Any) -> str:
    """A figure as shown on a card: rates (0–1) as percentages, money and hours without
    trailing zeros, counts with thousands separators; "—" when there is nothing to divide."""
    if value is None:
        return "—"
    if name.endswith("_rate"):
        return f"{value * 100:.1f}%"
    if isinstance(value, Decimal):
        return f"{value.normalize():,f}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return f"{value:,}"


def _shown(user: Any) -> list[str]:
    justice = user.has_perm(CORRECTION_TAG)
    return [name for name, ind in INDICATORS.items() if justice or not ind.justice_only]


def _cards(names: list[str], values: dict[str, Any], area: Area) -> list[dict[str, Any]]:
    grouped = {n for _label, group in CARD_GROUPS for n in group}
    groups = [*CARD_GROUPS, (gettext_lazy("其他指标"), tuple(n for n in names if n not in grouped))]
    under = urlencode({"under": area.code})
    result = []
    for label, group in groups:
        cards = []
        for name in group:
            if name not in names:
                continue
            ind = INDICATORS[name]
            cards.append(
                {
                    "name": name,
                    "label": ind.label,
                    "unit": ind.unit,
                    "value": values[name],
                    "display": display(name, values[name]),
                    "help": f"{ind.formula}（{ind.period_rule}；{ind.source}）",
                    "url": f"{reverse(ind.records_url)}?{under}" if ind.records_url else "",
                }
            )
        if cards:
            result.append({"label": label, "cards": cards})
    return result


def _children(area: Area, period: Period, choice: PeriodChoice) -> list[dict[str, Any]]:
    """One row per child area (and the part lying on the area itself), with the breakdown
    indicators' values and the link that drills down."""
    rows: dict[str, dict[str, Any]] = {}
    for name in CHILD_BREAKDOWN:
        for row in breakdown_by_child(name, area, period):
            key = "" if row.get("own") else row["code"]
            entry = rows.setdefault(
                key,
                {
                    "code": row["code"],
                    "name": row["name"],
                    "level": AreaLevel(row["level"]).label,
                    "own": bool(row.get("own")),
                    "url": "" if row.get("own") else _url("stats:dashboard", row["code"], choice.query),
                    "values": {},
                },
            )
            entry["values"][name] = row["value"]
    children = [r for r in rows.values() if not r["own"]]
    if not children:
        return []
    own = rows.get("")
    ordered = [*children, own] if own else children
    for row in ordered:
        row["cells"] = [
            (INDICATORS[name].label, display(name, row["values"].get(name, 0))) for name in CHILD_BREAKDOWN
        ]
    return ordered


def _charts(data: dict[str, Any], area: Area, period: Period, children: list[dict[str, Any]]) -> dict:
    from gongzhi.projects.choices import FundingKind, LifecycleCategory

    series = {name: timeseries(name, area, period) for name in (*TREND_CASES, *TREND_SERVICE)}
    months = [f"{row['from']:%Y-%m}" for row in series[TREND_CASES[0]]]
    result = {
        "trend_cases": charts.trend(months, [(n, [r["value"] for r in series[n]]) for n in TREND_CASES]),
        "trend_service": charts.trend(
            months, [(n, [r["value"] for r in series[n]]) for n in TREND_SERVICE], two_axes=True
        ),
    }
    if children:
        names = [row["name"] if not row["own"] else _("本级") for row in children]
        result["children"] = charts.child_bars(
            names, [(n, [row["values"].get(n, 0) for row in children]) for n in CHILD_BREAKDOWN]
        )
    lifecycle = data["projects"]["by_lifecycle"]
    funds = {k: v for k, v in data["projects"]["funds"].items() if k != "total"}
    result["lifecycle"] = charts.pie(
        [(_label_of(LifecycleCategory, k), v) for k, v in lifecycle.items()],
        name=str(INDICATORS["projects"].label),
    )
    result["funds"] = charts.pie(
        [(_label_of(FundingKind, k), v) for k, v in funds.items()],
        name=str(INDICATORS["project_funds"].label),
    )
    return result


def _label_of(choices: Any, key: str) -> str:
    return str(choices(key).label) if key in choices.values else key


# ---------------------------------------------------------------------------------------------
# The map


def _map(user: Any, area: Area, choice: PeriodChoice) -> dict[str, Any] | None:
    """The grids under the area coloured by their open / overdue cases (those the caller may
    see), the open cases' points, and the outlines of the area and its children. None when
    nothing has a position to draw."""
    from gongzhi.cases.models import Case

    grids = list(
        Area.objects.filter(path__prefix=area.path, level=AreaLevel.GRID)
        .order_by("path")
        .values("pk", "code", "name", "boundary", "center_lat", "center_lng")
    )
    show_cases = can(user, "cases.view_case", area)
    counts: dict[int, dict[str, int]] = {}
    points: list[dict[str, Any]] = []
    if show_cases:
        now = timezone.now()
        # The same rule as the "当前超期事件" indicator: open, and the stage's deadline passed.
        overdue = Q(stage_deadline__lt=now)
        cases = Case.objects.visible_to(user).open().filter(grid__path__prefix=area.path)
        counts = {
            row["grid_id"]: row
            for row in cases.order_by()
            .values("grid_id")
            .annotate(open=Count("pk"), overdue=Count("pk", filter=overdue))
        }
        rows = (
            cases.filter(lat__isnull=False, lng__isnull=False)
            .order_by("-reported_at", "-id")
            .values("pk", "number", "lat", "lng", "stage_deadline", "category__name")[:MAP_POINTS]
        )
        points = [
            {
                "lat": r["lat"],
                "lng": r["lng"],
                "number": r["number"],
                "category": r["category__name"],
                "overdue": r["stage_deadline"] is not None and r["stage_deadline"] < now,
                "url": reverse("cases:detail", args=[r["pk"]]),
            }
            for r in rows
        ]
    features, unplaced = [], 0
    for grid in grids:
        count = counts.get(grid["pk"], {"open": 0, "overdue": 0})
        centre = (
            [grid["center_lat"], grid["center_lng"]]
            if grid["center_lat"] is not None and grid["center_lng"] is not None
            else None
        )
        if not grid["boundary"] and centre is None:
            unplaced += 1
            continue
        state = "overdue" if count["overdue"] else "open" if count["open"] else "clear"
        features.append(
            {
                "code": grid["code"],
                "name": grid["name"],
                "url": _url("stats:dashboard", grid["code"], choice.query),
                "boundary": grid["boundary"],
                "centre": None if grid["boundary"] else centre,
                "open": count["open"],
                "overdue": count["overdue"],
                "state": state if show_cases else "unknown",
                "tip": _("%(name)s：未结 %(open)s 件，超期 %(overdue)s 件")
                % {"name": grid["name"], "open": count["open"], "overdue": count["overdue"]}
                if show_cases
                else grid["name"],
            }
        )
    outlines = [
        {"name": a["name"], "boundary": a["boundary"], "own": a["pk"] == area.pk}
        for a in Area.objects.filter(Q(pk=area.pk) | Q(parent=area), boundary__isnull=False)
        .exclude(level=AreaLevel.GRID)
        .values("pk", "name", "boundary")
    ]
    if not features and not points and not outlines:
        return None
    return {
        "grids": features,
        "points": points,
        "outlines": outlines,
        "unplaced": unplaced,
        "show_cases": show_cases,
        "capped": len(points) == MAP_POINTS,
    }


# ---------------------------------------------------------------------------------------------
# Justice figures (the justice role alone)


def _justice(user: Any, area: Area, period: Period, choice: PeriodChoice) -> dict[str, Any] | None:
    """Correction figures for the area and its children, for holders of the correction tag
    over the area. A cell with fewer than MIN_CELL people is suppressed (so is the area's own
    figure below the top of the user's jurisdiction); when only one child cell would be
    suppressed, the next smallest is suppressed too, so it cannot be found by subtraction."""
    from gongzhi.volunteers.models import CorrectionAssignment
    from gongzhi.volunteers.queries import MIN_CELL, correction_figures

    if not user.has_perm(CORRECTION_TAG) or not can(user, CORRECTION_TAG, area):
        return None
    assignments = CorrectionAssignment.objects.visible_to(user).filter(person__area__path__prefix=area.path)
    total = correction_figures(assignments, since=period.start)
    is_top = user.is_superuser or area.path in jurisdiction_paths(user, CORRECTION_TAG)
    rows = []
    for child in Area.objects.filter(parent=area).order_by("code"):
        figures = correction_figures(
            assignments.filter(person__area__path__prefix=child.path), since=period.start
        )
        rows.append(
            {
                "name": child.name,
                "url": _url("stats:dashboard", child.code, choice.query),
                "figures": figures,
                "suppressed": figures.served < MIN_CELL,
            }
        )
    if rows and total.served > sum(r["figures"].served for r in rows):
        # People filed on the area itself rather than on one of its children.
        figures = correction_figures(assignments.filter(person__area=area), since=period.start)
        rows.append(
            {
                "name": _("本级（直属）"),
                "url": "",
                "figures": figures,
                "suppressed": figures.served < MIN_CELL,
            }
        )
    if sum(r["suppressed"] for r in rows) == 1:
        shown = sorted((r for r in rows if not r["suppressed"]), key=lambda r: r["figures"].served)
        if shown:
            shown[0]["suppressed"] = True
    return {
        "figures": total,
        "suppressed": total.served < MIN_CELL and not is_top,
        "rows": rows,
        "min_cell": MIN_CELL,
        "since": period.start,
    }


# ---------------------------------------------------------------------------------------------
# Pages


def dashboard_context(request: HttpRequest, area: Area, choice: PeriodChoice) -> dict[str, Any]:
    """Everything the dashboard and the wall screen show for ``area`` over the chosen period."""
    user = request.user
    period = choice.period
    data = overview(area, period)
    names = _shown(user)
    values = {
        name: _lookup(data, OVERVIEW_KEYS[name])
        if name in OVERVIEW_KEYS
        else INDICATORS[name].compute(area, period)
        for name in names
    }
    children = _children(area, period, choice)
    breadcrumbs = [
        {
            "name": a.name,
            "url": _url("stats:dashboard", a.code, choice.query) if can(user, "areas.view_area", a) else "",
        }
        for a in area.ancestors()
    ]
    return {
        "area": area,
        "period": period,
        "choice": choice,
        "overview": data,
        "values": values,
        "groups": _cards(names, values, area),
        "children": children,
        "child_columns": [INDICATORS[n] for n in CHILD_BREAKDOWN],
        "charts": _charts(data, area, period, children),
        "map": _map(user, area, choice),
        "justice": _justice(user, area, period, choice),
        "breadcrumbs": breadcrumbs,
        "period_links": {
            "month": _url("stats:dashboard", area.code, {"period": "month"}),
            "year": _url("stats:dashboard", area.code, {}),
        },
        "screen_url": _url("stats:screen", area.code, choice.query),
        "dashboard_url": _url("stats:dashboard", area.code, choice.query),
        "refreshed_at": timezone.localtime(),
        # When the figures come from the roll-ups: the moment they were taken (gongzhi.stats.rollups).
        "rollup_at": rollups.shown_at(),
    }


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """The dashboard of ``?area=CODE`` (default: the caller's top area) for ``?period=month``,
    the year so far (default) or ``?from=…&to=…``."""
    area = _chosen_area(request)
    context = dashboard_context(request, area, choose_period(request.GET))
    return render(request, "stats/dashboard.html", context)


@login_required
@require_GET
def screen(request: HttpRequest) -> HttpResponse:
    """The wall screen: the same figures, full screen, dark, refreshed every minute."""
    area = _chosen_area(request)
    choice = choose_period(request.GET)
    context = dashboard_context(request, area, choice)
    context["body_url"] = _url("stats:screen_body", area.code, choice.query)
    return render(request, "stats/screen.html", context)


@require_GET
def screen_body(request: HttpRequest) -> HttpResponse:
    """What the wall screen swaps in every minute. Signed out (the session expired), it asks
    the page to reload, which leads to the sign-in page — rather than swapping the sign-in
    form into the screen, as following a login redirect from an htmx request would."""
    if not request.user.is_authenticated:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    area = _chosen_area(request)
    context = dashboard_context(request, area, choose_period(request.GET))
    return render(request, "stats/_screen_body.html", context)
