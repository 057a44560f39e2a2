"""The area a list page is limited to: ``?area=CODE`` or ``?under=CODE`` — the same meaning,
the area's whole subtree. The workspace links with ``area``, the statistics dashboard (its
"records behind the figure") with ``under``; every list page takes both.

Only an area the user can see counts: an unknown code, or one outside the jurisdiction,
limits the list to nothing (and the page says the area was not found), never widens it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import QueryDict

AREA_PARAMS = ("area", "under")


def requested_area(params: Any) -> tuple[str, str]:
    """(parameter, code) of the area asked for — ``area`` first, then ``under``; ("", "") for none."""
    for name in AREA_PARAMS:
        code = (params.get(name) or "").strip()
        if code:
            return name, code
    return "", ""


def visible_area(user: Any, code: str, perm: str | None = None) -> Any:
    """The area ``code`` if ``user`` sees it (``Area.objects.visible_to``), else None."""
    from gongzhi.areas.models import Area

    code = (code or "").strip()
    if not code:
        return None
    return Area.objects.visible_to(user, perm).filter(code=code).first()


def with_area_field(params: QueryDict, field: str = "area") -> QueryDict:
    """The query with ``under`` copied into the filter form's ``field`` when that is empty, so a
    page whose form has an area field shows (and keeps, on the next filter) the dashboard's area."""
    under = (params.get("under") or "").strip()
    if not under or (params.get(field) or "").strip():
        return params
    params = params.copy()
    params[field] = under
    return params


def limit_to_area(
    rows: QuerySet, request: Any, *lookups: str, perm: str | None = None
) -> tuple[QuerySet, dict[str, Any]]:
    """``rows`` limited to the subtree of the area in the query string (each of ``lookups``,
    default ``area__path``, is a path lookup; a row matching any of them is kept), and what the
    page shows about it: ``area_param`` and ``area_code`` (for a hidden field that keeps the
    limit across the page's own filters) and ``area_missing``."""
    name, code = requested_area(request.GET)
    context = {"area_param": name, "area_code": code, "area_missing": False}
    if not code:
        return rows, context
    area = visible_area(request.user, code, perm)
    if area is None:
        context["area_missing"] = True
        return rows.none(), context
    condition = Q(pk__in=[])
    for lookup in lookups or ("area__path",):
        condition |= Q(**{f"{lookup}__prefix": area.path})
    return rows.filter(condition), context
