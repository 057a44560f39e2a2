"""What the statistics API reads from the query string and what it answers.

The figures themselves come from ``gongzhi.stats.indicators`` only; these serializers check
the parameters (with a message naming the parameter to fix) and translate the figures at the
boundary: money and hours as decimal strings (``"55000.00"``), rates as numbers from 0 to 1
or null when nothing was counted, dates as ``YYYY-MM-DD``.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from gongzhi.projects.choices import FundingKind, LifecycleCategory
from gongzhi.stats.indicators import INDICATORS

# A month-by-month series costs a query or two per month: a bound keeps one request cheap.
MAX_SERIES_MONTHS = 60
HUNDREDTHS = Decimal("0.01")


def _date_field(name: str, what: Any) -> serializers.DateField:
    return serializers.DateField(
        required=False,
        help_text=what,
        error_messages={
            "invalid": format_lazy(
                gettext_lazy("参数 {p}（{w}）格式不对，请用 YYYY-MM-DD，例如 2026-01-31。"), p=name, w=what
            )
        },
    )


class PeriodQuerySerializer(serializers.Serializer):
    """``area``, ``from`` and ``to``: whole local days, both included. Without ``to`` the period
    ends today; without ``from`` it starts on 1 January of the year of ``to`` (so no dates at all
    means the year to date)."""

    area = serializers.CharField(required=False, help_text=gettext_lazy("区域编码，默认为您辖区的最上级区域"))
    from_ = _date_field("from", gettext_lazy("统计期开始日期，默认为结束日期所在年的 1 月 1 日"))
    to = _date_field("to", gettext_lazy("统计期结束日期（含当天），默认为今天"))

    def get_fields(self) -> dict[str, serializers.Field]:
        # "from" is a Python keyword: declared as from_, renamed here.
        return {("from" if name == "from_" else name): field for name, field in super().get_fields().items()}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        end = attrs.get("to") or timezone.localdate()
        start = attrs.get("from") or datetime.date(end.year, 1, 1)
        if start > end:
            raise serializers.ValidationError(
                {
                    "from": _("统计期开始日期 from（%(s)s）不能晚于结束日期 to（%(e)s）。")
                    % {"s": start.isoformat(), "e": end.isoformat()}
                }
            )
        attrs["from"], attrs["to"] = start, end
        return attrs


def _check_indicator(name: str) -> str:
    if name not in INDICATORS:
        raise serializers.ValidationError(
            _("未知的指标“%(n)s”。可用的指标：%(names)s。") % {"n": name, "names": ", ".join(INDICATORS)}
        )
    return name


class _IndicatorQuerySerializer(PeriodQuerySerializer):
    indicator = serializers.CharField(
        help_text=gettext_lazy("指标名称，见 /api/v1/stats/indicators/"),
        error_messages={
            "required": gettext_lazy("请用参数 indicator 指定指标（名称见 /api/v1/stats/indicators/）。")
        },
    )

    def validate_indicator(self, value: str) -> str:
        return _check_indicator(value)


class TimeseriesQuerySerializer(_IndicatorQuerySerializer):
    interval = serializers.ChoiceField(
        choices=[("month", gettext_lazy("按月"))],
        default="month",
        help_text=gettext_lazy("时间间隔，目前只支持 month（按月）"),
        error_messages={
            "invalid_choice": gettext_lazy("参数 interval 目前只支持 month（按月），不支持“{input}”。")
        },
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        start, end = attrs["from"], attrs["to"]
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        if months > MAX_SERIES_MONTHS:
            raise serializers.ValidationError(
                {
                    "from": _("按月序列最长 %(n)s 个月，现为 %(m)s 个月；请缩短 from 到 to 的时间段。")
                    % {"n": MAX_SERIES_MONTHS, "m": months}
                }
            )
        return attrs


class BreakdownQuerySerializer(_IndicatorQuerySerializer):
    by = serializers.ChoiceField(
        choices=[("child", gettext_lazy("按下级区域")), ("category", gettext_lazy("按类别"))],
        default="child",
        help_text=gettext_lazy("child：按下级区域分列；category：按类别分列（仅部分指标）"),
        error_messages={
            "invalid_choice": gettext_lazy("参数 by 只能是 child（按下级区域）或 category（按类别）。")
        },
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        indicator = INDICATORS[attrs["indicator"]]
        if attrs["by"] == "category" and indicator.by_category is None:
            with_categories = [i.name for i in INDICATORS.values() if i.by_category is not None]
            raise serializers.ValidationError(
                {
                    "by": _("指标 %(n)s 没有按类别的分列；可按类别分列的指标：%(names)s。")
                    % {"n": indicator.name, "names": ", ".join(with_categories)}
                }
            )
        return attrs


class JusticeQuerySerializer(serializers.Serializer):
    area = serializers.CharField(
        required=False, help_text=gettext_lazy("区域编码，默认为您社区矫正辖区的最上级区域")
    )
    since = _date_field("since", gettext_lazy("自该日期起（矫正在此日期前已结束的不计）"))


# ---------------------------------------------------------------------------------------------
# Answers


def money(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=18, decimal_places=2, coerce_to_string=True, **kwargs)


def rate(help_text: Any) -> serializers.FloatField:
    return serializers.FloatField(allow_null=True, help_text=help_text)


@extend_schema_field(
    {
        "oneOf": [{"type": "integer"}, {"type": "number"}, {"type": "string", "format": "decimal"}],
        "nullable": True,
        "description": "计数为整数；金额、时长为两位小数的字符串；比率为 0–1 的数；无可计时为 null",
    }
)
class FigureField(serializers.Field):
    """A figure of any indicator: counts stay integers, rates numbers (or null), and money and
    hours (``Decimal``) become strings with two decimals, never floats."""

    def to_representation(self, value: Any) -> Any:
        if isinstance(value, Decimal):
            return str(value.quantize(HUNDREDTHS))
        return value


def _serializer(
    name: str, fields: dict[str, serializers.Field], doc: str = ""
) -> type[serializers.Serializer]:
    """A plain serializer class built from a dict of fields, for field names that are Python
    keywords (``from``) or come from choices."""
    return type(name, (serializers.Serializer,), {"__doc__": doc, **fields})


StatsOrganizationsSerializer = _serializer(
    "StatsOrganizationsSerializer",
    {
        "registered": serializers.IntegerField(help_text=gettext_lazy("登记社会组织")),
        "filed": serializers.IntegerField(help_text=gettext_lazy("备案社会组织")),
        "total": serializers.IntegerField(help_text=gettext_lazy("社会组织总数")),
        "per_10k": serializers.FloatField(
            allow_null=True, help_text=gettext_lazy("每万人社会组织数（一位小数；无人口时为 null）")
        ),
    },
)
StatsByLifecycleSerializer = _serializer(
    "StatsByLifecycleSerializer",
    {value: serializers.IntegerField(help_text=label) for value, label in LifecycleCategory.choices},
    "Projects per life-cycle category (七有).",
)
StatsFundsSerializer = _serializer(
    "StatsFundsSerializer",
    {
        **{value: money(help_text=label) for value, label in FundingKind.choices},
        "total": money(help_text=gettext_lazy("合计（元）")),
    },
    "Project money by funding kind, in yuan, reversals netted.",
)
StatsProjectsSerializer = _serializer(
    "StatsProjectsSerializer",
    {
        "count": serializers.IntegerField(help_text=gettext_lazy("公益项目数")),
        "by_lifecycle": StatsByLifecycleSerializer(),
        "funds": StatsFundsSerializer(),
    },
)
StatsVolunteersSerializer = _serializer(
    "StatsVolunteersSerializer",
    {
        "total": serializers.IntegerField(help_text=gettext_lazy("注册志愿者")),
        "party_members": serializers.IntegerField(help_text=gettext_lazy("党员志愿者")),
    },
)
StatsCasesSerializer = _serializer(
    "StatsCasesSerializer",
    {
        "reported": serializers.IntegerField(help_text=gettext_lazy("上报事件")),
        "closed": serializers.IntegerField(help_text=gettext_lazy("结案事件")),
        "grid_resolution_rate": rate(gettext_lazy("网格内解决率（0–1）")),
        "street_resolution_rate": rate(gettext_lazy("街道内解决率（0–1）")),
        "on_time_close_rate": rate(gettext_lazy("按期结案率（0–1）")),
        "overdue": serializers.IntegerField(help_text=gettext_lazy("当前超期事件")),
    },
)
StatsWishesSerializer = _serializer(
    "StatsWishesSerializer",
    {
        "posted": serializers.IntegerField(help_text=gettext_lazy("发布微心愿")),
        "fulfilled": serializers.IntegerField(help_text=gettext_lazy("实现微心愿")),
    },
)
StatsOverviewSerializer = _serializer(
    "StatsOverviewSerializer",
    {
        "area": serializers.CharField(help_text=gettext_lazy("区域编码")),
        "from": serializers.DateField(help_text=gettext_lazy("统计期开始日期")),
        "to": serializers.DateField(help_text=gettext_lazy("统计期结束日期（含）")),
        "population": serializers.IntegerField(help_text=gettext_lazy("常住人口")),
        "organizations": StatsOrganizationsSerializer(),
        "organizations_serving": serializers.IntegerField(help_text=gettext_lazy("开展服务的社会组织")),
        "projects": StatsProjectsSerializer(),
        "participants": serializers.IntegerField(help_text=gettext_lazy("服务人数")),
        "person_times_served": serializers.IntegerField(help_text=gettext_lazy("服务人次")),
        "volunteers": StatsVolunteersSerializer(),
        "activities": serializers.IntegerField(help_text=gettext_lazy("志愿活动")),
        "service_records": serializers.IntegerField(help_text=gettext_lazy("志愿服务记录")),
        "service_hours": money(help_text=gettext_lazy("志愿服务时长（小时）")),
        "cases": StatsCasesSerializer(),
        "wishes": StatsWishesSerializer(),
    },
    "Every figure of the dashboard for one area and period (see docs/indicators.md).",
)
StatsPointSerializer = _serializer(
    "StatsPointSerializer",
    {
        "from": serializers.DateField(help_text=gettext_lazy("该月在统计期内的第一天")),
        "to": serializers.DateField(help_text=gettext_lazy("该月在统计期内的最后一天")),
        "value": FigureField(help_text=gettext_lazy("指标值")),
    },
    "One month of a time series, clipped to the period.",
)


class StatsChildRowSerializer(serializers.Serializer):
    """One area directly under the chosen one; for additive indicators a last row marked
    ``own`` holds what lies on the chosen area itself, so the rows add up to its value."""

    code = serializers.CharField(help_text=gettext_lazy("区域编码"))
    name = serializers.CharField(help_text=gettext_lazy("区域名称"))
    level = serializers.CharField(help_text=gettext_lazy("区域层级"))
    value = FigureField(help_text=gettext_lazy("指标值"))
    own = serializers.BooleanField(
        default=False, help_text=gettext_lazy("为真时是所选区域本身（不属于任何下级）的部分")
    )
    records = serializers.CharField(
        allow_null=True, help_text=gettext_lazy("该数字背后的记录列表页面地址；没有时为 null")
    )


class StatsCategoryRowSerializer(serializers.Serializer):
    """One category of the indicator (a life-cycle category, a funding kind)."""

    category = serializers.CharField(help_text=gettext_lazy("类别代码"))
    label = serializers.CharField(help_text=gettext_lazy("类别名称"))
    value = FigureField(help_text=gettext_lazy("指标值"))


class StatsIndicatorSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField(help_text=gettext_lazy("中文名称"))
    unit = serializers.CharField(help_text=gettext_lazy("单位"))
    formula = serializers.CharField(help_text=gettext_lazy("计算公式"))
    period_rule = serializers.CharField(help_text=gettext_lazy("统计期规则"))
    source = serializers.CharField(help_text=gettext_lazy("来源记录"))
    additive = serializers.BooleanField(
        help_text=gettext_lazy("可加指标：上级的值等于各下级之和（加上级本身的部分）；否则为派生的比率")
    )
    by_category = serializers.BooleanField(help_text=gettext_lazy("是否可按类别分列（by=category）"))
    records = serializers.CharField(allow_null=True, help_text=gettext_lazy("记录列表页面地址"))


class _JusticeFigures(serializers.Serializer):
    served = serializers.IntegerField(
        allow_null=True, help_text=gettext_lazy("服务的人数；不予分列时为 null")
    )
    lost_contact = serializers.IntegerField(allow_null=True, help_text=gettext_lazy("其中脱管人数"))
    reoffended = serializers.IntegerField(allow_null=True, help_text=gettext_lazy("其中再犯罪人数"))
    lost_contact_rate = serializers.DecimalField(
        max_digits=6, decimal_places=2, allow_null=True, help_text=gettext_lazy("脱管率（%）")
    )
    reoffence_rate = serializers.DecimalField(
        max_digits=6, decimal_places=2, allow_null=True, help_text=gettext_lazy("再犯罪率（%）")
    )
    suppressed = serializers.BooleanField(help_text=gettext_lazy("人数过少、不予分列时为真，各数字为 null"))
    note = serializers.CharField(allow_blank=True, help_text=gettext_lazy("不予分列的说明"))


class StatsJusticeRowSerializer(_JusticeFigures):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.CharField()
    own = serializers.BooleanField(default=False)


class StatsJusticeSerializer(_JusticeFigures):
    area = serializers.CharField()
    since = serializers.DateField(allow_null=True)
    min_cell = serializers.IntegerField(help_text=gettext_lazy("少于此人数的数字不予分列"))
    children = StatsJusticeRowSerializer(many=True, help_text=gettext_lazy("各下级区域"))
