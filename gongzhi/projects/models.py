"""Public-welfare projects (公益项目) and their money: funding sources, programmes, projects,
and the append-only allocation and disbursement ledgers. Balances are always ledger sums."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core.scoping import ScopedQuerySet
from gongzhi.organizations.validators import validate_credit_code
from gongzhi.projects.choices import FundingKind, LifecycleCategory, ProjectAction, ProjectStatus

MONEY = {"max_digits": 14, "decimal_places": 2}


def _created_by(related_name: str = "+"):
    return models.ForeignKey(
        to=settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name=related_name,
        verbose_name=_("创建人"),
    )


class FundingSource(models.Model):
    """A year's pot of money (资金来源): government purchase of services, the welfare-lottery
    fund, a corporate targeted donation (possibly restricted to one life-cycle category) or
    other. Its allocated, disbursed and remaining money are sums over the ledgers."""

    kind = models.CharField(_("资金类型"), max_length=32, choices=FundingKind.choices)
    name = models.CharField(_("名称"), max_length=100)
    year = models.PositiveSmallIntegerField(_("年度"))
    amount = models.DecimalField(_("金额（元）"), **MONEY)
    area = models.ForeignKey(
        to="areas.Area", on_delete=models.PROTECT, related_name="funding_sources", verbose_name=_("所属区域")
    )
    donor_name = models.CharField(_("捐赠企业"), max_length=100, blank=True)
    donor_credit_code = models.CharField(
        _("捐赠企业统一社会信用代码"), max_length=18, blank=True, validators=[validate_credit_code]
    )
    restriction = models.CharField(
        _("限定用途"), max_length=16, choices=LifecycleCategory.choices, blank=True
    )
    receipt_issued = models.BooleanField(_("已开具捐赠票据"), default=False)
    created_by = _created_by()
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("资金来源")
        verbose_name_plural = _("资金来源")
        ordering = ["-year", "name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="projects_source_amount_positive",
                violation_error_message=_("资金来源的金额必须大于 0。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.year}）"


class Programme(models.Model):
    """A batch of projects published together (项目计划), e.g. 微民生·益起来 with 20 projects."""

    name = models.CharField(_("名称"), max_length=100)
    year = models.PositiveSmallIntegerField(_("年度"))
    publisher = models.CharField(_("发布单位"), max_length=100)
    area = models.ForeignKey(
        to="areas.Area", on_delete=models.PROTECT, related_name="programmes", verbose_name=_("区域")
    )
    created_by = _created_by()
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("项目计划")
        verbose_name_plural = _("项目计划")
        ordering = ["-year", "name", "id"]

    def __str__(self) -> str:
        return self.name


class Project(models.Model):
    """A public-welfare project (公益项目) serving a target area in one life-cycle category.
    Its budget is not stored: it is the sum of its allocations."""

    title = models.CharField(_("项目名称"), max_length=200)
    description = models.TextField(_("项目简介"), blank=True)
    programme = models.ForeignKey(
        to=Programme,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
        verbose_name=_("项目计划"),
    )
    lifecycle_category = models.CharField(_("民生类别"), max_length=16, choices=LifecycleCategory.choices)
    area = models.ForeignKey(
        to="areas.Area", on_delete=models.PROTECT, related_name="projects", verbose_name=_("服务区域")
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=ProjectStatus.choices, default=ProjectStatus.DRAFT
    )
    created_by = _created_by()
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("公益项目")
        verbose_name_plural = _("公益项目")
        ordering = ["-created_at", "id"]
        permissions = [
            ("publish_project", _("发布公益项目")),
            ("cancel_project", _("取消公益项目")),
        ]
        indexes = [models.Index(fields=["area", "status"], name="projects_area_status")]

    def __str__(self) -> str:
        return self.title


class ProjectChange(models.Model):
    """One status change of a project (the history the transitions append)."""

    project = models.ForeignKey(
        to=Project, on_delete=models.CASCADE, related_name="changes", verbose_name=_("公益项目")
    )
    action = models.CharField(_("操作"), max_length=16, choices=ProjectAction.choices)
    from_status = models.CharField(_("原状态"), max_length=16, choices=ProjectStatus.choices)
    to_status = models.CharField(_("新状态"), max_length=16, choices=ProjectStatus.choices)
    actor = _created_by()
    note = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("项目状态变更")
        verbose_name_plural = _("项目状态变更")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.project} {self.from_status} → {self.to_status}"


class LedgerQuerySet(ScopedQuerySet):
    area_path = "project__area__path"


def _ledger_constraints(prefix: str, sign_message, once_message) -> list:
    return [
        models.CheckConstraint(
            condition=Q(reversal_of__isnull=True, amount__gt=0) | Q(reversal_of__isnull=False, amount__lt=0),
            name=f"projects_{prefix}_sign",
            violation_error_message=sign_message,
        ),
        models.UniqueConstraint(
            fields=("reversal_of",),
            name=f"projects_{prefix}_reversed_once",
            violation_error_message=once_message,
        ),
    ]


class Allocation(models.Model):
    """An entry in the allocation ledger (预算分配): money from a funding source earmarked for a
    project. Append-only: a correction is a negative entry that reverses one earlier entry."""

    project = models.ForeignKey(
        to=Project, on_delete=models.PROTECT, related_name="allocations", verbose_name=_("公益项目")
    )
    source = models.ForeignKey(
        to=FundingSource, on_delete=models.PROTECT, related_name="allocations", verbose_name=_("资金来源")
    )
    amount = models.DecimalField(_("金额（元）"), **MONEY)
    reversal_of = models.ForeignKey(
        to="self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversals",
        verbose_name=_("冲销的分配"),
    )
    note = models.TextField(_("说明"), blank=True)
    created_by = _created_by()
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = LedgerQuerySet.as_manager()

    class Meta:
        verbose_name = _("预算分配")
        verbose_name_plural = _("预算分配")
        ordering = ["created_at", "id"]
        constraints = _ledger_constraints(
            "allocation", _("分配金额须为正数，冲销金额须为负数。"), _("该笔分配已冲销过。")
        )

    def __str__(self) -> str:
        return f"{self.project} ← {self.source}: {self.amount}"


class Disbursement(models.Model):
    """An entry in the disbursement ledger (拨付): money from a source paid out for a project,
    with its voucher number and date. Append-only, corrected by reversing entries."""

    project = models.ForeignKey(
        to=Project, on_delete=models.PROTECT, related_name="disbursements", verbose_name=_("公益项目")
    )
    source = models.ForeignKey(
        to=FundingSource, on_delete=models.PROTECT, related_name="disbursements", verbose_name=_("资金来源")
    )
    amount = models.DecimalField(_("金额（元）"), **MONEY)
    voucher = models.CharField(_("凭证号"), max_length=64)
    paid_on = models.DateField(_("拨付日期"))
    reversal_of = models.ForeignKey(
        to="self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversals",
        verbose_name=_("冲销的拨付"),
    )
    note = models.TextField(_("说明"), blank=True)
    created_by = _created_by()
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = LedgerQuerySet.as_manager()

    class Meta:
        verbose_name = _("拨付")
        verbose_name_plural = _("拨付")
        ordering = ["created_at", "id"]
        constraints = _ledger_constraints(
            "disbursement", _("拨付金额须为正数，冲销金额须为负数。"), _("该笔拨付已冲销过。")
        )

    def __str__(self) -> str:
        return f"{self.project} ← {self.source}: {self.amount} ({self.voucher})"
