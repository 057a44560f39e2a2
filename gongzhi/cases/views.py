"""Case pages for staff: the mobile report form, my cases, the dispatcher queue, a case with
its timeline and the actions the user may take, the supervision board, campaigns, KPIs and
the notifications inbox.

Every query starts from ``Case.objects.visible_to(request.user)``: a case outside the
jurisdiction answers 404, the same as one that does not exist. Every change is a call to
``gongzhi.cases.services``; a refused call (DomainError) is shown on the form that made it.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.dateparse import parse_date
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from gongzhi.accounts.roles import Role
from gongzhi.areas.choices import AreaLevel
from gongzhi.areas.geo import locate_grid
from gongzhi.areas.models import Area
from gongzhi.cases import forms as case_forms
from gongzhi.cases import services
from gongzhi.cases.calendar import WorkCalendar
from gongzhi.cases.choices import (
    ALLOWED_TRANSITIONS,
    OPEN_STATUSES,
    CaseAction,
    CaseLevel,
    CaseSource,
    CaseStatus,
    Warning,
    next_level,
)
from gongzhi.cases.models import Campaign, CampaignPost, Case, CaseEvent, CasePhoto, HandlingUnit, PhotoPhase
from gongzhi.core.area_query import limit_to_area, with_area_field
from gongzhi.core.exceptions import DomainError
from gongzhi.core.scoping import active_assignments, can, in_jurisdiction, jurisdiction_paths, under_paths
from gongzhi.notifications.models import Notification
from gongzhi.notifications.services import mark_read

CASES_PER_PAGE = 20
BOARD_ROWS = 100
FEED_ITEMS = 40
NOTIFICATIONS_PER_PAGE = 30
# The pick map draws the grids the user may report in; past this many it draws none (the
# grid select and GPS still work) rather than ship megabytes of boundaries to a phone.
MAP_GRID_LIMIT = 400


# ---------------------------------------------------------------------------------------------
# Queries shared by the pages


def _listed(queryset: QuerySet[Case]) -> QuerySet[Case]:
    """What a case list shows: names of related rows and the report photos (thumbnails)."""
    return queryset.select_related("category", "grid", "responsible_area", "handling_unit").prefetch_related(
        Prefetch(
            "photos",
            queryset=CasePhoto.objects.filter(phase=PhotoPhase.REPORT).order_by("id"),
            to_attr="report_photos",
        )
    )


def reportable_grids(user: Any) -> QuerySet[Area]:
    return (
        Area.objects.visible_to(user, "cases.add_case")
        .filter(level=AreaLevel.GRID)
        .select_related("parent")
        .order_by("path")
    )


def _map_grids(grids: QuerySet[Area]) -> list[dict[str, Any]]:
    rows = list(grids.filter(boundary__isnull=False).values("code", "name", "boundary")[: MAP_GRID_LIMIT + 1])
    return [] if len(rows) > MAP_GRID_LIMIT else rows


def dispatch_units(user: Any) -> QuerySet[HandlingUnit]:
    """Active units a dispatcher may choose from: those serving an area inside the user's
    dispatch jurisdiction, or one above it (a district department serves every street)."""
    units = HandlingUnit.objects.filter(is_active=True).select_related("area").order_by("area__path", "name")
    if user.is_superuser:
        return units
    roots = jurisdiction_paths(user, "cases.dispatch_case")
    codes = {code for root in roots for code in root.strip("/").split("/")}
    return units.filter(under_paths("area__path", roots) | Q(area__code__in=codes))


def units_serving(case: Case, units: list[HandlingUnit]) -> list[HandlingUnit]:
    """The units worth offering for ``case``: the same test ``services.dispatch_case`` makes
    (a unit serving the grid, or one inside the responsible area), so the select offers only
    what the service will accept. The service still decides."""
    return [u for u in units if services.unit_serves(u, case)]


@dataclass(frozen=True)
class Clock:
    """Time left (or overdue) on a deadline, in working hours."""

    deadline: datetime.datetime
    hours: float

    @property
    def overdue(self) -> bool:
        return self.hours < 0

    @property
    def abs_hours(self) -> float:
        return abs(self.hours)


def clock(deadline: datetime.datetime | None, now: datetime.datetime, calendar: WorkCalendar) -> Clock | None:
    if deadline is None:
        return None
    if deadline >= now:
        return Clock(deadline, calendar.working_hours_between(now, deadline))
    return Clock(deadline, -calendar.working_hours_between(deadline, now))


def _is_htmx_partial(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true" and not request.headers.get(
        "HX-History-Restore-Request"
    )


# ---------------------------------------------------------------------------------------------
# Reporting (the grid member's phone)


@login_required
@permission_required("cases.add_case", raise_exception=True)
def report(request: HttpRequest) -> HttpResponse:
    """Report a case: category, a few words, photos, location (GPS, a tap on the map of the
    user's grids, or a grid). With 现场自处置 ticked, the case is then resolved on the spot."""
    user = request.user
    grids = reportable_grids(user)
    may_resolve = user.has_perm("cases.resolve_on_site")
    form = case_forms.ReportForm(
        request.POST or None, request.FILES or None, grids=grids, may_resolve=may_resolve
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                case = services.report_case(
                    category=data["category"],
                    description=data["description"],
                    source=_source_for(user),
                    by=user,
                    address=data["address"],
                    photos=data["photos"],
                    **form.location(),
                )
            except DomainError as exc:
                form.add_domain_error(exc)
                status = exc.status_code
            else:
                messages.success(request, _("已上报，事件编号 %(number)s。") % {"number": case.number})
                if data.get("on_site"):
                    try:
                        services.resolve_on_site(
                            case,
                            by=user,
                            note=data["on_site_note"] or _("现场已处置"),
                            photos=data["after_photos"],
                        )
                    except DomainError as exc:
                        messages.error(
                            request, _("事件已上报，但现场自处置未完成：%(error)s") % {"error": exc.message}
                        )
                    else:
                        messages.success(request, _("已现场自处置，事件在网格内办结。"))
                return redirect("cases:report_done", pk=case.pk)
    context = {"form": form, "map_grids": _map_grids(grids), "locate_url": reverse("cases:locate")}
    return render(request, "cases/report.html", context, status=status)


# How a signed-in reporter's case is sourced, by the first matching role they hold.
_ROLE_SOURCES = [
    ({Role.GRID_MEMBER, Role.COMMUNITY_WORKER}, CaseSource.GRID_MEMBER),
    ({Role.STREET_ADMIN, Role.DISTRICT_ADMIN}, CaseSource.INSPECTION),
    ({Role.VOLUNTEER}, CaseSource.PARTY_VOLUNTEER),
]


def _source_for(user: Any) -> str:
    roles = {role for role, _path in active_assignments(user)}
    for matching, source in _ROLE_SOURCES:
        if roles & matching:
            return source
    return CaseSource.INSPECTION if user.is_superuser else CaseSource.RESIDENT


@login_required
def report_done(request: HttpRequest, pk: int) -> HttpResponse:
    """After reporting: the case number, possible duplicates, and 自处置 if still possible."""
    case = get_object_or_404(Case.objects.visible_to(request.user).select_related("category", "grid"), pk=pk)
    return render(request, "cases/report_done.html", _done_context(request, case))


def _done_context(request: HttpRequest, case: Case, resolve_form: forms.Form | None = None) -> dict[str, Any]:
    user = request.user
    return {
        "case": case,
        "duplicates": _duplicates(user, case),
        "may_resolve": _may_resolve_on_site(user, case),
        "resolve_form": resolve_form or _build_form(ACTIONS_BY_NAME["resolve_on_site"], case, user),
    }


def _may_resolve_on_site(user: Any, case: Case) -> bool:
    allowed_from = ALLOWED_TRANSITIONS[CaseAction.RESOLVE_ON_SITE][0]
    return (
        case.status in allowed_from
        and case.reporter_id == user.pk
        and case.level == CaseLevel.GRID
        and can(user, "cases.resolve_on_site", case.grid)
    )


def _duplicates(user: Any, case: Case) -> list[Case]:
    """``services.possible_duplicates``, kept to the cases this user may see (in the same query,
    so the user still gets the nearest ones they may see)."""
    return services.possible_duplicates(
        category=case.category, lat=case.lat, lng=case.lng, exclude=case, among=Case.objects.visible_to(user)
    )


@login_required
@require_GET
def locate(request: HttpRequest) -> HttpResponse:
    """htmx: which grid a point falls in (and whether the user may report there)."""
    lat, lng = _float(request.GET.get("lat")), _float(request.GET.get("lng"))
    grid = locate_grid(lat, lng) if lat is not None and lng is not None else None
    context = {
        "grid": grid,
        "asked": lat is not None and lng is not None,
        "allowed": grid is not None and can(request.user, "cases.add_case", grid),
        "public": False,
    }
    return render(request, "cases/_locate.html", context)


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------
# My cases


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """Cases I reported, and cases dispatched to the handling units I belong to."""
    user = request.user
    tab = "handling" if request.GET.get("tab") == "handling" else "reported"
    if tab == "handling":
        cases = Case.objects.visible_to(user).filter(
            handling_unit__in=HandlingUnit.objects.filter(members=user).values("pk")
        )
    else:
        cases = Case.objects.visible_to(user).filter(reporter=user)
    page = Paginator(_listed(cases).order_by("-reported_at", "-id"), CASES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "tab": tab,
        "page": page,
        "has_units": user.handling_units.exists(),
        "can_report": user.has_perm("cases.add_case"),
    }
    return render(request, "cases/mine.html", context)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    # The query string goes along: the dashboard links here with ``?under=CODE``.
    target = reverse("cases:queue" if request.user.has_perm("cases.dispatch_case") else "cases:mine")
    query = request.GET.urlencode()
    return redirect(f"{target}?{query}" if query else target)


# ---------------------------------------------------------------------------------------------
# Transitions: one table of what each action needs, shared by the detail page, the queue and
# the board. ``statuses`` come from ALLOWED_TRANSITIONS (the state machine as data) and
# ``may`` from the services' may_* helpers; the service call remains the authority.


class Abilities:
    """What ``user`` may do to ``case``, each answer computed once per request."""

    def __init__(self, user: Any, case: Case) -> None:
        self.user, self.case = user, case

    @cached_property
    def dispatch(self) -> bool:
        return services.may_dispatch(self.user, self.case)

    @cached_property
    def handle(self) -> bool:
        return services.may_handle(self.user, self.case)

    @cached_property
    def verify(self) -> bool:
        return services.may_verify(self.user, self.case)

    @cached_property
    def supervise(self) -> bool:
        return services.may_supervise(self.user, self.case)

    @cached_property
    def escalate(self) -> bool:
        if next_level(self.case.level) is None:
            return False
        return self.dispatch or (
            self.case.level == CaseLevel.GRID and can(self.user, "cases.resolve_on_site", self.case.grid)
        )

    @cached_property
    def resolve(self) -> bool:
        return _may_resolve_on_site(self.user, self.case)

    @cached_property
    def evaluate(self) -> bool:
        return self.case.reporter_id == self.user.pk and self.case.evaluated_at is None


@dataclass(frozen=True)
class ActionSpec:
    name: str
    label: str | Promise
    form_class: type[forms.Form]
    statuses: tuple[str, ...]
    may: Callable[[Abilities], bool]
    run: Callable[[Case, dict[str, Any], Any], Case]
    done: str | Promise
    danger: bool = False
    primary: bool = False
    photos: bool = False


def _version(data: dict[str, Any]) -> dict[str, Any]:
    return {"expected_version": data["version"]} if data.get("version") else {}


def _run_merge(case: Case, data: dict[str, Any], user: Any) -> Case:
    number = (data.get("into") or "").strip()
    target = Case.objects.visible_to(user).filter(number=number).first() if number else None
    if target is None:
        raise DomainError(
            _("没有找到编号为“%(n)s”的事件。") % {"n": number} if number else _("请填写要合并到的事件编号。"),
            field="into",
        )
    return services.merge_case(case, into=target, by=user, note=data["note"], **_version(data))


def _run_campaign(case: Case, data: dict[str, Any], user: Any) -> Case:
    return services.add_to_campaign(case, campaign=data["campaign"], by=user)


def _statuses(action: str) -> tuple[str, ...]:
    return tuple(ALLOWED_TRANSITIONS[action][0])


ACTIONS: list[ActionSpec] = [
    ActionSpec(
        "register",
        gettext_lazy("立案"),
        case_forms.NoteForm,
        _statuses(CaseAction.REGISTER),
        lambda a: a.dispatch,
        lambda c, d, u: services.register_case(c, by=u, note=d["note"], **_version(d)),
        gettext_lazy("事件 %(number)s 已立案。"),
        primary=True,
    ),
    ActionSpec(
        "reject",
        gettext_lazy("不予立案"),
        case_forms.RejectForm,
        _statuses(CaseAction.REJECT),
        lambda a: a.dispatch,
        lambda c, d, u: services.reject_case(c, by=u, reason=d["reason"], **_version(d)),
        gettext_lazy("事件 %(number)s 不予立案。"),
        danger=True,
    ),
    ActionSpec(
        "dispatch",
        gettext_lazy("派遣"),
        case_forms.DispatchForm,
        _statuses(CaseAction.DISPATCH),
        lambda a: a.dispatch,
        lambda c, d, u: services.dispatch_case(c, to=d["unit"], by=u, note=d["note"], **_version(d)),
        gettext_lazy("事件 %(number)s 已派遣。"),
        primary=True,
    ),
    ActionSpec(
        "accept",
        gettext_lazy("接收"),
        case_forms.NoteForm,
        _statuses(CaseAction.ACCEPT),
        lambda a: a.handle,
        lambda c, d, u: services.accept_case(c, by=u, note=d["note"], **_version(d)),
        gettext_lazy("已接收事件 %(number)s，请按期处置。"),
        primary=True,
    ),
    ActionSpec(
        "feedback",
        gettext_lazy("反馈处置结果"),
        case_forms.FeedbackForm,
        _statuses(CaseAction.FEEDBACK),
        lambda a: a.handle,
        lambda c, d, u: services.feedback_case(
            c, by=u, result=d["result"], photos=d["photos"], **_version(d)
        ),
        gettext_lazy("事件 %(number)s 已反馈，等待核查。"),
        primary=True,
        photos=True,
    ),
    ActionSpec(
        "verify",
        gettext_lazy("核查"),
        case_forms.VerifyForm,
        _statuses(CaseAction.VERIFY),
        lambda a: a.verify,
        lambda c, d, u: services.verify_case(
            c, by=u, passed=d["passed"], note=d["note"], photos=d["photos"], **_version(d)
        ),
        gettext_lazy("事件 %(number)s 已核查。"),
        primary=True,
        photos=True,
    ),
    ActionSpec(
        "close",
        gettext_lazy("结案"),
        case_forms.NoteForm,
        _statuses(CaseAction.CLOSE),
        lambda a: a.dispatch,
        lambda c, d, u: services.close_case(c, by=u, note=d["note"], **_version(d)),
        gettext_lazy("事件 %(number)s 已结案。"),
    ),
    ActionSpec(
        "resolve_on_site",
        gettext_lazy("现场自处置"),
        case_forms.ResolveOnSiteForm,
        _statuses(CaseAction.RESOLVE_ON_SITE),
        lambda a: a.resolve,
        lambda c, d, u: services.resolve_on_site(
            c, by=u, note=d["note"] or _("现场已处置"), photos=d["photos"]
        ),
        gettext_lazy("事件 %(number)s 已现场自处置，在网格内办结。"),
        primary=True,
        photos=True,
    ),
    ActionSpec(
        "escalate",
        gettext_lazy("上报上级"),
        case_forms.EscalateForm,
        _statuses(CaseAction.ESCALATE),
        lambda a: a.escalate,
        lambda c, d, u: services.escalate_case(c, by=u, note=d["note"], **_version(d)),
        gettext_lazy("事件 %(number)s 已上报上级。"),
    ),
    ActionSpec(
        "extend",
        gettext_lazy("延期"),
        case_forms.ExtendForm,
        _statuses(CaseAction.EXTEND),
        lambda a: a.dispatch,
        lambda c, d, u: services.extend_case(
            c, by=u, hours=d["hours"] or 0, reason=d["reason"], **_version(d)
        ),
        gettext_lazy("事件 %(number)s 已延期。"),
    ),
    ActionSpec(
        "request_extension",
        gettext_lazy("申请延期"),
        case_forms.ExtendForm,
        _statuses(CaseAction.REQUEST_EXTENSION),
        lambda a: a.handle and a.case.requested_extension_hours is None,
        lambda c, d, u: services.request_extension(
            c, by=u, hours=d["hours"] or 0, reason=d["reason"], **_version(d)
        ),
        gettext_lazy("已为事件 %(number)s 申请延期，等待调度员审批。"),
    ),
    ActionSpec(
        "decline_extension",
        gettext_lazy("驳回延期申请"),
        case_forms.DeferForm,
        _statuses(CaseAction.DECLINE_EXTENSION),
        lambda a: a.dispatch and a.case.requested_extension_hours is not None,
        lambda c, d, u: services.decline_extension(c, by=u, reason=d["reason"], **_version(d)),
        gettext_lazy("已驳回事件 %(number)s 的延期申请。"),
    ),
    ActionSpec(
        "defer",
        gettext_lazy("缓办挂账"),
        case_forms.DeferForm,
        _statuses(CaseAction.DEFER),
        lambda a: a.dispatch,
        lambda c, d, u: services.defer_case(c, by=u, reason=d["reason"], **_version(d)),
        gettext_lazy("事件 %(number)s 已缓办挂账。"),
    ),
    ActionSpec(
        "supervise",
        gettext_lazy("督办"),
        case_forms.SuperviseForm,
        _statuses(CaseAction.SUPERVISE),
        lambda a: a.supervise,
        lambda c, d, u: services.supervise_case(c, by=u, note=d["note"], **_version(d)),
        gettext_lazy("已督办事件 %(number)s。"),
    ),
    ActionSpec(
        "merge",
        gettext_lazy("合并重复事件"),
        case_forms.MergeForm,
        _statuses(CaseAction.MERGE),
        lambda a: a.dispatch,
        _run_merge,
        gettext_lazy("事件 %(number)s 已合并。"),
        danger=True,
    ),
    ActionSpec(
        "campaign",
        gettext_lazy("纳入专项整治"),
        case_forms.CampaignAddForm,
        (*OPEN_STATUSES, CaseStatus.DEFERRED),
        lambda a: a.dispatch,
        _run_campaign,
        gettext_lazy("事件 %(number)s 已纳入专项整治。"),
    ),
    ActionSpec(
        "evaluate",
        gettext_lazy("评价"),
        case_forms.EvaluateForm,
        _statuses(CaseAction.EVALUATE),
        lambda a: a.evaluate,
        lambda c, d, u: services.evaluate_case(
            c, by=u, satisfaction=d["satisfaction"], note=d["note"], **_version(d)
        ),
        gettext_lazy("感谢评价。"),
        primary=True,
    ),
]
ACTIONS_BY_NAME = {spec.name: spec for spec in ACTIONS}


def _campaigns_for(user: Any, case: Case) -> QuerySet[Campaign]:
    """Campaigns the case could join: visible to the user, in an area containing its grid."""
    codes = case.grid.path.strip("/").split("/")
    return Campaign.objects.visible_to(user).filter(area__code__in=codes).exclude(pk=case.campaign_id)


def _build_form(
    spec: ActionSpec,
    case: Case,
    user: Any,
    data: Any = None,
    files: Any = None,
    units: list[HandlingUnit] | None = None,
) -> forms.Form:
    # Several cases' forms share a page (queue, board): ids carry the case.
    kwargs: dict[str, Any] = {"prefix": spec.name, "auto_id": f"c{case.pk}-%s"}
    if data is None:
        kwargs["initial"] = {"version": case.version}
    if spec.form_class is case_forms.DispatchForm:
        kwargs["units"] = units_serving(case, units if units is not None else list(dispatch_units(user)))
    elif spec.form_class is case_forms.CampaignAddForm:
        kwargs["campaigns"] = _campaigns_for(user, case)
    return spec.form_class(data, files, **kwargs)


def _offered(spec: ActionSpec, abilities: Abilities) -> bool:
    return abilities.case.status in spec.statuses and spec.may(abilities)


def case_actions(
    user: Any,
    case: Case,
    *,
    names: tuple[str, ...] | None = None,
    bound: tuple[str, forms.Form] | None = None,
    units: list[HandlingUnit] | None = None,
) -> list[tuple[ActionSpec, forms.Form]]:
    """(spec, form) for each action offered to ``user`` on ``case`` (``bound`` replaces the
    blank form of the action that just failed, so its errors show)."""
    abilities = Abilities(user, case)
    offered = []
    for spec in ACTIONS:
        if names is not None and spec.name not in names:
            continue
        if bound is not None and bound[0] == spec.name:
            offered.append((spec, bound[1]))
        elif _offered(spec, abilities):
            form = _build_form(spec, case, user, units=units)
            if spec.name == "campaign" and not form.fields["campaign"].queryset.exists():
                continue
            offered.append((spec, form))
    return offered


QUEUE_ACTIONS = ("register", "reject", "dispatch", "escalate")


@never_cache
@login_required
@require_POST
def case_action(request: HttpRequest, pk: int, action: str, surface: str = "detail") -> HttpResponse:
    """Run one transition from a form. ``surface`` is where the form was: the detail page
    (redirect back, or show the error there), a queue or board row (htmx: answer that row),
    or the page after reporting (自处置)."""
    user = request.user
    spec = ACTIONS_BY_NAME.get(action)
    if spec is None:
        raise Http404
    case = get_object_or_404(_detail_queryset(user), pk=pk)
    form = _build_form(spec, case, user, request.POST, request.FILES)
    status = 400
    if form.is_valid():
        try:
            updated = spec.run(case, form.cleaned_data, user)
        except DomainError as exc:
            form.add_domain_error(exc)
            status = exc.status_code
        else:
            done = spec.done % {"number": updated.number}
            if surface in ("queue", "board") and _is_htmx_partial(request):
                fresh = _listed(Case.objects.visible_to(user)).get(pk=case.pk)
                return _row_response(request, surface, fresh, notice=done)
            messages.success(request, done)
            if surface in ("queue", "board"):
                return redirect(f"cases:{surface}")
            if surface == "done":
                return redirect("cases:report_done", pk=case.pk)
            return redirect("cases:detail", pk=case.pk)
    if surface in ("queue", "board"):
        if not _is_htmx_partial(request):  # without JavaScript: back to the list, with the reason
            errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
            messages.error(request, f"{case.number}：{'；'.join(errors)}")
            return redirect(f"cases:{surface}")
        fresh = _listed(Case.objects.visible_to(user)).get(pk=case.pk)
        return _row_response(request, surface, fresh, bound=(spec.name, form), status=status)
    if surface == "done":
        return render(request, "cases/report_done.html", _done_context(request, case, form), status=status)
    return render(
        request, "cases/detail.html", _detail_context(request, case, bound=(spec.name, form)), status=status
    )


# ---------------------------------------------------------------------------------------------
# Case detail


def _detail_queryset(user: Any) -> QuerySet[Case]:
    return Case.objects.visible_to(user).select_related(
        "category",
        "category__parent",
        "grid",
        "grid__parent",
        "responsible_area",
        "handling_unit",
        "campaign",
        "merged_into",
        "reporter",
    )


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One case: what, where, state, deadlines, photos, the whole timeline, and the action
    forms the user may use now."""
    case = get_object_or_404(_detail_queryset(request.user), pk=pk)
    return render(request, "cases/detail.html", _detail_context(request, case))


def _detail_context(
    request: HttpRequest, case: Case, bound: tuple[str, forms.Form] | None = None
) -> dict[str, Any]:
    user = request.user
    now = timezone.now()
    calendar = WorkCalendar()
    events = list(case.events.order_by("created_at", "id").prefetch_related("photos"))
    actions = case_actions(user, case, bound=bound)
    abilities = Abilities(user, case)
    map_data = None
    if case.lat is not None and case.lng is not None:
        map_data = {"point": [case.lat, case.lng], "boundary": case.grid.boundary, "label": case.grid.name}
    return {
        "case": case,
        "events": events,
        "report_photos": [p for e in events if e.action == CaseAction.REPORT for p in e.photos.all()],
        "actions": actions,
        "open_action": bound[0] if bound else None,
        "stage_clock": clock(case.stage_deadline, now, calendar) if case.is_open else None,
        "due_clock": clock(case.due_at, now, calendar) if case.is_open else None,
        "grid_linked": can(user, "areas.view_area", case.grid),
        # Reporters' contact details are for those who call back: dispatchers and handlers.
        "show_contact": abilities.dispatch or abilities.handle,
        "duplicates": _duplicates(user, case) if any(s.name == "merge" for s, _f in actions) else [],
        "map_data": map_data,
    }


# ---------------------------------------------------------------------------------------------
# The dispatcher's queue


def _queue_cases(user: Any) -> QuerySet[Case]:
    """Cases whose responsible area lies where the user dispatches (``may_dispatch``)."""
    return Case.objects.visible_to(user).filter(
        in_jurisdiction(user, "cases.dispatch_case", "responsible_area__path")
    )


def _filtered_queue(request: HttpRequest, form: case_forms.QueueFilterForm) -> tuple[QuerySet[Case], str]:
    user = request.user
    cases = _queue_cases(user)
    problem = ""
    data = form.cleaned_data if form.is_valid() else {}
    status = data.get("status")
    cases = (
        cases.filter(status=status)
        if status
        else cases.filter(status__in=[CaseStatus.REPORTED, CaseStatus.REGISTERED])
    )
    if data.get("category"):
        category = data["category"]
        cases = cases.filter(Q(category=category) | Q(category__parent=category))
    if data.get("area"):
        area = Area.objects.visible_to(user, "cases.view_case").filter(code=data["area"].strip()).first()
        if area is None:
            problem = _("没有找到编码为“%(code)s”的区域，或它不在您的管辖范围内。") % {"code": data["area"]}
            cases = cases.none()
        else:
            cases = cases.filter(grid__path__prefix=area.path)
    if data.get("warning"):
        cases = cases.filter(warning=data["warning"])
    if data.get("q"):
        q = data["q"].strip()
        cases = cases.filter(Q(number__icontains=q) | Q(description__icontains=q) | Q(address__icontains=q))
    return cases.order_by("-warning", "stage_deadline", "-id"), problem


@login_required
@permission_required("cases.dispatch_case", raise_exception=True)
def queue(request: HttpRequest) -> HttpResponse:
    """New and registered cases the user may dispatch, filtered, 20 a page, with row actions
    (立案 / 不予立案 / 派遣 / 上报) and bulk dispatch."""
    user = request.user
    # ``?under=CODE`` (the dashboard's link) fills the area filter like ``?area=CODE``.
    form = case_forms.QueueFilterForm(with_area_field(request.GET) or None)
    cases, problem = _filtered_queue(request, form)
    page = Paginator(_listed(cases), CASES_PER_PAGE).get_page(request.GET.get("page"))
    units = list(dispatch_units(user))
    context = {
        "filter_form": form,
        "problem": problem,
        "page": page,
        "rows": _rows(user, list(page.object_list), units),
        "units": units,
        "areas": _area_options(user),
    }
    if _is_htmx_partial(request):
        response = render(request, "cases/_queue_panel.html", context)
    else:
        response = render(request, "cases/queue.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@dataclass
class Row:
    case: Case
    actions: list[tuple[ActionSpec, forms.Form]]
    notice: str = ""
    clock: Clock | None = None


def _rows(user: Any, cases: list[Case], units: list[HandlingUnit]) -> list[Row]:
    return [Row(case, case_actions(user, case, names=QUEUE_ACTIONS, units=units)) for case in cases]


def _area_options(user: Any) -> list[tuple[str, str]]:
    return list(
        Area.objects.visible_to(user, "cases.view_case")
        .filter(level__in=[AreaLevel.COMMUNITY, AreaLevel.GRID])
        .order_by("path")
        .values_list("code", "name")[:500]
    )


def _row_response(
    request: HttpRequest,
    surface: str,
    case: Case,
    *,
    notice: str = "",
    bound: tuple[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    if surface == "board":
        row = Row(case, case_actions(user, case, names=("supervise",), bound=bound), notice=notice)
        row.clock = clock(case.stage_deadline, timezone.now(), WorkCalendar()) if case.is_open else None
        return render(request, "cases/_board_row.html", {"row": row}, status=status)
    row = Row(case, case_actions(user, case, names=QUEUE_ACTIONS, bound=bound), notice=notice)
    return render(request, "cases/_queue_row.html", {"row": row}, status=status)


@never_cache
@login_required
@permission_required("cases.dispatch_case", raise_exception=True)
@require_POST
def queue_bulk(request: HttpRequest) -> HttpResponse:
    """立案 or 派遣 the ticked cases, one service call each; every row reports its result."""
    user = request.user
    ids = [int(v) for v in request.POST.getlist("cases") if v.isdigit()]
    allowed = list(_queue_cases(user).filter(pk__in=ids).values_list("pk", flat=True))
    units = dispatch_units(user)
    # Ticked ids outside the user's queue are dropped unseen (as if they did not exist).
    data = request.POST.copy()
    data.setlist("cases", [str(pk) for pk in allowed])
    bulk = case_forms.BulkForm(data, case_ids=allowed, units=units)
    results: list[tuple[Case, bool, str]] = []
    status = 200
    if bulk.is_valid():
        action, unit = bulk.cleaned_data["action"], bulk.cleaned_data["unit"]
        for case in Case.objects.filter(pk__in=bulk.cleaned_data["cases"]).order_by("id"):
            try:
                if action == "dispatch":
                    updated = services.dispatch_case(case, to=unit, by=user)
                    results.append((updated, True, _("已派遣至%(unit)s") % {"unit": unit.name}))
                else:
                    updated = services.register_case(case, by=user)
                    results.append((updated, True, _("已立案")))
            except DomainError as exc:
                results.append((case, False, str(exc.message)))
    else:
        status = 400
    form = case_forms.QueueFilterForm(with_area_field(request.GET) or None)
    cases, problem = _filtered_queue(request, form)
    page = Paginator(_listed(cases), CASES_PER_PAGE).get_page(request.GET.get("page"))
    unit_list = list(units)
    context = {
        "filter_form": form,
        "problem": problem,
        "page": page,
        "rows": _rows(user, list(page.object_list), unit_list),
        "units": unit_list,
        "areas": _area_options(user),
        "bulk_form": bulk,
        "results": results,
        "succeeded": sum(1 for _c, ok, _m in results if ok),
    }
    template = "cases/_queue_panel.html" if _is_htmx_partial(request) else "cases/queue.html"
    return render(request, template, context, status=status)


# ---------------------------------------------------------------------------------------------
# Supervision board


@login_required
@permission_required("cases.supervise_case", raise_exception=True)
def board(request: HttpRequest) -> HttpResponse:
    """Open cases in the user's supervision jurisdiction that are overdue (red) or nearly due
    (yellow), red first, each with its time left or overdue in working hours."""
    user = request.user
    now = timezone.now()
    calendar = WorkCalendar()
    base = (
        Case.objects.visible_to(user)
        .filter(in_jurisdiction(user, "cases.supervise_case", "grid__path"))
        .filter(status__in=OPEN_STATUSES)
    )
    base, area_context = limit_to_area(base, request, "grid__path", perm="cases.view_case")
    red_q = Q(warning=Warning.RED) | Q(stage_deadline__lte=now)
    yellow_q = Q(warning=Warning.YELLOW) | Q(yellow_at__lte=now)
    red = _listed(base.filter(red_q)).order_by("stage_deadline", "id")
    yellow = _listed(base.filter(yellow_q).exclude(red_q)).order_by("stage_deadline", "id")
    groups = []
    for key, label, queryset in (
        ("red", _("红灯：已超期"), red),
        ("yellow", _("黄灯：即将到期"), yellow),
    ):
        cases = list(queryset[:BOARD_ROWS])
        rows = []
        for case in cases:
            row = Row(case, case_actions(user, case, names=("supervise",)))
            row.clock = clock(case.stage_deadline, now, calendar)
            rows.append(row)
        groups.append({"key": key, "label": label, "rows": rows, "total": queryset.count()})
    context = {"groups": groups, "limit": BOARD_ROWS, **area_context}
    return render(request, "cases/board.html", context)


# ---------------------------------------------------------------------------------------------
# Campaigns


@login_required
@permission_required("cases.view_campaign", raise_exception=True)
def campaign_list(request: HttpRequest) -> HttpResponse:
    """Campaigns in the jurisdiction with their progress; a form to start one."""
    user = request.user
    areas = Area.objects.visible_to(user, "cases.add_campaign").exclude(level=AreaLevel.GRID).order_by("path")
    can_add = user.has_perm("cases.add_campaign")
    form = case_forms.CampaignForm(
        request.POST or None, areas=areas, initial={"start_date": timezone.localdate()}
    )
    status = 200
    if request.method == "POST":
        status = 400
        if not can_add:
            return render(request, "403.html", status=403)
        if form.is_valid():
            data = form.cleaned_data
            try:
                campaign = services.create_campaign(
                    name=data["name"],
                    area=data["area"],
                    start_date=data["start_date"],
                    end_date=data["end_date"],
                    description=data["description"],
                    by=user,
                )
            except DomainError as exc:
                form.add_domain_error(exc)
                status = exc.status_code
            else:
                messages.success(request, _("已发起专项整治“%(name)s”。") % {"name": campaign.name})
                return redirect("cases:campaign", pk=campaign.pk)
    campaigns = (
        Campaign.objects.visible_to(user)
        .select_related("area")
        .annotate(
            total=Count("cases", distinct=True),
            closed=Count("cases", filter=Q(cases__status=CaseStatus.CLOSED), distinct=True),
            open=Count("cases", filter=Q(cases__status__in=OPEN_STATUSES), distinct=True),
        )
        .order_by("-start_date", "name")
    )
    page = Paginator(campaigns, CASES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request, "cases/campaigns.html", {"page": page, "form": form, "can_add": can_add}, status=status
    )


def _campaign_feed(user: Any, campaign: Campaign) -> list[dict[str, Any]]:
    """Posts and the timeline of the campaign's cases, newest first."""
    posts = [
        {"kind": "post", "at": p.created_at, "post": p}
        for p in CampaignPost.objects.filter(campaign=campaign).select_related("author", "photo")[:FEED_ITEMS]
    ]
    events = [
        {"kind": "event", "at": e.created_at, "event": e}
        for e in CaseEvent.objects.filter(
            case__campaign=campaign, case__in=Case.objects.visible_to(user).values("pk")
        )
        .select_related("case")
        .prefetch_related("photos")
        .order_by("-created_at", "-id")[:FEED_ITEMS]
    ]
    return sorted(posts + events, key=lambda item: item["at"], reverse=True)[:FEED_ITEMS]


def _campaign_context(
    request: HttpRequest, campaign: Campaign, post_form: forms.Form | None = None
) -> dict[str, Any]:
    user = request.user
    counts = dict(
        Case.objects.filter(campaign=campaign).order_by().values_list("status").annotate(n=Count("pk"))
    )
    # Closed cases have their own figure (with the share); the other statuses follow it.
    progress = [
        (CaseStatus(s).label, counts[s])
        for s in CaseStatus.values
        if counts.get(s) and s != CaseStatus.CLOSED
    ]
    total = sum(counts.values())
    closed = counts.get(CaseStatus.CLOSED, 0)
    cases = _listed(Case.objects.visible_to(user).filter(campaign=campaign)).order_by("-reported_at")[:50]
    return {
        "campaign": campaign,
        "progress": progress,
        "total": total,
        "closed": closed,
        "closed_pct": round(100 * closed / total) if total else 0,
        "cases": cases,
        "feed": _campaign_feed(user, campaign),
        "can_post": can(user, "cases.add_case", campaign.area)
        or can(user, "cases.dispatch_case", campaign.area),
        "post_form": post_form or case_forms.CampaignPostForm(),
    }


@login_required
@permission_required("cases.view_campaign", raise_exception=True)
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign.objects.visible_to(request.user).select_related("area"), pk=pk)
    return render(request, "cases/campaign.html", _campaign_context(request, campaign))


@login_required
@permission_required("cases.view_campaign", raise_exception=True)
def campaign_feed(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx polling (every 15 s): the feed alone."""
    campaign = get_object_or_404(Campaign.objects.visible_to(request.user), pk=pk)
    return render(request, "cases/_campaign_feed.html", {"feed": _campaign_feed(request.user, campaign)})


@never_cache
@login_required
@permission_required("cases.view_campaign", raise_exception=True)
@require_POST
def campaign_post(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign.objects.visible_to(request.user).select_related("area"), pk=pk)
    form = case_forms.CampaignPostForm(request.POST, request.FILES)
    status = 400
    if form.is_valid():
        try:
            services.post_campaign_update(
                campaign, by=request.user, text=form.cleaned_data["text"], photo=form.cleaned_data["photo"]
            )
        except DomainError as exc:
            form.add_domain_error(exc)
            status = exc.status_code
        else:
            messages.success(request, _("已发布进展。"))
            return redirect("cases:campaign", pk=campaign.pk)
    return render(request, "cases/campaign.html", _campaign_context(request, campaign, form), status=status)


# ---------------------------------------------------------------------------------------------
# KPIs


@login_required
@permission_required("cases.view_kpis", raise_exception=True)
def kpis(request: HttpRequest) -> HttpResponse:
    """The KPIs of one area in the jurisdiction for a period (default: this month so far)."""
    user = request.user
    areas = Area.objects.visible_to(user, "cases.view_kpis").order_by("path")
    code = request.GET.get("under", "").strip()
    if code:
        area = get_object_or_404(areas, code=code)
    else:
        area = areas.order_by("depth", "path").first()
        if area is None:
            raise Http404
    today = timezone.localdate()
    start = parse_date(request.GET.get("from", "") or "") or today.replace(day=1)
    end = parse_date(request.GET.get("to", "") or "") or today
    problem = ""
    if end < start:
        problem = _("结束日期不能早于开始日期。")
        start, end = end, start
    rows: list[Any] = []
    missing = False
    try:
        from gongzhi.cases.kpis import compute_kpis
    except ImportError:  # the KPI module ships separately
        missing = True
    else:
        rows = compute_kpis(area=area, start=start, end=end)
    context = {
        "area": area,
        # Indented by depth: the select reads as the tree.
        "areas": [
            (code, "\u3000" * depth + name)
            for code, name, depth in areas.exclude(level=AreaLevel.GRID).values_list("code", "name", "depth")[
                :500
            ]
        ],
        "start": start,
        "end": end,
        "rows": rows,
        "missing": missing,
        "problem": problem,
    }
    return render(request, "cases/kpis.html", context)


# ---------------------------------------------------------------------------------------------
# Notifications inbox


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    notifications = Notification.objects.filter(recipient=request.user).order_by("-created_at", "-id")
    page = Paginator(notifications, NOTIFICATIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "cases/inbox.html", {"page": page})


@never_cache
@login_required
@require_GET
def unread_count(request: HttpRequest) -> HttpResponse:
    """htmx, from the top bar: the unread count badge (empty when there is nothing unread)."""
    unread = Notification.objects.filter(recipient=request.user, read_at__isnull=True).count()
    return render(request, "cases/_unread_count.html", {"unread": unread})


@never_cache
@login_required
@require_POST
def inbox_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notification read; with ``go``, continue to where it points."""
    notification = get_object_or_404(Notification.objects.filter(recipient=request.user), pk=pk)
    mark_read(notification, by=request.user)
    if request.POST.get("go") and url_has_allowed_host_and_scheme(
        notification.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(notification.url)
    if _is_htmx_partial(request):
        return render(request, "cases/_notification.html", {"n": notification})
    return redirect("cases:inbox")


@never_cache
@login_required
@require_POST
def inbox_read_all(request: HttpRequest) -> HttpResponse:
    # One UPDATE for the lot (``mark_read`` is the same write, one row at a time).
    Notification.objects.filter(recipient=request.user, read_at__isnull=True).update(read_at=timezone.now())
    messages.success(request, _("已全部标为已读。"))
    return redirect("cases:inbox")


# ---------------------------------------------------------------------------------------------
# The closed loop: a volunteer activity or a draft project started from a case


class LoopActivityForm(case_forms.DomainErrorFormMixin, forms.Form):
    organizer = forms.ModelChoiceField(
        label=gettext_lazy("组织方"), queryset=None, empty_label=gettext_lazy("请选择组织")
    )
    title = forms.CharField(label=gettext_lazy("活动名称"), max_length=200, required=False)
    category = forms.ChoiceField(label=gettext_lazy("服务类别"))
    place = forms.CharField(label=gettext_lazy("地点"), max_length=200, required=False)
    starts_at = forms.DateTimeField(
        label=gettext_lazy("开始时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    ends_at = forms.DateTimeField(
        label=gettext_lazy("结束时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    capacity = forms.IntegerField(label=gettext_lazy("招募人数"), min_value=1, initial=10)

    def __init__(self, *args: Any, organizers: QuerySet[Any], **kwargs: Any) -> None:
        from gongzhi.volunteers.choices import ActivityCategory

        super().__init__(*args, **kwargs)
        self.fields["organizer"].queryset = organizers
        self.fields["category"].choices = [("", _("请选择类别")), *ActivityCategory.choices]


class LoopProjectForm(case_forms.DomainErrorFormMixin, forms.Form):
    title = forms.CharField(label=gettext_lazy("项目名称"), max_length=200, required=False)
    lifecycle_category = forms.ChoiceField(label=gettext_lazy("民生类别"))
    area = forms.ModelChoiceField(label=gettext_lazy("服务区域"), queryset=None, empty_label=None)

    def __init__(self, *args: Any, areas: list[Area], **kwargs: Any) -> None:
        from gongzhi.projects.choices import LifecycleCategory

        super().__init__(*args, **kwargs)
        self.fields["lifecycle_category"].choices = [("", _("请选择类别")), *LifecycleCategory.choices]
        self.fields["area"].queryset = Area.objects.filter(pk__in=[a.pk for a in areas]).order_by("-depth")


def _loop_organizers(user: Any) -> QuerySet[Any]:
    """Live organizations the user may run an activity for: those they lead and, for staff,
    those in the areas where they run activities (``create_activity`` checks the rest)."""
    from gongzhi.organizations.choices import LIVE_STATUSES
    from gongzhi.organizations.models import Organization
    from gongzhi.projects.services import led_organizations

    organizations = Organization.objects.filter(status__in=LIVE_STATUSES)
    if not user.is_superuser:
        organizations = organizations.filter(
            Q(pk__in=led_organizations(user).values("pk"))
            | in_jurisdiction(user, "volunteers.add_activity", "area__path")
        )
    return organizations.order_by("name", "id")


@login_required
def case_start_activity(request: HttpRequest, pk: int) -> HttpResponse:
    """发起志愿活动: a dispatcher answers the case with a volunteer activity in its grid."""
    from django.core.exceptions import PermissionDenied

    from gongzhi.stats import loop

    user = request.user
    case = get_object_or_404(_detail_queryset(user), pk=pk)
    if not loop.may_start_activity(user, case):
        raise PermissionDenied
    form = LoopActivityForm(
        request.POST or None, organizers=_loop_organizers(user), initial={"title": case.category.name}
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                activity = loop.start_activity_from_case(
                    case,
                    by=user,
                    organizer=data["organizer"],
                    title=data["title"],
                    category=data["category"],
                    place=data["place"],
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    capacity=data["capacity"],
                )
            except DomainError as exc:
                form.add_domain_error(exc)
                status = exc.status_code
            else:
                messages.success(request, _("已发起志愿活动“%(a)s”。") % {"a": activity.title})
                return redirect("cases:detail", pk=case.pk)
    context = {"case": case, "form": form, "heading": _("发起志愿活动"), "submit": _("发起活动")}
    return render(request, "cases/loop_form.html", context, status=status)


@login_required
def case_propose_project(request: HttpRequest, pk: int) -> HttpResponse:
    """提议公益项目: a dispatcher proposes a draft project for the problem the case revealed."""
    from django.core.exceptions import PermissionDenied

    from gongzhi.stats import loop

    user = request.user
    case = get_object_or_404(_detail_queryset(user), pk=pk)
    if not loop.may_propose_project(user, case):
        raise PermissionDenied
    areas = loop.project_areas(user, case)
    form = LoopProjectForm(request.POST or None, areas=areas, initial={"area": areas[0].pk})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                project = loop.propose_project_from_case(
                    case,
                    by=user,
                    title=data["title"],
                    lifecycle_category=data["lifecycle_category"],
                    area=data["area"],
                )
            except DomainError as exc:
                form.add_domain_error(exc)
                status = exc.status_code
            else:
                messages.success(request, _("已提议公益项目“%(p)s”（草稿）。") % {"p": project.title})
                return redirect("cases:detail", pk=case.pk)
    context = {"case": case, "form": form, "heading": _("提议公益项目"), "submit": _("提议项目")}
    return render(request, "cases/loop_form.html", context, status=status)
