"""Pages of the street's workspace (党群服务中心) and the report downloads.

The area comes from ``?area=CODE`` and must be visible to the caller
(``Area.objects.visible_to``); another street's code answers 404, the same as a code that does
not exist. Without it, the caller's top area: the first of their ``areas.view_area``
jurisdiction.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from gongzhi.areas.choices import AreaLevel
from gongzhi.areas.models import Area
from gongzhi.core.exceptions import DomainError
from gongzhi.core.scoping import jurisdiction_paths
from gongzhi.stats import reports
from gongzhi.stats.indicators import INDICATORS
from gongzhi.stats.workspace import grouped, workspace_counts

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
AREA_CHOICES_LIMIT = 500


def visible_area(request: HttpRequest) -> Area:
    """The area named by ``?area=`` if the caller may see it, else their top area; 404 when
    there is none."""
    user = request.user
    visible = Area.objects.visible_to(user)
    code = (request.GET.get("area") or "").strip()
    if code:
        return get_object_or_404(visible, code=code)
    if user.is_superuser:
        area = visible.order_by("depth", "path").first()
    else:
        paths = jurisdiction_paths(user, "areas.view_area")
        area = visible.filter(path=paths[0]).first() if paths else None
    if area is None:
        raise Http404
    return area


def _area_choices(user: Any) -> list[tuple[str, str]]:
    """The visible areas above the grids, indented by depth so the select reads as the tree."""
    rows = (
        Area.objects.visible_to(user)
        .exclude(level=AreaLevel.GRID)
        .order_by("path")
        .values_list("code", "name", "depth")[:AREA_CHOICES_LIMIT]
    )
    top = min((depth for _code, _name, depth in rows), default=0)
    return [(code, "\u3000" * (depth - top) + name) for code, name, depth in rows]


def _is_htmx_partial(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true" and not request.headers.get("HX-Boosted")


@login_required
@require_GET
def workspace(request: HttpRequest) -> HttpResponse:
    """What waits for the area across all parts, each count linking into its queue; the
    counts refresh themselves every two minutes (htmx)."""
    area = visible_area(request)
    items = workspace_counts(request.user, area)
    context = {
        "area": area,
        "groups": grouped(items),
        "waiting": sum(item.count for item in items),
        "refreshed_at": timezone.now(),
    }
    if _is_htmx_partial(request):
        response = render(request, "stats/workspace_counts.html", context)
    else:
        context["areas"] = _area_choices(request.user)
        response = render(request, "stats/workspace.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _table_indicators() -> list[tuple[str, str, bool]]:
    """(name, label, has categories) of the indicators a table may be exported for (justice
    indicators are never broken down)."""
    return [
        (ind.name, str(ind.label), ind.by_category is not None)
        for ind in INDICATORS.values()
        if not ind.justice_only
    ]


@login_required
@require_GET
def report_index(request: HttpRequest) -> HttpResponse:
    """The monthly report's month picker and download links, and the table export."""
    area = visible_area(request)
    problem = ""
    status = 200
    try:
        period = reports.parse_month(request.GET.get("month"))
    except DomainError as exc:
        problem, status = str(exc.message), 400
        period = reports.parse_month("")
    default = reports.parse_period(None, None)
    context = {
        "area": area,
        "areas": _area_choices(request.user),
        "month": period.start.strftime("%Y-%m"),
        "max_month": timezone.localdate().strftime("%Y-%m"),
        "problem": problem,
        "indicators": _table_indicators(),
        "table_from": default.start,
        "table_to": default.end,
    }
    return render(request, "stats/reports.html", context, status=status)


def _refused(request: HttpRequest, area: Area, exc: DomainError) -> HttpResponse:
    return render(
        request, "stats/report_error.html", {"area": area, "message": exc.message}, status=exc.status_code
    )


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    # Figures change with every record; a saved copy is the user's, not a cache's.
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def report_xlsx(request: HttpRequest) -> HttpResponse:
    area = visible_area(request)
    try:
        period = reports.parse_month(request.GET.get("month"))
    except DomainError as exc:
        return _refused(request, area, exc)
    report = reports.monthly_report(area, period, user=request.user)
    return _download(reports.monthly_xlsx(report), XLSX, f"{area.name}-{report.month}-月报.xlsx")


@login_required
@require_GET
def report_pdf(request: HttpRequest) -> HttpResponse:
    area = visible_area(request)
    try:
        period = reports.parse_month(request.GET.get("month"))
    except DomainError as exc:
        return _refused(request, area, exc)
    report = reports.monthly_report(area, period, user=request.user)
    return _download(reports.monthly_pdf(report), "application/pdf", f"{area.name}-{report.month}-月报.pdf")


@login_required
@require_GET
def table_xlsx(request: HttpRequest) -> HttpResponse:
    """A dashboard table: ``indicator`` by child area (``by=child``, the default) or by
    category (``by=category``) for ``from``–``to`` (default this year to date)."""
    area = visible_area(request)
    by = request.GET.get("by") or "child"
    try:
        ind = reports.indicator_for_table(request.GET.get("indicator", ""), request.user)
        period = reports.parse_period(request.GET.get("from"), request.GET.get("to"))
        if by not in ("child", "category") or (by == "category" and ind.by_category is None):
            raise DomainError(
                _("指标“%(i)s”没有按类别的分解。") % {"i": ind.label}
                if by == "category"
                else _("分解方式只能是 child（下级区域）或 category（类别）。"),
                field="by",
            )
    except DomainError as exc:
        return _refused(request, area, exc)
    content = reports.table_xlsx(area, period, ind, by=by)
    filename = f"{area.name}-{ind.label}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.xlsx"
    return _download(content, XLSX, filename)
