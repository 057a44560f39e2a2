"""Grid cases (网格事件): categories, handling units, cases and their ledger of events."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.cases.choices import (
    OPEN_STATUSES,
    CaseAction,
    CaseLevel,
    CaseSource,
    CaseStatus,
    Satisfaction,
    Stage,
    UnitKind,
    Urgency,
    Warning,
)
from gongzhi.core import crypto
from gongzhi.core.masking import mask_phone
from gongzhi.core.scoping import ScopedQuerySet


class CaseCategory(models.Model):
    """A kind of problem (市容环境 → 占道堆物 …) with its default handling unit, urgency and the
    working-hour limits of each stage. ``CategoryTimeLimit`` rows override a limit per level."""

    code = models.CharField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    parent = models.ForeignKey(
        to="self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级类别"),
    )
    default_unit = models.ForeignKey(
        to="cases.HandlingUnit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("默认处置单位"),
    )
    urgency = models.CharField(_("紧急程度"), max_length=16, choices=Urgency.choices, default=Urgency.NORMAL)
    register_hours = models.DecimalField(_("立案时限（工作小时）"), max_digits=6, decimal_places=2, default=2)
    dispatch_hours = models.DecimalField(_("派遣时限（工作小时）"), max_digits=6, decimal_places=2, default=2)
    accept_hours = models.DecimalField(_("接收时限（工作小时）"), max_digits=6, decimal_places=2, default=2)
    handle_hours = models.DecimalField(_("处置时限（工作小时）"), max_digits=6, decimal_places=2, default=24)
    verify_hours = models.DecimalField(_("核查时限（工作小时）"), max_digits=6, decimal_places=2, default=8)
    auto_escalate = models.BooleanField(_("超期自动上报"), default=True)
    # Disputes and the like name neighbours: their cases stay off public feeds (Open311 lists,
    # the public wall) even though each reporter can still follow their own case.
    is_public = models.BooleanField(_("公开展示"), default=True)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("事件类别")
        verbose_name_plural = _("事件类别")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def stage_hours(self, stage: str) -> float:
        return float(getattr(self, f"{stage}_hours"))


class CategoryTimeLimit(models.Model):
    """A category's limit for one stage at one level (e.g. handling at street level: 40 h)."""

    category = models.ForeignKey(
        to=CaseCategory, on_delete=models.CASCADE, related_name="time_limits", verbose_name=_("事件类别")
    )
    stage = models.CharField(_("环节"), max_length=16, choices=Stage.choices)
    level = models.CharField(_("层级"), max_length=16, choices=CaseLevel.choices)
    hours = models.DecimalField(_("时限（工作小时）"), max_digits=6, decimal_places=2)

    class Meta:
        verbose_name = _("分级时限")
        verbose_name_plural = _("分级时限")
        constraints = [
            models.UniqueConstraint(
                fields=("category", "stage", "level"),
                name="cases_timelimit_unique",
                violation_error_message=_("该类别在此层级的此环节已有时限。"),
            ),
            models.CheckConstraint(
                condition=Q(hours__gt=0),
                name="cases_timelimit_positive",
                violation_error_message=_("时限必须大于 0。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category} · {self.get_level_display()} · {self.get_stage_display()}"


def _units_of(user):
    # A subquery, not a join on members: a join would repeat a row once per unit member.
    return HandlingUnit.members.through.objects.filter(user=user).values("handlingunit_id")


class HandlingUnitQuerySet(ScopedQuerySet):
    area_path = "area__path"

    def own_rows(self, user):
        return Q(pk__in=_units_of(user))


class HandlingUnit(models.Model):
    """Who does the work: a department, community team, social organization or property
    company, serving an area. Its members accept and feed back the cases dispatched to it."""

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=32, choices=UnitKind.choices)
    area = models.ForeignKey(
        to="areas.Area", on_delete=models.PROTECT, related_name="handling_units", verbose_name=_("服务区域")
    )
    members = models.ManyToManyField(
        to=settings.AUTH_USER_MODEL, related_name="handling_units", blank=True, verbose_name=_("成员")
    )
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    objects = HandlingUnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("处置单位")
        verbose_name_plural = _("处置单位")
        ordering = ["area__path", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=("area", "name"),
                name="cases_handlingunit_unique",
                violation_error_message=_("该区域已有同名处置单位。"),
            )
        ]

    def __str__(self) -> str:
        return self.name


class Holiday(models.Model):
    """A day that breaks the Monday–Friday rule: a public holiday, or an adjusted workday."""

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("调休上班"), default=False)
    name = models.CharField(_("名称"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("节假日与调休")
        verbose_name_plural = _("节假日与调休")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class CampaignQuerySet(ScopedQuerySet):
    area_path = "area__path"

    def visible_to(self, user, perm=None):
        """Campaigns inside the jurisdiction and those covering it: a grid member of G1
        follows the clean-up of the street G1 lies in (its feed still shows only the cases
        the user can see)."""
        inside = super().visible_to(user, perm)
        if not user or not user.is_authenticated or user.is_superuser:
            return inside
        from gongzhi.core.scoping import jurisdiction_paths

        covering = {
            code
            for path in jurisdiction_paths(user, perm or self.default_permission())
            for code in path.strip("/").split("/")
        }
        return self.filter(Q(pk__in=inside.values("pk")) | Q(area__code__in=covering))


class Campaign(models.Model):
    """A special clean-up (专项整治) grouping cases in an area, with a live progress feed."""

    name = models.CharField(_("名称"), max_length=100)
    area = models.ForeignKey(
        to="areas.Area", on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("区域")
    )
    description = models.TextField(_("说明"), blank=True)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"), null=True, blank=True)
    created_by = models.ForeignKey(
        to=settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("专项整治")
        verbose_name_plural = _("专项整治")
        ordering = ["-start_date", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="cases_campaign_dates",
                violation_error_message=_("结束日期不能早于开始日期。"),
            )
        ]

    def __str__(self) -> str:
        return self.name


class CampaignPost(models.Model):
    """A progress message in a campaign's feed (text and an optional photo)."""

    campaign = models.ForeignKey(
        to=Campaign, on_delete=models.CASCADE, related_name="posts", verbose_name=_("专项整治")
    )
    author = models.ForeignKey(
        to=settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("发布人")
    )
    text = models.TextField(_("内容"))
    photo = models.ForeignKey(
        to="cases.CasePhoto",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("照片"),
    )
    created_at = models.DateTimeField(_("发布时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("整治动态")
        verbose_name_plural = _("整治动态")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.text[:30]


def new_tracking_token() -> str:
    return secrets.token_urlsafe(12)


class CaseQuerySet(ScopedQuerySet):
    area_path = "grid__path"
    areas_by_id = True

    def own_rows(self, user):
        # Reporters follow their own cases; handling units see what was dispatched to them.
        return Q(reporter=user) | Q(handling_unit__in=_units_of(user))

    def open(self):
        return self.filter(status__in=OPEN_STATUSES)


class Case(crypto.SealedFieldsMixin, models.Model):
    """A problem found in a grid, followed from report to close. Its timeline is the
    append-only ``CaseEvent`` ledger; the fields here are the current state, for queries."""

    # Unique through Meta.constraints, not unique=True: on PostgreSQL a unique CharField also
    # gets a second (varchar_pattern_ops) index for LIKE, and nothing searches these by prefix.
    number = models.CharField(_("事件编号"), max_length=20, editable=False)
    tracking_token = models.CharField(_("查询码"), max_length=32, default=new_tracking_token, editable=False)
    category = models.ForeignKey(
        to=CaseCategory, on_delete=models.PROTECT, related_name="cases", verbose_name=_("事件类别")
    )
    description = models.TextField(_("描述"))
    address = models.CharField(_("地址"), max_length=200, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lng = models.FloatField(_("经度"), null=True, blank=True)
    # No index of its own: cases_grid_status and cases_grid_reported both lead with the grid.
    grid = models.ForeignKey(
        to="areas.Area",
        on_delete=models.PROTECT,
        db_index=False,
        related_name="cases",
        verbose_name=_("所在网格"),
    )
    level = models.CharField(_("责任层级"), max_length=16, choices=CaseLevel.choices, default=CaseLevel.GRID)
    responsible_area = models.ForeignKey(
        to="areas.Area",
        on_delete=models.PROTECT,
        related_name="responsible_cases",
        verbose_name=_("责任区域"),
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.REPORTED
    )
    source = models.CharField(_("来源"), max_length=32, choices=CaseSource.choices)
    urgency = models.CharField(_("紧急程度"), max_length=16, choices=Urgency.choices, default=Urgency.NORMAL)
    reporter = models.ForeignKey(
        to=settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reported_cases",
        verbose_name=_("上报人"),
    )
    reporter_name = models.CharField(_("上报人姓名"), max_length=50, blank=True)
    # The reporter's phone is stored encrypted; ``reporter_phone`` reads masked (crypto.sealed).
    reporter_phone_encrypted = models.TextField(_("上报人电话（密文）"), blank=True, editable=False)
    reporter_phone_masked = models.CharField(_("上报人电话"), max_length=20, blank=True, editable=False)
    reporter_email = models.EmailField(_("上报人邮箱"), blank=True)
    handling_unit = models.ForeignKey(
        to=HandlingUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("处置单位"),
    )
    # The sparse foreign keys (most cases have none) are indexed where set: Meta.indexes.
    campaign = models.ForeignKey(
        to=Campaign,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,
        related_name="cases",
        verbose_name=_("专项整治"),
    )
    merged_into = models.ForeignKey(
        to="self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_index=False,
        related_name="duplicates",
        verbose_name=_("合并到"),
    )
    application = models.ForeignKey(
        to="cases.Open311Application",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_index=False,
        related_name="cases",
        verbose_name=_("来源应用"),
    )
    # Deadlines: the current stage's, and the one for closing (按期结案), both in working hours.
    stage_deadline = models.DateTimeField(_("本环节期限"), null=True, blank=True)
    yellow_at = models.DateTimeField(_("临期预警时间"), null=True, blank=True)
    due_at = models.DateTimeField(_("结案期限"), null=True, blank=True)
    warning = models.PositiveSmallIntegerField(_("预警"), choices=Warning.choices, default=Warning.NONE)
    is_supervised = models.BooleanField(_("督办中"), default=False)
    rework_count = models.PositiveSmallIntegerField(_("返工次数"), default=0)
    extension_count = models.PositiveSmallIntegerField(_("延期次数"), default=0)
    # A handling unit's pending request for more time, until a dispatcher grants or declines it.
    requested_extension_hours = models.DecimalField(
        _("申请延期（工作小时）"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    requested_extension_reason = models.CharField(_("延期申请理由"), max_length=200, blank=True)
    escalation_count = models.PositiveSmallIntegerField(_("上报次数"), default=0)
    resolved_level = models.CharField(
        _("解决层级"), max_length=16, choices=CaseLevel.choices, blank=True, default=""
    )
    reported_at = models.DateTimeField(_("上报时间"), db_index=True)
    registered_at = models.DateTimeField(_("立案时间"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("派遣时间"), null=True, blank=True)
    dispatch_deadline = models.DateTimeField(_("派遣期限"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("接收时间"), null=True, blank=True)
    handle_deadline = models.DateTimeField(_("处置期限"), null=True, blank=True)
    fed_back_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    verify_deadline = models.DateTimeField(_("核查期限"), null=True, blank=True)
    verified_at = models.DateTimeField(_("核查时间"), null=True, blank=True)
    verified_by = models.ForeignKey(
        to=settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,
        related_name="+",
        verbose_name=_("核查人"),
    )
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True, db_index=True)
    satisfaction = models.CharField(
        _("满意度"), max_length=16, choices=Satisfaction.choices, blank=True, default=""
    )
    evaluated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = CaseQuerySet.as_manager()

    reporter_phone = crypto.sealed("reporter_phone", mask=mask_phone)

    class Meta:
        verbose_name = _("网格事件")
        verbose_name_plural = _("网格事件")
        ordering = ["-reported_at", "-id"]
        permissions = [
            ("dispatch_case", _("立案、派遣、上报、延期、缓办、结案、合并")),
            ("verify_case", _("现场核查")),
            ("resolve_on_site", _("现场自处置")),
            ("supervise_case", _("督办")),
            ("view_kpis", _("查看考核指标")),
        ]
        indexes = [
            # The sweep finds due warnings and overdue cases through these, never by scanning:
            # partial indexes hold only open cases with a running clock.
            models.Index(
                fields=["stage_deadline"],
                name="cases_open_stage_deadline",
                condition=Q(status__in=OPEN_STATUSES) & Q(stage_deadline__isnull=False),
            ),
            models.Index(
                fields=["yellow_at"],
                name="cases_open_yellow_at",
                condition=Q(status__in=OPEN_STATUSES) & Q(yellow_at__isnull=False),
            ),
            models.Index(fields=["status", "category"], name="cases_status_category"),
            models.Index(fields=["grid", "status"], name="cases_grid_status"),
            # The list under one grid (?under=<grid>), newest first: a page is read off the
            # index in order instead of sorting all of the grid's cases (bench R2).
            models.Index(fields=["grid", "-reported_at", "-id"], name="cases_grid_reported"),
            # Possible duplicates of a report (same category, open, in a small box): read off the
            # open cases of the category alone, not a box's cases intersected with every open case
            # of the category (bench R1). The only query by location: the plain (lat, lng) index
            # it replaces is gone, one index less to write on every report.
            models.Index(
                fields=["category", "lat", "lng"],
                name="cases_open_category_location",
                condition=Q(status__in=OPEN_STATUSES),
            ),
            models.Index(fields=["due_at"], name="cases_due_at"),
            *(
                models.Index(
                    fields=[name], name=f"cases_{name}_set", condition=Q(**{f"{name}__isnull": False})
                )
                for name in ("campaign", "merged_into", "application", "verified_by")
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["number"], name="cases_case_number_key"),
            models.UniqueConstraint(fields=["tracking_token"], name="cases_case_tracking_token_key"),
            models.CheckConstraint(
                condition=~Q(status=CaseStatus.MERGED) | Q(merged_into__isnull=False),
                name="cases_merged_has_target",
                violation_error_message=_("已合并的事件必须指明合并到哪个事件。"),
            ),
            models.CheckConstraint(
                condition=~Q(status=CaseStatus.CLOSED) | ~Q(resolved_level=""),
                name="cases_closed_has_level",
                violation_error_message=_("结案的事件必须记录解决层级。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.category}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class CaseEvent(models.Model):
    """One entry in a case's timeline: who did what, when, from which status to which, with a
    note and photos. Append-only: the timeline is this ledger."""

    # No index of its own: cases_event_case_time (case, created_at) serves every lookup by case.
    case = models.ForeignKey(
        to=Case, on_delete=models.CASCADE, db_index=False, related_name="events", verbose_name=_("事件")
    )
    action = models.CharField(_("动作"), max_length=32, choices=CaseAction.choices)
    from_status = models.CharField(_("原状态"), max_length=16, choices=CaseStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=16, choices=CaseStatus.choices)
    level = models.CharField(_("层级"), max_length=16, choices=CaseLevel.choices)
    actor = models.ForeignKey(
        to=settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    actor_label = models.CharField(_("操作方"), max_length=100, blank=True)
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(_("附加信息"), default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"), db_index=True)

    class Meta:
        verbose_name = _("事件流转记录")
        verbose_name_plural = _("事件流转记录")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"], name="cases_event_case_time")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_action_display()}"


def photo_path(instance: CasePhoto, filename: str) -> str:
    # Random names: a file's URL reveals nothing and cannot be guessed; files are served only
    # through a view that checks the viewer may see the case.
    return f"cases/{secrets.token_hex(2)}/{secrets.token_hex(16)}.jpg"


def thumb_path(instance: CasePhoto, filename: str) -> str:
    return f"cases/thumbs/{secrets.token_hex(2)}/{secrets.token_hex(16)}.jpg"


class PhotoPhase(models.TextChoices):
    REPORT = "report", _("上报（处置前）")
    ON_SITE = "on_site", _("自处置（处置后）")
    FEEDBACK = "feedback", _("处置反馈")
    VERIFY = "verify", _("核查")
    CAMPAIGN = "campaign", _("整治动态")


class CasePhoto(models.Model):
    """A photo attached to a case event, re-encoded on upload (EXIF stripped), with a thumbnail."""

    case = models.ForeignKey(
        to=Case,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="photos",
        verbose_name=_("事件"),
    )
    event = models.ForeignKey(
        to=CaseEvent,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="photos",
        verbose_name=_("流转记录"),
    )
    campaign = models.ForeignKey(
        to=Campaign,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="photos",
        verbose_name=_("专项整治"),
    )
    phase = models.CharField(_("阶段"), max_length=16, choices=PhotoPhase.choices)
    image = models.FileField(_("图片"), upload_to=photo_path)
    thumbnail = models.FileField(_("缩略图"), upload_to=thumb_path)
    width = models.PositiveIntegerField(_("宽"))
    height = models.PositiveIntegerField(_("高"))
    size = models.PositiveIntegerField(_("字节数"))
    uploaded_by = models.ForeignKey(
        to=settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("上传人"),
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("事件照片")
        verbose_name_plural = _("事件照片")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_phase_display()} #{self.pk}"


class IdempotencyKey(models.Model):
    """A client's retry key for case creation: the same key returns the same case, and the same
    key with a different body is refused (422)."""

    scope = models.CharField(_("调用方"), max_length=64)
    key = models.CharField(_("幂等键"), max_length=128)
    request_hash = models.CharField(_("请求摘要"), max_length=64)
    case = models.ForeignKey(to=Case, on_delete=models.CASCADE, related_name="+", verbose_name=_("事件"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("幂等键")
        verbose_name_plural = _("幂等键")
        constraints = [
            models.UniqueConstraint(
                fields=("scope", "key"),
                name="cases_idempotency_unique",
                violation_error_message=_("该幂等键已使用。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"


class Open311Application(models.Model):
    """A third-party application allowed to post service requests through Open311 (api_key).
    Only a hash of the key is stored; the key is shown once when issued."""

    name = models.CharField(_("应用名称"), max_length=100)
    key_prefix = models.CharField(_("密钥前缀"), max_length=8, editable=False)
    key_hash = models.CharField(_("密钥摘要"), max_length=64, unique=True, editable=False)
    area = models.ForeignKey(
        to="areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("可报事区域")
    )
    is_active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(
        to=settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("签发人")
    )
    created_at = models.DateTimeField(_("签发时间"), auto_now_add=True)
    revoked_by = models.ForeignKey(
        to=settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("吊销人"),
    )
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 应用")
        verbose_name_plural = _("Open311 应用")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


__all__ = [
    "CaseAction",
    "CaseLevel",
    "CaseSource",
    "CaseStatus",
    "Satisfaction",
    "Urgency",
]
