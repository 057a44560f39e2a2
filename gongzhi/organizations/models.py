"""Social organizations (社会组织): the two-track registry, members, filing, incubation, annual
reports, ratings, party building and alliances."""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core import crypto
from gongzhi.core.masking import mask_phone
from gongzhi.core.scoping import ScopedQuerySet
from gongzhi.organizations.choices import (
    ACTIVE_STATUSES,
    ApplicationStatus,
    FilingCategory,
    FilingRuleKind,
    IncubationStage,
    LegalForm,
    MemberRole,
    OrgAction,
    OrgStatus,
    PartyOrgType,
    PlatformLevel,
    RatingLevel,
    ServiceDomain,
    Track,
)


class OrganizationQuerySet(ScopedQuerySet):
    area_path = "area__path"

    def own_rows(self, user):
        # An organization's leader (with a login) sees their own organization wherever it is.
        return Q(leader__user=user) | Q(
            pk__in=Membership.objects.filter(
                person__user=user, left_on__isnull=True, role=MemberRole.LEADER
            ).values("organization_id")
        )

    def led_by(self, user):
        """The organizations ``user`` leads (as their leader or a leader member), whatever their
        status; empty for anonymous users."""
        if not user or not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(self.own_rows(user))


class Organization(crypto.SealedFieldsMixin, models.Model):
    """A social organization. Filed (备案) organizations are community organizations filed at
    street level; registered (登记) ones are legal persons registered with the civil-affairs
    bureau. A filed organization that grows into a registered one keeps this record."""

    name = models.CharField(_("名称"), max_length=100)
    track = models.CharField(_("管理类型"), max_length=16, choices=Track.choices, default=Track.FILED)
    status = models.CharField(_("状态"), max_length=16, choices=OrgStatus.choices, default=OrgStatus.DRAFT)
    category = models.CharField(_("类别"), max_length=32, choices=FilingCategory.choices, blank=True)
    legal_form = models.CharField(_("登记类型"), max_length=32, choices=LegalForm.choices, blank=True)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    registering_authority = models.CharField(_("登记管理机关"), max_length=100, blank=True)
    registered_on = models.DateField(_("登记日期"), null=True, blank=True)
    area = models.ForeignKey(
        to="areas.Area", on_delete=models.PROTECT, related_name="organizations", verbose_name=_("所在区域")
    )
    # The street the organization is filed in (names of filed organizations are unique per street).
    street = models.ForeignKey(
        to="areas.Area",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("备案街道"),
    )
    venue = models.CharField(_("活动场所"), max_length=200, blank=True)
    leader = models.ForeignKey(
        to="people.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_organizations",
        verbose_name=_("负责人"),
    )
    charter = models.FileField(_("章程"), upload_to="organizations/charters/", blank=True)
    description = models.TextField(_("简介"), blank=True)
    # Often the leader's own mobile: stored encrypted; ``phone`` reads masked (crypto.sealed).
    phone_encrypted = models.TextField(_("联系电话（密文）"), blank=True, editable=False)
    phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True, editable=False)
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)
    filing_number = models.CharField(_("备案编号"), max_length=32, null=True, blank=True, unique=True)
    filed_on = models.DateField(_("备案日期"), null=True, blank=True)
    is_incubating = models.BooleanField(_("孵化中"), default=False)
    party_org_type = models.CharField(
        _("党组织形式"), max_length=16, choices=PartyOrgType.choices, default=PartyOrgType.NONE
    )
    party_org_name = models.CharField(_("党组织名称"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        to=settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = OrganizationQuerySet.as_manager()

    phone = crypto.sealed("phone", mask=mask_phone)

    class Meta:
        verbose_name = _("社会组织")
        verbose_name_plural = _("社会组织")
        ordering = ["name", "id"]
        permissions = [
            ("review_filing", _("审核备案申请")),
            ("register_organization", _("登记、暂停、注销社会组织")),
            ("rate_organization", _("等级评估")),
            ("manage_incubation", _("孵化管理")),
        ]
        indexes = [
            models.Index(fields=["status", "track"], name="orgs_status_track"),
            models.Index(fields=["area", "status"], name="orgs_area_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=("street", "name"),
                condition=Q(track=Track.FILED, status__in=ACTIVE_STATUSES),
                name="orgs_filed_name_unique_in_street",
                violation_error_message=_("本街道已有同名的社会组织。"),
            ),
            models.UniqueConstraint(
                fields=("name",),
                condition=Q(track=Track.REGISTERED, status__in=ACTIVE_STATUSES),
                name="orgs_registered_name_unique",
                violation_error_message=_("全区已有同名的登记社会组织。"),
            ),
            models.UniqueConstraint(
                fields=("credit_code",),
                condition=~Q(credit_code=""),
                name="orgs_credit_code_unique",
                violation_error_message=_("该统一社会信用代码已被其他组织使用。"),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class OrganizationDomain(models.Model):
    """A service domain an organization works in (a row each, so lists can filter by it)."""

    organization = models.ForeignKey(
        to=Organization, on_delete=models.CASCADE, related_name="domains", verbose_name=_("社会组织")
    )
    domain = models.CharField(_("服务领域"), max_length=32, choices=ServiceDomain.choices)

    class Meta:
        verbose_name = _("服务领域")
        verbose_name_plural = _("服务领域")
        constraints = [models.UniqueConstraint(fields=("organization", "domain"), name="orgs_domain_unique")]

    def __str__(self) -> str:
        return self.get_domain_display()


class MembershipQuerySet(ScopedQuerySet):
    area_path = "organization__area__path"
    view_permission = "organizations.view_organization"

    def current(self):
        return self.filter(left_on__isnull=True)


class Membership(models.Model):
    """A person's membership of an organization, with role and dates. A person is a member
    once: listing them again updates the one membership."""

    organization = models.ForeignKey(
        to=Organization, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("社会组织")
    )
    person = models.ForeignKey(
        to="people.Person", on_delete=models.PROTECT, related_name="memberships", verbose_name=_("人员")
    )
    role = models.CharField(_("职务"), max_length=16, choices=MemberRole.choices, default=MemberRole.MEMBER)
    joined_on = models.DateField(_("加入日期"), default=datetime.date.today)
    left_on = models.DateField(_("退出日期"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("成员")
        verbose_name_plural = _("成员")
        ordering = ["organization", "role", "joined_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=("organization", "person"),
                condition=Q(left_on__isnull=True),
                name="orgs_membership_unique_current",
                violation_error_message=_("此人已是该组织的成员。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization} · {self.person}"


class OrganizationChange(models.Model):
    """A status change of an organization (the ledger of its life: filed, registered,
    suspended …), with who, when and why."""

    organization = models.ForeignKey(
        to=Organization, on_delete=models.CASCADE, related_name="changes", verbose_name=_("社会组织")
    )
    action = models.CharField(_("动作"), max_length=16, choices=OrgAction.choices)
    from_status = models.CharField(_("原状态"), max_length=16, choices=OrgStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=16, choices=OrgStatus.choices)
    actor = models.ForeignKey(
        to=settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    note = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("组织状态变更")
        verbose_name_plural = _("组织状态变更")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.organization} {self.get_action_display()}"


class FilingRule(models.Model):
    """One filing rule (备案条件) as data: a district may tighten it (e.g. more members) or add
    its message. The same check runs in the form, the API, the import and the review."""

    code = models.CharField(_("规则编码"), max_length=32, unique=True)
    kind = models.CharField(_("类型"), max_length=32, choices=FilingRuleKind.choices)
    parameter = models.PositiveIntegerField(_("参数"), default=0)
    message = models.CharField(_("不满足时的提示"), max_length=200)
    is_active = models.BooleanField(_("启用"), default=True)
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("备案条件")
        verbose_name_plural = _("备案条件")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.code


class FilingApplicationQuerySet(ScopedQuerySet):
    area_path = "street__path"
    view_permission = "organizations.view_organization"


class FilingApplication(models.Model):
    """An application for filing at the street; refused ones stay, and the applicant re-applies
    with a new one, so the whole history is kept."""

    organization = models.ForeignKey(
        to=Organization, on_delete=models.CASCADE, related_name="applications", verbose_name=_("社会组织")
    )
    street = models.ForeignKey(
        to="areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("受理街道")
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=ApplicationStatus.choices, default=ApplicationStatus.PENDING
    )
    checklist = models.JSONField(_("条件核验结果"), default=list)
    submitted_by = models.ForeignKey(
        to=settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("申请人"),
    )
    submitted_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_by = models.ForeignKey(
        to=settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审核人"),
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    refusal_reason = models.TextField(_("不予备案理由"), blank=True)
    filing_number = models.CharField(_("备案编号"), max_length=32, blank=True)

    objects = FilingApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("备案申请")
        verbose_name_plural = _("备案申请")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=("organization",),
                condition=Q(status=ApplicationStatus.PENDING),
                name="orgs_one_pending_application",
                violation_error_message=_("该组织已有一份待审核的备案申请。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization} · {self.get_status_display()}"


class FilingCounter(models.Model):
    """The last filing number issued in a street and year: locked while a number is issued so
    two approvals at once never get the same number."""

    street = models.ForeignKey(to="areas.Area", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=("street", "year"), name="orgs_filing_counter_unique")]

    def __str__(self) -> str:
        return f"{self.street_id}/{self.year}: {self.last}"


class ServicePlatformQuerySet(ScopedQuerySet):
    area_path = "area__path"
    view_permission = "organizations.view_organization"


class ServicePlatform(models.Model):
    """A social-organization service platform (三级平台) at district, street or community
    level, which incubates organizations."""

    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=16, choices=PlatformLevel.choices)
    area = models.ForeignKey(
        to="areas.Area", on_delete=models.PROTECT, related_name="service_platforms", verbose_name=_("区域")
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)

    objects = ServicePlatformQuerySet.as_manager()

    class Meta:
        verbose_name = _("服务平台")
        verbose_name_plural = _("服务平台")
        ordering = ["area__path", "name"]

    def __str__(self) -> str:
        return self.name


class IncubationQuerySet(ScopedQuerySet):
    area_path = "organization__area__path"
    view_permission = "organizations.view_organization"


class Incubation(models.Model):
    """An organization's stay at a platform: entered (入驻) → cultivating (培育) → graduated
    (出壳), with a mentor and an outcome."""

    organization = models.ForeignKey(
        to=Organization, on_delete=models.CASCADE, related_name="incubations", verbose_name=_("社会组织")
    )
    platform = models.ForeignKey(
        to=ServicePlatform, on_delete=models.PROTECT, related_name="incubations", verbose_name=_("服务平台")
    )
    stage = models.CharField(
        _("阶段"), max_length=16, choices=IncubationStage.choices, default=IncubationStage.ENTERED
    )
    mentor = models.CharField(_("导师"), max_length=50, blank=True)
    entered_on = models.DateField(_("入驻日期"))
    cultivating_on = models.DateField(_("培育开始"), null=True, blank=True)
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    outcome = models.TextField(_("孵化成果"), blank=True)

    objects = IncubationQuerySet.as_manager()

    class Meta:
        verbose_name = _("孵化")
        verbose_name_plural = _("孵化")
        ordering = ["-entered_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=("organization",),
                condition=Q(stage__in=(IncubationStage.ENTERED, IncubationStage.CULTIVATING)),
                name="orgs_one_running_incubation",
                violation_error_message=_("该组织已在孵化中。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization} @ {self.platform}"


class AnnualReportQuerySet(ScopedQuerySet):
    area_path = "organization__area__path"
    view_permission = "organizations.view_organization"


class AnnualReport(models.Model):
    """An organization's report for one year (年报): activities, members, money, party building."""

    organization = models.ForeignKey(
        to=Organization, on_delete=models.CASCADE, related_name="annual_reports", verbose_name=_("社会组织")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    activities = models.PositiveIntegerField(_("开展活动次数"), default=0)
    members = models.PositiveIntegerField(_("年末成员数"), default=0)
    income = models.DecimalField(_("收入（元）"), max_digits=14, decimal_places=2, default=0)
    expenses = models.DecimalField(_("支出（元）"), max_digits=14, decimal_places=2, default=0)
    party_building = models.TextField(_("党建工作情况"), blank=True)
    summary = models.TextField(_("年度工作总结"), blank=True)
    submitted_by = models.ForeignKey(
        to=settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("提交人"),
    )
    submitted_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    objects = AnnualReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("年报")
        verbose_name_plural = _("年报")
        ordering = ["-year", "organization"]
        constraints = [
            models.UniqueConstraint(
                fields=("organization", "year"),
                name="orgs_annual_report_unique",
                violation_error_message=_("该组织本年度的年报已提交。"),
            ),
            models.CheckConstraint(
                condition=Q(income__gte=0) & Q(expenses__gte=0),
                name="orgs_annual_report_money",
                violation_error_message=_("收入和支出不能为负数。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.year}"


class RatingQuerySet(ScopedQuerySet):
    area_path = "organization__area__path"
    view_permission = "organizations.view_organization"


class Rating(models.Model):
    """A rating (等级评估) 1A–5A with score, valid for five years; earlier ones are kept."""

    organization = models.ForeignKey(
        to=Organization, on_delete=models.CASCADE, related_name="ratings", verbose_name=_("社会组织")
    )
    level = models.PositiveSmallIntegerField(_("等级"), choices=RatingLevel.choices)
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=1)
    rated_on = models.DateField(_("评估日期"))
    valid_until = models.DateField(_("有效期至"))
    assessor = models.CharField(_("评估机构"), max_length=100, blank=True)
    rated_by = models.ForeignKey(
        to=settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("录入人"),
    )

    objects = RatingQuerySet.as_manager()

    class Meta:
        verbose_name = _("等级评估")
        verbose_name_plural = _("等级评估")
        ordering = ["-rated_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=1000),
                name="orgs_rating_score",
                violation_error_message=_("得分应在 0–1000 之间。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.get_level_display()}"


class AllianceQuerySet(ScopedQuerySet):
    area_path = "area__path"
    view_permission = "organizations.view_organization"

    def visible_to(self, user, perm=None):
        """Alliances in the jurisdiction, and those an organization the user can see belongs
        to: a community worker follows the district-wide alliance its organizations joined."""
        inside = super().visible_to(user, perm)
        if not user or not user.is_authenticated or user.is_superuser:
            return inside
        joined = AllianceMembership.objects.filter(
            organization__in=Organization.objects.visible_to(user, perm).values("pk")
        ).values("alliance_id")
        return self.filter(Q(pk__in=inside.values("pk")) | Q(pk__in=joined))


class Alliance(models.Model):
    """An alliance (联盟) of organizations that share training, information, activities and
    services, led by one of them."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    lead = models.ForeignKey(
        to=Organization, on_delete=models.PROTECT, related_name="led_alliances", verbose_name=_("牵头组织")
    )
    area = models.ForeignKey(
        to="areas.Area", on_delete=models.PROTECT, related_name="alliances", verbose_name=_("区域")
    )
    description = models.TextField(_("简介"), blank=True)
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)
    members = models.ManyToManyField(
        to=Organization, through="AllianceMembership", related_name="alliances", verbose_name=_("成员组织")
    )

    objects = AllianceQuerySet.as_manager()

    class Meta:
        verbose_name = _("联盟")
        verbose_name_plural = _("联盟")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AllianceMembership(models.Model):
    alliance = models.ForeignKey(
        to=Alliance, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("联盟")
    )
    organization = models.ForeignKey(
        to=Organization,
        on_delete=models.CASCADE,
        related_name="alliance_memberships",
        verbose_name=_("社会组织"),
    )
    joined_on = models.DateField(_("加入日期"), default=datetime.date.today)

    class Meta:
        verbose_name = _("联盟成员")
        verbose_name_plural = _("联盟成员")
        constraints = [
            models.UniqueConstraint(fields=("alliance", "organization"), name="orgs_alliance_member_unique")
        ]

    def __str__(self) -> str:
        return f"{self.alliance} · {self.organization}"


class AlliancePost(models.Model):
    """News shared in an alliance's information feed."""

    alliance = models.ForeignKey(
        to=Alliance, on_delete=models.CASCADE, related_name="posts", verbose_name=_("联盟")
    )
    organization = models.ForeignKey(
        to=Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("发布组织")
    )
    author = models.ForeignKey(
        to=settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("发布人")
    )
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("内容"))
    created_at = models.DateTimeField(_("发布时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("联盟动态")
        verbose_name_plural = _("联盟动态")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


# --- Background imports ----------------------------------------------------------------------


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("处理中")
    SUCCEEDED = "succeeded", _("已完成")
    REJECTED = "rejected", _("被拒绝")
    FAILED = "failed", _("失败")


IMPORT_DONE_STATUSES = (ImportStatus.SUCCEEDED, ImportStatus.REJECTED, ImportStatus.FAILED)
# District admins oversee every import in their district; others see only their own uploads.
IMPORT_OVERSEE_PERMISSION = "organizations.register_organization"


def _import_upload_path(instance: ImportJob, filename: str) -> str:
    # Never under a public path and never the uploader's name: the workbook holds ID numbers.
    # Files are read only by the task and served by no view.
    return f"private/organization-imports/{secrets.token_hex(16)}.xlsx"


def _import_report_path(instance: ImportJob, filename: str) -> str:
    return f"private/organization-imports/reports/{secrets.token_hex(16)}.xlsx"


class ImportJobQuerySet(ScopedQuerySet):
    area_path = "area__path"
    view_permission = IMPORT_OVERSEE_PERMISSION

    def own_rows(self, user):
        return Q(created_by=user)


class ImportJob(models.Model):
    """One XLSX organization import, run in the background (a Celery task) so that a street
    importing thousands of rows does not hold a web worker. The import itself stays all or
    nothing (``importer.import_organizations``); the job records who uploaded what, and how it
    ended: the counts, or the problems and their XLSX report. ``area`` is the top of the
    uploader's jurisdiction when they uploaded, so that the district admin over it sees the job."""

    created_by = models.ForeignKey(
        to=settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("上传人"),
    )
    area = models.ForeignKey(
        to="areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("所属区域")
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True, db_index=True)
    filename = models.CharField(_("文件名"), max_length=255)
    upload = models.FileField(_("上传的文件"), upload_to=_import_upload_path, blank=True)
    dry_run = models.BooleanField(_("只检查不写入"), default=False)
    status = models.CharField(
        _("状态"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.QUEUED, db_index=True
    )
    counts = models.JSONField(_("数量"), null=True, blank=True)  # ImportResult.as_dict()
    problems = models.JSONField(_("问题"), default=list, blank=True)  # [{sheet, row, column, message}]
    report = models.FileField(_("导入报告"), upload_to=_import_report_path, blank=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    error = models.TextField(_("错误信息"), blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("组织导入任务")
        verbose_name_plural = _("组织导入任务")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "started_at"], name="orgs_importjob_status_started")]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def is_done(self) -> bool:
        return self.status in IMPORT_DONE_STATUSES
