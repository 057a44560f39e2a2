"""Pages for public-welfare projects and their money."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from gongzhi.projects.models import Project


@login_required
def detail(request, pk: int):
    project = get_object_or_404(Project.objects.visible_to(request.user), pk=pk)
    return render(request, "projects/detail.html", {"project": project})
