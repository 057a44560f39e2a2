"""The street's one-stop workspace (党群服务中心): what waits for it across all parts, counted.

Each queue is counted where its own page lists it, over the same rows the caller may see:
every count starts from ``Model.objects.visible_to(user)``, keeps the rows lying in the
workspace's area, and — for queues that need a power to act (review a filing, dispatch or
supervise a case, accept a project, select an undertaker, approve hours) — only the rows
where the caller holds that power, as the queue page does. One aggregate query per part:

- 社会组织: filing applications pending review (the street's, or its organizations'); live
  organizations with last year's annual report missing (``organizations_missing_reports``).
- 网格事件: cases to dispatch (reported or registered, responsible area where the caller
  dispatches — the dispatch queue), cases to supervise (open and overdue or red, in the
  grids the caller supervises — the red half of the supervision board).
- 公益项目: completed projects awaiting acceptance; published or claimed projects with
  applications awaiting a decision (选定承接方).
- 志愿服务: activities starting this week (Monday–Sunday, not cancelled), service records
  pending approval, micro-wishes open on the wall and claimed ones past their due date.

A queue the caller cannot open (no permission for its page) is left out rather than shown as 0.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.models import Area
from gongzhi.core.scoping import in_jurisdiction


@dataclass(frozen=True)
class QueueCount:
    """One queue of the workspace: what waits, how many, and the page that lists it."""

    key: str
    group: Any
    label: Any
    help: Any
    count: int
    url: str
    urgent: bool = False  # overdue work: shown in red when not 0


def _link(name: str, area: Area, **params: Any) -> str:
    """The queue page ``name`` filtered to ``area`` (``area=CODE`` plus the queue's own state)."""
    query = {"area": area.code, **{k: v for k, v in params.items() if v not in (None, "")}}
    return f"{reverse(name)}?{urlencode(query)}"


def week_of(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """Monday 00:00 to the next Monday 00:00 (local) of the week holding ``day``."""
    monday = day - datetime.timedelta(days=day.weekday())
    begin = timezone.make_aware(datetime.datetime.combine(monday, datetime.time.min))
    end = timezone.make_aware(
        datetime.datetime.combine(monday + datetime.timedelta(days=7), datetime.time.min)
    )
    return begin, end


# ---------------------------------------------------------------------------------------------
# The parts


def _organizations(user: Any, area: Area, today: datetime.date) -> list[QueueCount]:
    from gongzhi.organizations.choices import ApplicationStatus
    from gongzhi.organizations.models import FilingApplication, Organization
    from gongzhi.organizations.queries import organizations_missing_reports

    group = _("社会组织")
    items = []
    if user.has_perm("organizations.review_filing"):
        # A filing is decided by the street it is lodged with; a community's workspace shows
        # those of its own organizations.
        pending = (
            FilingApplication.objects.visible_to(user, "organizations.review_filing")
            .filter(status=ApplicationStatus.PENDING)
            .filter(Q(street__path__prefix=area.path) | Q(organization__area__path__prefix=area.path))
        )
        items.append(
            QueueCount(
                "filings",
                group,
                _("待审核备案"),
                _("社区社会组织提交的备案申请"),
                pending.order_by().aggregate(n=Count("pk", distinct=True))["n"],
                _link("organizations:filings", area),
            )
        )
    if user.has_perm("organizations.view_organization"):
        year = today.year - 1
        missing = Organization.objects.visible_to(user) & organizations_missing_reports(area, year)
        items.append(
            QueueCount(
                "annual_reports_missing",
                group,
                _("%(year)s 年度年报未交") % {"year": year},
                _("已登记或备案、尚未提交上年度年报的组织"),
                missing.order_by().aggregate(n=Count("pk", distinct=True))["n"],
                _link("organizations:annual_reports", area, year=year, show="missing"),
            )
        )
    return items


def _cases(user: Any, area: Area, now: datetime.datetime) -> list[QueueCount]:
    from gongzhi.cases.choices import OPEN_STATUSES, CaseStatus, Warning
    from gongzhi.cases.models import Case

    dispatches = user.has_perm("cases.dispatch_case")
    supervises = user.has_perm("cases.supervise_case")
    if not (dispatches or supervises):
        return []
    group = _("网格事件")
    to_dispatch = Q(status__in=(CaseStatus.REPORTED, CaseStatus.REGISTERED)) & in_jurisdiction(
        user, "cases.dispatch_case", "responsible_area__path"
    )
    overdue = (
        Q(status__in=OPEN_STATUSES)
        & (Q(warning=Warning.RED) | Q(stage_deadline__lte=now))
        & in_jurisdiction(user, "cases.supervise_case", "grid__path")
    )
    counts = (
        Case.objects.visible_to(user)
        .filter(grid__path__prefix=area.path)
        .order_by()
        .aggregate(
            dispatch=Count("pk", filter=to_dispatch, distinct=True),
            supervise=Count("pk", filter=overdue, distinct=True),
        )
    )
    items = []
    if dispatches:
        items.append(
            QueueCount(
                "cases_dispatch",
                group,
                _("待立案、待派遣事件"),
                _("新上报和已立案、尚未派遣的事件"),
                counts["dispatch"],
                _link("cases:queue", area),
            )
        )
    if supervises:
        items.append(
            QueueCount(
                "cases_supervise",
                group,
                _("待督办事件（红灯）"),
                _("未结案且本环节已超期的事件"),
                counts["supervise"],
                _link("cases:board", area),
                urgent=True,
            )
        )
    return items


def _projects(user: Any, area: Area) -> list[QueueCount]:
    from gongzhi.projects.choices import OPEN_STATUSES, ClaimStatus, ProjectStatus
    from gongzhi.projects.models import Project, ProjectClaim

    accepts = user.has_perm("projects.accept_project")
    selects = user.has_perm("projects.select_project")
    if not (accepts or selects):
        return []
    group = _("公益项目")
    applied = ProjectClaim.objects.filter(project=OuterRef("pk"), status=ClaimStatus.APPLIED)
    counts = (
        Project.objects.visible_to(user)
        .filter(area__path__prefix=area.path)
        .order_by()
        .aggregate(
            accept=Count(
                "pk",
                filter=Q(status=ProjectStatus.COMPLETED)
                & in_jurisdiction(user, "projects.accept_project", "area__path"),
                distinct=True,
            ),
            select=Count(
                "pk",
                filter=Q(status__in=OPEN_STATUSES)
                & Q(Exists(applied))
                & in_jurisdiction(user, "projects.select_project", "area__path"),
                distinct=True,
            ),
        )
    )
    items = []
    if accepts:
        items.append(
            QueueCount(
                "projects_accept",
                group,
                _("待验收项目"),
                _("承接方已报完成、等待验收的项目"),
                counts["accept"],
                _link("projects:list", area, status=ProjectStatus.COMPLETED),
            )
        )
    if selects:
        items.append(
            QueueCount(
                "projects_select",
                group,
                _("待选定承接方项目"),
                _("有组织申报、尚未决定的项目"),
                counts["select"],
                _link("projects:list", area, status=ProjectStatus.PUBLISHED),
            )
        )
    return items


def _volunteering(user: Any, area: Area, today: datetime.date) -> list[QueueCount]:
    from gongzhi.volunteers.choices import RecordStatus, WishStatus
    from gongzhi.volunteers.models import Activity, ServiceRecord, Wish
    from gongzhi.volunteers.services import led_organizations

    group = _("志愿服务")
    items = []
    if user.has_perm("volunteers.view_activity"):
        begin, end = week_of(today)
        week = (
            Activity.objects.visible_to(user)
            .filter(area__path__prefix=area.path, starts_at__gte=begin, starts_at__lt=end)
            .exclude(status="cancelled")
        )
        items.append(
            QueueCount(
                "activities_week",
                group,
                _("本周志愿活动"),
                _("本周一至周日开始、未取消的活动"),
                week.order_by().aggregate(n=Count("pk", distinct=True))["n"],
                _link("volunteers:activities", area),
            )
        )
    leads = led_organizations(user).values("pk")
    if user.has_perm("volunteers.approve_servicerecord") or leads.exists():
        pending = (
            ServiceRecord.objects.visible_to(user)
            .filter(area__path__prefix=area.path, status=RecordStatus.PENDING)
            .filter(
                Q(organization__in=leads)
                | in_jurisdiction(user, "volunteers.approve_servicerecord", "area__path")
            )
        )
        items.append(
            QueueCount(
                "records_pending",
                group,
                _("待认定服务记录"),
                _("志愿者签退或补录、等待认定时长的记录"),
                pending.order_by().aggregate(n=Count("pk", distinct=True))["n"],
                _link("volunteers:records", area, tab=RecordStatus.PENDING),
            )
        )
    if user.has_perm("volunteers.view_wish"):
        counts = (
            Wish.objects.visible_to(user)
            .filter(area__path__prefix=area.path)
            .order_by()
            .aggregate(
                open=Count("pk", filter=Q(status=WishStatus.POSTED), distinct=True),
                overdue=Count("pk", filter=Q(status=WishStatus.CLAIMED, fulfil_by__lt=today), distinct=True),
            )
        )
        items.append(
            QueueCount(
                "wishes_open",
                group,
                _("待认领微心愿"),
                _("心愿墙上尚未被认领的心愿"),
                counts["open"],
                _link("volunteers:wishes", area, status=WishStatus.POSTED),
            )
        )
        items.append(
            QueueCount(
                "wishes_overdue",
                group,
                _("认领后逾期未完成的心愿"),
                _("已认领、超过须完成日期仍未完成"),
                counts["overdue"],
                _link("volunteers:wishes", area, status=WishStatus.CLAIMED),
                urgent=True,
            )
        )
    return items


def workspace_counts(user: Any, area: Area, *, now: datetime.datetime | None = None) -> list[QueueCount]:
    """Every queue of the workspace of ``area`` that ``user`` can open, with its count (only
    rows the user may see) and the link into the queue page filtered to the area."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    return [
        *_organizations(user, area, today),
        *_cases(user, area, now),
        *_projects(user, area),
        *_volunteering(user, area, today),
    ]


def grouped(items: list[QueueCount]) -> list[tuple[Any, list[QueueCount]]]:
    """The items by part, in the order the parts first appear."""
    groups: dict[str, tuple[Any, list[QueueCount]]] = {}
    for item in items:
        groups.setdefault(str(item.group), (item.group, []))[1].append(item)
    return list(groups.values())
