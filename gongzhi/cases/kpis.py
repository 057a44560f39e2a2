"""Case KPIs (考核指标) for an area, a handling unit or a grid member over a period.

The indicators follow the evaluation practice of GB/T 30428 (digital urban management); each
one's exact formula is in ``docs/kpis.md`` and in ``Kpi.formula``. All are ratios: a count of
cases meeting a condition over a count of cases, computed from the case rows in one aggregate
query (conditional ``Count``/``Sum``), never by looping over cases in Python.

The counters and timestamps read here (``rework_count``, ``extension_count``, ``fed_back_at``,
``dispatch_deadline`` …) are written by the services in the same transaction as the
``CaseEvent`` that records each step, so they are the ledger's summary on the case row.

Periods are whole days in the local time zone: ``start`` 00:00 up to the day after ``end``
00:00. Each indicator counts a case in the period in which its defining moment falls (closed
for the resolution rates, due for the on-time close rate, dispatched for the dispatch and
handling rates …), so a case is counted once per indicator, never in two periods.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Count, F, Q, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.cases.choices import CaseLevel, CaseStatus, Satisfaction
from gongzhi.cases.models import Case

# Points per satisfaction answer for the satisfaction score (满意度得分).
SATISFACTION_POINTS = {
    Satisfaction.SATISFIED: 100,
    Satisfaction.BASICALLY: 80,
    Satisfaction.DISSATISFIED: 0,
}


@dataclass(frozen=True)
class Kpi:
    """One indicator: ``value`` = ``numerator`` ÷ ``denominator`` (0–1), None when nothing
    was counted (a rate over no cases is not 0 %)."""

    name: str
    label: str
    value: float | None
    numerator: int
    denominator: int
    formula: str


@dataclass(frozen=True)
class _Definition:
    name: str
    label: Any
    formula: Any
    numerator: Any  # an aggregate expression
    denominator: Any


def period_bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """[start 00:00, the day after end 00:00) in the local time zone."""
    tz = timezone.get_default_timezone()
    begin = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    finish = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    return begin, finish


def _in(field: str, begin: datetime.datetime, finish: datetime.datetime) -> Q:
    return Q(**{f"{field}__gte": begin, f"{field}__lt": finish})


def _definitions(
    begin: datetime.datetime, finish: datetime.datetime, now: datetime.datetime, member: Any
) -> list[_Definition]:
    closed = Q(status=CaseStatus.CLOSED) & _in("closed_at", begin, finish)
    # Due to close (应结案): the close deadline fell in the period and has passed; parked,
    # refused and merged cases are not due (deferring clears due_at; the others never close).
    due = _in("due_at", begin, min(finish, now)) & ~Q(
        status__in=(CaseStatus.DEFERRED, CaseStatus.REJECTED, CaseStatus.MERGED)
    )
    dispatched = _in("dispatched_at", begin, finish)
    timed_dispatch = dispatched & Q(dispatch_deadline__isnull=False)
    fed_back = _in("fed_back_at", begin, finish)
    timed_feedback = fed_back & Q(handle_deadline__isnull=False)
    evaluated = _in("evaluated_at", begin, finish) & ~Q(satisfaction="")
    reported = _in("reported_at", begin, finish) & ~Q(status=CaseStatus.REPORTED)
    verified = _in("verified_at", begin, finish) & Q(verify_deadline__isnull=False)
    if member is not None:
        # A grid member's own indicators: the reports they made, the checks they did.
        reported &= Q(reporter=member)
        verified &= Q(verified_by=member)
    points = models.Case(
        *(When(satisfaction=answer, then=Value(p)) for answer, p in SATISFACTION_POINTS.items()),
        default=Value(0),
        output_field=models.IntegerField(),
    )

    def count(condition: Q) -> Count:
        return Count("pk", filter=condition)

    return [
        _Definition(
            "grid_resolution_rate",
            _("网格解决率"),
            _("期内结案且解决层级为网格的事件数 ÷ 期内结案事件数"),
            count(closed & Q(resolved_level=CaseLevel.GRID)),
            count(closed),
        ),
        _Definition(
            "street_resolution_rate",
            _("街道内解决率"),
            _("期内结案且解决层级为网格、社区或街道的事件数 ÷ 期内结案事件数"),
            count(closed & Q(resolved_level__in=(CaseLevel.GRID, CaseLevel.COMMUNITY, CaseLevel.STREET))),
            count(closed),
        ),
        _Definition(
            "on_time_close_rate",
            _("按期结案率"),
            _(
                "结案期限在期内且已到期的事件中，在期限前（含）结案的事件数 ÷ 结案期限在期内且已到期的"
                "事件数（应结案数；缓办挂账、不予立案、已合并的事件不计）"
            ),
            count(due & Q(status=CaseStatus.CLOSED, closed_at__lte=F("due_at"))),
            count(due),
        ),
        _Definition(
            "on_time_dispatch_rate",
            _("按时派遣率"),
            _("期内派遣的事件中，在派遣期限前（含）派遣的事件数 ÷ 期内派遣的事件数"),
            count(timed_dispatch & Q(dispatched_at__lte=F("dispatch_deadline"))),
            count(timed_dispatch),
        ),
        _Definition(
            "handling_rate",
            _("处置率"),
            _("期内派遣的事件中，已反馈或已结案的事件数 ÷ 期内派遣的事件数"),
            count(dispatched & (Q(fed_back_at__gte=F("dispatched_at")) | Q(status=CaseStatus.CLOSED))),
            count(dispatched),
        ),
        _Definition(
            "on_time_handling_rate",
            _("按时处置率"),
            _("期内反馈的事件中，在处置期限前（含）反馈的事件数 ÷ 期内反馈的事件数"),
            count(timed_feedback & Q(fed_back_at__lte=F("handle_deadline"))),
            count(timed_feedback),
        ),
        _Definition(
            "rework_rate",
            _("返工率"),
            _("期内反馈的事件中，至少返工一次的事件数 ÷ 期内反馈的事件数"),
            count(fed_back & Q(rework_count__gte=1)),
            count(fed_back),
        ),
        _Definition(
            "extension_rate",
            _("延期率"),
            _("期内派遣的事件中，至少延期一次的事件数 ÷ 期内派遣的事件数"),
            count(dispatched & Q(extension_count__gte=1)),
            count(dispatched),
        ),
        _Definition(
            "satisfaction_rate",
            _("群众满意率"),
            _("期内评价为“满意”或“基本满意”的事件数 ÷ 期内评价的事件数"),
            count(evaluated & Q(satisfaction__in=(Satisfaction.SATISFIED, Satisfaction.BASICALLY))),
            count(evaluated),
        ),
        _Definition(
            "satisfaction_score",
            _("满意度得分率"),
            _(
                "期内评价的得分之和（满意 100 分、基本满意 80 分、不满意 0 分）÷（期内评价的事件数 × 100），"
                "即平均得分 ÷ 100"
            ),
            Sum(points, filter=evaluated, default=0),
            Count("pk", filter=evaluated) * 100,
        ),
        _Definition(
            "valid_report_rate",
            _("有效上报率"),
            _(
                "期内上报的事件中，已立案（含现场自处置、上报上级）的事件数 ÷ 期内上报且已受理完毕"
                "（不含仍待立案）的事件数；按网格员统计时只计其本人上报的事件"
            ),
            count(reported & Q(registered_at__isnull=False)),
            count(reported),
        ),
        _Definition(
            "on_time_verification_rate",
            _("按时核查率"),
            _(
                "期内核查通过的事件中，在核查期限前（含）核查的事件数 ÷ 期内核查通过的事件数"
                "（现场自处置无核查环节，不计）；按网格员统计时只计其本人核查的事件"
            ),
            count(verified & Q(verified_at__lte=F("verify_deadline"))),
            count(verified),
        ),
    ]


KPI_NAMES = (
    "grid_resolution_rate",
    "street_resolution_rate",
    "on_time_close_rate",
    "on_time_dispatch_rate",
    "handling_rate",
    "on_time_handling_rate",
    "rework_rate",
    "extension_rate",
    "satisfaction_rate",
    "satisfaction_score",
    "valid_report_rate",
    "on_time_verification_rate",
)


def kpi_cases(*, area: Any, unit: Any = None, member: Any = None):
    """The cases an evaluation looks at: those whose grid lies under ``area``, optionally only
    those whose (current or final) handling unit is ``unit``, or that ``member`` reported or
    verified."""
    cases = Case.objects.filter(grid__path__prefix=area.path)
    if unit is not None:
        cases = cases.filter(handling_unit=unit)
    if member is not None:
        cases = cases.filter(Q(reporter=member) | Q(verified_by=member))
    return cases


def compute_kpis(
    *,
    area: Any,
    start: datetime.date,
    end: datetime.date,
    unit: Any = None,
    member: Any = None,
    now: datetime.datetime | None = None,
) -> list[Kpi]:
    """The KPIs of the cases under ``area`` for the days ``start``–``end`` (inclusive), in the
    order of ``KPI_NAMES``. One aggregate query. ``now`` (default: the current time) bounds
    "due to close": a deadline later today is not due yet."""
    if end < start:
        start, end = end, start
    begin, finish = period_bounds(start, end)
    definitions = _definitions(begin, finish, now or timezone.now(), member)
    aggregates = {}
    for d in definitions:
        aggregates[f"{d.name}__n"] = d.numerator
        aggregates[f"{d.name}__d"] = d.denominator
    totals = kpi_cases(area=area, unit=unit, member=member).aggregate(**aggregates)
    result = []
    for d in definitions:
        numerator, denominator = int(totals[f"{d.name}__n"] or 0), int(totals[f"{d.name}__d"] or 0)
        result.append(
            Kpi(
                name=d.name,
                label=str(d.label),
                value=numerator / denominator if denominator else None,
                numerator=numerator,
                denominator=denominator,
                formula=str(d.formula),
            )
        )
    return result


def kpis_by_name(kpis: list[Kpi]) -> dict[str, Kpi]:
    return {k.name: k for k in kpis}
