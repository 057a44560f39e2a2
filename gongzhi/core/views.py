"""The home page: who you are here (roles) and where you may look (jurisdiction areas)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import defaults

from gongzhi.areas.queries import jurisdiction_roots, with_rollups


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Roles come from the template tag ``user_roles``; areas are the jurisdiction roots."""
    areas = with_rollups(jurisdiction_roots(request.user)).order_by("path")
    return render(request, "core/home.html", {"areas": areas})


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404 for a URL no route matches (``handler404``). API clients get the API's JSON error
    (``gongzhi.core.api``), never the HTML page; everyone else the 404 page."""
    if _is_api(request):
        message = _("没有这个接口地址：请检查路径（编号应为数字）和末尾的斜杠，接口列表见 /api/docs/。")
        return JsonResponse({"error": {"status": 404, "code": "not_found", "message": message}}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """500 (``handler500``): JSON for API clients, the error page for browsers."""
    if _is_api(request):
        message = _(
            "服务器处理请求时出错，已记录下来。请稍后重试；如果问题持续，请联系系统管理员，并告知出错的时间。"
        )
        return JsonResponse(
            {"error": {"status": 500, "code": "server_error", "message": message}}, status=500
        )
    return defaults.server_error(request)
