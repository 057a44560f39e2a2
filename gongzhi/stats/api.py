"""``/api/v1/stats/``: the dashboard's figures for an area and a period.

Every figure comes from ``gongzhi.stats.indicators`` (one definition per indicator, see
``docs/indicators.md``); the views only choose the area, check the parameters and translate
the answer. The area must be one the caller sees (``Area.objects.visible_to``): any other code
answers 404, the same as a code that does not exist. Without ``area`` the caller's top area is
used. The figures are aggregates over the whole area, whatever the caller may open record by
record — which is why the justice figures (community correction) have their own endpoint for
the justice role alone, suppressed below ``MIN_CELL`` people.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from gongzhi.areas.models import Area
from gongzhi.core.scoping import can, jurisdiction_paths
from gongzhi.projects.choices import FundingKind, LifecycleCategory
from gongzhi.stats import indicators
from gongzhi.stats.indicators import INDICATORS, Indicator, Period
from gongzhi.stats.serializers import (
    BreakdownQuerySerializer,
    JusticeQuerySerializer,
    PeriodQuerySerializer,
    StatsCategoryRowSerializer,
    StatsChildRowSerializer,
    StatsIndicatorSerializer,
    StatsJusticeSerializer,
    StatsOverviewSerializer,
    StatsPointSerializer,
    TimeseriesQuerySerializer,
)
from gongzhi.volunteers.models import CorrectionAssignment
from gongzhi.volunteers.queries import MIN_CELL, correction_figures

CORRECTION_TAG = "people.view_correction_tag"
# Labels of the categories an indicator may be broken down by (``Indicator.by_category``
# answers the codes only).
CATEGORY_LABELS: dict[str, Any] = {**dict(LifecycleCategory.choices), **dict(FundingKind.choices)}


def _query(request: Request, serializer_class: type) -> dict[str, Any]:
    # An empty parameter (``?from=`` from a form left blank) means "not given".
    data = {key: value for key, value in request.query_params.items() if value != ""}
    query = serializer_class(data=data)
    query.is_valid(raise_exception=True)
    return query.validated_data


def _top_area(user: Any, perm: str) -> Area:
    roots = jurisdiction_paths(user, perm)
    area = Area.objects.filter(path=roots[0]).first() if roots else None
    if area is None and user.is_superuser:
        area = Area.objects.filter(parent__isnull=True).order_by("path").first()
    if area is None:
        raise PermissionDenied(_("您没有任何辖区，无法查看统计。如确有需要，请联系管理员为您分配角色。"))
    return area


def area_for(user: Any, code: str | None) -> Area:
    """The area a caller asked for (404 outside their sight), or their top area."""
    if not code:
        return _top_area(user, "areas.view_area")
    area = Area.objects.visible_to(user).filter(code=code).first()
    if area is None:
        raise Http404
    return area


def _records_link(indicator: Indicator, code: str) -> str | None:
    return f"{reverse(indicator.records_url)}?under={code}" if indicator.records_url else None


def _check_justice(user: Any, indicator: Indicator) -> None:
    if indicator.justice_only and not user.has_perm(CORRECTION_TAG):
        raise PermissionDenied(_("该指标仅向司法所工作人员开放。"))


_PERIOD_PARAMS = [PeriodQuerySerializer]


class OverviewView(APIView):
    """Every figure of the dashboard for one area and period."""

    @extend_schema(
        parameters=_PERIOD_PARAMS,
        responses={200: StatsOverviewSerializer},
        summary=_("统计总览"),
        description=_(
            "区域（含全部下级）在统计期内的各项指标；口径见 docs/indicators.md。金额、时长为两位小数的"
            "字符串，比率为 0–1 的数，无可计时为 null。"
        ),
    )
    def get(self, request: Request) -> Response:
        query = _query(request, PeriodQuerySerializer)
        area = area_for(request.user, query.get("area"))
        data = indicators.overview(area, Period(query["from"], query["to"]))
        return Response(StatsOverviewSerializer(data).data)


class TimeseriesView(APIView):
    """One indicator month by month."""

    @extend_schema(
        parameters=[TimeseriesQuerySerializer],
        responses={200: StatsPointSerializer(many=True)},
        summary=_("指标按月序列"),
        description=_(
            "统计期内每个自然月一项（首尾两月截到统计期内）。对按日期计的流量指标，各月之和等于整个"
            "统计期的值；当前值指标每月都是当前值。"
        ),
    )
    def get(self, request: Request) -> Response:
        query = _query(request, TimeseriesQuerySerializer)
        indicator = INDICATORS[query["indicator"]]
        _check_justice(request.user, indicator)
        area = area_for(request.user, query.get("area"))
        points = indicators.timeseries(indicator.name, area, Period(query["from"], query["to"]))
        return Response(StatsPointSerializer(points, many=True).data)


class BreakdownView(APIView):
    """One indicator by the areas directly below, or by category."""

    @extend_schema(
        parameters=[BreakdownQuerySerializer],
        responses={
            200: PolymorphicProxySerializer(
                component_name="StatsBreakdownRow",
                serializers=[StatsChildRowSerializer, StatsCategoryRowSerializer],
                resource_type_field_name=None,
                many=True,
            )
        },
        summary=_("指标分列"),
        description=_(
            "by=child：每个直接下级区域一行，可加指标另有一行 own=true 为本区域自身的部分，各行之和等于"
            "本区域的值；records 为该数字背后的记录列表。by=category：按类别分列（仅部分指标）。"
        ),
    )
    def get(self, request: Request) -> Response:
        query = _query(request, BreakdownQuerySerializer)
        indicator = INDICATORS[query["indicator"]]
        _check_justice(request.user, indicator)
        area = area_for(request.user, query.get("area"))
        period = Period(query["from"], query["to"])
        if query["by"] == "category" and indicator.by_category is not None:  # the serializer checked
            rows = [
                {"category": key, "label": CATEGORY_LABELS.get(key, key), "value": value}
                for key, value in indicator.by_category(area, period).items()
            ]
            return Response(StatsCategoryRowSerializer(rows, many=True).data)
        rows = [
            {**row, "records": _records_link(indicator, row["code"])}
            for row in indicators.breakdown_by_child(indicator.name, area, period)
        ]
        return Response(StatsChildRowSerializer(rows, many=True).data)


class IndicatorListView(APIView):
    """The registry of indicators: what each figure means."""

    @extend_schema(responses={200: StatsIndicatorSerializer(many=True)}, summary=_("指标定义"))
    def get(self, request: Request) -> Response:
        justice = request.user.has_perm(CORRECTION_TAG)
        rows = [
            {
                "name": i.name,
                "label": i.label,
                "unit": i.unit,
                "formula": i.formula,
                "period_rule": i.period_rule,
                "source": i.source,
                "additive": i.additive,
                "by_category": i.by_category is not None,
                "records": reverse(i.records_url) if i.records_url else None,
            }
            for i in INDICATORS.values()
            if justice or not i.justice_only
        ]
        return Response(StatsIndicatorSerializer(rows, many=True).data)


# ---------------------------------------------------------------------------------------------
# Justice figures (community correction)


def _justice_cell(figures: Any) -> dict[str, Any]:
    return {**asdict(figures), "suppressed": False, "note": ""}


def _suppress(cell: dict[str, Any], note: str) -> None:
    cell.update(
        served=None,
        lost_contact=None,
        reoffended=None,
        lost_contact_rate=None,
        reoffence_rate=None,
        suppressed=True,
        note=note,
    )


class JusticeView(APIView):
    """People under community correction served as volunteers, and their out-of-supervision
    and re-offence rates, for the justice role alone (403 for everyone else, before anything
    is looked up). Aggregates only: nobody's row is shown, so nothing is logged per person.

    A figure over fewer than ``MIN_CELL`` people could identify someone, so it is suppressed
    (null, with a note) — the area's own total included. When a single row of the breakdown is
    suppressed, the smallest shown row is suppressed too, or the total minus the others would
    give it away."""

    @extend_schema(
        parameters=[JusticeQuerySerializer],
        responses={200: StatsJusticeSerializer},
        summary=_("社区矫正志愿服务统计"),
    )
    def get(self, request: Request) -> Response:
        if not request.user.has_perm(CORRECTION_TAG):
            raise PermissionDenied(_("社区矫正统计仅向司法所工作人员开放。"))
        query = _query(request, JusticeQuerySerializer)
        code, since = query.get("area"), query.get("since")
        if code:
            area = Area.objects.filter(code=code).first()
            if area is None or not can(request.user, CORRECTION_TAG, area):
                raise Http404
        else:
            area = _top_area(request.user, CORRECTION_TAG)
        rows = CorrectionAssignment.objects.visible_to(request.user).filter(
            person__area__path__prefix=area.path
        )
        small = _("不足 %(n)s 人，不予分列。") % {"n": MIN_CELL}
        total = _justice_cell(correction_figures(rows, since=since))
        children: list[dict[str, Any]] = []
        for child in Area.objects.filter(parent=area).order_by("code"):
            cell = _justice_cell(
                correction_figures(rows.filter(person__area__path__prefix=child.path), since=since)
            )
            children.append(
                {"code": child.code, "name": child.name, "level": child.level, "own": False, **cell}
            )
        own = _justice_cell(correction_figures(rows.filter(person__area=area), since=since))
        if own["served"]:
            children.append({"code": area.code, "name": area.name, "level": area.level, "own": True, **own})
        hidden = [c for c in children if c["served"] < MIN_CELL]
        with_people = sum(1 for c in hidden if c["served"] > 0)
        exposed = sorted((c for c in children if c["served"] >= MIN_CELL), key=lambda c: c["served"])
        for cell in hidden:
            _suppress(cell, small)
        if with_people == 1 and exposed:
            # The one hidden row would otherwise be the total minus the rows shown.
            _suppress(exposed[0], _("为防止由合计推算出人数过少的区域，本行一并不予分列。"))
        if total["served"] < MIN_CELL:
            _suppress(total, small)
        body = {"area": area.code, "since": since, "min_cell": MIN_CELL, **total, "children": children}
        return Response(StatsJusticeSerializer(body).data)
