"""Area pages: the user's jurisdiction, and one area with its roll-ups, children, staff and map.

Every query starts from ``visible_to(request.user)``: an area outside the jurisdiction answers
404, the same as one that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from gongzhi.areas.choices import LEVEL_ORDER, AreaLevel
from gongzhi.areas.models import Area
from gongzhi.areas.queries import grid_staff, jurisdiction_roots, with_rollups
from gongzhi.core.area_query import requested_area, visible_area
from gongzhi.core.scoping import can

CHILDREN_PER_PAGE = 25

# The roll-up counters of ``with_rollups`` by level, for "how many … below".
_COUNT_FIELDS = {
    AreaLevel.STREET: "street_count",
    AreaLevel.ZONE: "zone_count",
    AreaLevel.COMMUNITY: "community_count",
    AreaLevel.GRID: "grid_count",
}


def _counts_below(area: Area) -> list[tuple[str, int]]:
    """(level label, count) for each level strictly below ``area`` (zones are optional)."""
    below = LEVEL_ORDER[LEVEL_ORDER.index(area.level) + 1 :]
    return [(AreaLevel(level).label, getattr(area, _COUNT_FIELDS[level])) for level in below]


def _map_data(area: Area, children: QuerySet[Area]) -> dict[str, Any] | None:
    """What the Leaflet map draws; None when the area has no boundary (then no map)."""
    if not area.boundary:
        return None
    return {
        "area": {"code": area.code, "name": area.name, "boundary": area.boundary},
        "children": [
            {
                "code": child["code"],
                "name": child["name"],
                "url": reverse("areas:detail", args=[child["code"]]),
                "boundary": child["boundary"],
            }
            for child in children.filter(boundary__isnull=False).values("code", "name", "boundary")
        ],
    }


@login_required
@permission_required("areas.view_area", raise_exception=True)
def area_index(request: HttpRequest) -> HttpResponse:
    """The roots of the user's jurisdiction, each with its roll-ups; ``?under=CODE`` (or
    ``?area=CODE``) opens that area's page when the user sees it."""
    _param, code = requested_area(request.GET)
    if code:
        area = visible_area(request.user, code)
        if area is not None:
            return redirect("areas:detail", code=area.code)
    roots = with_rollups(jurisdiction_roots(request.user).select_related("parent")).order_by("path")
    return render(request, "areas/index.html", {"roots": roots, "area_missing": bool(code)})


@login_required
@permission_required("areas.view_area", raise_exception=True)
def area_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One area: breadcrumbs, figures (own and rolled up), children, grid staff and map."""
    user = request.user
    visible = Area.objects.visible_to(user)
    area = get_object_or_404(with_rollups(visible), code=code)
    children = visible.filter(parent=area).order_by("path")
    page = Paginator(with_rollups(children), CHILDREN_PER_PAGE).get_page(request.GET.get("page"))
    staff, staff_counts = grid_staff(user, area)
    context = {
        "area": area,
        # Ancestors outside the jurisdiction are named but not linked (their page would 404).
        "breadcrumbs": [(a, can(user, "areas.view_area", a)) for a in area.ancestors()],
        "counts_below": _counts_below(area),
        "children_page": page,
        "is_grid": area.level == AreaLevel.GRID,
        "children_are_grids": area.level == AreaLevel.COMMUNITY,
        "staff": staff,
        "staff_counts": staff_counts,
        "map_data": _map_data(area, children),
    }
    return render(request, "areas/detail.html", context)
