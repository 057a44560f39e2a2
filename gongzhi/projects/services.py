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
from django.utils.translation import gettext as _

from gongzhi.areas.choices import AreaLevel
from gongzhi.areas.models import Area
from gongzhi.core.exceptions import Conflict, DomainError, Forbidden, InvalidTransition
from gongzhi.core.scoping import can
from gongzhi.organizations.validators import validate_credit_code
from gongzhi.projects.choices import (
    ALLOCATABLE_STATUSES,
    ALLOWED_TRANSITIONS,
    DISBURSABLE_STATUSES,
    FundingKind,
    LifecycleCategory,
    ProjectAction,
)
from gongzhi.projects.models import (
    Allocation,
    Disbursement,
    FundingSource,
    Programme,
    Project,
    ProjectChange,
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


def create_project(
    *,
    title: str,
    lifecycle_category: str,
    area: Area,
    by: Any,
    description: str = "",
    programme: Programme | None = None,
) -> Project:
    """Create a draft project. Raises Forbidden, DomainError."""
    _require(by, "projects.add_project", area)
    if lifecycle_category not in LifecycleCategory.values:
        raise DomainError(
            _("未知的民生类别“%(c)s”。") % {"c": lifecycle_category}, field="lifecycle_category"
        )
    return Project.objects.create(
        title=title,
        description=description,
        programme=programme,
        lifecycle_category=lifecycle_category,
        area=area,
        created_by=_actor(by),
    )


def _change_status(project: Project, action: str, *, by: Any, note: str = "", during=None) -> Project:
    """Lock the project, check ALLOWED_TRANSITIONS, save, append a ProjectChange; ``during``
    runs inside the transaction with the locked row (side effects on the ledgers)."""
    allowed_from, target = ALLOWED_TRANSITIONS[action]
    with transaction.atomic():
        locked = Project.objects.select_for_update().get(pk=project.pk)
        if locked.status not in allowed_from:
            raise InvalidTransition(
                _("项目当前状态为“%(status)s”，不能%(action)s。")
                % {"status": locked.get_status_display(), "action": ProjectAction(action).label}
            )
        if during is not None:
            during(locked)
        from_status = locked.status
        locked.status = target
        locked.save(update_fields=["status", "updated_at"])
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
