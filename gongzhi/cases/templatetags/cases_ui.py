"""Template helpers for the case pages."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def kpi_percent(value: float | None) -> str:
    """A KPI ratio (0–1) as a percentage with one decimal; "—" when it has no denominator."""
    if value is None:
        return "—"
    return f"{value * 100:.1f}%"
