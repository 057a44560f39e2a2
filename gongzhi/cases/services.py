"""Writes for grid cases: report, the transitions of the state machine, campaigns, merging.

Every transition has one shape (``_transition``): inside ``transaction.atomic`` lock the case
row (``select_for_update``), check the transition against ``ALLOWED_TRANSITIONS`` and the
actor's right to make it, change the state and deadlines, save with ``update_fields``, append
a ``CaseEvent`` (the timeline), store photos, and notify with ``on_commit``. Two people acting
on the same case at once: the second waits for the lock, then finds the status changed and
gets ``InvalidTransition`` (409) — never a half-applied transition.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import math
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import ExpressionWrapper, F, FloatField, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.areas.choices import AreaLevel
from gongzhi.areas.geo import bounding_box, distance_m, locate_grid
from gongzhi.areas.models import Area
from gongzhi.cases.calendar import WorkCalendar
from gongzhi.cases.choices import (
    ALLOWED_TRANSITIONS,
    OPEN_STATUSES,
    STATUS_STAGE,
    CaseAction,
    CaseLevel,
    CaseSource,
    CaseStatus,
    Satisfaction,
    Stage,
    Warning,
    next_level,
)
from gongzhi.cases.models import (
    Campaign,
    CampaignPost,
    Case,
    CaseCategory,
    CaseEvent,
    CasePhoto,
    CategoryTimeLimit,
    HandlingUnit,
    IdempotencyKey,
    Open311Application,
    PhotoPhase,
)
from gongzhi.cases.photos import ProcessedPhoto, process_photos, store_photo
from gongzhi.core.exceptions import Conflict, DomainError, Forbidden, InvalidTransition
from gongzhi.core.refcache import Reference
from gongzhi.core.scoping import can, jurisdiction_paths
from gongzhi.notifications.services import notify

# ---------------------------------------------------------------------------------------------
# Deadlines


def _all_time_limits() -> dict[tuple[int, str, str], float]:
    # Lowest id wins where (impossibly, under the unique constraint) two rows match.
    limits: dict[tuple[int, str, str], float] = {}
    for category_id, stage, level, hours in CategoryTimeLimit.objects.order_by("-pk").values_list(
        "category_id", "stage", "level", "hours"
    ):
        limits[(category_id, stage, level)] = float(hours)
    return limits


# Per-level limits: a few rows per category, read on every report and transition.
_time_limits = Reference("time-limits", _all_time_limits, CategoryTimeLimit)


def stage_hours(category: CaseCategory, stage: str, level: str) -> float:
    """Working hours allowed for ``stage`` at ``level``: a per-level limit if set, else the
    category's default."""
    override = _time_limits.get().get((category.pk, stage, level))
    return override if override is not None else category.stage_hours(stage)


def _set_stage_clock(case: Case, now: datetime.datetime, calendar: WorkCalendar) -> list[str]:
    """Start the clock of the stage the case's status is in (or stop it)."""
    stage = STATUS_STAGE.get(case.status)
    if stage is None:
        case.stage_deadline = case.yellow_at = None
    else:
        hours = stage_hours(case.category, stage, case.level)
        case.stage_deadline = calendar.add_working_hours(now, hours)
        case.yellow_at = calendar.add_working_hours(now, hours * settings.GONGZHI_YELLOW_SHARE)
    case.warning = Warning.NONE
    return ["stage_deadline", "yellow_at", "warning"]


def _close_deadline(case: Case, now: datetime.datetime, calendar: WorkCalendar) -> datetime.datetime:
    """By when the case must be closed (按期结案), counted from ``now`` at the current level:
    dispatch + accept + handle + verify limits."""
    stages = (Stage.DISPATCH, Stage.ACCEPT, Stage.HANDLE, Stage.VERIFY)
    hours = sum(stage_hours(case.category, stage, case.level) for stage in stages)
    return calendar.add_working_hours(now, hours)


# ---------------------------------------------------------------------------------------------
# Who may act


def responsible_area_for(grid: Area, level: str, areas: dict[str, Area] | None = None) -> Area:
    """The area at ``level`` that contains ``grid`` (zones are not on the case ladder), among
    ``areas`` (code → area: ``escalation_areas`` fetches them for many cases at once) or read
    now. Raises DomainError when the area tree has no such area."""
    if level == CaseLevel.GRID:
        return grid
    codes = grid.path.strip("/").split("/")
    if areas is None:
        areas = {area.code: area for area in Area.objects.filter(code__in=codes, level=level)}
    found = [areas[code] for code in codes if code in areas and areas[code].level == level]
    if len(found) != 1:
        raise DomainError(
            _("网格“%(grid)s”没有唯一的上级%(level)s，无法上报，请检查区域设置。")
            % {"grid": grid.name, "level": CaseLevel(level).label}
        )
    return found[0]


def may_dispatch(user: Any, case: Case) -> bool:
    """Dispatchers act on cases whose responsible area lies in their jurisdiction: a community
    worker on grid- and community-level cases of their community, a street admin up to street
    level; once escalated past them, the case belongs to the level above."""
    return can(user, "cases.dispatch_case", case.responsible_area)


def may_handle(user: Any, case: Case) -> bool:
    if user.is_superuser:
        return True
    return case.handling_unit_id is not None and case.handling_unit.members.filter(pk=user.pk).exists()


def may_verify(user: Any, case: Case) -> bool:
    return (case.reporter_id is not None and case.reporter_id == user.pk) or can(
        user, "cases.verify_case", case.grid
    )


def may_supervise(user: Any, case: Case) -> bool:
    return can(user, "cases.supervise_case", case.grid)


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise Forbidden(message)


# ---------------------------------------------------------------------------------------------
# Reporting


def _number(case: Case) -> str:
    local = timezone.localtime(case.reported_at)
    return f"{local:%Y%m%d}{case.pk:07d}"


def _actor_label(by: Any, application: Open311Application | None = None) -> str:
    if by is not None and getattr(by, "pk", None):
        return str(by)
    if application is not None:
        return application.name
    return _("系统")


def report_case(
    *,
    category: CaseCategory,
    description: str,
    source: str,
    by: Any = None,
    lat: float | None = None,
    lng: float | None = None,
    grid: Area | None = None,
    address: str = "",
    photos: Iterable[Any] = (),
    reporter_name: str = "",
    reporter_phone: str = "",
    reporter_email: str = "",
    campaign: Campaign | None = None,
    application: Open311Application | None = None,
    data: dict | None = None,
    now: datetime.datetime | None = None,
) -> Case:
    """Report a case. The grid is found from the location when not given.

    Side effects: a REPORT event with the photos; the register-stage clock starts; the
    dispatchers of the grid's community are notified. Raises DomainError for an inactive
    category, a description that is empty, a location outside every grid, bad photos, or a
    grid outside the reporter's jurisdiction (staff) / the application's area (Open311).
    """
    now = now or timezone.now()
    description = (description or "").strip()
    if not description:
        raise DomainError(_("请用几句话描述问题。"), field="description")
    if not category.is_active:
        raise DomainError(
            _("事件类别“%(name)s”已停用，请选择其他类别。") % {"name": category.name}, field="category"
        )
    if grid is None:
        if lat is None or lng is None:
            raise DomainError(_("请提供位置（经纬度）或所在网格。"), field="lat")
        if not (-90 <= lat <= 90 and -180 <= lng <= 180):
            raise DomainError(_("经纬度超出范围。"), field="lat")
        grid = locate_grid(lat, lng)
        if grid is None:
            raise DomainError(
                _("该位置不在任何网格内，请在地图上重新选点，或直接选择所在网格。"), field="lat"
            )
    elif grid.level != AreaLevel.GRID:
        raise DomainError(_("“%(name)s”不是网格，请选择网格。") % {"name": grid.name}, field="grid")
    if lat is None or lng is None:
        lat, lng = grid.center_lat, grid.center_lng
    staff_source = source in (
        CaseSource.GRID_MEMBER,
        CaseSource.PARTY_VOLUNTEER,
        CaseSource.INSPECTION,
        CaseSource.HOTLINE,
    )
    if staff_source and by is not None and not by.is_superuser and not can(by, "cases.add_case", grid):
        raise DomainError(_("“%(name)s”不在您的管辖范围内。") % {"name": grid.name}, field="grid")
    if application is not None and not grid.path.startswith(application.area.path):
        raise DomainError(_("该位置不在本应用可报事的区域内。"), field="lat")
    if campaign is not None and not grid.path.startswith(campaign.area.path):
        raise DomainError(_("事件不在该专项整治的区域内。"), field="campaign")
    processed = process_photos(photos)

    calendar = WorkCalendar()
    # No savepoint of its own: an error here fails the caller's block as a whole anyway (the API
    # wraps the report in the idempotency key's savepoint), and each savepoint is two round trips.
    with transaction.atomic(savepoint=False):
        case = Case(
            number=f"tmp-{now.timestamp()}-{id(object())}"[:20],
            category=category,
            description=description,
            address=(address or "")[:200],
            lat=lat,
            lng=lng,
            grid=grid,
            level=CaseLevel.GRID,
            responsible_area=grid,
            status=CaseStatus.REPORTED,
            source=source,
            urgency=category.urgency,
            reporter=by if getattr(by, "pk", None) else None,
            reporter_name=reporter_name[:50],
            reporter_phone=reporter_phone[:20],
            reporter_email=reporter_email,
            campaign=campaign,
            application=application,
            reported_at=now,
        )
        _set_stage_clock(case, now, calendar)
        case.save()
        case.number = _number(case)
        case.save(update_fields=["number"])
        event = CaseEvent.objects.create(
            case=case,
            action=CaseAction.REPORT,
            from_status="",
            to_status=CaseStatus.REPORTED,
            level=case.level,
            actor=case.reporter,
            actor_label=_actor_label(by, application),
            note=description,
            data=data or {},
            created_at=now,
        )
        stored = _store(processed, case=case, event=event, phase=PhotoPhase.REPORT, by=case.reporter)
        # The rows just written, for an answer built without reading them back (api create).
        case.report_event, event.stored_photos = event, stored
        notify(
            _dispatchers(case),
            verb="case_reported",
            text=_("新事件待立案：%(number)s %(category)s")
            % {"number": case.number, "category": category.name},
            url=case_url(case),
        )
    return case


def _store(
    processed: list[ProcessedPhoto], *, case: Case, event: CaseEvent, phase: str, by: Any
) -> list[CasePhoto]:
    return [
        store_photo(
            photo, case=case, event=event, phase=phase, uploaded_by=by if getattr(by, "pk", None) else None
        )
        for photo in processed
    ]


def case_url(case: Case) -> str:
    try:
        return reverse("cases:detail", args=[case.pk])
    except NoReverseMatch:  # an API-only deployment without the pages
        return ""


def _dispatchers(case: Case) -> list[int]:
    """Users who may dispatch this case (for notifications)."""
    from gongzhi.accounts.models import RoleAssignment
    from gongzhi.accounts.roles import ROLE_PERMISSIONS

    roles = [role for role, perms in ROLE_PERMISSIONS.items() if "cases.dispatch_case" in perms]
    area = case.responsible_area
    codes = area.path.strip("/").split("/")
    return list(
        RoleAssignment.objects.active()
        .filter(role__in=roles, area__code__in=codes)
        .values_list("user_id", flat=True)
        .distinct()
    )


def dispatchers_by_area(areas: Iterable[Area]) -> dict[int, list[int]]:
    """``_dispatchers`` for the cases of many responsible areas in one query (the sweep's
    chunks): area id → the users who may dispatch there."""
    from gongzhi.accounts.models import RoleAssignment
    from gongzhi.accounts.roles import ROLE_PERMISSIONS

    roles = [role for role, perms in ROLE_PERMISSIONS.items() if "cases.dispatch_case" in perms]
    codes_of = {area.pk: area.path.strip("/").split("/") for area in areas}
    wanted = {code for codes in codes_of.values() for code in codes}
    if not wanted:
        return {}
    holders: dict[str, set[int]] = {}
    for code, user_id in (
        RoleAssignment.objects.active()
        .filter(role__in=roles, area__code__in=wanted)
        .values_list("area__code", "user_id")
        .distinct()
    ):
        holders.setdefault(code, set()).add(user_id)
    return {
        pk: sorted({user for code in codes for user in holders.get(code, ())})
        for pk, codes in codes_of.items()
    }


def _unit_members(case: Case) -> list[int]:
    if case.handling_unit_id is None:
        return []
    return list(case.handling_unit.members.values_list("pk", flat=True))


# ---------------------------------------------------------------------------------------------
# Transitions


def _transition(
    case: Case,
    action: str,
    *,
    by: Any,
    note: str = "",
    photos: Iterable[Any] = (),
    photo_phase: str | None = None,
    photos_required: bool = False,
    data: dict | None = None,
    check: Callable[[Case], None] | None = None,
    mutate: Callable[[Case, datetime.datetime, WorkCalendar], list[str]] | None = None,
    expected_version: int | None = None,
    now: datetime.datetime | None = None,
    actor_label: str = "",
    event_action: str | None = None,
) -> Case:
    allowed_from, target = ALLOWED_TRANSITIONS[action]
    processed = process_photos(photos, required=photos_required) if photo_phase else []
    now = now or timezone.now()
    calendar = WorkCalendar()
    with transaction.atomic():
        locked = (
            # of=("self",): PostgreSQL refuses FOR UPDATE on the nullable side of the outer
            # join to handling_unit; only the case row needs the lock.
            Case.objects.select_for_update(of=("self",))
            .select_related("category", "grid", "responsible_area", "handling_unit")
            .get(pk=case.pk)
        )
        if expected_version is not None and locked.version != expected_version:
            raise Conflict(
                _("事件已被他人更新（版本 %(v)s），请刷新后再操作。") % {"v": locked.version},
                code="stale_version",
            )
        if locked.status not in allowed_from:
            raise InvalidTransition(
                _("事件当前状态为“%(status)s”，不能执行“%(action)s”。")
                % {"status": locked.get_status_display(), "action": CaseAction(action).label}
            )
        if check is not None:
            check(locked)
        from_status = locked.status
        fields = ["version", "updated_at"]
        if target is not None and target != locked.status:
            locked.status = target
            fields.append("status")
        if mutate is not None:
            fields += mutate(locked, now, calendar)
        if target is not None and "stage_deadline" not in fields:
            fields += _set_stage_clock(locked, now, calendar)
        locked.version += 1
        locked.save(update_fields=sorted(set(fields)))
        event = CaseEvent.objects.create(
            case=locked,
            action=event_action or action,
            from_status=from_status,
            to_status=locked.status,
            level=locked.level,
            actor=by if getattr(by, "pk", None) else None,
            actor_label=actor_label or _actor_label(by),
            note=(note or "").strip(),
            data=data or {},
            created_at=now,
        )
        if processed:
            _store(processed, case=locked, event=event, phase=photo_phase, by=by)
    return locked


def register_case(case: Case, *, by: Any, note: str = "", **kw: Any) -> Case:
    """立案: accept a reported case for handling; the dispatch clock and the close deadline start."""

    def check(c: Case) -> None:
        _require(may_dispatch(by, c), _("您无权为该事件立案。"))

    def mutate(c: Case, now, calendar) -> list[str]:
        c.registered_at = now
        c.due_at = _close_deadline(c, now, calendar)
        # Keep the dispatch stage's deadline: the on-time dispatch rate compares against it
        # after the stage clock has moved on.
        fields = _set_stage_clock(c, now, calendar)
        c.dispatch_deadline = c.stage_deadline
        return ["registered_at", "due_at", "dispatch_deadline", *fields]

    return _transition(case, CaseAction.REGISTER, by=by, note=note, check=check, mutate=mutate, **kw)


def reject_case(case: Case, *, by: Any, reason: str, **kw: Any) -> Case:
    """不予立案 with a reason (required). The reporter is notified."""
    if not (reason or "").strip():
        raise DomainError(_("请填写不予立案的理由。"), field="reason")

    def check(c: Case) -> None:
        _require(may_dispatch(by, c), _("您无权处理该事件。"))

    case = _transition(case, CaseAction.REJECT, by=by, note=reason, check=check, **kw)
    notify(
        [case.reporter_id],
        verb="case_rejected",
        text=_("您上报的事件 %(n)s 不予立案：%(r)s") % {"n": case.number, "r": reason},
        url=case_url(case),
    )
    return case


def unit_serves(unit: HandlingUnit, case: Case) -> bool:
    """A unit may take a case when it serves the case's grid (a street department serves all
    its grids) or works inside the area now responsible for the case."""
    return case.grid.path.startswith(unit.area.path) or unit.area.path.startswith(case.responsible_area.path)


def dispatch_case(case: Case, *, to: HandlingUnit, by: Any, note: str = "", **kw: Any) -> Case:
    """派遣 to a handling unit serving the case's area. The unit's members are notified."""

    def check(c: Case) -> None:
        _require(may_dispatch(by, c), _("您无权派遣该事件。"))
        if not to.is_active:
            raise DomainError(_("处置单位“%(name)s”已停用。") % {"name": to.name}, field="unit")
        if not unit_serves(to, c):
            raise DomainError(
                _("处置单位“%(name)s”不服务于该事件所在区域，请选择本区域的单位。") % {"name": to.name},
                field="unit",
            )

    def mutate(c: Case, now, calendar) -> list[str]:
        c.handling_unit = to
        c.dispatched_at = now
        fields = ["handling_unit", "dispatched_at"]
        if c.due_at is None:
            c.due_at = _close_deadline(c, now, calendar)
            fields.append("due_at")
        return fields

    case = _transition(
        case,
        CaseAction.DISPATCH,
        by=by,
        note=note,
        check=check,
        mutate=mutate,
        data={"unit": to.pk, "unit_name": to.name},
        **kw,
    )
    notify(
        _unit_members(case),
        verb="case_dispatched",
        text=_("新派遣事件：%(n)s %(c)s") % {"n": case.number, "c": case.category.name},
        url=case_url(case),
    )
    return case


def accept_case(case: Case, *, by: Any, note: str = "", **kw: Any) -> Case:
    """接收: the handling unit takes the case on; the handling clock starts."""

    def check(c: Case) -> None:
        _require(may_handle(by, c), _("只有被派遣的处置单位成员可以接收该事件。"))

    def mutate(c: Case, now, calendar) -> list[str]:
        c.accepted_at = now
        fields = ["accepted_at", *_set_stage_clock(c, now, calendar)]
        c.handle_deadline = c.stage_deadline
        return [*fields, "handle_deadline"]

    return _transition(case, CaseAction.ACCEPT, by=by, note=note, check=check, mutate=mutate, **kw)


def feedback_case(case: Case, *, by: Any, result: str, photos: Iterable[Any] = (), **kw: Any) -> Case:
    """反馈: the unit reports the result (text required, photos optional); verification starts."""
    if not (result or "").strip():
        raise DomainError(_("请填写处置结果。"), field="result")

    def check(c: Case) -> None:
        _require(may_handle(by, c), _("只有被派遣的处置单位成员可以反馈。"))

    def mutate(c: Case, now, calendar) -> list[str]:
        c.fed_back_at = now
        fields = ["fed_back_at", *_set_stage_clock(c, now, calendar)]
        c.verify_deadline = c.stage_deadline
        return [*fields, "verify_deadline"]

    case = _transition(
        case,
        CaseAction.FEEDBACK,
        by=by,
        note=result,
        photos=photos,
        photo_phase=PhotoPhase.FEEDBACK,
        check=check,
        mutate=mutate,
        **kw,
    )
    recipients = [case.reporter_id, *_grid_verifiers(case)]
    notify(
        recipients,
        verb="case_fed_back",
        text=_("事件 %(n)s 已处置，请现场核查。") % {"n": case.number},
        url=case_url(case),
    )
    return case


def _grid_verifiers(case: Case) -> list[int]:
    from gongzhi.accounts.models import RoleAssignment
    from gongzhi.accounts.roles import Role

    return list(
        RoleAssignment.objects.active()
        .filter(role=Role.GRID_MEMBER, area=case.grid)
        .values_list("user_id", flat=True)
    )


def _closing(c: Case, now: datetime.datetime) -> list[str]:
    c.closed_at = now
    c.resolved_level = c.level
    c.is_supervised = False
    return ["closed_at", "resolved_level", "is_supervised"]


def verify_case(
    case: Case, *, by: Any, passed: bool = True, note: str = "", photos: Iterable[Any] = (), **kw: Any
) -> Case:
    """核查: on site, by the reporter or a grid member. Pass → closed (结案) at the current
    level; fail → rework (返工) back to the handling unit, which is notified."""
    if not passed:
        return rework_case(case, by=by, note=note, photos=photos, **kw)

    def check(c: Case) -> None:
        _require(may_verify(by, c), _("只有上报人或本网格的网格员可以核查。"))

    def mutate(c: Case, now, calendar) -> list[str]:
        c.verified_at = now
        c.verified_by = by if getattr(by, "pk", None) else None
        return ["verified_at", "verified_by", *_closing(c, now)]

    case = _transition(
        case,
        CaseAction.VERIFY,
        by=by,
        note=note,
        photos=photos,
        photo_phase=PhotoPhase.VERIFY,
        check=check,
        mutate=mutate,
        **kw,
    )
    notify(
        [case.reporter_id, *_unit_members(case)],
        verb="case_closed",
        text=_("事件 %(n)s 已结案。") % {"n": case.number},
        url=case_url(case),
    )
    return case


def rework_case(case: Case, *, by: Any, note: str, photos: Iterable[Any] = (), **kw: Any) -> Case:
    """返工: verification failed; back to handling with a note saying what is still wrong."""
    if not (note or "").strip():
        raise DomainError(_("请说明核查不通过的原因，以便处置单位返工。"), field="note")

    def check(c: Case) -> None:
        _require(may_verify(by, c), _("只有上报人或本网格的网格员可以核查。"))

    def mutate(c: Case, now, calendar) -> list[str]:
        c.rework_count += 1
        fields = ["rework_count", *_set_stage_clock(c, now, calendar)]
        c.handle_deadline = c.stage_deadline
        return [*fields, "handle_deadline"]

    case = _transition(
        case,
        CaseAction.REWORK,
        by=by,
        note=note,
        photos=photos,
        photo_phase=PhotoPhase.VERIFY,
        check=check,
        mutate=mutate,
        **kw,
    )
    notify(
        _unit_members(case),
        verb="case_rework",
        text=_("事件 %(n)s 核查不通过，需返工：%(note)s") % {"n": case.number, "note": note},
        url=case_url(case),
    )
    return case


def close_case(case: Case, *, by: Any, note: str = "", **kw: Any) -> Case:
    """结案 by a dispatcher without an on-site check (e.g. the reporter confirmed by phone)."""

    def check(c: Case) -> None:
        _require(may_dispatch(by, c), _("您无权结案。"))

    case = _transition(
        case,
        CaseAction.CLOSE,
        by=by,
        note=note,
        check=check,
        mutate=lambda c, now, cal: _closing(c, now),
        **kw,
    )
    notify(
        [case.reporter_id],
        verb="case_closed",
        text=_("事件 %(n)s 已结案。") % {"n": case.number},
        url=case_url(case),
    )
    return case


def escalation_areas(cases: Iterable[Case]) -> dict[str, Area]:
    """The areas ``cases`` escalate to (one level up, on each grid's path), by code, in one
    query whatever the number of cases: the look-up ``apply_escalation`` needs."""
    levels: set[str] = set()
    codes: set[str] = set()
    for case in cases:
        level = next_level(case.level)
        if level is not None:
            levels.add(level)
            codes.update(case.grid.path.strip("/").split("/"))
    if not levels:
        return {}
    return {area.code: area for area in Area.objects.filter(code__in=codes, level__in=levels)}


def apply_escalation(
    case: Case, *, now: datetime.datetime, calendar: WorkCalendar, areas: dict[str, Area]
) -> list[str]:
    """The rule of 上报, applied to ``case`` in memory (nothing is written): the next level
    up, the area at that level containing the grid (from ``areas``, see ``escalation_areas``),
    no handling unit, and the new level's close deadline and dispatch clock. The case must
    already be in the status escalation leads to. Returns the fields it changed.

    The one copy of the rule: ``escalate_case`` applies it to one locked case, the sweep to a
    chunk of locked cases before writing them in bulk. Raises InvalidTransition at district
    level (nowhere higher to go), DomainError when the area tree lacks the area above;
    either way before changing anything."""
    level = next_level(case.level)
    if level is None:
        raise InvalidTransition(_("事件已在区级，无法继续上报。"))
    area = responsible_area_for(case.grid, level, areas)
    case.level = level
    case.responsible_area = area
    case.handling_unit = None
    case.escalation_count += 1
    case.registered_at = case.registered_at or now
    case.due_at = _close_deadline(case, now, calendar)
    # The new level dispatches again, against its own dispatch deadline.
    fields = _set_stage_clock(case, now, calendar)
    case.dispatch_deadline = case.stage_deadline
    return [
        "level",
        "responsible_area",
        "handling_unit",
        "escalation_count",
        "registered_at",
        "due_at",
        "dispatch_deadline",
        *fields,
    ]


def escalation_actor_label(automatic: bool) -> str:
    """Who the timeline names for an escalation nobody made (超期自动上报), else ""."""
    return _("系统（超期自动上报）") if automatic else ""


def escalation_notice(case: Case) -> str:
    """The escalated case's notice to its new level's dispatchers."""
    return _("事件 %(n)s 已上报至%(level)s，请派遣。") % {"n": case.number, "level": case.get_level_display()}


def escalate_case(case: Case, *, by: Any, note: str, automatic: bool = False, **kw: Any) -> Case:
    """上报: hand the case to the next level up (grid → community → street → district). The
    handling unit is cleared, limits of the new level apply (``apply_escalation``), its
    dispatchers are notified. Raises InvalidTransition at district level (nowhere higher to
    go), DomainError when the area tree lacks the area above. The sweep escalates overdue
    cases in bulk by the same rule (``gongzhi.cases.sweep``)."""
    if not automatic and not (note or "").strip():
        raise DomainError(_("请说明上报原因（本级为何无法解决）。"), field="note")

    def check(c: Case) -> None:
        if not automatic:
            _require(
                may_dispatch(by, c)
                or (c.level == CaseLevel.GRID and can(by, "cases.resolve_on_site", c.grid)),
                _("您无权上报该事件。"),
            )

    def mutate(c: Case, now, calendar) -> list[str]:
        return apply_escalation(c, now=now, calendar=calendar, areas=escalation_areas([c]))

    case = _transition(
        case,
        CaseAction.ESCALATE,
        by=by,
        note=note,
        check=check,
        mutate=mutate,
        actor_label=escalation_actor_label(automatic),
        event_action=CaseAction.AUTO_ESCALATE if automatic else None,
        data={"automatic": automatic},
        **kw,
    )
    notify(_dispatchers(case), verb="case_escalated", text=escalation_notice(case), url=case_url(case))
    return case


def extend_case(case: Case, *, by: Any, hours: float, reason: str, **kw: Any) -> Case:
    """延期: a dispatcher grants extra working hours to the current stage and the close deadline
    (on their own decision, or granting the unit's pending request, which it clears)."""
    _check_extension_input(hours, reason)

    def check(c: Case) -> None:
        _require(may_dispatch(by, c), _("您无权批准延期。"))

    def mutate(c: Case, now, calendar) -> list[str]:
        base = max(c.stage_deadline or now, now)
        c.stage_deadline = calendar.add_working_hours(base, hours)
        c.yellow_at = calendar.add_working_hours(
            now, calendar.working_hours_between(now, c.stage_deadline) * settings.GONGZHI_YELLOW_SHARE
        )
        c.warning = Warning.NONE
        c.due_at = calendar.add_working_hours(max(c.due_at or now, now), hours)
        c.extension_count += 1
        c.requested_extension_hours = None
        c.requested_extension_reason = ""
        fields = [
            "stage_deadline",
            "yellow_at",
            "warning",
            "due_at",
            "extension_count",
            "requested_extension_hours",
            "requested_extension_reason",
        ]
        if c.status == CaseStatus.HANDLING:
            c.handle_deadline = c.stage_deadline
            fields.append("handle_deadline")
        return fields

    case = _transition(
        case, CaseAction.EXTEND, by=by, note=reason, check=check, mutate=mutate, data={"hours": hours}, **kw
    )
    notify(
        _unit_members(case),
        verb="case_extended",
        text=_("事件 %(n)s 已延期 %(h)s 个工作小时。") % {"n": case.number, "h": hours},
        url=case_url(case),
    )
    return case


def request_extension(case: Case, *, by: Any, hours: float, reason: str, **kw: Any) -> Case:
    """申请延期: the handling unit asks for more working hours; dispatchers are notified and
    grant it (``extend_case``) or decline it (``decline_extension``). One request at a time."""
    _check_extension_input(hours, reason)

    def check(c: Case) -> None:
        _require(may_handle(by, c), _("只有被派遣的处置单位成员可以申请延期。"))
        if c.requested_extension_hours is not None:
            raise Conflict(_("已有一份待审批的延期申请，请等待调度员处理。"))

    def mutate(c: Case, now, calendar) -> list[str]:
        c.requested_extension_hours = hours
        c.requested_extension_reason = reason.strip()[:200]
        return ["requested_extension_hours", "requested_extension_reason"]

    case = _transition(
        case,
        CaseAction.REQUEST_EXTENSION,
        by=by,
        note=reason,
        check=check,
        mutate=mutate,
        data={"hours": hours},
        **kw,
    )
    notify(
        _dispatchers(case),
        verb="extension_requested",
        text=_("事件 %(n)s 申请延期 %(h)s 个工作小时：%(r)s") % {"n": case.number, "h": hours, "r": reason},
        url=case_url(case),
    )
    return case


def decline_extension(case: Case, *, by: Any, reason: str, **kw: Any) -> Case:
    """驳回延期申请 with a reason; the deadline stays and the unit is notified."""
    if not (reason or "").strip():
        raise DomainError(_("请填写驳回理由。"), field="reason")

    def check(c: Case) -> None:
        _require(may_dispatch(by, c), _("您无权审批延期申请。"))
        if c.requested_extension_hours is None:
            raise InvalidTransition(_("该事件没有待审批的延期申请。"))

    def mutate(c: Case, now, calendar) -> list[str]:
        c.requested_extension_hours = None
        c.requested_extension_reason = ""
        return ["requested_extension_hours", "requested_extension_reason"]

    case = _transition(
        case, CaseAction.DECLINE_EXTENSION, by=by, note=reason, check=check, mutate=mutate, **kw
    )
    notify(
        _unit_members(case),
        verb="extension_declined",
        text=_("事件 %(n)s 的延期申请未获批准：%(r)s") % {"n": case.number, "r": reason},
        url=case_url(case),
    )
    return case


def _check_extension_input(hours: float, reason: str) -> None:
    if not hours or hours <= 0 or hours > 24 * 30:
        raise DomainError(_("延期时长应为 1–720 个工作小时。"), field="hours")
    if not (reason or "").strip():
        raise DomainError(_("请填写延期理由。"), field="reason")


def defer_case(case: Case, *, by: Any, reason: str, **kw: Any) -> Case:
    """缓办/挂账: park a case that cannot be solved now (the clock stops; no close deadline)."""
    if not (reason or "").strip():
        raise DomainError(_("请填写缓办（挂账）理由。"), field="reason")

    def check(c: Case) -> None:
        _require(may_dispatch(by, c), _("您无权批准缓办。"))

    def mutate(c: Case, now, calendar) -> list[str]:
        c.due_at = None
        return ["due_at"]

    return _transition(case, CaseAction.DEFER, by=by, note=reason, check=check, mutate=mutate, **kw)


def supervise_case(case: Case, *, by: Any, note: str, **kw: Any) -> Case:
    """督办: a leader flags the case with a note that reaches the handler (or dispatchers)."""
    if not (note or "").strip():
        raise DomainError(_("请填写督办意见。"), field="note")

    def check(c: Case) -> None:
        _require(may_supervise(by, c), _("您无权督办该事件。"))

    def mutate(c: Case, now, calendar) -> list[str]:
        c.is_supervised = True
        return ["is_supervised"]

    case = _transition(case, CaseAction.SUPERVISE, by=by, note=note, check=check, mutate=mutate, **kw)
    recipients = _unit_members(case) or _dispatchers(case)
    notify(
        recipients,
        verb="case_supervised",
        text=_("督办：事件 %(n)s —— %(note)s") % {"n": case.number, "note": note},
        url=case_url(case),
    )
    return case


def evaluate_case(
    case: Case, *, satisfaction: str, by: Any = None, note: str = "", via_token: bool = False, **kw: Any
) -> Case:
    """评价: the reporter rates the result after close (once). ``via_token`` is the public
    tracking page, which proves being the reporter by holding the case's tracking token."""
    if satisfaction not in Satisfaction.values:
        raise DomainError(_("满意度应为：满意、基本满意或不满意。"), field="satisfaction")

    def check(c: Case) -> None:
        if c.evaluated_at is not None:
            raise Conflict(_("该事件已评价过。"))
        if not via_token:
            _require(by is not None and c.reporter_id == by.pk, _("只有上报人可以评价。"))

    def mutate(c: Case, now, calendar) -> list[str]:
        c.satisfaction = satisfaction
        c.evaluated_at = now
        return ["satisfaction", "evaluated_at"]

    return _transition(
        case,
        CaseAction.EVALUATE,
        by=by,
        note=note,
        check=check,
        mutate=mutate,
        data={"satisfaction": satisfaction},
        actor_label=_("上报人") if via_token else "",
        **kw,
    )


def resolve_on_site(case: Case, *, by: Any, note: str, photos: Iterable[Any], **kw: Any) -> Case:
    """自处置: a grid member fixes a small matter they reported, with an "after" photo; the
    case closes at grid level (小事不出网格)."""

    def check(c: Case) -> None:
        _require(
            c.reporter_id == getattr(by, "pk", None) and can(by, "cases.resolve_on_site", c.grid),
            _("只有上报该事件的网格员可以现场自处置。"),
        )
        if c.level != CaseLevel.GRID:
            raise InvalidTransition(_("事件已上报到上级，不能再现场自处置。"))

    def mutate(c: Case, now, calendar) -> list[str]:
        c.registered_at = c.registered_at or now
        c.due_at = now
        c.verified_at = now
        c.verified_by = by
        return ["registered_at", "due_at", "verified_at", "verified_by", *_closing(c, now)]

    return _transition(
        case,
        CaseAction.RESOLVE_ON_SITE,
        by=by,
        note=note,
        photos=photos,
        photo_phase=PhotoPhase.ON_SITE,
        photos_required=True,
        check=check,
        mutate=mutate,
        **kw,
    )


def merge_case(case: Case, *, into: Case, by: Any, note: str = "", **kw: Any) -> Case:
    """Merge a duplicate into an open case of the same category; the duplicate ends as MERGED."""
    if into.pk == case.pk:
        raise DomainError(_("不能把事件合并到它自己。"), field="into")
    if into.status not in OPEN_STATUSES:
        raise DomainError(_("只能合并到未结案的事件。"), field="into")
    if into.merged_into_id == case.pk:
        raise DomainError(_("目标事件已合并到本事件，不能反向合并。"), field="into")

    def check(c: Case) -> None:
        _require(may_dispatch(by, c) and may_dispatch(by, into), _("您无权合并这两个事件。"))

    def mutate(c: Case, now, calendar) -> list[str]:
        c.merged_into = into
        return ["merged_into"]

    return _transition(
        case,
        CaseAction.MERGE,
        by=by,
        note=note,
        check=check,
        mutate=mutate,
        data={"into": into.pk, "into_number": into.number},
        **kw,
    )


# ---------------------------------------------------------------------------------------------
# Duplicates, campaigns, idempotency


DUPLICATE_LIMIT = 10
# What the report's answer and the pages show of a possible duplicate: reading no more keeps each
# report's duplicate check to a few narrow rows.
DUPLICATE_FIELDS = ("id", "number", "description", "status", "reported_at", "lat", "lng", "category__code")


def possible_duplicates(
    *,
    category: CaseCategory,
    lat: float | None,
    lng: float | None,
    exclude: Case | None = None,
    radius_m: float | None = None,
    among: QuerySet[Case] | None = None,
    limit: int = DUPLICATE_LIMIT,
) -> list[Case]:
    """The nearest ``limit`` open cases of the same category within the configured distance,
    nearest first (``among``: only these, e.g. the cases a caller may see).

    Capped on purpose: a reporter or dispatcher acts on the closest few (the same pothole
    reported again), while listing every open case of a busy spot — up to 200 before — made
    each report slow (bench R1) without helping anyone decide. The database does the work: a
    bounding box on the ``(lat, lng)`` index, ordered by the planar distance (exact enough at
    this scale to rank), LIMIT a few more than asked; the exact great-circle distance then
    drops the box's corners beyond the radius.
    """
    if lat is None or lng is None:
        return []
    radius = radius_m if radius_m is not None else settings.GONGZHI_DUPLICATE_RADIUS_M
    min_lat, max_lat, min_lng, max_lng = bounding_box(lat, lng, radius)
    candidates = (
        (among if among is not None else Case.objects.all())
        .open()
        .filter(category=category, lat__range=(min_lat, max_lat), lng__range=(min_lng, max_lng))
    )
    if exclude is not None:
        candidates = candidates.exclude(pk=exclude.pk)
    # Squared planar distance in degrees, a degree of longitude shrunk by cos(latitude).
    shrink = math.cos(math.radians(lat)) ** 2
    planar = (F("lat") - lat) * (F("lat") - lat) + (F("lng") - lng) * (F("lng") - lng) * shrink
    rows = (
        candidates.select_related("category")
        .only(*DUPLICATE_FIELDS)
        .annotate(planar_distance=ExpressionWrapper(planar, output_field=FloatField()))
        .order_by("planar_distance", "-reported_at", "pk")[:limit]
    )
    return [c for c in rows if distance_m(lat, lng, c.lat, c.lng) <= radius]


def create_campaign(
    *,
    name: str,
    area: Area,
    start_date: datetime.date,
    by: Any,
    description: str = "",
    end_date: datetime.date | None = None,
) -> Campaign:
    """Open a special clean-up (专项整治) in an area the actor may dispatch in."""
    _require(can(by, "cases.dispatch_case", area), _("您无权在该区域发起专项整治。"))
    if not (name or "").strip():
        raise DomainError(_("请填写专项整治名称。"), field="name")
    if end_date and end_date < start_date:
        raise DomainError(_("结束日期不能早于开始日期。"), field="end_date")
    return Campaign.objects.create(
        name=name.strip(),
        area=area,
        start_date=start_date,
        end_date=end_date,
        description=description,
        created_by=by,
    )


def add_to_campaign(case: Case, *, campaign: Campaign, by: Any) -> Case:
    if not case.grid.path.startswith(campaign.area.path):
        raise DomainError(_("事件不在该专项整治的区域内。"), field="campaign")
    _require(may_dispatch(by, case), _("您无权调整该事件。"))
    with transaction.atomic():
        Case.objects.filter(pk=case.pk).update(campaign=campaign)
        CaseEvent.objects.create(
            case=case,
            action=CaseAction.CAMPAIGN,
            from_status=case.status,
            to_status=case.status,
            level=case.level,
            actor=by,
            actor_label=str(by),
            note=campaign.name,
            data={"campaign": campaign.pk},
            created_at=timezone.now(),
        )
    case.campaign = campaign
    return case


def _works_inside(user: Any, area: Area) -> bool:
    """Whether the user reports or dispatches anywhere inside ``area`` (a grid member of G1
    takes part in the clean-up of the street G1 lies in)."""
    if can(user, "cases.add_case", area) or can(user, "cases.dispatch_case", area):
        return True
    return any(
        root.startswith(area.path)
        for perm in ("cases.add_case", "cases.dispatch_case")
        for root in jurisdiction_paths(user, perm)
    )


def post_campaign_update(campaign: Campaign, *, by: Any, text: str, photo: Any = None) -> CampaignPost:
    """A progress message with an optional photo in the campaign's live feed."""
    _require(
        _works_inside(by, campaign.area),
        _("您无权在该专项整治中发布动态。"),
    )
    if not (text or "").strip():
        raise DomainError(_("请填写动态内容。"), field="text")
    processed = process_photos([photo]) if photo else []
    with transaction.atomic():
        stored = (
            store_photo(processed[0], campaign=campaign, phase=PhotoPhase.CAMPAIGN, uploaded_by=by)
            if processed
            else None
        )
        return CampaignPost.objects.create(campaign=campaign, author=by, text=text.strip(), photo=stored)


def request_fingerprint(payload: dict[str, Any]) -> str:
    return hashlib.sha256(
        json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False).encode()
    ).hexdigest()


def create_idempotently(
    *,
    scope: str,
    key: str | None,
    payload: dict[str, Any],
    create: Callable[[], Case],
    claimed: bool = False,
) -> tuple[Case, bool]:
    """Run ``create`` once per (scope, key). Returns (case, created). The same key with a
    different payload raises DomainError (422). Without a key, always creates.

    ``claimed``: the caller already holds this key in the request-level layer
    (``core.idempotency``, which answers replays and refuses other bodies before we get here),
    so the look-up first is skipped; the unique insert still catches the one case that layer
    lets through (its record expired, ours never does) and answers with the first case."""
    if not key:
        return create(), True
    if len(key) > 128:
        raise DomainError(_("Idempotency-Key 不能超过 128 个字符。"), field="Idempotency-Key")
    fingerprint = request_fingerprint(payload)

    def existing() -> tuple[Case, bool] | None:
        row = IdempotencyKey.objects.filter(scope=scope, key=key).select_related("case").first()
        if row is None:
            return None
        if row.request_hash != fingerprint:
            err = DomainError(
                _("该 Idempotency-Key 已用于另一个内容不同的请求；重试请用相同内容，新请求请换一个新键。"),
                code="idempotency_key_reused",
            )
            err.status_code = 422
            raise err
        return row.case, False

    found = None if claimed else existing()
    if found:
        return found
    try:
        with transaction.atomic():
            case = create()
            IdempotencyKey.objects.create(scope=scope, key=key, request_hash=fingerprint, case=case)
    except IntegrityError:
        # A concurrent retry with the same key won the race: answer with its case.
        found = existing()
        if found:
            return found
        raise
    return case, True
