"""The projects API's boundary: how funding sources, programmes, projects, their ledgers,
deliveries, case records and awards look, and the bodies each write accepts.

Money travels as Decimal strings with two places ("1234.50"), never floats; statuses and
kinds are plain strings next to a ``*_display`` label; areas travel as codes, organizations,
programmes and sources as ids. Writes are validated here and carried out by
``gongzhi.projects.services``.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from gongzhi.core.exceptions import DomainError
from gongzhi.core.masking import mask_name
from gongzhi.core.scoping import can
from gongzhi.projects import services
from gongzhi.projects.choices import FundingKind, IndicatorKind, LifecycleCategory
from gongzhi.projects.models import (
    Acceptance,
    Allocation,
    Award,
    CaseNote,
    CaseRecord,
    Delivery,
    DeliveryPhoto,
    Disbursement,
    Evaluation,
    FundingSource,
    Milestone,
    Programme,
    Project,
    ProjectCaseworker,
    ProjectChange,
    ProjectClaim,
)
from gongzhi.projects.queries import indicator_progress, project_ledger

STATUS_HELP = _(
    "状态：draft 草稿、published 已发布、claimed 已认领、in_progress 实施中、completed 已完成、"
    "accepted 已验收、evaluated 已评估、cancelled 已取消"
)
CATEGORY_HELP = _(
    "民生类别：childcare 幼有所育、education 学有所教、employment 劳有所得、health 病有所医、"
    "elderly 老有所养、housing 住有所居、vulnerable 弱有所扶"
)
KIND_HELP = _(
    "资金类型：government_purchase 政府购买服务、welfare_lottery 福彩公益金、"
    "corporate_donation 企业定向捐赠、other 其他"
)
DOMAINS_HELP = _("服务领域代码列表（与社会组织的服务领域相同）；修改时整体替换")
LEVEL_HELP = _("级别：national 国家级、provincial 省级、municipal 市级、district 区级、other 其他")
_MONEY_SCHEMA = {"type": "string", "format": "decimal", "pattern": r"^-?\d+\.\d{2}$", "example": "1234.50"}


def Money(**kwargs: Any) -> serializers.DecimalField:  # noqa: N802 - reads like a field class
    """A read-only amount in yuan, rendered as a 2-place Decimal string."""
    return serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True, **kwargs)


def user_label(user: Any) -> str | None:
    return str(user) if user is not None else None


@extend_schema_field(_MONEY_SCHEMA)
class MoneyField(serializers.Field):
    """An amount in yuan written as a string ("1234.50"): positive, at most two decimal places,
    never a float (``services.money`` decides)."""

    def to_internal_value(self, data: Any) -> Any:
        try:
            return services.money(data, field=self.field_name)
        except DomainError as exc:
            raise serializers.ValidationError(str(exc.message)) from None

    def to_representation(self, value: Any) -> str:
        return f"{value:.2f}"


class _RequestMixin:
    def _request(self) -> Any:
        return self.context.get("request")  # type: ignore[attr-defined]

    def _user(self) -> Any:
        request = self._request()
        return getattr(request, "user", None)


# ---------------------------------------------------------------------------------------------
# Funding sources and programmes


class FundingSourceSerializer(serializers.ModelSerializer):
    """A funding source with its balances (annotated by ``queries.with_balances``)."""

    kind = serializers.CharField(help_text=KIND_HELP)
    kind_display = serializers.CharField(source="get_kind_display")
    area = serializers.SlugRelatedField(slug_field="code", read_only=True, help_text=_("所属区域编码"))
    restriction = serializers.CharField(help_text=_("限定用途（民生类别代码），空为不限"))
    restriction_display = serializers.CharField(source="get_restriction_display")
    allocated = Money(help_text=_("已分配（元）"))
    disbursed = Money(help_text=_("已拨付（元）"))
    remaining = Money(help_text=_("可分配余额（元）= 金额 − 已分配"))

    class Meta:
        model = FundingSource
        fields = [
            "id",
            "kind",
            "kind_display",
            "name",
            "year",
            "amount",
            "area",
            "donor_name",
            "donor_credit_code",
            "restriction",
            "restriction_display",
            "receipt_issued",
            "allocated",
            "disbursed",
            "remaining",
            "created_at",
        ]


class FundingSourceWriteSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=FundingKind.choices, help_text=KIND_HELP)
    name = serializers.CharField(max_length=100)
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    amount = MoneyField(help_text=_('金额（元），字符串，如 "100000.00"'))
    area = serializers.CharField(max_length=32, help_text=_("所属区域编码（区级）"))
    donor_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    donor_credit_code = serializers.CharField(max_length=18, required=False, allow_blank=True, default="")
    restriction = serializers.CharField(
        max_length=16,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("限定用途（民生类别代码），空为不限"),
    )
    receipt_issued = serializers.BooleanField(required=False, default=False)


class ProgrammeSerializer(serializers.ModelSerializer):
    area = serializers.SlugRelatedField(slug_field="code", read_only=True, help_text=_("区域编码"))
    area_name = serializers.CharField(source="area.name")
    project_count = serializers.IntegerField(read_only=True, help_text=_("您可见的项目数"))

    class Meta:
        model = Programme
        fields = ["id", "name", "year", "publisher", "area", "area_name", "project_count", "created_at"]


class ProgrammeWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    publisher = serializers.CharField(max_length=100)
    area = serializers.CharField(max_length=32, help_text=_("区域编码（须在您的管辖范围内）"))


# ---------------------------------------------------------------------------------------------
# Projects


class ClaimantSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=_("组织 ID"))
    name = serializers.CharField()


class ProjectSerializer(serializers.ModelSerializer):
    """A project as lists show it; money and delivery totals come from ``queries.with_totals``
    and the claimants from a prefetch (one query per page whatever its length)."""

    programme = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text=_("项目计划 ID")
    )
    programme_name = serializers.CharField(source="programme.name", allow_null=True, read_only=True)
    lifecycle_category = serializers.CharField(help_text=CATEGORY_HELP)
    lifecycle_category_display = serializers.CharField(source="get_lifecycle_category_display")
    service_domains = serializers.SerializerMethodField(help_text=_("服务领域代码列表"))
    area = serializers.SlugRelatedField(slug_field="code", read_only=True, help_text=_("服务区域编码"))
    area_name = serializers.CharField(source="area.name")
    status = serializers.CharField(help_text=STATUS_HELP)
    status_display = serializers.CharField(source="get_status_display")
    claimed_by = serializers.PrimaryKeyRelatedField(
        allow_null=True, read_only=True, help_text=_("承接组织（牵头）ID，未认领为 null")
    )
    claimants = serializers.SerializerMethodField(help_text=_("全部承接组织"))
    budget = Money(help_text=_("预算（元）：分配之和"))
    disbursed = Money(help_text=_("已拨付（元）"))
    unpaid = Money(help_text=_("未拨付（元）= 预算 − 已拨付"))
    person_times = serializers.IntegerField(read_only=True, help_text=_("服务人次"))
    beneficiaries = serializers.IntegerField(read_only=True, help_text=_("服务人数"))
    activities = serializers.IntegerField(read_only=True, help_text=_("活动场次"))

    class Meta:
        model = Project
        fields = [
            "id",
            "title",
            "description",
            "programme",
            "programme_name",
            "year",
            "publisher",
            "lifecycle_category",
            "lifecycle_category_display",
            "service_domains",
            "area",
            "area_name",
            "status",
            "status_display",
            "competitive",
            "max_claimants",
            "starts_on",
            "ends_on",
            "case_services",
            "claimed_by",
            "claimants",
            "budget",
            "disbursed",
            "unpaid",
            "person_times",
            "beneficiaries",
            "activities",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_service_domains(self, obj: Project) -> list[str]:
        return sorted(d.domain for d in obj.domains.all())

    @extend_schema_field(ClaimantSerializer(many=True))
    def get_claimants(self, obj: Project) -> list[dict[str, Any]]:
        claims = getattr(obj, "undertaking_claims", None)
        if claims is None:
            claims = obj.claims.filter(status="undertaking").select_related("organization")
        return [{"id": c.organization_id, "name": c.organization.name} for c in claims]


class MilestoneSerializer(serializers.ModelSerializer):
    completed_by = serializers.SerializerMethodField()

    class Meta:
        model = Milestone
        fields = ["id", "title", "due_on", "completed_on", "completed_by", "evidence"]

    def get_completed_by(self, obj: Milestone) -> str | None:
        return user_label(obj.completed_by)


class IndicatorProgressSerializer(serializers.Serializer):
    """A target indicator beside the figure achieved (``queries.indicator_progress``)."""

    id = serializers.IntegerField(source="indicator.id")
    kind = serializers.CharField(source="indicator.kind", help_text=_("指标类型"))
    kind_display = serializers.CharField(source="indicator.get_kind_display")
    name = serializers.CharField(source="indicator.name")
    target = serializers.DecimalField(source="indicator.target", max_digits=12, decimal_places=2)
    unit = serializers.CharField(source="indicator.unit")
    actual = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    ratio = serializers.DecimalField(
        max_digits=12, decimal_places=2, allow_null=True, help_text=_("完成率 = 实际值 ÷ 目标值")
    )


class LedgerLineSerializer(serializers.Serializer):
    """One funding source's money on a project (``queries.project_ledger``)."""

    source = serializers.IntegerField(source="source.id", help_text=_("资金来源 ID"))
    source_name = serializers.CharField(source="source.name")
    kind = serializers.CharField(source="source.kind", help_text=KIND_HELP)
    allocated = Money()
    disbursed = Money()
    remaining = Money(help_text=_("已分配未拨付（元）"))


class AcceptanceSerializer(serializers.ModelSerializer):
    accepted_by = serializers.SerializerMethodField()

    class Meta:
        model = Acceptance
        fields = ["accepted_on", "accepted_by", "opinion"]

    def get_accepted_by(self, obj: Acceptance) -> str | None:
        return user_label(obj.accepted_by)


class EvaluationSerializer(serializers.ModelSerializer):
    grade = serializers.CharField(help_text=_("等级：excellent 优秀、good 良好、pass 合格、fail 不合格"))
    grade_display = serializers.CharField(source="get_grade_display")
    evaluator = serializers.SerializerMethodField()

    class Meta:
        model = Evaluation
        fields = [
            "evaluated_on",
            "evaluator",
            "evaluator_org",
            "quantity",
            "quality",
            "satisfaction",
            "funds_use",
            "total",
            "grade",
            "grade_display",
            "comment",
        ]

    def get_evaluator(self, obj: Evaluation) -> str | None:
        return user_label(obj.evaluator)


class AwardSerializer(serializers.ModelSerializer):
    level = serializers.CharField(help_text=LEVEL_HELP)
    level_display = serializers.CharField(source="get_level_display")
    project_title = serializers.CharField(source="project.title", allow_null=True, read_only=True)
    organization_name = serializers.CharField(source="organization.name", allow_null=True, read_only=True)
    area = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Award
        fields = [
            "id",
            "name",
            "level",
            "level_display",
            "issuer",
            "awarded_on",
            "project",
            "project_title",
            "organization",
            "organization_name",
            "area",
            "created_at",
        ]


class AwardWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, allow_blank=True)
    level = serializers.CharField(max_length=16, help_text=LEVEL_HELP)
    awarded_on = serializers.DateField()
    issuer = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    project = serializers.IntegerField(required=False, allow_null=True, help_text=_("获奖项目 ID"))
    organization = serializers.IntegerField(required=False, allow_null=True, help_text=_("获奖组织 ID"))


class ProjectChangeSerializer(serializers.ModelSerializer):
    action = serializers.CharField()
    from_status = serializers.CharField(help_text=STATUS_HELP)
    to_status = serializers.CharField(help_text=STATUS_HELP)
    action_display = serializers.CharField(source="get_action_display")
    actor = serializers.SerializerMethodField()

    class Meta:
        model = ProjectChange
        fields = ["action", "action_display", "from_status", "to_status", "actor", "note", "created_at"]

    def get_actor(self, obj: ProjectChange) -> str | None:
        return user_label(obj.actor)


class ProjectDetailSerializer(_RequestMixin, ProjectSerializer):
    """A project with its milestones, indicator progress, money per source (for callers who may
    read the ledgers; null otherwise), acceptance, evaluation, awards and status history."""

    milestones = MilestoneSerializer(many=True, read_only=True)
    indicators = serializers.SerializerMethodField(help_text=_("目标指标及完成情况"))
    ledger = serializers.SerializerMethodField(
        help_text=_("按资金来源的分配、拨付与余额；无资金查看权限时为 null")
    )
    acceptance = AcceptanceSerializer(read_only=True, allow_null=True)
    evaluation = EvaluationSerializer(read_only=True, allow_null=True)
    awards = AwardSerializer(many=True, read_only=True)
    history = ProjectChangeSerializer(source="changes", many=True, read_only=True)

    class Meta(ProjectSerializer.Meta):
        fields = [
            *ProjectSerializer.Meta.fields,
            "milestones",
            "indicators",
            "ledger",
            "acceptance",
            "evaluation",
            "awards",
            "history",
        ]

    @extend_schema_field(IndicatorProgressSerializer(many=True))
    def get_indicators(self, obj: Project) -> list[dict[str, Any]]:
        return IndicatorProgressSerializer(indicator_progress(obj), many=True).data

    @extend_schema_field(LedgerLineSerializer(many=True, allow_null=True))
    def get_ledger(self, obj: Project) -> list[dict[str, Any]] | None:
        if not can(self._user(), "projects.view_allocation", obj.area):
            return None
        return LedgerLineSerializer(project_ledger(obj), many=True).data


class MilestoneWriteSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, allow_blank=True)
    due_on = serializers.DateField(help_text=_("计划完成日期"))


class MilestoneCompleteSerializer(serializers.Serializer):
    evidence = serializers.CharField(required=False, allow_blank=True, default="", help_text=_("完成情况"))
    completed_on = serializers.DateField(required=False, allow_null=True, help_text=_("完成日期，默认今天"))


class IndicatorWriteSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=IndicatorKind.choices)
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    target = serializers.DecimalField(max_digits=12, decimal_places=2, help_text=_("目标值"))
    unit = serializers.CharField(max_length=16, required=False, allow_blank=True, default="")


class IndicatorActualSerializer(serializers.Serializer):
    actual = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text=_("实际值（仅 other 类指标）")
    )


class ProjectWriteSerializer(serializers.Serializer):
    """The body of create: a draft project with its milestones and indicators."""

    title = serializers.CharField(max_length=200, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    programme = serializers.IntegerField(required=False, allow_null=True, help_text=_("项目计划 ID"))
    year = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=2000,
        max_value=2100,
        help_text=_("年度，默认随项目计划或今年"),
    )
    publisher = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    lifecycle_category = serializers.ChoiceField(choices=LifecycleCategory.choices, help_text=CATEGORY_HELP)
    service_domains = serializers.ListField(
        child=serializers.CharField(max_length=32), required=False, default=list, help_text=DOMAINS_HELP
    )
    area = serializers.CharField(max_length=32, help_text=_("服务区域编码（须在您的管辖范围内）"))
    competitive = serializers.BooleanField(required=False, default=False)
    max_claimants = serializers.IntegerField(required=False, default=1, min_value=1)
    starts_on = serializers.DateField(required=False, allow_null=True)
    ends_on = serializers.DateField(required=False, allow_null=True)
    case_services = serializers.BooleanField(required=False, default=False)
    milestones = MilestoneWriteSerializer(many=True, required=False, default=list)
    indicators = IndicatorWriteSerializer(many=True, required=False, default=list)


class ProjectPatchSerializer(serializers.Serializer):
    """The fields ``services.update_project`` may change before anyone claims the project."""

    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    lifecycle_category = serializers.ChoiceField(choices=LifecycleCategory.choices, required=False)
    starts_on = serializers.DateField(required=False, allow_null=True)
    ends_on = serializers.DateField(required=False, allow_null=True)
    competitive = serializers.BooleanField(required=False)
    max_claimants = serializers.IntegerField(required=False, min_value=1)
    publisher = serializers.CharField(max_length=100, required=False, allow_blank=True)
    case_services = serializers.BooleanField(required=False)
    service_domains = serializers.ListField(
        child=serializers.CharField(max_length=32), required=False, help_text=DOMAINS_HELP
    )


# --- transition bodies ----------------------------------------------------------------------


class ClaimBodySerializer(serializers.Serializer):
    organization = serializers.IntegerField(help_text=_("认领的组织 ID"))


class ApplyBodySerializer(serializers.Serializer):
    organization = serializers.IntegerField(help_text=_("申报的组织 ID"))
    proposal = serializers.CharField(allow_blank=True, help_text=_("申报方案"))


class SelectBodySerializer(serializers.Serializer):
    claim = serializers.IntegerField(help_text=_("选定的申报 ID"))
    note = serializers.CharField(required=False, allow_blank=True, default="")


class WithdrawBodySerializer(serializers.Serializer):
    claim = serializers.IntegerField(help_text=_("撤回的申报 ID"))


class NoteBodySerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class AcceptBodySerializer(serializers.Serializer):
    opinion = serializers.CharField(allow_blank=True, help_text=_("验收意见"))
    accepted_on = serializers.DateField(required=False, allow_null=True, help_text=_("验收日期，默认今天"))


class ReasonBodySerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", help_text=_("原因"))


def Score(**kwargs: Any) -> serializers.CharField:  # noqa: N802 - reads like a field class
    """A score as written ("88.5"); ``services.evaluate_project`` checks it is a number in 0–100
    and echoes it back in its message when it is not."""
    return serializers.CharField(max_length=12, **kwargs)


class EvaluateBodySerializer(serializers.Serializer):
    quantity = Score(help_text=_("数量得分 0–100"))
    quality = Score(help_text=_("质量得分 0–100"))
    satisfaction = Score(help_text=_("满意度得分 0–100"))
    funds_use = Score(help_text=_("资金使用得分 0–100"))
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    evaluator_org = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    evaluated_on = serializers.DateField(required=False, allow_null=True)


class ClaimSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name")
    kind = serializers.CharField(help_text=_("方式：claim 直接认领、apply 竞争申报"))
    kind_display = serializers.CharField(source="get_kind_display")
    status = serializers.CharField(
        help_text=_("状态：applied 申报中、undertaking 承接中、not_selected 未入选、withdrawn 已撤回")
    )
    status_display = serializers.CharField(source="get_status_display")

    class Meta:
        model = ProjectClaim
        fields = [
            "id",
            "organization",
            "organization_name",
            "kind",
            "kind_display",
            "status",
            "status_display",
            "proposal",
            "created_at",
            "decided_at",
        ]


# ---------------------------------------------------------------------------------------------
# Money ledgers


class _LedgerEntrySerializer(serializers.ModelSerializer):
    source_name = serializers.CharField(source="source.name")
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, help_text=_("金额（元），冲销为负数"))
    reversed = serializers.BooleanField(source="is_reversed", read_only=True, help_text=_("已被冲销"))
    created_by = serializers.SerializerMethodField()

    def get_created_by(self, obj: Any) -> str | None:
        return user_label(obj.created_by)


class AllocationSerializer(_LedgerEntrySerializer):
    class Meta:
        model = Allocation
        fields = [
            "id",
            "source",
            "source_name",
            "amount",
            "reversal_of",
            "reversed",
            "note",
            "created_by",
            "created_at",
        ]


class DisbursementSerializer(_LedgerEntrySerializer):
    class Meta:
        model = Disbursement
        fields = [
            "id",
            "source",
            "source_name",
            "amount",
            "voucher",
            "paid_on",
            "reversal_of",
            "reversed",
            "note",
            "created_by",
            "created_at",
        ]


class AllocationWriteSerializer(serializers.Serializer):
    source = serializers.IntegerField(help_text=_("资金来源 ID"))
    amount = MoneyField(help_text=_('金额（元），字符串，如 "5000.00"'))
    note = serializers.CharField(required=False, allow_blank=True, default="")


class DisbursementWriteSerializer(AllocationWriteSerializer):
    voucher = serializers.CharField(max_length=64, allow_blank=True, help_text=_("拨付凭证号"))
    paid_on = serializers.DateField(help_text=_("拨付日期"))


# ---------------------------------------------------------------------------------------------
# Deliveries


def delivery_photo_urls(request: Any, photo_id: int) -> tuple[str, str]:
    """The image and thumbnail URLs of a delivery photo: the view behind them checks the viewer."""
    image = reverse("api-delivery-photo", args=[photo_id])
    thumb = reverse("api-delivery-photo-thumbnail", args=[photo_id])
    if request is not None:
        return request.build_absolute_uri(image), request.build_absolute_uri(thumb)
    return image, thumb


class DeliveryPhotoSerializer(_RequestMixin, serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text=_("原图（经权限检查的地址）"))
    thumbnail_url = serializers.SerializerMethodField(help_text=_("缩略图"))

    class Meta:
        model = DeliveryPhoto
        fields = ["id", "url", "thumbnail_url", "width", "height"]

    def get_url(self, obj: DeliveryPhoto) -> str:
        return delivery_photo_urls(self._request(), obj.pk)[0]

    def get_thumbnail_url(self, obj: DeliveryPhoto) -> str:
        return delivery_photo_urls(self._request(), obj.pk)[1]


class DeliverySerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", allow_null=True, read_only=True)
    reported_by = serializers.SerializerMethodField()
    photos = DeliveryPhotoSerializer(many=True, read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "title",
            "held_on",
            "place",
            "content",
            "beneficiaries",
            "person_times",
            "satisfaction",
            "milestone",
            "organization",
            "organization_name",
            "reported_by",
            "photos",
            "created_at",
        ]

    def get_reported_by(self, obj: Delivery) -> str | None:
        return user_label(obj.reported_by)


class DeliveryWriteSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, allow_blank=True)
    held_on = serializers.DateField(help_text=_("活动日期（不晚于今天）"))
    beneficiaries = serializers.IntegerField(min_value=0, help_text=_("服务人数"))
    person_times = serializers.IntegerField(min_value=0, help_text=_("服务人次（不少于服务人数）"))
    place = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    content = serializers.CharField(required=False, allow_blank=True, default="")
    satisfaction = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, allow_null=True, help_text=_("满意度（%）")
    )
    milestone = serializers.IntegerField(required=False, allow_null=True, help_text=_("推进的里程碑 ID"))
    organization = serializers.IntegerField(
        required=False, allow_null=True, help_text=_("实施组织 ID（默认为您负责的承接组织）")
    )
    photos = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        help_text=_("活动照片（multipart/form-data，字段名 photos，可多个；JPEG、PNG 或 WebP）"),
    )


# ---------------------------------------------------------------------------------------------
# Caseworkers and case records


class CaseworkerSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username")
    display_name = serializers.CharField(source="user.display_name")

    class Meta:
        model = ProjectCaseworker
        fields = ["id", "user", "username", "display_name", "created_at"]


class CaseworkerWriteSerializer(serializers.Serializer):
    user = serializers.IntegerField(help_text=_("社工的用户 ID"))


class MaskedPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.SerializerMethodField(help_text=_("姓名（脱敏）"))
    id_number = serializers.CharField(source="id_number_masked", help_text=_("身份证号码（脱敏）"))

    def get_name(self, obj: Any) -> str:
        return mask_name(obj.name)


class CaseNoteSerializer(serializers.ModelSerializer):
    written_by = serializers.SerializerMethodField()

    class Meta:
        model = CaseNote
        fields = ["id", "noted_on", "content", "written_by", "created_at"]

    def get_written_by(self, obj: CaseNote) -> str | None:
        return user_label(obj.written_by)


class CaseRecordSerializer(serializers.ModelSerializer):
    project_title = serializers.CharField(source="project.title")
    person = MaskedPersonSerializer(read_only=True, allow_null=True)
    status = serializers.CharField(help_text=_("状态：open 服务中、closed 已结案"))
    status_display = serializers.CharField(source="get_status_display")

    class Meta:
        model = CaseRecord
        fields = [
            "id",
            "project",
            "project_title",
            "number",
            "household",
            "person",
            "members",
            "needs",
            "plan",
            "status",
            "status_display",
            "opened_on",
            "closed_on",
            "created_at",
        ]


class CaseRecordDetailSerializer(CaseRecordSerializer):
    notes = CaseNoteSerializer(many=True, read_only=True)

    class Meta(CaseRecordSerializer.Meta):
        fields = [*CaseRecordSerializer.Meta.fields, "notes"]


class CaseRecordWriteSerializer(serializers.Serializer):
    project = serializers.IntegerField(help_text=_("项目 ID（您须是其个案社工）"))
    household = serializers.CharField(max_length=100, allow_blank=True, help_text=_("服务对象"))
    needs = serializers.CharField(allow_blank=True, help_text=_("需求评估"))
    members = serializers.IntegerField(required=False, default=1, help_text=_("家庭人数"))
    plan = serializers.CharField(required=False, allow_blank=True, default="")
    person = serializers.IntegerField(required=False, allow_null=True, help_text=_("关联人员 ID"))
    opened_on = serializers.DateField(required=False, allow_null=True)


class CaseNoteWriteSerializer(serializers.Serializer):
    content = serializers.CharField(allow_blank=True)
    noted_on = serializers.DateField(required=False, allow_null=True, help_text=_("服务日期，默认今天"))


class CaseCloseSerializer(serializers.Serializer):
    closed_on = serializers.DateField(required=False, allow_null=True, help_text=_("结案日期，默认今天"))


# ---------------------------------------------------------------------------------------------
# Coverage


class CoverageQuerySerializer(serializers.Serializer):
    under = serializers.CharField(required=False, help_text=_("区域编码，默认为您管辖范围的最上级区域"))
    year = serializers.IntegerField(required=False, help_text=_("年度"))


class CoverageCellSerializer(serializers.Serializer):
    projects = serializers.IntegerField()
    budget = Money()
    person_times = serializers.IntegerField()


class CategorySerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()


class ColumnSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class GapSerializer(serializers.Serializer):
    category = serializers.CharField()
    area = serializers.CharField(help_text=_("区域编码"))


class CoverageSerializer(serializers.Serializer):
    """The life-cycle coverage matrix: categories × the areas directly under ``under`` (plus
    ``under`` itself for projects aimed at the whole area)."""

    under = serializers.CharField(help_text=_("区域编码"))
    under_name = serializers.CharField()
    year = serializers.IntegerField(allow_null=True)
    categories = CategorySerializer(many=True)
    columns = ColumnSerializer(many=True)
    cells = serializers.DictField(
        child=serializers.DictField(child=CoverageCellSerializer()),
        help_text=_("cells[民生类别][区域编码] = {projects, budget, person_times}"),
    )
    row_totals = serializers.DictField(child=CoverageCellSerializer())
    column_totals = serializers.DictField(child=CoverageCellSerializer())
    total = CoverageCellSerializer()
    gaps = GapSerializer(many=True, help_text=_("没有任何项目的格子（不含 under 本级列）"))
