"""Writes for social organizations: create, members, the filing checklist and review,
registration, suspension, incubation, annual reports, ratings, party building, alliances.

Status changes go through ``_change_status``: lock the row, check ``ALLOWED_TRANSITIONS``,
save with ``update_fields``, append an ``OrganizationChange`` row, notify on commit.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.areas.choices import AreaLevel
from gongzhi.areas.models import Area
from gongzhi.audit.receivers import transition_detail
from gongzhi.audit.services import Category, record_many
from gongzhi.core.exceptions import Conflict, DomainError, Forbidden, InvalidTransition
from gongzhi.core.history import log_created_bulk
from gongzhi.core.scoping import can
from gongzhi.core.security import check_document
from gongzhi.notifications.services import notify
from gongzhi.organizations.choices import (
    ACTIVE_STATUSES,
    ALLOWED_TRANSITIONS,
    INCUBATION_NEXT,
    LIVE_STATUSES,
    ApplicationStatus,
    FilingCategory,
    FilingRuleKind,
    IncubationStage,
    LegalForm,
    MemberRole,
    OrgAction,
    OrgStatus,
    PartyOrgType,
    ServiceDomain,
    Track,
)
from gongzhi.organizations.models import (
    Alliance,
    AllianceMembership,
    AlliancePost,
    AnnualReport,
    FilingApplication,
    FilingCounter,
    FilingRule,
    Incubation,
    Membership,
    Organization,
    OrganizationChange,
    OrganizationDomain,
    Rating,
    ServicePlatform,
)
from gongzhi.organizations.validators import validate_credit_code


class FilingRuleFailed(DomainError):
    """The organization does not meet the filing rules; ``problems`` lists each failed rule."""

    status_code = 422
    code = "filing_rules_failed"

    def __init__(self, problems: list[dict[str, str]]):
        super().__init__(
            _("尚不满足备案条件：%(list)s。") % {"list": _("；").join(p["message"] for p in problems)}
        )
        self.problems = problems

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "problems": self.problems}


# ---------------------------------------------------------------------------------------------
# Areas


def street_of(area: Area) -> Area | None:
    """The street an area lies in (itself when it is a street)."""
    if area.level == AreaLevel.STREET:
        return area
    codes = area.path.strip("/").split("/")
    return Area.objects.filter(code__in=codes, level=AreaLevel.STREET).first()


# ---------------------------------------------------------------------------------------------
# The filing checklist: one function for the form, the API, the import and the review


@dataclass
class RuleResult:
    rule: str
    message: str
    passed: bool
    detail: str


def filing_checklist(
    organization: Organization | None = None,
    *,
    members: int | None = None,
    has_leader: bool | None = None,
    has_charter: bool | None = None,
    venue: str | None = None,
) -> list[RuleResult]:
    """Each active filing rule, passed or not, with what is still missing.

    Takes an organization, or the raw facts (a form being filled in, an import row); given
    facts override the organization's.
    """
    if organization is not None:
        if members is None:
            members = organization.memberships.filter(left_on__isnull=True).count() if organization.pk else 0
        if has_leader is None:
            has_leader = organization.leader_id is not None
        if has_charter is None:
            has_charter = bool(organization.charter)
        if venue is None:
            venue = organization.venue
    members = members or 0
    results = []
    for rule in FilingRule.objects.filter(is_active=True):
        if rule.kind == FilingRuleKind.MIN_MEMBERS:
            passed = members >= rule.parameter
            detail = (
                _("现有 %(n)s 人") % {"n": members}
                if passed
                else _("现有 %(n)s 人，还差 %(m)s 人") % {"n": members, "m": rule.parameter - members}
            )
        elif rule.kind == FilingRuleKind.HAS_LEADER:
            passed, detail = bool(has_leader), "" if has_leader else _("请指定一名负责人")
        elif rule.kind == FilingRuleKind.HAS_CHARTER:
            passed, detail = bool(has_charter), "" if has_charter else _("请上传章程")
        else:
            passed = bool((venue or "").strip())
            detail = "" if passed else _("请填写活动场所")
        results.append(RuleResult(rule=rule.code, message=rule.message, passed=passed, detail=detail))
    return results


def failed_rules(results: Iterable[RuleResult]) -> list[dict[str, str]]:
    return [
        {"rule": r.rule, "message": f"{r.message}（{r.detail}）" if r.detail else r.message}
        for r in results
        if not r.passed
    ]


# ---------------------------------------------------------------------------------------------
# Organizations and members


def _check_unique_name(name: str, *, track: str, street: Area | None, exclude: int | None = None) -> None:
    others = Organization.objects.filter(name=name, track=track, status__in=ACTIVE_STATUSES)
    if track == Track.FILED:
        others = others.filter(street=street)
    if exclude:
        others = others.exclude(pk=exclude)
    if others.exists():
        message = (
            _("本街道已有名为“%(name)s”的社会组织，请换一个名称。")
            if track == Track.FILED
            else _("全区已有名为“%(name)s”的登记社会组织，请换一个名称。")
        )
        raise Conflict(message % {"name": name}, field="name")


def check_leader(person: Any, *, exclude: int | None = None) -> None:
    if person is None or settings.GONGZHI_ALLOW_MULTIPLE_FILED_LEADERSHIP:
        return
    others = Organization.objects.filter(
        leader=person,
        track=Track.FILED,
        status__in=(OrgStatus.APPLYING, OrgStatus.FILED, OrgStatus.SUSPENDED),
    )
    if exclude:
        others = others.exclude(pk=exclude)
    other = others.first()
    if other is not None:
        raise Conflict(
            _("%(person)s 已是备案组织“%(org)s”的负责人，一人不能同时担任两个备案组织的负责人。")
            % {"person": person.name, "org": other.name},
            field="leader",
        )


def create_organization(
    *,
    name: str,
    area: Area,
    by: Any,
    category: str = "",
    venue: str = "",
    leader: Any = None,
    description: str = "",
    phone: str = "",
    founded_on: datetime.date | None = None,
    domains: Iterable[str] = (),
    charter: Any = None,
) -> Organization:
    """Create a community organization (a draft on the filing track) in ``area``.

    Raises Forbidden outside the actor's jurisdiction, DomainError for a missing name or an
    area above street level, Conflict for a taken name or a leader of another filed org.
    """
    name = (name or "").strip()
    if not name:
        raise DomainError(_("请填写组织名称。"), field="name")
    if by is not None and not can(by, "organizations.add_organization", area):
        raise Forbidden(_("您无权在“%(area)s”新建社会组织。") % {"area": area.name})
    street = street_of(area)
    if street is None:
        raise DomainError(_("备案组织的所在区域须为街道或街道以下（社区、网格）。"), field="area")
    if category and category not in FilingCategory.values:
        raise DomainError(_("未知的组织类别。"), field="category")
    _check_unique_name(name, track=Track.FILED, street=street)
    check_leader(leader)
    document = check_document(charter) if charter else None
    with transaction.atomic():
        org = Organization(
            name=name,
            track=Track.FILED,
            status=OrgStatus.DRAFT,
            category=category,
            area=area,
            street=street,
            venue=venue.strip(),
            leader=leader,
            description=description,
            phone=phone,
            founded_on=founded_on,
            created_by=by if getattr(by, "pk", None) else None,
        )
        if document:
            org.charter.save(document.name, document, save=False)
        org.save()
        set_domains(org, domains)
        if leader is not None:
            add_member(org, person=leader, role=MemberRole.LEADER, by=by)
        OrganizationChange.objects.create(
            organization=org,
            action=OrgAction.CREATE,
            from_status="",
            to_status=org.status,
            actor=by if getattr(by, "pk", None) else None,
        )
    return org


def update_organization(org: Organization, *, by: Any, **changes: Any) -> Organization:
    """Change profile fields (name, category, venue, leader, description, phone, charter …)."""
    allowed = {"name", "category", "venue", "leader", "description", "phone", "founded_on", "charter", "area"}
    unknown = set(changes) - allowed
    if unknown:
        raise DomainError(_("不能修改：%(f)s。") % {"f": _("、").join(sorted(unknown))})
    if "name" in changes:
        changes["name"] = (changes["name"] or "").strip()
        if not changes["name"]:
            raise DomainError(_("请填写组织名称。"), field="name")
        _check_unique_name(changes["name"], track=org.track, street=org.street, exclude=org.pk)
    if "leader" in changes and org.track == Track.FILED:
        check_leader(changes["leader"], exclude=org.pk)
    with transaction.atomic():
        org = Organization.objects.select_for_update().get(pk=org.pk)
        charter = changes.pop("charter", None)
        if charter:
            document = check_document(charter)
            org.charter.save(document.name, document, save=False)
            changes_fields = ["charter"]
        else:
            changes_fields = []
        if "area" in changes:
            area = changes["area"]
            org.street = street_of(area) if org.track == Track.FILED else org.street
            changes_fields.append("street")
        for key, value in changes.items():
            setattr(org, key, value)
        org.save(update_fields=[*changes, *changes_fields, "updated_at"])
        if "leader" in changes and changes["leader"] is not None:
            add_member(org, person=changes["leader"], role=MemberRole.LEADER, by=by)
    return org


def set_domains(org: Organization, domains: Iterable[str]) -> None:
    wanted = set(domains)
    unknown = wanted - set(ServiceDomain.values)
    if unknown:
        raise DomainError(
            _("未知的服务领域：%(d)s。") % {"d": _("、").join(sorted(unknown))}, field="domains"
        )
    OrganizationDomain.objects.filter(organization=org).exclude(domain__in=wanted).delete()
    OrganizationDomain.objects.bulk_create(
        [OrganizationDomain(organization=org, domain=d) for d in wanted], ignore_conflicts=True
    )


def add_member(
    org: Organization,
    *,
    person: Any,
    role: str = MemberRole.MEMBER,
    joined_on: datetime.date | None = None,
    by: Any = None,
) -> Membership:
    """Add a person (or update their role if already a member: a member listed twice is one)."""
    if role not in MemberRole.values:
        raise DomainError(_("未知的职务。"), field="role")
    current = Membership.objects.filter(organization=org, person=person, left_on__isnull=True).first()
    if current is not None:
        if role != current.role and role != MemberRole.MEMBER:
            current.role = role
            current.save(update_fields=["role"])
        return current
    try:
        with transaction.atomic():
            return Membership.objects.create(
                organization=org, person=person, role=role, joined_on=joined_on or timezone.localdate()
            )
    except IntegrityError:  # added concurrently: it is the same one member
        return Membership.objects.get(organization=org, person=person, left_on__isnull=True)


def remove_member(membership: Membership, *, on: datetime.date | None = None, by: Any = None) -> Membership:
    if membership.left_on is None:
        membership.left_on = on or timezone.localdate()
        membership.save(update_fields=["left_on"])
    return membership


# ---------------------------------------------------------------------------------------------
# Status transitions


def _change_status(org: Organization, action: str, *, by: Any, note: str = "", mutate=None) -> Organization:
    allowed_from, target = ALLOWED_TRANSITIONS[action]
    with transaction.atomic():
        locked = Organization.objects.select_for_update().get(pk=org.pk)
        if locked.status not in allowed_from:
            raise InvalidTransition(
                _("组织当前状态为“%(status)s”，不能%(action)s。")
                % {"status": locked.get_status_display(), "action": OrgAction(action).label}
            )
        from_status = locked.status
        locked.status = target or (
            OrgStatus.REGISTERED if locked.track == Track.REGISTERED else OrgStatus.FILED
        )
        fields = ["status", "updated_at"]
        if mutate is not None:
            fields += mutate(locked)
        locked.save(update_fields=fields)
        OrganizationChange.objects.create(
            organization=locked,
            action=action,
            from_status=from_status,
            to_status=locked.status,
            actor=by if getattr(by, "pk", None) else None,
            note=note,
        )
    return locked


def _leader_users(org: Organization) -> list[int]:
    if org.leader_id and org.leader.user_id:
        return [org.leader.user_id]
    return []


def apply_for_filing(org: Organization, *, by: Any) -> FilingApplication:
    """Apply for filing at the organization's street. Raises FilingRuleFailed (422) with each
    unmet rule; otherwise creates a pending application and notifies the street's reviewers."""
    if org.track != Track.FILED:
        raise InvalidTransition(_("登记组织无需备案。"))
    # Drafts do not hold their name or leader: two drafts may share them, and the first to
    # apply takes them (otherwise the second would hit the database constraint).
    _check_unique_name(org.name, track=Track.FILED, street=org.street, exclude=org.pk)
    check_leader(org.leader, exclude=org.pk)
    problems = failed_rules(filing_checklist(org))
    if problems:
        raise FilingRuleFailed(problems)
    with transaction.atomic():
        org = _change_status(org, OrgAction.APPLY, by=by)
        application = FilingApplication.objects.create(
            organization=org,
            street=org.street,
            checklist=[asdict(r) for r in filing_checklist(org)],
            submitted_by=by if getattr(by, "pk", None) else None,
        )
        notify(
            _street_reviewers(org.street),
            verb="filing_submitted",
            text=_("新的备案申请：%(name)s") % {"name": org.name},
        )
    return application


def _street_reviewers(street: Area) -> list[int]:
    from gongzhi.accounts.models import RoleAssignment
    from gongzhi.accounts.roles import ROLE_PERMISSIONS

    roles = [role for role, perms in ROLE_PERMISSIONS.items() if "organizations.review_filing" in perms]
    return list(
        RoleAssignment.objects.active().filter(role__in=roles, area=street).values_list("user_id", flat=True)
    )


def _next_filing_number(street: Area, year: int) -> str:
    """Street code + year + a sequence, issued under a row lock (unique under concurrency)."""
    counter, _created = FilingCounter.objects.get_or_create(street=street, year=year)
    counter = FilingCounter.objects.select_for_update().get(pk=counter.pk)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{street.code}-{year}-{counter.last:04d}"


def _locked_pending(application: FilingApplication, by: Any) -> FilingApplication:
    locked = (
        FilingApplication.objects.select_for_update()
        .select_related("organization", "street")
        .get(pk=application.pk)
    )
    if not can(by, "organizations.review_filing", locked.street):
        raise Forbidden(_("只有受理街道的管理员可以审核该备案申请。"))
    if locked.status != ApplicationStatus.PENDING:
        raise InvalidTransition(
            _("该申请已处理（%(status)s），不能重复审核。") % {"status": locked.get_status_display()}
        )
    return locked


def approve_filing(
    application: FilingApplication, *, by: Any, now: datetime.datetime | None = None
) -> FilingApplication:
    """Grant the filing: a unique filing number (street code-year-sequence) is issued, the
    organization becomes filed. The review re-runs the checklist (rules may have tightened)."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked_pending(application, by)
        problems = failed_rules(filing_checklist(locked.organization))
        if problems:
            raise FilingRuleFailed(problems)
        number = _next_filing_number(locked.street, timezone.localtime(now).year)

        def mutate(org: Organization) -> list[str]:
            org.filing_number = number
            org.filed_on = timezone.localtime(now).date()
            return ["filing_number", "filed_on"]

        org = _change_status(locked.organization, OrgAction.APPROVE, by=by, mutate=mutate)
        locked.status = ApplicationStatus.APPROVED
        locked.decided_by = by
        locked.decided_at = now
        locked.filing_number = number
        locked.save(update_fields=["status", "decided_by", "decided_at", "filing_number"])
        notify(
            _leader_users(org) + ([locked.submitted_by_id] if locked.submitted_by_id else []),
            verb="filing_approved",
            text=_("“%(name)s”已准予备案，备案编号 %(n)s。") % {"name": org.name, "n": number},
        )
    return locked


def refuse_filing(application: FilingApplication, *, by: Any, reason: str) -> FilingApplication:
    """Refuse with a reason; the organization goes back to draft to fix and re-apply."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("请填写不予备案的理由，以便申请人修改。"), field="reason")
    with transaction.atomic():
        locked = _locked_pending(application, by)
        org = _change_status(locked.organization, OrgAction.REFUSE, by=by, note=reason)
        locked.status = ApplicationStatus.REFUSED
        locked.decided_by = by
        locked.decided_at = timezone.now()
        locked.refusal_reason = reason
        locked.save(update_fields=["status", "decided_by", "decided_at", "refusal_reason"])
        notify(
            _leader_users(org) + ([locked.submitted_by_id] if locked.submitted_by_id else []),
            verb="filing_refused",
            text=_("“%(name)s”的备案申请未通过：%(r)s") % {"name": org.name, "r": reason},
        )
    return locked


def register_organization(
    org: Organization | None = None,
    *,
    by: Any,
    legal_form: str,
    credit_code: str,
    registering_authority: str,
    registered_on: datetime.date,
    name: str | None = None,
    area: Area | None = None,
) -> Organization:
    """Record a registered organization (登记): a new one (``name`` and ``area``), or a filed
    one that grew into a legal person — its history continues on the same record."""
    if legal_form not in LegalForm.values:
        raise DomainError(_("登记类型应为社会团体、社会服务机构或基金会。"), field="legal_form")
    code = (credit_code or "").strip().upper()
    try:
        validate_credit_code(code)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), field="credit_code") from exc
    if Organization.objects.filter(credit_code=code).exclude(pk=getattr(org, "pk", None)).exists():
        raise Conflict(_("该统一社会信用代码已被其他组织使用。"), field="credit_code")
    if not (registering_authority or "").strip():
        raise DomainError(_("请填写登记管理机关。"), field="registering_authority")
    target_area = area or (org.area if org else None)
    if target_area is None:
        raise DomainError(_("请指定所在区域。"), field="area")
    if not can(by, "organizations.register_organization", target_area):
        raise Forbidden(_("只有区级管理员可以登记社会组织。"))
    new_name = (name or (org.name if org else "")).strip()
    if not new_name:
        raise DomainError(_("请填写组织名称。"), field="name")
    _check_unique_name(new_name, track=Track.REGISTERED, street=None, exclude=getattr(org, "pk", None))
    with transaction.atomic():
        if org is None:
            org = Organization.objects.create(
                name=new_name,
                track=Track.REGISTERED,
                status=OrgStatus.DRAFT,
                area=target_area,
                street=street_of(target_area),
                created_by=by,
            )

        def mutate(o: Organization) -> list[str]:
            o.track = Track.REGISTERED
            o.name = new_name
            o.legal_form = legal_form
            o.credit_code = code
            o.registering_authority = registering_authority.strip()
            o.registered_on = registered_on
            return ["track", "name", "legal_form", "credit_code", "registering_authority", "registered_on"]

        try:
            return _change_status(org, OrgAction.REGISTER, by=by, mutate=mutate)
        except IntegrityError as exc:
            raise Conflict(_("名称或统一社会信用代码与其他组织重复。"), field="credit_code") from exc


def suspend_organization(org: Organization, *, by: Any, reason: str) -> Organization:
    return _lifecycle(org, OrgAction.SUSPEND, by=by, reason=reason)


def resume_organization(org: Organization, *, by: Any, reason: str = "") -> Organization:
    return _lifecycle(org, OrgAction.RESUME, by=by, reason=reason or _("恢复活动"))


def deregister_organization(org: Organization, *, by: Any, reason: str) -> Organization:
    return _lifecycle(org, OrgAction.DEREGISTER, by=by, reason=reason)


def _lifecycle(org: Organization, action: str, *, by: Any, reason: str) -> Organization:
    """Suspend, resume or deregister (with a reason): district admins for registered ones, the
    street for filed ones."""
    perm = (
        "organizations.register_organization"
        if org.track == Track.REGISTERED
        else "organizations.review_filing"
    )
    area = org.area if org.track == Track.REGISTERED else (org.street or org.area)
    if not can(by, perm, area):
        raise Forbidden(_("您无权变更该组织的状态。"))
    if not (reason or "").strip():
        raise DomainError(_("请填写理由。"), field="reason")
    return _change_status(org, action, by=by, note=reason.strip())


# ---------------------------------------------------------------------------------------------
# Incubation, annual reports, ratings, party building


def enter_incubation(
    org: Organization,
    *,
    platform: ServicePlatform,
    by: Any,
    mentor: str = "",
    on: datetime.date | None = None,
) -> Incubation:
    if not can(by, "organizations.manage_incubation", platform.area):
        raise Forbidden(_("您无权管理该平台的孵化。"))
    if Incubation.objects.filter(
        organization=org, stage__in=(IncubationStage.ENTERED, IncubationStage.CULTIVATING)
    ).exists():
        raise Conflict(_("该组织已在孵化中。"))
    with transaction.atomic():
        incubation = Incubation.objects.create(
            organization=org, platform=platform, mentor=mentor, entered_on=on or timezone.localdate()
        )
        Organization.objects.filter(pk=org.pk).update(is_incubating=True)
    return incubation


def advance_incubation(
    incubation: Incubation, *, to: str, by: Any, outcome: str = "", on: datetime.date | None = None
) -> Incubation:
    """入驻 → 培育 → 出壳 (or 退出); graduating or withdrawing ends the incubating flag."""
    if not can(by, "organizations.manage_incubation", incubation.platform.area):
        raise Forbidden(_("您无权管理该平台的孵化。"))
    with transaction.atomic():
        locked = Incubation.objects.select_for_update().get(pk=incubation.pk)
        if to not in INCUBATION_NEXT[locked.stage]:
            raise InvalidTransition(
                _("孵化当前为“%(stage)s”，不能转为“%(to)s”。")
                % {"stage": locked.get_stage_display(), "to": IncubationStage(to).label}
            )
        day = on or timezone.localdate()
        locked.stage = to
        fields = ["stage"]
        if to == IncubationStage.CULTIVATING:
            locked.cultivating_on = day
            fields.append("cultivating_on")
        else:
            locked.ended_on = day
            locked.outcome = outcome
            fields += ["ended_on", "outcome"]
            Organization.objects.filter(pk=locked.organization_id).update(is_incubating=False)
        locked.save(update_fields=fields)
    return locked


def submit_annual_report(
    org: Organization,
    *,
    year: int,
    by: Any,
    activities: int = 0,
    members: int = 0,
    income: Decimal = Decimal(0),
    expenses: Decimal = Decimal(0),
    party_building: str = "",
    summary: str = "",
) -> AnnualReport:
    if org.status not in (*LIVE_STATUSES, OrgStatus.SUSPENDED):
        raise DomainError(_("只有已备案或已登记的组织需要提交年报。"))
    this_year = timezone.localdate().year
    if year > this_year or year < 2000:
        raise DomainError(_("年度应在 2000–%(y)s 之间。") % {"y": this_year}, field="year")
    if Decimal(income) < 0 or Decimal(expenses) < 0:
        raise DomainError(_("收入和支出不能为负数。"), field="income")
    try:
        with transaction.atomic():
            return AnnualReport.objects.create(
                organization=org,
                year=year,
                activities=activities,
                members=members,
                income=income,
                expenses=expenses,
                party_building=party_building,
                summary=summary,
                submitted_by=by if getattr(by, "pk", None) else None,
            )
    except IntegrityError as exc:
        raise Conflict(_("%(y)s 年度的年报已提交。") % {"y": year}, field="year") from exc


def missing_annual_report(org: Organization, year: int) -> bool:
    """A live organization filed or registered before ``year`` ended owes that year's report."""
    started = org.filed_on or org.registered_on
    if org.status not in (*LIVE_STATUSES, OrgStatus.SUSPENDED) or started is None or started.year > year:
        return False
    return not AnnualReport.objects.filter(organization=org, year=year).exists()


def rate_organization(
    org: Organization, *, level: int, score: Decimal, rated_on: datetime.date, by: Any, assessor: str = ""
) -> Rating:
    """Record a rating (valid five years). Refused while the previous year's report is missing."""
    if not can(by, "organizations.rate_organization", org.area):
        raise Forbidden(_("您无权进行等级评估。"))
    if level not in range(1, 6):
        raise DomainError(_("等级应为 1A–5A。"), field="level")
    if missing_annual_report(org, rated_on.year - 1):
        raise DomainError(
            _("该组织缺少 %(y)s 年度年报，补交后才能评估。") % {"y": rated_on.year - 1}, field="organization"
        )
    try:
        valid_until = rated_on.replace(year=rated_on.year + 5)
    except ValueError:  # 29 February
        valid_until = rated_on.replace(year=rated_on.year + 5, day=28)
    return Rating.objects.create(
        organization=org,
        level=level,
        score=score,
        rated_on=rated_on,
        valid_until=valid_until,
        assessor=assessor,
        rated_by=by,
    )


def current_rating(org: Organization, on: datetime.date | None = None) -> Rating | None:
    on = on or timezone.localdate()
    return org.ratings.filter(rated_on__lte=on, valid_until__gte=on).order_by("-rated_on", "-id").first()


def set_party_building(
    org: Organization, *, party_org_type: str, party_org_name: str = "", by: Any
) -> Organization:
    if party_org_type not in PartyOrgType.values:
        raise DomainError(_("未知的党组织形式。"), field="party_org_type")
    org.party_org_type = party_org_type
    org.party_org_name = party_org_name if party_org_type != PartyOrgType.NONE else ""
    org.save(update_fields=["party_org_type", "party_org_name", "updated_at"])
    return org


# ---------------------------------------------------------------------------------------------
# Alliances


def create_alliance(
    *, name: str, lead: Organization, area: Area, by: Any, description: str = "", founded_on=None
) -> Alliance:
    if not can(by, "organizations.change_organization", area):
        raise Forbidden(_("您无权在该区域建立联盟。"))
    if not (name or "").strip():
        raise DomainError(_("请填写联盟名称。"), field="name")
    if Alliance.objects.filter(name=name.strip()).exists():
        raise Conflict(_("已有同名联盟。"), field="name")
    with transaction.atomic():
        alliance = Alliance.objects.create(
            name=name.strip(), lead=lead, area=area, description=description, founded_on=founded_on
        )
        AllianceMembership.objects.create(alliance=alliance, organization=lead)
    return alliance


def join_alliance(
    alliance: Alliance, *, organization: Organization, by: Any, on: datetime.date | None = None
) -> AllianceMembership:
    if organization.status not in LIVE_STATUSES:
        raise DomainError(_("只有已备案或已登记的组织可以加入联盟。"), field="organization")
    membership, _created = AllianceMembership.objects.get_or_create(
        alliance=alliance, organization=organization, defaults={"joined_on": on or timezone.localdate()}
    )
    return membership


def post_alliance_news(
    alliance: Alliance, *, organization: Organization, by: Any, title: str, body: str
) -> AlliancePost:
    if not alliance.memberships.filter(organization=organization).exists():
        raise Forbidden(_("只有联盟成员组织可以发布动态。"))
    if not (title or "").strip() or not (body or "").strip():
        raise DomainError(_("请填写标题和内容。"), field="title")
    return AlliancePost.objects.create(
        alliance=alliance, organization=organization, author=by, title=title.strip(), body=body.strip()
    )


# ---------------------------------------------------------------------------------------------
# Batches (the XLSX import): the rules and side effects of the one-row functions above, in a
# number of queries that does not grow with the number of rows.


def streets_of(areas: Iterable[Area]) -> dict[int, Area | None]:
    """``street_of`` for many areas in one query: area pk → its street (or None)."""
    areas = list({a.pk: a for a in areas}.values())
    codes = {code for a in areas if a.level != AreaLevel.STREET for code in a.path.strip("/").split("/")}
    streets = (
        {s.code: s for s in Area.objects.filter(code__in=codes, level=AreaLevel.STREET)} if codes else {}
    )
    found: dict[int, Area | None] = {}
    for area in areas:
        if area.level == AreaLevel.STREET:
            found[area.pk] = area
            continue
        path = area.path.strip("/").split("/")
        found[area.pk] = next((streets[c] for c in sorted(streets) if c in path), None)
    return found


def taken_names(pairs: Iterable[tuple[Area, str]]) -> set[tuple[int, str]]:
    """The (street pk, name) pairs of ``pairs`` (street, name) already held by an active filed
    organization: ``_check_unique_name`` for many names in one query."""
    pairs = list(pairs)
    if not pairs:
        return set()
    held = Organization.objects.filter(
        name__in={name for _street, name in pairs},
        street__in={street.pk for street, _name in pairs},
        track=Track.FILED,
        status__in=ACTIVE_STATUSES,
    ).values_list("street_id", "name")
    return set(held) & {(street.pk, name) for street, name in pairs}


def leading_filed(people: Iterable[Any]) -> set[int]:
    """The pks of ``people`` whom ``check_leader`` would refuse (they lead an applying, filed or
    suspended filed organization), in one query; none when the district allows more."""
    pks = {p.pk for p in people if p is not None and p.pk}
    if not pks or settings.GONGZHI_ALLOW_MULTIPLE_FILED_LEADERSHIP:
        return set()
    return set(
        Organization.objects.filter(
            leader__in=pks,
            track=Track.FILED,
            status__in=(OrgStatus.APPLYING, OrgStatus.FILED, OrgStatus.SUSPENDED),
        ).values_list("leader_id", flat=True)
    )


def check_leaders(people: Iterable[Any]) -> None:
    """``check_leader`` for many people: one query finds who already leads a filed organization;
    only those are checked one by one (to raise the same Conflict)."""
    people = list(people)
    leading = leading_filed(people)
    for person in people:
        if person is not None and person.pk in leading:
            check_leader(person)


def add_members_bulk(
    entries: list[tuple[Organization, Any, str, datetime.date | None]], *, by: Any = None
) -> None:
    """``add_member(org, person=..., role=..., joined_on=...)`` for each (org, person, role,
    joined_on) in order: a person listed twice in an organization is one member, whose role
    a later non-member role replaces (saved as ``add_member`` does)."""
    for _org, _person, role, _joined in entries:
        if role not in MemberRole.values:
            raise DomainError(_("未知的职务。"), field="role")
    if not entries:
        return
    orgs = {org.pk for org, *_rest in entries}
    current: dict[tuple[int, int], Membership] = {
        (m.organization_id, m.person_id): m
        for m in Membership.objects.filter(
            organization__in=orgs, person__in={p.pk for _o, p, *_r in entries}, left_on__isnull=True
        )
    }
    new: dict[tuple[int, int], Membership] = {}
    changed: dict[int, Membership] = {}
    for org, person, role, joined_on in entries:
        key = (org.pk, person.pk)
        member = current.get(key) or new.get(key)
        if member is None:
            new[key] = Membership(
                organization=org, person=person, role=role, joined_on=joined_on or timezone.localdate()
            )
        elif role != member.role and role != MemberRole.MEMBER:
            member.role = role
            if member.pk:
                changed[member.pk] = member
    with transaction.atomic():
        created = Membership.objects.bulk_create(list(new.values()))
        log_created_bulk(created)
        for member in changed.values():  # rare: a role changed on an existing membership
            member.save(update_fields=["role"])


def create_organizations_bulk(items: list[dict[str, Any]], *, by: Any) -> list[Organization]:
    """``create_organization(**item)`` for each item, all or nothing: the same checks in the
    same order (the first failing item raises the same error), the same rows — organization,
    domains, the leader's membership, the "create" change row and its audit row — and the
    same auditlog entries, in a bounded number of queries."""
    if not items:
        return []
    areas = {item["area"].pk: item["area"] for item in items}
    allowed = {
        pk: by is None or can(by, "organizations.add_organization", area) for pk, area in areas.items()
    }
    streets = streets_of(areas.values())
    names = [((item.get("name") or "").strip(), streets[item["area"].pk]) for item in items]
    taken = taken_names((street, name) for name, street in names if name and street is not None)
    leaders = [item.get("leader") for item in items]
    categories, known_domains = set(FilingCategory.values), set(ServiceDomain.values)
    for item, (name, street) in zip(items, names, strict=True):
        area = item["area"]
        if not name:
            raise DomainError(_("请填写组织名称。"), field="name")
        if not allowed[area.pk]:
            raise Forbidden(_("您无权在“%(area)s”新建社会组织。") % {"area": area.name})
        if street is None:
            raise DomainError(_("备案组织的所在区域须为街道或街道以下（社区、网格）。"), field="area")
        category = item.get("category", "")
        if category and category not in categories:
            raise DomainError(_("未知的组织类别。"), field="category")
        if (street.pk, name) in taken:
            raise Conflict(
                _("本街道已有名为“%(name)s”的社会组织，请换一个名称。") % {"name": name}, field="name"
            )
        unknown = set(item.get("domains", ())) - known_domains
        if unknown:
            raise DomainError(
                _("未知的服务领域：%(d)s。") % {"d": _("、").join(sorted(unknown))}, field="domains"
            )
    check_leaders(leaders)
    actor = by if getattr(by, "pk", None) else None
    orgs = []
    for item, (name, street) in zip(items, names, strict=True):
        charter = item.get("charter")
        document = check_document(charter) if charter else None
        org = Organization(
            name=name,
            track=Track.FILED,
            status=OrgStatus.DRAFT,
            category=item.get("category", ""),
            area=item["area"],
            street=street,
            venue=(item.get("venue") or "").strip(),
            leader=item.get("leader"),
            description=item.get("description", ""),
            phone=item.get("phone", ""),
            founded_on=item.get("founded_on"),
            created_by=actor,
        )
        if document:
            org.charter.save(document.name, document, save=False)
        orgs.append(org)
    with transaction.atomic():
        Organization.objects.bulk_create(orgs)
        log_created_bulk(orgs)
        OrganizationDomain.objects.bulk_create(
            [
                OrganizationDomain(organization=org, domain=d)
                for org, item in zip(orgs, items, strict=True)
                for d in set(item.get("domains", ()))
            ],
            ignore_conflicts=True,
        )
        add_members_bulk(
            [(org, org.leader, MemberRole.LEADER, None) for org in orgs if org.leader is not None], by=by
        )
        changes = OrganizationChange.objects.bulk_create(
            [
                OrganizationChange(
                    organization=org,
                    action=OrgAction.CREATE,
                    from_status="",
                    to_status=org.status,
                    actor=actor,
                )
                for org in orgs
            ]
        )
        # the audit rows organization_change_saved (gongzhi.audit.receivers) writes per row
        record_many(
            [
                {
                    "action": f"organization.{change.action}",
                    "category": Category.TRANSITION,
                    "target": change.organization,
                    "actor": change.actor,
                    "detail": transition_detail(change),
                }
                for change in changes
            ]
        )
    return orgs
