"""The closed loop between grid cases, volunteers and projects (事件—志愿—项目闭环).

A dispatcher who owns a case may answer it with a volunteer activity (a clean-up …) or a draft
public-welfare project; each carries the case (``Activity.case``, ``Project.source_case``).
The case keeps its own state machine: when the work is done its handling unit feeds back and
the case closes through verify → closed like any other case — the loop adds no state.
``case_loop`` reads what came of it: each activity's approved hours, each project's
person-times, from the same ledgers the statistics use.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext as _

from gongzhi.areas.models import Area
from gongzhi.cases.choices import FINAL_STATUSES
from gongzhi.cases.models import Case
from gongzhi.cases.services import may_dispatch
from gongzhi.core.exceptions import DomainError, Forbidden, InvalidTransition
from gongzhi.core.scoping import can
from gongzhi.notifications.services import notify
from gongzhi.projects.models import Project
from gongzhi.projects.queries import with_totals
from gongzhi.projects.services import create_project, led_organizations, project_url
from gongzhi.volunteers.choices import RecordStatus
from gongzhi.volunteers.models import Activity
from gongzhi.volunteers.services import create_activity

ZERO = Decimal("0.00")


# ---------------------------------------------------------------------------------------------
# Who may start what


def _loop_refusal(user: Any, case: Case) -> DomainError | None:
    """Why ``user`` may not start work from ``case`` now (None: they may)."""
    if not may_dispatch(user, case):
        return Forbidden(_("只有负责该事件的调度人员可以据此发起志愿活动或公益项目。"))
    if case.status in FINAL_STATUSES:
        return InvalidTransition(
            _("事件当前状态为“%(status)s”，不能再据此发起志愿活动或公益项目。")
            % {"status": case.get_status_display()}
        )
    return None


def may_start_activity(user: Any, case: Case) -> bool:
    """Whether the case page offers “发起志愿活动”: a dispatcher of an unfinished case who runs
    activities where it lies (staff) or leads an organization (``create_activity`` decides
    the rest)."""
    if _loop_refusal(user, case) is not None:
        return False
    return can(user, "volunteers.add_activity", case.grid) or led_organizations(user).exists()


def may_propose_project(user: Any, case: Case) -> bool:
    """Whether the case page offers “提议公益项目”: a dispatcher of an unfinished case who may
    create projects in some area holding the case."""
    return _loop_refusal(user, case) is None and bool(project_areas(user, case))


def project_areas(user: Any, case: Case) -> list[Area]:
    """The areas a project proposed from ``case`` may serve: the case's grid and the areas
    above it, where ``user`` may create projects; nearest first."""
    codes = case.grid.path.strip("/").split("/")
    areas = Area.objects.filter(code__in=codes).order_by("-depth")
    return [area for area in areas if can(user, "projects.add_project", area)]


def _lock_for_loop(case: Case, by: Any) -> Case:
    # The case row is locked so that a close racing with the start of the work is decided
    # one way or the other: either the work starts on an open case or it is refused.
    locked = (
        Case.objects.select_for_update(of=("self",))
        .select_related("category", "grid", "responsible_area")
        .get(pk=case.pk)
    )
    refusal = _loop_refusal(by, locked)
    if refusal is not None:
        raise refusal
    return locked


# ---------------------------------------------------------------------------------------------
# Writes


def start_activity_from_case(
    case: Case,
    *,
    by: Any,
    organizer: Any,
    title: str,
    category: str,
    place: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    capacity: int,
) -> Activity:
    """A dispatcher answers ``case`` with a volunteer activity (e.g. a clean-up) run by
    ``organizer`` in the case's grid, linked to the case.

    Side effects: the activity (``Activity.case``), its description naming the case; after
    commit, the organizer's leader is notified (unless they started it). The case's status,
    deadlines and event ledger do not change: the activity shows on the case page from the
    link, and the case still closes through feedback → verify.
    Raises Forbidden (not a dispatcher of the case, or may not run activities for the
    organizer there), InvalidTransition (the case is closed, rejected or merged), DomainError
    (the activity's own checks: title, times, capacity …).
    """
    with transaction.atomic():
        locked = _lock_for_loop(case, by)
        activity = create_activity(
            by=by,
            organizer=organizer,
            title=title,
            category=category,
            area=locked.grid,
            place=place,
            starts_at=starts_at,
            ends_at=ends_at,
            capacity=capacity,
            # The case's number and kind only: its description may name residents, and
            # volunteers who see the activity do not see the case.
            description=_("源自网格事件 %(n)s（%(c)s）。") % {"n": locked.number, "c": locked.category.name},
            case=locked,
        )
        leader = organizer.leader.user_id if organizer.leader_id else None
        notify(
            [leader] if leader != getattr(by, "pk", None) else [],
            verb="case_activity_started",
            text=_("事件 %(n)s 发起了志愿活动“%(a)s”（%(o)s），请组织志愿者参加。")
            % {"n": locked.number, "a": activity.title, "o": organizer.name},
            url=reverse("volunteers:activity", args=[activity.pk]),
        )
    return activity


def _publishers(area: Area) -> list[int]:
    """Users who publish projects in ``area``: the holders of ``projects.publish_project`` over
    it (at the area itself or above)."""
    from gongzhi.accounts.models import RoleAssignment
    from gongzhi.accounts.roles import ROLE_PERMISSIONS

    roles = [role for role, perms in ROLE_PERMISSIONS.items() if "projects.publish_project" in perms]
    return list(
        RoleAssignment.objects.active()
        .filter(role__in=roles, area__code__in=area.path.strip("/").split("/"))
        .values_list("user_id", flat=True)
        .distinct()
    )


def propose_project_from_case(
    case: Case, *, by: Any, title: str, lifecycle_category: str, area: Area
) -> Project:
    """A dispatcher proposes a public-welfare project for what ``case`` revealed (a problem one
    clean-up cannot solve): a draft project serving ``area`` — the case's grid or an area
    above it — linked to the case (``Project.source_case``).

    Side effects: the draft project; after commit, the other project publishers of the area
    are notified. The case's status, deadlines and event ledger do not change.
    Raises Forbidden (not a dispatcher of the case, or may not create projects in ``area``),
    InvalidTransition (the case is closed, rejected or merged), DomainError (``area`` does not
    hold the case; the project's own checks).
    """
    if not case.grid.path.startswith(area.path):
        raise DomainError(
            _("项目的服务区域“%(a)s”不包含事件所在网格。") % {"a": area.name},
            field="area",
        )
    with transaction.atomic():
        locked = _lock_for_loop(case, by)
        project = create_project(
            title=title,
            lifecycle_category=lifecycle_category,
            area=area,
            by=by,
            description=_("源自网格事件 %(n)s（%(c)s）。") % {"n": locked.number, "c": locked.category.name},
            case=locked,
        )
        notify(
            [uid for uid in _publishers(area) if uid != getattr(by, "pk", None)],
            verb="case_project_proposed",
            text=_("事件 %(n)s 提议了公益项目“%(p)s”（草稿），请审核发布。")
            % {"n": locked.number, "p": project.title},
            url=project_url(project),
        )
    return project


# ---------------------------------------------------------------------------------------------
# Reads


@dataclass(frozen=True)
class CaseLoop:
    """What came of a case: its activities, each annotated with ``approved_hours`` (approved
    service records, adjustments included) and ``volunteers_served`` (distinct volunteers with
    an approved record); its projects, annotated by ``projects.queries.with_totals``
    (``person_times``, ``beneficiaries``, ``budget``, ``disbursed`` …)."""

    activities: list[Activity] = field(default_factory=list)
    projects: list[Project] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.activities or self.projects)

    @property
    def hours(self) -> Decimal:
        return sum((a.approved_hours for a in self.activities), ZERO)

    @property
    def person_times(self) -> int:
        return sum(p.person_times for p in self.projects)


def linked_activities(case: Case) -> QuerySet[Activity]:
    approved = Q(records__status=RecordStatus.APPROVED)
    return (
        Activity.objects.filter(case=case)
        .select_related("organizer", "area")
        .annotate(
            approved_hours=Coalesce(
                Sum("records__hours", filter=approved),
                Value(ZERO),
                output_field=DecimalField(max_digits=10, decimal_places=2),
            ),
            volunteers_served=Count("records__volunteer", filter=approved, distinct=True),
        )
        .order_by("starts_at", "id")
    )


def linked_projects(case: Case) -> QuerySet[Project]:
    return with_totals(Project.objects.filter(source_case=case).select_related("area")).order_by(
        "created_at", "id"
    )


def case_loop(case: Case) -> CaseLoop:
    """The activities and projects started from ``case`` with their figures (two queries)."""
    return CaseLoop(activities=list(linked_activities(case)), projects=list(linked_projects(case)))
