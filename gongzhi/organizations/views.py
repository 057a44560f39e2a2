"""Social-organization pages: the directory, an organization's profile with the actions the
user may take, the filing form with its live checklist, the street's review queue,
registration, incubation, annual reports, alliances and statistics.

Every query starts from ``visible_to(request.user)``: an organization (or an application)
outside the jurisdiction answers 404, the same as one that does not exist. Every change is a
call to ``gongzhi.organizations.services``; a refused call (DomainError, FilingRuleFailed) is
shown on the form that made it.
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
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from gongzhi.areas.choices import AreaLevel
from gongzhi.areas.models import Area
from gongzhi.core.area_query import limit_to_area, with_area_field
from gongzhi.core.exceptions import DomainError
from gongzhi.core.scoping import can, jurisdiction_paths
from gongzhi.organizations import forms as org_forms
from gongzhi.organizations import importer, imports, queries, services
from gongzhi.organizations.choices import (
    ALLOWED_TRANSITIONS,
    INCUBATION_NEXT,
    LIVE_STATUSES,
    ApplicationStatus,
    FilingCategory,
    FilingRuleKind,
    IncubationStage,
    MemberRole,
    OrgAction,
    OrgStatus,
    Track,
)
from gongzhi.organizations.models import (
    Alliance,
    AnnualReport,
    FilingApplication,
    FilingRule,
    ImportJob,
    Incubation,
    Membership,
    Organization,
    Rating,
    ServicePlatform,
)
from gongzhi.people.forms import PersonCreateForm

ORGS_PER_PAGE = 30
APPLICATIONS_PER_PAGE = 30
REPORTS_PER_PAGE = 50
PEOPLE_PICKER_LIMIT = 20
FEED_ITEMS = 30
STATS_COMMUNITIES_PER_PAGE = 30
RUNNING_STAGES = (IncubationStage.ENTERED, IncubationStage.CULTIVATING)
REPORTING_STATUSES = (*LIVE_STATUSES, OrgStatus.SUSPENDED)
_ROLE_ORDER = {role: i for i, role in enumerate(MemberRole.values)}


def _is_htmx_partial(request: HttpRequest) -> bool:
    # A history restore asks for the whole page, even though htmx sends it.
    return request.headers.get("HX-Request") == "true" and not request.headers.get(
        "HX-History-Restore-Request"
    )


def _visible_orgs(user: Any) -> QuerySet[Organization]:
    return Organization.objects.visible_to(user)


def _member_count() -> Coalesce:
    """Current members of each row, as a subquery (no GROUP BY over the list's joins)."""
    members = (
        Membership.objects.filter(organization=OuterRef("pk"), left_on__isnull=True)
        .order_by()
        .values("organization")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(members, output_field=IntegerField()), 0)


def _current_level(today: datetime.date) -> Subquery:
    """The level of the rating valid today (the latest one if several are)."""
    ratings = Rating.objects.filter(
        organization=OuterRef("pk"), rated_on__lte=today, valid_until__gte=today
    ).order_by("-rated_on", "-id")
    return Subquery(ratings.values("level")[:1], output_field=IntegerField())


def _area_in_jurisdiction(user: Any, code: str, perm: str = "organizations.view_organization") -> Area | None:
    code = (code or "").strip()
    if not code:
        return None
    return Area.objects.visible_to(user, perm).filter(code=code).first()


def _home_area(user: Any, perm: str = "organizations.view_organization") -> Area | None:
    """The top of the user's jurisdiction (the first root, for a user holding several)."""
    if user.is_superuser:
        return Area.objects.filter(parent__isnull=True).order_by("path").first()
    roots = jurisdiction_paths(user, perm)
    return Area.objects.filter(path=roots[0]).first() if roots else None


# ---------------------------------------------------------------------------------------------
# The directory


@login_required
@permission_required("organizations.view_organization", raise_exception=True)
def directory(request: HttpRequest) -> HttpResponse:
    """Organizations in the jurisdiction, filtered and paginated; the name search runs live."""
    user = request.user
    # ``?under=CODE`` (the dashboard's link) fills the area filter like ``?area=CODE``.
    form = org_forms.DirectoryFilterForm(with_area_field(request.GET) or None)
    data = form.cleaned_data if form.is_valid() else {}
    today = timezone.localdate()
    orgs = (
        _visible_orgs(user)
        .select_related("area")
        .annotate(member_count=_member_count(), rating_level=_current_level(today))
        .order_by("name", "id")
    )
    area_missing = False
    if data.get("q"):
        orgs = orgs.filter(name__icontains=data["q"].strip())
    for field in ("track", "category", "status"):
        if data.get(field):
            orgs = orgs.filter(**{field: data[field]})
    if data.get("domain"):
        orgs = orgs.filter(domains__domain=data["domain"])
    if data.get("rating"):
        orgs = orgs.filter(rating_level=data["rating"])
    if data.get("incubating"):
        orgs = orgs.filter(is_incubating=data["incubating"] == "yes")
    if data.get("area"):
        area = _area_in_jurisdiction(user, data["area"])
        if area is None:
            area_missing = True
            orgs = orgs.none()
        else:
            orgs = orgs.filter(area__path__prefix=area.path)
    page = Paginator(orgs, ORGS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "orgs": list(page.object_list),
        "area_missing": area_missing,
        "filtered": any(data.values()),
        "can_add": user.has_perm("organizations.add_organization"),
        "can_register": user.has_perm("organizations.register_organization"),
        "can_import": user.has_perm(imports.IMPORT_PERMISSION),
    }
    if _is_htmx_partial(request):
        response = render(request, "organizations/_directory_results.html", context)
    else:
        context["areas"] = list(
            Area.objects.visible_to(user, "organizations.view_organization")
            .filter(level__in=(AreaLevel.STREET, AreaLevel.COMMUNITY))
            .order_by("path")
            .values_list("code", "name")[:500]
        )
        response = render(request, "organizations/directory.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# ---------------------------------------------------------------------------------------------
# The profile and its actions


class Abilities:
    """What ``user`` may do to ``org``, each answer computed once per request. The services
    check again; these only decide which forms to offer."""

    def __init__(self, user: Any, org: Organization) -> None:
        self.user, self.org = user, org

    @cached_property
    def change(self) -> bool:
        return can(self.user, "organizations.change_organization", self.org.area)

    @cached_property
    def register(self) -> bool:
        return can(self.user, "organizations.register_organization", self.org.area)

    @cached_property
    def lifecycle(self) -> bool:
        # The same split as services._lifecycle: the district for registered ones, the street
        # for filed ones.
        if self.org.track == Track.REGISTERED:
            return self.register
        return can(self.user, "organizations.review_filing", self.org.street or self.org.area)

    @cached_property
    def rate(self) -> bool:
        return can(self.user, "organizations.rate_organization", self.org.area)

    @cached_property
    def platforms(self) -> QuerySet[ServicePlatform]:
        return ServicePlatform.objects.visible_to(
            self.user, "organizations.manage_incubation"
        ).select_related("area")

    @cached_property
    def running_incubation(self) -> Incubation | None:
        return (
            self.org.incubations.filter(stage__in=RUNNING_STAGES)
            .select_related("platform", "platform__area")
            .first()
        )

    @cached_property
    def advance(self) -> bool:
        running = self.running_incubation
        return running is not None and can(
            self.user, "organizations.manage_incubation", running.platform.area
        )

    @cached_property
    def may_incubate(self) -> bool:
        return self.running_incubation is None and self.platforms.exists()


@dataclass(frozen=True)
class ProfileAction:
    name: str
    label: str | Promise
    statuses: tuple[str, ...]
    may: Callable[[Abilities], bool]
    form: Callable[[Abilities, Any], forms.Form]
    run: Callable[[Organization, dict[str, Any], Any, Abilities], str]
    danger: bool = False
    primary: bool = False


def _transition_from(action: str) -> tuple[str, ...]:
    return tuple(ALLOWED_TRANSITIONS[action][0])


def _run_apply(org: Organization, data: dict[str, Any], user: Any, ab: Abilities) -> str:
    services.apply_for_filing(org, by=user)
    return _("已提交备案申请，等待街道审核。")


def _run_register(org: Organization, data: dict[str, Any], user: Any, ab: Abilities) -> str:
    done = services.register_organization(
        org,
        by=user,
        legal_form=data["legal_form"],
        credit_code=data["credit_code"],
        registering_authority=data["registering_authority"],
        registered_on=data["registered_on"],
        name=data["name"] or None,
    )
    return _("“%(name)s”已登记。") % {"name": done.name}


def _run_lifecycle(service: Callable[..., Organization], done: str | Promise) -> Callable[..., str]:
    def run(org: Organization, data: dict[str, Any], user: Any, ab: Abilities) -> str:
        service(org, by=user, reason=data["reason"])
        return str(done)

    return run


def _run_incubate(org: Organization, data: dict[str, Any], user: Any, ab: Abilities) -> str:
    incubation = services.enter_incubation(org, platform=data["platform"], by=user, mentor=data["mentor"])
    return _("已入驻“%(p)s”。") % {"p": incubation.platform.name}


def _run_advance(org: Organization, data: dict[str, Any], user: Any, ab: Abilities) -> str:
    if ab.running_incubation is None:
        raise DomainError(_("该组织不在孵化中。"))
    done = services.advance_incubation(ab.running_incubation, to=data["to"], by=user, outcome=data["outcome"])
    return _("孵化阶段已转为“%(s)s”。") % {"s": done.get_stage_display()}


def _run_report(org: Organization, data: dict[str, Any], user: Any, ab: Abilities) -> str:
    report = services.submit_annual_report(org, by=user, **data)
    return _("%(y)s 年度年报已提交。") % {"y": report.year}


def _run_rate(org: Organization, data: dict[str, Any], user: Any, ab: Abilities) -> str:
    rating = services.rate_organization(org, by=user, **data)
    return _("已评为 %(l)s，有效期至 %(d)s。") % {"l": rating.get_level_display(), "d": rating.valid_until}


def _run_party(org: Organization, data: dict[str, Any], user: Any, ab: Abilities) -> str:
    services.set_party_building(org, by=user, **data)
    return _("党建信息已保存。")


def _report_initial() -> dict[str, Any]:
    return {"year": timezone.localdate().year - 1}


ACTIONS: list[ProfileAction] = [
    ProfileAction(
        "apply",
        gettext_lazy("申请备案"),
        _transition_from(OrgAction.APPLY),
        lambda a: a.org.track == Track.FILED and a.change,
        lambda a, d: org_forms.EmptyForm(d),
        _run_apply,
        primary=True,
    ),
    ProfileAction(
        "register",
        gettext_lazy("登记为社会组织法人"),
        _transition_from(OrgAction.REGISTER),
        lambda a: a.register,
        lambda a, d: org_forms.RegisterForm(d, user=a.user, new=False),
        _run_register,
    ),
    ProfileAction(
        "suspend",
        gettext_lazy("暂停活动"),
        _transition_from(OrgAction.SUSPEND),
        lambda a: a.lifecycle,
        lambda a, d: org_forms.ReasonForm(d),
        _run_lifecycle(services.suspend_organization, gettext_lazy("已暂停活动。")),
        danger=True,
    ),
    ProfileAction(
        "resume",
        gettext_lazy("恢复活动"),
        _transition_from(OrgAction.RESUME),
        lambda a: a.lifecycle,
        lambda a, d: org_forms.ReasonForm(d),
        _run_lifecycle(services.resume_organization, gettext_lazy("已恢复活动。")),
        primary=True,
    ),
    ProfileAction(
        "deregister",
        gettext_lazy("注销"),
        _transition_from(OrgAction.DEREGISTER),
        lambda a: a.lifecycle,
        lambda a, d: org_forms.ReasonForm(d),
        _run_lifecycle(services.deregister_organization, gettext_lazy("已注销。")),
        danger=True,
    ),
    ProfileAction(
        "incubate",
        gettext_lazy("入驻孵化"),
        (OrgStatus.DRAFT, OrgStatus.APPLYING, OrgStatus.FILED, OrgStatus.REGISTERED),
        lambda a: a.may_incubate,
        lambda a, d: org_forms.IncubateForm(d, platforms=a.platforms),
        _run_incubate,
    ),
    ProfileAction(
        "advance",
        gettext_lazy("推进孵化"),
        tuple(OrgStatus.values),
        lambda a: a.advance,
        lambda a, d: org_forms.AdvanceForm(d, stages=INCUBATION_NEXT[a.running_incubation.stage]),
        _run_advance,
    ),
    ProfileAction(
        "report",
        gettext_lazy("提交年报"),
        REPORTING_STATUSES,
        lambda a: a.change,
        lambda a, d: org_forms.AnnualReportForm(d, initial=_report_initial()),
        _run_report,
    ),
    ProfileAction(
        "rate",
        gettext_lazy("等级评估"),
        LIVE_STATUSES,
        lambda a: a.rate,
        lambda a, d: org_forms.RateForm(d),
        _run_rate,
    ),
    ProfileAction(
        "party",
        gettext_lazy("党建信息"),
        (OrgStatus.DRAFT, OrgStatus.APPLYING, *REPORTING_STATUSES),
        lambda a: a.change,
        lambda a, d: org_forms.PartyBuildingForm(
            d, initial={"party_org_type": a.org.party_org_type, "party_org_name": a.org.party_org_name}
        ),
        _run_party,
    ),
]
ACTIONS_BY_NAME = {action.name: action for action in ACTIONS}


def _build_action_form(action: ProfileAction, ab: Abilities, data: Any = None) -> forms.Form:
    form = action.form(ab, data)
    form.auto_id = f"{action.name}-%s"
    return form


def profile_actions(
    ab: Abilities, bound: tuple[str, forms.Form] | None = None
) -> list[tuple[ProfileAction, Any]]:
    offered = []
    for action in ACTIONS:
        if bound is not None and bound[0] == action.name:
            offered.append((action, bound[1]))
        elif ab.org.status in action.statuses and action.may(ab):
            offered.append((action, _build_action_form(action, ab)))
    return offered


def _profile_queryset(user: Any) -> QuerySet[Organization]:
    return _visible_orgs(user).select_related("area", "street", "leader", "created_by")


@dataclass(frozen=True)
class ReportYear:
    year: int
    report: AnnualReport | None

    @property
    def missing(self) -> bool:
        return self.report is None


def _report_years(org: Organization, reports: list[AnnualReport]) -> list[ReportYear]:
    """Each year the organization owes a report, newest first — the rule of
    ``services.missing_annual_report``, applied to reports already loaded."""
    by_year = {r.year: r for r in reports}
    started = org.filed_on or org.registered_on
    last = timezone.localdate().year - 1
    owed: list[ReportYear] = []
    if started is not None and org.status in REPORTING_STATUSES:
        owed = [ReportYear(y, by_year.get(y)) for y in range(last, started.year - 1, -1)]
    owed_years = {r.year for r in owed}
    extra = [ReportYear(r.year, r) for r in reports if r.year not in owed_years]
    return sorted([*owed, *extra], key=lambda r: -r.year)


def _checklist_rows(results: list[services.RuleResult], members: int | None = None) -> list[dict[str, Any]]:
    """Rule results with the member rule's target (for "0/10"), for the checklist partial."""
    rules = {r.code: r for r in FilingRule.objects.filter(code__in=[x.rule for x in results])}
    rows = []
    for result in results:
        rule = rules.get(result.rule)
        target = rule.parameter if rule is not None and rule.kind == FilingRuleKind.MIN_MEMBERS else None
        rows.append({"result": result, "target": target, "members": members if target is not None else None})
    return rows


def _profile_context(
    request: HttpRequest, org: Organization, *, bound: tuple[str, forms.Form] | None = None, **extra: Any
) -> dict[str, Any]:
    user = request.user
    ab = Abilities(user, org)
    memberships = sorted(
        org.memberships.filter(left_on__isnull=True).select_related("person"),
        key=lambda m: (_ROLE_ORDER.get(m.role, 99), m.joined_on, m.pk),
    )
    reports = list(org.annual_reports.select_related("submitted_by"))
    checklist = None
    if org.track == Track.FILED and org.status == OrgStatus.DRAFT:
        results = services.filing_checklist(org, members=len(memberships))
        checklist = {
            "rows": _checklist_rows(results, len(memberships)),
            "passed": all(r.passed for r in results),
        }
    may_add_person = ab.change and user.has_perm("people.add_person")
    context = {
        "org": org,
        "ab": ab,
        "memberships": memberships,
        "party_members": sum(1 for m in memberships if m.person.political_status in org_forms.PARTY_STATUSES),
        "former_members": org.memberships.filter(left_on__isnull=False).count(),
        "domains": list(org.domains.all()),
        "changes": list(org.changes.select_related("actor")),
        "applications": list(org.applications.select_related("street", "submitted_by", "decided_by")),
        "incubations": list(org.incubations.select_related("platform")),
        "report_years": _report_years(org, reports),
        "ratings": list(org.ratings.all()),
        "current_rating": services.current_rating(org),
        "alliances": list(org.alliance_memberships.select_related("alliance", "alliance__lead")),
        "checklist": checklist,
        "actions": profile_actions(ab, bound=bound),
        "open_action": bound[0] if bound else None,
        "may_edit": ab.change and org.status != OrgStatus.DEREGISTERED,
        "may_members": ab.change and org.status != OrgStatus.DEREGISTERED,
        "member_form": org_forms.AddMemberForm(user=user, auto_id="member-%s"),
        "new_person_form": (
            PersonCreateForm(user=user, prefix="newp", auto_id="newp-%s") if may_add_person else None
        ),
        "new_person_role_form": org_forms.MemberRoleForm(prefix="newp", auto_id="newp-%s"),
    }
    context.update(extra)
    return context


@login_required
@permission_required("organizations.view_organization", raise_exception=True)
def profile(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything about one organization, and the forms for what the user may do now."""
    org = get_object_or_404(_profile_queryset(request.user), pk=pk)
    return render(request, "organizations/profile.html", _profile_context(request, org))


@never_cache
@login_required
@require_POST
def org_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Run one lifecycle action from its form on the profile; a refusal is shown on that form."""
    spec = ACTIONS_BY_NAME.get(action)
    if spec is None:
        raise Http404
    org = get_object_or_404(_profile_queryset(request.user), pk=pk)
    ab = Abilities(request.user, org)
    form = _build_action_form(spec, ab, request.POST)
    status = 400
    if form.is_valid():
        try:
            done = spec.run(org, form.cleaned_data, request.user, ab)
        except DomainError as exc:
            form.add_domain_error(exc)
            status = exc.status_code
        else:
            messages.success(request, done)
            return redirect("organizations:profile", pk=org.pk)
    return render(
        request,
        "organizations/profile.html",
        _profile_context(request, org, bound=(spec.name, form)),
        status=status,
    )


def _changeable(request: HttpRequest, pk: int) -> Organization:
    org = get_object_or_404(_profile_queryset(request.user), pk=pk)
    if not can(request.user, "organizations.change_organization", org.area):
        raise PermissionDenied
    if org.status == OrgStatus.DEREGISTERED:
        raise PermissionDenied
    return org


@never_cache
@login_required
@require_POST
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add an existing person (picked by name within the jurisdiction) as a member."""
    org = _changeable(request, pk)
    form = org_forms.AddMemberForm(request.POST, user=request.user, auto_id="member-%s")
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            membership = services.add_member(
                org, person=data["person"], role=data["role"], joined_on=data["joined_on"], by=request.user
            )
        except DomainError as exc:
            form.add_domain_error(exc)
            status = exc.status_code
        else:
            messages.success(request, _("已添加成员“%(name)s”。") % {"name": membership.person.name})
            return redirect(f"{org_url(org)}#members")
    context = _profile_context(request, org, member_form=form, open_members=True)
    return render(request, "organizations/profile.html", context, status=status)


@never_cache
@login_required
@require_POST
def member_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Register a new person (people.services) and add them as a member, in one step."""
    org = _changeable(request, pk)
    if not request.user.has_perm("people.add_person"):
        raise PermissionDenied
    form = PersonCreateForm(request.POST, user=request.user, prefix="newp", auto_id="newp-%s")
    role_form = org_forms.MemberRoleForm(request.POST, prefix="newp", auto_id="newp-%s")
    status = 400
    if form.is_valid() and role_form.is_valid():
        try:
            with transaction.atomic():
                person = form.save()
                services.add_member(org, person=person, role=role_form.cleaned_data["role"], by=request.user)
        except DomainError as exc:
            form.add_domain_error(exc)
            status = exc.status_code
        else:
            messages.success(request, _("已登记并添加成员“%(name)s”。") % {"name": person.name})
            return redirect(f"{org_url(org)}#members")
    context = _profile_context(
        request, org, new_person_form=form, new_person_role_form=role_form, open_new_person=True
    )
    return render(request, "organizations/profile.html", context, status=status)


@never_cache
@login_required
@require_POST
def member_remove(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    org = _changeable(request, pk)
    membership = get_object_or_404(
        org.memberships.filter(left_on__isnull=True).select_related("person"), pk=membership_pk
    )
    services.remove_member(membership, by=request.user)
    messages.success(request, _("“%(name)s”已退出本组织。") % {"name": membership.person.name})
    return redirect(f"{org_url(org)}#members")


def org_url(org: Organization) -> str:
    return reverse("organizations:profile", args=[org.pk])


@login_required
@require_GET
def person_picker(request: HttpRequest) -> HttpResponse:
    """The options of a person picker (htmx): people in the jurisdiction whose name matches."""
    field = request.GET.get("field", "person")
    if field not in ("leader", "person"):
        raise Http404
    query = (request.GET.get("q") or "").strip()
    people = []
    if query:
        people = list(org_forms.people_for(request.user).filter(name__icontains=query)[:PEOPLE_PICKER_LIMIT])
    dom_id = request.GET.get("dom_id") or f"id_{field}"
    context = {"people": people, "field": field, "dom_id": dom_id, "query": query, "selected": None}
    return render(request, "organizations/_person_options.html", context)


# ---------------------------------------------------------------------------------------------
# The filing form and its live checklist


def _checklist_facts(user: Any, data: Any, org: Organization | None) -> tuple[int, bool, bool, str]:
    """The facts the rules look at, from a form being filled in: members (an existing
    organization's current members, a new one's leader), leader, charter, venue."""
    leader_id = str(data.get("leader") or "")
    leader = org_forms.people_for(user).filter(pk=leader_id).first() if leader_id.isdigit() else None
    charter_chosen = data.get("charter_chosen") in ("1", "true", "on")
    if org is not None:
        current = org.memberships.filter(left_on__isnull=True)
        members = current.count()
        if leader is not None and not current.filter(person=leader).exists():
            members += 1
        has_charter = bool(org.charter) or charter_chosen
    else:
        members = 1 if leader is not None else 0
        has_charter = charter_chosen
    return members, leader is not None, has_charter, str(data.get("venue") or "")


def _checklist_context(user: Any, data: Any, org: Organization | None) -> dict[str, Any]:
    members, has_leader, has_charter, venue = _checklist_facts(user, data, org)
    results = services.filing_checklist(
        members=members, has_leader=has_leader, has_charter=has_charter, venue=venue
    )
    return {
        "checklist": {"rows": _checklist_rows(results, members), "passed": all(r.passed for r in results)},
        "checklist_org": org,
    }


@never_cache
@login_required
@require_POST
def checklist(request: HttpRequest) -> HttpResponse:
    """The filing checklist for the facts in the form (htmx, on every change): each rule
    ticked or with what is still missing. Reads only; nothing is saved."""
    user = request.user
    if not (
        user.has_perm("organizations.add_organization") or user.has_perm("organizations.change_organization")
    ):
        raise PermissionDenied
    org = None
    org_id = request.POST.get("organization", "")
    if org_id.isdigit():
        org = get_object_or_404(_visible_orgs(user), pk=org_id)
    return render(request, "organizations/_checklist.html", _checklist_context(user, request.POST, org))


def _form_data_for_checklist(form: org_forms.OrganizationForm, org: Organization | None) -> dict[str, Any]:
    if form.is_bound:
        return {
            "leader": form.data.get("leader"),
            "venue": form.data.get("venue"),
            "charter_chosen": "1" if form.files.get("charter") else "",
        }
    initial = form.initial
    return {"leader": initial.get("leader") or "", "venue": initial.get("venue") or "", "charter_chosen": ""}


def _leader_choice(form: org_forms.OrganizationForm) -> Any:
    value = form.data.get("leader") if form.is_bound else form.initial.get("leader")
    if value and str(value).isdigit():
        return form.fields["leader"].queryset.filter(pk=value).first()
    return None


@login_required
@permission_required("organizations.add_organization", raise_exception=True)
def create(request: HttpRequest) -> HttpResponse:
    """A new community organization (a draft on the filing track), with the live checklist."""
    user = request.user
    form = org_forms.OrganizationForm(request.POST or None, request.FILES or None, user=user)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                org = services.create_organization(
                    name=data["name"],
                    area=data["area"],
                    by=user,
                    category=data["category"],
                    venue=data["venue"],
                    leader=data["leader"],
                    description=data["description"],
                    domains=data["domains"],
                    charter=data["charter"],
                )
            except DomainError as exc:
                form.add_domain_error(exc)
                status = exc.status_code
            else:
                messages.success(
                    request, _("已保存“%(name)s”。添加成员后即可申请备案。") % {"name": org.name}
                )
                return redirect("organizations:profile", pk=org.pk)
    context = {
        "form": form,
        "org": None,
        "leader_choice": _leader_choice(form),
        **_checklist_context(user, _form_data_for_checklist(form, None), None),
    }
    return render(request, "organizations/form.html", context, status=status)


EDITABLE_FIELDS = ("name", "category", "area", "venue", "leader", "description")


@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change an organization's profile (update_organization); the checklist follows along."""
    user = request.user
    org = _changeable(request, pk)
    initial = {
        "name": org.name,
        "category": org.category,
        "area": org.area_id,
        "venue": org.venue,
        "leader": org.leader_id,
        "description": org.description,
        "domains": list(org.domains.values_list("domain", flat=True)),
    }
    form = org_forms.OrganizationForm(
        request.POST or None,
        request.FILES or None,
        user=user,
        perm="organizations.change_organization",
        initial=initial,
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            changes = {f: data[f] for f in EDITABLE_FIELDS if f in form.changed_data}
            if data["charter"]:
                changes["charter"] = data["charter"]
            try:
                with transaction.atomic():
                    if changes:
                        services.update_organization(org, by=user, **changes)
                    if "domains" in form.changed_data:
                        services.set_domains(org, data["domains"])
            except DomainError as exc:
                form.add_domain_error(exc)
                status = exc.status_code
            else:
                messages.success(request, _("已保存。"))
                return redirect("organizations:profile", pk=org.pk)
    context = {
        "form": form,
        "org": org,
        "leader_choice": _leader_choice(form),
        **_checklist_context(user, _form_data_for_checklist(form, org), org),
    }
    return render(request, "organizations/form.html", context, status=status)


# ---------------------------------------------------------------------------------------------
# The street's review queue


def _applications(user: Any) -> QuerySet[FilingApplication]:
    return FilingApplication.objects.visible_to(user, "organizations.review_filing").select_related(
        "organization", "organization__area", "street", "submitted_by", "decided_by"
    )


@login_required
@permission_required("organizations.review_filing", raise_exception=True)
def filings(request: HttpRequest) -> HttpResponse:
    """Pending applications of the user's streets, oldest first; decided ones on the history tab."""
    tab = "history" if request.GET.get("tab") == "history" else "pending"
    applications, area_context = limit_to_area(
        _applications(request.user), request, "street__path", "organization__area__path"
    )
    if tab == "pending":
        applications = applications.filter(status=ApplicationStatus.PENDING).order_by("submitted_at", "id")
    else:
        applications = applications.exclude(status=ApplicationStatus.PENDING).order_by("-decided_at", "-id")
    page = Paginator(applications, APPLICATIONS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [{"application": a, "refuse_form": _refuse_form(a)} for a in page.object_list]
    context = {"tab": tab, "page": page, "rows": rows, **area_context}
    return render(request, "organizations/filings.html", context)


def _refuse_form(application: FilingApplication, data: Any = None) -> org_forms.RefuseForm:
    return org_forms.RefuseForm(data, auto_id=f"a{application.pk}-%s")


@login_required
@permission_required("organizations.review_filing", raise_exception=True)
def filing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One application: its checklist snapshot, the organization's earlier applications, and
    (while pending) approve / refuse. Another street's application answers 404."""
    application = get_object_or_404(_applications(request.user), pk=pk)
    return render(request, "organizations/filing_detail.html", _filing_context(application))


def _filing_context(application: FilingApplication, refuse_form: Any = None, **extra: Any) -> dict[str, Any]:
    org = application.organization
    return {
        "application": application,
        "org": org,
        "earlier": list(
            org.applications.exclude(pk=application.pk).select_related("decided_by").order_by("-submitted_at")
        ),
        "members": org.memberships.filter(left_on__isnull=True).count(),
        "refuse_form": refuse_form or _refuse_form(application),
        **extra,
    }


@never_cache
@login_required
@require_POST
def filing_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Approve or refuse (with a reason). From the queue (htmx) the answer is the row itself."""
    if action not in ("approve", "refuse"):
        raise Http404
    application = get_object_or_404(_applications(request.user), pk=pk)
    form = _refuse_form(application, request.POST if action == "refuse" else None)
    error = ""
    status = 200
    try:
        if action == "approve":
            decided = services.approve_filing(application, by=request.user)
            notice = _("已准予备案，备案编号 %(n)s。") % {"n": decided.filing_number}
        else:
            form.is_valid()
            decided = services.refuse_filing(
                application, by=request.user, reason=request.POST.get("reason", "")
            )
            notice = _("已不予备案，申请人将收到理由。")
    except DomainError as exc:
        error = str(exc.message)
        status = exc.status_code
        if action == "refuse":
            form.add_domain_error(exc)
        decided = None
        notice = ""
    fresh = _applications(request.user).get(pk=application.pk)
    if _is_htmx_partial(request):
        row = {"application": fresh, "refuse_form": form if action == "refuse" else _refuse_form(fresh)}
        context = {"row": row, "notice": notice, "error": error, "tab": "pending"}
        return render(request, "organizations/_filing_row.html", context, status=status)
    if decided is not None:
        messages.success(request, notice)
        return redirect("organizations:filing", pk=application.pk)
    context = _filing_context(fresh, refuse_form=form if action == "refuse" else None, error=error)
    return render(request, "organizations/filing_detail.html", context, status=status)


# ---------------------------------------------------------------------------------------------
# Registration of a new registered organization


@login_required
@permission_required("organizations.register_organization", raise_exception=True)
def register(request: HttpRequest) -> HttpResponse:
    """Record a registered organization (登记) that has no filing history here."""
    form = org_forms.RegisterForm(request.POST or None, user=request.user, new=True, auto_id="reg-%s")
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                org = services.register_organization(
                    by=request.user,
                    name=data["name"],
                    area=data["area"],
                    legal_form=data["legal_form"],
                    credit_code=data["credit_code"],
                    registering_authority=data["registering_authority"],
                    registered_on=data["registered_on"],
                )
            except DomainError as exc:
                form.add_domain_error(exc)
                status = exc.status_code
            else:
                messages.success(request, _("“%(name)s”已登记。") % {"name": org.name})
                return redirect("organizations:profile", pk=org.pk)
    return render(request, "organizations/register.html", {"form": form}, status=status)


# ---------------------------------------------------------------------------------------------
# Incubation


@login_required
@permission_required("organizations.view_organization", raise_exception=True)
def incubation(request: HttpRequest) -> HttpResponse:
    """The service platforms in the jurisdiction with their organizations by stage."""
    user = request.user
    platforms = list(ServicePlatform.objects.visible_to(user).select_related("area"))
    incubations = (
        Incubation.objects.visible_to(user)
        .filter(platform__in=[p.pk for p in platforms])
        .exclude(stage=IncubationStage.WITHDRAWN)
        .select_related("organization")
        .order_by("entered_on", "id")
    )
    stages = (IncubationStage.ENTERED, IncubationStage.CULTIVATING, IncubationStage.GRADUATED)
    by_platform: dict[int, dict[str, list[Incubation]]] = {p.pk: {s: [] for s in stages} for p in platforms}
    for item in incubations:
        by_platform[item.platform_id][item.stage].append(item)
    manageable = {p.pk for p in platforms if can(user, "organizations.manage_incubation", p.area)}
    rows = [
        {
            "platform": p,
            "columns": [
                {
                    "stage": IncubationStage(s),
                    "items": [
                        {"incubation": i, "next": [IncubationStage(n) for n in INCUBATION_NEXT[i.stage]]}
                        for i in by_platform[p.pk][s]
                    ],
                }
                for s in stages
            ],
            "may_manage": p.pk in manageable,
        }
        for p in platforms
    ]
    return render(request, "organizations/incubation.html", {"rows": rows})


@never_cache
@login_required
@require_POST
def incubation_advance(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(
        Incubation.objects.visible_to(request.user).select_related(
            "organization", "platform", "platform__area"
        ),
        pk=pk,
    )
    form = org_forms.AdvanceForm(request.POST, stages=INCUBATION_NEXT[item.stage])
    if not form.is_valid():
        messages.error(request, _("请选择要转入的阶段。"))
        return redirect("organizations:incubation")
    try:
        done = services.advance_incubation(
            item, to=form.cleaned_data["to"], by=request.user, outcome=form.cleaned_data["outcome"]
        )
    except DomainError as exc:
        messages.error(request, f"{item.organization.name}：{exc.message}")
    else:
        messages.success(
            request,
            _("“%(org)s”已转为“%(s)s”。") % {"org": item.organization.name, "s": done.get_stage_display()},
        )
    return redirect("organizations:incubation")


# ---------------------------------------------------------------------------------------------
# Annual reports


@login_required
@permission_required("organizations.view_organization", raise_exception=True)
def annual_reports(request: HttpRequest) -> HttpResponse:
    """For one year: live organizations of the jurisdiction that owe a report, submitted or
    missing (missing ones first, flagged) — the rule of ``services.missing_annual_report``."""
    this_year = timezone.localdate().year
    try:
        year = int(request.GET.get("year", this_year - 1))
    except ValueError:
        year = this_year - 1
    year = min(max(year, 2000), this_year)
    show = request.GET.get("show", "")
    reports = AnnualReport.objects.filter(organization=OuterRef("pk"), year=year)
    orgs = (
        _visible_orgs(request.user)
        .filter(status__in=REPORTING_STATUSES)
        .filter(Q(filed_on__year__lte=year) | Q(filed_on__isnull=True, registered_on__year__lte=year))
        .select_related("area")
        .annotate(
            submitted=Exists(reports),
            report_id=Subquery(reports.values("pk")[:1]),
        )
    )
    orgs, area_context = limit_to_area(orgs, request)
    total = orgs.count()
    submitted = orgs.filter(submitted=True).count()
    if show == "missing":
        orgs = orgs.filter(submitted=False)
    elif show == "submitted":
        orgs = orgs.filter(submitted=True)
    page = Paginator(orgs.order_by("submitted", "name", "id"), REPORTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "year": year,
        "years": list(range(this_year, this_year - 6, -1)),
        "show": show,
        "page": page,
        "orgs": list(page.object_list),
        "total": total,
        "submitted_count": submitted,
        "missing_count": total - submitted,
        **area_context,
    }
    return render(request, "organizations/annual_reports.html", context)


# ---------------------------------------------------------------------------------------------
# Alliances


def _member_people(org_ids: Any) -> int:
    """Distinct people who are current members of any of the organizations."""
    return (
        Membership.objects.filter(organization__in=org_ids, left_on__isnull=True)
        .values("person")
        .distinct()
        .count()
    )


@login_required
@permission_required("organizations.view_organization", raise_exception=True)
def alliances(request: HttpRequest) -> HttpResponse:
    alliance_list = (
        Alliance.objects.visible_to(request.user)
        .select_related("lead", "area")
        .annotate(org_count=Count("memberships", distinct=True))
        .order_by("name")
    )
    return render(request, "organizations/alliances.html", {"alliances": alliance_list})


def _alliance_context(request: HttpRequest, alliance: Alliance, post_form: Any = None) -> dict[str, Any]:
    user = request.user
    members = list(
        alliance.memberships.select_related("organization", "organization__area")
        .annotate(member_count=_member_count_for_alliance())
        .order_by("joined_on", "id")
    )
    org_ids = [m.organization_id for m in members]
    postable = _postable_orgs(user, alliance)
    last_year = timezone.localdate().year - 1
    reported = AnnualReport.objects.filter(organization__in=org_ids, year=last_year).aggregate(
        reports=Count("pk"), activities=Coalesce(Sum("activities"), 0)
    )
    return {
        "alliance": alliance,
        "members": members,
        "figures": {
            "organizations": len(members),
            "people": _member_people(org_ids),
            "reports": reported["reports"],
            "activities": reported["activities"],
            "year": last_year,
        },
        "posts": list(alliance.posts.select_related("organization", "author")[:FEED_ITEMS]),
        "post_form": post_form
        or (org_forms.AlliancePostForm(organizations=postable) if postable.exists() else None),
    }


def _member_count_for_alliance() -> Coalesce:
    members = (
        Membership.objects.filter(organization=OuterRef("organization"), left_on__isnull=True)
        .order_by()
        .values("organization")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(members, output_field=IntegerField()), 0)


def _postable_orgs(user: Any, alliance: Alliance) -> QuerySet[Organization]:
    """Member organizations the user acts for: those they may change, or lead."""
    in_alliance = _visible_orgs(user).filter(alliance_memberships__alliance=alliance)
    paths = jurisdiction_paths(user, "organizations.change_organization")
    condition = Q(leader__user=user)
    if user.is_superuser:
        condition = Q()
    for path in paths:
        condition |= Q(area__path__prefix=path)
    return in_alliance.filter(condition).order_by("name")


@login_required
@permission_required("organizations.view_organization", raise_exception=True)
def alliance_detail(request: HttpRequest, pk: int) -> HttpResponse:
    alliance = get_object_or_404(
        Alliance.objects.visible_to(request.user).select_related("lead", "area"), pk=pk
    )
    return render(request, "organizations/alliance_detail.html", _alliance_context(request, alliance))


@never_cache
@login_required
@require_POST
def alliance_post(request: HttpRequest, pk: int) -> HttpResponse:
    alliance = get_object_or_404(
        Alliance.objects.visible_to(request.user).select_related("lead", "area"), pk=pk
    )
    postable = _postable_orgs(request.user, alliance)
    form = org_forms.AlliancePostForm(request.POST, organizations=postable)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.post_alliance_news(
                alliance,
                organization=data["organization"],
                by=request.user,
                title=data["title"],
                body=data["body"],
            )
        except DomainError as exc:
            form.add_domain_error(exc)
            status = exc.status_code
        else:
            messages.success(request, _("动态已发布。"))
            return redirect("organizations:alliance", pk=alliance.pk)
    context = _alliance_context(request, alliance, post_form=form)
    return render(request, "organizations/alliance_detail.html", context, status=status)


# ---------------------------------------------------------------------------------------------
# Statistics


@login_required
@permission_required("organizations.view_organization", raise_exception=True)
def stats(request: HttpRequest) -> HttpResponse:
    """Density per 10,000 residents, counts by track/category/status, the density of each
    child area, and the party-building shares of the communities under the chosen area
    (``?under=CODE``, default: the top of the user's jurisdiction)."""
    user = request.user
    code = request.GET.get("under", "")
    area = _area_in_jurisdiction(user, code) if code else _home_area(user)
    if area is None:
        raise Http404
    figures = queries.organization_stats(area)
    communities = (
        Area.objects.visible_to(user, "organizations.view_organization")
        .filter(level=AreaLevel.COMMUNITY, path__prefix=area.path)
        .order_by("path")
    )
    page = Paginator(communities, STATS_COMMUNITIES_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "area": area,
        "figures": figures,
        "by_category": [
            (label, figures["by_category"].get(value, 0)) for value, label in FilingCategory.choices
        ],
        "by_status": [(label, figures["by_status"].get(value, 0)) for value, label in OrgStatus.choices],
        "area_shares": queries.party_building_shares(area),
        "children": [] if area.level == AreaLevel.GRID else queries.density_by_child(area),
        "page": page,
        "community_shares": [(c, queries.party_building_shares(c)) for c in page.object_list],
        "parent_code": (
            area.parent.code
            if area.parent_id and can(user, "organizations.view_organization", area.parent)
            else None
        ),
    }
    return render(request, "organizations/stats.html", context)


# ---------------------------------------------------------------------------------------------
# Importing organizations from XLSX: a background job, its status polled by htmx

IMPORT_JOBS_SHOWN = 20
IMPORT_POLL_SECONDS = 2
_COUNT_LABELS = (
    ("organizations", gettext_lazy("新建组织")),
    ("members", gettext_lazy("成员")),
    ("people", gettext_lazy("新登记人员")),
    ("applications", gettext_lazy("备案申请")),
)


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("XLSX 文件"),
        help_text=gettext_lazy("工作表“组织”和“成员”，请使用导入模板；全部成功或全部不导入。"),
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("只检查，不写入"),
        required=False,
        help_text=gettext_lazy("先检查文件中的问题，确认无误后再正式导入。"),
    )


def _import_jobs(user: Any) -> QuerySet[ImportJob]:
    return ImportJob.objects.visible_to(user).select_related("created_by")


def _job_context(job: ImportJob) -> dict[str, Any]:
    problems = [
        {**p, "label": importer.SHEETS.get(p.get("sheet"), {}).get(p.get("column") or "", "")}
        for p in job.problems
    ]
    counts = [(label, (job.counts or {}).get(key, 0)) for key, label in _COUNT_LABELS]
    return {"job": job, "problems": problems, "counts": counts, "poll_seconds": IMPORT_POLL_SECONDS}


@login_required
@permission_required(imports.IMPORT_PERMISSION, raise_exception=True)
@never_cache
def import_page(request: HttpRequest) -> HttpResponse:
    """The upload form and the caller's recent import jobs. A file refused up front (too large,
    not an XLSX) is shown on the form; otherwise the job page follows the import."""
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = imports.start_import(
                form.cleaned_data["file"], by=request.user, dry_run=form.cleaned_data["dry_run"]
            )
        except DomainError as exc:
            form.add_error("file", str(exc.message))
        else:
            return redirect("organizations:import_job", pk=job.pk)
    context = {"form": form, "jobs": list(_import_jobs(request.user)[:IMPORT_JOBS_SHOWN])}
    return render(request, "organizations/import.html", context, status=400 if form.errors else 200)


@login_required
@permission_required(imports.IMPORT_PERMISSION, raise_exception=True)
@never_cache
@require_GET
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    """One job: the whole page, or (for htmx polling) only its status, polled until done."""
    job = get_object_or_404(_import_jobs(request.user), pk=pk)
    template = (
        "organizations/import_job_status.html"
        if _is_htmx_partial(request)
        else "organizations/import_job.html"
    )
    response = render(request, template, _job_context(job))
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@permission_required(imports.IMPORT_PERMISSION, raise_exception=True)
@require_GET
def import_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The job's XLSX report (its problems, or the organizations it created)."""
    job = get_object_or_404(_import_jobs(request.user), pk=pk)
    if not job.report:
        raise Http404
    with job.report.open("rb") as f:
        response = HttpResponse(f.read(), content_type=importer.XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="organization-import-{job.pk}-report.xlsx"'
    return response
