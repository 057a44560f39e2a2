"""Public-welfare project pages: the project list (with the "可认领" and "我的项目" tabs of an
organization's leader), a project's page with the forms for what the user may do now, the
create form, programmes, funding sources, the ledger and its XLSX export, delivery reports
with their photos, the life-cycle coverage matrix, the public results, awards and the case
records of case-service projects.

Every query starts from ``visible_to(request.user)``: a project outside what the user may see
answers 404, the same as one that does not exist. Money is shown only where the user holds
``projects.view_allocation`` over the project's area. Every change is a call to
``gongzhi.projects.services``; a refused call (DomainError and its subclasses: Forbidden,
InvalidTransition, BudgetExceeded, RestrictedFunds, NotEligible) is shown on the form that
made it, in the user's language, with the error's status code — never a 500.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from gongzhi.areas.choices import AreaLevel
from gongzhi.areas.models import Area, related_areas
from gongzhi.core.area_query import limit_to_area, visible_area, with_area_field
from gongzhi.core.exceptions import DomainError
from gongzhi.core.http import client_ip
from gongzhi.core.scoping import active_assignments, can, jurisdiction_paths
from gongzhi.projects import forms as project_forms
from gongzhi.projects import queries, services
from gongzhi.projects.choices import (
    ALLOCATABLE_STATUSES,
    ALLOWED_TRANSITIONS,
    DISBURSABLE_STATUSES,
    LIVE_CLAIM_STATUSES,
    CaseAccessAction,
    CaseRecordStatus,
    ClaimStatus,
    IndicatorKind,
    LifecycleCategory,
    ProjectAction,
    ProjectStatus,
)
from gongzhi.projects.models import (
    Acceptance,
    Allocation,
    CaseRecord,
    DeliveryPhoto,
    Disbursement,
    Evaluation,
    FundingSource,
    Programme,
    Project,
    ProjectCaseworker,
    ProjectClaim,
    led_area_paths,
)

PROJECTS_PER_PAGE = 30
SOURCES_PER_PAGE = 50
PROGRAMMES_PER_PAGE = 50
CASE_RECORDS_PER_PAGE = 50
DELIVERIES_SHOWN = 50
PROGRAMME_CHOICES_LIMIT = 200
AREA_CHOICES_LIMIT = 500
HEAT_LEVELS = 4
MONEY = DecimalField(max_digits=16, decimal_places=2)
LIST_TABS = ("all", "claimable", "mine")


def _is_htmx_partial(request: HttpRequest) -> bool:
    # A history restore asks for the whole page, even though htmx sends it.
    return request.headers.get("HX-Request") == "true" and not request.headers.get(
        "HX-History-Restore-Request"
    )


# ---------------------------------------------------------------------------------------------
# Who sees what


def _visible_projects(user: Any) -> QuerySet[Project]:
    return Project.objects.visible_to(user)


def leads_organization(user: Any) -> bool:
    """Whether the user leads a live (filed or registered) organization — the leaders who see
    projects open to their organization (``led_area_paths``, cached on the user per request)."""
    return bool(getattr(user, "is_authenticated", False) and led_area_paths(user))


def may_browse_projects(user: Any) -> bool:
    """The project list is for those who read projects, lead an organization (they see the
    projects open to it) or are a project's caseworker."""
    if not getattr(user, "is_authenticated", False):
        return False
    return (
        user.is_superuser
        or user.has_perm("projects.view_project")
        or leads_organization(user)
        or ProjectCaseworker.objects.filter(user=user).exists()
    )


def _has_a_role(user: Any) -> bool:
    return user.is_superuser or bool(active_assignments(user))


def _roots(user: Any, perm: str) -> list[str] | None:
    """Jurisdiction roots of ``perm``; None means everywhere (a superuser)."""
    return None if user.is_superuser else jurisdiction_paths(user, perm)


def _inside(path: str, roots: list[str] | None) -> bool:
    return roots is None or any(path.startswith(root) for root in roots)


def _within(rows: QuerySet, user: Any, perm: str, lookup: str = "area__path") -> QuerySet:
    """Rows inside the areas where ``user`` holds ``perm`` — jurisdiction only, no own rows
    (an evaluated project elsewhere is public, its money is not)."""
    roots = _roots(user, perm)
    if roots is None:
        return rows
    condition = Q(pk__in=[])
    for root in roots:
        condition |= Q(**{f"{lookup}__prefix": root})
    return rows.filter(condition)


def _home_area(user: Any, perm: str) -> Area | None:
    """The top of the user's jurisdiction for ``perm`` (the first root, for several)."""
    if user.is_superuser:
        return Area.objects.filter(parent__isnull=True).order_by("path").first()
    roots = jurisdiction_paths(user, perm)
    return Area.objects.filter(path=roots[0]).first() if roots else None


def _mark_money(rows: list[Project], user: Any) -> None:
    roots = _roots(user, "projects.view_allocation")
    for project in rows:
        project.show_money = _inside(project.area.path, roots)


def _year(value: Any) -> int | None:
    try:
        year = int(value)
    except (TypeError, ValueError):
        return None
    return year if 2000 <= year <= 2100 else None


# ---------------------------------------------------------------------------------------------
# The project list


def _led_org_ids(user: Any) -> QuerySet:
    return services.led_organizations(user).values("pk")


def _claimable(projects: QuerySet[Project], user: Any) -> QuerySet[Project]:
    """Projects open to an organization the user leads (the target area contains or lies
    inside the organization's area, as ``ProjectQuerySet.own_rows`` and the eligibility rule
    say), still taking undertakers, which none of their organizations has claimed or applied
    for yet."""
    near = Q(pk__in=[])
    for path in led_area_paths(user):
        near |= related_areas(path)
    taken = (
        ProjectClaim.objects.filter(project=OuterRef("pk"), status=ClaimStatus.UNDERTAKING)
        .order_by()
        .values("project")
        .annotate(n=Count("pk"))
        .values("n")
    )
    own_claims = ProjectClaim.objects.filter(
        organization__in=_led_org_ids(user), status__in=LIVE_CLAIM_STATUSES
    ).values("project_id")
    return (
        projects.filter(near)
        .annotate(taken=Coalesce(Subquery(taken, output_field=IntegerField()), 0))
        .filter(
            Q(status=ProjectStatus.PUBLISHED) | Q(status=ProjectStatus.CLAIMED, taken__lt=F("max_claimants"))
        )
        .exclude(pk__in=own_claims)
    )


def _mine(projects: QuerySet[Project], user: Any) -> QuerySet[Project]:
    """Projects an organization the user leads has claimed or applied for."""
    return projects.filter(
        pk__in=ProjectClaim.objects.filter(organization__in=_led_org_ids(user)).values("project_id")
    )


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    """Projects the user may see, filtered and paginated, with budget (where they read money)
    and person-times served; one query for the page's rows whatever its length."""
    user = request.user
    if not may_browse_projects(user):
        raise PermissionDenied
    leads = leads_organization(user)
    tab = request.GET.get("tab", "all")
    if tab not in LIST_TABS or not leads:
        tab = "all"
    programmes = list(
        Programme.objects.visible_to(user)
        .order_by("-year", "name")
        .values_list("pk", "name")[:PROGRAMME_CHOICES_LIMIT]
    )
    # ``?under=CODE`` (the dashboard's link) fills the area filter like ``?area=CODE``.
    form = project_forms.ProjectFilterForm(with_area_field(request.GET) or None, programmes=programmes)
    data = form.cleaned_data if form.is_valid() else {}
    projects = _visible_projects(user)
    if tab == "claimable":
        projects = _claimable(projects, user)
    elif tab == "mine":
        projects = _mine(projects, user)
    if data.get("q"):
        projects = projects.filter(title__icontains=data["q"].strip())
    if data.get("status"):
        projects = projects.filter(status=data["status"])
    if data.get("category"):
        projects = projects.filter(lifecycle_category=data["category"])
    if data.get("programme"):
        projects = projects.filter(programme_id=data["programme"])
    if data.get("year"):
        projects = projects.filter(year=data["year"])
    area_missing = False
    if data.get("area"):
        # Only an area the user sees: evaluated projects elsewhere are public, but a code
        # outside the jurisdiction must not list them as if they were its records.
        area = visible_area(user, data["area"])
        if area is None:
            area_missing = True
            projects = projects.none()
        else:
            projects = projects.filter(area__path__prefix=area.path)
    projects = queries.with_totals(projects.select_related("area", "programme", "claimed_by")).order_by(
        "-created_at", "-id"
    )
    page = Paginator(projects, PROJECTS_PER_PAGE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    _mark_money(rows, user)
    context = {
        "form": form,
        "page": page,
        "projects": rows,
        "tab": tab,
        "leads": leads,
        "area_missing": area_missing,
        "filtered": any(v not in (None, "") for v in data.values()),
        "money_column": user.has_perm("projects.view_allocation"),
    }
    if _is_htmx_partial(request):
        response = render(request, "projects/_list_results.html", context)
    else:
        context["areas"] = list(
            Area.objects.visible_to(user, "projects.view_project")
            .exclude(level=AreaLevel.GRID)
            .order_by("path")
            .values_list("code", "name")[:AREA_CHOICES_LIMIT]
        )
        response = render(request, "projects/list.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# ---------------------------------------------------------------------------------------------
# Creating projects


@login_required
@permission_required("projects.add_project", raise_exception=True)
def create(request: HttpRequest) -> HttpResponse:
    """A new draft project with its service domains, milestones and target indicators."""
    user = request.user
    initial = {}
    programme_id = request.GET.get("programme", "")
    if programme_id.isdigit():
        initial["programme"] = int(programme_id)
    form = project_forms.ProjectForm(request.POST or None, user=user, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                project = services.create_project(
                    title=data["title"],
                    lifecycle_category=data["lifecycle_category"],
                    area=data["area"],
                    by=user,
                    description=data["description"],
                    programme=data["programme"],
                    year=data["year"],
                    publisher=data["publisher"],
                    competitive=data["competitive"],
                    max_claimants=data["max_claimants"],
                    starts_on=data["starts_on"],
                    ends_on=data["ends_on"],
                    case_services=data["case_services"],
                    service_domains=data["service_domains"],
                    milestones=form.milestones(),
                    indicators=form.indicators(),
                )
            except DomainError as exc:
                form.add_domain_error(exc)
                status = exc.status_code
            else:
                messages.success(
                    request, _("已保存项目草稿“%(t)s”。分配预算后即可发布。") % {"t": project.title}
                )
                return redirect("projects:detail", pk=project.pk)
    return render(request, "projects/form.html", {"form": form}, status=status)


# ---------------------------------------------------------------------------------------------
# A project's page and its transitions


class ProjectAbilities:
    """What ``user`` may do to ``project``, each answer computed once per request. The
    services check again; these only decide which forms to offer."""

    def __init__(self, user: Any, project: Project, claims: list[ProjectClaim]) -> None:
        self.user, self.project, self.claims = user, project, claims
        self._perms: dict[str, bool] = {}

    def can(self, perm: str) -> bool:
        if perm not in self._perms:
            self._perms[perm] = can(self.user, perm, self.project.area)
        return self._perms[perm]

    @cached_property
    def led_ids(self) -> set[int]:
        if not leads_organization(self.user):
            return set()
        return set(services.led_organizations(self.user).values_list("pk", flat=True))

    @cached_property
    def undertaker(self) -> bool:
        return any(
            c.status == ClaimStatus.UNDERTAKING and c.organization_id in self.led_ids for c in self.claims
        )

    @cached_property
    def implements(self) -> bool:
        """The undertaker, or the publisher acting for it (services._require_undertaker_or)."""
        return self.undertaker or self.can("projects.change_project")

    @cached_property
    def claimable_orgs(self) -> QuerySet:
        """Organizations the user leads that have no live claim on the project yet."""
        live = {c.organization_id for c in self.claims if c.status in LIVE_CLAIM_STATUSES}
        return (
            services.led_organizations(self.user)
            .filter(pk__in=self.led_ids - live)
            .select_related("area")
            .order_by("name")
        )

    @cached_property
    def may_take_on(self) -> bool:
        return bool(self.led_ids) and self.claimable_orgs.exists()

    @cached_property
    def money_read(self) -> bool:
        return self.can("projects.view_allocation")

    @cached_property
    def case_records(self) -> bool:
        return services.is_caseworker(self.user, self.project) or self.can("projects.view_caserecord")

    @cached_property
    def manage_caseworkers(self) -> bool:
        return self.project.case_services and (self.can("projects.add_projectcaseworker") or self.undertaker)


@dataclass(frozen=True)
class ActionSpec:
    name: str
    label: str | Promise
    may: Callable[[ProjectAbilities], bool]
    form: Callable[[ProjectAbilities, Any], forms.Form]
    run: Callable[[Project, dict[str, Any], Any], str]
    danger: bool = False
    primary: bool = False


def _from(action: str) -> tuple[str, ...]:
    return tuple(ALLOWED_TRANSITIONS[action][0])


def _run_publish(project: Project, data: dict[str, Any], user: Any) -> str:
    services.publish_project(project, by=user)
    return _("项目已发布，辖区内的社会组织可以认领或申报。")


def _run_claim(project: Project, data: dict[str, Any], user: Any) -> str:
    claim = services.claim_project(project, organization=data["organization"], by=user)
    return _("“%(o)s”已认领本项目。") % {"o": claim.organization.name}


def _run_apply(project: Project, data: dict[str, Any], user: Any) -> str:
    claim = services.apply_for_project(
        project, organization=data["organization"], by=user, proposal=data["proposal"]
    )
    return _("“%(o)s”已提交申报，等待发布单位选定。") % {"o": claim.organization.name}


def _run_start(project: Project, data: dict[str, Any], user: Any) -> str:
    services.start_project(project, by=user)
    return _("项目已开始实施，可以填报服务记录了。")


def _run_complete(project: Project, data: dict[str, Any], user: Any) -> str:
    services.complete_project(project, by=user, note=data["note"])
    return _("已报告项目完成，等待验收。")


def _run_accept(project: Project, data: dict[str, Any], user: Any) -> str:
    services.accept_project(project, by=user, opinion=data["opinion"], accepted_on=data["accepted_on"])
    return _("项目已通过验收。")


def _run_return(project: Project, data: dict[str, Any], user: Any) -> str:
    services.return_project(project, by=user, reason=data["reason"])
    return _("项目已退回整改。")


def _run_evaluate(project: Project, data: dict[str, Any], user: Any) -> str:
    evaluation = services.evaluate_project(
        project,
        by=user,
        quantity=data["quantity"],
        quality=data["quality"],
        satisfaction=data["satisfaction"],
        funds_use=data["funds_use"],
        comment=data["comment"],
        evaluator_org=data["evaluator_org"],
        evaluated_on=data["evaluated_on"],
    )
    return _("绩效评估完成：%(g)s（%(t)s 分）。") % {
        "g": evaluation.get_grade_display(),
        "t": evaluation.total,
    }


def _run_cancel(project: Project, data: dict[str, Any], user: Any) -> str:
    services.cancel_project(project, by=user, reason=data["reason"])
    return _("项目已取消，未拨付的资金已退回资金来源。")


def _status_in(action: str) -> Callable[[ProjectAbilities], bool]:
    statuses = _from(action)
    return lambda a: a.project.status in statuses


ACTIONS: list[ActionSpec] = [
    ActionSpec(
        ProjectAction.PUBLISH,
        gettext_lazy("发布项目"),
        lambda a: _status_in(ProjectAction.PUBLISH)(a) and a.can("projects.publish_project"),
        lambda a, d: project_forms.EmptyForm(d),
        _run_publish,
        primary=True,
    ),
    ActionSpec(
        ProjectAction.CLAIM,
        gettext_lazy("认领项目"),
        lambda a: _status_in(ProjectAction.CLAIM)(a) and not a.project.competitive and a.may_take_on,
        lambda a, d: project_forms.ClaimForm(d, organizations=a.claimable_orgs),
        _run_claim,
        primary=True,
    ),
    ActionSpec(
        ProjectAction.APPLY,
        gettext_lazy("申报项目"),
        lambda a: _status_in(ProjectAction.APPLY)(a) and a.project.competitive and a.may_take_on,
        lambda a, d: project_forms.ApplyForm(d, organizations=a.claimable_orgs),
        _run_apply,
        primary=True,
    ),
    ActionSpec(
        ProjectAction.START,
        gettext_lazy("开始实施"),
        lambda a: _status_in(ProjectAction.START)(a) and a.implements,
        lambda a, d: project_forms.EmptyForm(d),
        _run_start,
        primary=True,
    ),
    ActionSpec(
        ProjectAction.COMPLETE,
        gettext_lazy("报告完成"),
        lambda a: _status_in(ProjectAction.COMPLETE)(a) and a.implements,
        lambda a, d: project_forms.NoteForm(d),
        _run_complete,
    ),
    ActionSpec(
        ProjectAction.ACCEPT,
        gettext_lazy("验收通过"),
        lambda a: _status_in(ProjectAction.ACCEPT)(a) and a.can("projects.accept_project"),
        lambda a, d: project_forms.AcceptForm(d),
        _run_accept,
        primary=True,
    ),
    ActionSpec(
        ProjectAction.RETURN,
        gettext_lazy("退回整改"),
        lambda a: _status_in(ProjectAction.RETURN)(a) and a.can("projects.accept_project"),
        lambda a, d: project_forms.ReasonForm(d),
        _run_return,
        danger=True,
    ),
    ActionSpec(
        ProjectAction.EVALUATE,
        gettext_lazy("绩效评估"),
        lambda a: _status_in(ProjectAction.EVALUATE)(a) and a.can("projects.evaluate_project"),
        lambda a, d: project_forms.EvaluateForm(d),
        _run_evaluate,
        primary=True,
    ),
    ActionSpec(
        ProjectAction.CANCEL,
        gettext_lazy("取消项目"),
        lambda a: _status_in(ProjectAction.CANCEL)(a) and a.can("projects.cancel_project"),
        lambda a, d: project_forms.ReasonForm(d),
        _run_cancel,
        danger=True,
    ),
]
ACTIONS_BY_NAME = {str(spec.name): spec for spec in ACTIONS}


def _build_action_form(spec: ActionSpec, ab: ProjectAbilities, data: Any = None) -> forms.Form:
    form = spec.form(ab, data)
    form.auto_id = f"{spec.name}-%s"
    return form


def project_actions(
    ab: ProjectAbilities, bound: tuple[str, forms.Form] | None = None
) -> list[tuple[ActionSpec, forms.Form]]:
    offered = []
    for spec in ACTIONS:
        if bound is not None and bound[0] == spec.name:
            offered.append((spec, bound[1]))
        elif spec.may(ab):
            offered.append((spec, _build_action_form(spec, ab)))
    return offered


def _project_queryset(user: Any) -> QuerySet[Project]:
    return _visible_projects(user).select_related("area", "programme", "claimed_by", "created_by")


def _abilities(request: HttpRequest, project: Project) -> ProjectAbilities:
    claims = list(project.claims.select_related("organization", "organization__area", "created_by"))
    return ProjectAbilities(request.user, project, claims)


def _with_reversed(rows: QuerySet, model: Any) -> list[Any]:
    return list(
        rows.select_related("source", "created_by").annotate(
            is_reversed=Exists(model.objects.filter(reversal_of=OuterRef("pk")))
        )
    )


def _money_context(ab: ProjectAbilities, forms_given: dict[str, Any]) -> dict[str, Any]:
    project, user = ab.project, ab.user
    lines = queries.project_ledger(project)
    budget = sum((line.allocated for line in lines), queries.ZERO)
    disbursed = sum((line.disbursed for line in lines), queries.ZERO)
    context: dict[str, Any] = {
        "ledger": lines,
        "budget": budget,
        "disbursed": disbursed,
        "unpaid": budget - disbursed,
        "allocations": _with_reversed(project.allocations.all(), Allocation),
        "disbursements": _with_reversed(project.disbursements.all(), Disbursement),
        "may_reverse_allocation": ab.can("projects.add_allocation"),
        "may_reverse_disbursement": ab.can("projects.add_disbursement"),
    }
    if ab.can("projects.add_allocation") and project.status in ALLOCATABLE_STATUSES:
        context["allocation_form"] = forms_given.get("allocation_form") or project_forms.AllocationForm(
            sources=_allocatable_sources(user), auto_id="alloc-%s"
        )
    if ab.can("projects.add_disbursement") and project.status in DISBURSABLE_STATUSES:
        context["disbursement_form"] = forms_given.get("disbursement_form") or project_forms.DisbursementForm(
            sources=_project_sources(project), auto_id="disb-%s"
        )
    return context


def _allocatable_sources(user: Any) -> QuerySet[FundingSource]:
    return FundingSource.objects.visible_to(user).order_by("-year", "name", "pk")


def _project_sources(project: Project) -> QuerySet[FundingSource]:
    return FundingSource.objects.filter(
        pk__in=Allocation.objects.filter(project=project).values("source_id")
    ).order_by("-year", "name", "pk")


def _claim_organizations(project: Project) -> QuerySet:
    from gongzhi.organizations.models import Organization

    return (
        Organization.objects.filter(
            pk__in=ProjectClaim.objects.filter(project=project).values("organization_id")
        )
        .select_related("area")
        .order_by("name")
    )


def _detail_context(
    request: HttpRequest,
    project: Project,
    *,
    ab: ProjectAbilities | None = None,
    bound: tuple[str, forms.Form] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    ab = ab or _abilities(request, project)
    totals = queries.delivery_totals(project)
    in_progress = project.status == ProjectStatus.IN_PROGRESS
    may_complete_milestones = in_progress and ab.implements
    may_set_actuals = ab.implements and project.status not in (
        ProjectStatus.CANCELLED,
        ProjectStatus.EVALUATED,
    )
    milestone_rows = []
    for milestone in project.milestones.all():
        form = None
        if may_complete_milestones and not milestone.completed_on:
            form = (
                extra.get("milestone_form")
                if extra.get("milestone_bound") == milestone.pk
                else project_forms.MilestoneCompleteForm(auto_id=f"m{milestone.pk}-%s")
            )
        milestone_rows.append((milestone, form))
    indicator_rows = []
    for progress in queries.indicator_progress(project):
        indicator, form = progress.indicator, None
        if may_set_actuals and indicator.kind == IndicatorKind.OTHER:
            form = (
                extra.get("indicator_form")
                if extra.get("indicator_bound") == indicator.pk
                else project_forms.IndicatorActualForm(
                    initial={"actual": indicator.actual}, auto_id=f"i{indicator.pk}-%s"
                )
            )
        indicator_rows.append((progress, form))
    context: dict[str, Any] = {
        "project": project,
        "ab": ab,
        "domains": list(project.domains.all()),
        "claims": ab.claims,
        "may_select": ab.can("projects.select_project") and project.status in _from(ProjectAction.SELECT),
        "milestone_rows": milestone_rows,
        "may_complete_milestones": may_complete_milestones,
        "indicator_rows": indicator_rows,
        "totals": totals,
        "deliveries": list(
            project.deliveries.select_related("organization", "milestone").prefetch_related("photos")[
                :DELIVERIES_SHOWN
            ]
        ),
        "may_report": in_progress and ab.implements,
        "acceptance": Acceptance.objects.filter(project=project).select_related("accepted_by").first(),
        "evaluation": Evaluation.objects.filter(project=project).select_related("evaluator").first(),
        "awards": list(project.awards.select_related("organization")),
        "changes": list(project.changes.select_related("actor")),
        "actions": project_actions(ab, bound=bound),
        "open_action": bound[0] if bound else None,
    }
    if ab.money_read:
        context.update(_money_context(ab, extra))
    if ab.can("projects.add_award"):
        context["award_form"] = extra.get("award_form") or project_forms.AwardForm(
            organizations=_claim_organizations(project), auto_id="award-%s"
        )
    if ab.manage_caseworkers:
        context["caseworkers"] = list(project.caseworkers.select_related("user"))
        context["caseworker_form"] = extra.get("caseworker_form") or project_forms.CaseworkerForm(
            auto_id="cw-%s"
        )
    context["may_read_case_records"] = project.case_services and ab.case_records
    context.update(extra)
    return context


def _render_detail(
    request: HttpRequest, project: Project, *, status: int = 200, **kwargs: Any
) -> HttpResponse:
    return render(request, "projects/detail.html", _detail_context(request, project, **kwargs), status=status)


def _project_or_404(request: HttpRequest, pk: int) -> Project:
    return get_object_or_404(_project_queryset(request.user), pk=pk)


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything about one project, and the forms for what the user may do now."""
    return _render_detail(request, _project_or_404(request, pk))


def _done(request: HttpRequest, project: Project, notice: str, anchor: str = "") -> HttpResponse:
    messages.success(request, notice)
    return redirect(reverse("projects:detail", args=[project.pk]) + (f"#{anchor}" if anchor else ""))


@never_cache
@login_required
@require_POST
def action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Run one transition from its form on the project page; a refusal is shown on that form."""
    spec = ACTIONS_BY_NAME.get(action)
    if spec is None:
        raise Http404
    project = _project_or_404(request, pk)
    ab = _abilities(request, project)
    form = _build_action_form(spec, ab, request.POST)
    status = 400
    if form.is_valid():
        try:
            notice = spec.run(project, form.cleaned_data, request.user)
        except DomainError as exc:
            form.add_domain_error(exc)
            status = exc.status_code
        else:
            return _done(request, project, notice)
    project.refresh_from_db()
    return _render_detail(request, project, bound=(spec.name, form), status=status)


def _may_decide_claims(ab: ProjectAbilities, decision: str) -> bool:
    """Selecting is the publisher's (``projects.select_project``, who may also record a
    withdrawal); withdrawing is also open to the leader of an organization that has applied."""
    if ab.can("projects.select_project"):
        return True
    return decision == "withdraw" and any(
        claim.status == ClaimStatus.APPLIED and claim.organization_id in ab.led_ids for claim in ab.claims
    )


@never_cache
@login_required
@require_POST
def claim_decision(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    """The publisher selects an application; an applicant's leader withdraws theirs. Who may
    decide is checked before the form, so a role without the right gets 403 whatever it sent."""
    if decision not in ("select", "withdraw"):
        raise Http404
    project = _project_or_404(request, pk)
    if not _may_decide_claims(_abilities(request, project), decision):
        raise PermissionDenied
    form = project_forms.ClaimDecisionForm(
        request.POST, claims=project.claims.filter(status=ClaimStatus.APPLIED).select_related("organization")
    )
    status = 400
    if form.is_valid():
        claim = form.cleaned_data["claim"]
        try:
            if decision == "select":
                services.select_applicant(claim, by=request.user, note=form.cleaned_data["note"])
                notice = _("已选定“%(o)s”承接本项目。") % {"o": claim.organization.name}
            else:
                services.withdraw_application(claim, by=request.user)
                notice = _("“%(o)s”已撤回申报。") % {"o": claim.organization.name}
        except DomainError as exc:
            form.add_domain_error(exc)
            status = exc.status_code
        else:
            return _done(request, project, notice, "claims")
    project.refresh_from_db()
    return _render_detail(request, project, claims_form=form, status=status)


@never_cache
@login_required
@require_POST
def milestone_complete(request: HttpRequest, pk: int, milestone_pk: int) -> HttpResponse:
    project = _project_or_404(request, pk)
    milestone = get_object_or_404(project.milestones.all(), pk=milestone_pk)
    form = project_forms.MilestoneCompleteForm(request.POST, auto_id=f"m{milestone.pk}-%s")
    status = 400
    if form.is_valid():
        try:
            services.complete_milestone(
                milestone,
                by=request.user,
                evidence=form.cleaned_data["evidence"],
                completed_on=form.cleaned_data["completed_on"],
            )
        except DomainError as exc:
            form.add_domain_error(exc)
            status = exc.status_code
        else:
            return _done(request, project, _("里程碑“%(t)s”已完成。") % {"t": milestone.title}, "milestones")
    return _render_detail(request, project, milestone_form=form, milestone_bound=milestone.pk, status=status)


@never_cache
@login_required
@require_POST
def indicator_actual(request: HttpRequest, pk: int, indicator_pk: int) -> HttpResponse:
    """Enter the achieved figure of an indicator of kind "other" (the rest are measured)."""
    project = _project_or_404(request, pk)
    indicator = get_object_or_404(project.indicators.all(), pk=indicator_pk)
    form = project_forms.IndicatorActualForm(request.POST, auto_id=f"i{indicator.pk}-%s")
    status = 400
    if form.is_valid():
        try:
            services.set_indicator_actual(indicator, actual=form.cleaned_data["actual"], by=request.user)
        except DomainError as exc:
            form.add_domain_error(exc)
            status = exc.status_code
        else:
            return _done(
                request, project, _("指标“%(n)s”的实际值已保存。") % {"n": indicator.name}, "indicators"
            )
    return _render_detail(request, project, indicator_form=form, indicator_bound=indicator.pk, status=status)


# ---------------------------------------------------------------------------------------------
# Money on the project page


def _project_with_perm(request: HttpRequest, pk: int, perm: str) -> tuple[Project, ProjectAbilities]:
    project = _project_or_404(request, pk)
    ab = _abilities(request, project)
    if not ab.can(perm):
        raise PermissionDenied
    return project, ab


@never_cache
@login_required
@require_POST
def allocate(request: HttpRequest, pk: int) -> HttpResponse:
    """Allocate money from a funding source to the project (the allocation ledger)."""
    project, ab = _project_with_perm(request, pk, "projects.add_allocation")
    form = project_forms.AllocationForm(
        request.POST, sources=_allocatable_sources(request.user), auto_id="alloc-%s"
    )
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            entry = services.allocate(
                project, source=data["source"], amount=data["amount"], by=request.user, note=data["note"]
            )
        except DomainError as exc:
            form.add_domain_error(exc)
            status = exc.status_code
        else:
            notice = _("已从“%(s)s”分配 %(a)s 元。") % {
                "s": entry.source.name,
                "a": services.yuan(entry.amount),
            }
            return _done(request, project, notice, "money")
    return _render_detail(request, project, ab=ab, allocation_form=form, status=status)


@never_cache
@login_required
@require_POST
def disburse(request: HttpRequest, pk: int) -> HttpResponse:
    """Pay out money for the project (the disbursement ledger), with voucher and date."""
    project, ab = _project_with_perm(request, pk, "projects.add_disbursement")
    form = project_forms.DisbursementForm(request.POST, sources=_project_sources(project), auto_id="disb-%s")
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            entry = services.disburse(
                project,
                source=data["source"],
                amount=data["amount"],
                voucher=data["voucher"],
                paid_on=data["paid_on"],
                by=request.user,
                note=data["note"],
            )
        except DomainError as exc:
            form.add_domain_error(exc)
            status = exc.status_code
        else:
            notice = _("已拨付 %(a)s 元（凭证号 %(v)s）。") % {
                "a": services.yuan(entry.amount),
                "v": entry.voucher,
            }
            return _done(request, project, notice, "money")
    return _render_detail(request, project, ab=ab, disbursement_form=form, status=status)


LEDGER_ENTRIES = {
    "allocation": (Allocation, "projects.add_allocation", services.reverse_allocation),
    "disbursement": (Disbursement, "projects.add_disbursement", services.reverse_disbursement),
}


@never_cache
@login_required
@require_POST
def reverse_entry(request: HttpRequest, pk: int, kind: str, entry_pk: int) -> HttpResponse:
    """Reverse one ledger entry in full with a reason (an appended negative entry)."""
    if kind not in LEDGER_ENTRIES:
        raise Http404
    model, perm, reverse_it = LEDGER_ENTRIES[kind]
    project, ab = _project_with_perm(request, pk, perm)
    entry = get_object_or_404(
        model.objects.filter(project=project).select_related("source", "project"), pk=entry_pk
    )
    form = project_forms.ReversalForm(request.POST, auto_id=f"{kind}{entry.pk}-%s")
    status = 400
    money_error = ""
    if form.is_valid():
        try:
            reverse_it(entry, by=request.user, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            form.add_domain_error(exc)
            status = exc.status_code
            if entry.reversal_of_id or model.objects.filter(reversal_of=entry).exists():
                # The entry shows no reversal form any more: say why above the ledger.
                money_error = str(exc.message)
        else:
            notice = _("已冲销 %(a)s 元。") % {"a": services.yuan(entry.amount)}
            return _done(request, project, notice, "money")
    return _render_detail(
        request,
        project,
        ab=ab,
        reversal_form=form,
        reversal_kind=kind,
        reversal_pk=entry.pk,
        money_error=money_error,
        status=status,
    )


# ---------------------------------------------------------------------------------------------
# Delivery reports and their photos


@login_required
def delivery_create(request: HttpRequest, pk: int) -> HttpResponse:
    """The undertaker reports an activity: people and person-times served, photos, and the
    milestone it advances."""
    project = _project_or_404(request, pk)
    ab = _abilities(request, project)
    if not ab.implements:
        raise PermissionDenied
    milestones = project.milestones.filter(completed_on__isnull=True)
    form = project_forms.DeliveryForm(request.POST or None, request.FILES or None, milestones=milestones)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                delivery = services.report_delivery(
                    project,
                    by=request.user,
                    title=data["title"],
                    held_on=data["held_on"],
                    beneficiaries=data["beneficiaries"],
                    person_times=data["person_times"],
                    place=data["place"],
                    content=data["content"],
                    satisfaction=data["satisfaction"],
                    milestone=data["milestone"],
                    photos=data["photos"],
                )
            except DomainError as exc:
                form.add_domain_error(exc)
                status = exc.status_code
            else:
                notice = _("已填报服务记录“%(t)s”：服务 %(p)s 人、%(n)s 人次。") % {
                    "t": delivery.title,
                    "p": delivery.beneficiaries,
                    "n": delivery.person_times,
                }
                return _done(request, project, notice, "deliveries")
    context = {"project": project, "form": form, "in_progress": project.status == ProjectStatus.IN_PROGRESS}
    return render(request, "projects/delivery_form.html", context, status=status)


@login_required
def delivery_photo(request: HttpRequest, pk: int, variant: str = "image") -> HttpResponse:
    """The JPEG of a delivery photo (or its thumbnail), only for those who see its project;
    404 otherwise — the same as for a photo that does not exist."""
    photo = DeliveryPhoto.objects.filter(pk=pk).select_related("delivery").first()
    if photo is None or not _visible_projects(request.user).filter(pk=photo.delivery.project_id).exists():
        raise Http404
    try:
        stream = getattr(photo, variant).open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(stream, content_type="image/jpeg")
    # Private: a shared cache must never hand one viewer's permitted photo to another.
    response["Cache-Control"] = "private, max-age=86400"
    return response


# ---------------------------------------------------------------------------------------------
# Awards and caseworkers


@never_cache
@login_required
@require_POST
def award_create(request: HttpRequest, pk: int) -> HttpResponse:
    project, ab = _project_with_perm(request, pk, "projects.add_award")
    form = project_forms.AwardForm(
        request.POST, organizations=_claim_organizations(project), auto_id="award-%s"
    )
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            award = services.record_award(
                by=request.user,
                name=data["name"],
                level=data["level"],
                awarded_on=data["awarded_on"],
                issuer=data["issuer"],
                project=project,
                organization=data["organization"],
            )
        except DomainError as exc:
            form.add_domain_error(exc)
            status = exc.status_code
        else:
            return _done(request, project, _("已记录获奖荣誉“%(n)s”。") % {"n": award.name}, "awards")
    return _render_detail(request, project, ab=ab, award_form=form, status=status)


def _caseworker_project(request: HttpRequest, pk: int) -> tuple[Project, ProjectAbilities]:
    project = _project_or_404(request, pk)
    ab = _abilities(request, project)
    if not ab.manage_caseworkers:
        raise PermissionDenied
    return project, ab


@never_cache
@login_required
@require_POST
def caseworker_add(request: HttpRequest, pk: int) -> HttpResponse:
    """The publisher or the undertaker's leader names a caseworker by their login."""
    project, ab = _caseworker_project(request, pk)
    form = project_forms.CaseworkerForm(request.POST, auto_id="cw-%s")
    status = 400
    if form.is_valid():
        username = form.cleaned_data["username"].strip()
        worker = get_user_model().objects.filter(username=username, is_active=True).first()
        if worker is None:
            form.add_error("username", _("找不到用户名为“%(u)s”的用户。") % {"u": username})
        else:
            try:
                services.add_caseworker(project, user=worker, by=request.user)
            except DomainError as exc:
                form.add_domain_error(exc)
                status = exc.status_code
            else:
                return _done(request, project, _("已将 %(u)s 设为个案社工。") % {"u": worker}, "caseworkers")
    return _render_detail(request, project, ab=ab, caseworker_form=form, status=status)


@never_cache
@login_required
@require_POST
def caseworker_remove(request: HttpRequest, pk: int, caseworker_pk: int) -> HttpResponse:
    project, _ab = _caseworker_project(request, pk)
    caseworker = get_object_or_404(project.caseworkers.select_related("user"), pk=caseworker_pk)
    services.remove_caseworker(caseworker, by=request.user)
    return _done(
        request, project, _("%(u)s 不再是本项目的个案社工。") % {"u": caseworker.user}, "caseworkers"
    )


# ---------------------------------------------------------------------------------------------
# Case records (个案档案): caseworkers and the authorized role only; every look is logged


def _may_read_case_records(user: Any, project: Project) -> bool:
    return services.is_caseworker(user, project) or can(user, "projects.view_caserecord", project.area)


@login_required
def case_records(request: HttpRequest, pk: int) -> HttpResponse:
    """A project's case records (one access-log row per record shown) and, for its
    caseworkers, the form to open a new one. Anyone else: 404."""
    user = request.user
    project = get_object_or_404(_visible_projects(user).select_related("area"), pk=pk)
    if not project.case_services or not _may_read_case_records(user, project):
        raise Http404
    caseworker = services.is_caseworker(user, project)
    form = project_forms.CaseRecordForm(request.POST or None, auto_id="case-%s")
    status = 200
    if request.method == "POST":
        if not caseworker:
            raise PermissionDenied
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                record = services.open_case_record(
                    project,
                    by=user,
                    household=data["household"],
                    needs=data["needs"],
                    members=data["members"],
                    plan=data["plan"],
                    opened_on=data["opened_on"],
                )
            except DomainError as exc:
                form.add_domain_error(exc)
                status = exc.status_code
            else:
                messages.success(request, _("已开立个案 %(n)s。") % {"n": record.number})
                return redirect("projects:case_record", pk=record.pk)
    records = (
        CaseRecord.objects.visible_to(user)
        .filter(project=project)
        .annotate(note_count=Count("notes"))
        .order_by("number")
    )
    page = Paginator(records, CASE_RECORDS_PER_PAGE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    services.log_case_access(rows, user=user, action=CaseAccessAction.LIST, ip_address=client_ip(request))
    context = {"project": project, "page": page, "records": rows, "caseworker": caseworker, "form": form}
    return render(request, "projects/case_records.html", context, status=status)


def _case_record_or_404(request: HttpRequest, pk: int) -> CaseRecord:
    return get_object_or_404(
        CaseRecord.objects.visible_to(request.user).select_related(
            "project", "project__area", "person", "created_by"
        ),
        pk=pk,
    )


def _render_case_record(
    request: HttpRequest, record: CaseRecord, *, note_form: Any = None, status: int = 200, error: str = ""
) -> HttpResponse:
    user = request.user
    services.log_case_access([record], user=user, action=CaseAccessAction.VIEW, ip_address=client_ip(request))
    caseworker = services.is_caseworker(user, record.project)
    context = {
        "record": record,
        "project": record.project,
        "notes": list(record.notes.select_related("written_by")),
        "caseworker": caseworker,
        "may_write": caseworker and record.status == CaseRecordStatus.OPEN,
        "note_form": note_form or project_forms.CaseNoteForm(auto_id="note-%s"),
        "error": error,
    }
    return render(request, "projects/case_record.html", context, status=status)


@login_required
def case_record(request: HttpRequest, pk: int) -> HttpResponse:
    """One case record with its service notes (logged as a view)."""
    return _render_case_record(request, _case_record_or_404(request, pk))


@never_cache
@login_required
@require_POST
def case_note(request: HttpRequest, pk: int) -> HttpResponse:
    record = _case_record_or_404(request, pk)
    if not services.is_caseworker(request.user, record.project):
        raise PermissionDenied
    form = project_forms.CaseNoteForm(request.POST, auto_id="note-%s")
    status = 400
    if form.is_valid():
        try:
            services.add_case_note(
                record,
                by=request.user,
                content=form.cleaned_data["content"],
                noted_on=form.cleaned_data["noted_on"],
            )
        except DomainError as exc:
            form.add_domain_error(exc)
            status = exc.status_code
        else:
            messages.success(request, _("服务记录已添加。"))
            return redirect("projects:case_record", pk=record.pk)
    return _render_case_record(request, record, note_form=form, status=status)


@never_cache
@login_required
@require_POST
def case_close(request: HttpRequest, pk: int) -> HttpResponse:
    record = _case_record_or_404(request, pk)
    if not services.is_caseworker(request.user, record.project):
        raise PermissionDenied
    try:
        services.close_case_record(record, by=request.user)
    except DomainError as exc:
        return _render_case_record(request, record, status=exc.status_code, error=str(exc.message))
    messages.success(request, _("个案 %(n)s 已结案。") % {"n": record.number})
    return redirect("projects:case_record", pk=record.pk)


# ---------------------------------------------------------------------------------------------
# Programmes


def _programme_budget() -> Coalesce:
    rows = (
        Allocation.objects.filter(project__programme=OuterRef("pk"))
        .order_by()
        .values("project__programme")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Coalesce(Subquery(rows), queries.ZERO, output_field=MONEY)


@login_required
@permission_required("projects.view_programme", raise_exception=True)
def programmes(request: HttpRequest) -> HttpResponse:
    """Programmes in the jurisdiction with their number of projects and budget."""
    user = request.user
    rows = (
        Programme.objects.visible_to(user)
        .select_related("area")
        .annotate(
            project_count=Count("projects", distinct=True),
            budget=_programme_budget(),
        )
        .order_by("-year", "name", "id")
    )
    page = Paginator(rows, PROGRAMMES_PER_PAGE).get_page(request.GET.get("page"))
    programme_rows = list(page.object_list)
    roots = _roots(user, "projects.view_allocation")
    for programme in programme_rows:
        programme.show_money = _inside(programme.area.path, roots)
    context = {
        "page": page,
        "programmes": programme_rows,
        "can_add": user.has_perm("projects.add_programme"),
    }
    return render(request, "projects/programmes.html", context)


@login_required
@permission_required("projects.add_programme", raise_exception=True)
def programme_create(request: HttpRequest) -> HttpResponse:
    form = project_forms.ProgrammeForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                programme = services.create_programme(
                    name=data["name"],
                    year=data["year"],
                    publisher=data["publisher"],
                    area=data["area"],
                    by=request.user,
                )
            except DomainError as exc:
                form.add_domain_error(exc)
                status = exc.status_code
            else:
                messages.success(request, _("已创建项目计划“%(n)s”。") % {"n": programme.name})
                return redirect("projects:programme", pk=programme.pk)
    return render(request, "projects/programme_form.html", {"form": form}, status=status)


def _sum_totals(projects: QuerySet[Project]) -> dict[str, Any]:
    """Budget, disbursed, unpaid and person-times over a list's projects (one query)."""
    annotated = queries.with_totals(projects.order_by())
    totals = annotated.aggregate(
        budget_sum=Coalesce(Sum("budget"), queries.ZERO, output_field=MONEY),
        disbursed_sum=Coalesce(Sum("disbursed"), queries.ZERO, output_field=MONEY),
        person_times_sum=Coalesce(Sum("person_times"), 0),
        count=Count("pk"),
    )
    return {
        "budget": totals["budget_sum"],
        "disbursed": totals["disbursed_sum"],
        "unpaid": totals["budget_sum"] - totals["disbursed_sum"],
        "person_times": totals["person_times_sum"],
        "count": totals["count"],
    }


@login_required
@permission_required("projects.view_programme", raise_exception=True)
def programme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One programme and its projects (those the user sees)."""
    user = request.user
    programme = get_object_or_404(Programme.objects.visible_to(user).select_related("area"), pk=pk)
    projects = _visible_projects(user).filter(programme=programme)
    rows_qs = queries.with_totals(projects.select_related("area", "programme", "claimed_by")).order_by(
        "title", "id"
    )
    page = Paginator(rows_qs, PROJECTS_PER_PAGE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    _mark_money(rows, user)
    show_money = can(user, "projects.view_allocation", programme.area)
    context = {
        "programme": programme,
        "page": page,
        "projects": rows,
        "show_money": show_money,
        "totals": _sum_totals(_within(projects, user, "projects.view_allocation")) if show_money else None,
        "can_add_project": can(user, "projects.add_project", programme.area),
    }
    return render(request, "projects/programme_detail.html", context)


# ---------------------------------------------------------------------------------------------
# Funding sources, the ledger and its export


def _visible_sources(user: Any) -> QuerySet[FundingSource]:
    return FundingSource.objects.visible_to(user, "projects.view_fundingsource")


def _source_totals(sources: QuerySet[FundingSource]) -> dict[str, Any]:
    totals = queries.with_balances(sources.order_by()).aggregate(
        amount_sum=Coalesce(Sum("amount"), queries.ZERO, output_field=MONEY),
        allocated_sum=Coalesce(Sum("allocated"), queries.ZERO, output_field=MONEY),
        disbursed_sum=Coalesce(Sum("disbursed"), queries.ZERO, output_field=MONEY),
    )
    return {
        "amount": totals["amount_sum"],
        "allocated": totals["allocated_sum"],
        "disbursed": totals["disbursed_sum"],
        "remaining": totals["amount_sum"] - totals["allocated_sum"],
    }


@login_required
@permission_required("projects.view_fundingsource", raise_exception=True)
def sources(request: HttpRequest) -> HttpResponse:
    """Funding sources with their allocated, disbursed and remaining money at a glance."""
    user = request.user
    year = _year(request.GET.get("year"))
    rows = _visible_sources(user)
    if year:
        rows = rows.filter(year=year)
    page = Paginator(
        queries.with_balances(rows.select_related("area")).order_by("-year", "name", "id"), SOURCES_PER_PAGE
    ).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "sources": list(page.object_list),
        "totals": _source_totals(rows),
        "year": year,
        "can_add": user.has_perm("projects.add_fundingsource"),
    }
    return render(request, "projects/sources.html", context)


@login_required
@permission_required("projects.add_fundingsource", raise_exception=True)
def source_create(request: HttpRequest) -> HttpResponse:
    form = project_forms.FundingSourceForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                source = services.create_funding_source(
                    kind=data["kind"],
                    name=data["name"],
                    year=data["year"],
                    amount=data["amount"],
                    area=data["area"],
                    by=request.user,
                    donor_name=data["donor_name"],
                    donor_credit_code=data["donor_credit_code"],
                    restriction=data["restriction"],
                    receipt_issued=data["receipt_issued"],
                )
            except DomainError as exc:
                form.add_domain_error(exc)
                status = exc.status_code
            else:
                messages.success(
                    request,
                    _("已登记资金来源“%(n)s”，金额 %(a)s 元。")
                    % {"n": source.name, "a": services.yuan(source.amount)},
                )
                return redirect("projects:sources")
    return render(request, "projects/source_form.html", {"form": form}, status=status)


def _ledger_projects(request: HttpRequest) -> tuple[QuerySet[Project], dict[str, Any]]:
    """Projects of the ledger: where the user reads money, drafts and cancelled ones with
    money on them included; filtered by year, category and area (``?area=`` / ``?under=``)."""
    user = request.user
    projects = _within(Project.objects.all(), user, "projects.view_allocation")
    projects, area_context = limit_to_area(projects, request)
    year = _year(request.GET.get("year"))
    category = request.GET.get("category", "")
    if year:
        projects = projects.filter(year=year)
    if category in LifecycleCategory.values:
        projects = projects.filter(lifecycle_category=category)
    else:
        category = ""
    return projects, {"year": year, "category": category, **area_context}


@login_required
@permission_required("projects.view_allocation", raise_exception=True)
def ledger(request: HttpRequest) -> HttpResponse:
    """Budget, disbursed and unpaid money per project and allocated, disbursed and remaining
    per funding source; every figure a ledger sum."""
    user = request.user
    projects, filters = _ledger_projects(request)
    rows_qs = queries.with_totals(projects.select_related("area", "programme", "claimed_by")).order_by(
        "-year", "title", "id"
    )
    page = Paginator(rows_qs, PROJECTS_PER_PAGE).get_page(request.GET.get("page"))
    source_rows = _visible_sources(user)
    if filters["year"]:
        source_rows = source_rows.filter(year=filters["year"])
    context = {
        "page": page,
        "projects": list(page.object_list),
        "totals": _sum_totals(projects),
        "sources": list(queries.with_balances(source_rows).order_by("-year", "name", "id")),
        "source_totals": _source_totals(source_rows),
        "categories": LifecycleCategory.choices,
        **filters,
    }
    return render(request, "projects/ledger.html", context)


@login_required
@permission_required("projects.view_allocation", raise_exception=True)
def ledger_export(request: HttpRequest) -> HttpResponse:
    """The ledger as an XLSX workbook (项目台账, 资金来源, 拨付明细), with the page's filters."""
    from gongzhi.projects.exporter import export_ledger

    projects, filters = _ledger_projects(request)
    source_rows = _visible_sources(request.user)
    if filters["year"]:
        source_rows = source_rows.filter(year=filters["year"])
    content = export_ledger(projects, source_rows)
    stamp = timezone.localdate().strftime("%Y%m%d")
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="gongzhi-ledger-{stamp}.xlsx"'
    return response


# ---------------------------------------------------------------------------------------------
# Life-cycle coverage and results


def _heat(value: int, peak: int) -> int:
    """Shade 0 (none) to HEAT_LEVELS (the busiest cell) by the number of projects."""
    if value <= 0 or peak <= 0:
        return 0
    return max(1, math.ceil(HEAT_LEVELS * value / peak))


@login_required
@permission_required("projects.view_project", raise_exception=True)
def coverage(request: HttpRequest) -> HttpResponse:
    """The seven life-cycle categories × the areas under ``?under=CODE`` (default: the top of
    the jurisdiction): projects, budget and person-times per cell, shaded by the number of
    projects; a child area with no project in a category is a gap (缺口)."""
    user = request.user
    code = (request.GET.get("under") or "").strip()
    if code:
        area = Area.objects.visible_to(user, "projects.view_project").filter(code=code).first()
    else:
        area = _home_area(user, "projects.view_project")
    if area is None:
        raise Http404
    year = _year(request.GET.get("year"))
    matrix = queries.coverage(area, projects=_visible_projects(user), year=year)
    peak = max(
        (matrix.cells[c][col.code].projects for c, _label in matrix.categories for col in matrix.columns),
        default=0,
    )
    columns = [
        {
            "area": col,
            "own": col.pk == area.pk,
            "drill": col.pk != area.pk and col.level != AreaLevel.GRID,
            "total": matrix.column_totals[col.code],
        }
        for col in matrix.columns
    ]
    rows = []
    for category, label in matrix.categories:
        cells = []
        for col in matrix.columns:
            cell = matrix.cells[category][col.code]
            cells.append(
                {
                    "area": col,
                    "cell": cell,
                    "heat": _heat(cell.projects, peak),
                    "gap": col.pk != area.pk and cell.projects == 0,
                }
            )
        rows.append(
            {"category": category, "label": label, "cells": cells, "total": matrix.row_totals[category]}
        )
    parent = None
    if area.parent_id and can(user, "projects.view_project", area.parent):
        parent = area.parent
    this_year = timezone.localdate().year
    context = {
        "area": area,
        "parent": parent,
        "year": year,
        "years": list(range(this_year + 1, this_year - 5, -1)),
        "columns": columns,
        "rows": rows,
        "matrix": matrix,
        "gaps": len(matrix.gaps()),
        "show_money": can(user, "projects.view_allocation", area),
    }
    return render(request, "projects/coverage.html", context)


@login_required
def results(request: HttpRequest) -> HttpResponse:
    """Evaluated projects with their grade and score: public to everyone with a role in the
    district (``ProjectQuerySet.own_rows``)."""
    user = request.user
    if not (_has_a_role(user) or may_browse_projects(user)):
        raise PermissionDenied
    projects = _visible_projects(user).filter(status=ProjectStatus.EVALUATED)
    year = _year(request.GET.get("year"))
    category = request.GET.get("category", "")
    if year:
        projects = projects.filter(year=year)
    if category in LifecycleCategory.values:
        projects = projects.filter(lifecycle_category=category)
    else:
        category = ""
    rows_qs = queries.with_totals(
        projects.select_related("area", "programme", "claimed_by", "evaluation")
    ).order_by("-evaluation__total", "-evaluation__evaluated_on", "id")
    page = Paginator(rows_qs, PROJECTS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "projects": list(page.object_list),
        "year": year,
        "category": category,
        "categories": LifecycleCategory.choices,
    }
    return render(request, "projects/results.html", context)
