"""The home page: who you are here (roles) and where you may look (jurisdiction areas)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from gongzhi.areas.queries import jurisdiction_roots, with_rollups


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Roles come from the template tag ``user_roles``; areas are the jurisdiction roots."""
    areas = with_rollups(jurisdiction_roots(request.user)).order_by("path")
    return render(request, "core/home.html", {"areas": areas})
