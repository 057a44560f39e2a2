"""Writes for public-welfare projects and their money: funding sources, programmes, projects,
publish and cancel, allocations, disbursements and their reversals.

Money moves only through these functions. The ledgers are append-only: a correction is a
negative entry reversing one earlier entry. Limits are checked under a row lock — the funding
source for allocations, the project for disbursements and allocation reversals — so two
requests racing for the last yuan on PostgreSQL cannot both pass (SQLite serializes writers).
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.areas.choices import AreaLevel
from gongzhi.areas.models import Area
from gongzhi.audit.receivers import audit_case_record_accesses
from gongzhi.cases.photos import process_photos, store_photo
from gongzhi.core.exceptions import Conflict, DomainError, Forbidden, InvalidTransition
from gongzhi.core.scoping import can
from gongzhi.notifications.services import notify
from gongzhi.organizations.choices import ServiceDomain
from gongzhi.organizations.validators import validate_credit_code
from gongzhi.projects.choices import (
    ALLOCATABLE_STATUSES,
    ALLOWED_TRANSITIONS,
    DISBURSABLE_STATUSES,
    GRADE_THRESHOLDS,
    LIVE_CLAIM_STATUSES,
    SCORE_WEIGHTS,
    AwardLevel,
    CaseAccessAction,
    CaseRecordStatus,
    ClaimKind,
    ClaimStatus,
    FundingKind,
    Grade,
    IndicatorKind,
    LifecycleCategory,
    ProjectAction,
    ProjectStatus,
)
from gongzhi.projects.models import (
    Acceptance,
    Allocation,
    Award,
    CaseNote,
    CaseRecord,
    CaseRecordAccess,
    Delivery,
    DeliveryPhoto,
    Disbursement,
    Evaluation,
    FundingSource,
    Indicator,
    Milestone,
    Programme,
    Project,
    ProjectCaseworker,
    ProjectChange,
    ProjectClaim,
    ProjectDomain,
)
from gongzhi.projects.queries import CENT, ledger_sum, project_source_totals


class BudgetExceeded(DomainError):
    """A money limit refused the request; the message names the limit and the excess."""

    status_code = 409
    code = "budget_exceeded"


class RestrictedFunds(DomainError):
    """A targeted donation may only fund projects of the category it is restricted to."""

    status_code = 409
    code = "restricted_funds"


def yuan(value: Decimal) -> str:
    """Format money for messages: 1234.5 → "1,234.50"."""
    return f"{Decimal(value).quantize(CENT):,.2f}"


def money(value: Any, *, field: str = "amount") -> Decimal:
    """Parse an amount in yuan: positive, at most 2 decimal places, never a float."""
    if isinstance(value, float | bool):
        raise DomainError(_("金额须以字符串或 Decimal 提供，不能使用浮点数。"), field=field)
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise DomainError(_("金额“%(v)s”不是有效的数字。") % {"v": value}, field=field) from None
    if not amount.is_finite():
        raise DomainError(_("金额“%(v)s”不是有效的数字。") % {"v": value}, field=field)
    if amount <= 0:
        raise DomainError(_("金额必须大于 0（现为 %(v)s）。") % {"v": value}, field=field)
    if amount != amount.quantize(CENT):
        raise DomainError(_("金额最多保留两位小数（分），现为 %(v)s。") % {"v": value}, field=field)
    return amount.quantize(CENT)


def _require(by: Any, perm: str, area: Area) -> None:
    if not can(by, perm, area):
        raise Forbidden(_("您在“%(area)s”没有此项操作的权限。") % {"area": area.name})


def _actor(by: Any) -> Any:
    return by if getattr(by, "pk", None) else None


# ---------------------------------------------------------------------------------------------
# Funding sources, programmes, projects


def create_funding_source(
    *,
    kind: str,
    name: str,
    year: int,
    amount: Any,
    area: Area,
    by: Any,
    donor_name: str = "",
    donor_credit_code: str = "",
    restriction: str = "",
    receipt_issued: bool = False,
) -> FundingSource:
    """Record a funding source of the district. Corporate donations need the donor and its
    credit code; only they may carry a restriction. Raises Forbidden, DomainError."""
    _require(by, "projects.add_fundingsource", area)
    if area.level != AreaLevel.DISTRICT:
        raise DomainError(_("资金来源应登记在区级。"), field="area")
    if kind not in FundingKind.values:
        raise DomainError(_("未知的资金类型“%(k)s”。") % {"k": kind}, field="kind")
    if restriction and restriction not in LifecycleCategory.values:
        raise DomainError(_("未知的民生类别“%(c)s”。") % {"c": restriction}, field="restriction")
    donor_credit_code = (donor_credit_code or "").strip().upper()
    if kind == FundingKind.CORPORATE_DONATION:
        if not donor_name.strip():
            raise DomainError(_("企业定向捐赠须填写捐赠企业。"), field="donor_name")
        try:
            validate_credit_code(donor_credit_code)
        except ValidationError as exc:
            raise DomainError(exc.messages[0], field="donor_credit_code") from None
    elif restriction or donor_name or donor_credit_code or receipt_issued:
        raise DomainError(_("只有企业定向捐赠才有捐赠企业、限定用途和捐赠票据。"), field="kind")
    return FundingSource.objects.create(
        kind=kind,
        name=name,
        year=year,
        amount=money(amount),
        area=area,
        donor_name=donor_name.strip(),
        donor_credit_code=donor_credit_code,
        restriction=restriction,
        receipt_issued=receipt_issued,
        created_by=_actor(by),
    )


def create_programme(*, name: str, year: int, publisher: str, area: Area, by: Any) -> Programme:
    """Create a programme (a batch of projects). Raises Forbidden."""
    _require(by, "projects.add_programme", area)
    return Programme.objects.create(
        name=name, year=year, publisher=publisher, area=area, created_by=_actor(by)
    )


def _domains(values: Any) -> list[str]:
    values = list(dict.fromkeys(values or []))
    unknown = [v for v in values if v not in ServiceDomain.values]
    if unknown:
        raise DomainError(
            _("未知的服务领域：%(d)s。") % {"d": "、".join(map(str, unknown))}, field="service_domains"
        )
    return values


def _check_project_fields(fields: dict[str, Any]) -> None:
    category = fields.get("lifecycle_category")
    if category is not None and category not in LifecycleCategory.values:
        raise DomainError(_("未知的民生类别“%(c)s”。") % {"c": category}, field="lifecycle_category")
    if "title" in fields and not (fields["title"] or "").strip():
        raise DomainError(_("请填写项目名称。"), field="title")
    if "max_claimants" in fields and (
        not isinstance(fields["max_claimants"], int) or fields["max_claimants"] < 1
    ):
        raise DomainError(_("承接方数量上限至少为 1。"), field="max_claimants")
    starts_on, ends_on = fields.get("starts_on"), fields.get("ends_on")
    if starts_on and ends_on and ends_on < starts_on:
        raise DomainError(_("结束日期不能早于开始日期。"), field="ends_on")


def create_project(
    *,
    title: str,
    lifecycle_category: str,
    area: Area,
    by: Any,
    description: str = "",
    programme: Programme | None = None,
    year: int | None = None,
    publisher: str = "",
    competitive: bool = False,
    max_claimants: int = 1,
    starts_on: datetime.date | None = None,
    ends_on: datetime.date | None = None,
    case_services: bool = False,
    service_domains: Any = (),
    milestones: Any = (),
    indicators: Any = (),
    case=None,
) -> Project:
    """Create a draft project with its service domains, milestones ({title, due_on}) and target
    indicators ({kind, name, target, unit}). The programme, if any, must cover the target area.
    Raises Forbidden, DomainError."""
    _require(by, "projects.add_project", area)
    fields = {
        "title": title,
        "lifecycle_category": lifecycle_category,
        "max_claimants": max_claimants,
        "starts_on": starts_on,
        "ends_on": ends_on,
    }
    _check_project_fields(fields)
    domains = _domains(service_domains)
    if programme is not None and not area.path.startswith(programme.area.path):
        raise DomainError(
            _("项目的服务区域“%(a)s”不在项目计划“%(p)s”的范围内。") % {"a": area.name, "p": programme.name},
            field="area",
        )
    with transaction.atomic():
        project = Project.objects.create(
            title=title.strip(),
            description=description,
            programme=programme,
            lifecycle_category=lifecycle_category,
            area=area,
            year=year or (programme.year if programme else timezone.localdate().year),
            publisher=publisher or (programme.publisher if programme else ""),
            competitive=competitive,
            max_claimants=max_claimants,
            starts_on=starts_on,
            ends_on=ends_on,
            case_services=case_services,
            source_case=case,
            created_by=_actor(by),
        )
        ProjectDomain.objects.bulk_create([ProjectDomain(project=project, domain=d) for d in domains])
        for item in milestones or ():
            _new_milestone(project, **item)
        for item in indicators or ():
            _new_indicator(project, **item)
    return project


def update_project(project: Project, *, by: Any, **changes: Any) -> Project:
    """Change a project before it is taken on (draft or published without claims): title,
    description, category, dates, competitiveness, claimant limit, publisher, service domains."""
    _require(by, "projects.change_project", project.area)
    allowed = {
        "title",
        "description",
        "lifecycle_category",
        "starts_on",
        "ends_on",
        "competitive",
        "max_claimants",
        "publisher",
        "case_services",
        "service_domains",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise DomainError(_("不能修改：%(f)s。") % {"f": "、".join(sorted(unknown))})
    with transaction.atomic():
        locked = Project.objects.select_for_update().get(pk=project.pk)
        if locked.status not in (ProjectStatus.DRAFT, ProjectStatus.PUBLISHED) or locked.claims.exists():
            raise InvalidTransition(_("项目已有组织认领或申报，不能再修改其基本信息。"))
        domains = changes.pop("service_domains", None)
        merged = {f: getattr(locked, f) for f in ("title", "starts_on", "ends_on", "max_claimants")}
        merged.update(changes)
        _check_project_fields(merged)
        for field, value in changes.items():
            setattr(locked, field, value.strip() if field == "title" else value)
        locked.save(update_fields=[*changes, "updated_at"])
        if domains is not None:
            domains = _domains(domains)
            locked.domains.exclude(domain__in=domains).delete()
            existing = set(locked.domains.values_list("domain", flat=True))
            ProjectDomain.objects.bulk_create(
                [ProjectDomain(project=locked, domain=d) for d in domains if d not in existing]
            )
    return locked


def _change_status(project: Project, action: str, *, by: Any, note: str = "", during=None) -> Project:
    """Lock the project, check ALLOWED_TRANSITIONS, save, append a ProjectChange; ``during``
    runs inside the transaction with the locked row (side effects on the ledgers, claims) and
    may return further field names of the project to save."""
    allowed_from, target = ALLOWED_TRANSITIONS[action]
    with transaction.atomic():
        locked = Project.objects.select_for_update().get(pk=project.pk)
        if locked.status not in allowed_from:
            raise InvalidTransition(
                _("项目当前状态为“%(status)s”，不能%(action)s。")
                % {"status": locked.get_status_display(), "action": ProjectAction(action).label}
            )
        extra = (during(locked) if during is not None else None) or ()
        from_status = locked.status
        locked.status = target
        locked.save(update_fields=["status", "updated_at", *extra])
        ProjectChange.objects.create(
            project=locked,
            action=action,
            from_status=from_status,
            to_status=target,
            actor=_actor(by),
            note=note,
        )
    return locked


def publish_project(project: Project, *, by: Any) -> Project:
    """Publish a draft project. Raises Forbidden, InvalidTransition."""
    _require(by, "projects.publish_project", project.area)
    return _change_status(project, ProjectAction.PUBLISH, by=by)


def cancel_project(project: Project, *, by: Any, reason: str) -> Project:
    """Cancel a project and return to each source the part of its allocation not yet paid
    out, by appending allocation reversals (newest entries first; the last may be partial).
    Raises Forbidden, InvalidTransition, DomainError (no reason)."""
    _require(by, "projects.cancel_project", project.area)
    if not (reason or "").strip():
        raise DomainError(_("请填写取消原因。"), field="reason")

    def return_money(locked: Project) -> None:
        entries = (
            Allocation.objects.filter(project=locked, reversal_of__isnull=True, reversals__isnull=True)
            .select_related("source")
            .order_by("source_id", "-created_at", "-id")
        )
        by_source: dict[int, list[Allocation]] = {}
        for entry in entries:
            by_source.setdefault(entry.source_id, []).append(entry)
        for source_entries in by_source.values():
            allocated, disbursed = project_source_totals(locked, source_entries[0].source)
            to_return = allocated - disbursed
            for entry in source_entries:
                if to_return <= 0:
                    break
                amount = min(entry.amount, to_return)
                _append_reversal(
                    Allocation, entry, amount=amount, by=by, note=_("项目取消：%(r)s") % {"r": reason}
                )
                to_return -= amount

    return _change_status(project, ProjectAction.CANCEL, by=by, note=reason, during=return_money)


# ---------------------------------------------------------------------------------------------
# Money


def allocate(project: Project, *, source: FundingSource, amount: Any, by: Any, note: str = "") -> Allocation:
    """Allocate money from ``source`` to ``project`` (an entry in the allocation ledger).
    Locks the funding source row. Raises Forbidden, InvalidTransition (project not open),
    RestrictedFunds (targeted donation for another category or area), BudgetExceeded (the
    source's unallocated money is short; the message says by how much)."""
    _require(by, "projects.add_allocation", project.area)
    amount = money(amount)
    with transaction.atomic():
        locked = FundingSource.objects.select_for_update().get(pk=source.pk)
        current = Project.objects.get(pk=project.pk)
        if current.status not in ALLOCATABLE_STATUSES:
            raise InvalidTransition(
                _("项目当前状态为“%(status)s”，不能再分配资金。") % {"status": current.get_status_display()}
            )
        if not current.area.path.startswith(locked.area.path):
            raise RestrictedFunds(_("资金来源“%(s)s”不能用于其区域以外的项目。") % {"s": locked.name})
        if locked.restriction and current.lifecycle_category != locked.restriction:
            raise RestrictedFunds(
                _("资金来源“%(s)s”限定用于“%(r)s”，不能用于“%(c)s”类项目。")
                % {
                    "s": locked.name,
                    "r": locked.get_restriction_display(),
                    "c": current.get_lifecycle_category_display(),
                }
            )
        remaining = locked.amount - ledger_sum(Allocation.objects.filter(source=locked))
        if amount > remaining:
            raise BudgetExceeded(
                _("超出资金来源“%(s)s”的可分配余额 %(r)s 元（超出 %(o)s 元）。")
                % {"s": locked.name, "r": yuan(remaining), "o": yuan(amount - remaining)},
                field="amount",
            )
        return Allocation.objects.create(
            project=current, source=locked, amount=amount, note=note, created_by=_actor(by)
        )


def disburse(
    project: Project,
    *,
    source: FundingSource,
    amount: Any,
    voucher: str,
    paid_on: datetime.date,
    by: Any,
    note: str = "",
) -> Disbursement:
    """Pay out money from ``source`` for ``project`` (an entry in the disbursement ledger).
    Locks the project row. Raises Forbidden, InvalidTransition (project not payable),
    DomainError (no voucher), BudgetExceeded (more than the source allocated to the project
    and not yet paid; the message says by how much)."""
    _require(by, "projects.add_disbursement", project.area)
    amount = money(amount)
    voucher = (voucher or "").strip()
    if not voucher:
        raise DomainError(_("请填写拨付凭证号。"), field="voucher")
    with transaction.atomic():
        locked = Project.objects.select_for_update().get(pk=project.pk)
        if locked.status not in DISBURSABLE_STATUSES:
            raise InvalidTransition(
                _("项目当前状态为“%(status)s”，不能拨付。") % {"status": locked.get_status_display()}
            )
        allocated, disbursed = project_source_totals(locked, source)
        remaining = allocated - disbursed
        if amount > remaining:
            raise BudgetExceeded(
                _("超出资金来源“%(s)s”分配给本项目的未拨付余额 %(r)s 元（超出 %(o)s 元）。")
                % {"s": source.name, "r": yuan(remaining), "o": yuan(amount - remaining)},
                field="amount",
            )
        return Disbursement.objects.create(
            project=locked,
            source=source,
            amount=amount,
            voucher=voucher,
            paid_on=paid_on,
            note=note,
            created_by=_actor(by),
        )


def _append_reversal(model, entry, *, amount: Decimal, by: Any, note: str):
    fields = {"voucher": entry.voucher, "paid_on": entry.paid_on} if model is Disbursement else {}
    try:
        with transaction.atomic():
            return model.objects.create(
                project_id=entry.project_id,
                source_id=entry.source_id,
                amount=-amount,
                reversal_of=entry,
                note=note,
                created_by=_actor(by),
                **fields,
            )
    except IntegrityError:
        raise Conflict(_("该笔记录已冲销过，不能重复冲销。")) from None


def _check_reversible(model, entry) -> None:
    if entry.reversal_of_id is not None:
        raise Conflict(_("冲销记录本身不能再冲销。"))
    if model.objects.filter(reversal_of=entry).exists():
        raise Conflict(_("该笔记录已冲销过，不能重复冲销。"))


def reverse_allocation(entry: Allocation, *, by: Any, reason: str) -> Allocation:
    """Reverse an allocation entry in full (a negative entry; the money returns to its source).
    Locks the project row. Raises Forbidden, DomainError (no reason), Conflict (already
    reversed, or a reversal), BudgetExceeded (the project already paid out more from the source
    than would stay allocated)."""
    project = entry.project
    _require(by, "projects.add_allocation", project.area)
    if not (reason or "").strip():
        raise DomainError(_("请填写冲销原因。"), field="reason")
    with transaction.atomic():
        locked = Project.objects.select_for_update().get(pk=project.pk)
        _check_reversible(Allocation, entry)
        allocated, disbursed = project_source_totals(locked, entry.source)
        left = allocated - entry.amount
        if disbursed > left:
            raise BudgetExceeded(
                _(
                    "冲销后资金来源“%(s)s”在本项目的分配为 %(a)s 元，低于已拨付的 %(d)s 元（差 %(o)s 元）；请先冲销拨付。"
                )
                % {"s": entry.source.name, "a": yuan(left), "d": yuan(disbursed), "o": yuan(disbursed - left)}
            )
        return _append_reversal(Allocation, entry, amount=entry.amount, by=by, note=reason)


def reverse_disbursement(entry: Disbursement, *, by: Any, reason: str) -> Disbursement:
    """Reverse a disbursement entry in full (a negative entry with the same voucher). Locks the
    project row. Raises Forbidden, DomainError (no reason), Conflict (already reversed, or a
    reversal)."""
    project = entry.project
    _require(by, "projects.add_disbursement", project.area)
    if not (reason or "").strip():
        raise DomainError(_("请填写冲销原因。"), field="reason")
    with transaction.atomic():
        Project.objects.select_for_update().get(pk=project.pk)
        _check_reversible(Disbursement, entry)
        return _append_reversal(Disbursement, entry, amount=entry.amount, by=by, note=reason)


# ---------------------------------------------------------------------------------------------
# Milestones and indicators


class NotEligible(DomainError):
    """The organization may not take on this project; the message says why."""

    status_code = 422
    code = "not_eligible"


def _new_milestone(project: Project, *, title: str, due_on: datetime.date) -> Milestone:
    if not (title or "").strip():
        raise DomainError(_("请填写里程碑名称。"), field="milestones")
    if not isinstance(due_on, datetime.date):
        raise DomainError(_("里程碑“%(t)s”须有计划完成日期。") % {"t": title}, field="milestones")
    return Milestone.objects.create(project=project, title=title.strip(), due_on=due_on)


def _number(value: Any, *, field: str, label: str) -> Decimal:
    if isinstance(value, float | bool):
        value = str(value) if isinstance(value, float) else value
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise DomainError(_("%(l)s“%(v)s”不是有效的数字。") % {"l": label, "v": value}, field=field) from None
    if not number.is_finite() or number < 0:
        raise DomainError(
            _("%(l)s不能为负数或非数字（现为 %(v)s）。") % {"l": label, "v": value}, field=field
        )
    return number.quantize(CENT)


def _new_indicator(project: Project, *, kind: str, name: str = "", target: Any, unit: str = "") -> Indicator:
    if kind not in IndicatorKind.values:
        raise DomainError(_("未知的指标类型“%(k)s”。") % {"k": kind}, field="indicators")
    target = _number(target, field="indicators", label=_("目标值"))
    if kind == IndicatorKind.SATISFACTION and target > 100:
        raise DomainError(_("满意度目标须在 0 到 100 之间。"), field="indicators")
    return Indicator.objects.create(
        project=project, kind=kind, name=(name or IndicatorKind(kind).label).strip(), target=target, unit=unit
    )


_PLANNING_STATUSES = (
    ProjectStatus.DRAFT,
    ProjectStatus.PUBLISHED,
    ProjectStatus.CLAIMED,
    ProjectStatus.IN_PROGRESS,
)


def add_milestone(project: Project, *, title: str, due_on: datetime.date, by: Any) -> Milestone:
    """Add a milestone to a project not yet completed. Raises Forbidden, InvalidTransition."""
    _require(by, "projects.change_project", project.area)
    if project.status not in _PLANNING_STATUSES:
        raise InvalidTransition(_("项目已结束，不能再添加里程碑。"))
    return _new_milestone(project, title=title, due_on=due_on)


def add_indicator(
    project: Project, *, kind: str, target: Any, by: Any, name: str = "", unit: str = ""
) -> Indicator:
    """Add a target indicator to a project not yet completed. Raises Forbidden, DomainError."""
    _require(by, "projects.change_project", project.area)
    if project.status not in _PLANNING_STATUSES:
        raise InvalidTransition(_("项目已结束，不能再添加指标。"))
    return _new_indicator(project, kind=kind, name=name, target=target, unit=unit)


def set_indicator_actual(indicator: Indicator, *, actual: Any, by: Any) -> Indicator:
    """Enter the achieved figure of an ``other`` indicator (the rest are measured from the
    delivery reports). The undertaker or the publisher may do it."""
    project = indicator.project
    _require_undertaker_or(by, project, "projects.change_project")
    if indicator.kind != IndicatorKind.OTHER:
        raise DomainError(_("该指标由服务记录自动统计，不能手工填写。"), field="actual")
    indicator.actual = _number(actual, field="actual", label=_("实际值"))
    indicator.save(update_fields=["actual"])
    return indicator


def complete_milestone(
    milestone: Milestone, *, by: Any, evidence: str = "", completed_on: datetime.date | None = None
) -> Milestone:
    """Mark a milestone done while the project is in progress. Raises Forbidden,
    InvalidTransition (project not in progress, milestone already done)."""
    project = milestone.project
    _require_undertaker_or(by, project, "projects.change_project")
    completed_on = completed_on or timezone.localdate()
    if completed_on > timezone.localdate():
        raise DomainError(_("完成日期不能晚于今天。"), field="completed_on")
    with transaction.atomic():
        locked = Project.objects.select_for_update().get(pk=project.pk)
        if locked.status != ProjectStatus.IN_PROGRESS:
            raise InvalidTransition(
                _("项目当前状态为“%(s)s”，只有实施中的项目可以完成里程碑。")
                % {"s": locked.get_status_display()}
            )
        current = Milestone.objects.get(pk=milestone.pk)
        if locked.starts_on and completed_on < locked.starts_on:
            raise DomainError(
                _("完成日期不能早于项目开始日期 %(d)s。") % {"d": locked.starts_on}, field="completed_on"
            )
        if current.completed_on:
            raise Conflict(
                _("里程碑“%(t)s”已于 %(d)s 完成。") % {"t": current.title, "d": current.completed_on}
            )
        current.completed_on = completed_on
        current.completed_by = _actor(by)
        current.evidence = evidence
        current.save(update_fields=["completed_on", "completed_by", "evidence"])
    return current


# ---------------------------------------------------------------------------------------------
# Taking projects on: claim, apply, select


def led_organizations(user: Any):
    """The organizations ``user`` leads (as their leader or a leader member)."""
    from gongzhi.organizations.models import Organization

    return Organization.objects.led_by(user)


def undertakers(project: Project):
    """The organizations undertaking the project."""
    from gongzhi.organizations.models import Organization

    return Organization.objects.filter(
        project_claims__project=project, project_claims__status=ClaimStatus.UNDERTAKING
    )


def is_undertaker(user: Any, project: Project) -> bool:
    """Whether ``user`` leads an organization undertaking ``project``."""
    return ProjectClaim.objects.filter(
        project=project, status=ClaimStatus.UNDERTAKING, organization__in=led_organizations(user).values("pk")
    ).exists()


def _require_undertaker_or(by: Any, project: Project, perm: str) -> None:
    if can(by, perm, project.area) or is_undertaker(by, project):
        return
    raise Forbidden(_("只有项目的承接组织或发布单位可以进行此项操作。"))


def _require_leads(by: Any, organization, project: Project) -> None:
    """Claims are made by the organization's leader, or recorded by the publisher."""
    if can(by, "projects.select_project", project.area):
        return
    if not led_organizations(by).filter(pk=organization.pk).exists():
        raise Forbidden(_("只有“%(o)s”的负责人可以代表该组织认领或申报项目。") % {"o": organization.name})


def check_eligibility(project: Project, organization) -> None:
    """Only live (filed or registered) organizations whose area contains or lies inside the
    target area may take a project on. Raises NotEligible saying which rule fails."""
    from gongzhi.organizations.choices import LIVE_STATUSES

    if organization.status not in LIVE_STATUSES:
        raise NotEligible(
            _("“%(o)s”当前状态为“%(s)s”，只有已备案或已登记的组织可以认领项目。")
            % {"o": organization.name, "s": organization.get_status_display()},
            field="organization",
        )
    org_path, project_path = organization.area.path, project.area.path
    if not (org_path.startswith(project_path) or project_path.startswith(org_path)):
        raise NotEligible(
            _("“%(o)s”位于“%(a)s”，不在项目服务区域“%(t)s”内，不能认领。")
            % {"o": organization.name, "a": organization.area.name, "t": project.area.name},
            field="organization",
        )


def _live_claim(locked: Project, organization) -> ProjectClaim | None:
    return (
        ProjectClaim.objects.filter(project=locked, organization=organization, status__in=LIVE_CLAIM_STATUSES)
        .order_by("-id")
        .first()
    )


def _check_capacity(locked: Project) -> int:
    taken = ProjectClaim.objects.filter(project=locked, status=ClaimStatus.UNDERTAKING).count()
    if taken >= locked.max_claimants:
        names = "、".join(undertakers(locked).values_list("name", flat=True))
        raise Conflict(
            _("该项目最多由 %(n)s 个组织承接，已由 %(names)s 认领。")
            % {"n": locked.max_claimants, "names": names}
        )
    return taken


def _notify_publisher(project: Project, text: str, verb: str) -> None:
    if project.created_by_id:
        notify([project.created_by_id], verb=verb, text=text, url=project_url(project))


def _notify_undertakers(project: Project, text: str, verb: str, organizations=None) -> None:
    from gongzhi.organizations.models import Organization

    orgs = organizations if organizations is not None else undertakers(project)
    own = Organization.objects.filter(pk__in=[o.pk for o in orgs]).select_related("leader")
    notify(
        [o.leader.user_id for o in own if o.leader_id and o.leader.user_id],
        verb=verb,
        text=text,
        url=project_url(project),
    )


def project_url(project: Project) -> str:
    from django.urls import reverse

    return reverse("projects:detail", args=[project.pk])


def claim_project(project: Project, *, organization, by: Any) -> ProjectClaim:
    """An organization claims (认领) a published, non-competitive project. Raises Forbidden,
    NotEligible, InvalidTransition, Conflict (already claimed by it, or no places left)."""
    _require_leads(by, organization, project)
    check_eligibility(project, organization)
    made: list[ProjectClaim] = []

    def take(locked: Project):
        if locked.competitive:
            raise InvalidTransition(_("本项目为竞争性申报，请提交申报方案，由发布单位选定承接方。"))
        if _live_claim(locked, organization):
            raise Conflict(_("“%(o)s”已认领此项目。") % {"o": organization.name})
        taken = _check_capacity(locked)
        made.append(
            ProjectClaim.objects.create(
                project=locked,
                organization=organization,
                kind=ClaimKind.CLAIM,
                status=ClaimStatus.UNDERTAKING,
                created_by=_actor(by),
                decided_at=timezone.now(),
            )
        )
        if taken == 0:
            locked.claimed_by = organization
            return ["claimed_by"]
        return None

    locked = _change_status(project, ProjectAction.CLAIM, by=by, note=organization.name, during=take)
    _notify_publisher(
        locked, _("“%(o)s”认领了项目“%(p)s”。") % {"o": organization.name, "p": locked.title}, "claimed"
    )
    return made[0]


def apply_for_project(project: Project, *, organization, by: Any, proposal: str) -> ProjectClaim:
    """An organization applies (申报) for a competitive project with its proposal; the project
    stays published until the publisher selects. Raises Forbidden, NotEligible,
    InvalidTransition, Conflict (already applied), DomainError (no proposal)."""
    _require_leads(by, organization, project)
    check_eligibility(project, organization)
    if not (proposal or "").strip():
        raise DomainError(_("请填写申报方案。"), field="proposal")
    made: list[ProjectClaim] = []

    def file(locked: Project):
        if not locked.competitive:
            raise InvalidTransition(_("本项目可直接认领，无需申报。"))
        if _live_claim(locked, organization):
            raise Conflict(_("“%(o)s”已申报此项目。") % {"o": organization.name})
        made.append(
            ProjectClaim.objects.create(
                project=locked,
                organization=organization,
                kind=ClaimKind.APPLY,
                status=ClaimStatus.APPLIED,
                proposal=proposal.strip(),
                created_by=_actor(by),
            )
        )

    locked = _change_status(project, ProjectAction.APPLY, by=by, note=organization.name, during=file)
    _notify_publisher(
        locked, _("“%(o)s”申报了项目“%(p)s”。") % {"o": organization.name, "p": locked.title}, "applied"
    )
    return made[0]


def withdraw_application(claim: ProjectClaim, *, by: Any) -> ProjectClaim:
    """The applicant withdraws an application not yet decided. Raises Forbidden, Conflict."""
    _require_leads(by, claim.organization, claim.project)
    with transaction.atomic():
        Project.objects.select_for_update().get(pk=claim.project_id)
        current = ProjectClaim.objects.get(pk=claim.pk)
        if current.status != ClaimStatus.APPLIED:
            raise Conflict(_("该申报已处理（%(s)s），不能撤回。") % {"s": current.get_status_display()})
        current.status = ClaimStatus.WITHDRAWN
        current.decided_at = timezone.now()
        current.decided_by = _actor(by)
        current.save(update_fields=["status", "decided_at", "decided_by"])
    return current


def select_applicant(claim: ProjectClaim, *, by: Any, note: str = "") -> ProjectClaim:
    """The publisher selects (选定) an application: its organization undertakes the project.
    When the places are filled, the other applications are closed as not selected. Raises
    Forbidden, InvalidTransition, Conflict (application not pending, no places left)."""
    project = claim.project
    _require(by, "projects.select_project", project.area)
    closed: list = []

    def choose(locked: Project):
        current = ProjectClaim.objects.select_related("organization__area").get(pk=claim.pk)
        if current.status != ClaimStatus.APPLIED:
            raise Conflict(_("该申报已处理（%(s)s），不能再选定。") % {"s": current.get_status_display()})
        check_eligibility(locked, current.organization)
        taken = _check_capacity(locked)
        now = timezone.now()
        current.status = ClaimStatus.UNDERTAKING
        current.decided_by = _actor(by)
        current.decided_at = now
        current.save(update_fields=["status", "decided_by", "decided_at"])
        claim.status = current.status
        if taken + 1 >= locked.max_claimants:
            pending = ProjectClaim.objects.filter(project=locked, status=ClaimStatus.APPLIED).select_related(
                "organization"
            )
            closed.extend(c.organization for c in pending)
            pending.update(status=ClaimStatus.NOT_SELECTED, decided_by=_actor(by), decided_at=now)
        if taken == 0:
            locked.claimed_by = current.organization
            return ["claimed_by"]
        return None

    locked = _change_status(
        project, ProjectAction.SELECT, by=by, note=note or claim.organization.name, during=choose
    )
    _notify_undertakers(
        locked,
        _("“%(o)s”被选定承接项目“%(p)s”。") % {"o": claim.organization.name, "p": locked.title},
        "selected",
        organizations=[claim.organization],
    )
    if closed:
        _notify_undertakers(
            locked,
            _("项目“%(p)s”已选定承接方，您的申报未入选。") % {"p": locked.title},
            "not_selected",
            closed,
        )
    return ProjectClaim.objects.get(pk=claim.pk)


# ---------------------------------------------------------------------------------------------
# Implementation, acceptance, evaluation


def start_project(project: Project, *, by: Any) -> Project:
    """The undertaker (or publisher) starts implementation. Raises Forbidden, InvalidTransition."""
    _require_undertaker_or(by, project, "projects.change_project")
    return _change_status(project, ProjectAction.START, by=by)


def complete_project(project: Project, *, by: Any, note: str = "") -> Project:
    """The undertaker reports the project complete; every milestone must be done. Raises
    Forbidden, InvalidTransition, DomainError (milestones open, named)."""
    _require_undertaker_or(by, project, "projects.change_project")

    def check(locked: Project):
        open_ones = list(locked.milestones.filter(completed_on__isnull=True).values_list("title", flat=True))
        if open_ones:
            raise DomainError(
                _("还有里程碑未完成：%(m)s。请先完成里程碑再申请结项。") % {"m": "、".join(open_ones)},
                field="milestones",
            )

    locked = _change_status(project, ProjectAction.COMPLETE, by=by, note=note, during=check)
    _notify_publisher(locked, _("项目“%(p)s”已完成，等待验收。") % {"p": locked.title}, "completed")
    return locked


def accept_project(
    project: Project, *, by: Any, opinion: str, accepted_on: datetime.date | None = None
) -> Acceptance:
    """The publisher or a third-party evaluator accepts (验收) a completed project. Raises
    Forbidden, InvalidTransition, DomainError (no opinion)."""
    _require(by, "projects.accept_project", project.area)
    if not (opinion or "").strip():
        raise DomainError(_("请填写验收意见。"), field="opinion")
    made: list[Acceptance] = []

    def record(locked: Project):
        Acceptance.objects.filter(project=locked).delete()  # a re-acceptance after rectification
        made.append(
            Acceptance.objects.create(
                project=locked,
                accepted_by=_actor(by),
                accepted_on=accepted_on or timezone.localdate(),
                opinion=opinion.strip(),
            )
        )

    locked = _change_status(project, ProjectAction.ACCEPT, by=by, note=opinion, during=record)
    _notify_undertakers(locked, _("项目“%(p)s”已通过验收。") % {"p": locked.title}, "accepted")
    return made[0]


def return_project(project: Project, *, by: Any, reason: str) -> Project:
    """Acceptance finds the work short: the project goes back to implementation for
    rectification (退回整改). Raises Forbidden, InvalidTransition, DomainError (no reason)."""
    _require(by, "projects.accept_project", project.area)
    if not (reason or "").strip():
        raise DomainError(_("请填写退回整改的原因。"), field="reason")
    locked = _change_status(project, ProjectAction.RETURN, by=by, note=reason)
    _notify_undertakers(
        locked, _("项目“%(p)s”验收未通过，已退回整改：%(r)s") % {"p": locked.title, "r": reason}, "returned"
    )
    return locked


def grade_for(total: Decimal) -> str:
    """The grade a total score earns (GRADE_THRESHOLDS)."""
    for lowest, grade in GRADE_THRESHOLDS:
        if total >= lowest:
            return grade
    return Grade.FAIL


def _score(value: Any, field: str, label: str) -> Decimal:
    score = _number(value, field=field, label=label)
    if score > 100:
        raise DomainError(
            _("%(l)s须在 0 到 100 之间（现为 %(v)s）。") % {"l": label, "v": value}, field=field
        )
    return score


def evaluate_project(
    project: Project,
    *,
    by: Any,
    quantity: Any,
    quality: Any,
    satisfaction: Any,
    funds_use: Any,
    comment: str = "",
    evaluator_org: str = "",
    evaluated_on: datetime.date | None = None,
) -> Evaluation:
    """Score an accepted project (绩效评估) on quantity, quality, satisfaction and use of funds
    (each 0–100); the total is weighted by SCORE_WEIGHTS and earns a grade. Raises Forbidden,
    InvalidTransition, DomainError (a score out of range)."""
    _require(by, "projects.evaluate_project", project.area)
    scores = {
        "quantity": _score(quantity, "quantity", _("数量得分")),
        "quality": _score(quality, "quality", _("质量得分")),
        "satisfaction": _score(satisfaction, "satisfaction", _("满意度得分")),
        "funds_use": _score(funds_use, "funds_use", _("资金使用得分")),
    }
    total = (sum(scores[k] * SCORE_WEIGHTS[k] for k in scores) / 100).quantize(CENT)
    made: list[Evaluation] = []

    def record(locked: Project):
        made.append(
            Evaluation.objects.create(
                project=locked,
                evaluator=_actor(by),
                evaluator_org=evaluator_org,
                total=total,
                grade=grade_for(total),
                comment=comment,
                evaluated_on=evaluated_on or timezone.localdate(),
                **scores,
            )
        )

    locked = _change_status(project, ProjectAction.EVALUATE, by=by, during=record)
    evaluation = made[0]
    _notify_undertakers(
        locked,
        _("项目“%(p)s”绩效评估结果：%(g)s（%(t)s 分）。")
        % {"p": locked.title, "g": evaluation.get_grade_display(), "t": evaluation.total},
        "evaluated",
    )
    return evaluation


# ---------------------------------------------------------------------------------------------
# Delivery


def report_delivery(
    project: Project,
    *,
    by: Any,
    title: str,
    held_on: datetime.date,
    beneficiaries: int,
    person_times: int,
    place: str = "",
    content: str = "",
    satisfaction: Any = None,
    milestone: Milestone | None = None,
    organization=None,
    photos: Any = (),
) -> Delivery:
    """Report an activity held for a project in progress, with people and person-times served
    and photos (re-encoded, EXIF stripped). The undertaker reports for its own organization.
    Raises Forbidden, InvalidTransition, DomainError (field named)."""
    _require_undertaker_or(by, project, "projects.change_project")
    if not (title or "").strip():
        raise DomainError(_("请填写活动名称。"), field="title")
    if not isinstance(held_on, datetime.date):
        raise DomainError(_("请填写活动日期。"), field="held_on")
    if held_on > timezone.localdate():
        raise DomainError(_("活动日期不能晚于今天。"), field="held_on")
    for field, value, label in (
        ("beneficiaries", beneficiaries, _("服务人数")),
        ("person_times", person_times, _("服务人次")),
    ):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise DomainError(
                _("%(l)s须为不小于 0 的整数（现为 %(v)s）。") % {"l": label, "v": value}, field=field
            )
    if person_times < beneficiaries:
        raise DomainError(
            _("服务人次（%(t)s）不能少于服务人数（%(p)s）：每人至少计一人次。")
            % {"t": person_times, "p": beneficiaries},
            field="person_times",
        )
    if satisfaction not in (None, ""):
        satisfaction = _score(satisfaction, "satisfaction", _("满意度"))
    else:
        satisfaction = None
    if milestone is not None and milestone.project_id != project.pk:
        raise DomainError(_("该里程碑不属于本项目。"), field="milestone")
    if organization is None:
        led = undertakers(project).filter(pk__in=led_organizations(by).values("pk")).first()
        organization = led or project.claimed_by
    elif not undertakers(project).filter(pk=organization.pk).exists():
        raise DomainError(_("“%(o)s”不是本项目的承接组织。") % {"o": organization.name}, field="organization")
    processed = process_photos(photos)
    with transaction.atomic():
        locked = Project.objects.select_for_update().get(pk=project.pk)
        if locked.status != ProjectStatus.IN_PROGRESS:
            raise InvalidTransition(
                _("项目当前状态为“%(s)s”，只有实施中的项目可以填报服务记录。")
                % {"s": locked.get_status_display()}
            )
        delivery = Delivery.objects.create(
            project=locked,
            organization=organization,
            milestone=milestone,
            title=title.strip(),
            held_on=held_on,
            place=place,
            content=content,
            beneficiaries=beneficiaries,
            person_times=person_times,
            satisfaction=satisfaction,
            reported_by=_actor(by),
        )
        for photo in processed:
            store_photo(photo, model=DeliveryPhoto, delivery=delivery, uploaded_by=_actor(by))
    return delivery


# ---------------------------------------------------------------------------------------------
# Awards


def record_award(
    *,
    by: Any,
    name: str,
    level: str,
    awarded_on: datetime.date,
    issuer: str = "",
    project: Project | None = None,
    organization=None,
) -> Award:
    """Record an award won by a project or an organization (or both: an organization's
    project). Raises Forbidden, DomainError."""
    if project is None and organization is None:
        raise DomainError(_("请选择获奖的项目或社会组织。"), field="project")
    area = project.area if project is not None else organization.area
    _require(by, "projects.add_award", area)
    if isinstance(awarded_on, str):
        try:
            awarded_on = datetime.date.fromisoformat(awarded_on)
        except ValueError:
            raise DomainError(
                _("获奖日期“%(d)s”格式不对，请用 YYYY-MM-DD。") % {"d": awarded_on}, field="awarded_on"
            ) from None
    if not isinstance(awarded_on, datetime.date):
        raise DomainError(_("请填写获奖日期。"), field="awarded_on")
    if awarded_on > timezone.localdate():
        raise DomainError(_("获奖日期不能晚于今天。"), field="awarded_on")
    if not (name or "").strip():
        raise DomainError(_("请填写奖项名称。"), field="name")
    if level not in AwardLevel.values:
        raise DomainError(_("未知的奖项级别“%(l)s”。") % {"l": level}, field="level")
    if (
        organization is not None
        and project is not None
        and not ProjectClaim.objects.filter(project=project, organization=organization).exists()
    ):
        raise DomainError(_("“%(o)s”没有承接过该项目。") % {"o": organization.name}, field="organization")
    return Award.objects.create(
        name=name.strip(),
        level=level,
        issuer=issuer,
        awarded_on=awarded_on,
        project=project,
        organization=organization,
        area=area,
        created_by=_actor(by),
    )


# ---------------------------------------------------------------------------------------------
# Case services (个案服务): caseworkers, records, notes, the access log


def add_caseworker(project: Project, *, user: Any, by: Any) -> ProjectCaseworker:
    """Give a user access to the project's case records as a caseworker. Raises Forbidden,
    DomainError (project without case services), Conflict (already a caseworker)."""
    if not (can(by, "projects.add_projectcaseworker", project.area) or is_undertaker(by, project)):
        raise Forbidden(_("只有项目的发布单位或承接组织负责人可以指定个案社工。"))
    if not project.case_services:
        raise DomainError(_("该项目不含个案服务。"), field="project")
    try:
        with transaction.atomic():
            return ProjectCaseworker.objects.create(project=project, user=user, added_by=_actor(by))
    except IntegrityError:
        raise Conflict(_("%(u)s 已是该项目的个案社工。") % {"u": user}) from None


def remove_caseworker(caseworker: ProjectCaseworker, *, by: Any) -> None:
    """Take a caseworker off the project: they no longer see its case records."""
    project = caseworker.project
    if not (can(by, "projects.add_projectcaseworker", project.area) or is_undertaker(by, project)):
        raise Forbidden(_("只有项目的发布单位或承接组织负责人可以移除个案社工。"))
    caseworker.delete()


def is_caseworker(user: Any, project: Project) -> bool:
    return (
        bool(getattr(user, "pk", None))
        and ProjectCaseworker.objects.filter(project=project, user=user).exists()
    )


def _require_caseworker(by: Any, project: Project) -> None:
    if not is_caseworker(by, project):
        raise Forbidden(_("只有该项目的个案社工可以填写个案档案。"))


def open_case_record(
    project: Project,
    *,
    by: Any,
    household: str,
    needs: str,
    members: int = 1,
    plan: str = "",
    person=None,
    opened_on: datetime.date | None = None,
) -> CaseRecord:
    """A caseworker opens a case record for a household (number assigned per project)."""
    _require_caseworker(by, project)
    if not project.case_services:
        raise DomainError(_("该项目不含个案服务。"), field="project")
    if not (household or "").strip():
        raise DomainError(_("请填写服务对象。"), field="household")
    if not (needs or "").strip():
        raise DomainError(_("请填写需求评估。"), field="needs")
    if not isinstance(members, int) or members < 1:
        raise DomainError(_("家庭人数至少为 1。"), field="members")
    with transaction.atomic():
        locked = Project.objects.select_for_update().get(pk=project.pk)
        if locked.status not in (ProjectStatus.CLAIMED, ProjectStatus.IN_PROGRESS):
            raise InvalidTransition(_("只有已认领或实施中的项目可以开立个案。"))
        count = CaseRecord.objects.filter(project=locked).count()
        return CaseRecord.objects.create(
            project=locked,
            number=f"GA{locked.pk:05d}-{count + 1:03d}",
            household=household.strip(),
            needs=needs.strip(),
            members=members,
            plan=plan,
            person=person,
            opened_on=opened_on or timezone.localdate(),
            created_by=_actor(by),
        )


def add_case_note(
    record: CaseRecord, *, by: Any, content: str, noted_on: datetime.date | None = None
) -> CaseNote:
    _require_caseworker(by, record.project)
    if record.status != CaseRecordStatus.OPEN:
        raise InvalidTransition(_("个案已结案，不能再添加服务记录。"))
    if not (content or "").strip():
        raise DomainError(_("请填写服务内容。"), field="content")
    noted_on = noted_on or timezone.localdate()
    if noted_on > timezone.localdate():
        raise DomainError(_("服务日期不能晚于今天。"), field="noted_on")
    return CaseNote.objects.create(
        record=record, noted_on=noted_on, content=content.strip(), written_by=_actor(by)
    )


def close_case_record(record: CaseRecord, *, by: Any, closed_on: datetime.date | None = None) -> CaseRecord:
    _require_caseworker(by, record.project)
    if record.status != CaseRecordStatus.OPEN:
        raise InvalidTransition(_("个案已结案。"))
    record.status = CaseRecordStatus.CLOSED
    record.closed_on = closed_on or timezone.localdate()
    record.save(update_fields=["status", "closed_on"])
    return record


def log_case_access(records: Any, *, user: Any, action: str, ip_address: str | None = None) -> None:
    """Write one access-log row per case record shown to ``user`` (a list, a view, an export)."""
    if action not in CaseAccessAction.values:
        raise ValueError(f"unknown case-record access action {action!r}")
    rows = [
        CaseRecordAccess(record_id=getattr(r, "pk", r), user=user, action=action, ip_address=ip_address)
        for r in records
    ]
    CaseRecordAccess.objects.bulk_create(rows)
    audit_case_record_accesses(rows)
