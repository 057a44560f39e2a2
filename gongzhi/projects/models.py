"""Public-welfare projects (公益项目) and their money: funding sources, programmes, projects,
and the append-only allocation and disbursement ledgers. Balances are always ledger sums."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.models import ancestor_paths, related_areas, root_path
from gongzhi.core.scoping import ScopedQuerySet, active_assignments
from gongzhi.organizations.choices import ServiceDomain
from gongzhi.organizations.validators import validate_credit_code
from gongzhi.projects.choices import (
    OPEN_STATUSES,
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


class CoveringQuerySet(ScopedQuerySet):
    """Rows held by an area that also concern the areas below it (a district's funding sources
    and programmes): a role sees those inside its jurisdiction and those of the areas above it,
    so a street sees the district's programme it publishes projects in."""

    def visible_to(self, user, perm=None):
        from gongzhi.core.scoping import jurisdiction_paths

        inside = super().visible_to(user, perm)
        if not user or not user.is_authenticated or not user.is_active or user.is_superuser:
            return inside
        above = {
            a
            for path in jurisdiction_paths(user, perm or self.default_permission())
            for a in ancestor_paths(path)
        }
        if not above:
            return inside
        return inside | self.filter(area__path__in=sorted(above))


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

    objects = CoveringQuerySet.as_manager()

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

    objects = CoveringQuerySet.as_manager()

    class Meta:
        verbose_name = _("项目计划")
        verbose_name_plural = _("项目计划")
        ordering = ["-year", "name", "id"]

    def __str__(self) -> str:
        return self.name


def led_area_paths(user) -> list[str]:
    """Area paths of the live organizations ``user`` leads; cached on the user per request."""
    from gongzhi.core.scoping import _unwrapped
    from gongzhi.organizations.choices import LIVE_STATUSES
    from gongzhi.organizations.models import Organization

    user = _unwrapped(user)
    cached = user.__dict__.get("_led_area_paths")
    if cached is None:
        live = Organization.objects.led_by(user).filter(status__in=LIVE_STATUSES)
        cached = sorted(set(live.values_list("area__path", flat=True)))
        user.__dict__["_led_area_paths"] = cached
    return cached


class ProjectQuerySet(ScopedQuerySet):
    def own_rows(self, user):
        """Projects a user sees outside their jurisdiction: those their organization took on or
        applied for; published ones open to an organization they lead (target area containing
        or inside the organization's area); caseworkers' projects; and evaluated results, which
        are public to everyone with a role in the district."""
        rows = Q(pk__in=ProjectCaseworker.objects.filter(user=user).values("project_id"))
        led_paths = led_area_paths(user)
        if led_paths:
            rows |= Q(
                pk__in=ProjectClaim.objects.filter(organization__in=_led_orgs(user)).values("project_id")
            )
        for path in led_paths:
            rows |= Q(status__in=OPEN_STATUSES) & related_areas(path)
        # Results are public within the district: anyone holding a role there sees them.
        districts = sorted({root_path(path) for _role, path in active_assignments(user)})
        for district in districts:
            rows |= Q(status=ProjectStatus.EVALUATED, area__path__prefix=district)
        return rows


def _led_orgs(user):
    from gongzhi.organizations.models import Organization

    return Organization.objects.led_by(user).values("pk")


class Project(models.Model):
    """A public-welfare project (公益项目) serving a target area in one life-cycle category.
    Its budget is not stored: it is the sum of its allocations. It is taken on by one
    organization (``claimed_by``, the lead undertaker) or, where the publisher allows it, by up
    to ``max_claimants``; every claim and application is a ProjectClaim."""

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
    year = models.PositiveSmallIntegerField(_("年度"))
    publisher = models.CharField(_("发布单位"), max_length=100, blank=True)
    competitive = models.BooleanField(
        _("竞争性申报"), default=False, help_text=_("勾选后组织需申报，由发布单位选定承接方。")
    )
    max_claimants = models.PositiveSmallIntegerField(_("承接方数量上限"), default=1)
    starts_on = models.DateField(_("开始日期"), null=True, blank=True)
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    case_services = models.BooleanField(_("含个案服务"), default=False)
    claimed_by = models.ForeignKey(
        to="organizations.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lead_projects",
        verbose_name=_("承接组织"),
    )
    source_case = models.ForeignKey(
        to="cases.Case",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="projects",
        verbose_name=_("来源事件"),
    )
    created_by = _created_by()
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("公益项目")
        verbose_name_plural = _("公益项目")
        ordering = ["-created_at", "id"]
        permissions = [
            ("publish_project", _("发布公益项目")),
            ("cancel_project", _("取消公益项目")),
            ("select_project", _("选定承接方")),
            ("accept_project", _("项目验收")),
            ("evaluate_project", _("绩效评估")),
        ]
        indexes = [
            models.Index(fields=["area", "status"], name="projects_area_status"),
            models.Index(fields=["status", "lifecycle_category"], name="projects_status_category"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_claimants__gte=1),
                name="projects_max_claimants_positive",
                violation_error_message=_("承接方数量上限至少为 1。"),
            ),
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True)
                | Q(ends_on__isnull=True)
                | Q(ends_on__gte=F("starts_on")),
                name="projects_dates_ordered",
                violation_error_message=_("结束日期不能早于开始日期。"),
            ),
        ]

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


class ProjectDomain(models.Model):
    """A service domain a project works in (a row each, so lists can filter by it)."""

    project = models.ForeignKey(
        to=Project, on_delete=models.CASCADE, related_name="domains", verbose_name=_("公益项目")
    )
    domain = models.CharField(_("服务领域"), max_length=32, choices=ServiceDomain.choices)

    class Meta:
        verbose_name = _("服务领域")
        verbose_name_plural = _("服务领域")
        constraints = [models.UniqueConstraint(fields=("project", "domain"), name="projects_domain_unique")]

    def __str__(self) -> str:
        return self.get_domain_display()


class ProjectPartQuerySet(ScopedQuerySet):
    """Rows that belong to a project are seen by whoever sees the project."""

    area_path = "project__area__path"
    view_permission = "projects.view_project"

    def visible_to(self, user, perm=None):
        if perm is None:
            return self.filter(project__in=Project.objects.visible_to(user).values("pk"))
        return super().visible_to(user, perm)


class Milestone(models.Model):
    """A milestone of a project with its due date; the undertaker marks it done."""

    project = models.ForeignKey(
        to=Project, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("公益项目")
    )
    title = models.CharField(_("里程碑"), max_length=200)
    due_on = models.DateField(_("计划完成日期"))
    completed_on = models.DateField(_("完成日期"), null=True, blank=True)
    completed_by = _created_by()
    evidence = models.TextField(_("完成情况"), blank=True)

    objects = ProjectPartQuerySet.as_manager()

    class Meta:
        verbose_name = _("里程碑")
        verbose_name_plural = _("里程碑")
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.title


class Indicator(models.Model):
    """A target indicator (目标指标). Beneficiaries, person-times, activities and satisfaction
    are measured from the delivery reports; ``actual`` holds the figure for other kinds."""

    project = models.ForeignKey(
        to=Project, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("公益项目")
    )
    kind = models.CharField(_("指标类型"), max_length=16, choices=IndicatorKind.choices)
    name = models.CharField(_("指标名称"), max_length=100)
    target = models.DecimalField(_("目标值"), max_digits=12, decimal_places=2)
    unit = models.CharField(_("单位"), max_length=16, blank=True)
    actual = models.DecimalField(_("实际值"), max_digits=12, decimal_places=2, null=True, blank=True)

    objects = ProjectPartQuerySet.as_manager()

    class Meta:
        verbose_name = _("目标指标")
        verbose_name_plural = _("目标指标")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(target__gte=0),
                name="projects_indicator_target_nonnegative",
                violation_error_message=_("目标值不能为负数。"),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ProjectClaim(models.Model):
    """An organization's claim (认领) of a project or application (申报) for a competitive one.
    Undertaking claims are the project's undertakers; an organization has at most one live
    claim per project."""

    project = models.ForeignKey(
        to=Project, on_delete=models.CASCADE, related_name="claims", verbose_name=_("公益项目")
    )
    organization = models.ForeignKey(
        to="organizations.Organization",
        on_delete=models.PROTECT,
        related_name="project_claims",
        verbose_name=_("社会组织"),
    )
    kind = models.CharField(_("方式"), max_length=8, choices=ClaimKind.choices)
    status = models.CharField(_("状态"), max_length=16, choices=ClaimStatus.choices)
    proposal = models.TextField(_("申报方案"), blank=True)
    created_by = _created_by()
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    decided_by = _created_by()
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)

    objects = ProjectPartQuerySet.as_manager()

    class Meta:
        verbose_name = _("认领与申报")
        verbose_name_plural = _("认领与申报")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=("project", "organization"),
                condition=Q(status__in=("applied", "undertaking")),
                name="projects_claim_live_unique",
                violation_error_message=_("该组织已认领或申报过此项目。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} → {self.project}"


class Delivery(models.Model):
    """A delivery report (服务记录): an activity held for a project, with its beneficiaries
    (people served) and person-times (服务人次), and optionally the milestone it advances."""

    project = models.ForeignKey(
        to=Project, on_delete=models.PROTECT, related_name="deliveries", verbose_name=_("公益项目")
    )
    organization = models.ForeignKey(
        to="organizations.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="project_deliveries",
        verbose_name=_("实施组织"),
    )
    milestone = models.ForeignKey(
        to=Milestone,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliveries",
        verbose_name=_("里程碑"),
    )
    title = models.CharField(_("活动名称"), max_length=200)
    held_on = models.DateField(_("活动日期"))
    place = models.CharField(_("地点"), max_length=200, blank=True)
    content = models.TextField(_("服务内容"), blank=True)
    beneficiaries = models.PositiveIntegerField(_("服务人数"), default=0)
    person_times = models.PositiveIntegerField(_("服务人次"), default=0)
    satisfaction = models.DecimalField(
        _("满意度（%）"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    reported_by = _created_by()
    created_at = models.DateTimeField(_("填报时间"), auto_now_add=True)

    objects = ProjectPartQuerySet.as_manager()

    class Meta:
        verbose_name = _("服务记录")
        verbose_name_plural = _("服务记录")
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["project", "held_on"], name="projects_delivery_held")]
        constraints = [
            models.CheckConstraint(
                condition=Q(person_times__gte=F("beneficiaries")),
                name="projects_delivery_times_cover_people",
                violation_error_message=_("服务人次不能少于服务人数。"),
            ),
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True) | Q(satisfaction__gte=0, satisfaction__lte=100),
                name="projects_delivery_satisfaction_range",
                violation_error_message=_("满意度须在 0 到 100 之间。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} · {self.title}"


def _delivery_photo_path(instance, filename: str) -> str:
    return f"projects/deliveries/{uuid.uuid4().hex}.jpg"


def _delivery_thumb_path(instance, filename: str) -> str:
    return f"projects/deliveries/thumbs/{uuid.uuid4().hex}.jpg"


class DeliveryPhoto(models.Model):
    """A photo of a delivery, re-encoded on upload (EXIF stripped), with a thumbnail."""

    delivery = models.ForeignKey(
        to=Delivery, on_delete=models.CASCADE, related_name="photos", verbose_name=_("服务记录")
    )
    image = models.FileField(_("图片"), upload_to=_delivery_photo_path)
    thumbnail = models.FileField(_("缩略图"), upload_to=_delivery_thumb_path)
    width = models.PositiveIntegerField(_("宽"))
    height = models.PositiveIntegerField(_("高"))
    size = models.PositiveIntegerField(_("字节数"))
    uploaded_by = _created_by()
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("服务照片")
        verbose_name_plural = _("服务照片")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.delivery} #{self.pk}"


class Acceptance(models.Model):
    """The acceptance (验收) of a completed project: who accepted it, when, and their opinion."""

    project = models.OneToOneField(
        to=Project, on_delete=models.PROTECT, related_name="acceptance", verbose_name=_("公益项目")
    )
    accepted_by = _created_by()
    accepted_on = models.DateField(_("验收日期"))
    opinion = models.TextField(_("验收意见"))
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    objects = ProjectPartQuerySet.as_manager()

    class Meta:
        verbose_name = _("项目验收")
        verbose_name_plural = _("项目验收")

    def __str__(self) -> str:
        return f"{self.project} · {self.accepted_on}"


SCORE = {"max_digits": 5, "decimal_places": 2}


class Evaluation(models.Model):
    """The performance evaluation (绩效评估) of an accepted project: four scores out of 100,
    their weighted total and the grade it earns. Public within the district."""

    project = models.OneToOneField(
        to=Project, on_delete=models.PROTECT, related_name="evaluation", verbose_name=_("公益项目")
    )
    evaluator = _created_by()
    evaluator_org = models.CharField(_("评估机构"), max_length=100, blank=True)
    quantity = models.DecimalField(_("数量得分"), **SCORE)
    quality = models.DecimalField(_("质量得分"), **SCORE)
    satisfaction = models.DecimalField(_("满意度得分"), **SCORE)
    funds_use = models.DecimalField(_("资金使用得分"), **SCORE)
    total = models.DecimalField(_("总分"), **SCORE)
    grade = models.CharField(_("等级"), max_length=16, choices=Grade.choices)
    comment = models.TextField(_("评估意见"), blank=True)
    evaluated_on = models.DateField(_("评估日期"))
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    objects = ProjectPartQuerySet.as_manager()

    class Meta:
        verbose_name = _("绩效评估")
        verbose_name_plural = _("绩效评估")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    quantity__gte=0,
                    quantity__lte=100,
                    quality__gte=0,
                    quality__lte=100,
                    satisfaction__gte=0,
                    satisfaction__lte=100,
                    funds_use__gte=0,
                    funds_use__lte=100,
                ),
                name="projects_evaluation_scores_range",
                violation_error_message=_("各项得分须在 0 到 100 之间。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} · {self.get_grade_display()}"


class AwardQuerySet(ScopedQuerySet):
    view_permission = "projects.view_project"


class Award(models.Model):
    """An award (荣誉) won by a project or an organization, e.g. a national gold prize. The
    area is the project's or organization's, so awards are scoped like them."""

    name = models.CharField(_("奖项名称"), max_length=200)
    level = models.CharField(_("级别"), max_length=16, choices=AwardLevel.choices)
    issuer = models.CharField(_("颁发单位"), max_length=100, blank=True)
    awarded_on = models.DateField(_("获奖日期"))
    project = models.ForeignKey(
        to=Project,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="awards",
        verbose_name=_("公益项目"),
    )
    organization = models.ForeignKey(
        to="organizations.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="awards",
        verbose_name=_("社会组织"),
    )
    area = models.ForeignKey(
        to="areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("区域")
    )
    created_by = _created_by()
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = AwardQuerySet.as_manager()

    class Meta:
        verbose_name = _("获奖荣誉")
        verbose_name_plural = _("获奖荣誉")
        ordering = ["-awarded_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(project__isnull=False) | Q(organization__isnull=False),
                name="projects_award_has_winner",
                violation_error_message=_("获奖荣誉须关联项目或社会组织。"),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ProjectCaseworker(models.Model):
    """A caseworker (个案社工) of a project: one of the few who may read its case records."""

    project = models.ForeignKey(
        to=Project, on_delete=models.CASCADE, related_name="caseworkers", verbose_name=_("公益项目")
    )
    user = models.ForeignKey(
        to=settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("社工")
    )
    added_by = _created_by()
    created_at = models.DateTimeField(_("添加时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("个案社工")
        verbose_name_plural = _("个案社工")
        constraints = [
            models.UniqueConstraint(fields=("project", "user"), name="projects_caseworker_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.project} · {self.user}"


class CaseRecordQuerySet(ScopedQuerySet):
    """Case records are seen only by the project's caseworkers and by holders of
    ``projects.view_caserecord`` over the project's area (not by everyone who sees the project)."""

    area_path = "project__area__path"

    def own_rows(self, user):
        return Q(project__in=ProjectCaseworker.objects.filter(user=user).values("project_id"))


class CaseRecord(models.Model):
    """A case-service record (个案服务档案) for one household served by a project, e.g. a family
    with a member with a mental disorder. Sensitive: every view is logged (CaseRecordAccess)."""

    project = models.ForeignKey(
        to=Project, on_delete=models.PROTECT, related_name="case_records", verbose_name=_("公益项目")
    )
    number = models.CharField(_("个案编号"), max_length=32)
    household = models.CharField(_("服务对象"), max_length=100)
    person = models.ForeignKey(
        to="people.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("关联人员"),
    )
    members = models.PositiveSmallIntegerField(_("家庭人数"), default=1)
    needs = models.TextField(_("需求评估"))
    plan = models.TextField(_("服务计划"), blank=True)
    status = models.CharField(
        _("状态"), max_length=8, choices=CaseRecordStatus.choices, default=CaseRecordStatus.OPEN
    )
    opened_on = models.DateField(_("开案日期"))
    closed_on = models.DateField(_("结案日期"), null=True, blank=True)
    created_by = _created_by()
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = CaseRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("个案档案")
        verbose_name_plural = _("个案档案")
        ordering = ["project", "number"]
        constraints = [
            models.UniqueConstraint(fields=("project", "number"), name="projects_case_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.project} · {self.number}"


class CaseNote(models.Model):
    """A service note (服务记录) on a case record: a visit, a session, a referral."""

    record = models.ForeignKey(
        to=CaseRecord, on_delete=models.CASCADE, related_name="notes", verbose_name=_("个案档案")
    )
    noted_on = models.DateField(_("服务日期"))
    content = models.TextField(_("内容"))
    written_by = _created_by()
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("个案服务记录")
        verbose_name_plural = _("个案服务记录")
        ordering = ["noted_on", "id"]

    def __str__(self) -> str:
        return f"{self.record} · {self.noted_on}"


class CaseRecordAccess(models.Model):
    """One look at case records — a list, a record opened, an export — with who and from where.
    Append-only; read by auditors."""

    record = models.ForeignKey(
        to=CaseRecord, on_delete=models.PROTECT, related_name="+", verbose_name=_("个案档案")
    )
    user = models.ForeignKey(
        to=settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("查看人")
    )
    action = models.CharField(_("方式"), max_length=8, choices=CaseAccessAction.choices)
    ip_address = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("个案查看记录")
        verbose_name_plural = _("个案查看记录")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} → {self.record} ({self.action})"
