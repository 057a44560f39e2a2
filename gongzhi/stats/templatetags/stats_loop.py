"""The closed loop on the case page: ``{% case_loop_for case as loop %}``.

The case page's view belongs to the cases app; the loop's figures come from
``gongzhi.stats.loop``, so the page asks for them here rather than computing them itself.
"""

from __future__ import annotations

from typing import Any

from django import template

from gongzhi.cases.models import Case
from gongzhi.projects.models import Project
from gongzhi.stats import loop as loop_service
from gongzhi.volunteers.models import Activity

register = template.Library()


@register.simple_tag(takes_context=True)
def case_loop_for(context: template.Context, case: Case) -> dict[str, Any]:
    """The activities and projects started from ``case`` with their figures, which of them the
    viewer may open (the others are listed without a link), and whether the viewer may start
    more."""
    user = context["request"].user
    loop = loop_service.case_loop(case)
    activity_ids = [a.pk for a in loop.activities]
    project_ids = [p.pk for p in loop.projects]
    return {
        "loop": loop,
        "linked_activities": set(
            Activity.objects.visible_to(user).filter(pk__in=activity_ids).values_list("pk", flat=True)
        )
        if activity_ids
        else set(),
        "linked_projects": set(
            Project.objects.visible_to(user).filter(pk__in=project_ids).values_list("pk", flat=True)
        )
        if project_ids
        else set(),
        "may_start_activity": loop_service.may_start_activity(user, case),
        "may_propose_project": loop_service.may_propose_project(user, case),
    }
