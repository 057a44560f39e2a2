"""ECharts option dicts for the dashboards, built from the indicators' figures.

The pages put these into the HTML with ``json_script`` and ``static/gongzhi/stats.js`` hands
each one to ``echarts.setOption`` unchanged, so a chart shows exactly the numbers computed
here (and the tests can read them). Options are plain JSON: numbers are floats or ints, never
``Decimal`` (which Django's encoder would turn into strings), and there are no JS callbacks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from gongzhi.stats.indicators import INDICATORS


def number(value: Any) -> float | int | None:
    """A figure as a JSON number (None stays None: ECharts leaves a gap)."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value)
    return value


def _label(name: str) -> str:
    ind = INDICATORS[name]
    return f"{ind.label}（{ind.unit}）"


def trend(
    months: Sequence[str], series: Iterable[tuple[str, Sequence[Any]]], *, two_axes: bool = False
) -> dict:
    """Month-by-month lines, one per (indicator name, values). With ``two_axes`` the second
    series gets its own y axis on the right (person-times and hours differ in scale)."""
    series = list(series)
    axes = [{"type": "value", "name": str(INDICATORS[series[0][0]].unit), "minInterval": 1}]
    if two_axes:
        axes.append({"type": "value", "name": str(INDICATORS[series[1][0]].unit), "position": "right"})
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"bottom": 0},
        "grid": {"left": 48, "right": 56 if two_axes else 24, "top": 32, "bottom": 56},
        "xAxis": {"type": "category", "data": list(months), "boundaryGap": False},
        "yAxis": axes,
        "series": [
            {
                "name": _label(name),
                "type": "line",
                "symbolSize": 6,
                "yAxisIndex": 1 if two_axes and i == 1 else 0,
                "data": [number(v) for v in values],
            }
            for i, (name, values) in enumerate(series)
        ],
    }


def child_bars(areas: Sequence[str], series: Iterable[tuple[str, Sequence[Any]]]) -> dict:
    """One bar series per indicator over the child areas; the legend shows one at a time,
    because organizations, hours and cases do not share a scale."""
    series = list(series)
    return {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": 0, "selectedMode": "single", "type": "scroll"},
        "grid": {"left": 48, "right": 16, "top": 40, "bottom": 48, "containLabel": True},
        "xAxis": {"type": "category", "data": list(areas), "axisLabel": {"interval": 0, "rotate": 30}},
        "yAxis": {"type": "value"},
        "series": [
            {"name": _label(name), "type": "bar", "barMaxWidth": 36, "data": [number(v) for v in values]}
            for name, values in series
        ],
    }


def pie(items: Iterable[tuple[str, Any]], *, name: str) -> dict:
    """A ring of (label, value); zero slices are left out so the labels do not pile up."""
    data = [{"name": label, "value": number(value)} for label, value in items if value]
    return {
        "tooltip": {"trigger": "item"},
        "legend": {"bottom": 0, "type": "scroll"},
        "series": [
            {
                "name": name,
                "type": "pie",
                "radius": ["32%", "58%"],
                "center": ["50%", "45%"],
                "avoidLabelOverlap": True,
                "label": {"formatter": "{b}\n{d}%"},
                "data": data,
            }
        ],
    }
