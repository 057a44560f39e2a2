"""Template helpers for the volunteer pages: star levels and the pages' own tabs."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()

MAX_STARS = 5


@register.filter
def stars(level: Any) -> str:
    """A star level as five stars, filled up to the level: 3 → ★★★☆☆."""
    try:
        n = max(0, min(MAX_STARS, int(level or 0)))
    except (TypeError, ValueError):
        n = 0
    return "★" * n + "☆" * (MAX_STARS - n)


@register.simple_tag
def volunteer_tabs(user: Any) -> dict[str, bool]:
    """Which of the volunteer pages' tabs the user gets. Costs at most one query (the
    organizations the user leads), cached on the user for the request."""
    from gongzhi.volunteers import views

    if not getattr(user, "is_authenticated", False):
        return {}
    return {
        "register": views.reads_register(user),
        "approve": views.approves_any(user),
        "wishes": views.manages_wishes(user),
        "justice": views.is_justice(user),
        "alliances": user.has_perm("organizations.view_organization"),
    }
